"""Tests for sundhed.sweep (process pool + Dask LocalCluster)."""
import itertools

import numpy as np
import pandas as pd
import pytest

from sundhed.sweep import expand, run_sweep, scenario_hash

_RNG = np.random.default_rng(0)
COVER = _RNG.random((8, 30)) < 0.25          # site x demand-point coverage
WEIGHT = _RNG.integers(1, 10, 30).astype(float)
COST = np.array([3, 5, 2, 4, 6, 3, 2, 5], dtype=float)


def toy_cover(params: dict) -> dict:
    """Budgeted max-coverage over 8 sites, brute force (top-level => picklable)."""
    budget = params["houses"]["budget"]
    units = params["houses"]["units"]
    if budget < 0:
        raise ValueError(f"negative budget {budget}")
    best, best_sites = 0.0, ()
    for k in range(units + 1):
        for sites in itertools.combinations(range(8), k):
            if COST[list(sites)].sum() > budget:
                continue
            cov = WEIGHT[COVER[list(sites)].any(axis=0)].sum() if sites else 0.0
            if cov > best:
                best, best_sites = float(cov), sites
    return {"covered": best, "n_sites": len(best_sites),
            "cost": float(COST[list(best_sites)].sum())}


SPEC = {"base": {"name": "toy", "houses": {"budget": 0, "units": 0}},
        "grid": {"houses.budget": [0, 4, 8, 12, 20], "houses.units": [1, 2, 3, 4]}}


def _scenarios():
    scs = expand(SPEC)
    bad = expand({"base": SPEC["base"], "scenarios": [{"houses.budget": -1, "houses.units": 2}]})
    return scs + bad


def test_expand_grid_and_scenarios():
    scs = expand(SPEC)
    assert len(scs) == 20
    assert scs[0] == {"name": "toy", "houses": {"budget": 0, "units": 1}}
    assert SPEC["base"]["houses"] == {"budget": 0, "units": 0}  # base untouched
    assert len({scenario_hash(s) for s in scs}) == 20
    sc = expand({"base": {"a": {"b": 1}}, "scenarios": [{"a.c.d": 2}, {"x": 3}]})
    assert sc == [{"a": {"b": 1, "c": {"d": 2}}}, {"a": {"b": 1}, "x": 3}]
    h = scenario_hash({"b": 1, "a": 2})
    assert h == scenario_hash({"a": 2, "b": 1}) and len(h) == 12


@pytest.mark.parametrize("bad, msg", [
    ({"base": {}}, "exactly one of"),
    ({"base": {}, "grid": {"a": [1]}, "scenarios": [{}]}, "exactly one of"),
    ({"base": {}, "grid": {"a": 1}}, "non-empty list"),
    ({"base": {}, "scenarios": {"a": 1}}, "list of dicts"),
    ({"base": {}, "gird": {"a": [1]}}, "unknown sweep spec keys"),
    ([1, 2], "must be a dict"),
])
def test_expand_bad_spec(bad, msg):
    with pytest.raises(ValueError, match=msg):
        expand(bad)


@pytest.fixture(scope="module")
def process_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("proc")
    df = run_sweep(_scenarios(), toy_cover, out, jobs=2, progress=False)
    return out, df


def test_process_pool_run(process_run):
    out, df = process_run
    assert len(df) == 21 and df.attrs["computed"] == 21 and df.attrs["skipped"] == 0
    assert (df.status == "ok").sum() == 20
    err = df[df.status == "error"]
    assert len(err) == 1 and err.error.iloc[0] == "ValueError: negative budget -1"
    assert {"houses.budget", "houses.units", "name", "metric.covered"} <= set(df.columns)
    for s, (_, row) in zip(_scenarios()[:20], df.iloc[:20].iterrows()):
        exp = toy_cover(s)
        assert row["metric.covered"] == exp["covered"]
        assert row["metric.cost"] == exp["cost"] and row["metric.n_sites"] == exp["n_sites"]
    assert len(list((out / "runs").glob("*.json"))) == 21
    assert not list((out / "runs").glob("*.tmp"))
    # CSV and parquet written and equal
    csv = pd.read_csv(out / "results.csv")
    pq = pd.read_parquet(out / "results.parquet")
    cols = ["hash", "houses.budget", "houses.units", "status",
            "metric.covered", "metric.cost", "metric.n_sites"]
    pd.testing.assert_frame_equal(csv[cols], pq[cols], check_dtype=False)
    assert csv.error.isna().sum() == 20 and pq.error.isna().sum() == 20


def test_rerun_skips_ok_and_retries_errors(process_run):
    out, df = process_run
    df2 = run_sweep(_scenarios(), toy_cover, out, jobs=2, progress=False)
    # policy: ok results are cached; error results are retried each time
    assert df2.attrs["skipped"] == 20 and df2.attrs["computed"] == 1
    ok = _scenarios()[:20]
    df3 = run_sweep(ok, toy_cover, out, jobs=2, progress=False)
    assert df3.attrs["computed"] == 0 and df3.attrs["skipped"] == 20
    cols = ["hash", "houses.budget", "houses.units", "status", "error",
            "metric.covered", "metric.cost", "metric.n_sites"]
    pd.testing.assert_frame_equal(df3[cols], df.iloc[:20][cols], check_dtype=False)


def test_dask_local_matches_process(process_run, tmp_path):
    _, df = process_run
    dd = run_sweep(_scenarios(), toy_cover, tmp_path, scheduler="local", progress=False)
    assert dd.attrs["computed"] == 21
    cols = ["hash", "status", "error", "metric.covered", "metric.cost", "metric.n_sites"]
    pd.testing.assert_frame_equal(dd[cols], df[cols])
    assert (tmp_path / "results.parquet").exists() and (tmp_path / "results.csv").exists()


def test_serial_run(tmp_path):
    df = run_sweep(_scenarios()[:3], toy_cover, tmp_path, jobs=1, progress=True)
    assert list(df.status) == ["ok"] * 3 and df.attrs["computed"] == 3


def test_process_pool_run_serves_scenarios_in_this_process_too(tmp_path):
    """``jobs=2``: this process and one spawned worker share the queue (not two workers while this one waits);
    every scenario runs once, with cpu_count // 2 HiGHS and BLAS threads, and this process's limits are restored."""
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from sweep_helpers import blas_threads_now, which_process

    from sundhed.solvers.highs import _default_threads

    before, blas_before = _default_threads[0], blas_threads_now()
    scenarios = [{"s": 0.3, "i": i} for i in range(12)]
    df = run_sweep(scenarios, which_process, tmp_path, jobs=2, progress=False)
    assert list(df.status) == ["ok"] * 12 and df.attrs["computed"] == 12
    pids = df["metric.pid"].astype(int)
    assert os.getpid() in set(pids) and len(set(pids)) == 2
    assert (pids == os.getpid()).sum() >= 3  # the worker's start-up (~2-4 s) runs beside this process's share
    share = max(1, (os.cpu_count() or 1) // 2)
    assert set(df["metric.threads"]) == {share}
    assert set(df["metric.blas_threads"]) == {min(share, blas_before)}
    assert _default_threads[0] == before and blas_threads_now() == blas_before


_START_METHODS = """
import sys, threading
sys.path.insert(0, {here!r})
from sundhed.sweep_pool import start_method
from sundhed.sweep import run_sweep
from sweep_helpers import tiny_solve
print(start_method())
t = threading.Thread(target=threading.Event().wait, args=(1,)); t.start()
print(start_method())  # another thread runs: a fork could copy a held lock
t.join()
df = run_sweep([{{"s": 0.4, "b": b}} for b in range(8)], tiny_solve, {out!r}, jobs=2, progress=False)
print(len(set(df["metric.pid"])), list(df["metric.objective"]))
print(start_method())  # HiGHS has run here now
df = run_sweep([{{"s": 0.4, "b": b}} for b in range(8, 12)], tiny_solve, {out!r}, jobs=2, progress=False)
print(len(set(df["metric.pid"])), list(df["metric.objective"]))
"""


def test_workers_forked_only_before_any_solve(tmp_path):
    """A fresh sweep process forks its workers (they start with its imports and data); once HiGHS has run here,
    or while another thread runs, workers are spawned. Either way real solves in both processes give the
    optimum of max x + 3y s.t. x + 2y <= b, x, y in 0..10 (integers)."""
    import subprocess
    import sys
    from pathlib import Path

    script = _START_METHODS.format(here=str(Path(__file__).parent), out=str(tmp_path / "sw"))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.strip().splitlines()

    def best(b: int) -> float:
        return float(max(x + 3 * y for x in range(11) for y in range(11) if x + 2 * y <= b))

    assert lines[0] == "fork" and lines[1] == "spawn" and lines[3] == "spawn"
    assert lines[2] == f"2 {[best(b) for b in range(8)]}"
    assert lines[4] == f"2 {[best(b) for b in range(8, 12)]}"


@pytest.mark.parametrize("jobs", [1, 2])
def test_sweep_freezes_what_scenarios_share_and_unfreezes_after(tmp_path, jobs):
    """After a process's first scenario (and in a worker, after its start-up) the heap is frozen, so the
    collector skips the imports and data every scenario shares (sundhed/heap.py); after the sweep this process's
    objects are collectable again, as a notebook needs."""
    import gc
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from sweep_helpers import frozen_now

    assert gc.get_freeze_count() == 0
    df = run_sweep([{"s": 0.2, "i": i} for i in range(6)], frozen_now, tmp_path, jobs=jobs, progress=False)
    assert list(df.status) == ["ok"] * 6
    here = df[df["metric.pid"].astype(int) == os.getpid()]
    assert len(here) >= 2 and here["metric.frozen"].iloc[0] == 0 and (here["metric.frozen"].iloc[1:] > 0).all()
    workers = df[df["metric.pid"].astype(int) != os.getpid()]
    assert (len(workers) >= 1) == (jobs == 2) and (workers["metric.frozen"] > 0).all()
    assert gc.get_freeze_count() == 0
