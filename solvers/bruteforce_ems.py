"""Brute force for the akutbil covering models (Model 3), for checking the MIPs on small instances.

Enumerates every set of new stations (size <= k, within the budget) on top of the fixed existing units and
evaluates the LSCP, MCLP, MEXCLP or DSM objective and side constraints directly with numpy, following the
definitions in ``model/akutbiler.py`` (demand in calls / inhabitants, times in minutes, money in mio. kr.).
Only meant for small instances (a handful of free candidates); ``max_subsets`` guards against blow-up.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Iterator, Sequence

from sundhed.model.akutbiler import SHARE_TOL, EMSInstance, EMSParams, resolve_params


@dataclass(frozen=True)
class EMSBruteForceResult:
    """Best plan found by enumeration.

    ``value``: LSCP number of new units; MCLP covered demand within T; MEXCLP expected covered demand;
    DSM demand covered twice within T1 minus the T2 penalty. ``new``: station indices of the new units.
    ``covered``: demand covered within T by the plan. ``n_evaluated``: subsets looked at.
    """

    value: float
    new: tuple[int, ...]
    covered: float
    n_evaluated: int


def iter_new_subsets(inst: EMSInstance, k_max: int | None = None, budget_mio_kr: float | None = None,
                     *, max_subsets: int = 200_000) -> Iterator[tuple[int, ...]]:
    """All sets of new stations of size 0..k_max (within the budget), smallest first."""
    free = inst.new_candidates.tolist()
    cost = inst.unit_cost_mio_kr
    if budget_mio_kr is not None and cost is None:
        raise ValueError("budget_mio_kr given but the instance has no unit_cost_mio_kr")
    k_max = len(free) if k_max is None else min(int(k_max), len(free))
    total = sum(math.comb(len(free), s) for s in range(k_max + 1))
    if total > max_subsets:
        raise ValueError(f"{total} subsets to enumerate (> max_subsets={max_subsets}); instance too large")
    for size in range(k_max + 1):
        for sub in itertools.combinations(free, size):
            if budget_mio_kr is not None and cost is not None and \
                    float(cost[list(sub)].sum()) > budget_mio_kr + 1e-9:
                continue
            yield sub


def evaluate_plan(inst: EMSInstance, new: Sequence[int], p: EMSParams) -> tuple[float, float] | None:
    """Objective value and covered demand (within T) of ``existing + new``; None if a rule is violated."""
    w = inst.demand_weight
    ex = inst.existing.tolist()
    A = inst.covers(p.T)
    c = A[:, ex].sum(axis=1) + (A[:, list(new)].sum(axis=1) if len(new) else 0)
    covered_pts = c >= 1
    covered = float(w[covered_pts].sum())
    if p.region_targets:
        for r, t in p.region_targets.items():
            sel = inst.demand_region == r
            tot = float(w[sel].sum())
            if float(w[sel & covered_pts].sum()) < t * tot - SHARE_TOL * tot:
                return None
    reach = A.any(axis=1)
    if p.kind == "lscp":
        if p.target_share is None:
            if (reach & ~covered_pts).any():
                return None
        else:
            R = float(w[reach].sum())
            if covered < p.target_share * R - SHARE_TOL * R:
                return None
        return float(len(new)), covered
    if p.kind == "mclp":
        return covered, covered
    if p.kind == "mexclp":
        q = p.busy_fraction
        return float((w * (1.0 - q ** c)).sum()), covered
    # dsm
    T1, T2 = p.dsm_targets
    A1, A2 = inst.covers(T1), inst.covers(T2)
    c1 = A1[:, ex].sum(axis=1) + (A1[:, list(new)].sum(axis=1) if len(new) else 0)
    c2 = A2[:, ex].sum(axis=1) + (A2[:, list(new)].sum(axis=1) if len(new) else 0)
    must2 = A2.any(axis=1) & (w > 0)
    outside = float(w[must2 & (c2 == 0)].sum())
    if p.t2_penalty is None and outside > 0:
        return None
    reach1 = A1.any(axis=1)
    R1 = float(w[reach1].sum())
    if p.alpha and float(w[c1 >= 1].sum()) < p.alpha * R1 - SHARE_TOL * R1:
        return None
    value = float(w[c1 >= 2].sum()) - (p.t2_penalty or 0.0) * outside
    return value, covered


def bruteforce_ems(inst: EMSInstance, kind: str, *, max_subsets: int = 200_000, **kw) -> EMSBruteForceResult | None:
    """Best plan of ``kind`` by enumeration; ``kw`` as for ``build_ems_model``. None if nothing is feasible.

    Ties: LSCP prefers more covered demand among plans with the fewest units (as the MIP does); otherwise
    the first plan found (fewest units) is kept.
    """
    p = resolve_params(inst, kind, **kw)
    best: tuple | None = None
    n = 0
    for sub in iter_new_subsets(inst, p.k, p.budget_mio_kr, max_subsets=max_subsets):
        n += 1
        ev = evaluate_plan(inst, sub, p)
        if ev is None:
            continue
        value, covered = ev
        if kind == "lscp":
            key = (-value, covered)  # fewest units, then most coverage
        else:
            key = (value, 0.0)
        if best is None or key > best[0]:
            best = (key, value, sub, covered)
    if best is None:
        return None
    return EMSBruteForceResult(value=best[1], new=tuple(int(j) for j in best[2]), covered=best[3], n_evaluated=n)


def bruteforce_lscp(inst: EMSInstance, **kw) -> EMSBruteForceResult | None:
    """Fewest new units meeting the LSCP coverage rule (``T``, ``target_share``, ...)."""
    return bruteforce_ems(inst, "lscp", **kw)


def bruteforce_mclp(inst: EMSInstance, **kw) -> EMSBruteForceResult | None:
    """Most demand covered within ``T`` with at most ``k`` new units."""
    return bruteforce_ems(inst, "mclp", **kw)


def bruteforce_mexclp(inst: EMSInstance, **kw) -> EMSBruteForceResult | None:
    """Largest expected covered demand ``sum_i w_i (1 - p**c_i)`` with at most ``k`` new units."""
    return bruteforce_ems(inst, "mexclp", **kw)


def bruteforce_dsm(inst: EMSInstance, **kw) -> EMSBruteForceResult | None:
    """Largest demand covered twice within ``T1`` subject to the DSM rules, at most ``k`` new units."""
    return bruteforce_ems(inst, "dsm", **kw)


def lscp_feasible_with(inst: EMSInstance, n_new: int, **kw) -> bool:
    """True if some set of exactly ``n_new`` new units meets the LSCP rule (``kw`` as for the model)."""
    p = resolve_params(inst, "lscp", **kw)
    free = inst.new_candidates.tolist()
    cost = inst.unit_cost_mio_kr
    for sub in itertools.combinations(free, n_new):
        if p.budget_mio_kr is not None and cost is not None and float(cost[list(sub)].sum()) > p.budget_mio_kr + 1e-9:
            continue
        if evaluate_plan(inst, sub, p) is not None:
            return True
    return False
