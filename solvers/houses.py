"""Solve Model 2 (sundhedshuse under the Nærhedsfond budget) and turn the solution into tables.

:func:`solve_houses` builds the MIP from ``model/houses.py``, solves it through
:func:`solvers.highs.solve_with_highs` and returns a :class:`HousePlan`: the chosen houses with their cost
split (mio. kr.), coverage before/after (inhabitants), per-catchment and per-kommune tables, and an honest
marginal value of the last mio. kr. (a second solve with a smaller budget).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sundhed.model.houses import OBJECTIVES, HouseInstance, InfeasibleRuleError, build_house_model
from sundhed.solvers.house_lns import solve_with_lns
from sundhed.solvers.house_start import fit_budget, start_values
from sundhed.solvers.highs import HighsSession, SolveOptions, SolverError, SolveStats, solve_with_highs
from sundhed.solvers.houses_plan import HousePlan, _num  # noqa: F401 (re-exported)

_RULES = ("min_one_per_catchment", "min_one_per_uncovered_kommune", "min_one_per_kommune")
_SENSE = {"coverage": 1.0, "median": -1.0, "maxmin": 1.0}
_UNITS = {"coverage": "inhabitants covered", "median": "inhabitant-minutes",
          "maxmin": "worst catchment covered share + epsilon * total covered share"}


class HousePlanInfeasible(SolverError):
    """No plan satisfies the rules within the money; ``rules`` lists the rule(s) found to bind."""

    def __init__(self, message: str, rules: list[str], status: str = "infeasible"):
        super().__init__(message, status)
        self.rules = rules
        self.rule = rules[0] if rules else None


def _val(v) -> float:
    x = pyo.value(v, exception=False)
    return 0.0 if x is None else float(x)


def _current_values(mdl) -> list:
    """MIP start (variable, value) pairs from the solution loaded into ``mdl`` (binaries rounded)."""
    out = []
    for v in mdl.component_data_objects(pyo.Var, active=True):
        x = v.value
        if x is not None:
            out.append((v, float(round(x)) if v.is_binary() else float(x)))
    return out


def _solve(inst: HouseInstance, objective: str, options: SolveOptions, flags: dict, new_houses: bool = True,
           cheapest: bool = False, builds: set[tuple[int, int]] | None = None, label: str = "houses"):
    """Build and solve one house model. MIP start: ``builds`` when given, otherwise a greedy plan, with capacities
    improved by swaps (:func:`solvers.house_start.start_plan`, whose time counts against ``options.time_limit``),
    so a time limit always returns a plan."""
    from sundhed.solvers.house_start import start_plan

    mdl = build_house_model(inst, objective, new_houses=new_houses, **flags)
    if mdl.nvariables() == 0:  # e.g. the "before" model without capacity: the objective is a constant
        v = float(pyo.value(mdl.obj))
        return mdl, SolveStats(status="optimal", optimal=True, objective=v, bound=v, gap=0.0, runtime_s=0.0)
    if builds is None:
        capacity = bool(flags.get("capacity"))
        builds, options = start_plan(inst, mdl, options, capacity, swaps=capacity and objective == "coverage")
    session = HighsSession()  # the cheapest-plan stage adds one row and an objective to this model
    if objective == "maxmin" and new_houses and not flags.get("capacity") and len(mdl.B):
        from sundhed.model.houses import MAXMIN_EPSILON
        from sundhed.solvers.maxmin import solve_maxmin

        stats = solve_maxmin(inst, mdl, options, start_values(mdl, builds),
                             eps=float(flags.get("maxmin_epsilon", MAXMIN_EPSILON)))
        if not stats.optimal:
            return mdl, stats  # bracketed by bisection: no "cheapest among optimal" stage for an unproven optimum
    elif objective == "coverage" and new_houses and flags.get("capacity") and len(mdl.B):
        stats = solve_with_lns(inst, mdl, options, builds, label, session)
    else:
        stats = solve_with_highs(mdl, dataclasses.replace(options, label=label), start=start_values(mdl, builds),
                                 session=session)
    if cheapest and new_houses and len(mdl.B) and stats.optimal:
        # "cheapest of the optimal plans" needs a proven optimum; after a time limit it would only search plans
        # as good as an unproven one, for up to another full time limit (solve_houses notes the skip)
        stats = _cheapest_among_optimal(inst, mdl, objective, stats, options, flags, session)
    return mdl, stats


def _cheapest_among_optimal(inst: HouseInstance, mdl, objective: str, stats: SolveStats,
                            options: SolveOptions, flags: dict | None = None,
                            session: HighsSession | None = None) -> SolveStats:
    """Second stage: keep the objective at the value just found (within 1e-7, relative) and minimise the state
    spend, so money that buys no more coverage is not spent (a plain coverage optimum may build houses that
    add nothing). Starts from the first stage's plan. Skipped when that plan provably is the cheapest already:
    with capacities, covering as many inhabitants needs at least :func:`solvers.house_start.capacity_spend_bound`
    of new capacity, so a plan spending no more — or less than one cost step (:func:`spend_step`) more — is
    cheapest. ``session``: the first stage's HiGHS instance, which gets only the new row and objective.
    Returns the first stage's stats with both runtimes;
    if the second stage fails, the first stage's plan stays loaded."""
    from sundhed.solvers.house_start import capacity_spend_bound, spend_step

    tol = 1e-7 * max(1.0, abs(stats.objective))
    sc = inst.state_cost_matrix()
    spend = sum(float(sc[j, q]) * _val(mdl.build[(j, q)]) for j, q in mdl.B)
    if objective == "coverage" and (flags or {}).get("capacity"):
        lower = capacity_spend_bound(inst, list(mdl.B), stats.objective - tol)
        # a cheaper plan would spend at least one step less (all spends are multiples of the step)
        step = spend_step(inst, list(mdl.B))
        if spend - max(step, 0.0) < lower - 1e-9 or spend <= lower + 1e-6 * max(1.0, lower):
            return stats
    start = _current_values(mdl)
    expr = mdl.obj.expr
    mdl.obj.deactivate()
    if _SENSE[objective] > 0:
        mdl.keep_objective = pyo.Constraint(expr=expr >= stats.objective - tol)
    else:
        mdl.keep_objective = pyo.Constraint(expr=expr <= stats.objective + tol)
    mdl.spend_objective = pyo.Objective(expr=pyo.quicksum(float(sc[j, q]) * mdl.build[(j, q)] for j, q in mdl.B),
                                        sense=pyo.minimize)
    try:
        st2 = solve_with_highs(mdl, dataclasses.replace(options, label="houses: cheapest plan"), start=start,
                               session=session)
    except SolverError:
        for v, x in start:  # keep the first stage's plan loaded
            v.set_value(x, skip_validation=True)
        return stats
    return dataclasses.replace(stats, runtime_s=stats.runtime_s + st2.runtime_s)


def _diagnose(inst: HouseInstance, objective: str, options: SolveOptions, flags: dict,
              err: Exception) -> HousePlanInfeasible:
    """Find which active rule makes the problem infeasible by re-solving without it."""
    active = [r for r in _RULES if flags.get(r)]
    money = [f"a state budget of {inst.budget_mio_kr:g} mio. kr."]
    if inst.group_caps_mio_kr:
        money.append("group caps " + ", ".join(f"{list(k)} <= {v:g}" for k, v in inst.group_caps_mio_kr.items()))
    if inst.yearly_budget_mio_kr is not None:
        money.append("the yearly profile" + (" (with carry-over)" if inst.carry_over else " (no carry-over)"))
    money_txt = ", ".join(money)
    binding = []
    for rule in active:
        trial = dict(flags, **{rule: False})
        try:
            _solve(inst, objective, options, trial)
        except (SolverError, InfeasibleRuleError):
            continue
        binding.append(rule)
    detail = f" ({err})" if isinstance(err, InfeasibleRuleError) else ""
    if binding:
        msg = (f"No sundhedshus plan satisfies rule {' / '.join(binding)} within {money_txt}{detail}; "
               f"dropping {'it' if len(binding) == 1 else 'any one of them'} makes the problem feasible.")
    elif active:
        binding = list(active)
        msg = (f"No sundhedshus plan satisfies the combination of rules {', '.join(active)} within "
               f"{money_txt}{detail}; no single rule alone is the cause.")
    else:
        msg = f"The sundhedshus model is infeasible within {money_txt}: {err}"
    status = getattr(err, "status", "infeasible")
    return HousePlanInfeasible(msg, binding, status)


def _assignment(inst: HouseInstance, mdl, open_sites: list[int], capacity: bool) -> pd.DataFrame:
    """Where each demand point's weight goes (rows with fraction > 0)."""
    n = inst.n_demand
    T = inst.coverage_limit_min
    h = inst.hospital_min
    recs_i: list[int] = []
    recs_j: list[int] = []
    recs_f: list[float] = []
    if capacity and hasattr(mdl, "assign"):
        # merged rows (model.houses, ``merge``): a representative's fractions apply to every member of its group
        group_of = mdl._house_meta.get("group_of")
        members: dict[int, list[int]] = {}
        if group_of is not None:
            for i, r in enumerate(group_of.tolist()):
                if r >= 0:
                    members.setdefault(r, []).append(i)
        rest = np.ones(n)
        recs = []
        for (r, j) in mdl.A:
            f = _val(mdl.assign[r, j])
            if f > 1e-7:
                for i in members.get(r, [r]):
                    recs.append((i, j, min(f, 1.0)))
                    rest[i] -= f
        recs.sort()  # by point, then site: the order of a one-row-per-point model
        recs_i, recs_j, recs_f = [a for a, _, _ in recs], [b for _, b, _ in recs], [c for _, _, c in recs]
        for i in np.nonzero(rest > 1e-7)[0].tolist():
            recs_i.append(i)
            recs_j.append(-1)
            recs_f.append(float(rest[i]))
    else:
        if open_sites:
            sub = inst.travel_min[:, open_sites]
            k = np.argmin(sub, axis=1)
            best = sub[np.arange(n), k]
        else:
            k = np.zeros(n, dtype=int)
            best = np.full(n, np.inf)
        use_house = best < h
        for i in range(n):
            recs_i.append(i)
            recs_j.append(open_sites[k[i]] if use_house[i] else -1)
            recs_f.append(1.0)
    ii = np.array(recs_i, dtype=int)
    jj = np.array(recs_j, dtype=int)
    ff = np.array(recs_f, dtype=float)
    travel = np.where(jj >= 0, inst.travel_min[ii, np.maximum(jj, 0)] if len(ii) else 0.0, h[ii])
    return pd.DataFrame({
        "demand_id": [inst.demand_ids[i] for i in ii],
        "demand_index": ii,
        "target": [inst.site_ids[j] if j >= 0 else "hospital" for j in jj],
        "site_index": jj,
        "fraction": ff,
        "weight": inst.demand_weight[ii] * ff,
        "travel_min": travel,
        "covered": travel <= T,
    })


def _per_demand(inst: HouseInstance, assign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = inst.n_demand
    cov = np.zeros(n)
    trav = np.zeros(n)
    idx = assign["demand_index"].to_numpy()
    f = assign["fraction"].to_numpy()
    np.add.at(cov, idx, f * assign["covered"].to_numpy())
    np.add.at(trav, idx, f * assign["travel_min"].to_numpy())
    return np.minimum(cov, 1.0), trav


def _open_sites(inst: HouseInstance, mdl) -> tuple[list[tuple[int, int, int | None]], list[int]]:
    """(site, type, year) of new houses and the sorted list of all open site indices."""
    new = []
    years = list(mdl.Y) if hasattr(mdl, "Y") else None
    for (j, q) in mdl.B:
        if _val(mdl.build[j, q]) > 0.5:
            yr = None
            if years is not None:
                yr = max(years, key=lambda y: _val(mdl.build_year[j, q, y]))
            new.append((int(j), int(q), yr))
    open_sites = sorted({j for j, _ in inst.existing} | {j for j, _, _ in new})
    return new, open_sites


def solve_houses(inst: HouseInstance, objective: str = "coverage", options: SolveOptions | None = None, *,
                 compute_marginal: bool = True, marginal_delta_mio_kr: float | None = None,
                 cheapest: bool = True, **model_flags) -> HousePlan:
    """Solve the siting model and return a :class:`HousePlan`.

    model_flags go to :func:`model.houses.build_house_model` (capacity, min_one_per_catchment,
    min_one_per_uncovered_kommune, min_one_per_kommune, maxmin_epsilon).

    Marginal value of the last mio. kr.: the model is re-solved with budget - Δ, where Δ is
    ``marginal_delta_mio_kr`` or by default max(1 % of the budget, state cost of the cheapest possible new
    house), capped at the budget — so Δ can always buy at least one house; the (sense-adjusted) objective
    change divided by Δ is reported. Only the total budget shrinks; yearly profile and group caps stay as given. Because
    houses are lumpy this is an average over Δ, not a derivative, and it is 0 when the budget does not bind.

    The re-solve is skipped when the main solve is not proven optimal (a time limit): the marginal value is
    then None, with a note saying why.

    ``cheapest`` (default): among plans with the optimal objective, return one with the least state spend (a
    second solve), so money that buys nothing is not spent.

    Raises :class:`HousePlanInfeasible` (a :class:`SolverError`) naming the binding rule when no plan exists.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {OBJECTIVES}")
    unknown = set(model_flags) - {"capacity", "min_one_per_catchment", "min_one_per_uncovered_kommune",
                                  "min_one_per_kommune", "maxmin_epsilon"}
    if unknown:
        raise TypeError(f"unknown model flags: {sorted(unknown)}")
    options = options or SolveOptions()
    flags = {"capacity": False, "min_one_per_catchment": False, "min_one_per_uncovered_kommune": False,
             "min_one_per_kommune": False}
    flags.update(model_flags)
    capacity = bool(flags["capacity"])
    notes: list[str] = []

    try:
        mdl, stats = _solve(inst, objective, options, flags, cheapest=cheapest)
    except (SolverError, InfeasibleRuleError) as err:
        if isinstance(err, SolverError) and err.status not in ("infeasible", "infeasibleOrUnbounded"):
            raise
        raise _diagnose(inst, objective, options, flags, err) from err
    if not stats.optimal:
        notes.append(f"solver status {stats.status}: plan not proven optimal (gap {stats.gap:.2%})")
        if cheapest:
            notes.append("cheapest-plan stage skipped: it needs a proven optimum")

    new, open_sites = _open_sites(inst, mdl)
    assign_after = _assignment(inst, mdl, open_sites, capacity)

    mdl0, stats0 = _solve(inst, objective, options, flags, new_houses=False, builds=set(), label="houses: before")
    _, open0 = _open_sites(inst, mdl0)
    assign_before = _assignment(inst, mdl0, open0, capacity)

    cov_a, trav_a = _per_demand(inst, assign_after)
    cov_b, trav_b = _per_demand(inst, assign_before)
    w = inst.demand_weight

    # ---- chosen sites
    types = inst.house_types
    rows: list[tuple] = []
    for j, q in inst.existing:
        rows.append((inst.site_ids[j], j, int(inst.site_kommune[j]), types[q].name, True, None,
                     types[q].capacity, 0.0, 0.0, 0.0))
    for j, q, yr in new:
        total = float(types[q].cost_mio_kr)
        share = inst.share_of(inst.site_kommune[j])
        rows.append((inst.site_ids[j], j, int(inst.site_kommune[j]), types[q].name, False, yr,
                     types[q].capacity, total, (1.0 - share) * total, share * total))
    chosen = pd.DataFrame(rows, columns=["site_id", "site_index", "kommune", "type", "existing", "build_year",
                                         "capacity", "total_cost_mio_kr", "state_cost_mio_kr",
                                         "kommune_cost_mio_kr"])
    chosen = chosen.sort_values("site_index", kind="stable").reset_index(drop=True)

    # ---- per demand / catchment / kommune
    demand = pd.DataFrame({
        "demand_id": list(inst.demand_ids), "kommune": inst.demand_kommune,
        "catchment": list(inst.demand_catchment), "weight": w,
        "covered_before": cov_b, "covered_after": cov_a,
        "travel_before_min": trav_b, "travel_after_min": trav_a,
    })
    demand["_wb"] = w * cov_b
    demand["_wa"] = w * cov_a
    demand["_tb"] = w * trav_b
    demand["_ta"] = w * trav_a

    def table(key: str) -> pd.DataFrame:
        g = demand.groupby(key, sort=True).agg(weight=("weight", "sum"), covered_before=("_wb", "sum"),
                                               covered_after=("_wa", "sum"), _tb=("_tb", "sum"),
                                               _ta=("_ta", "sum")).reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            g["share_before"] = np.where(g["weight"] > 0, g["covered_before"] / g["weight"], np.nan)
            g["share_after"] = np.where(g["weight"] > 0, g["covered_after"] / g["weight"], np.nan)
            g["mean_travel_before_min"] = np.where(g["weight"] > 0, g["_tb"] / g["weight"], np.nan)
            g["mean_travel_after_min"] = np.where(g["weight"] > 0, g["_ta"] / g["weight"], np.nan)
        return g.drop(columns=["_tb", "_ta"])

    per_catch = table("catchment")
    per_kom = table("kommune")
    spend = chosen.groupby("kommune").agg(state_spend_mio_kr=("state_cost_mio_kr", "sum"),
                                          kommune_spend_mio_kr=("kommune_cost_mio_kr", "sum"),
                                          n_houses=("site_id", "size")).reset_index()
    per_kom = per_kom.merge(spend, on="kommune", how="outer")
    for c in ("weight", "covered_before", "covered_after", "state_spend_mio_kr", "kommune_spend_mio_kr",
              "n_houses"):
        per_kom[c] = per_kom[c].fillna(0)
    per_kom["n_houses"] = per_kom["n_houses"].astype(int)
    demand = demand.drop(columns=["_wb", "_wa", "_tb", "_ta"])

    # ---- marginal value of the last mio. kr.
    marginal = None
    delta = None
    if compute_marginal and not stats.optimal:
        # a difference of two unproven objectives is not a marginal value: each is off by up to its gap, and
        # nationally that gap (e.g. 13,500 inhabitants) is as large as what the last 30 mio. kr. buy
        notes.append(f"marginal value not computed: the plan is not proven optimal (gap {stats.gap:.2%}), so a "
                     "re-solve with less money could not tell the value of the last mio. kr. from the gap")
    elif compute_marginal:
        delta = marginal_delta_mio_kr
        if delta is None:
            sc = inst.state_cost_matrix()[~inst.existing_mask()]
            cheapest_house = float(sc[sc > 0].min()) if (sc > 0).any() else 0.0
            delta = min(inst.budget_mio_kr, max(0.01 * inst.budget_mio_kr, cheapest_house))
        if delta <= 0 or delta > inst.budget_mio_kr:
            notes.append("marginal value not computed: budget is 0 or delta outside (0, budget]")
            delta = None
        else:
            smaller = dataclasses.replace(inst, budget_mio_kr=inst.budget_mio_kr - delta)
            load = assign_after[assign_after["site_index"] >= 0].groupby("site_index")["weight"].sum().to_dict()
            start = fit_budget(inst, {(j, q) for j, q, _ in new}, smaller.budget_mio_kr, load)
            try:
                _, st2 = _solve(smaller, objective, options, flags, builds=start,
                                label=f"houses: marginal re-solve at {smaller.budget_mio_kr:g} mio. kr.")
                diff = _SENSE[objective] * (stats.objective - st2.objective)
                if abs(diff) <= 1e-9 * max(1.0, abs(stats.objective)):
                    diff = 0.0  # solver noise
                marginal = diff / delta
                if not st2.optimal:
                    notes.append("marginal value from a re-solve that was not proven optimal")
            except (SolverError, InfeasibleRuleError):
                notes.append(f"marginal value not computed: infeasible with budget - {delta:g} mio. kr.")

    return HousePlan(
        objective=objective, flags=dict(flags), stats=stats, objective_value=stats.objective,
        objective_before=stats0.objective, objective_units=_UNITS[objective],
        chosen_sites=chosen, demand=demand, assignment=assign_after,
        per_catchment=per_catch, per_kommune=per_kom, total_weight=float(w.sum()),
        covered_before=float(np.dot(w, cov_b)), covered_after=float(np.dot(w, cov_a)),
        budget_mio_kr=inst.budget_mio_kr, state_spend_mio_kr=float(chosen["state_cost_mio_kr"].sum()),
        kommune_spend_mio_kr=float(chosen["kommune_cost_mio_kr"].sum()),
        marginal_value_per_mio_kr=marginal, marginal_delta_mio_kr=delta, notes=notes,
        coverage_minutes=float(inst.coverage_minutes), house_types=tuple(inst.house_types))
