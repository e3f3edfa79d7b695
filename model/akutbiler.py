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
are used) are aggregated into one group with summed weight before the model is built
(:func:`sundhed.model.grouping.group_points`, shared with the sundhedshus model).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from sundhed.model.grouping import group_points
from sundhed.model.akutbiler_instance import (EMSInstance, EMSParams, KINDS, SHARE_TOL, TIME_TOL_MIN,  # noqa: F401 (re-exported)
                                              _float_array, _label_array, region_reachable_share,
                                              resolve_params)


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
        rep, inv, idx = group_points(reach_T & (w > 0), [A], region_codes)
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
            rep, _, _ = group_points(reach_T, [A])
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
        rep, inv, idx = group_points(reach_T & (w > 0), [A], region_codes)
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
        rep2, inv2, idx2 = group_points(reach2 & (w > 0), [A2])
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
        rep1, inv1, idx1 = group_points(reach1 & (w > 0), [A1])
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
