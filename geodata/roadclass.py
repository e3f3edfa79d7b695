"""Road classes on the OSM skeleton: motorway (motorvej), other main road, local.

The shipped skeleton (osm_skeleton/, scgraph-data) carries no road class. The project's compiled list
of Danish motorway stretches (``project/motorways.csv``, one row per named stretch with its route
number, end places and hand-placed waypoints along it; sources in ``project/PROVENANCE_motorways.md``)
classifies it: between consecutive waypoints of a stretch, the shortest skeleton path (by length) is
marked ``motorway``. Every other skeleton edge is ``main`` (other main road); the network's local links
(geodata/network.py) are ``local``.

Main roads missing from the skeleton (``project/roads_supplement.csv``, provenance in
``project/PROVENANCE_roads_supplement.md``) are added as polylines through their waypoints:
:func:`road_pieces` returns the skeleton's and the supplement's road nodes and edges for the network.

A ``|`` between two waypoints marks a gap in the skeleton (no path is sought across it; a fixed
link or local links join the pieces). A waypoint more than ``SNAP_MAX_KM`` from any skeleton node,
or a path more than ``MAX_PATH_RATIO`` times the straight line between its waypoints, is an error
(the stretch is not on the skeleton or a waypoint is misplaced): :func:`classify_skeleton` raises
:class:`DataError` naming the stretch.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, read_csv_checked

MOTORWAYS_FILE = data_path("project", "motorways.csv")
ROADS_FILE = data_path("project", "roads_supplement.csv")
#: Road classes of network edges (the keys of geodata.network.SPEED_KMH combine them with urbanity).
ROAD_CLASSES = ("motorway", "main", "local")
#: A waypoint must lie within this many km of a skeleton node.
SNAP_MAX_KM = 4.0
#: Skeleton path between two waypoints at most this many times their straight-line distance.
MAX_PATH_RATIO = 1.6


def parse_waypoints(text: str) -> list[tuple[str, float, float]]:
    """``"Vejle 55.73 9.52; Brande 55.94 9.12"`` -> [(name, lat, lon), ...]."""
    out = []
    for part in str(text).split(";"):
        bits = part.strip().rsplit(" ", 2)
        if len(bits) != 3:
            raise ValueError(f"waypoint {part.strip()!r} is not 'name lat lon'")
        out.append((bits[0], float(bits[1]), float(bits[2])))
    return out


def load_motorways(path=MOTORWAYS_FILE) -> pd.DataFrame:
    """The compiled motorway stretches, one row each, with ``waypoints`` parsed into a list."""
    df = read_csv_checked(path, ["stretch_id", "route", "name", "from_place", "to_place", "waypoints", "source",
                                 "confidence"], dtype={"route": str})
    parsed = []
    for i, text in enumerate(df["waypoints"]):
        try:
            chains = [parse_waypoints(part) for part in str(text).split("|")]
        except ValueError as exc:
            raise DataError(path, str(exc), row=i + 1) from None
        if sum(len(c) for c in chains) < 2:
            raise DataError(path, "a stretch needs at least two waypoints", row=i + 1)
        parsed.append(chains)
    df = df.copy()
    df["waypoint_chains"] = parsed
    df["waypoint_list"] = [[w for c in chains for w in c] for chains in parsed]
    return df


def classify_skeleton(node_id: np.ndarray, node_xy: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray,
                      edge_km: np.ndarray, motorways: pd.DataFrame, path=MOTORWAYS_FILE,
                      problems: list[str] | None = None) -> np.ndarray:
    """Boolean per skeleton edge: True where it lies on a listed motorway stretch.

    ``node_xy`` in EPSG:25832 metres, ``edge_u``/``edge_v`` node ids, ``edge_km`` lengths (km).
    A misplaced waypoint raises :class:`DataError`; with a ``problems`` list, the messages are appended
    to it instead and the faulty leg is skipped (for diagnosing the list).
    """
    def fail(msg: str) -> None:
        if problems is None:
            raise DataError(path, msg)
        problems.append(msg)

    from scipy.sparse import coo_matrix  # lazy: a warm-cache run never imports scipy
    from scipy.sparse.csgraph import dijkstra

    from sundhed.geodata.network import _to_xy  # lazy: network imports this module

    pos = {int(n): i for i, n in enumerate(node_id)}
    keep = np.array([int(u) in pos and int(v) in pos for u, v in zip(edge_u, edge_v)], bool)
    iu = np.array([pos.get(int(u), 0) for u in edge_u])
    iv = np.array([pos.get(int(v), 0) for v in edge_v])
    n = len(node_id)
    w = np.maximum(np.asarray(edge_km, float), 1e-6)
    g = coo_matrix((np.r_[w[keep], w[keep]], (np.r_[iu[keep], iv[keep]], np.r_[iv[keep], iu[keep]])),
                   shape=(n, n)).tocsr()
    edge_of: dict[tuple[int, int], int] = {}
    for e in np.nonzero(keep)[0]:
        a, b = int(iu[e]), int(iv[e])
        key = (min(a, b), max(a, b))
        if key not in edge_of or w[e] < w[edge_of[key]]:
            edge_of[key] = int(e)
    motorway = np.zeros(len(edge_u), bool)
    ke = np.nonzero(keep)[0]
    pa, pb = node_xy[iu[ke]], node_xy[iv[ke]]
    seg = pb - pa
    seg_len2 = np.maximum((seg ** 2).sum(1), 1e-9)
    for r, wp in ((row, c) for row in motorways.itertuples() for c in row.waypoint_chains):
        xy = _to_xy([p[1] for p in wp], [p[2] for p in wp])
        # snap each waypoint to the nearest skeleton edge (point-to-segment distance)
        t = np.clip((((xy[:, None, :] - pa[None]) * seg[None]).sum(-1)) / seg_len2[None], 0, 1)
        proj = pa[None] + t[..., None] * seg[None]
        d = np.sqrt(((xy[:, None, :] - proj) ** 2).sum(-1))
        best = d.argmin(1)
        ok = np.ones(len(wp), bool)
        for k in range(len(wp)):
            if d[k, best[k]] > SNAP_MAX_KM * 1000:
                ok[k] = False
                fail(f"stretch {r.stretch_id} ({r.name}): waypoint {wp[k][0]!r} is "
                     f"{d[k, best[k]] / 1000:.1f} km from the skeleton (at most {SNAP_MAX_KM} km)")
        # the snapped edge's two ends, each with the distance (km) from the snap point along the edge
        ends = [((int(iu[ke[e]]), t[k, e] * w[ke[e]]), (int(iv[ke[e]]), (1 - t[k, e]) * w[ke[e]]))
                for k, e in enumerate(best)]
        sources = sorted({node for k in range(len(wp) - 1) for node, _ in ends[k]})
        dist, pred = dijkstra(g, directed=False, indices=sources, return_predecessors=True)
        row = {s_: i for i, s_ in enumerate(sources)}
        for k in range(len(wp)):
            if ok[k]:
                motorway[ke[best[k]]] = True
        for k in range(len(wp) - 1):
            if not (ok[k] and ok[k + 1]):
                continue
            straight = np.hypot(*(xy[k] - xy[k + 1])) / 1000
            if best[k] == best[k + 1]:
                continue
            total, a, b = min((dist[row[a], b] + da + db, a, b) for a, da in ends[k] for b, db in ends[k + 1])
            if not np.isfinite(total):
                continue  # a gap in the skeleton (Limfjord, Storebælt, ...): the fixed link or ferry covers it
            if total > MAX_PATH_RATIO * max(straight, 1.0) + 2.0:
                fail(f"stretch {r.stretch_id} ({r.name}): no skeleton path {wp[k][0]!r} -> "
                     f"{wp[k + 1][0]!r} within {MAX_PATH_RATIO} x the straight line "
                     f"({total:.1f} km against {straight:.1f} km)")
                continue
            v = b
            while v != a:
                u = int(pred[row[a], v])
                motorway[edge_of[(min(u, v), max(u, v))]] = True
                v = u
    return motorway


@lru_cache(maxsize=4)
def skeleton_motorway_mask(path=MOTORWAYS_FILE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped skeleton classified once per process: (edge u ids, edge v ids, km, motorway mask)."""
    from sundhed.geodata.network import load_skeleton

    nodes, edges = load_skeleton()
    mask = classify_skeleton(nodes["node_id"].to_numpy(), nodes[["x", "y"]].to_numpy(), edges["u"].to_numpy(),
                             edges["v"].to_numpy(), edges["length_km"].to_numpy(), load_motorways(path), path)
    return edges["u"].to_numpy(), edges["v"].to_numpy(), edges["length_km"].to_numpy(), mask


def load_road_supplement(path=ROADS_FILE) -> pd.DataFrame:
    """The compiled main roads missing from the skeleton, one row each, ``waypoint_list`` parsed.

    Every row needs a unique ``road_id``, a ``road_class`` of ``main`` or ``motorway``, at least two
    waypoints, a ``source`` and a ``found_by`` (how the gap was found); otherwise :class:`DataError`.
    """
    df = read_csv_checked(path, ["road_id", "route", "name", "from_place", "to_place", "waypoints", "road_class",
                                 "found_by", "source", "confidence"], dtype={"route": str})
    parsed = []
    for i, r in enumerate(df.itertuples()):
        if r.road_class not in ("main", "motorway"):
            raise DataError(path, f"road_class {r.road_class!r} is not 'main' or 'motorway'", row=i + 1)
        if not (str(r.source).strip() and str(r.found_by).strip()) or r.source != r.source or r.found_by != r.found_by:
            raise DataError(path, "every road needs a source and a found_by note", row=i + 1)
        try:
            wp = parse_waypoints(r.waypoints)
        except ValueError as exc:
            raise DataError(path, str(exc), row=i + 1) from None
        if len(wp) < 2:
            raise DataError(path, "a road needs at least two waypoints", row=i + 1)
        parsed.append(wp)
    if df["road_id"].duplicated().any():
        raise DataError(path, f"duplicate road_id {df.loc[df['road_id'].duplicated(), 'road_id'].iloc[0]!r}")
    df = df.copy()
    df["waypoint_list"] = parsed
    return df


def _chain(a: np.ndarray, b: np.ndarray, km: float, densify_km: float, lab_a: str, lab_b: str, prefix: str):
    """Cut the straight segment a-b (``km`` long) into equal pieces of at most ``densify_km``:
    (intermediate labels, their xy, [(label_u, label_v, km), ...])."""
    m = max(1, int(np.ceil(km / densify_km)))
    mids = [f"{prefix}:{k}" for k in range(1, m)]
    chain = [lab_a] + mids + [lab_b]
    xy = a + (np.arange(1, m)[:, None] / m) * (b - a) if m > 1 else np.zeros((0, 2))
    return mids, xy, [(chain[k], chain[k + 1], km / m) for k in range(m)]


def road_pieces(skel_nodes: pd.DataFrame, skel_edges: pd.DataFrame, skel_motorway: np.ndarray, densify_km: float,
                supplement: pd.DataFrame | None = None):
    """Road nodes and edges of the embedded network: the skeleton plus the supplement roads.

    Returns ``(labels, xy, mid, pieces)``: node labels (``osm:<id>`` skeleton nodes, ``mid:<edge>:<k>``
    points on long skeleton edges, ``road:<road_id>:<k>`` supplement waypoints, ``road:<road_id>:<k>:<j>``
    points between them), their EPSG:25832 coordinates (m), a mask of the intermediate points (they lie on
    a road already, so the network gives them no local link to another road node), and the pieces
    ``(label_u, label_v, km, road_class)``; km is the straight length (the network applies its detour factor).
    """
    from sundhed.geodata.network import _to_xy  # lazy: network imports this module

    labels = [f"osm:{i}" for i in skel_nodes["node_id"]]
    skel_xy = skel_nodes[["x", "y"]].to_numpy()
    xy_parts, mid_parts = [skel_xy], [np.zeros(len(skel_xy), bool)]
    pos = {int(i): k for k, i in enumerate(skel_nodes["node_id"])}
    pieces: list[tuple[str, str, float, str]] = []
    for e, (r, is_mw) in enumerate(zip(skel_edges.itertuples(), skel_motorway)):
        if r.u not in pos or r.v not in pos:
            continue
        mids, mxy, seg = _chain(skel_xy[pos[r.u]], skel_xy[pos[r.v]], r.length_km, densify_km,
                                f"osm:{r.u}", f"osm:{r.v}", f"mid:{e}")
        labels += mids
        xy_parts.append(mxy)
        mid_parts.append(np.ones(len(mids), bool))
        pieces += [(a, b, km, "motorway" if is_mw else "main") for a, b, km in seg]
    for r in (supplement if supplement is not None else load_road_supplement()).itertuples():
        wxy = _to_xy([w[1] for w in r.waypoint_list], [w[2] for w in r.waypoint_list])
        wlab = [f"road:{r.road_id}:{k}" for k in range(len(wxy))]
        labels += wlab
        xy_parts.append(wxy)
        mid_parts.append(np.zeros(len(wxy), bool))
        for k in range(len(wxy) - 1):
            km = float(np.hypot(*(wxy[k + 1] - wxy[k]))) / 1000
            mids, mxy, seg = _chain(wxy[k], wxy[k + 1], km, densify_km, wlab[k], wlab[k + 1], wlab[k])
            labels += mids
            xy_parts.append(mxy)
            mid_parts.append(np.ones(len(mids), bool))
            pieces += [(a, b, piece_km, str(r.road_class)) for a, b, piece_km in seg]
    return labels, np.vstack(xy_parts), np.concatenate(mid_parts), pieces
