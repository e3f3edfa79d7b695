"""The validated national dataset, stored once per data version and read back in a fraction of a second.

:func:`sundhed.geodata.dataset.load_dataset` builds the dataset from the shipped files and runs the checks of
``sundhed data check`` on it: about 1 CPU s, which was a third of a small solve's start-up. Both are pure
functions of the shipped data, the geodata code and the geometry libraries. So the result of a load whose
checks passed is stored under the travel-time cache folder (``$SUNDHED_CACHE``), in the folder
``dataset-<key>``. It holds one Parquet file per table (GeoParquet for the geometries; never pickle) and
``adjacency.json``, the kommune graph with its node and neighbour order (built into a networkx graph
on first use). ``manifest.json`` is written last;
it holds every file's sha256, the tables' ``attrs`` and the scalar fields.

``<key>`` is a sha256 of: the content of every file in the data folder (:func:`hashing.data_version`) and its
path; the source of every module of the geodata package (loaders and checks alike); the versions of pandas,
geopandas, shapely/GEOS and pyproj; and the load's arguments (``hospital_sites``, ``population_year``). A
changed input, check or library never hits an old entry. Every entry is checked in full on read: the
manifest, each file's sha256, each table's columns, and the graph's checksum. An
entry that fails is rebuilt and replaced, with one warning line. Equality with a fresh build, down to dtypes,
``attrs`` and the graph's iteration order, is asserted in tests/test_startup.py.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sundhed.geodata.io import atomic_replace

if TYPE_CHECKING:
    from sundhed.geodata.dataset import Dataset

#: Bump when the stored layout changes.
SNAPSHOT_VERSION = 1
#: The Dataset fields stored as tables (GeoDataFrames as GeoParquet).
TABLES = ("kommuner", "hospitals", "baseline", "baseline_table", "towns", "towns_dropped", "demand",
          "fixed_links", "ferries", "sogn_ages_2014")
#: The scalar Dataset fields stored in the manifest.
SCALARS = ("hospital_sites", "population_year", "regions_year")


class SnapshotInvalid(ValueError):
    """A stored dataset failed its checks (missing or unreadable file, layout, columns, checksum)."""


def snapshot_key(hospital_sites: str, population_year: int) -> str:
    """sha256 (24 hex chars) of everything a validated load depends on (see the module docstring)."""
    from sundhed.geodata import derived, hashing, io

    blob = json.dumps({"v": SNAPSHOT_VERSION, "format": hashing.FORMAT_VERSION, "data": hashing.data_version(),
                       "data_dir": str(io.DATA_DIR), "code": hashing.hash_tree(Path(__file__).parent, "*.py"),
                       "libs": derived._library_versions(), "args": [str(hospital_sites), int(population_year)]},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


# ------------------------------------------------------------------------------------------------ the graph
def _plain(v):
    if isinstance(v, tuple):
        return {"tuple": [_plain(x) for x in v]}
    if isinstance(v, float) and v != v:
        raise ValueError("nan in a graph attribute")
    return v


def _restore(v):
    if isinstance(v, dict) and set(v) == {"tuple"}:
        return tuple(_restore(x) for x in v["tuple"])
    return v


def graph_to_json(g) -> str:
    """The graph with its node order, each node's neighbour order and every attribute (tuples kept as tuples)."""
    edges: dict[frozenset, int] = {}
    data: list[dict] = []
    adj = []
    for n, nbrs in g.adj.items():
        row = []
        for m, d in nbrs.items():
            k = edges.setdefault(frozenset((n, m)), len(data))
            if k == len(data):
                data.append({a: _plain(v) for a, v in d.items()})
            row.append([m, k])
        adj.append([n, row])
    return json.dumps({"graph": {a: _plain(v) for a, v in g.graph.items()},
                       "nodes": [[n, {a: _plain(v) for a, v in d.items()}] for n, d in g.nodes(data=True)],
                       "edges": data, "adj": adj}, sort_keys=True)


def graph_from_json(text: str):
    """The graph of :func:`graph_to_json`: equal, with the same iteration orders; both directions of an edge
    share one attribute dict, as in a graph built with ``add_edge``."""
    import networkx as nx

    blob = json.loads(text)
    g = nx.Graph()
    g.graph.update({a: _restore(v) for a, v in blob["graph"].items()})
    for n, d in blob["nodes"]:
        g.add_node(n, **{a: _restore(v) for a, v in d.items()})
    data = [{a: _restore(v) for a, v in d.items()} for d in blob["edges"]]
    for n, row in blob["adj"]:
        if n not in g:
            raise SnapshotInvalid(f"adjacency names unknown node {n}")
        for m, k in row:
            if m not in g:
                raise SnapshotInvalid(f"adjacency names unknown node {m}")
            g._adj[n][m] = data[k]
    return g


# ------------------------------------------------------------------------------------------------ read / write
def write_snapshot(folder: Path, ds: Dataset) -> None:
    """Store ``ds`` in ``folder`` (each file replaced atomically, the manifest last)."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name in TABLES:
        df = getattr(ds, name)
        if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
            raise ValueError(f"dataset table {name}: only a default RangeIndex is stored")
        geo = "geometry" in df.columns and hasattr(df, "crs")
        with atomic_replace(folder / f"{name}.parquet") as tmp:
            df.to_parquet(tmp, index=False)
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        tables[name] = {"geo": geo, "crs": df.crs.to_epsg() if geo else None, "columns": [str(c) for c in df.columns],
                        "sha256": digest, "attrs": dict(df.attrs)}
    graph = graph_to_json(ds.adjacency).encode("utf-8")
    with atomic_replace(folder / "adjacency.json") as tmp:
        tmp.write_bytes(graph)
    manifest = {"version": SNAPSHOT_VERSION, "tables": tables, "adjacency_sha256": hashlib.sha256(graph).hexdigest(),
                "scalars": {f: getattr(ds, f) for f in SCALARS}}
    with atomic_replace(folder / "manifest.json") as tmp:
        tmp.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")


def _read_table(blob: bytes, meta: dict, crs_of: dict):
    """One stored table from its Parquet bytes. A GeoParquet table's WKB column becomes its geometry with one
    shared pyproj CRS per EPSG code (building a CRS from the file's PROJJSON costs about 20 ms a table)."""
    import io

    import pyarrow.parquet as pq

    df = pq.read_table(io.BytesIO(blob)).to_pandas()
    if not meta["geo"]:
        return df
    import geopandas as gpd
    import pyproj

    epsg = int(meta["crs"])
    crs = crs_of.setdefault(epsg, pyproj.CRS.from_epsg(epsg))
    df["geometry"] = gpd.GeoSeries.from_wkb(df["geometry"], crs=crs)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=crs)


def read_snapshot(folder: Path) -> Dataset:
    """The dataset stored in ``folder``, checked in full; raises :class:`SnapshotInvalid`."""
    from sundhed.geodata.dataset import Dataset

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("version") != SNAPSHOT_VERSION or set(manifest["tables"]) != set(TABLES):
            raise SnapshotInvalid("manifest of another layout")
        frames = {}
        crs_of: dict = {}
        for name, meta in manifest["tables"].items():
            blob = (folder / f"{name}.parquet").read_bytes()
            if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
                raise SnapshotInvalid(f"{name}: checksum mismatch (altered file)")
            df = _read_table(blob, meta, crs_of)
            if [str(c) for c in df.columns] != meta["columns"]:
                raise SnapshotInvalid(f"{name}: columns {list(df.columns)}, expected {meta['columns']}")
            df.attrs.update(meta["attrs"])
            frames[name] = df
        graph = (folder / "adjacency.json").read_bytes()
        if hashlib.sha256(graph).hexdigest() != manifest["adjacency_sha256"]:
            raise SnapshotInvalid("adjacency: checksum mismatch (altered file)")
        graph_text = graph.decode("utf-8")  # the networkx graph is built on first use (0.2 s of imports)
        scalars = manifest["scalars"]
    except SnapshotInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - unreadable in any way: rebuilt by the caller
        raise SnapshotInvalid(f"unreadable ({type(exc).__name__}: {exc})") from None
    names = {f.name for f in dataclasses.fields(Dataset) if f.init}
    fields = {k: v for k, v in scalars.items() if k in names}
    return Dataset(**frames, _adjacency=lambda: graph_from_json(graph_text), **fields)


def load_or_build(hospital_sites: str, population_year: int, build: Callable[[], Dataset],
                  cache_dir: str | Path | None = None) -> Dataset:
    """The stored dataset of these arguments, or ``build()`` (which must raise on data that fail the checks)
    stored and returned. ``cache_dir``: default ``$SUNDHED_CACHE``."""
    if cache_dir is None:
        from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR

        cache_dir = DEFAULT_CACHE_DIR
    folder = Path(cache_dir) / f"dataset-{snapshot_key(hospital_sites, population_year)}"
    if (folder / "manifest.json").exists():
        try:
            return read_snapshot(folder)
        except SnapshotInvalid as exc:
            warnings.warn(f"dataset cache entry {folder.name} is invalid ({exc}); rebuilding it", RuntimeWarning,
                          stacklevel=2)
    ds = build()
    try:
        write_snapshot(folder, ds)
    except (OSError, ValueError) as exc:  # a read-only or full cache folder, or a table it cannot store
        # (geodata/dataset_cache.py keeps RangeIndex tables and graphs without nan): speed lost, never the load
        warnings.warn(f"dataset cache entry {folder.name} not written ({exc})", RuntimeWarning, stacklevel=2)
    return ds
