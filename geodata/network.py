"""The embedded road network: OSM main-road skeleton + local links + fixed links + ferries.

The shipped OSM skeleton (scgraph-data, ODbL) has only motorways/main roads in 13 pieces. The
embedded network joins it into a routable graph:

* **skeleton edges** as given (straight segments between shape nodes), length × ``SKELETON_DETOUR``, each
  classed ``motorway`` (on a stretch of project/motorways.csv, see geodata/roadclass.py) or ``main``;
* **supplement roads**: real main roads missing from the skeleton (project/roads_supplement.csv, e.g. Rute 16
  Randers–Grenaa), polylines through their waypoints treated like skeleton edges (kind ``supplement``);
* **local links** (class ``local``) between each node and its nearest neighbours on the *same landmass*, only when the
  straight segment stays on land (never across water), length × ``LOCAL_DETOUR``;
* **fixed links** (bridges, tunnels, causeways) from links/fixed_links.csv and the project's
  supplement, at ``SPEED_KMH["fixed_link"]``;
* **ferries** from links/ferries.csv: crossing minutes + a waiting time (``ferry_wait_min``);
* **foreign road** Ystad–København for the Bornholm fast ferry (ferries.csv note: "road from Copenhagen
  to Ystad via Øresund bridge ~1 h");
* **modelled crossings** for small islands with demand but no link in the shipped tables (Fur, Orø,
  Fejø, …): a straight crossing to the nearest node elsewhere at ``SPEED_KMH["modelled_crossing"]`` +
  waiting time, flagged as a ferry (so an akutbil never counts it inside 15 minutes).

Every speed and factor is in :data:`SPEED_KMH` and the constants below, and nowhere else: one speed
per road class (motorway, main, local) and urbanity, so a motorway keeps motorway speed through a town.
The speeds and detour factors were fitted (geodata/fit_speeds.py) on the ``fit`` half of
tests/data/published_drive_times.csv only; tests/test_traveltimes.py reports the error on both halves.
Edges of kind "ferry", "foreign_ferry" and "modelled_crossing" are *ferry legs*. Every edge also has a
length (``edge_km``): road km, the sailing distance (straight line) for ferries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC
from sundhed.geodata.skeleton import EDGES_FILE, NODES_FILE, load_skeleton  # noqa: F401 (re-exported)



#: Speeds in km/h by road class and urbanity. The one documented speed table of the project.
#: Road classes: motorway (motorvej, project/motorways.csv), main (other skeleton roads), local (links).
SPEED_KMH: dict[str, float] = {
    "motorway_rural": 100.0,    # motorway outside towns (130/110 km/h limits; centre-to-centre average)
    "motorway_urban": 100.0,    # motorway inside an urban circle: keeps its speed through towns
    "main_rural": 74.0,         # other main road outside towns (two-lane, 80 km/h, through villages)
    "main_urban": 30.0,         # main road inside an urban circle (lights, junctions; fit at its lower bound)
    "local_rural": 63.0,        # local/regional road between nearby points
    "local_urban": 36.0,        # town streets
    "fixed_link": 90.0,         # bridges/tunnels/causeways (not fitted)
    "foreign_road": 0.0,        # not speed-based: fixed minutes, see FOREIGN_ROAD_MIN
    "modelled_crossing": 20.0,  # small-island ferry/causeway not in the shipped tables (not fitted)
}
#: Fitted values: `python -m sundhed.geodata.fit_speeds --fit` on the fit half of
#: tests/data/published_drive_times.csv (55 pairs; the 49 held-back pairs were never used to choose them;
#: the 12 blind_i19 rows came later and no speed was refitted after them).
#: Skeleton edges are straight segments between shape nodes: real road length is a little longer (fitted on km).
SKELETON_DETOUR = 1.01
#: Local links are straight lines: road distance ≈ 1.33 × straight-line distance (fitted on km).
LOCAL_DETOUR = 1.33
#: Detour for the link that joins a piece of a landmass cut off by the coastline test (road around a bay).
AROUND_BAY_DETOUR = 1.8
#: Skeleton edges longer than this (km) are cut into equal pieces no longer than it, so a town beside a
#: long straight edge (Vejen on the E20, Brønderslev on the E39) joins the road where it passes.
DENSIFY_KM = 5.0
#: Neighbours tried per node for local links, and the longest local link (km).
LOCAL_K = 12
LOCAL_MAX_KM = 30.0
#: A point counts as urban within ``URBAN_BASE_KM + URBAN_PER_SQRT_KINH * sqrt(pop / 1000)`` km
#: of a town of at least ``URBAN_MIN_POP`` inhabitants (GeoNames). København: ≈ 12 km.
URBAN_MIN_POP = 20_000
URBAN_BASE_KM = 1.0
URBAN_PER_SQRT_KINH = 0.33
#: Default waiting time for a ferry departure (minutes); ferries.csv times exclude waiting.
FERRY_WAIT_MIN = 20.0
#: Road minutes København–Ystad via the Øresund bridge (ferries.csv note on F01: "~1 h").
FOREIGN_ROAD_MIN = 60.0
#: Road km København–Ystad via the Øresund bridge (approximate: Malmö–Ystad ~60 km + bridge and approaches).
FOREIGN_ROAD_KM = 95.0
#: Land is the union of kommune polygons grown by this much (metres), so coastal points and
#: bridge/port endpoints on the generalised 1:500 000 coastline count as on land.
LAND_TOLERANCE_M = 150.0
#: Nodes placed by hand (bridge ends, ports) within this distance of land belong to that landmass.
SNAP_TO_LAND_M = 3000.0
SNAP_MIN_AREA_KM2 = 5.0
FERRY_KINDS = frozenset({"ferry", "foreign_ferry", "modelled_crossing"})


@dataclass
class RoadNetwork:
    """An undirected travel-time graph. Node coordinates in EPSG:25832 metres; edge minutes."""

    node_xy: np.ndarray                      # (n, 2)
    node_label: list[str]                    # e.g. "osm:105097", "pt:D0001", "port:F06:a"
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_min: np.ndarray
    edge_kind: np.ndarray                    # str per edge
    landmass: np.ndarray                     # landmass id per node (-1 = none)
    params: dict = field(default_factory=dict)
    edge_km: np.ndarray | None = None        # length per edge (km); ferries: sailing distance
    edge_class: np.ndarray | None = None     # "motorway", "main", "local" or the edge kind for links/ferries

    @property
    def n(self) -> int:
        return len(self.node_xy)

    def csgraph(self, exclude_ferries: bool = False):
        """Symmetric sparse matrix of minutes (scipy csgraph); ferry legs dropped on request."""
        return self.csgraphs(exclude_ferries)[0]

    def csgraphs(self, exclude_ferries: bool = False) -> tuple[Any, Any]:
        """(minutes, km): symmetric sparse matrices with one pattern; ferry legs dropped on request.

        Of parallel edges the fastest is kept (a plain COO->CSR conversion would add them up); the km
        matrix holds that edge's length.
        """
        from scipy.sparse import coo_matrix  # scipy where used: a warm-cache run never imports it (#14)

        keep = np.ones(len(self.edge_u), bool)
        if exclude_ferries:
            keep = ~np.isin(self.edge_kind, list(FERRY_KINDS))
        u, v, w = self.edge_u[keep], self.edge_v[keep], np.maximum(self.edge_min[keep], 1e-6)
        km = self.edge_km[keep] if self.edge_km is not None else np.zeros(len(u))
        r, c, w, km = np.r_[u, v], np.r_[v, u], np.r_[w, w], np.r_[km, km]
        order = np.lexsort((w, c, r))                    # by (r, c), fastest first
        r, c, w, km = r[order], c[order], w[order], km[order]
        first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
        shape = (self.n, self.n)
        ij = (r[first], c[first])
        return (coo_matrix((w[first], ij), shape=shape).tocsr(),
                coo_matrix((np.maximum(km[first], 1e-9), ij), shape=shape).tocsr())


def land_polygons(kommuner: gpd.GeoDataFrame, tolerance_m: float = LAND_TOLERANCE_M):
    """Landmasses as a list of polygons (EPSG:25832), grown by ``tolerance_m``.

    Cached per process by the geometry's content (the union is the slowest step of a network build).
    """
    key = hashlib.sha1(b"".join(shapely.to_wkb(kommuner.geometry.values))).hexdigest() + f":{tolerance_m}"
    return list(_land_polygons_cached(key, kommuner.geometry.values, tolerance_m))


_LAND_CACHE: dict[str, tuple] = {}


def _land_polygons_cached(key: str, geoms, tolerance_m: float) -> tuple:
    if key not in _LAND_CACHE:
        land = shapely.union_all(shapely.buffer(geoms, tolerance_m))
        _LAND_CACHE.clear()  # one geometry at a time is enough (the shipped kommuner)
        _LAND_CACHE[key] = tuple(getattr(land, "geoms", [land]))
    return _LAND_CACHE[key]


def urban_mask(xy: np.ndarray, towns: gpd.GeoDataFrame) -> np.ndarray:
    """True where a point lies inside the urban radius of a large town (see URBAN_* constants)."""
    big = towns[towns["geonames_befolkning"] >= URBAN_MIN_POP]
    if big.empty or len(xy) == 0:
        return np.zeros(len(xy), bool)
    centres = np.c_[big.geometry.x, big.geometry.y]
    radius_m = 1000 * (URBAN_BASE_KM + URBAN_PER_SQRT_KINH * np.sqrt(big["geonames_befolkning"].to_numpy() / 1000))
    d = np.sqrt(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    return (d <= radius_m[None, :]).any(1)


def _to_xy(lat, lon) -> np.ndarray:
    pts = gpd.GeoSeries(gpd.points_from_xy(np.atleast_1d(lon), np.atleast_1d(lat)), crs=CRS_MAP).to_crs(CRS_METRIC)
    return np.c_[pts.x, pts.y]


def build_network(kommuner: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, points: dict[str, np.ndarray],
                  fixed_links: pd.DataFrame, ferries: pd.DataFrame, *,
                  ferry_wait_min: float = FERRY_WAIT_MIN) -> RoadNetwork:
    """Build the embedded network with extra ``points`` (label -> (x, y) EPSG:25832) as nodes.

    Points are typically demand points, hospitals and candidate sites; they get local links like
    any other node, so travel times start and end at the points themselves.
    """
    from scipy.sparse import coo_matrix
    from scipy.spatial import cKDTree

    from sundhed.geodata.roadclass import road_pieces, skeleton_motorway_mask

    skel_nodes, skel_edges = load_skeleton()
    labels, road_xy, mid_road, pieces = road_pieces(skel_nodes, skel_edges, skeleton_motorway_mask()[3], DENSIFY_KM)
    xy_parts = [road_xy]
    n_road = len(road_xy)                         # skeleton, supplement and intermediate road nodes come first
    for lab, p in points.items():
        labels.append(f"pt:{lab}")
        xy_parts.append(np.asarray(p, float).reshape(1, 2))
    # fixed-link and ferry endpoints
    fl_a = _to_xy(fixed_links["lat_a"], fixed_links["lon_a"])
    fl_b = _to_xy(fixed_links["lat_b"], fixed_links["lon_b"])
    for i, r in enumerate(fixed_links.itertuples()):
        labels += [f"link:{r.link_id}:a", f"link:{r.link_id}:b"]
        xy_parts += [fl_a[i:i + 1], fl_b[i:i + 1]]
    fe_a = _to_xy(ferries["lat_a"], ferries["lon_a"])
    fe_b = _to_xy(ferries["lat_b"], ferries["lon_b"])
    for i, r in enumerate(ferries.itertuples()):
        labels += [f"port:{r.route_id}:a", f"port:{r.route_id}:b"]
        xy_parts += [fe_a[i:i + 1], fe_b[i:i + 1]]
    xy = np.vstack(xy_parts)
    n = len(xy)
    index = {lab: i for i, lab in enumerate(labels)}

    # landmass of every node (Sweden/Germany: -1)
    parts = land_polygons(kommuner)
    tree = shapely.STRtree(parts)
    pts = shapely.points(xy)
    hit_pt, hit_poly = tree.query(pts, predicate="within")
    landmass = np.full(n, -1)
    landmass[hit_pt] = hit_poly
    # link ends and ports placed by hand may sit just off the generalised coast: snap within 3 km
    # (islets under SNAP_MIN_AREA_KM2 are skipped: a bridge lands on the island it serves)
    off = np.nonzero(landmass < 0)[0]
    big = np.nonzero([p.area >= SNAP_MIN_AREA_KM2 * 1e6 for p in parts])[0]
    if len(off) and len(big):
        big_tree = shapely.STRtree([parts[i] for i in big])
        near_pt, near_poly = big_tree.query_nearest(pts[off], max_distance=SNAP_TO_LAND_M)
        landmass[off[near_pt]] = big[near_poly]
    # the on-land test of a local link starts a snapped node at its nearest point of its landmass
    # (a line from a point off the generalised coast is never covered by the land polygon)
    test_xy = xy.copy()
    snapped = off[landmass[off] >= 0]
    if len(snapped):
        near = shapely.shortest_line(pts[snapped], [parts[i] for i in landmass[snapped]])
        test_xy[snapped] = shapely.get_coordinates(shapely.get_point(near, 1))
    urban = urban_mask(xy, towns)

    eu, ev, emin, ekind, ekm, eclass = [], [], [], [], [], []

    def add(u, v, minutes, kind, km, cls=None):
        eu.append(u); ev.append(v); emin.append(minutes); ekind.append(kind); ekm.append(km)
        eclass.append(cls or kind)

    # skeleton edges (pieces): motorway or other main road; urban where both ends are urban
    for lu, lv, length_km, cls in pieces:
        u, v = index[lu], index[lv]
        speed = SPEED_KMH[f"{cls}_urban" if (urban[u] and urban[v]) else f"{cls}_rural"]
        km = length_km * SKELETON_DETOUR
        add(u, v, 60 * km / speed, "supplement" if lu.startswith("road:") else "skeleton", km, cls)

    # local links: each node's k nearest on its own landmass (either end's list), segment on land;
    # none between two road nodes of which one is an intermediate node (it lies on the road already)
    ci_parts, cj_parts, cd_parts = [], [], []
    for lm in np.unique(landmass[landmass >= 0]):      # nearest neighbours within each landmass
        members = np.nonzero(landmass == lm)[0]
        k = min(LOCAL_K + 1, len(members))
        if k < 2:
            continue
        dist, nbr = cKDTree(xy[members]).query(xy[members], k=k, distance_upper_bound=LOCAL_MAX_KM * 1000)
        # every neighbour but the node itself (not "all but the first hit": of two nodes at the same spot
        # the tree may return the twin first, and the two would lose their zero-length link)
        ok = np.isfinite(dist)
        ci_parts.append(np.repeat(members, k)[ok.ravel()])
        cj_parts.append(members[np.minimum(nbr, len(members) - 1)][ok])
        cd_parts.append(dist[ok])
    ci = np.concatenate(ci_parts) if ci_parts else np.zeros(0, int)
    cj = np.concatenate(cj_parts) if cj_parts else np.zeros(0, int)
    cd = np.concatenate(cd_parts) if cd_parts else np.zeros(0)
    ok = ci != cj
    mid = np.zeros(n, bool)
    mid[:n_road] = mid_road
    road = np.arange(n) < n_road
    ok &= ~((mid[ci] | mid[cj]) & road[ci] & road[cj])
    lo, hi = np.minimum(ci[ok], cj[ok]), np.maximum(ci[ok], cj[ok])
    uniq, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    ci, cj, cd = lo[first], hi[first], cd[ok][first]
    cand = len(ci)
    if cand:
        lines = shapely.linestrings(np.stack([test_xy[ci], test_xy[cj]], axis=1))
        on_land = np.zeros(cand, bool)
        for p_id in np.unique(landmass[ci]):
            sel = landmass[ci] == p_id
            poly = parts[p_id]
            shapely.prepare(poly)
            on_land[sel] = shapely.covers(poly, lines[sel])
        for i, j, d, ok in zip(ci, cj, cd, on_land):
            if ok:
                speed = SPEED_KMH["local_urban" if (urban[i] and urban[j]) else "local_rural"]
                km = d / 1000 * LOCAL_DETOUR
                add(int(i), int(j), 60 * km / speed, "local", km)
    # Pieces of one landmass left apart (a port, a bridge end or a headland whose near segments
    # all leave the generalised coastline) are joined to the landmass's largest piece by a road
    # "around the bay": same landmass, so a road exists; length × AROUND_BAY_DETOUR.
    from scipy.sparse.csgraph import connected_components
    m = coo_matrix((np.ones(len(eu)), (eu, ev)), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    for lm in np.unique(landmass[landmass >= 0]):
        nodes_lm = np.nonzero(landmass == lm)[0]
        comps = comp[nodes_lm]
        sizes = pd.Series(comps).value_counts()
        main_nodes = nodes_lm[comps == sizes.index[0]]
        main_tree = cKDTree(xy[main_nodes])
        for c in sizes.index[1:]:
            piece = nodes_lm[comps == c]
            d, j = main_tree.query(xy[piece])
            b = int(np.argmin(d))
            i, jj = int(piece[b]), int(main_nodes[j[b]])
            speed = SPEED_KMH["local_urban" if (urban[i] and urban[jj]) else "local_rural"]
            km = d[b] / 1000 * AROUND_BAY_DETOUR
            add(i, jj, 60 * km / speed, "local", km)

    # fixed links
    for r in fixed_links.itertuples():
        a, b = index[f"link:{r.link_id}:a"], index[f"link:{r.link_id}:b"]
        straight_km = np.hypot(*(xy[a] - xy[b])) / 1000
        length = getattr(r, "approx_length_km", np.nan)
        km = float(length) if length == length and length is not None else straight_km * 1.1
        add(a, b, 60 * max(km, straight_km) / SPEED_KMH["fixed_link"], "fixed_link", max(km, straight_km))

    # ferries (+ foreign road for the Ystad route)
    cph = None
    for r in ferries.itertuples():
        a, b = index[f"port:{r.route_id}:a"], index[f"port:{r.route_id}:b"]
        abroad = landmass[b] < 0 or landmass[a] < 0
        add(a, b, float(r.crossing_min) + ferry_wait_min, "foreign_ferry" if abroad else "ferry",
            np.hypot(*(xy[a] - xy[b])) / 1000)
        if abroad:
            foreign = b if landmass[b] < 0 else a
            if cph is None:
                cph = int(np.argmin(np.hypot(xy[:, 0] - 725000, xy[:, 1] - 6171000) + 1e12 * (landmass < 0)))
            add(foreign, cph, FOREIGN_ROAD_MIN, "foreign_road", FOREIGN_ROAD_KM)

    edges = (np.array(eu, int), np.array(ev, int), np.array(emin, float), np.array(ekind, object))
    net = RoadNetwork(xy, labels, *edges, landmass=landmass,
                      params={"ferry_wait_min": ferry_wait_min, "speeds_kmh": dict(SPEED_KMH)},
                      edge_km=np.array(ekm, float), edge_class=np.array(eclass, object))
    return _connect_islands(net)


def _connect_islands(net: RoadNetwork) -> RoadNetwork:
    """Join every graph component without a link to the largest ones by a modelled crossing.

    Repeats until the graph is connected; each crossing goes from the component's node nearest
    to any node outside it. Flagged "modelled_crossing" (a ferry leg).
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    wait = net.params["ferry_wait_min"]
    eu, ev, emin, ekind = list(net.edge_u), list(net.edge_v), list(net.edge_min), list(net.edge_kind)
    ekm = list(net.edge_km) if net.edge_km is not None else [0.0] * len(eu)
    eclass = list(net.edge_class) if net.edge_class is not None else list(ekind)
    while True:
        g = RoadNetwork(net.node_xy, net.node_label, np.array(eu, int), np.array(ev, int),
                        np.array(emin), np.array(ekind, object), net.landmass, net.params,
                        np.array(ekm, float), np.array(eclass, object))
        ncomp, lab = connected_components(g.csgraph(), directed=False)
        if ncomp == 1:
            return g
        sizes = np.bincount(lab)
        main = int(np.argmax(sizes))
        for c in range(ncomp):
            if c == main:
                continue
            inside = np.nonzero(lab == c)[0]
            outside = np.nonzero(lab != c)[0]
            t = cKDTree(net.node_xy[outside])
            d, j = t.query(net.node_xy[inside])
            best = int(np.argmin(d))
            u, v = int(inside[best]), int(outside[j[best]])
            km = d[best] / 1000
            eu.append(u); ev.append(v); emin.append(60 * km / SPEED_KMH["modelled_crossing"] + wait)
            ekind.append("modelled_crossing"); ekm.append(km); eclass.append("modelled_crossing")
        # loop: components merged one step at a time until connected
