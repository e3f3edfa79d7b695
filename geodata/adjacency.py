"""Kommune adjacency graph: shared land borders, fixed links (bridges/tunnels) and ferries — real links only.

Every edge carries ``types`` (a sorted tuple drawn from "land", "bridge", "ferry") and, for links,
their names. A kommune whose only edges are ferries is marked ``ferry_only`` (an island such as
Samsø, Læsø, Fanø, Ærø or Bornholm). A ferry route abroad counts where it lands in Denmark again
(``project/ferry_landings_abroad.csv``: Rønne–Ystad + the Øresund bridge lands in Tårnby).

**Via-port links** (:func:`via_port_links`) are *not* edges of the graph: an islander drives on from the
port kommune, so a ferry-only island may join a catchment that holds a land (or bridge) neighbour of one
of its ports (Samsø → Aarhus through Odder) — but only as a *leaf*: such a link never carries another
kommune's connection. The catchment and council models apply that rule (see model/catchments.py) and
:func:`sundhed.model.connectivity.connected_with_leaves` checks it.
"""
from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked

FERRIES_FILE = data_path("links", "ferries.csv")
FIXED_LINKS_FILE = data_path("links", "fixed_links.csv")
FIXED_LINKS_SUPPLEMENT_FILE = data_path("project", "fixed_links_supplement.csv")
FERRY_LANDINGS_ABROAD_FILE = data_path("project", "ferry_landings_abroad.csv")
#: Two kommuner share a land border when their boundaries run together for at least this (metres).
MIN_SHARED_BORDER_M = 200.0
_SNAP_M = 20.0  # tolerance for the generalised 1:500 000 boundaries


def load_fixed_links(paths=(FIXED_LINKS_FILE, FIXED_LINKS_SUPPLEMENT_FILE)) -> pd.DataFrame:
    """Bridges, tunnels and causeways: ``link_id``, ``name``, ``type``, kommune codes a/b, lat/lon a/b."""
    frames = []
    for path in paths:
        df = read_csv_checked(path, ["link_id", "name", "type", "kommune_kode_a", "kommune_kode_b",
                                     "lat_a", "lon_a", "lat_b", "lon_b"], dtype=str)
        for c in ("kommune_kode_a", "kommune_kode_b"):
            df[c] = numeric_column(df, c, path, integer=True)
        for c in ("lat_a", "lon_a", "lat_b", "lon_b"):
            df[c] = numeric_column(df, c, path)
        if "approx_length_km" in df:
            df["approx_length_km"] = numeric_column(df, "approx_length_km", path, allow_missing=True)
        df["source_file"] = str(path.name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def load_ferries(path=FERRIES_FILE) -> pd.DataFrame:
    """Ferry routes: ``route_id``, ``route``, kommune codes (island/mainland; missing when abroad),
    port coordinates, ``crossing_min`` (minutes, excluding waiting) and ``typical_departures``."""
    df = read_csv_checked(path, ["route_id", "route", "kommune_kode_island", "kommune_kode_mainland",
                                 "lat_a", "lon_a", "lat_b", "lon_b", "crossing_min"], dtype=str)
    for c in ("kommune_kode_island", "kommune_kode_mainland"):
        df[c] = numeric_column(df, c, path, integer=True, allow_missing=True)
    for c in ("lat_a", "lon_a", "lat_b", "lon_b"):
        df[c] = numeric_column(df, c, path)
    df["crossing_min"] = numeric_column(df, "crossing_min", path, minimum=0)
    return df


def load_ferry_landings_abroad(path=FERRY_LANDINGS_ABROAD_FILE) -> pd.DataFrame:
    """Ferry routes abroad and the kommune where the onward road re-enters Denmark:
    ``route_id``, ``kommune_kode_landing``, ``via``."""
    df = read_csv_checked(path, ["route_id", "kommune_kode_landing", "via"], dtype=str)
    df["kommune_kode_landing"] = numeric_column(df, "kommune_kode_landing", path, integer=True)
    return df


def land_border_pairs(kommuner: gpd.GeoDataFrame, min_shared_m: float = MIN_SHARED_BORDER_M) -> pd.DataFrame:
    """Pairs of kommuner whose boundaries share at least ``min_shared_m`` metres (EPSG:25832).

    The shared length is estimated as the overlap area of the two boundaries buffered by 20 m,
    divided by 40 m, which tolerates the small gaps of the generalised boundaries.
    """
    buf = kommuner[["kode", "geometry"]].copy()
    buf["geometry"] = kommuner.geometry.boundary.buffer(_SNAP_M)
    pairs = gpd.sjoin(buf, buf, predicate="intersects")
    pairs = pairs[pairs["kode_left"] < pairs["kode_right"]]
    geo = buf.set_index("kode").geometry
    rows = []
    for a, b in zip(pairs["kode_left"], pairs["kode_right"]):
        shared = geo[a].intersection(geo[b]).area / (2 * _SNAP_M)
        if shared >= min_shared_m:
            rows.append((int(a), int(b), shared))
    return pd.DataFrame(rows, columns=["a", "b", "shared_m"])


def build_adjacency(kommuner: gpd.GeoDataFrame, fixed_links: pd.DataFrame | None = None,
                    ferries: pd.DataFrame | None = None, landings: pd.DataFrame | None = None,
                    land_borders: pd.DataFrame | None = None) -> nx.Graph:
    """Kommune graph with typed edges (real links only); node attributes ``navn``, ``region``, ``ferry_only``.
    ``landings``: where routes abroad re-enter Denmark (default: the shipped project file); ``land_borders``:
    :func:`land_border_pairs` of ``kommuner`` when the caller has them (the dataset loads them from the
    derived-data cache, geodata/derived.py), else computed here."""
    fixed_links = load_fixed_links() if fixed_links is None else fixed_links
    ferries = load_ferries() if ferries is None else ferries
    landings = load_ferry_landings_abroad() if landings is None else landings
    g = nx.Graph()
    codes = set(int(c) for c in kommuner["kode"])
    for k in kommuner.itertuples():
        g.add_node(int(k.kode), navn=k.navn, region=k.region)

    def add(a: int, b: int, kind: str, name: str, source, crossing_min: float | None = None) -> None:
        for c in (a, b):
            if c not in codes:
                raise DataError(source, f"unknown kommune code {c} in link {name!r}")
        if a == b:
            return
        if not g.has_edge(a, b):
            g.add_edge(a, b, types=(), links=())
        d = g.edges[a, b]
        d["types"] = tuple(sorted(set(d["types"]) | {kind}))
        if name:
            d["links"] = d["links"] + (name,)
        if crossing_min is not None:
            d["crossing_min"] = min(d.get("crossing_min", float("inf")), float(crossing_min))

    for r in (land_border_pairs(kommuner) if land_borders is None else land_borders).itertuples():
        add(r.a, r.b, "land", "", None)
    for r in fixed_links.itertuples():
        add(int(r.kommune_kode_a), int(r.kommune_kode_b), "bridge", r.name, r.source_file)
    landing = dict(zip(landings["route_id"], landings["kommune_kode_landing"])) if landings is not None else {}
    for r in ferries.itertuples():
        island, mainland = r.kommune_kode_island, r.kommune_kode_mainland
        name = r.route
        if pd.isna(mainland) and r.route_id in landing:  # a route abroad: it counts where the road re-enters
            mainland = landing[r.route_id]
            name = f"{r.route} + {landings.set_index('route_id').loc[r.route_id, 'via']}"
        if pd.isna(island) or pd.isna(mainland):
            continue  # no Danish kommune on one side
        add(int(island), int(mainland), "ferry", name, FERRIES_FILE, r.crossing_min)
    for n in g.nodes:
        kinds = {t for _, _, d in g.edges(n, data=True) for t in d["types"]}
        g.nodes[n]["ferry_only"] = kinds == {"ferry"}
    return g


#: A via-port link goes only through a port whose crossing takes at most this many times the island's fastest
#: crossing: Bornholm's night ferry to Køge (330 min against 80 min to Ystad) is no way to reach a council.
VIA_PORT_MAX_RATIO = 2.0


def via_port_links(g: nx.Graph, max_ratio: float = VIA_PORT_MAX_RATIO) -> tuple[tuple[int, int], ...]:
    """(island, anchor) pairs: ``island`` is ferry-only and ``anchor`` is a land or bridge neighbour of one of
    its port kommuner (and not itself a direct neighbour of the island), through a port whose crossing
    (edge attribute ``crossing_min``) is at most ``max_ratio`` × the island's fastest. Such a pair lets the
    island join the anchor's catchment as a leaf; it never connects anything else."""
    out = set()
    for n in g.nodes:
        if not g.nodes[n].get("ferry_only"):
            continue
        fastest = min((d.get("crossing_min", float("inf")) for d in g[n].values()), default=float("inf"))
        for port in g.neighbors(n):
            if g[n][port].get("crossing_min", fastest) > max_ratio * fastest:
                continue
            for nb, d in g[port].items():
                if nb != n and {"land", "bridge"} & set(d["types"]) and not g.has_edge(n, nb):
                    out.add((int(n), int(nb)))
    return tuple(sorted(out))


def subgraph_by_types(g: nx.Graph, types: set[str]) -> nx.Graph:
    """The graph keeping only edges that have at least one of ``types``."""
    h = nx.Graph()
    h.add_nodes_from(g.nodes(data=True))
    h.add_edges_from((a, b, d) for a, b, d in g.edges(data=True) if set(d["types"]) & types)
    return h
