"""Travel-time matrix on the embedded network: all demand points x all akutbil candidate stations.

The project computes matrices in ``geodata.traveltimes.EmbeddedNetworkSource.compute`` with
``scipy.sparse.csgraph.dijkstra`` from the smaller side (here the candidates), once with ferries and once
without. This section times, on the very same graph (``RoadNetwork.csgraph()``; no disk cache involved):

* building the network for these points (``EmbeddedNetworkSource.network_for``);
* scipy ``dijkstra`` (one-to-all from every candidate) vs networkx
  ``single_source_dijkstra_path_length`` from every candidate (the networkx way to get a full matrix),
  with the two matrices compared;
* nearest candidate per demand point (what a covering check needs): scipy ``dijkstra(min_only=True)``
  vs networkx ``multi_source_dijkstra_path_length``;
* the project's whole ``travel_times(..., cache_dir=None)`` (network + both Dijkstra runs).
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from benchmarks.common import table


CPU: dict[str, float] = {}


def _best_of(f, repeat: int = 3, cpu_key: str | None = None):
    """Best wall seconds of ``repeat`` runs (and, under ``cpu_key``, the best CPU seconds)."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    if cpu_key:
        CPU[cpu_key] = best_cpu
    return best, out


def run(quick: bool = False, log=print) -> tuple[str, dict]:
    import pandas as pd

    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.traveltimes import points_frame, travel_times
    from sundhed.model.national_akutbiler import candidate_stations

    ds = load_dataset()
    src = ds.embedded_source()
    dem = ds.demand_points_frame()
    st = candidate_stations(ds)
    cand = points_frame(st["id"], st["x"], st["y"])
    allpts = pd.concat([dem, cand]).drop_duplicates("id")
    n_d, n_c = len(dem), len(cand)
    log(f"  travel times: {n_d} demand points x {n_c} candidates")

    t_net, net = _best_of(lambda: src.network_for(allpts), 3, "network")
    index = {lab: i for i, lab in enumerate(net.node_label)}
    o = np.array([index[f"pt:{i}"] for i in dem["id"]])
    d = np.array([index[f"pt:{i}"] for i in cand["id"]])
    t_csr, G = _best_of(lambda: net.csgraph(), 3)
    rep = 1 if quick else 3

    # the graph is symmetric: directed=True gives the same answer without a symmetrising pass (as the project does)
    t_sp, full = _best_of(lambda: dijkstra(G, directed=True, indices=d)[:, o].T, rep, "scipy")

    def nx_graph():
        coo = G.tocoo()
        g = nx.Graph()
        g.add_nodes_from(range(G.shape[0]))
        g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
        return g

    t_nxg, g = _best_of(nx_graph, 1)

    def nx_matrix():
        out = np.full((n_d, n_c), np.inf)
        for c, s in enumerate(d.tolist()):
            dist = nx.single_source_dijkstra_path_length(g, s, weight="weight")
            out[:, c] = [dist.get(v, np.inf) for v in o.tolist()]
        return out

    t_nx, full_nx = _best_of(nx_matrix, 1)
    diff = float(np.nanmax(np.abs(full - full_nx)))

    t_sp_min, near = _best_of(lambda: dijkstra(G, directed=True, indices=d, min_only=True)[o], rep)
    t_nx_min, near_nx = _best_of(
        lambda: (lambda dd: np.array([dd[v] for v in o.tolist()]))(
            nx.multi_source_dijkstra_path_length(g, set(d.tolist()), weight="weight")), rep)
    diff_min = float(np.max(np.abs(near - near_nx)))
    t_all, tm = _best_of(lambda: travel_times(src, dem, cand, cache_dir=None), 3, "travel_times")
    diff_proj = float(np.nanmax(np.abs(tm.minutes - full)))

    rows = [
        ["network build (EmbeddedNetworkSource.network_for)", f"{net.n:,} nodes, {len(net.edge_u):,} edges", t_net,
         "", ""],
        ["full matrix, scipy.sparse.csgraph.dijkstra", f"{n_d:,} x {n_c:,}", t_sp, "", "reference"],
        ["full matrix, networkx single_source_dijkstra x candidates", f"{n_d:,} x {n_c:,}", t_nx,
         f"{t_nx / t_sp:.1f}x", f"max abs diff {diff:.1e} min"],
        ["  (networkx graph construction, not in the row above)", "", t_nxg, "", ""],
        ["nearest candidate, scipy dijkstra(min_only=True)", f"{n_d:,}", t_sp_min, "", "reference"],
        ["nearest candidate, networkx multi_source_dijkstra", f"{n_d:,}", t_nx_min, f"{t_nx_min / t_sp_min:.1f}x",
         f"max abs diff {diff_min:.1e} min"],
        ["project: travel_times(cache_dir=None) (network + 2 Dijkstra runs with km)", f"{n_d:,} x {n_c:,}", t_all, "",
         f"max abs diff vs scipy row {diff_proj:.1e} min"],
    ]
    notes = [f"CPU seconds (best of 3): network build {CPU['network']:.2f}, scipy matrix {CPU['scipy']:.2f}, "
             f"travel_times {CPU['travel_times']:.2f}.",
             f"Seconds (best of {rep} for the scipy/nearest rows, best of 3 for the network and travel_times rows, "
             "single run otherwise). Same graph for both "
             "libraries: the symmetric CSR matrix of RoadNetwork.csgraph() (ferries allowed). The disk cache is "
             "bypassed (cache_dir=None)."]
    ok = diff < 1e-6 and diff_min < 1e-6 and diff_proj < 1e-6
    if not ok:
        notes.append("**MISMATCH between the libraries' matrices.**")
    rec = {"n_demand": n_d, "n_candidates": n_c, "network_s": t_net, "scipy_s": t_sp, "networkx_s": t_nx,
           "nx_graph_s": t_nxg, "scipy_nearest_s": t_sp_min, "nx_nearest_s": t_nx_min, "travel_times_s": t_all,
           "cpu_s": dict(CPU),
           "max_diff": diff, "match": ok}
    return table("Travel-time matrix: scipy vs networkx on the embedded network",
                 ["what", "size", "seconds", "networkx / scipy", "check"], rows, notes), rec
