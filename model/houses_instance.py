"""Model 2 (sundhedshuse) data: house types, the Nærhedsfond money rules (co-financing, the København +
Frederiksberg cap) and the siting instance :class:`HouseInstance`. The formulation that uses them is
:func:`sundhed.model.houses.build_house_model`. Money in mio. kr., time in minutes, demand in inhabitants.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np


#: Nærhedsfonden's building pool: 3 mia. kr. over 2020–2025, i.e. 500 mio. kr. a year.
NAERHEDSFOND_BUDGET_MIO_KR = 3000.0


NAERHEDSFOND_YEARLY_MIO_KR: dict[int, float] = {y: 500.0 for y in range(2020, 2026)}


#: Up to 150 mio. kr. are earmarked for København (101) and Frederiksberg (147).
KBH_FRB_CAP_MIO_KR: dict[tuple[int, ...], float] = {(101, 147): 150.0}


#: Ordinary local co-financing share (~25 %).
DEFAULT_COFINANCING_SHARE = 0.25


#: Share used for "weaker" kommuner by :func:`cofinancing_shares` when nothing else is given.  The political
#: agreement only says "lower"; 0.10 is an assumption, pass your own value.
WEAK_KOMMUNE_COFINANCING_SHARE = 0.10


_TOL = 1e-9


@dataclass(frozen=True)
class HouseType:
    """A kind of sundhedshus.

    name: label (unique within an instance); cost_mio_kr: total project cost in mio. kr. (state + kommune);
    capacity: patients (same unit as ``HouseInstance.demand_weight``) it can serve.
    """

    name: str
    cost_mio_kr: float
    capacity: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("HouseType.name must be a non-empty string")
        for attr in ("cost_mio_kr", "capacity"):
            v = getattr(self, attr)
            if not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"HouseType {self.name!r}: {attr} must be a finite number >= 0, got {v!r}")


def cofinancing_shares(kommuner: Sequence[int], weak: Sequence[int] = (),
                       default: float = DEFAULT_COFINANCING_SHARE,
                       weak_share: float = WEAK_KOMMUNE_COFINANCING_SHARE) -> dict[int, float]:
    """Kommune code -> local co-financing share: ``default`` for all, ``weak_share`` for the ``weak`` list."""
    weak_set = {int(k) for k in weak}
    return {int(k): (weak_share if int(k) in weak_set else default) for k in kommuner}


def _float_array(name: str, values, ndim: int) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


def _int_array(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        try:
            as_int = arr.astype(np.int64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold integer kommune codes") from None
        if not np.array_equal(as_int, arr.astype(float)):
            raise ValueError(f"{name} must hold integer kommune codes")
        arr = as_int
    arr = arr.astype(np.int64, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class HouseInstance:
    """All data of one siting problem (n demand points, m candidate sites, K house types).

    demand_ids: n unique ids.
    demand_weight: (n,) inhabitants (or elderly estimate) per demand point, >= 0.
    demand_kommune: (n,) kommune code per demand point.
    demand_catchment: (n,) catchment id (str) per demand point, e.g. the akutsygehus catchment.
    site_ids: m unique candidate-site ids.
    site_kommune: (m,) kommune code per candidate site (decides co-financing and group caps).
    travel_min: (n, m) travel time demand -> site in minutes (+inf = unreachable; NaN not allowed).
    hospital_min: (n,) minutes to the nearest akutsygehus (counts as coverage, unlimited capacity).
    house_types: the K types a new house can have.
    cofinancing_share: kommune code -> local share of the project cost in [0, 1];
        kommuner not listed use ``default_cofinancing_share``.
    budget_mio_kr: cap on total state spend, mio. kr.
    yearly_budget_mio_kr: optional year -> state budget that year (mio. kr.), e.g. 2020–2025.
    carry_over: with a yearly profile, whether unused money may be spent in later years.
    group_caps_mio_kr: kommune codes -> cap on state spend for new houses sited in those kommuner.
    existing: (site, type) pairs of houses already open; site is an index or a site id, type an index or
        a type name. They are always open, keep their type and cost nothing.
    coverage_minutes: T, minutes.
    site_catchment: optional (m,) catchment per site (used by ``min_one_per_catchment``); by default a site
        belongs to the catchment of its nearest demand point (by ``travel_min``).
    """

    demand_ids: Sequence[str]
    demand_weight: np.ndarray
    demand_kommune: np.ndarray
    demand_catchment: Sequence[str]
    site_ids: Sequence[str]
    site_kommune: np.ndarray
    travel_min: np.ndarray
    hospital_min: np.ndarray
    house_types: Sequence[HouseType]
    cofinancing_share: Mapping[int, float] = field(default_factory=dict)
    budget_mio_kr: float = NAERHEDSFOND_BUDGET_MIO_KR
    yearly_budget_mio_kr: Mapping[int, float] | None = None
    carry_over: bool = False
    group_caps_mio_kr: Mapping[tuple[int, ...], float] = field(default_factory=dict)
    existing: Sequence[tuple] = ()
    coverage_minutes: float = 20.0
    site_catchment: Sequence[str] | None = None
    default_cofinancing_share: float = DEFAULT_COFINANCING_SHARE

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ validation / normalisation
    def _set(self, name: str, value) -> None:
        object.__setattr__(self, name, value)

    def validate(self) -> None:
        """Check and normalise the data; raises ValueError with a clear message on bad input."""
        ids = [str(d) for d in self.demand_ids]
        if len(set(ids)) != len(ids):
            raise ValueError("demand_ids must be unique")
        self._set("demand_ids", tuple(ids))
        n = len(ids)
        sids = [str(s) for s in self.site_ids]
        if len(set(sids)) != len(sids):
            raise ValueError("site_ids must be unique")
        self._set("site_ids", tuple(sids))
        m = len(sids)

        w = _float_array("demand_weight", self.demand_weight, 1)
        if w.shape != (n,):
            raise ValueError(f"demand_weight has length {w.shape[0]}, expected {n} (one per demand id)")
        if not np.all(np.isfinite(w)):
            raise ValueError("demand_weight contains NaN or inf")
        if np.any(w < 0):
            raise ValueError(f"demand_weight must be >= 0; negative at demand {ids[int(np.argmax(w < 0))]!r}")
        self._set("demand_weight", w)

        dk = _int_array("demand_kommune", self.demand_kommune)
        if dk.shape != (n,):
            raise ValueError(f"demand_kommune has length {dk.shape[0]}, expected {n}")
        self._set("demand_kommune", dk)
        dc = tuple(str(c) for c in self.demand_catchment)
        if len(dc) != n:
            raise ValueError(f"demand_catchment has length {len(dc)}, expected {n}")
        self._set("demand_catchment", dc)

        sk = _int_array("site_kommune", self.site_kommune)
        if sk.shape != (m,):
            raise ValueError(f"site_kommune has length {sk.shape[0]}, expected {m} (one per site id)")
        self._set("site_kommune", sk)

        t = _float_array("travel_min", self.travel_min, 2)
        if t.shape != (n, m):
            raise ValueError(f"travel_min has shape {t.shape}, expected (n_demand, n_sites) = {(n, m)}")
        if np.isnan(t).any():
            raise ValueError("travel_min contains NaN (use +inf for unreachable pairs)")
        if (t < 0).any():
            raise ValueError("travel_min must be >= 0 minutes")
        self._set("travel_min", t)
        h = _float_array("hospital_min", self.hospital_min, 1)
        if h.shape != (n,):
            raise ValueError(f"hospital_min has length {h.shape[0]}, expected {n}")
        if np.isnan(h).any():
            raise ValueError("hospital_min contains NaN (use +inf for no reachable hospital)")
        if (h < 0).any():
            raise ValueError("hospital_min must be >= 0 minutes")
        self._set("hospital_min", h)

        types = tuple(self.house_types)
        if not types:
            raise ValueError("house_types must contain at least one HouseType")
        if not all(isinstance(k, HouseType) for k in types):
            raise ValueError("house_types must be HouseType objects")
        if len({k.name for k in types}) != len(types):
            raise ValueError("house type names must be unique")
        self._set("house_types", types)

        if not isinstance(self.coverage_minutes, (int, float)) or not math.isfinite(self.coverage_minutes) \
                or self.coverage_minutes <= 0:
            raise ValueError(f"coverage_minutes must be a positive number of minutes, got {self.coverage_minutes!r}")
        b = self.budget_mio_kr
        if not isinstance(b, (int, float, np.integer, np.floating)) or not math.isfinite(b):
            raise ValueError(f"budget_mio_kr must be a finite number, got {b!r}")
        if b < 0:
            raise ValueError(f"budget_mio_kr must be >= 0 mio. kr., got {b}")
        self._set("budget_mio_kr", float(b))

        if not 0 <= self.default_cofinancing_share <= 1:
            raise ValueError("default_cofinancing_share must lie in [0, 1]")
        shares = {}
        for k, s in dict(self.cofinancing_share).items():
            s = float(s)
            if not (0.0 <= s <= 1.0):
                raise ValueError(f"cofinancing_share for kommune {k} must lie in [0, 1], got {s}")
            shares[int(k)] = s
        self._set("cofinancing_share", shares)

        if self.yearly_budget_mio_kr is not None:
            yearly = {}
            for y, v in dict(self.yearly_budget_mio_kr).items():
                v = float(v)
                if not math.isfinite(v) or v < 0:
                    raise ValueError(f"yearly budget for {y} must be a finite number >= 0, got {v}")
                yearly[int(y)] = v
            if not yearly:
                raise ValueError("yearly_budget_mio_kr is empty; pass None for no yearly profile")
            self._set("yearly_budget_mio_kr", dict(sorted(yearly.items())))

        caps = {}
        for key, cap in dict(self.group_caps_mio_kr).items():
            codes = (int(key),) if isinstance(key, (int, np.integer)) else tuple(int(c) for c in key)
            if not codes:
                raise ValueError("group_caps_mio_kr keys must name at least one kommune")
            cap = float(cap)
            if not math.isfinite(cap) or cap < 0:
                raise ValueError(f"group cap for kommuner {codes} must be a finite number >= 0, got {cap}")
            caps[codes] = cap
        self._set("group_caps_mio_kr", caps)

        site_pos = {s: j for j, s in enumerate(sids)}
        type_pos = {k.name: q for q, k in enumerate(types)}
        ex = []
        for item in self.existing:
            try:
                site, typ = item
            except (TypeError, ValueError):
                raise ValueError(f"existing entries must be (site, type) pairs, got {item!r}") from None
            if isinstance(site, (int, np.integer)):
                if not 0 <= int(site) < m:
                    raise ValueError(f"existing house at unknown site index {site} (there are {m} sites)")
                j = int(site)
            elif str(site) in site_pos:
                j = site_pos[str(site)]
            else:
                raise ValueError(f"existing house at unknown site {site!r}")
            if isinstance(typ, (int, np.integer)):
                if not 0 <= int(typ) < len(types):
                    raise ValueError(f"existing house at site {sids[j]!r} has unknown type index {typ}")
                q = int(typ)
            elif str(typ) in type_pos:
                q = type_pos[str(typ)]
            else:
                raise ValueError(f"existing house at site {sids[j]!r} has unknown type {typ!r}")
            ex.append((j, q))
        if len({j for j, _ in ex}) != len(ex):
            raise ValueError("at most one existing house per site")
        self._set("existing", tuple(sorted(ex)))

        if self.site_catchment is None:
            if n == 0 or m == 0:
                sc = tuple("" for _ in range(m))
            else:
                sc = tuple(dc[int(i)] for i in np.argmin(t, axis=0))
        else:
            sc = tuple(str(c) for c in self.site_catchment)
            if len(sc) != m:
                raise ValueError(f"site_catchment has length {len(sc)}, expected {m}")
        self._set("site_catchment", sc)

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_demand(self) -> int:
        return len(self.demand_ids)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    def share_of(self, kommune: int) -> float:
        """Local co-financing share of ``kommune`` (fraction of total cost the kommune pays)."""
        return self.cofinancing_share.get(int(kommune), self.default_cofinancing_share)

    def state_cost_matrix(self) -> np.ndarray:
        """(m, K) state cost in mio. kr. of building type k at site j (new houses)."""
        share = np.array([self.share_of(k) for k in self.site_kommune], dtype=float)
        cost = np.array([k.cost_mio_kr for k in self.house_types], dtype=float)
        return (1.0 - share)[:, None] * cost[None, :]

    def existing_mask(self) -> np.ndarray:
        """(m,) True where a house already exists."""
        mask = np.zeros(self.n_sites, dtype=bool)
        for j, _ in self.existing:
            mask[j] = True
        return mask

    @property
    def coverage_limit_min(self) -> float:
        """T in minutes with a rounding tolerance: a travel time up to this counts as within T (the one place the
        coverage test's tolerance is written)."""
        return self.coverage_minutes + _TOL

    def within(self) -> np.ndarray:
        """(n, m) bool, read-only: demand point i lies within T minutes of candidate site j. Computed once per
        instance (instances are not changed in place; ``dataclasses.replace`` makes a new one)."""
        cached = self.__dict__.get("_within")
        if cached is None:
            cached = self.travel_min <= self.coverage_limit_min
            cached.setflags(write=False)
            object.__setattr__(self, "_within", cached)
        return cached

    def hospital_covered(self) -> np.ndarray:
        """(n,) True where the nearest akutsygehus is within T minutes."""
        return self.hospital_min <= self.coverage_limit_min

    def covered_by(self, open_sites) -> np.ndarray:
        """(n,) bool: covered by a hospital or one of ``open_sites`` (indices) within T, ignoring capacity."""
        cov = self.hospital_covered().copy()
        idx = np.asarray(list(open_sites), dtype=int)
        if idx.size:
            cov |= self.within()[:, idx].any(axis=1)
        return cov

    def baseline_covered(self) -> np.ndarray:
        """(n,) bool coverage from existing houses and hospitals only (capacity ignored)."""
        return self.covered_by([j for j, _ in self.existing])

    def kommuner_without_sites(self) -> list[int]:
        """Kommuner (by demand) with no candidate site at all (no rule can put a house there)."""
        have = {int(k) for k in self.site_kommune}
        return sorted({int(k) for k in self.demand_kommune} - have)

    def uncovered_kommuner(self) -> list[int]:
        """Kommuner (by demand) with no demand point covered at baseline (existing houses + hospitals)."""
        cov = self.baseline_covered()
        out = []
        for k in np.unique(self.demand_kommune):
            if not cov[self.demand_kommune == k].any():
                out.append(int(k))
        return out

    def catchments(self) -> list[str]:
        """Catchment ids in first-seen order."""
        return list(dict.fromkeys(self.demand_catchment))
