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


def which_process(params: dict) -> dict:
    """The process that ran the scenario and the HiGHS thread default it ran with, after ``s`` seconds."""
    from sundhed.solvers.highs import _default_threads

    time.sleep(params["s"])
    return {"pid": os.getpid(), "threads": _default_threads[0]}
