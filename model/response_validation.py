"""Modelled against observed response times, and real bases against modelled stations (pure functions).

Minutes throughout; ``trips`` weight the observed means (A-priority trips 2021–2025). Data loading is in
``geodata/observed.py`` and ``geodata/bases.py``; ``sundhed/validate.py`` composes them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The TV2 source's split of an A-call's wait in Nordjylland and Syddanmark (the two regions with full
#: timestamps, about 549,000 trips): about 2 minutes (median) from the 112 call to dispatch, the rest
#: (7–8 minutes) turnout and driving.
SOURCE_DISPATCH_MIN = 2.0
SOURCE_DRIVE_MIN = (7.0, 8.0)
CALIBRATION_REGIONS = ("Nordjylland", "Syddanmark")


def fit_delay(observed: np.ndarray, drive: np.ndarray, trips: np.ndarray) -> float:
    """The delay (minutes) that makes the trip-weighted mean of ``delay + drive`` equal the observed
    trip-weighted mean (least squares with trip weights)."""
    w = np.asarray(trips, dtype=float)
    ok = np.isfinite(drive) & np.isfinite(observed) & (w > 0)
    if not ok.any():
        raise ValueError("no postcode with a finite drive time and trips to calibrate on")
    return float(np.average(np.asarray(observed)[ok] - np.asarray(drive)[ok], weights=w[ok]))


def compare(df: pd.DataFrame) -> dict:
    """Statistics of one set of postcodes (columns ``observed_min``, ``modelled_min``, ``trips``):
    ``postcodes``, ``trips``, ``spearman`` (rank correlation, unweighted), ``median_abs_error_min``,
    ``mean_error_min`` (modelled - observed, trip-weighted), ``observed_mean_min`` / ``modelled_mean_min``
    (trip-weighted)."""
    from scipy.stats import spearmanr

    d = df[np.isfinite(df["modelled_min"]) & np.isfinite(df["observed_min"])]
    n = len(d)
    out = {"postcodes": int(n), "trips": int(d["trips"].sum())}
    if n == 0:
        return out | {"spearman": None, "median_abs_error_min": None, "mean_error_min": None,
                      "observed_mean_min": None, "modelled_mean_min": None}
    err = d["modelled_min"] - d["observed_min"]
    rho = float(spearmanr(d["modelled_min"], d["observed_min"]).statistic) if n >= 3 else None
    w = d["trips"].to_numpy(float)
    return out | {"spearman": None if rho is None or not np.isfinite(rho) else rho,
                  "median_abs_error_min": float(np.median(np.abs(err))),
                  "mean_error_min": float(np.average(err, weights=w)) if w.sum() > 0 else None,
                  "observed_mean_min": float(np.average(d["observed_min"], weights=w)) if w.sum() > 0 else None,
                  "modelled_mean_min": float(np.average(d["modelled_min"], weights=w)) if w.sum() > 0 else None}


def compare_by_region(df: pd.DataFrame, regions: Sequence[str] | None = None) -> dict:
    """:func:`compare` for all rows and per ``region``: ``{..., "by_region": {region: {...}}}``."""
    regions = list(dict.fromkeys(df["region"])) if regions is None else list(regions)
    return compare(df) | {"by_region": {r: compare(df[df["region"] == r]) for r in regions}}


def share_within(observed_min: np.ndarray, trips: np.ndarray, T: float = 15.0) -> float:
    """Trip-weighted share of trips in postcodes whose *mean* response is at most ``T`` minutes (a proxy for
    the share of calls reached within T: the file has means per postcode, not trips)."""
    w = np.asarray(trips, dtype=float)
    return float(w[np.asarray(observed_min) <= T + 1e-9].sum() / w.sum()) if w.sum() > 0 else float("nan")


def nearest_distance_m(px: np.ndarray, py: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Per point, the straight-line distance (metres, projected coordinates) to the nearest of the stations."""
    px, py, sx, sy = (np.asarray(a, dtype=float) for a in (px, py, sx, sy))
    if len(sx) == 0:
        return np.full(len(px), np.inf)
    from scipy.spatial import cKDTree

    d, _ = cKDTree(np.c_[sx, sy]).query(np.c_[px, py])
    return np.asarray(d, dtype=float)


def bases_matched(bases: pd.DataFrame, stations: pd.DataFrame, radius_km: float = 5.0) -> pd.DataFrame:
    """Per region: real bases (``x``, ``y``, ``region``) and how many lie within ``radius_km`` of a station
    (``x``, ``y``); columns ``region``, ``bases``, ``within``, ``share``, plus a ``(total)`` row."""
    d = nearest_distance_m(bases["x"], bases["y"], stations["x"], stations["y"])
    b = bases.assign(within=d <= radius_km * 1000.0 + 1e-6)
    g = b.groupby("region", sort=False)["within"].agg(bases="size", within="sum").reset_index()
    tot = pd.DataFrame([{"region": "(total)", "bases": int(b.shape[0]), "within": int(b["within"].sum())}])
    g = pd.concat([g, tot], ignore_index=True)
    g["share"] = g["within"] / g["bases"]
    return g
