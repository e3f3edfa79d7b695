"""Kommune adjacency graph: shared land borders, fixed links (bridges/tunnels) and ferries.

Every edge carries ``types`` (a sorted tuple drawn from "land", "bridge", "ferry") and, for links,
their names. A kommune whose only edges are ferries is marked ``ferry_only`` (an island such as
Samsø, Læsø, Fanø, Ærø or Bornholm).
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
                    ferries: pd.DataFrame | None = None) -> nx.Graph:
    """Kommune graph with typed edges; node attributes ``navn``, ``region``, ``ferry_only``."""
    fixed_links = load_fixed_links() if fixed_links is None else fixed_links
    ferries = load_ferries() if ferries is None else ferries
    g = nx.Graph()
    codes = set(int(c) for c in kommuner["kode"])
    for k in kommuner.itertuples():
        g.add_node(int(k.kode), navn=k.navn, region=k.region)

    def add(a: int, b: int, kind: str, name: str, source) -> None:
        for c in (a, b):
            if c not in codes:
                raise DataError(source, f"unknown kommune code {c} in link {name!r}")
        if a == b:
            return
        if g.has_edge(a, b):
            d = g.edges[a, b]
            d["types"] = tuple(sorted(set(d["types"]) | {kind}))
            if name:
                d["links"] = d["links"] + (name,)
        else:
            g.add_edge(a, b, types=(kind,), links=(name,) if name else ())

    for r in land_border_pairs(kommuner).itertuples():
        add(r.a, r.b, "land", "", None)
    for r in fixed_links.itertuples():
        add(int(r.kommune_kode_a), int(r.kommune_kode_b), "bridge", r.name, r.source_file)
    for r in ferries.itertuples():
        if pd.isna(r.kommune_kode_island) or pd.isna(r.kommune_kode_mainland):
            continue  # a route abroad (Ystad) or without a Danish kommune on one side
        add(int(r.kommune_kode_island), int(r.kommune_kode_mainland), "ferry", r.route, FERRIES_FILE)
    for n in g.nodes:
        kinds = {t for _, _, d in g.edges(n, data=True) for t in d["types"]}
        g.nodes[n]["ferry_only"] = kinds == {"ferry"}
    # Ferry hinterland: islanders reach the mainland through the port kommune, so an island reached
    # only by ferry also counts as adjacent (edge type "ferry") to the land neighbours of its port
    # kommuner (Samsø -> Odder's neighbour Aarhus, as Table B.1 joins Samsø to Aarhus).
    for n in [n for n in g.nodes if g.nodes[n]["ferry_only"]]:
        ports = list(g.neighbors(n))
        for port in ports:
            for nb, d in list(g[port].items()):
                if nb != n and "land" in d["types"] and not g.has_edge(n, nb):
                    g.add_edge(n, nb, types=("ferry",), links=(f"via {g.nodes[port]['navn']}",))
    return g


def subgraph_by_types(g: nx.Graph, types: set[str]) -> nx.Graph:
    """The graph keeping only edges that have at least one of ``types``."""
    h = nx.Graph()
    h.add_nodes_from(g.nodes(data=True))
    h.add_edges_from((a, b, d) for a, b, d in g.edges(data=True) if set(d["types"]) & types)
    return h
