"""Brute-force reference solvers for tiny instances (used by the tests to check the MIPs).

Each model's functions live in their own clearly marked section with a model prefix; add new sections
rather than editing others.
"""
from __future__ import annotations

# ====================================================================================================
# Model 2: sundhedshuse (prefix ``houses_``)
# ====================================================================================================
# Enumerates every affordable set of (site, type) choices for the candidate sites without an existing
# house, checks budget, group caps, yearly profile and side rules directly, and evaluates each set exactly:
# uncapacitated objectives with numpy; capacitated ones with a small LP over the fixed open houses
# (scipy.optimize.linprog), which is independent of the Pyomo formulation.

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from sundhed.model.houses import MAXMIN_EPSILON, HouseInstance



@dataclass(frozen=True)
class HousesBruteForceResult:
    """Best objective value (same units as the MIP objective), the best plan as ((site, type), ...) of new
    houses, and how many feasible plans were evaluated."""

    objective_value: float
    new_houses: tuple[tuple[int, int], ...]
    n_feasible: int


def houses_years_feasible(inst: HouseInstance, costs: list[float]) -> bool:
    """Can houses with these state costs (mio. kr.) each get one build year within the yearly profile?"""
    if inst.yearly_budget_mio_kr is None:
        return True
    budgets = list(inst.yearly_budget_mio_kr.values())
    if inst.carry_over:
        # Cumulative spend <= cumulative budget: building everything in the last year is always allowed
        # when the total fits, and the total must fit anyway.
        return sum(costs) <= sum(budgets) + 1e-7
    order = sorted(costs, reverse=True)
    left = list(budgets)

    def place(k: int) -> bool:
        if k == len(order):
            return True
        seen = set()
        for y in range(len(left)):
            if left[y] in seen:
                continue
            seen.add(left[y])
            if order[k] <= left[y] + 1e-7:
                left[y] -= order[k]
                if place(k + 1):
                    return True
                left[y] += order[k]
        return False

    return place(0)


def houses_plan_feasible(inst: HouseInstance, new_houses, *, min_one_per_catchment: bool = False,
                         min_one_per_uncovered_kommune: bool = False, min_one_per_kommune: bool = False) -> bool:
    """Check a set of new houses ((site, type), ...) against budget, caps, yearly profile and rules."""
    sc = inst.state_cost_matrix()
    ex = inst.existing_mask()
    sites = [j for j, _ in new_houses]
    if len(set(sites)) != len(sites) or any(ex[j] for j in sites):
        return False
    costs = [float(sc[j, q]) for j, q in new_houses]
    if sum(costs) > inst.budget_mio_kr + 1e-7:
        return False
    for codes, cap in inst.group_caps_mio_kr.items():
        if sum(c for (j, _), c in zip(new_houses, costs) if int(inst.site_kommune[j]) in codes) > cap + 1e-7:
            return False
    if not houses_years_feasible(inst, costs):
        return False
    if min_one_per_catchment:
        assert inst.site_catchment is not None  # HouseInstance.validate always fills it
        open_c = {inst.site_catchment[j] for j in sites} | {inst.site_catchment[j] for j, _ in inst.existing}
        if not set(inst.demand_catchment) <= open_c:
            return False
    if min_one_per_uncovered_kommune:
        built_k = {int(inst.site_kommune[j]) for j in sites}
        if not set(inst.uncovered_kommuner()) <= built_k:
            return False
    if min_one_per_kommune:
        open_k = {int(inst.site_kommune[j]) for j in sites} | {int(inst.site_kommune[j]) for j, _ in inst.existing}
        if not {int(k) for k in inst.site_kommune} <= open_k:
            return False
    return True


def _open_with_capacity(inst: HouseInstance, new_houses) -> tuple[list[int], list[float]]:
    caps = {j: inst.house_types[q].capacity for j, q in inst.existing}
    caps.update({j: inst.house_types[q].capacity for j, q in new_houses})
    sites = sorted(caps)
    return sites, [float(caps[j]) for j in sites]


def _cap_lp(inst: HouseInstance, objective: str, sites: list[int], caps: list[float], eps: float) -> float:
    """Exact value of a capacitated objective for fixed open houses (LP over fractional assignments)."""
    n = inst.n_demand
    w = inst.demand_weight
    T = inst.coverage_limit_min
    t = inst.travel_min
    h = inst.hospital_min
    if objective == "median":
        # variables a[i, s] (fraction of i to house s) for t < h; the rest goes to the hospital.
        pairs = [(i, s) for i in range(n) for s, j in enumerate(sites) if t[i, j] < h[i]]
        base = float(np.dot(w, h))
        if not pairs:
            return base
        c = np.array([w[i] * (t[i, sites[s]] - h[i]) for i, s in pairs])
        rows, rhs = _assign_rows(n, len(sites), pairs, w, caps)
        res = linprog(c, A_ub=rows, b_ub=rhs, bounds=(0, 1), method="highs")
        assert res.status == 0, res.message
        return base + float(res.fun)
    hosp = h <= T
    pairs = [(i, s) for i in range(n) if not hosp[i] for s, j in enumerate(sites) if t[i, j] <= T]
    const = float(w[hosp].sum())
    W = float(w.sum())
    if objective == "coverage":
        if not pairs:
            return const
        c = -np.array([w[i] for i, _ in pairs])
        rows, rhs = _assign_rows(n, len(sites), pairs, w, caps)
        res = linprog(c, A_ub=rows, b_ub=rhs, bounds=(0, 1), method="highs")
        assert res.status == 0, res.message
        return const - float(res.fun)
    # maxmin: variables pairs..., z ; max z + eps/W * covered
    cats = list(dict.fromkeys(inst.demand_catchment))
    dc = np.array(inst.demand_catchment, dtype=object)
    P = len(pairs)
    c = np.zeros(P + 1)
    c[P] = -1.0
    if W > 0:
        for p, (i, _) in enumerate(pairs):
            c[p] = -eps * w[i] / W
    rows, rhs = _assign_rows(n, len(sites), pairs, w, caps)
    rows = [np.append(r, 0.0) for r in rows]
    for cat in cats:
        members = dc == cat
        Wc = float(w[members].sum())
        if Wc <= 0:
            continue
        base = float(w[members & hosp].sum())
        r = np.zeros(P + 1)
        r[P] = Wc
        for p, (i, _) in enumerate(pairs):
            if members[i]:
                r[p] = -w[i]
        rows.append(r)
        rhs.append(base)
    bounds = [(0, 1)] * (P + 1)
    res = linprog(c, A_ub=np.array(rows) if rows else None, b_ub=np.array(rhs) if rhs else None,
                  bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return -float(res.fun) + (eps * const / W if W > 0 else 0.0)


def _assign_rows(n: int, n_sites: int, pairs, w, caps) -> tuple[list[np.ndarray], list[float]]:
    P = len(pairs)
    rows, rhs = [], []
    for i in sorted({i for i, _ in pairs}):
        r = np.zeros(P)
        for p, (ii, _) in enumerate(pairs):
            if ii == i:
                r[p] = 1.0
        rows.append(r)
        rhs.append(1.0)
    for s in range(n_sites):
        r = np.zeros(P)
        for p, (i, ss) in enumerate(pairs):
            if ss == s:
                r[p] = w[i]
        if r.any():
            rows.append(r)
            rhs.append(caps[s])
    return rows, rhs


def houses_evaluate(inst: HouseInstance, new_houses, objective: str, *, capacity: bool = False,
                    maxmin_epsilon: float = MAXMIN_EPSILON) -> float:
    """Objective value of existing + ``new_houses`` ((site, type), ...) — same definition as the MIP."""
    sites, caps = _open_with_capacity(inst, new_houses)
    if capacity:
        return _cap_lp(inst, objective, sites, caps, maxmin_epsilon)
    w = inst.demand_weight
    if objective == "median":
        best = inst.hospital_min.copy()
        if sites:
            best = np.minimum(best, inst.travel_min[:, sites].min(axis=1))
        return float(np.dot(w, best))
    cov = inst.covered_by(sites)
    if objective == "coverage":
        return float(w[cov].sum())
    if objective != "maxmin":
        raise ValueError(f"unknown objective {objective!r}")
    W = float(w.sum())
    dc = np.array(inst.demand_catchment, dtype=object)
    worst = 1.0
    for cat in dict.fromkeys(inst.demand_catchment):
        members = dc == cat
        Wc = float(w[members].sum())
        if Wc > 0:
            worst = min(worst, float(w[members & cov].sum()) / Wc)
    return worst + (maxmin_epsilon * float(w[cov].sum()) / W if W > 0 else 0.0)


def houses_enumerate(inst: HouseInstance):
    """Yield every new-house set ((site, type), ...) whose state cost fits the total budget and group caps
    (yearly profile and rules are checked by :func:`houses_plan_feasible`)."""
    sc = inst.state_cost_matrix()
    free = [j for j in range(inst.n_sites) if not inst.existing_mask()[j]]
    K = len(inst.house_types)
    groups = list(inst.group_caps_mio_kr.items())

    def rec(k: int, chosen: list, spent: float, gspent: list):
        if k == len(free):
            yield tuple(chosen)
            return
        yield from rec(k + 1, chosen, spent, gspent)
        j = free[k]
        for q in range(K):
            c = float(sc[j, q])
            if spent + c > inst.budget_mio_kr + 1e-7:
                continue
            g2 = list(gspent)
            ok = True
            for gi, (codes, cap) in enumerate(groups):
                if int(inst.site_kommune[j]) in codes:
                    g2[gi] += c
                    ok &= g2[gi] <= cap + 1e-7
            if not ok:
                continue
            chosen.append((j, q))
            yield from rec(k + 1, chosen, spent + c, g2)
            chosen.pop()

    yield from rec(0, [], 0.0, [0.0] * len(groups))


def houses_bruteforce(inst: HouseInstance, objective: str, *, capacity: bool = False,
                      min_one_per_catchment: bool = False, min_one_per_uncovered_kommune: bool = False,
                      maxmin_epsilon: float = MAXMIN_EPSILON,
                      min_one_per_kommune: bool = False) -> HousesBruteForceResult | None:
    """Optimal objective over all feasible plans by enumeration; None when no plan is feasible.

    Only for tiny instances: (K + 1) ** (free candidate sites) plans at most.
    """
    sense = -1.0 if objective == "median" else 1.0
    best_val, best_plan, count = None, None, 0
    for plan in houses_enumerate(inst):
        if not houses_plan_feasible(inst, plan, min_one_per_catchment=min_one_per_catchment,
                                    min_one_per_uncovered_kommune=min_one_per_uncovered_kommune,
                                    min_one_per_kommune=min_one_per_kommune):
            continue
        count += 1
        v = houses_evaluate(inst, plan, objective, capacity=capacity, maxmin_epsilon=maxmin_epsilon)
        if best_val is None or sense * v > sense * best_val + 1e-12:
            best_val, best_plan = v, plan
    if best_val is None or best_plan is None:
        return None
    return HousesBruteForceResult(best_val, best_plan, count)
