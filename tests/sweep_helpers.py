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
