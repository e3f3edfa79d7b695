"""Seeded random facility-location instances for the spopt comparison.

Every instance: ``n`` demand points and ``m`` candidate sites drawn uniformly in the square
[0, 100] x [0, 100] by ``numpy.random.default_rng(SEED + n + m)``, integer demand weights 1..100 from the
same generator, cost = Euclidean distance (read it as minutes). The same arrays go to both sides.

Parameters per size (see :data:`SIZES`):

* coverage radius ``R = 1.2 * 100 / sqrt(m)`` (about 1.2 x the mean spacing of candidates), used by
  LSCP and MCLP;
* LSCP: demand points that no candidate reaches within ``R`` are dropped (for both sides: spopt's LSCP is
  infeasible otherwise; this project's LSCP drops them itself);
* MCLP: ``p = max(3, m // 10)`` facilities;
* p-median: ``p`` facilities (``PMEDIAN_P``); for 5,000 x 1,000 every demand point may only be assigned to
  its ``K_NEAREST = 50`` nearest candidates, on both sides (spopt's ``KNearestPMedian``; see
  ``benchmarks/pmedian.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 20240808
SIZES = ((100, 20), (500, 300), (5000, 1000))
PMEDIAN_P = {20: 5, 300: 30, 1000: 100}
#: Candidates per demand point for the sparse p-median (only used where ``sparse_pmedian`` is True).
K_NEAREST = 50
#: Largest size for which the p-median is built densely (every demand point x every candidate).
DENSE_PMEDIAN_MAX_PAIRS = 200_000


@dataclass(frozen=True)
class RandomInstance:
    n: int
    m: int
    demand_xy: np.ndarray     # (n, 2)
    site_xy: np.ndarray       # (m, 2)
    weight: np.ndarray        # (n,) integers as float
    cost: np.ndarray          # (n, m) Euclidean distance
    radius: float
    p_mclp: int
    p_median: int

    @property
    def label(self) -> str:
        return f"{self.n:,}x{self.m:,}"

    @property
    def sparse_pmedian(self) -> bool:
        return self.n * self.m > DENSE_PMEDIAN_MAX_PAIRS

    def lscp_rows(self) -> np.ndarray:
        """Demand points some candidate covers within the radius (the LSCP keeps only these)."""
        return (self.cost <= self.radius).any(axis=1)

    def nearest(self, k: int = K_NEAREST) -> np.ndarray:
        """(n, k) indices of each demand point's k nearest candidates (ties broken by index)."""
        k = min(k, self.m)
        part = np.argpartition(self.cost, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(self.cost, part, axis=1).argsort(axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1)


def make_instance(n: int, m: int, seed: int = SEED) -> RandomInstance:
    rng = np.random.default_rng(seed + n + m)
    d = rng.uniform(0.0, 100.0, (n, 2))
    s = rng.uniform(0.0, 100.0, (m, 2))
    w = rng.integers(1, 101, n).astype(float)
    cost = np.sqrt(((d[:, None, :] - s[None, :, :]) ** 2).sum(axis=2))
    return RandomInstance(n=n, m=m, demand_xy=d, site_xy=s, weight=w, cost=cost,
                          radius=1.2 * 100.0 / np.sqrt(m), p_mclp=max(3, m // 10),
                          p_median=PMEDIAN_P.get(m, max(2, m // 10)))
