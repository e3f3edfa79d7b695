"""Model 2: siting sundhedshuse (local health houses) under the Nærhedsfond budget.

A budgeted facility-location MIP, generic over plain arrays (no data loading here).

Units used throughout:

* travel and hospital times: minutes;
* money: mio. kr. (the *state* pays ``(1 - cofinancing_share[kommune]) * cost``; the kommune pays the rest);
* demand weight: inhabitants (or an elderly estimate); house capacity is counted in the same unit
  ("patients" = demand weight that can be served).

Coverage: demand point ``i`` is covered when an open house lies within ``coverage_minutes`` (T) or its
nearest akutsygehus does (``hospital_min[i] <= T``). Hospitals have unlimited capacity.

Decisions: at most one house per candidate site, of one :class:`HouseType`. Existing houses are fixed open,
keep their type and cost nothing. With a yearly profile every new house gets exactly one build year
2020–2025 and each year's state spend is capped by that year's budget (with ``carry_over=True`` unused money
moves forward, i.e. cumulative spend ≤ cumulative budget).

The model is built by :func:`build_house_model`; solving and extraction live in ``solvers/houses.py``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from sundhed.model.grouping import group_points, label_codes
from sundhed.model.houses_instance import (DEFAULT_COFINANCING_SHARE, HouseInstance, HouseType,  # noqa: F401 (re-exported)
                                           KBH_FRB_CAP_MIO_KR, NAERHEDSFOND_BUDGET_MIO_KR,
                                           NAERHEDSFOND_YEARLY_MIO_KR, WEAK_KOMMUNE_COFINANCING_SHARE,
                                           _float_array, _int_array, cofinancing_shares)

OBJECTIVES = ("coverage", "median", "maxmin")


#: Default weight of the secondary (total coverage share) term in the "maxmin" objective.
MAXMIN_EPSILON = 1e-4


class InfeasibleRuleError(ValueError):
    """A side rule (e.g. ``min_one_per_catchment``) cannot be met by any plan; ``rule`` names it."""

    def __init__(self, message: str, rule: str):
        super().__init__(message)
        self.rule = rule


# ---------------------------------------------------------------------------------------------------- model
def _reachable_weight(inst: HouseInstance, objective: str) -> np.ndarray:
    """Per site: the demand weight (inhabitants) a house there could ever serve in the capacitated model —
    points it reaches within T that no hospital covers (coverage, maxmin), or points it is closer to than their
    hospital (median). A house serves at most this much, whatever its capacity."""
    w = inst.demand_weight
    if objective == "median":
        reach = inst.travel_min < inst.hospital_min[:, None]
    else:
        reach = inst.within() & ~inst.hospital_covered()[:, None]
    return np.asarray(w @ reach, dtype=float)


def _undominated_types(cost: np.ndarray, afford: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Per row (a site), True at each affordable type that no other affordable type there dominates: another
    type dominates when it costs no more and can serve no less (``usable``: capacity, capped by the weight the
    site reaches; without capacities every type serves alike). Of types equal in both, the first stays.
    Exact: every money rule counts the same site's state cost, and a house's type matters only through its cost
    and what it can serve. Without capacities this keeps only the cheapest type (halving the national
    binaries, two types); with them it drops e.g. a stort sundhedshus where a lægehus already serves everyone
    the site reaches."""
    k = afford.shape[1]
    keep = afford.copy()
    for q in range(k):
        for r in range(k):
            if r == q:
                continue
            no_dearer = cost[:, r] <= cost[:, q] + 1e-9
            no_less = usable[:, r] >= usable[:, q] - 1e-9
            better = (cost[:, r] < cost[:, q] - 1e-9) | (usable[:, r] > usable[:, q] + 1e-9) | (r < q)
            keep[:, q] &= ~(afford[:, r] & no_dearer & no_less & better)
    return keep


def build_house_model(inst: HouseInstance, objective: str, *, capacity: bool = False,
                      min_one_per_catchment: bool = False, min_one_per_uncovered_kommune: bool = False,
                      maxmin_epsilon: float = MAXMIN_EPSILON, new_houses: bool = True,
                      min_one_per_kommune: bool = False, merge: bool = True) -> pyo.ConcreteModel:
    """Build the siting MIP.

    Objectives (the Pyomo objective value is in these units):

    * ``"coverage"``: maximise covered demand weight (inhabitants) within T of an open house or hospital.
    * ``"median"``: minimise total weighted travel time (inhabitant-minutes); each demand point goes to its
      nearest open house or its hospital (uncapacitated) or is split over houses/hospital (capacitated).
    * ``"maxmin"``: maximise ``min_c share_c + maxmin_epsilon * total_share``, where ``share_c`` is the covered
      share (0..1) of catchment c's weight and ``total_share`` the covered share of all weight. The small
      secondary term breaks ties towards more total coverage; catchments of zero weight are ignored.

    Flags:

    * ``capacity``: demand served by a house is limited by its type's capacity (same unit as the weights;
      assignments may be fractional). For coverage/maxmin a point is then covered only through capacity of an
      open house within T (or its hospital within T). Hospitals are uncapacitated.
    * ``min_one_per_catchment``: every catchment has at least one open house (existing ones count) at a site
      in that catchment (see ``HouseInstance.site_catchment``).
    * ``min_one_per_uncovered_kommune``: every kommune whose demand is entirely uncovered at baseline gets at
      least one *new* house sited in that kommune.

    * ``min_one_per_kommune``: every kommune that has at least one candidate site ends with an open house
      (existing or new) in it — KL's 2023 "a sundhedshus in every kommune". Kommuner without any candidate
      site are not constrained (:meth:`HouseInstance.kommuner_without_sites` lists them).

    ``merge`` (default, coverage and maxmin): demand points the model cannot tell apart — the same candidate
    sites within T among the points a hospital (or, without capacity, an existing house) does not cover, and for
    maxmin the same catchment — become one row with their summed weight
    (:func:`sundhed.model.grouping.group_points`). Exact: assignments are continuous, so a group's fractional
    assignment applies to each member alike (split back proportionally to weight). The model's ``x``/``assign``
    are then indexed by each group's representative (its smallest point index); ``_house_meta["group_of"]``
    maps every point to its representative (-1 for points outside the model) and ``["n_groups"]`` counts
    the rows. ``merge=False`` keeps one row per point. The median objective is never merged (its rows carry
    per-point travel times).

    ``new_houses=False`` builds the "before" model: existing houses and hospitals only (rules are ignored).

    Raises ValueError for an unknown objective and :class:`InfeasibleRuleError` when a rule is impossible by
    structure (no candidate site at all). Budget/cap infeasibility shows up when solving.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {OBJECTIVES}")
    if objective == "median" and not np.all(np.isfinite(inst.hospital_min)):
        raise ValueError("objective 'median' needs a finite hospital_min for every demand point")
    if maxmin_epsilon < 0:
        raise ValueError("maxmin_epsilon must be >= 0")

    m = inst.n_sites
    T = inst.coverage_limit_min
    w = inst.demand_weight
    tt = inst.travel_min
    h = inst.hospital_min
    cap_k = np.array([k.capacity for k in inst.house_types], dtype=float)
    state_cost = inst.state_cost_matrix()
    ex_mask = inst.existing_mask()
    ex_type = {j: q for j, q in inst.existing}
    new_sites = np.nonzero(~ex_mask)[0]

    mdl = pyo.ConcreteModel(name=f"sundhedshuse_{objective}")

    # ---- build decisions: only affordable (site, type) pairs on sites without an existing house
    afford = state_cost[new_sites] <= inst.budget_mio_kr + 1e-9
    if not new_houses:
        afford[:] = False
        min_one_per_catchment = min_one_per_uncovered_kommune = min_one_per_kommune = False
    if inst.yearly_budget_mio_kr is not None:
        ymax = (sum(inst.yearly_budget_mio_kr.values()) if inst.carry_over
                else max(inst.yearly_budget_mio_kr.values()))
        afford &= state_cost[new_sites] <= ymax + 1e-9
    for codes, cap in inst.group_caps_mio_kr.items():
        in_group = np.isin(inst.site_kommune[new_sites], codes)
        afford[in_group] &= state_cost[new_sites][in_group] <= cap + 1e-9
    # what a house of each type at each site can serve (inhabitants; without capacities every type alike)
    usable = (np.minimum(cap_k[None, :], _reachable_weight(inst, objective)[:, None]) if capacity
              else np.zeros((m, len(cap_k))))
    afford &= _undominated_types(state_cost[new_sites], afford, usable[new_sites])
    jj, qq = np.nonzero(afford)
    build_idx = [(int(new_sites[a]), int(q)) for a, q in zip(jj, qq)]
    mdl.B = pyo.Set(initialize=build_idx, dimen=2, ordered=True)
    mdl.build = pyo.Var(mdl.B, domain=pyo.Binary)

    by_site: dict[int, list[tuple[int, int]]] = {}
    for j, q in build_idx:
        by_site.setdefault(j, []).append((j, q))
    multi = [j for j, lst in by_site.items() if len(lst) > 1]
    mdl.one_type = pyo.Constraint(multi, rule=lambda b, j: sum(b.build[p] for p in by_site[j]) <= 1)

    def open_expr(j: int):
        """1 for an existing house, sum of build vars for a candidate, 0 if nothing can be built."""
        if ex_mask[j]:
            return 1
        lst = by_site.get(j)
        if not lst:
            return 0
        return pyo.quicksum((mdl.build[p] for p in lst))

    def cap_expr(j: int):
        if ex_mask[j]:
            return float(cap_k[ex_type[j]])
        return pyo.quicksum((float(usable[j, q]) * mdl.build[(j, q)] for _, q in by_site.get(j, [])))

    def spend(pairs) -> Any:  # a Pyomo expression
        return pyo.quicksum((float(state_cost[j, q]) * mdl.build[(j, q)] for j, q in pairs))

    # ---- money
    mdl.budget = pyo.ConstraintList()
    if build_idx:
        mdl.budget.add(spend(build_idx) <= inst.budget_mio_kr)
    caps = list(inst.group_caps_mio_kr.items())
    mdl.group_cap = pyo.ConstraintList()
    for codes, cap in caps:
        pairs = [p for p in build_idx if int(inst.site_kommune[p[0]]) in codes]
        if pairs:
            mdl.group_cap.add(spend(pairs) <= cap)
    if inst.yearly_budget_mio_kr is not None:
        years = list(inst.yearly_budget_mio_kr)
        mdl.Y = pyo.Set(initialize=years, ordered=True)
        mdl.build_year = pyo.Var(mdl.B, mdl.Y, domain=pyo.Binary)
        mdl.one_year = pyo.Constraint(mdl.B, rule=lambda b, j, q: sum(b.build_year[j, q, y] for y in years)
                                      == b.build[j, q])

        def year_rule(b, y):
            upto = [yy for yy in years if yy <= y] if inst.carry_over else [y]
            lhs = pyo.quicksum((float(state_cost[j, q]) * b.build_year[j, q, yy]
                                for j, q in build_idx for yy in upto))
            rhs = sum(inst.yearly_budget_mio_kr[yy] for yy in upto)
            if isinstance(lhs, (int, float)):
                return pyo.Constraint.Skip
            return lhs <= rhs
        mdl.year_budget = pyo.Constraint(mdl.Y, rule=year_rule)

    # ---- side rules
    def one_house_per_group(name: str, site_group, groups, why) -> None:
        """Constraint list ``name``: every group (of sites labelled by ``site_group``) without an existing
        house gets a new one; a group with no affordable candidate raises, naming the rule."""
        labels = np.asarray(site_group, dtype=object)
        rows = []
        for g in groups:
            sites_g = np.nonzero(labels == g)[0]
            if ex_mask[sites_g].any():
                continue
            pairs = [p for j in sites_g for p in by_site.get(int(j), [])]
            if not pairs:
                raise InfeasibleRuleError(f"{name}: {why(g)}", name)
            rows.append(pairs)
        cons = pyo.ConstraintList()
        mdl.add_component(name, cons)
        for pairs in rows:
            cons.add(pyo.quicksum(mdl.build[p] for p in pairs) >= 1)

    if min_one_per_catchment:
        one_house_per_group("min_one_per_catchment", inst.site_catchment, inst.catchments(),
                            lambda c: f"catchment {c!r} has no affordable candidate site and no existing house")
    if min_one_per_uncovered_kommune:
        rows = []
        for k in inst.uncovered_kommuner():
            pairs = [p for p in build_idx if int(inst.site_kommune[p[0]]) == k]
            if not pairs:
                raise InfeasibleRuleError(
                    f"min_one_per_uncovered_kommune: kommune {k} has no coverage today and no affordable "
                    f"candidate site", "min_one_per_uncovered_kommune")
            rows.append(pairs)
        mdl.min_one_kommune = pyo.ConstraintList()
        for pairs in rows:
            mdl.min_one_kommune.add(pyo.quicksum(mdl.build[p] for p in pairs) >= 1)
    if min_one_per_kommune:
        one_house_per_group("min_one_per_kommune", [int(k) for k in inst.site_kommune],
                            sorted({int(c) for c in inst.site_kommune}),
                            lambda k: f"kommune {k} has no existing house and no affordable candidate site")

    buildable = np.zeros(m, dtype=bool)
    buildable[list(by_site)] = True
    can_open = buildable | ex_mask  # sites that may be open in some plan

    meta: dict[str, Any] = {"objective": objective, "capacity": capacity, "maxmin_epsilon": maxmin_epsilon,
            "min_one_per_catchment": min_one_per_catchment,
            "min_one_per_uncovered_kommune": min_one_per_uncovered_kommune,
            "min_one_per_kommune": min_one_per_kommune}

    if objective in ("coverage", "maxmin"):
        hosp = inst.hospital_covered()
        within = (tt <= T) & can_open[None, :]
        cat_codes = label_codes(inst.demand_catchment) if objective == "maxmin" else None

        def groups(mask: np.ndarray, row: np.ndarray) -> tuple[list[int], dict[int, float]]:
            """Representatives (sorted) of the points in ``mask`` grouped by ``row`` (and catchment for maxmin),
            with each group's summed weight; every point maps to its representative in ``meta["group_of"]``."""
            if merge:
                rep, inv, idx = group_points(mask, [row], cat_codes)
            else:
                idx = np.flatnonzero(mask)
                rep, inv = idx, np.arange(len(idx))
            W = np.bincount(inv, weights=w[idx], minlength=len(rep)) if len(rep) else np.zeros(0)
            group_of = np.full(inst.n_demand, -1, dtype=np.int64)
            group_of[idx] = rep[inv]
            meta["group_of"], meta["n_groups"] = group_of, len(rep)
            order = np.argsort(rep, kind="stable")
            return rep[order].tolist(), {int(r): float(x) for r, x in zip(rep[order], W[order])}

        if capacity:
            free = ~hosp
            cand_i, Wg = groups(free & within.any(axis=1), within)
            pairs = [(i, int(j)) for i in cand_i for j in np.flatnonzero(within[i])]
            mdl.A = pyo.Set(initialize=pairs, dimen=2, ordered=True)
            mdl.assign = pyo.Var(mdl.A, bounds=(0, 1))
            rows_i: dict[int, list] = {i: [] for i in cand_i}
            cols_j: dict[int, list] = {}
            for i, j in pairs:
                rows_i[i].append((i, j))
                cols_j.setdefault(j, []).append((i, j))
            mdl.I = pyo.Set(initialize=cand_i, ordered=True)
            mdl.x = pyo.Var(mdl.I, bounds=(0, 1))
            mdl.cover_def = pyo.Constraint(mdl.I, rule=lambda b, i: b.x[i] == pyo.quicksum(
                (b.assign[p] for p in rows_i[i])))
            new_pairs = [p for p in pairs if not ex_mask[p[1]]]
            mdl.assign_open = pyo.Constraint(new_pairs, rule=lambda b, i, j: b.assign[i, j] <= open_expr(j))
            mdl.capacity = pyo.Constraint(sorted(cols_j), rule=lambda b, j: pyo.quicksum(
                (Wg[i] * b.assign[i, jj_] for i, jj_ in cols_j[j])) <= cap_expr(j))
            const_cov = hosp.copy()
        else:
            const_cov = hosp | (within & ex_mask[None, :]).any(axis=1)
            cand = within & ~ex_mask[None, :]
            cand_i, Wg = groups(~const_cov & cand.any(axis=1), cand)
            mdl.I = pyo.Set(initialize=cand_i, ordered=True)
            mdl.x = pyo.Var(mdl.I, bounds=(0, 1))
            near = {i: np.nonzero(cand[i])[0].tolist() for i in cand_i}
            mdl.cover = pyo.Constraint(mdl.I, rule=lambda b, i: b.x[i] <= pyo.quicksum(
                (b.build[p] for j in near[i] for p in by_site[j])))
        meta["const_covered"] = const_cov
        covered_w = pyo.quicksum((Wg[i] * mdl.x[i] for i in cand_i))
        if objective == "coverage":
            mdl.obj = pyo.Objective(expr=float(w[const_cov].sum()) + covered_w, sense=pyo.maximize)
        else:
            W = float(w.sum())
            cats = inst.catchments()
            dc = np.array(inst.demand_catchment, dtype=object)
            mdl.z = pyo.Var(bounds=(0, 1))
            mdl.worst = pyo.ConstraintList()
            for c in cats:
                members = np.nonzero(dc == c)[0]
                Wc = float(w[members].sum())
                if Wc <= 0:
                    continue
                base = float(w[members][const_cov[members]].sum())
                mdl.worst.add(Wc * mdl.z <= base + pyo.quicksum(
                    (Wg[i] * mdl.x[i] for i in cand_i if dc[i] == c)))
            sec = 0.0 if W <= 0 else maxmin_epsilon / W
            mdl.obj = pyo.Objective(expr=mdl.z + sec * (float(w[const_cov].sum()) + covered_w),
                                    sense=pyo.maximize)
    else:  # median
        # With capacity off, an existing (always open) house closer than the hospital is a tighter cut-off.
        cutoff = h.copy()
        if not capacity and ex_mask.any():
            cutoff = np.minimum(cutoff, tt[:, ex_mask].min(axis=1))
        use = (tt < cutoff[:, None]) & can_open[None, :]
        ii, jj = np.nonzero(use)
        pairs = list(zip(ii.tolist(), jj.tolist()))
        mdl.A = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        mdl.assign = pyo.Var(mdl.A, bounds=(0, 1))
        rows_i = {}
        cols_j = {}
        for i, j in pairs:
            rows_i.setdefault(i, []).append((i, j))
            cols_j.setdefault(j, []).append((i, j))
        mdl.one_target = pyo.Constraint(sorted(rows_i), rule=lambda b, i: pyo.quicksum(
            (b.assign[p] for p in rows_i[i])) <= 1)
        new_pairs = [p for p in pairs if not ex_mask[p[1]]]
        mdl.assign_open = pyo.Constraint(new_pairs, rule=lambda b, i, j: b.assign[i, j] <= open_expr(j))
        if capacity:
            mdl.capacity = pyo.Constraint(sorted(cols_j), rule=lambda b, j: pyo.quicksum(
                (float(w[i]) * b.assign[i, jj_] for i, jj_ in cols_j[j])) <= cap_expr(j))
        base = float(np.dot(w, cutoff))
        mdl.obj = pyo.Objective(expr=base + pyo.quicksum(
            (float(w[i] * (tt[i, j] - cutoff[i])) * mdl.assign[i, j] for i, j in pairs)),
            sense=pyo.minimize)
        meta["cutoff_min"] = cutoff

    mdl._house_meta = meta
    return mdl
