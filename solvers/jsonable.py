"""Turn solver results into plain JSON values (numpy scalars, NaN/inf -> None, tuples -> lists)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def jsonable(x):
    """A JSON-serialisable copy of ``x``; unknown objects become their ``str``."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, (int, str)):
        return x
    if x is pd.NA or x is pd.NaT:
        return None
    return str(x)
