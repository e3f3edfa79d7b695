"""Model 3 (akutbiler) data: the covering instance :class:`EMSInstance` (demand points x candidate
stations, minutes) and the checked model parameters :class:`EMSParams` (:func:`resolve_params`). The formulations
that use them are in :mod:`sundhed.model.akutbiler`. Times in minutes, shares in [0, 1], money in mio. kr.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np


KINDS = ("lscp", "mclp", "mexclp", "dsm")


#: Slack (minutes) when comparing a response time with a threshold, so 15.0 counts as within 15 minutes.
TIME_TOL_MIN = 1e-9


#: Relative slack on share constraints (share x total demand).
SHARE_TOL = 1e-9


# ----------------------------------------------------------------------------------------------- instance
def _float_array(name: str, values, ndim: int, *, allow_inf: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if np.isnan(arr).any():
        bad = np.argwhere(np.isnan(arr))[0].tolist()
        raise ValueError(f"{name} contains NaN (first at index {bad})")
    if not allow_inf and np.isinf(arr).any():
        bad = np.argwhere(np.isinf(arr))[0].tolist()
        raise ValueError(f"{name} contains infinite values (first at index {bad})")
    if (arr < 0).any():
        bad = np.argwhere(arr < 0)[0].tolist()
        raise ValueError(f"{name} must be non-negative (first negative value at index {bad})")
    return arr


def _label_array(name: str, values) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class EMSInstance:
    """A covering instance: demand points x candidate stations.

    Attributes
    ----------
    demand_ids: id per demand point (n).
    demand_weight: calls or inhabitants per demand point (n), non-negative.
    demand_region: region name per demand point (n), e.g. ``"Nordjylland"``.
    demand_catchment: akutsygehus catchment (or any reporting area) per demand point (n).
    station_ids: id per candidate station (m). Existing stations are candidates too.
    drive_min: driving time in minutes, shape (n, m); ``inf`` = no road connection.
    uses_ferry: bool (n, m); True if the fastest path crosses a ferry (such a pair never covers).
    existing: indices into ``station_ids`` of stations that already have a unit (kept, never moved).
    delay_min: dispatch + turnout time in minutes added to every drive (default 3.0).
    unit_cost_mio_kr: optional cost of placing a new unit at each station, mio. kr. (m).

    Arrays are converted to numpy on construction and :meth:`validate` runs automatically.
    """

    demand_ids: np.ndarray
    demand_weight: np.ndarray
    demand_region: np.ndarray
    demand_catchment: np.ndarray
    station_ids: np.ndarray
    drive_min: np.ndarray
    uses_ferry: np.ndarray
    existing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    delay_min: float = 3.0
    unit_cost_mio_kr: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.validate()

    # -- validation --------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Check shapes and values; convert to numpy arrays. Raises ValueError with a clear message."""
        s = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        s("demand_ids", _label_array("demand_ids", self.demand_ids))
        s("station_ids", _label_array("station_ids", self.station_ids))
        s("demand_region", _label_array("demand_region", self.demand_region))
        s("demand_catchment", _label_array("demand_catchment", self.demand_catchment))
        s("demand_weight", _float_array("demand_weight", self.demand_weight, 1))
        s("drive_min", _float_array("drive_min", self.drive_min, 2, allow_inf=True))
        n, m = len(self.demand_ids), len(self.station_ids)
        if n == 0:
            raise ValueError("no demand points (demand_ids is empty)")
        if m == 0:
            raise ValueError("no candidate stations (station_ids is empty)")
        for name in ("demand_weight", "demand_region", "demand_catchment"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has length {len(getattr(self, name))}, expected {n} (one per demand id)")
        if self.drive_min.shape != (n, m):
            raise ValueError(f"drive_min has shape {self.drive_min.shape}, expected (n_demand, n_stations) = {(n, m)}")
        ferry = np.asarray(self.uses_ferry)
        if ferry.shape != (n, m):
            raise ValueError(f"uses_ferry has shape {ferry.shape}, expected (n_demand, n_stations) = {(n, m)}")
        if ferry.dtype != bool:
            try:
                ok = bool(np.isin(ferry.astype(float), (0.0, 1.0)).all())
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError("uses_ferry must be boolean (or 0/1), NaN is not allowed")
            ferry = ferry.astype(float).astype(bool)
        s("uses_ferry", ferry)
        if len(set(self.station_ids.tolist())) != m:
            raise ValueError("station_ids contains duplicates")
        if len(set(self.demand_ids.tolist())) != n:
            raise ValueError("demand_ids contains duplicates")
        ex = np.asarray(self.existing)
        if ex.size == 0:
            ex = np.zeros(0, dtype=int)
        if ex.ndim != 1:
            raise ValueError(f"existing must be a 1-dimensional list of station indices, got shape {ex.shape}")
        if ex.dtype == bool:
            raise ValueError("existing must hold station indices, not a boolean mask (use np.flatnonzero(mask))")
        if not np.issubdtype(ex.dtype, np.integer):
            try:
                exf = ex.astype(float)
            except (TypeError, ValueError):
                raise ValueError("existing must hold integer station indices") from None
            if np.isnan(exf).any() or (exf != np.round(exf)).any():
                raise ValueError("existing must hold integer station indices (got NaN or fractions)")
            ex = exf.astype(int)
        ex = ex.astype(int)
        if ((ex < 0) | (ex >= m)).any():
            bad = ex[(ex < 0) | (ex >= m)].tolist()
            raise ValueError(f"existing station index out of range 0..{m - 1}: {bad}")
        if len(np.unique(ex)) != len(ex):
            raise ValueError("existing contains duplicate station indices")
        s("existing", np.sort(ex))
        try:
            delay = float(self.delay_min)
        except (TypeError, ValueError):
            raise ValueError("delay_min must be a number of minutes") from None
        if not math.isfinite(delay) or delay < 0:
            raise ValueError(f"delay_min must be finite and non-negative minutes, got {self.delay_min}")
        s("delay_min", delay)
        if self.unit_cost_mio_kr is not None:
            cost = _float_array("unit_cost_mio_kr", self.unit_cost_mio_kr, 1)
            if len(cost) != m:
                raise ValueError(f"unit_cost_mio_kr has length {len(cost)}, expected {m} (one per station)")
            s("unit_cost_mio_kr", cost)

    # -- derived -------------------------------------------------------------------------------------------
    @property
    def n_demand(self) -> int:
        return len(self.demand_ids)

    @property
    def n_stations(self) -> int:
        return len(self.station_ids)

    @property
    def existing_mask(self) -> np.ndarray:
        """Bool (m,): station already has a unit."""
        mask = np.zeros(self.n_stations, dtype=bool)
        mask[self.existing] = True
        return mask

    @property
    def new_candidates(self) -> np.ndarray:
        """Indices of stations without a unit (where a new unit may be placed)."""
        return np.flatnonzero(~self.existing_mask)

    @property
    def total_weight(self) -> float:
        return float(self.demand_weight.sum())

    def response_min(self) -> np.ndarray:
        """Response time in minutes (n, m) = delay + drive; ``inf`` where the fastest path uses a ferry."""
        r = self.delay_min + self.drive_min
        return np.where(self.uses_ferry, np.inf, r)

    def covers(self, T: float) -> np.ndarray:
        """Bool (n, m): station j covers point i within ``T`` minutes (no ferry, delay + drive <= T)."""
        return (~self.uses_ferry) & (self.delay_min + self.drive_min <= T + TIME_TOL_MIN)

    def subset_demand(self, mask: np.ndarray) -> "EMSInstance":
        """The same instance restricted to the demand points where ``mask`` is True."""
        mask = np.asarray(mask, dtype=bool)
        return replace(self, demand_ids=self.demand_ids[mask], demand_weight=self.demand_weight[mask],
                       demand_region=self.demand_region[mask], demand_catchment=self.demand_catchment[mask],
                       drive_min=self.drive_min[mask], uses_ferry=self.uses_ferry[mask])


# ------------------------------------------------------------------------------------------------ params
@dataclass(frozen=True)
class EMSParams:
    """Resolved model parameters (minutes, shares in [0, 1], mio. kr.)."""

    kind: str
    T: float = 15.0
    k: int | None = None
    target_share: float | None = None
    busy_fraction: float = 0.3
    T1: float | None = None
    T2: float | None = None
    alpha: float | None = None
    region_targets: dict[str, float] | None = None
    budget_mio_kr: float | None = None
    t2_penalty: float | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @property
    def dsm_targets(self) -> tuple[float, float]:
        """DSM's (T1, T2) in minutes (:func:`resolve_params` fills both for ``kind="dsm"``)."""
        if self.T1 is None or self.T2 is None:
            raise ValueError(f"kind {self.kind!r} has no T1/T2; only dsm does")
        return self.T1, self.T2


def resolve_params(inst: EMSInstance, kind: str, *, T: float = 15.0, k: int | None = None,
                   target_share: float | None = None, busy_fraction: float = 0.3, T1: float | None = None,
                   T2: float | None = None, alpha: float | None = None,
                   region_targets: Mapping[str, float] | None = None, budget_mio_kr: float | None = None,
                   t2_penalty: float | None = None) -> EMSParams:
    """Check the model arguments and fill in defaults (DSM: ``T1 = T``, ``T2 = 2 T``). Raises ValueError."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")

    def minutes(name, v):
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number of minutes, got {v!r}") from None
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a positive, finite number of minutes, got {v}")
        return v

    def share(name, v):
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a share in [0, 1], got {v!r}") from None
        if not (0.0 <= v <= 1.0):
            raise ValueError(f"{name} must be a share in [0, 1], got {v}")
        return v

    T = minutes("T", T)
    if k is not None:
        if isinstance(k, bool) or not float(k).is_integer() or k < 0:
            raise ValueError(f"k must be a non-negative integer number of new units, got {k!r}")
        k = int(k)
    if budget_mio_kr is not None:
        if inst.unit_cost_mio_kr is None:
            raise ValueError("budget_mio_kr given but the instance has no unit_cost_mio_kr")
        budget_mio_kr = float(budget_mio_kr)
        if not math.isfinite(budget_mio_kr) or budget_mio_kr < 0:
            raise ValueError(f"budget_mio_kr must be finite and non-negative, got {budget_mio_kr}")
    if kind != "lscp" and k is None and budget_mio_kr is None:
        raise ValueError(f"kind {kind!r} needs k (number of new units) or budget_mio_kr")
    if target_share is not None:
        if kind != "lscp":
            raise ValueError("target_share is only used by kind='lscp'")
        target_share = share("target_share", target_share)
    busy_fraction = float(busy_fraction)
    if not (0.0 <= busy_fraction < 1.0):
        raise ValueError(f"busy_fraction must be in [0, 1), got {busy_fraction}")
    if kind == "dsm":
        T1 = T if T1 is None else minutes("T1", T1)
        T2 = 2.0 * T if T2 is None else minutes("T2", T2)
        if T1 > T2:
            raise ValueError(f"T1 ({T1} min) must not exceed T2 ({T2} min)")
        alpha = None if alpha is None else share("alpha", alpha)
        if t2_penalty is not None:
            t2_penalty = float(t2_penalty)
            if not math.isfinite(t2_penalty) or t2_penalty < 0:
                raise ValueError(f"t2_penalty must be finite and non-negative, got {t2_penalty}")
    elif T1 is not None or T2 is not None or alpha is not None or t2_penalty is not None:
        raise ValueError("T1, T2, alpha and t2_penalty are only used by kind='dsm'")
    if region_targets:
        known = set(inst.demand_region.tolist())
        unknown = sorted(str(r) for r in region_targets if r not in known)
        if unknown:
            raise ValueError(f"region_targets names unknown region(s) {unknown}; known: {sorted(map(str, known))}")
        region_targets = {r: share(f"region_targets[{r!r}]", v) for r, v in region_targets.items()}
    else:
        region_targets = None
    return EMSParams(kind=kind, T=T, k=k, target_share=target_share, busy_fraction=busy_fraction, T1=T1, T2=T2,
                     alpha=alpha, region_targets=region_targets, budget_mio_kr=budget_mio_kr,
                     t2_penalty=t2_penalty)


def region_reachable_share(inst: EMSInstance, T: float) -> dict[str, float]:
    """Per region: share of demand that *some* candidate covers within ``T`` (upper bound on any plan)."""
    reach = inst.covers(T).any(axis=1)
    out: dict[str, float] = {}
    for r in dict.fromkeys(inst.demand_region.tolist()):
        sel = inst.demand_region == r
        tot = inst.demand_weight[sel].sum()
        out[r] = float(inst.demand_weight[sel & reach].sum() / tot) if tot > 0 else 1.0
    return out
