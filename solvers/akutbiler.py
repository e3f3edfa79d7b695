"""Solving the akutbil covering models (Model 3) and reporting the plan.

:func:`solve_ems` builds the model of ``model/akutbiler.py``, solves it with HiGHS through
:func:`solvers.highs.solve_with_highs` and returns an :class:`EMSPlan` with

* the new stations (existing units are always kept and listed separately);
* per region and per catchment the share of demand reached within 5 / 10 / 15 minutes (configurable)
  before (existing units only) and after (existing + new), response = delay + drive, ferry paths excluded;
* the marginal coverage of each new unit: its *removal value* (demand within T lost if only that unit is
  removed) and a greedy order (add new units one by one, largest coverage gain within T first).

Infeasible plans raise :class:`EMSInfeasibleError`, naming the region(s) whose target binds together with
the best share each can reach, or the DSM / LSCP rule that cannot be met with the units and money given.
Demand is in calls or inhabitants, times in minutes, money in mio. kr.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from sundhed.model.akutbiler import (SHARE_TOL, EMSInstance, EMSParams, build_ems_params_model,
                                     chosen_new_units, region_reachable_share, resolve_params)
from sundhed.model.plan import TOTAL_LABEL
from sundhed.solvers.highs import SolveOptions, SolveStats, SolverError, solve_with_highs
from sundhed.solvers.akutbiler_plan import EMSPlan  # noqa: F401 (re-exported)

_INFEASIBLE = {"infeasible", "infeasibleOrUnbounded"}
_VALUE_UNITS = {"lscp": "new units", "mclp": "demand covered within T",
                "mexclp": "expected demand covered within T (busy units)",
                "dsm": "demand covered at least twice within T1 (minus t2_penalty x demand outside T2)"}


class EMSInfeasibleError(SolverError):
    """No placement meets the rules. ``binding``: rule or region -> details (target, best reachable share)."""

    def __init__(self, message: str, binding: dict[str, dict] | None = None, status: str = "infeasible"):
        super().__init__(message, status)
        self.binding = binding or {}


# --------------------------------------------------------------------------------------------- metrics
def best_response_min(inst: EMSInstance, stations: Sequence[int]) -> np.ndarray:
    """Per demand point the fastest response (minutes) from ``stations``; ``inf`` if none reaches it."""
    stations = list(stations)
    if not stations:
        return np.full(inst.n_demand, np.inf)
    return inst.response_min()[:, stations].min(axis=1)


def covered_demand(inst: EMSInstance, stations: Sequence[int], T: float) -> float:
    """Demand (calls / inhabitants) covered within ``T`` minutes by ``stations`` (ferry pairs never count)."""
    stations = list(stations)
    if not stations:
        return 0.0
    return float(inst.demand_weight[inst.covers(T)[:, stations].any(axis=1)].sum())


def plan_value(inst: EMSInstance, p: EMSParams, new: Sequence[int]) -> tuple[float, dict]:
    """Objective of ``existing + new`` for ``p.kind`` and the extra figures behind it."""
    w = inst.demand_weight
    stations = sorted(set(inst.existing.tolist()) | set(int(j) for j in new))
    c = inst.covers(p.T)[:, stations].sum(axis=1) if stations else np.zeros(inst.n_demand)
    if p.kind == "lscp":
        return float(len(new)), {}
    if p.kind == "mclp":
        return float(w[c >= 1].sum()), {}
    if p.kind == "mexclp":
        exp = float((w * (1.0 - p.busy_fraction ** c)).sum())
        return exp, {"expected_covered": exp, "busy_fraction": p.busy_fraction}
    T1, T2 = p.dsm_targets
    A1, A2 = inst.covers(T1), inst.covers(T2)
    c1 = A1[:, stations].sum(axis=1) if stations else np.zeros(inst.n_demand)
    c2 = A2[:, stations].sum(axis=1) if stations else np.zeros(inst.n_demand)
    must2 = A2.any(axis=1) & (w > 0)
    outside = float(w[must2 & (c2 == 0)].sum())
    double = float(w[c1 >= 2].sum())
    once = float(w[c1 >= 1].sum())
    reach1 = float(w[A1.any(axis=1)].sum())
    extra = {"double_covered_T1": double, "covered_T1": once,
             "share_T1_of_reachable": once / reach1 if reach1 > 0 else None,
             "outside_T2": outside, "unreachable_T2_weight": float(w[~A2.any(axis=1)].sum()),
             "T1": p.T1, "T2": p.T2}
    return double - (p.t2_penalty or 0.0) * outside, extra


def reach_report(inst: EMSInstance, by: np.ndarray, before: Sequence[int], after: Sequence[int],
                 thresholds: Sequence[float], label: str) -> pd.DataFrame:
    """Share of demand reached within each threshold (minutes), before / after, per value of ``by``."""
    w = inst.demand_weight
    rb, ra = best_response_min(inst, before), best_response_min(inst, after)
    groups = list(dict.fromkeys(by.tolist())) + [TOTAL_LABEL]
    rows = []
    for g in groups:
        sel = np.ones(len(w), dtype=bool) if g == TOTAL_LABEL else (by == g)
        tot = float(w[sel].sum())
        row = {label: g, "demand": tot}
        for t in thresholds:
            for name, r in (("before", rb), ("after", ra)):
                hit = float(w[sel & (r <= t + 1e-9)].sum())
                row[f"{name}_{t:g}"] = hit / tot if tot > 0 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def marginal_report(inst: EMSInstance, new: Sequence[int], T: float) -> pd.DataFrame:
    """Removal value and greedy order (coverage within ``T``) of each new unit."""
    ex = inst.existing.tolist()
    new = [int(j) for j in new]
    w = inst.demand_weight
    A = inst.covers(T)
    base = A[:, ex].sum(axis=1) if ex else np.zeros(inst.n_demand, dtype=int)
    cnt = base + (A[:, new].sum(axis=1) if new else 0)
    # removing j loses the points j covers that nobody else covers
    removal = {j: float(w[A[:, j] & (cnt == 1)].sum()) for j in new}
    rank, gain, left = {}, {}, list(new)
    covered = base > 0
    r = 1
    while left:
        gains = [(float(w[A[:, j] & ~covered].sum()), -j) for j in left]
        g, negj = max(gains)
        j = -negj
        rank[j], gain[j] = r, g
        covered |= A[:, j]
        left.remove(j)
        r += 1
    cost = inst.unit_cost_mio_kr
    rows = [{"station_index": j, "station_id": inst.station_ids[j],
             "cost_mio_kr": float(cost[j]) if cost is not None else None,
             "removal_value": removal[j], "greedy_rank": rank[j], "greedy_gain": gain[j]} for j in new]
    df = pd.DataFrame(rows, columns=["station_index", "station_id", "cost_mio_kr", "removal_value",
                                     "greedy_rank", "greedy_gain"])
    return df.sort_values("greedy_rank").reset_index(drop=True)


# --------------------------------------------------------------------------------------- infeasibility
def _limits_text(p: EMSParams) -> str:
    parts = []
    if p.k is not None:
        parts.append(f"at most {p.k} new unit(s)")
    if p.budget_mio_kr is not None:
        parts.append(f"a budget of {p.budget_mio_kr:g} mio. kr.")
    return " and ".join(parts) if parts else "all free candidate stations"


def _solve_params(inst: EMSInstance, p: EMSParams, options: SolveOptions | None):
    mdl = build_ems_params_model(inst, p)
    return mdl, solve_with_highs(mdl, options)


def best_covered(inst: EMSInstance, mask: np.ndarray, T: float, k: int | None, budget_mio_kr: float | None,
                 options: SolveOptions | None = None) -> float:
    """Most demand among the points in ``mask`` coverable within ``T`` with the given units / money (MCLP)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return 0.0
    sub = inst.subset_demand(mask)
    if (k is None or k >= len(sub.new_candidates)) and budget_mio_kr is None:
        return float(sub.demand_weight[sub.covers(T).any(axis=1)].sum())
    if len(sub.new_candidates) == 0:
        return covered_demand(sub, sub.existing.tolist(), T)
    p = resolve_params(sub, "mclp", T=T, k=k, budget_mio_kr=budget_mio_kr)
    mdl, _ = _solve_params(sub, p, options)
    return covered_demand(sub, sorted(set(sub.existing.tolist()) | set(chosen_new_units(mdl))), T)


def best_region_share(inst: EMSInstance, region: str, T: float, k: int | None, budget_mio_kr: float | None,
                      options: SolveOptions | None = None) -> float:
    """Largest share of ``region``'s demand coverable within ``T`` with the given units / money (no other rule)."""
    sel = inst.demand_region == region
    total = float(inst.demand_weight[sel].sum())
    if total <= 0:
        return 1.0
    return best_covered(inst, sel, T, k, budget_mio_kr, options) / total


def _min_units(inst: EMSInstance, options: SolveOptions | None, **kw) -> int | None:
    """Fewest new units for an LSCP (``kw`` as for the model); None if even that is infeasible."""
    try:
        mdl, _ = _solve_params(inst, resolve_params(inst, "lscp", **kw), options)
    except SolverError:
        return None
    return len(chosen_new_units(mdl))


def _diagnose(inst: EMSInstance, p: EMSParams, options: SolveOptions | None, err: SolverError) -> EMSInfeasibleError:
    """Find which rule(s) make the model infeasible, re-solving each with the same units / money."""
    limits = _limits_text(p)
    binding: dict[str, dict] = {}
    notes: list[str] = []
    w = inst.demand_weight
    best: dict[str, float] = {}
    if p.region_targets:
        best = {r: best_region_share(inst, r, p.T, p.k, p.budget_mio_kr, options) for r in p.region_targets}
        for r, t in p.region_targets.items():
            if best[r] < t - 1e-7:
                binding[r] = {"target": t, "best_share": best[r]}
        if binding:
            notes.append("region target(s) cannot be met with " + limits + ": " + "; ".join(
                f"{r} needs {d['target']:.1%} within {p.T:g} min but can reach at most {d['best_share']:.1%}"
                for r, d in binding.items()))
    if p.kind == "dsm":
        T1, T2 = p.dsm_targets
        must = inst.covers(T2).any(axis=1) & (w > 0)
        if p.t2_penalty is None and must.any():
            sub = inst.subset_demand(must)
            if _min_units(sub, options, T=p.T2, k=p.k, budget_mio_kr=p.budget_mio_kr) is None:
                need = _min_units(sub, options, T=p.T2)
                binding["T2"] = {"T2": p.T2, "min_new_units": need}
                notes.append(f"covering all demand within T2 = {p.T2:g} min needs at least {need} new unit(s); "
                             f"{limits} is not enough (pass t2_penalty to make the T2 rule soft)")
        if p.alpha:
            reach1 = np.asarray(inst.covers(T1).any(axis=1), dtype=bool)
            R1 = float(w[reach1].sum())
            share = best_covered(inst, reach1, T1, p.k, p.budget_mio_kr, options) / R1 if R1 > 0 else 1.0
            if share < p.alpha - 1e-7:
                binding["alpha"] = {"target": p.alpha, "best_share": share}
                notes.append(f"at most {share:.1%} of the demand reachable within T1 = {p.T1:g} min can be "
                             f"covered with {limits}, below alpha = {p.alpha:.1%}")
    if p.kind == "lscp" and (p.k is not None or p.budget_mio_kr is not None):
        if _min_units(inst, options, T=p.T, target_share=p.target_share, k=p.k,
                      budget_mio_kr=p.budget_mio_kr) is None:
            need = _min_units(inst, options, T=p.T, target_share=p.target_share)
            binding["coverage"] = {"target_share": p.target_share, "min_new_units": need}
            what = ("every reachable point" if p.target_share is None
                    else f"{p.target_share:.1%} of reachable demand")
            notes.append(f"the coverage target ({what}"
                         f" within {p.T:g} min) needs {need} new unit(s); {limits} is not enough")
    if not notes:
        rules = []
        if p.region_targets:
            rules.append("region targets " + ", ".join(
                f"{r} >= {t:.1%} (alone reachable: {best[r]:.1%})" for r, t in p.region_targets.items()))
            binding.update({r: {"target": t, "best_share": best[r]} for r, t in p.region_targets.items()})
        if p.kind == "dsm":
            rules.append(f"the DSM rules (all demand within T2 = {p.T2:g} min, alpha = {p.alpha})")
        if p.kind == "lscp":
            rules.append("the coverage target")
        notes.append("no single rule is infeasible alone; the combination of " + "; ".join(rules) +
                     f" cannot be met with {limits}")
    return EMSInfeasibleError(f"No akutbil placement ({p.kind}) is feasible: " + " | ".join(notes), binding,
                              getattr(err, "status", "infeasible"))


# ----------------------------------------------------------------------------------------------- solve
def solve_ems(inst: EMSInstance, kind: str | EMSParams = "mclp", options: SolveOptions | None = None, *,
              thresholds: Sequence[float] = (5.0, 10.0, 15.0), **kw) -> EMSPlan:
    """Solve the akutbil model ``kind`` (``"lscp"``, ``"mclp"``, ``"mexclp"``, ``"dsm"``) and report the plan.

    ``kw`` are the model arguments of :func:`model.akutbiler.build_ems_model` (``T``, ``k``,
    ``target_share``, ``busy_fraction``, ``T1``, ``T2``, ``alpha``, ``region_targets``, ``budget_mio_kr``,
    ``t2_penalty``). ``thresholds``: minutes for the before/after reach shares in the reports.
    ``kind`` may also be resolved :class:`model.akutbiler.EMSParams` (then ``kw`` must be empty).
    Raises ValueError on bad input, :class:`EMSInfeasibleError` when no placement meets the rules.
    """
    if isinstance(kind, EMSParams):
        if kw:
            raise TypeError(f"solve_ems: model arguments {sorted(kw)} given together with EMSParams")
        p = kind
    else:
        p = resolve_params(inst, kind, **kw)
    if p.kind == "lscp":
        reachable = inst.covers(p.T).any(axis=1)
        if not (inst.demand_weight[reachable] > 0).any():
            # nothing to cover: "0 units" would read as a solved plan, but no placement meets any target
            raise EMSInfeasibleError(
                f"No akutbil placement (lscp) can cover anything: no candidate or existing station reaches any "
                f"demand point within T = {p.T:g} min ({inst.delay_min:g} min dispatch and turnout included)",
                {"T": {"T": p.T, "delay_min": float(inst.delay_min), "reachable_weight": 0.0}})
    if p.region_targets:
        reach = region_reachable_share(inst, p.T)
        over = {r: {"target": t, "best_share": reach[r]} for r, t in p.region_targets.items()
                if reach[r] < t - SHARE_TOL}
        if over:
            raise EMSInfeasibleError(
                "No akutbil placement can meet the region target(s): " + "; ".join(
                    f"{r} needs {d['target']:.1%} within {p.T:g} min but even a unit at every candidate "
                    f"station reaches only {d['best_share']:.1%}" for r, d in over.items()), over)
    if len(inst.new_candidates) == 0:
        new: list[int] = []
        v, _ = plan_value(inst, p, new)
        stats = SolveStats(status="optimal", optimal=True, objective=v, bound=v, gap=0.0, runtime_s=0.0)
    else:
        try:
            mdl, stats = _solve_params(inst, p, options)
        except SolverError as err:
            if err.status in _INFEASIBLE:
                raise _diagnose(inst, p, options, err) from err
            raise
        new = chosen_new_units(mdl)
    extra: dict = {}
    if p.kind == "lscp" and p.target_share is not None and len(inst.new_candidates):
        # tie-break: among plans with the fewest units, the one covering most demand (same side rules).
        # Every LSCP-optimal plan is feasible here and coverage >= target, so the result stays LSCP-optimal.
        p2 = EMSParams(kind="mclp", T=p.T, k=len(new), region_targets=p.region_targets,
                       budget_mio_kr=p.budget_mio_kr)
        try:
            mdl2, st2 = _solve_params(inst, p2, options)
            new2 = chosen_new_units(mdl2)
            ex = inst.existing.tolist()
            if len(new2) <= len(new) and covered_demand(inst, ex + new2, p.T) > covered_demand(inst, ex + new, p.T):
                new = new2
            extra["tiebreak_stats"] = st2.to_dict()
        except SolverError as err:  # keep the unit-count solution
            extra["tiebreak_stats"] = {"status": err.status}
    return _make_plan(inst, p, stats, new, thresholds, extra)


def _make_plan(inst: EMSInstance, p: EMSParams, stats: SolveStats, new: list[int],
               thresholds: Sequence[float], extra0: dict | None = None) -> EMSPlan:
    ex = inst.existing.tolist()
    after = sorted(set(ex) | set(new))
    value, extra = plan_value(inst, p, new)
    extra = {**(extra0 or {}), **extra}
    reach = inst.covers(p.T).any(axis=1)
    cost = inst.unit_cost_mio_kr
    return EMSPlan(
        kind=p.kind, params=p, stats=stats, existing=ex, new=sorted(new),
        new_station_ids=[inst.station_ids[j] for j in sorted(new)],
        value=value, value_units=_VALUE_UNITS[p.kind], total_demand=inst.total_weight,
        covered_before=covered_demand(inst, ex, p.T), covered_after=covered_demand(inst, after, p.T),
        cost_mio_kr=float(cost[new].sum()) if cost is not None else None,
        unreachable_ids=inst.demand_ids[~reach].tolist(), unreachable_weight=float(inst.demand_weight[~reach].sum()),
        region_report=reach_report(inst, inst.demand_region, ex, after, thresholds, "region"),
        catchment_report=reach_report(inst, inst.demand_catchment, ex, after, thresholds, "catchment"),
        marginal=marginal_report(inst, new, p.T), extra=extra,
        existing_station_ids=[inst.station_ids[j] for j in ex], delay_min=float(inst.delay_min),
        demand=response_frame(inst, ex, after))


def response_frame(inst: EMSInstance, before: Sequence[int], after: Sequence[int]) -> pd.DataFrame:
    """Per demand point (instance order) the fastest response (minutes; inf = not reachable without a ferry)
    from the ``before`` and ``after`` stations, and the id of the fastest station after ("" if none)."""
    n = inst.n_demand
    rb = best_response_min(inst, before)
    after = [int(j) for j in after]
    if after:
        resp = inst.response_min()[:, after]
        k = np.argmin(resp, axis=1)
        ra = resp[np.arange(n), k]
        who = [str(inst.station_ids[after[kk]]) if np.isfinite(r) else "" for kk, r in zip(k, ra)]
    else:
        ra, who = np.full(n, np.inf), [""] * n
    return pd.DataFrame({"demand_id": [str(i) for i in inst.demand_ids],
                         "weight": np.asarray(inst.demand_weight, dtype=float),
                         "region": [str(r) for r in inst.demand_region],
                         "catchment": [str(c) for c in inst.demand_catchment],
                         "before_min": rb, "after_min": ra, "fastest_after": who})
