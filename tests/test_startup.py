"""Start-up cost (#14): the command line imports heavy libraries only where it uses them, and the slow geometry
steps of loading the data come from a content-hashed on-disk cache (geodata/derived.py) that equals a fresh
build, is checked on read and never serves a changed input."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pyomo", "folium", "geopandas", "pandas", "scipy", "shapely", "openpyxl", "dask")

_IMPORTED = """
import json, sys
from sundhed.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["solve", "--help"], ["sweep", "--help"], ["config", "schema"],
                                  ["config", "defaults"]], ids=" ".join)
def test_help_and_config_import_no_heavy_library(argv):
    r = subprocess.run([sys.executable, "-c", _IMPORTED.format(heavy=HEAVY), *argv], capture_output=True,
                       text=True, cwd=REPO)
    assert r.stdout.strip(), r.stderr  # the command printed its text
    loaded = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded == [], f"`sundhed {' '.join(argv)}` imported {loaded}"


_SOLVE_UNTIL_FIRST_HIGHS = """
import json, sys
import sundhed.solvers.highs as H
import sundhed.solvers.houses as SH

class Reached(Exception):
    pass

def first(*a, **k):
    raise Reached(sorted(m for m in ("scipy", "folium", "openpyxl", "dask", "networkx") if m in sys.modules))

H.solve_with_highs = SH.solve_with_highs = first
from sundhed.cli import main
try:
    main([sys.argv[1], sys.argv[2], "--out", sys.argv[3], "--no-map", "--quiet"])
except Reached as r:
    print(json.dumps(r.args[0]))
"""


def test_warm_small_solve_imports_no_scipy_or_folium_before_its_first_solve(tmp_path):
    """With the caches filled, `sundhed solve` of a small houses config reaches HiGHS without importing scipy
    (with Pyomo loaded it would also pull scipy.stats, about 1 CPU s), folium (maps are drawn after) or
    networkx (the kommune graph of a stored dataset is built on first use; houses never use it)."""
    cfg = tmp_path / "small.toml"
    cfg.write_text('model = "houses"\nregions = ["Nordjylland"]\n[houses]\nbudget_mio_kr = 300\n', encoding="utf-8")
    run = [sys.executable, "-c", _SOLVE_UNTIL_FIRST_HIGHS, "solve", str(cfg), str(tmp_path / "out")]
    subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=True)  # fills the caches
    r = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=True)
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []


# ------------------------------------------------------------------------------------------ derived-data cache
def test_cached_dataset_equals_a_fresh_build(tmp_path, monkeypatch):
    import networkx as nx

    from sundhed.geodata.dataset import build_dataset

    fresh = build_dataset()
    monkeypatch.setattr("sundhed.geodata.traveltimes.DEFAULT_CACHE_DIR", tmp_path)
    first = build_dataset(derived_cache=True)   # fills the cache
    again = build_dataset(derived_cache=True)   # reads it
    assert len(list(tmp_path.glob("kommuner-*.parquet"))) == 1
    assert len(list(tmp_path.glob("land-borders-*.parquet"))) == 1
    for ds in (first, again):
        pd.testing.assert_frame_equal(ds.kommuner, fresh.kommuner, check_exact=True)
        assert ds.kommuner.crs == fresh.kommuner.crs
        assert nx.utils.graphs_equal(ds.adjacency, fresh.adjacency)
        assert sorted(ds.adjacency.edges(data=True)) == sorted(fresh.adjacency.edges(data=True))
        assert dict(ds.adjacency.nodes(data=True)) == dict(fresh.adjacency.nodes(data=True))


def test_cached_road_skeleton_equals_the_geojson_read(tmp_path, monkeypatch):
    from sundhed.geodata.skeleton import _load_skeleton_cached, load_skeleton

    monkeypatch.setattr("sundhed.geodata.traveltimes.DEFAULT_CACHE_DIR", tmp_path)
    _load_skeleton_cached.cache_clear()
    try:
        read = load_skeleton()                     # read from the GeoJSON files, cache filled
        _load_skeleton_cached.cache_clear()
        cached = load_skeleton()                   # from the Parquet copies
    finally:
        _load_skeleton_cached.cache_clear()
    assert sorted(p.name.split("-")[1] for p in tmp_path.glob("skeleton-*.parquet")) == ["edges", "nodes"]
    for a, b in zip(read, cached):
        assert len(a) > 500
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def _borders() -> pd.DataFrame:
    return pd.DataFrame({"a": [101, 101, 147], "b": [147, 155, 155], "shared_m": [250.0, 1200.5, 310.0]})


def test_derived_entry_is_reused_rebuilt_when_altered_and_keyed_by_input_bytes(tmp_path):
    from sundhed.geodata import derived

    src = tmp_path / "input.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    calls: list[int] = []

    def build() -> pd.DataFrame:
        calls.append(1)
        return _borders()

    def get() -> pd.DataFrame:
        return derived.cached_table("t", [src], [derived], build, derived.BORDER_COLUMNS, cache_dir=tmp_path / "c")

    pd.testing.assert_frame_equal(get(), _borders())
    pd.testing.assert_frame_equal(get(), _borders())
    assert len(calls) == 1                                    # the second call read the entry
    (entry,) = (tmp_path / "c").glob("t-*.parquet")
    # an entry with altered values (valid Parquet, old checksum) is rebuilt with a warning, never served
    import pyarrow.parquet as pq

    table = pq.read_table(entry)
    altered = table.to_pandas()
    altered.loc[0, "shared_m"] = 9999.0
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(altered, preserve_index=False).replace_schema_metadata(
        table.schema.metadata), entry)
    with pytest.warns(RuntimeWarning, match="checksum mismatch"):
        pd.testing.assert_frame_equal(get(), _borders())
    assert len(calls) == 2
    entry.write_bytes(b"not parquet")                          # unreadable: rebuilt too
    with pytest.warns(RuntimeWarning, match="unreadable"):
        get()
    assert len(calls) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get()                                                  # the rebuilt entry is valid again
    assert len(calls) == 3
    src.write_text("a,b\n1,3\n", encoding="utf-8")            # a changed input file: a new entry
    get()
    assert len(calls) == 4 and len(list((tmp_path / "c").glob("t-*.parquet"))) == 2


# ------------------------------------------------------------------------------------------ dataset cache
def _assert_same_dataset(ds, fresh) -> None:
    import networkx as nx

    from sundhed.geodata.dataset_cache import SCALARS, TABLES

    for name in TABLES:
        a, b = getattr(ds, name), getattr(fresh, name)
        assert type(a) is type(b), name
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.attrs == b.attrs, name
        if hasattr(b, "crs"):
            assert a.crs == b.crs and a.geometry.name == b.geometry.name, name
    for name in SCALARS:
        assert getattr(ds, name) == getattr(fresh, name), name
    g, h = ds.adjacency, fresh.adjacency
    assert nx.utils.graphs_equal(g, h)
    # the same iteration orders (models are built from these edges, so their row order stays the same)
    assert list(g.nodes(data=True)) == list(h.nodes(data=True))
    assert list(g.edges(data=True)) == list(h.edges(data=True))
    assert all(list(g.adj[n]) == list(h.adj[n]) for n in h)
    assert all(g.edges[a, b] is g.adj[b][a] for a, b in g.edges)  # one attribute dict per edge


def test_stored_dataset_equals_a_checked_fresh_build_and_is_served_without_building(tmp_path, monkeypatch):
    from sundhed.geodata import dataset as D
    from sundhed.geodata import dataset_cache
    from sundhed.geodata.check import validate

    fresh = D.build_dataset()
    validate(fresh)
    builds: list[int] = []

    def build():
        builds.append(1)
        ds = D.build_dataset(derived_cache=True)
        validate(ds)
        return ds

    first = dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    again = dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    assert builds == [1]                                       # the second load read the stored dataset
    (folder,) = tmp_path.glob("dataset-*")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", "adjacency.json"] + [f"{t}.parquet" for t in dataset_cache.TABLES])
    assert callable(again._adjacency)                          # the graph is built on first use only
    for ds in (first, again):
        _assert_same_dataset(ds, fresh)
    # other arguments, other data or other geodata code: another entry
    key = dataset_cache.snapshot_key("current", 2021)
    assert dataset_cache.snapshot_key("current", 2020) != key
    assert dataset_cache.snapshot_key("2027", 2021) != key
    monkeypatch.setattr("sundhed.geodata.hashing.data_version", lambda: "other data")
    assert dataset_cache.snapshot_key("current", 2021) != key


def test_altered_or_broken_stored_dataset_is_rebuilt_with_a_warning(tmp_path):
    from sundhed.geodata import dataset as D
    from sundhed.geodata import dataset_cache

    builds: list[int] = []

    def build():
        builds.append(1)
        return D.build_dataset(derived_cache=True)

    dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    (folder,) = tmp_path.glob("dataset-*")
    demand = pd.read_parquet(folder / "demand.parquet")
    demand.loc[0, "befolkning"] += 1000                        # valid Parquet, altered value
    demand.drop(columns="geometry").to_parquet(folder / "demand.parquet")
    with pytest.warns(RuntimeWarning, match="demand: checksum mismatch"):
        ds = dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    assert builds == [1, 1] and int(ds.demand["befolkning"].sum()) == int(ds.kommuner["befolkning"].sum())
    text = (folder / "adjacency.json").read_text(encoding="utf-8")
    (folder / "adjacency.json").write_text(text.replace('"land"', '"ferry"', 1), encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="adjacency: checksum mismatch"):
        dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    (folder / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    assert len(builds) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)  # rebuilt entry valid again
    assert len(builds) == 4


def test_a_load_that_fails_its_checks_is_never_stored(tmp_path):
    from sundhed.geodata import dataset_cache
    from sundhed.geodata.errors import DataError

    def build():
        raise DataError("x.csv", "1 data check(s) failed")

    with pytest.raises(DataError):
        dataset_cache.load_or_build("current", 2021, build, cache_dir=tmp_path)
    assert not list(tmp_path.glob("dataset-*/manifest.json"))


def test_a_dataset_the_cache_cannot_store_is_still_returned(tmp_path, monkeypatch):
    from sundhed.geodata import dataset as D
    from sundhed.geodata import dataset_cache

    def refuse(folder, ds):
        raise ValueError("dataset table demand: only a default RangeIndex is stored")

    monkeypatch.setattr(dataset_cache, "write_snapshot", refuse)
    with pytest.warns(RuntimeWarning, match="not written .*RangeIndex"):
        ds = dataset_cache.load_or_build("current", 2021, lambda: D.build_dataset(derived_cache=True),
                                         cache_dir=tmp_path)
    assert len(ds.kommuner) == 98 and not list(tmp_path.glob("dataset-*/manifest.json"))
