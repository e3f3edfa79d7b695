"""The shipped OSM main-road skeleton (scgraph-data, ODbL): nodes and edges as plain tables, read once per process
and from the derived-data cache (geodata/derived.py, keyed by the files' bytes) once per data version: reading the
two GeoJSON files is about 0.2 CPU s, their Parquet copies 0.01 s. geodata/network.py builds the network on it.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sundhed.geodata.io import data_path, numeric_column, read_vector_checked
from sundhed.geodata.kommuner import CRS_METRIC

EDGES_FILE = data_path("osm_skeleton", "dk_highways_edges.geojson")
NODES_FILE = data_path("osm_skeleton", "dk_highways_nodes.geojson")


def load_skeleton(edges_path=EDGES_FILE, nodes_path=NODES_FILE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Skeleton nodes (``node_id``, x, y in EPSG:25832) and edges (``u``, ``v``, ``length_km``)."""
    n, e = _load_skeleton_cached(str(edges_path), str(nodes_path))
    return n.copy(), e.copy()


@lru_cache(maxsize=2)
def _load_skeleton_cached(edges_path: str, nodes_path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sundhed.geodata import derived, io

    def read_nodes() -> pd.DataFrame:
        nodes = read_vector_checked(nodes_path, ["node_id"]).to_crs(CRS_METRIC)
        nodes["node_id"] = numeric_column(nodes, "node_id", nodes_path, integer=True)
        return pd.DataFrame({"node_id": nodes["node_id"], "x": nodes.geometry.x, "y": nodes.geometry.y})

    def read_edges() -> pd.DataFrame:
        edges = read_vector_checked(edges_path, ["u", "v", "length_km"])
        edges["u"] = numeric_column(edges, "u", edges_path, integer=True)
        edges["v"] = numeric_column(edges, "v", edges_path, integer=True)
        edges["length_km"] = numeric_column(edges, "length_km", edges_path, minimum=0)
        return pd.DataFrame(edges[["u", "v", "length_km"]])

    code = [sys.modules[__name__], io]
    n = derived.cached_table("skeleton-nodes", [Path(nodes_path)], code, read_nodes, ["node_id", "x", "y"])
    e = derived.cached_table("skeleton-edges", [Path(edges_path)], code, read_edges, ["u", "v", "length_km"])
    return n, e
