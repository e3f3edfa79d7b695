"""Dispatch simulation of a solved akutbil plan: a year of urgent calls before and after the new units.

Composes geodata (dataset, travel times) and model/dispatch_sim.py (the engine). ``sundhed simulate
RESULT_DIR`` and ``simulation.run = true`` in a config land here. The fleet *before* is the plan's existing
stations (ambulances: ``enheder`` from a station list, else ``simulation.units_per_site`` per site); *after*
adds one akutbil (no transport) per new station. Calls follow the plan's demand weights (inhabitants,
modelled); their number is ``simulation.calls_per_year`` times the scope's share of Denmark's population.
The same calls are replayed on both fleets (common random numbers), so the change has a tight interval.

Outputs (``akutbiler/``): ``simulation.json`` (the object ``--json`` prints: ``national`` and ``regions``,
each with ``before``, ``after`` and ``ci_halfwidth``), ``simulation_regions.csv`` and
``simulation_kommuner.csv`` (simulated share within T per kommune, the map layer).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR
from sundhed.model.dispatch_sim import (
    Fleet,
    SimParams,
    group_stats,
    paired_change,
    simulate,
)

NATIONAL = "(total)"
SIM_FILE = "simulation.json"


def sim_params(cfg, T: float, delay_min: float, scale: float = 1.0) -> SimParams:
    """:class:`SimParams` from the config's ``simulation`` table and the plan's T and delay (minutes); the
    national call rates times ``scale`` (the scope's share of the population)."""
    s = cfg.simulation
    return SimParams(calls_per_year=s.calls_per_year * scale,
                     background_calls_per_year=s.background_calls_per_year * scale,
                     T=T, delay_min=delay_min, on_scene_min=s.on_scene_min,
                     akutbil_on_scene_min=s.akutbil_on_scene_min, transport_share=s.transport_share,
                     handover_min=s.handover_min, on_scene=s.on_scene, replications=s.replications, seed=s.seed)


def units_at(stations: pd.DataFrame, idx: Sequence[int], units_per_site: int) -> np.ndarray:
    """Ambulances at each station in ``idx``: the station list's ``enheder`` where given, else
    ``units_per_site`` (the modelled and hospital sites carry no unit count)."""
    if "enheder" in stations:
        e = pd.to_numeric(stations["enheder"], errors="coerce").to_numpy(float)[list(idx)]
        return np.where(np.isfinite(e) & (e >= 1), e, units_per_site).astype(int)
    return np.full(len(idx), int(units_per_site))


@dataclass
class FleetInputs:
    """What a fleet needs beyond the instance: per demand point the nearest-hospital drive (minutes) and
    the hospital index, and the (hospital x station) drive minutes."""

    to_hospital_min: np.ndarray
    hospital_of_point: np.ndarray
    hospital_to_station_min: np.ndarray


def fleet_inputs(ds, inst, stations: pd.DataFrame, cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> FleetInputs:
    """Nearest-akutsygehus drive per demand point and hospital -> station drives (embedded network; cache
    folder ``cache_dir``, None = no cache)."""
    from sundhed.geodata.traveltimes import points_frame, travel_times

    src = ds.embedded_source()
    dh = ds.demand_to_hospitals(src, cache_dir)
    row = {str(i): r for r, i in enumerate(dh.origin_ids)}
    rows = np.array([row[str(i)] for i in inst.demand_ids])
    m = dh.minutes[rows]
    h = np.argmin(m, axis=1)
    # hospitals routed together with the demand points, so they see the same network as the akutbil model
    hp = ds.hospital_points_frame()
    hs = travel_times(src, pd.concat([hp, ds.demand_points_frame()], ignore_index=True),
                      points_frame(stations["id"], stations["x"], stations["y"]), cache_dir=cache_dir)
    return FleetInputs(m[np.arange(len(rows)), h], h, hs.minutes[: len(hp)])


def build_fleet(inst, fi: FleetInputs, station_idx: Sequence[int], units: Sequence[int] | np.ndarray,
                transports: Sequence[bool]) -> Fleet:
    """A :class:`Fleet` with ``units[k]`` units at station ``station_idx[k]`` (ambulances if
    ``transports[k]``)."""
    st = np.repeat(np.asarray(station_idx, dtype=int), np.asarray(units, dtype=int))
    tr = np.repeat(np.asarray(transports, dtype=bool), np.asarray(units, dtype=int))
    back = fi.hospital_to_station_min[fi.hospital_of_point][:, st]
    return Fleet(drive_min=inst.drive_min[:, st], uses_ferry=inst.uses_ferry[:, st], transports=tr, station=st,
                 to_hospital_min=fi.to_hospital_min, hospital_to_station_min=back)


@dataclass
class SimulationResult:
    """Before/after simulation of one plan. ``regions``: one row per region plus ``(total)``;
    ``kommuner``: simulated share within T per kommune (pooled over replications); ``summary``: the
    ``--json`` object."""

    regions: pd.DataFrame
    kommuner: pd.DataFrame
    summary: dict

    def metrics(self) -> list:
        """Headline figures (:class:`sundhed.model.plan.Metric`) for sweeps and ``scenario.json``."""
        from sundhed.model.plan import Metric

        nat = self.summary["national"]
        T = int(round(self.summary["T"]))
        return [
            Metric("sim_share_before", nat["before"]["share_within_T"], "share",
                   f"Simuleret andel inden for {T} min før", f"Simulated share within {T} min before"),
            Metric("sim_share_after", nat["after"]["share_within_T"], "share",
                   f"Simuleret andel inden for {T} min efter", f"Simulated share within {T} min after"),
            Metric("sim_change", nat["change_share_within_T"], "share", "Simuleret forbedring",
                   "Simulated gain"),
            Metric("sim_change_ci", nat["ci_halfwidth"]["change_share_within_T"], "share",
                   "Simuleret forbedring, 95 %-interval (±)", "Simulated gain, 95 % half-width"),
            Metric("sim_utilisation_after", nat["after"]["utilisation"], "share", "Enhedernes udnyttelse efter",
                   "Unit utilisation after"),
        ]

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        paths = {"simulation": d / SIM_FILE, "simulation_regions": d / "simulation_regions.csv",
                 "simulation_kommuner": d / "simulation_kommuner.csv"}
        tmp = paths["simulation"].with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.summary, ensure_ascii=False, indent=2), encoding="utf-8")
        self.regions.to_csv(paths["simulation_regions"], index=False)
        self.kommuner.to_csv(paths["simulation_kommuner"], index=False)
        tmp.replace(paths["simulation"])
        return paths


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def simulate_plan(ds, inst, stations: pd.DataFrame, existing: Sequence[int], new: Sequence[int], cfg, *,
                  static: pd.DataFrame | None = None, cache_dir: str | Path | None = DEFAULT_CACHE_DIR,
                  log: Callable[[str], None] = lambda s: None) -> SimulationResult:
    """Simulate the plan (existing stations, new stations: indices into ``inst.station_ids``) before and after.

    ``static``: the plan's region report (``region``, ``before_<T>``, ``after_<T>``) for side-by-side figures.
    """
    a = cfg.akutbiler
    s = cfg.simulation
    pid = ds.demand["punkt_id"].astype(str)
    pop = dict(zip(pid, ds.demand["befolkning"].astype(float)))
    scope_pop = sum(pop[str(i)] for i in inst.demand_ids)
    national_pop = float(ds.demand["befolkning"].sum())
    p = sim_params(cfg, float(a.T), float(inst.delay_min), scope_pop / national_pop)
    calls = p.calls_per_year
    fi = fleet_inputs(ds, inst, stations, cache_dir)
    existing, new = [int(j) for j in existing], [int(j) for j in new]
    ex_units = units_at(stations, existing, s.units_per_site)
    before = build_fleet(inst, fi, existing, ex_units, [True] * len(existing))
    after = build_fleet(inst, fi, existing + new, list(ex_units) + [1] * len(new),
                        [True] * len(existing) + [False] * len(new))
    log(f"simulation: {calls:,.0f} calls a year, {p.replications} replications, {before.n_units} units before, "
        f"{after.n_units} after")
    runs_b = simulate(before, inst.demand_weight, p)
    runs_a = simulate(after, inst.demand_weight, p)

    kom = ds.kommuner.set_index(ds.kommuner["kode"].astype(int))
    st_region = kom["region"].reindex(stations["kode"].astype(int)).to_numpy(object)
    preg = np.asarray(inst.demand_region, dtype=object)
    regions = list(dict.fromkeys(preg.tolist()))
    groups = regions + [NATIONAL]

    def stats(runs, fleet):
        by = group_stats(runs, preg, st_region[fleet.station], regions)
        nat = group_stats(runs, np.full(len(preg), NATIONAL, dtype=object),
                          np.full(fleet.n_units, NATIONAL, dtype=object), [NATIONAL])
        return {**by, **nat}

    sb, sa = stats(runs_b, before), stats(runs_a, after)
    T = float(a.T)
    rep = static.set_index("region") if static is not None else None
    rows, js = [], {}
    for g in groups:
        b, af = sb[g], sa[g]
        ch, ch_hw = paired_change(b, af)
        mb, ma, hb, ha = b.mean(), af.mean(), b.halfwidth(), af.halfwidth()
        stat_b = stat_a = float("nan")
        if rep is not None and g in rep.index and f"before_{T:g}" in rep:
            stat_b, stat_a = float(rep.loc[g, f"before_{T:g}"]), float(rep.loc[g, f"after_{T:g}"])
        rows.append({"region": g, "calls_per_year": ma["calls"], "static_before": stat_b, "static_after": stat_a,
                     "sim_before": mb["share_within_T"], "sim_before_ci": hb["share_within_T"],
                     "sim_after": ma["share_within_T"], "sim_after_ci": ha["share_within_T"],
                     "sim_change": ch, "sim_change_ci": ch_hw,
                     "mean_response_before_min": mb["mean_response_min"],
                     "mean_response_after_min": ma["mean_response_min"],
                     "utilisation_before": mb["utilisation"], "utilisation_after": ma["utilisation"],
                     "waited_share_before": mb["waited_share"], "waited_share_after": ma["waited_share"]})
        js[g] = _clean({"before": mb, "after": ma,
                        "ci_halfwidth": {"before": hb, "after": ha, "change_share_within_T": ch_hw},
                        "change_share_within_T": ch,
                        "static_share_within_T": {"before": stat_b, "after": stat_a}})
    reg_df = pd.DataFrame(rows)

    # per kommune, pooled over replications
    code_of = dict(zip(pid, ds.demand["kode"].astype(int)))
    pcode = np.array([code_of[str(i)] for i in inst.demand_ids])
    krows = []
    for name, runs in (("before", runs_b), ("after", runs_a)):
        pts = np.concatenate([r.call_point for r in runs])
        hit = np.concatenate([r.within_T for r in runs]).astype(float)
        df = pd.DataFrame({"kode": pcode[pts], "hit": hit}).groupby("kode")["hit"].agg(["mean", "size"])
        krows.append(df.rename(columns={"mean": f"share_{name}", "size": f"calls_{name}"}))
    kdf = pd.concat(krows, axis=1).reset_index()
    kdf["calls_per_year"] = kdf.pop("calls_after") / p.replications
    kdf = kdf.drop(columns=["calls_before"])
    kdf.insert(1, "navn", kdf["kode"].map(kom["navn"]))
    kdf.insert(2, "region", kdf["kode"].map(kom["region"]))

    summary = _clean({
        "national": js[NATIONAL], "regions": {r: js[r] for r in regions},
        "plan": {"existing_station_ids": [str(inst.station_ids[j]) for j in existing],
                 "new_station_ids": [str(inst.station_ids[j]) for j in new]},
        "T": T, "delay_min": float(inst.delay_min), "replications": p.replications, "seed": p.seed,
        "calls_per_year": calls, "calls_per_year_national_estimate": s.calls_per_year,
        "units": {"before": before.n_units, "after": after.n_units,
                  "ambulances": int(before.transports.sum()), "new_akutbiler": len(new)},
        "assumptions": {k: v for k, v in asdict(p).items() if k not in ("T", "delay_min", "replications", "seed")}
        | {"units_per_site": s.units_per_site},
        "notes": ["calls_per_year is an estimate (about 875,000 A-priority trips 2021-2025 in the TV2 data / 5)",
                  "on-scene, transport share and handover times are planning assumptions (config 'simulation')",
                  "population and demand points are modelled; the existing fleet is the plan's"],
    })
    return SimulationResult(reg_df, kdf, summary)


def stored_simulation(folder: str | Path, plan) -> SimulationResult | None:
    """The simulation written beside ``plan`` in ``folder``, if any and if it belongs to this plan (same
    existing and new stations); None otherwise (e.g. a stale file from an earlier solve)."""
    d = Path(folder)
    files = [d / SIM_FILE, d / "simulation_regions.csv", d / "simulation_kommuner.csv"]
    if not all(f.exists() for f in files):
        return None
    summary = json.loads(files[0].read_text(encoding="utf-8"))
    who = summary.get("plan") or {}
    if ([str(i) for i in who.get("existing_station_ids", [])] != [str(i) for i in plan.existing_station_ids]
            or [str(i) for i in who.get("new_station_ids", [])] != [str(i) for i in plan.new_station_ids]):
        return None
    return SimulationResult(pd.read_csv(files[1]), pd.read_csv(files[2]), summary)


# ------------------------------------------------------------------------------------------ result dirs
def simulate_result_dir(result_dir: str | Path, *, replications: int | None = None, seed: int | None = None,
                        log: Callable[[str], None] = lambda s: None):
    """Read the akutbil plan of a ``sundhed solve`` folder (no solve), rebuild its instance from the stored
    config (travel times are cached) and simulate it. Returns (result, cfg, plan with the simulation, ds).
    ValueError (one line) when the folder holds no akutbil plan or the rebuilt stations differ."""
    from sundhed.config import Config
    from sundhed.geodata.dataset import load_dataset
    from sundhed.scenario import read_result
    from sundhed.steps import STEPS, StepContext

    d = Path(result_dir)
    if not (d / "akutbiler" / "summary.json").exists():
        raise ValueError(f"{d}: no akutbiler/summary.json (solve a config with model 'akutbiler' first)")
    cfg_dict, plans = read_result(d)
    plan: Any = plans.get("akutbiler")  # an EMSPlan
    if plan is None:
        raise ValueError(f"{d}: the stored config has no akutbil model")
    cfg = Config.model_validate({k: v for k, v in cfg_dict.items() if k not in ("config_hash", "config_file")})
    upd = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    if upd:
        cfg = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(update=upd)})
    scen = d / "scenario.json"
    config_file = json.loads(scen.read_text(encoding="utf-8")).get("config_file") if scen.exists() else None
    config_file = config_file or (plan.config or {}).get("config_file")
    ds = load_dataset(cfg.catchments.hospital_sites)
    ctx = StepContext(base_dir=Path(config_file).parent if config_file else None, ds=ds)
    if "catchments" in plans and STEPS["catchments"].feeds is not None:
        ctx.catchment_of = STEPS["catchments"].feeds(plans["catchments"])
    inst, st = STEPS["akutbiler"].build(cfg, ds, ctx)[:2]
    index = {str(s): j for j, s in enumerate(inst.station_ids)}
    ids = [str(i) for i in plan.existing_station_ids] + [str(i) for i in plan.new_station_ids]
    missing = [i for i in ids if i not in index]
    if missing:
        raise ValueError(f"{d}: stations {missing[:5]} are not candidates of the rebuilt instance "
                         "(data changed since the solve? re-run `sundhed solve`)")
    existing = [index[str(i)] for i in plan.existing_station_ids]
    if sorted(existing) != sorted(inst.existing.tolist()):
        raise ValueError(f"{d}: the stored existing fleet differs from the rebuilt one (re-run `sundhed solve`)")
    new = [index[str(i)] for i in plan.new_station_ids]
    res = simulate_plan(ds, inst, st, existing, new, cfg, static=plan.region_report, log=log)
    plan.simulation = res
    return res, cfg, plan, ds
