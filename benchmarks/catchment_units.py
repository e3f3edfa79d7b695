"""Catchment model (Model 1) at kommune level and with the 2,141 sogne (parishes) as units.

The finer unit is the real sogn: every demand point of ``ds.demand`` is one sogn (DST 2021 population via
dagir, at its visual centre), so a sogn-level plan may split a kommune between catchments. (This replaces the
earlier stand-in of about 1,000 modelled demand points merged to ~590 "postcode-sized" units.)

Unit instance (same :class:`model.catchments.CatchmentInstance` and rules as the national model):
population = the sogn's ``befolkning`` (scaled to the DST kommune population of the dataset's year);
minutes = the sogn point's minutes to each akutsygehus (the same embedded-network matrix the kommune model
averages); region = the kommune's region; each hospital sits in the sogn of its own kommune nearest to the
hospital site; adjacency = Delaunay edges (scipy.spatial) between sogn points in the same kommune or in
kommuner adjacent in ``ds.adjacency`` (land, bridge, ferry), plus, where that leaves a kommune's sogne
disconnected or a kommune pair of ``ds.adjacency`` without a sogn edge, the shortest straight link that
repairs it. (The sogn polygons are not shipped, so sogn adjacency is approximated from the points.)
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np
from scipy.spatial import Delaunay, cKDTree

from benchmarks.common import Timing, highs_time, table

TIME_LIMIT_UNITS_S = 300.0


def _closest_pair(xy: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    d, j = cKDTree(xy[b]).query(xy[a])
    k = int(np.argmin(d))
    return int(a[k]), int(b[j[k]])


def unit_edges(xy: np.ndarray, kode: np.ndarray, adjacency: nx.Graph) -> list[tuple[int, int]]:
    """Delaunay edges filtered by kommune adjacency, repaired as described in the module docstring."""
    tri = Delaunay(xy)
    edges = set()
    for s in tri.simplices:
        for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
            a, b = int(min(a, b)), int(max(a, b))
            ka, kb = int(kode[a]), int(kode[b])
            if ka == kb or adjacency.has_edge(ka, kb):
                edges.add((a, b))
    g = nx.Graph()
    g.add_nodes_from(range(len(xy)))
    g.add_edges_from(edges)
    for k in np.unique(kode):
        members = np.flatnonzero(kode == k)
        sub = g.subgraph(members.tolist())
        comps = [np.array(sorted(c)) for c in nx.connected_components(sub)]
        while len(comps) > 1:
            comps.sort(key=len, reverse=True)
            main, rest = comps[0], np.concatenate(comps[1:])
            a, b = _closest_pair(xy, main, rest)
            edges.add((min(a, b), max(a, b)))
            g.add_edge(a, b)
            sub = g.subgraph(members.tolist())
            comps = [np.array(sorted(c)) for c in nx.connected_components(sub)]
    for ka, kb in adjacency.edges():
        A, B = np.flatnonzero(kode == ka), np.flatnonzero(kode == kb)
        if not any(g.has_edge(int(a), int(b)) for a in A for b in B if g.has_node(int(a))):
            a, b = _closest_pair(xy, A, B)
            edges.add((min(a, b), max(a, b)))
            g.add_edge(a, b)
    return sorted(edges)


def unit_instance(ds):
    """The sogn-level CatchmentInstance (one unit per sogn)."""
    from sundhed.model.catchments import CatchmentInstance
    from sundhed.model.national import catchment_instance

    kinst = catchment_instance(ds)
    dem = ds.demand
    xy = np.c_[dem.geometry.x.to_numpy(), dem.geometry.y.to_numpy()]
    pop = dem["befolkning"].to_numpy(float)
    kode = dem["kode"].to_numpy(int)
    minutes = ds.demand_to_hospitals().minutes  # demand points x hospitals (ds.hospitals order)
    rep = np.arange(len(xy))
    keep = np.unique(rep)
    pos = {int(r): u for u, r in enumerate(keep)}
    uid = np.array([pos[int(r)] for r in rep])
    nu = len(keep)
    upop = np.bincount(uid, weights=pop, minlength=nu)
    umin = np.vstack([np.bincount(uid, weights=pop * minutes[:, h], minlength=nu) for h in range(minutes.shape[1])]).T
    umin = umin / np.maximum(upop, 1e-9)[:, None]
    uxy, ukode = xy[keep], kode[keep]
    region_of = dict(zip(kinst.kommuner, kinst.region))
    hosp = ds.hospitals
    names = list(hosp["navn"])
    assert tuple(names) == kinst.hospitals
    hx, hy = hosp.geometry.x.to_numpy(), hosp.geometry.y.to_numpy()
    host = []
    for h in range(len(names)):
        cand = np.flatnonzero(ukode == int(hosp["kode"].iloc[h]))
        host.append(int(cand[np.argmin(np.hypot(uxy[cand, 0] - hx[h], uxy[cand, 1] - hy[h]))]))
    if len(set(host)) != len(host):
        raise RuntimeError("two hospitals fall into one unit")
    base = {u: kinst.baseline[int(k)] for u, k in enumerate(ukode) if int(k) in kinst.baseline}
    edges = unit_edges(uxy, ukode, ds.adjacency)
    return CatchmentInstance(
        kommuner=tuple(range(nu)), population=upop, region=tuple(region_of[int(k)] for k in ukode),
        hospitals=kinst.hospitals, hospital_region=kinst.hospital_region, hospital_kommune=tuple(host),
        minutes=umin, edges=tuple(edges), baseline=base,
        names={u: str(dem["navn"].iloc[int(r)]) for u, r in enumerate(keep)})


def solve_timed(inst, time_limit: float) -> tuple[Timing, dict]:
    from sundhed.model.catchments import CatchmentRules, build_catchment_model
    from sundhed.solvers.highs import SolveOptions, solve_with_highs
    import pyomo.environ as pyo

    t0 = time.perf_counter()
    mdl = build_catchment_model(inst, CatchmentRules(), {"travel": 1.0, "band": 0.01})
    build = time.perf_counter() - t0
    with highs_time() as hc:
        t0 = time.perf_counter()
        st = solve_with_highs(mdl, SolveOptions(time_limit=time_limit, mip_gap=1e-6))
        solve = time.perf_counter() - t0
    size = {"binaries": len(mdl.x), "flows": len(mdl.flow),
            "rows": sum(len(c) for c in mdl.component_objects(pyo.Constraint, active=True))}
    size["travel_min"] = float(pyo.value(mdl.term["travel"]))
    return Timing(build, solve, hc.seconds, st.objective, st.status, {"gap": st.gap, "bound": st.bound}), size


def run(quick: bool = False, log=print) -> tuple[str, list[dict]]:
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.national import catchment_instance

    ds = load_dataset()
    cases = [("kommuner (national model)", catchment_instance(ds), 600.0)]
    for label in (f"{len(ds.demand):,} sogne",):
        t0 = time.perf_counter()
        inst = unit_instance(ds)
        log(f"  catchments: built {label} instance in {time.perf_counter() - t0:.1f} s "
            f"({len(inst.kommuner)} units, {len(inst.edges)} edges)")
        cases.append((label, inst, TIME_LIMIT_UNITS_S))
    rows, recs = [], []
    for label, inst, tl in cases:
        log(f"  catchments: solving {label} (time limit {tl:.0f} s) ...")
        t, size = solve_timed(inst, tl)
        rows.append([label, len(inst.kommuner), len(inst.edges), size["binaries"], size["flows"], size["rows"],
                     t.build, t.solve, t.highs, t.total, t.status, f"{100 * t.extra['gap']:.3f}%", t.objective,
                     size["travel_min"]])
        recs.append({"case": label, "units": len(inst.kommuner), **size, **t.__dict__})
    headers = ["unit", "units", "adjacency edges", "binaries", "flow vars", "rows", "build s", "solve s",
               "HiGHS s", "total s", "status", "gap", "objective", "mean travel min"]
    notes = ["Default rules (region rule, soft band 200,000-400,000 with the three exceptions), objective "
             "travel + 0.01 x band (the `sundhed solve` default), relative MIP gap 1e-6. Unit-level rows use a "
             f"time limit of {TIME_LIMIT_UNITS_S:.0f} s: 'maxTimeLimit' = not proven optimal, gap as reported by "
             "HiGHS. Sogn units: the 2,141 sogne of the demand data (DST 2021 via dagir), population of 1 Jan "
             f"{ds.population_year}; sogn adjacency approximated by Delaunay edges between the sogn points "
             "(see benchmarks/catchment_units.py)."]
    return table("Catchment model: time to proven optimum, kommune vs finer units", headers, rows, notes), recs
