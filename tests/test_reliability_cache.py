"""Issue 17, stale and broken caches: travel-time cache keys with content hashes (case 2), race-free cache
writes (case 3), cached matrices validated on read (case 9), provenance in summary.json (case 12)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from sundhed.geodata.traveltimes import TravelMatrix, TravelTimeSource, points_frame, travel_times

REPO = Path(__file__).resolve().parent.parent


class CountingSource(TravelTimeSource):
    """Euclidean minutes (1 min per km); counts its computations; optional barrier before returning."""

    name = "counting"

    def __init__(self, barrier: threading.Barrier | None = None):
        self.calls = 0
        self.barrier = barrier

    def fingerprint(self) -> str:
        return "counting:v1"

    def compute(self, origins, destinations) -> TravelMatrix:
        self.calls += 1
        o = origins[["x", "y"]].to_numpy()
        d = destinations[["x", "y"]].to_numpy()
        m = np.linalg.norm(o[:, None, :] - d[None, :, :], axis=2) / 1000.0
        if self.barrier is not None:
            self.barrier.wait(timeout=20)
        return TravelMatrix(tuple(origins["id"]), tuple(destinations["id"]), m, m + 0.0, self.name)


def _points(n: int, seed: int = 0, prefix: str = "p"):
    rng = np.random.default_rng(seed)
    return points_frame([f"{prefix}{i}" for i in range(n)], rng.uniform(4e5, 7e5, n), rng.uniform(6.0e6, 6.4e6, n))


# ------------------------------------------------------------------------------------------ case 2
def _copy_data(tmp_path) -> Path:
    from sundhed.geodata import io

    dst = tmp_path / "data"
    shutil.copytree(io.DATA_DIR, dst)
    return dst


def _halve_edges(data: Path) -> None:
    f = data / "osm_skeleton" / "dk_highways_edges.geojson"
    gj = json.loads(f.read_text(encoding="utf-8"))
    gj["features"] = gj["features"][: len(gj["features"]) // 2]
    f.write_text(json.dumps(gj), encoding="utf-8")


@pytest.mark.parametrize("path", ["osm_skeleton/dk_highways_edges.geojson", "osm_skeleton/dk_highways_nodes.geojson",
                                  "links/ferries.csv", "links/fixed_links.csv", "project/fixed_links_supplement.csv"])
def test_embedded_fingerprint_changes_with_every_network_file(ds, tmp_path, monkeypatch, path):
    from sundhed.geodata import io

    before = ds.embedded_source().fingerprint()
    data = _copy_data(tmp_path)
    monkeypatch.setattr(io, "DATA_DIR", data)
    assert ds.embedded_source().fingerprint() == before  # an identical copy: same content, same key
    with open(data / path, "a", encoding="utf-8") as f:
        f.write("\n")
    assert ds.embedded_source().fingerprint() != before


def test_embedded_fingerprint_changes_with_the_speed_table(ds, monkeypatch):
    from sundhed.geodata import network

    before = ds.embedded_source().fingerprint()
    monkeypatch.setitem(network.SPEED_KMH, next(iter(network.SPEED_KMH)), 1.0)
    assert ds.embedded_source().fingerprint() != before


_MINUTES = """
import json, sys
from sundhed.geodata.dataset import build_dataset
tm = build_dataset().demand_to_hospitals()
print(json.dumps(float(tm.minutes[:, :].sum())))
"""


def test_halved_edges_file_never_gives_old_minutes_from_a_warm_cache(tmp_path):
    """The issue's reproduction, in fresh processes sharing one cache: full data, then a halved edges file."""
    cache = tmp_path / "cache"
    env = {**os.environ, "SUNDHED_CACHE": str(cache)}
    run = [sys.executable, "-c", _MINUTES]
    full = json.loads(subprocess.run(run, env=env, capture_output=True, text=True, check=True, cwd=REPO).stdout)
    data = _copy_data(tmp_path)
    _halve_edges(data)
    res = subprocess.run(run, env={**env, "SUNDHED_DATA_DIR": str(data)}, capture_output=True, text=True, cwd=REPO)
    # the halved network either gives other minutes (a new cache entry) or fails loudly: never the old minutes
    if res.returncode == 0:
        assert json.loads(res.stdout) != full and len(list(cache.glob("tt-*.npz"))) == 2
    else:
        assert "Traceback" in res.stderr or "Error" in res.stderr
        assert str(full) not in res.stdout


# ------------------------------------------------------------------------------------------ case 3
def test_two_solves_on_one_cold_cache_do_not_race(tmp_path):
    """Ten pairs of concurrent computations of the same matrix on a cold cache: none crashes, every entry
    is valid afterwards, no temporary file is left."""
    o, d = _points(300, 1, "o"), _points(200, 2, "d")
    for pair in range(10):
        cache = tmp_path / f"c{pair}"
        src = CountingSource(threading.Barrier(2))
        errors: list[BaseException] = []
        results: list[TravelMatrix] = []

        def work():
            try:
                results.append(travel_times(src, o, d, cache_dir=cache))
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, f"pair {pair}: {errors!r}"
        assert len(results) == 2 and np.array_equal(results[0].minutes, results[1].minutes)
        assert [p.name for p in cache.iterdir() if not p.name.endswith(".npz") or ".tmp" in p.name] == []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            again = travel_times(CountingSource(), o, d, cache_dir=cache)  # a valid entry: no warning
        assert np.array_equal(again.minutes, results[0].minutes)


# ------------------------------------------------------------------------------------------ case 9
def _entry(cache: Path) -> Path:
    (p,) = list(cache.glob("tt-*.npz"))
    return p


def _rewrite(path: Path, **changes) -> None:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    np.savez_compressed(path, **arrays)


@pytest.mark.parametrize("damage", ["altered", "nan", "shape", "negative", "no_checksum", "garbage"])
def test_bad_cache_entry_is_recomputed_and_replaced(tmp_path, damage):
    o, d = _points(30, 3, "o"), _points(7, 4, "d")
    cache = tmp_path / "c"
    src = CountingSource()
    good = travel_times(src, o, d, cache_dir=cache)
    path = _entry(cache)
    with np.load(path, allow_pickle=False) as z:
        m = z["m"].copy()
    if damage == "altered":
        m[3, 2] += 5.0
        _rewrite(path, m=m, n=m.copy())
    elif damage == "nan":
        m[0, 0] = np.nan
        _rewrite(path, m=m)
    elif damage == "shape":
        _rewrite(path, m=m[:, :5], n=m[:, :5])
    elif damage == "negative":
        m[1, 1] = -1.0
        _rewrite(path, m=m, n=m.copy())
    elif damage == "no_checksum":
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k != "c"}
        np.savez_compressed(path, **arrays)
    else:
        path.write_bytes(b"not a zip file at all")
    with pytest.warns(RuntimeWarning, match="is invalid"):
        tm = travel_times(src, o, d, cache_dir=cache)
    assert src.calls == 2 and np.array_equal(tm.minutes, good.minutes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bad entry was replaced: read cleanly now
        assert np.array_equal(travel_times(src, o, d, cache_dir=cache).minutes, good.minutes)
    assert src.calls == 2


def test_cache_entry_for_other_points_is_not_used(tmp_path):
    """An entry renamed onto another request's key (ids differ) is rejected, not broadcast."""
    cache = tmp_path / "c"
    a, b = _points(10, 5, "a"), _points(4, 6, "b")
    travel_times(CountingSource(), a, b, cache_dir=cache)
    first = _entry(cache)
    from sundhed.geodata.traveltimes import cache_key

    c = _points(12, 7, "c")
    first.rename(cache / f"tt-{cache_key(CountingSource(), c, b)}.npz")
    src = CountingSource()
    with pytest.warns(RuntimeWarning, match="ids differ|shape"):
        tm = travel_times(src, c, b, cache_dir=cache)
    assert tm.minutes.shape == (12, 4) and src.calls == 1


# ------------------------------------------------------------------------------------------ case 12
def test_provenance_fields():
    from sundhed import provenance
    from sundhed.geodata import io

    p = provenance.provenance()
    assert p["data_version"] == provenance.hash_tree(io.DATA_DIR) and len(p["data_version"]) == 16
    assert p["solver"].startswith("HiGHS (highspy ") and p["packages"]["highspy"] in p["solver"]
    assert p["packages"]["sundhed-planner"] in p["code_version"]
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert p["git_commit"].startswith(head.stdout.strip())


def test_data_version_is_a_content_hash(tmp_path, monkeypatch):
    from sundhed import provenance
    from sundhed.geodata import io

    v = provenance.data_version()
    data = _copy_data(tmp_path)
    monkeypatch.setattr(io, "DATA_DIR", data)
    assert provenance.data_version() == v
    (data / "links" / "ferries.csv").write_text("changed", encoding="utf-8")
    assert provenance.data_version() != v


def test_summary_json_records_provenance_beside_the_config_hash(tmp_path):
    from sundhed.cli import main
    from sundhed.provenance import data_version

    cfg = tmp_path / "a.toml"
    cfg.write_text('model = "akutbiler"\nregions = ["Nordjylland"]\n[akutbiler]\nk = 1\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--no-map", "--out", str(out)]) == 0
    for f in (out / "akutbiler" / "summary.json", out / "scenario.json"):
        s = json.loads(f.read_text(encoding="utf-8"))
        rec = s["config"] if "provenance" in s.get("config", {}) else s
        assert len(rec.get("config_hash", s.get("config_hash"))) == 12
        p = rec["provenance"]
        assert p["data_version"] == data_version() and p["solver"].startswith("HiGHS")
        assert {"highspy", "pyomo", "pandas"} <= set(p["packages"]) and "git_commit" in p


# ------------------------------------------------------------------------------------------ in-process memo
def test_entry_read_once_per_process_until_the_file_changes(tmp_path, monkeypatch):
    """A sweep asks for the same matrix every scenario: the checked entry is kept in memory (read-only, so no
    scenario can change the next one's input) and read again only when the file on disk is another."""
    from sundhed.geodata import traveltimes as tt

    o, d = _points(30, 3, "o"), _points(7, 4, "d")
    cache = tmp_path / "c"
    src = CountingSource()
    first = travel_times(src, o, d, cache_dir=cache)
    reads = []
    real_read = tt._read_entry
    monkeypatch.setattr(tt, "_read_entry", lambda *a: reads.append(1) or real_read(*a))
    again = travel_times(src, o, d, cache_dir=cache)
    assert again is first and reads == [] and src.calls == 1
    with pytest.raises(ValueError, match="read-only"):
        again.minutes[0, 0] = 0.0
    path = _entry(cache)
    with np.load(path, allow_pickle=False) as z:
        m = z["m"].copy()
    m[3, 2] += 5.0  # altered on disk: the memo must not hide it, the checksum check must see it
    _rewrite(path, m=m, n=m.copy())
    with pytest.warns(RuntimeWarning, match="checksum mismatch"):
        fresh = travel_times(src, o, d, cache_dir=cache)
    assert reads == [1] and src.calls == 2 and np.array_equal(fresh.minutes, first.minutes)
    assert travel_times(src, o, d, cache_dir=cache) is fresh and reads == [1]
