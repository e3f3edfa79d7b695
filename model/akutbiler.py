"""Model 3: placing akutbiler (rapid-response cars) to meet response-time targets.

Covering models for emergency medical services, generic over plain arrays (no data loading here).

Units used throughout:

* times (``drive_min``, ``delay_min``, ``T``, ``T1``, ``T2``): minutes;
* demand weight: calls or inhabitants (the same unit is used in every objective and report);
* money (``unit_cost_mio_kr``, ``budget_mio_kr``): mio. kr.

Response time of unit at station ``j`` to demand point ``i`` is ``delay_min + drive_min[i, j]`` (dispatch
plus turnout plus driving). The pair *covers within T* iff the fastest path does not use a ferry and the
response time is at most ``T`` (a ferry crossing never counts as covered, whatever its time).

Existing units are fixed: they always stay where they are and are never closed. Only *new* units are
decided; at most one unit per candidate station (binary stations, also for MEXCLP and DSM).

Kinds built by :func:`build_ems_model` (solving and reporting live in ``solvers/akutbiler.py``):

``"lscp"``  Location set covering: minimise the number of new units so that the covered demand is at least
            ``target_share`` x the *reachable* demand (demand at points that some candidate covers). With
            ``target_share=None`` every reachable point (also zero-weight points) must be covered. Points no
            candidate covers are excluded and listed in ``model.ems_info.unreachable``. ``k`` (optional) caps
            the new units. (``solve_ems`` breaks ties between plans with the fewest units by a second MCLP
            solve with that many units; a tie-break term in this objective made national MIPs much harder.)
``"mclp"``  Maximal covering: maximise demand covered within ``T`` with **at most** ``k`` new units (and/or
            within ``budget_mio_kr``). "At most" keeps the optimum non-decreasing in ``k``; since an extra unit
            never lowers coverage, the optimum equals the "exactly k" optimum whenever ``k`` does not exceed
            the number of free candidates.
``"mexclp"`` Daskin's maximum expected covering: each unit is busy with probability ``busy_fraction`` (p),
            independently; a point covered by ``c`` open units is served with probability ``1 - p**c``.
            Maximise ``sum_i w_i sum_{m=1..n_i} (1-p) p**(m-1) y_im`` with ``sum_m y_im <=`` open stations
            covering ``i``; at most ``k`` new units.
``"dsm"``   Double Standard Model (Gendreau, Laporte & Semet 1997), one unit per station: every point with
            positive demand that some candidate reaches within ``T2`` must be covered within ``T2``; at least
            ``alpha`` of the demand reachable within ``T1`` must be covered within ``T1``; maximise the demand
            covered at least twice within ``T1``; at most ``k`` new units. Defaults: ``T1 = T``,
            ``T2 = 2 * T`` (a planning assumption, pass your own), ``alpha=None`` imposes no share.
            Points no candidate reaches within ``T2`` are excluded (reported). If covering all of the rest
            within ``T2`` is impossible with ``k`` units the model is infeasible, unless ``t2_penalty`` is
            given: then the T2 rule becomes soft and each unit of demand left outside ``T2`` costs
            ``t2_penalty`` in the objective (choose ``t2_penalty > 1`` so that covering within ``T2`` always
            beats double coverage).

Optional side constraints for every kind: ``region_targets`` (share of *all* the region's demand covered
within ``T`` is at least the target; points nobody can reach count as not covered) and ``budget_mio_kr``
(sum of ``unit_cost_mio_kr`` over new units at most the budget).

To keep national models small, demand points with identical coverage rows (and region, when region targets
are used) are aggregated into one group with summed weight before the model is built.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np
import pyomo.environ as pyo

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


# ------------------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class EMSModelInfo:
    """What :func:`build_ems_model` decided, attached as ``model.ems_info``.

    ``unreachable``: demand indices no candidate covers within ``T`` (DSM: within ``T2``), excluded from the
    model; ``unreachable_weight``: their demand; ``reachable_weight``: demand the share targets refer to
    (LSCP: within T; DSM: within T1); ``n_groups``: aggregated demand groups in the model.
    """

    params: EMSParams
    new_candidates: np.ndarray
    existing: np.ndarray
    unreachable: np.ndarray
    unreachable_weight: float
    reachable_weight: float
    n_groups: int


def _group_points(mask: np.ndarray, rows: Sequence[np.ndarray], codes: np.ndarray | None = None):
    """Aggregate the points in ``mask`` with identical coverage rows (and code).

    Returns (representative point index per group, group of each masked point, masked point indices).
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return idx, np.zeros(0, dtype=int), idx
    parts = [np.packbits(r[idx], axis=1) for r in rows]
    if codes is not None:
        parts.append(np.ascontiguousarray(codes[idx].astype("<i4")).view(np.uint8).reshape(len(idx), 4))
    key = np.ascontiguousarray(np.concatenate(parts, axis=1))
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return idx[first], np.asarray(inv).reshape(-1), idx


def _cover_lists(A_rep: np.ndarray, new_idx: np.ndarray, is_existing: np.ndarray):
    """For rows of a coverage matrix: number of existing units covering, and the new candidates covering."""
    e = A_rep[:, is_existing].sum(axis=1).astype(int)
    An = A_rep[:, new_idx]
    rows, cols = np.nonzero(An)
    splits = np.searchsorted(rows, np.arange(1, An.shape[0]))
    return e, np.split(new_idx[cols], splits)


def build_ems_model(inst: EMSInstance, kind: str, *, T: float = 15.0, k: int | None = None,
                    target_share: float | None = None, busy_fraction: float = 0.3, T1: float | None = None,
                    T2: float | None = None, alpha: float | None = None,
                    region_targets: dict[str, float] | None = None, budget_mio_kr: float | None = None,
                    t2_penalty: float | None = None) -> pyo.ConcreteModel:
    """Build the covering MIP of the given ``kind`` (see the module docstring).

    Parameters: ``T``, ``T1``, ``T2`` in minutes; ``k`` number of new units (upper bound); ``target_share``,
    ``alpha`` and the values of ``region_targets`` are demand shares in [0, 1]; ``busy_fraction`` is the
    probability that a unit is busy (MEXCLP); ``budget_mio_kr`` in mio. kr.; ``t2_penalty`` objective cost per
    unit of demand (calls / inhabitants) left outside T2 (DSM, soft T2 rule).

    The model has binary ``x[j]`` for every new candidate ``j`` (existing units are constants), the
    expression ``n_new`` and the attribute ``ems_info`` (:class:`EMSModelInfo`). Objective units:
    LSCP number of new units, MCLP covered demand, MEXCLP expected covered demand,
    DSM demand covered twice within T1 (minus ``t2_penalty`` x demand outside T2).
    Raises ValueError for bad arguments and for region targets above the share any plan can reach.
    """
    p = resolve_params(inst, kind, T=T, k=k, target_share=target_share, busy_fraction=busy_fraction, T1=T1,
                       T2=T2, alpha=alpha, region_targets=region_targets, budget_mio_kr=budget_mio_kr,
                       t2_penalty=t2_penalty)
    return build_ems_params_model(inst, p)


def build_ems_params_model(inst: EMSInstance, p: EMSParams) -> pyo.ConcreteModel:
    """:func:`build_ems_model` for parameters already checked by :func:`resolve_params`."""
    kind = p.kind
    w = inst.demand_weight
    is_ex = inst.existing_mask
    new_idx = inst.new_candidates
    A = inst.covers(p.T)
    reach_T = np.asarray(A.any(axis=1), dtype=bool)

    if p.region_targets:
        best = region_reachable_share(inst, p.T)
        over = {r: (t, best[r]) for r, t in p.region_targets.items() if best[r] < t - SHARE_TOL}
        if over:
            txt = "; ".join(f"{r}: target {t:.1%} but at most {b:.1%} is reachable within {p.T:g} min"
                            for r, (t, b) in over.items())
            raise ValueError(f"region target(s) above what any placement can reach: {txt}")
        region_names, region_codes = np.unique(inst.demand_region.astype(str), return_inverse=True)
        region_codes = region_codes.reshape(-1)
    else:
        region_names, region_codes = None, None

    m = pyo.ConcreteModel(name=f"ems_{kind}")
    m.J = pyo.Set(initialize=new_idx.tolist(), ordered=True)
    m.x = pyo.Var(m.J, within=pyo.Binary)
    m.n_new = pyo.Expression(expr=pyo.quicksum(m.x[j] for j in m.J))
    if p.k is not None and len(new_idx) > p.k:
        m.k_limit = pyo.Constraint(expr=pyo.quicksum(m.x[j] for j in m.J) <= p.k)
    if p.budget_mio_kr is not None and len(new_idx):
        cost = inst.unit_cost_mio_kr
        if cost is None:  # resolve_params refuses a budget without unit costs
            raise ValueError("budget_mio_kr given but the instance has no unit_cost_mio_kr")
        m.budget = pyo.Constraint(expr=pyo.quicksum(float(cost[j]) * m.x[j] for j in m.J) <= p.budget_mio_kr)

    def add_cover_z(name: str) -> tuple[np.ndarray, np.ndarray, pyo.Var]:
        """Continuous z[g] in [0, 1] <= (is group g covered within T); groups of reachable points, w > 0."""
        rep, inv, idx = _group_points(reach_T & (w > 0), [A], region_codes)
        W = np.bincount(inv, weights=w[idx], minlength=len(rep)) if len(rep) else np.zeros(0)
        e, lists = _cover_lists(A[rep], new_idx, is_ex)
        G = range(len(rep))
        z = pyo.Var(G, bounds=(0.0, 1.0))
        m.add_component(name, z)
        need = [g for g in G if e[g] == 0]
        m.add_component(name + "_cov", pyo.Constraint(
            need, rule=lambda _, g: z[g] <= pyo.quicksum(m.x[int(j)] for j in lists[g])))
        return rep, W, z

    def add_region_targets(rep: np.ndarray, W: np.ndarray, z: pyo.Var) -> None:
        if not p.region_targets:
            return
        assert region_names is not None and region_codes is not None  # set whenever there are region targets
        rows = []
        for r, t in p.region_targets.items():
            code = int(np.searchsorted(region_names, str(r)))
            total = float(w[region_codes == code].sum())
            gs = np.flatnonzero(region_codes[rep] == code) if len(rep) else np.zeros(0, dtype=int)
            if t <= 0 or total <= 0 or len(gs) == 0:
                continue  # trivially met (reachability was checked above)
            rows.append((r, gs, t * total - SHARE_TOL * total))
        m.region_index = pyo.Set(initialize=[r for r, _, _ in rows], ordered=True)
        data = {r: (gs, rhs) for r, gs, rhs in rows}
        m.region_target = pyo.Constraint(
            m.region_index, rule=lambda _, r: pyo.quicksum(float(W[g]) * z[int(g)] for g in data[r][0])
            >= data[r][1])

    unreachable = np.flatnonzero(~reach_T)
    reachable_weight = float(w[reach_T].sum())
    n_groups = 0

    if kind in ("lscp", "mclp"):
        if kind == "lscp" and p.target_share is None:
            # every reachable point covered (also zero-weight points): one row per distinct coverage set
            rep, _, _ = _group_points(reach_T, [A])
            e, lists = _cover_lists(A[rep], new_idx, is_ex)
            need = [g for g in range(len(rep)) if e[g] == 0]
            m.cover_all = pyo.Constraint(need, rule=lambda _, g: pyo.quicksum(m.x[int(j)] for j in lists[g]) >= 1)
            n_groups = len(rep)
            if p.region_targets:
                rep_z, W, z = add_cover_z("z")
                add_region_targets(rep_z, W, z)
            m.obj = pyo.Objective(expr=m.n_new, sense=pyo.minimize)
        else:
            rep, W, z = add_cover_z("z")
            n_groups = len(rep)
            m.covered = pyo.Expression(expr=pyo.quicksum(float(W[g]) * z[g] for g in range(len(rep))))
            add_region_targets(rep, W, z)
            if kind == "mclp":
                m.obj = pyo.Objective(expr=m.covered, sense=pyo.maximize)
            else:
                assert p.target_share is not None  # the branch is lscp with a target share
                rhs = p.target_share * reachable_weight - SHARE_TOL * reachable_weight
                if rhs > 0:
                    m.target = pyo.Constraint(expr=m.covered >= rhs)
                m.obj = pyo.Objective(expr=m.n_new, sense=pyo.minimize)

    elif kind == "mexclp":
        rep, inv, idx = _group_points(reach_T & (w > 0), [A], region_codes)
        n_groups = len(rep)
        W = np.bincount(inv, weights=w[idx], minlength=len(rep)) if len(rep) else np.zeros(0)
        e, lists = _cover_lists(A[rep], new_idx, is_ex)
        k_eff = len(new_idx) if p.k is None else min(p.k, len(new_idx))
        cap_units = len(inst.existing) + k_eff
        pb = p.busy_fraction
        levels = {}
        for g in range(len(rep)):
            c = int(e[g] + len(lists[g]))
            levels[g] = 1 if pb == 0.0 else min(c, cap_units)
        m.GM = pyo.Set(dimen=2, initialize=[(g, q) for g in range(len(rep)) for q in range(1, levels[g] + 1)])
        m.y = pyo.Var(m.GM, bounds=(0.0, 1.0))
        m.levels = pyo.Constraint(range(len(rep)), rule=lambda _, g: (
            pyo.quicksum(m.y[g, q] for q in range(1, levels[g] + 1))
            <= int(e[g]) + pyo.quicksum(m.x[int(j)] for j in lists[g])))
        m.obj = pyo.Objective(expr=pyo.quicksum(float(W[g] * (1 - pb) * pb ** (q - 1)) * m.y[g, q]
                                                for g, q in m.GM), sense=pyo.maximize)
        if p.region_targets:
            rep_z, Wz, z = add_cover_z("z")
            add_region_targets(rep_z, Wz, z)

    else:  # dsm
        T1, T2 = p.dsm_targets
        A1, A2 = inst.covers(T1), inst.covers(T2)
        reach1, reach2 = A1.any(axis=1), A2.any(axis=1)
        unreachable = np.flatnonzero(~reach2)
        reachable_weight = float(w[reach1].sum())
        # T2 rule: one row per distinct T2 coverage set among reachable points with demand
        rep2, inv2, idx2 = _group_points(reach2 & (w > 0), [A2])
        W2 = np.bincount(inv2, weights=w[idx2], minlength=len(rep2)) if len(rep2) else np.zeros(0)
        e2, lists2 = _cover_lists(A2[rep2], new_idx, is_ex)
        need2 = [g for g in range(len(rep2)) if e2[g] == 0]
        penalty = 0
        if p.t2_penalty is None:
            m.cover_T2 = pyo.Constraint(need2, rule=lambda _, g: pyo.quicksum(m.x[int(j)] for j in lists2[g]) >= 1)
        else:
            m.u = pyo.Var(need2, bounds=(0.0, 1.0))
            m.cover_T2 = pyo.Constraint(
                need2, rule=lambda _, g: pyo.quicksum(m.x[int(j)] for j in lists2[g]) + m.u[g] >= 1)
            m.outside_T2 = pyo.Expression(expr=pyo.quicksum(float(W2[g]) * m.u[g] for g in need2))
            penalty = p.t2_penalty * m.outside_T2
        # T1: once / twice covered
        rep1, inv1, idx1 = _group_points(reach1 & (w > 0), [A1])
        W1 = np.bincount(inv1, weights=w[idx1], minlength=len(rep1)) if len(rep1) else np.zeros(0)
        e1, lists1 = _cover_lists(A1[rep1], new_idx, is_ex)
        G1 = range(len(rep1))
        n_groups = len(rep1) + len(rep2)
        m.x1 = pyo.Var(G1, within=pyo.Binary)
        m.x2 = pyo.Var(G1, within=pyo.Binary)
        m.twice = pyo.Constraint(G1, rule=lambda _, g: m.x1[g] + m.x2[g]
                                 <= int(e1[g]) + pyo.quicksum(m.x[int(j)] for j in lists1[g]))
        m.order = pyo.Constraint(G1, rule=lambda _, g: m.x2[g] <= m.x1[g])
        if p.alpha:
            rhs = p.alpha * reachable_weight - SHARE_TOL * reachable_weight
            if rhs > 0:
                m.alpha_share = pyo.Constraint(expr=pyo.quicksum(float(W1[g]) * m.x1[g] for g in G1) >= rhs)
        m.double = pyo.Expression(expr=pyo.quicksum(float(W1[g]) * m.x2[g] for g in G1))
        m.obj = pyo.Objective(expr=m.double - penalty, sense=pyo.maximize)
        if p.region_targets:
            rep_z, Wz, z = add_cover_z("z")
            add_region_targets(rep_z, Wz, z)

    m.ems_info = EMSModelInfo(params=p, new_candidates=new_idx, existing=inst.existing.copy(),
                              unreachable=unreachable, unreachable_weight=float(w[unreachable].sum()),
                              reachable_weight=reachable_weight, n_groups=n_groups)
    return m


def chosen_new_units(model: pyo.ConcreteModel) -> list[int]:
    """Indices of the new stations opened in a solved model (x > 0.5)."""
    return [int(j) for j in model.J if model.x[j].value is not None and model.x[j].value > 0.5]
