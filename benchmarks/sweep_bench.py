"""A 100-scenario catchment sweep: wall time with 1 and with 2 worker processes.

Scenarios: the national catchment model (``sundhed.tasks.catchment_scenario``, the task behind
``sundhed sweep``) over band lower bound {150, 165, ..., 285} thousand (10 values) x upper bound
{325, 350, ..., 550} thousand (10 values), region rule on, ``output.map = false``: 100 scenarios.
Region rule *off* is left out of the grid: those national solves take several times longer (about
6-12 s each instead of about 2.5 s), which would double the section's run time without telling more about
the sweep engine. :func:`region_off_probe` times one such scenario and the table notes the result.
Each run goes into a fresh temporary directory, so nothing is skipped from an earlier run's cache.
``jobs=1`` runs in this process; ``jobs=2`` uses ``sundhed.sweep``'s ProcessPoolExecutor (each worker
loads the dataset once). The travel-time matrix comes from the project's disk cache (computed once before
timing), as in any real sweep.
"""
from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import table

LOWERS = [150_000 + 15_000 * i for i in range(10)]
UPPERS = [325_000 + 25_000 * i for i in range(10)]


def scenarios(limit: int | None = None) -> list[dict]:
    from sundhed.sweep import expand

    spec = {"base": {"scenario": "benchmark", "output": {"map": False}},
            "grid": {"catchments.band": [[lo, hi] for lo in LOWERS for hi in UPPERS],
                     "catchments.region_rule": [True]}}
    out = expand(spec)
    return out[:limit] if limit else out


PROBE_BAND = [150_000, 325_000]


def region_off_probe(time_limit: float = 120.0) -> dict:
    """One scenario with the region rule off and band PROBE_BAND, HiGHS time limit ``time_limit`` seconds."""
    from sundhed.tasks import catchment_scenario

    t0 = time.perf_counter()
    try:
        m = catchment_scenario({"catchments": {"region_rule": False, "band": PROBE_BAND},
                                "solver": {"time_limit": time_limit}, "output": {"map": False}})
    except Exception as exc:  # noqa: BLE001 - e.g. no incumbent within the limit
        m = {"status": f"failed ({type(exc).__name__}: {exc})", "gap": float("inf")}
    return {"wall_s": time.perf_counter() - t0, "status": m["status"], "gap": m["gap"],
            "time_limit_s": time_limit}


def run(quick: bool = False, n: int | None = None, log=print) -> tuple[str, dict]:
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.national import catchment_instance
    from sundhed.sweep import run_sweep
    from sundhed.tasks import catchment_scenario

    catchment_instance(load_dataset())  # fill the travel-time disk cache before timing
    sc = scenarios(n)
    rows, rec = [], {"scenarios": len(sc)}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory(prefix=f"sweep-bench-j{jobs}-") as tmp:
            log(f"  sweep: {len(sc)} scenarios with jobs={jobs} ...")
            t0 = time.perf_counter()
            df = run_sweep(sc, catchment_scenario, tmp, jobs=jobs, progress=False)
            wall = time.perf_counter() - t0
        ok = int(df.attrs["ok"])
        solver_s = float(df["metric.runtime_s"].sum()) if "metric.runtime_s" in df else float("nan")
        optimal = int((df.get("metric.status") == "optimal").sum()) if "metric.status" in df else 0
        rec[f"jobs{jobs}"] = {"wall_s": wall, "ok": ok, "errors": int(df.attrs["errors"]),
                              "optimal": optimal, "solver_s": solver_s}
        rows.append([jobs, len(sc), ok, optimal, wall, wall / len(sc), solver_s])
    speedup = rec["jobs1"]["wall_s"] / rec["jobs2"]["wall_s"]
    rec["speedup"] = speedup
    log("  sweep: one region-rule-off scenario (probe) ...")
    probe = rec["region_off_probe"] = region_off_probe()
    notes = [f"Speed-up with 2 processes: **{speedup:.2f}x** (ideal 2.0 on 2 otherwise idle cores). "
             "'solver s' = sum over scenarios of the solve_with_highs wall time each scenario reports "
             "(HiGHS with its default threads). os.cpu_count() = " f"{os.cpu_count()}.",
             f"Region rule off, band {PROBE_BAND[0]:,}-{PROBE_BAND[1]:,} (not in the grid): one scenario with a "
             f"{probe['time_limit_s']:.0f} s "
             f"HiGHS limit ended '{probe['status']}' with gap {100 * probe['gap']:.2f}% after "
             f"{probe['wall_s']:.0f} s wall."]
    return table("100-scenario catchment sweep (sundhed.sweep.run_sweep)",
                 ["jobs", "scenarios", "ok", "optimal", "wall s", "s / scenario", "solver s (sum)"],
                 rows, notes), rec
