"""Importable task functions for sweep tests that run in spawned worker processes."""
from __future__ import annotations

import os
import time
from pathlib import Path


def sleepy(params: dict) -> dict:
    """Mark that it started (a file ``started-<i>`` beside the runs folder), then sleep ``s`` seconds."""
    out = Path(os.environ.get("SWEEP_MARK_DIR", "."))
    out.mkdir(parents=True, exist_ok=True)
    (out / f"started-{params['i']}").write_text(str(os.getpid()))
    time.sleep(params["s"])
    return {"slept": params["s"]}


def blas_threads_now() -> int:
    """The most threads any BLAS library loaded in this process may use now (threadpoolctl)."""
    import numpy  # noqa: F401 - loads OpenBLAS
    from threadpoolctl import threadpool_info

    return max(d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas")


def which_process(params: dict) -> dict:
    """The process that ran the scenario and the HiGHS and BLAS thread limits it ran with, after ``s`` seconds."""
    from sundhed.solvers.highs import _default_threads

    time.sleep(params["s"])
    return {"pid": os.getpid(), "threads": _default_threads[0], "blas_threads": blas_threads_now()}


def tiny_solve(params: dict) -> dict:
    """A real HiGHS solve (max x + y, x + 2y <= b, integers), after ``s`` seconds: objective and process."""
    import pyomo.environ as pyo

    from sundhed.solvers.highs import solve_with_highs

    time.sleep(params["s"])
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.y = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.c = pyo.Constraint(expr=m.x + 2 * m.y <= params["b"])
    m.obj = pyo.Objective(expr=m.x + 3 * m.y, sense=pyo.maximize)
    st = solve_with_highs(m)
    return {"pid": os.getpid(), "objective": st.objective}


def frozen_now(params: dict) -> dict:
    """How many objects the garbage collector holds frozen (sundhed/heap.py) while this scenario runs."""
    import gc

    time.sleep(params["s"])
    return {"pid": os.getpid(), "frozen": gc.get_freeze_count()}
