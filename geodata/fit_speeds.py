"""Fit the embedded network's speeds on one half of the published town pairs, test on the other.

``tests/data/published_drive_times.csv`` holds town-to-town drive times (minutes, km) with a ``split``
column: ``fit`` or ``heldback``. The split was fixed by :func:`assign_split` (a recorded rule, no
randomness) and committed *before* any speed was fitted; tests/test_traveltimes.py checks that the
column still follows the rule, so no pair can move between the halves after the fact.

    python -m sundhed.geodata.fit_speeds            # report errors on both halves with the current table
    python -m sundhed.geodata.fit_speeds --fit      # coordinate search on the fit half; prints the new table

Published figures are driving + sailing time with no waiting for a departure (how route planners quote
a ferry route), so the comparison uses the network with ``ferry_wait_min = 0``.
"""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sundhed.geodata.io import data_path, read_csv_checked

PAIRS_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "published_drive_times.csv"
TOWNS_FILE = data_path("geonames", "dk_places_pop500.csv")
SPLITS = ("fit", "heldback")


def assign_split(pairs: pd.DataFrame) -> list[str]:
    """The recorded split rule: within each ``group``, order the pairs by the SHA-256 of
    ``"from_town|to_town"`` and alternate fit, heldback, fit, ... (so every group, ferries included,
    is in both halves and the halves differ in size by at most one pair per group)."""
    out = [""] * len(pairs)
    for _, sub in pairs.groupby("group", sort=True):
        keys = [(hashlib.sha256(f"{a}|{b}".encode()).hexdigest(), i)
                for i, a, b in zip(sub.index, sub["from_town"], sub["to_town"])]
        for rank, (_, i) in enumerate(sorted(keys)):
            out[pairs.index.get_loc(i)] = SPLITS[rank % 2]
    return out


def load_pairs(path=PAIRS_FILE) -> pd.DataFrame:
    return read_csv_checked(path, ["from_town", "to_town", "minutes", "km_road", "ferry", "group", "split"])


def town_points(names) -> pd.DataFrame:
    """GeoNames coordinates (EPSG:25832) of the named towns, as a points frame."""
    import geopandas as gpd

    from sundhed.geodata.traveltimes import points_frame

    towns = pd.read_csv(TOWNS_FILE).drop_duplicates("name").set_index("name")
    missing = sorted(set(names) - set(towns.index))
    if missing:
        raise ValueError(f"towns not in {TOWNS_FILE.name}: {missing}")
    names = sorted(set(names))
    g = gpd.GeoSeries(gpd.points_from_xy(towns.loc[names, "longitude"], towns.loc[names, "latitude"]),
                      crs=4326).to_crs(25832)
    return points_frame(names, g.x, g.y)


@dataclass
class PairErrors:
    """Relative errors (model − published) / published per pair, with the pairs they belong to."""

    pairs: pd.DataFrame
    model_minutes: np.ndarray
    model_km: np.ndarray

    @property
    def err(self) -> np.ndarray:
        return (self.model_minutes - self.pairs["minutes"].to_numpy()) / self.pairs["minutes"].to_numpy()

    @property
    def km_err(self) -> np.ndarray:
        return (self.model_km - self.pairs["km_road"].to_numpy()) / self.pairs["km_road"].to_numpy()

    def summary(self, split: str | None = None) -> dict:
        sel = np.ones(len(self.pairs), bool) if split is None else (self.pairs["split"] == split).to_numpy()
        e, k = self.err[sel], self.km_err[sel]
        return {"n": int(sel.sum()), "median_abs_pct": 100 * float(np.median(np.abs(e))),
                "mean_pct": 100 * float(e.mean()), "max_abs_pct": 100 * float(np.abs(e).max()),
                "over_25_pct": int((np.abs(e) > 0.25).sum()),
                "km_median_abs_pct": 100 * float(np.median(np.abs(k))), "km_mean_pct": 100 * float(k.mean())}

    def table(self) -> pd.DataFrame:
        t = self.pairs[["from_town", "to_town", "group", "split", "minutes", "km_road"]].copy()
        t["model_minutes"] = self.model_minutes.round(1)
        t["model_km"] = self.model_km.round(1)
        t["err_pct"] = (100 * self.err).round(1)
        t["km_err_pct"] = (100 * self.km_err).round(1)
        return t


def pair_errors(kommuner, towns, fixed_links, ferries, pairs: pd.DataFrame | None = None,
                extra_points: pd.DataFrame | None = None) -> PairErrors:
    """Model minutes and km for every published pair (network with no ferry waiting, no cache).

    ``extra_points`` (a points frame, e.g. the demand points) join the network as the models' own
    points do: local links run through them, so the pairs are timed on the network the models use.
    """
    from sundhed.geodata.traveltimes import EmbeddedNetworkSource, travel_times

    pairs = load_pairs() if pairs is None else pairs
    pf = town_points(set(pairs["from_town"]) | set(pairs["to_town"]))
    dest = pf
    if extra_points is not None and len(extra_points):
        dest = pd.concat([pf, extra_points[~extra_points["id"].isin(pf["id"])]], ignore_index=True)
    tm = travel_times(EmbeddedNetworkSource(kommuner, towns, fixed_links, ferries, ferry_wait_min=0.0), pf, dest,
                      cache_dir=None)
    pos = {n: i for i, n in enumerate(tm.origin_ids)}
    dpos = {n: i for i, n in enumerate(tm.destination_ids)}
    i = [pos[a] for a in pairs["from_town"]]
    j = [dpos[b] for b in pairs["to_town"]]
    return PairErrors(pairs.reset_index(drop=True), tm.minutes[i, j], tm.km[i, j])


def model_points(ds) -> pd.DataFrame:
    """The points every model network holds: demand points and akutsygehuse (ids prefixed ``_``)."""
    pts = pd.concat([ds.demand_points_frame(), ds.hospital_points_frame()], ignore_index=True)
    pts["id"] = "_" + pts["id"].astype(str)
    return pts


def _objective(pe: PairErrors, split: str = "fit") -> float:
    """What the fit minimises on one half: mean absolute log ratio, plus a penalty beyond 20 %."""
    sel = (pe.pairs["split"] == split).to_numpy()
    r = np.log(pe.model_minutes[sel] / pe.pairs["minutes"].to_numpy()[sel])
    return float(np.mean(np.abs(r)) + np.mean(np.maximum(np.abs(r) - np.log(1.2), 0.0)) * 2)


#: Fitted speeds (km/h) with the bounds that keep them physical: a motorway in a town is no faster
#: than outside it, a main road no faster than a motorway, streets slower than roads.
FITTED: dict[str, tuple[float, float]] = {
    "motorway_rural": (95, 125), "motorway_urban": (70, 125), "main_rural": (60, 90), "main_urban": (30, 60),
    "local_rural": (40, 80), "local_urban": (20, 45),
}
SPEED_STEPS = (-10, -5, -2, 2, 5, 10)
#: Detour factors (geodata/network.py constants), fitted first on km: they set distances, not speeds.
FITTED_DETOURS: dict[str, tuple[float, float]] = {"SKELETON_DETOUR": (1.0, 1.3), "LOCAL_DETOUR": (1.1, 1.6)}
DETOUR_STEPS = (-0.05, -0.02, 0.02, 0.05)


def _km_objective(pe: PairErrors, split: str = "fit") -> float:
    """Median absolute km error on one half (ferry pairs left out: their km is mostly sailing)."""
    sel = ((pe.pairs["split"] == split) & (pe.pairs["ferry"] != "yes")).to_numpy()
    return float(np.median(np.abs(pe.km_err[sel])))


def _physical(speeds: dict) -> bool:
    return (speeds["motorway_urban"] <= speeds["motorway_rural"] and speeds["main_rural"] <= speeds["motorway_rural"]
            and speeds["main_urban"] <= speeds["main_rural"] and speeds["local_urban"] <= speeds["local_rural"])


def fit(ds, rounds: int = 3, log=print) -> dict[str, float]:
    """Coordinate search on the fit half only: detour factors on km (steps of 0.02-0.05), then the
    class speeds on minutes (whole km/h, within ``FITTED`` bounds, kept physical). Sets the values in
    geodata.network and returns them."""
    from sundhed.geodata import network

    pairs = load_pairs()
    args = (ds.kommuner, ds.towns, ds.fixed_links, ds.ferries, pairs, model_points(ds))

    def search(get, put, bounds, steps, objective, ok=lambda: True, ndigits=0):
        best = objective(pair_errors(*args))
        for _ in range(rounds):
            improved = False
            for key, (lo, hi) in bounds.items():
                base = get(key)
                for step in steps:
                    value = round(base + step, ndigits)
                    if not lo <= value <= hi:
                        continue
                    put(key, value)
                    val = objective(pair_errors(*args)) if ok() else np.inf
                    if val < best - 1e-6:
                        best, improved = val, True
                        put(key, value)
                        base = value
                put(key, base)
                log(f"  {key} = {base}  (objective {best:.4f})")
            if not improved:
                break

    search(lambda k: getattr(network, k), lambda k, v: setattr(network, k, v), FITTED_DETOURS, DETOUR_STEPS,
           _km_objective, ndigits=2)
    search(network.SPEED_KMH.__getitem__, network.SPEED_KMH.__setitem__, FITTED, SPEED_STEPS, _objective,
           ok=lambda: _physical(network.SPEED_KMH))
    out = {k: getattr(network, k) for k in FITTED_DETOURS}
    out.update({k: network.SPEED_KMH[k] for k in FITTED})
    return out


def main(argv=None) -> int:
    from sundhed.geodata.dataset import load_dataset

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fit", action="store_true", help="fit the class speeds on the fit half and print them")
    ap.add_argument("--table", action="store_true", help="print every pair")
    args = ap.parse_args(argv)
    ds = load_dataset()
    if args.fit:
        print("fitted SPEED_KMH:", fit(ds))
    pe = pair_errors(ds.kommuner, ds.towns, ds.fixed_links, ds.ferries, extra_points=model_points(ds))
    if args.table:
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            print(pe.table().sort_values("err_pct").to_string(index=False))
    for split in SPLITS:
        s = pe.summary(split)
        print(f"{split:8s} n={s['n']:3d}  median |error| {s['median_abs_pct']:.1f} %  mean {s['mean_pct']:+.1f} %  "
              f"max |error| {s['max_abs_pct']:.1f} %  beyond 25 %: {s['over_25_pct']}  "
              f"km median |error| {s['km_median_abs_pct']:.1f} % (mean {s['km_mean_pct']:+.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
