"""The "maxmin" sundhedshus objective by bisection on the worst catchment's covered share.

HiGHS closes the maxmin model's gap slowly (nationally at 600 mio. kr. its bound is 0.892 against the plan's
0.8765 after 15 s, and 1.5 % remain after 120 s), because the objective is one variable, the smallest share. Bisection
asks an easier question instead: *is there a plan within the money where every catchment's covered share is at
least t?* (the same model with the worst share fixed at t, stopped at its first plan). A plan found raises the
lower end to that plan's real worst share; a proof that none exists lowers the upper end to t.

Proving that no plan reaches ``t`` is the hard half: the MIP's LP bound is weak (nationally at 600 mio. kr. it
says 36 lægehuse might reach the best plan's share, where 41 are needed). Each question therefore first asks
:func:`sundhed.solvers.maxmin_bound.min_spend_bound` for a per-catchment (Dantzig-Wolfe) lower bound on the money
that share needs; only when that bound fits the budget does the MIP search for a plan.

:func:`solve_maxmin` first gives the plain maxmin MIP a short slice of the time (small instances are proven there
and then), then asks whether a worst share just above the plan in hand (``CLOSING_STEP`` of the tolerance) is
possible, which closes the bracket at once when that plan is the best, and otherwise bisects until the bracket is
within ``rel_tol`` (default 0.1 %) of the worst share; then it spends a short final solve on the secondary term
(total coverage) with the worst share held. The returned
:class:`SolveStats` carry the best plan's objective and the proven bound: ``optimal`` only when the gap is
within the options' ``mip_gap``; otherwise the gap is what was proven.

Shares are fractions 0..1 of each catchment's weight (inhabitants); times in seconds.
"""
from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pyomo.environ as pyo
from sundhed.model.houses import HouseInstance
from sundhed.solvers.highs import (
    SolveOptions,
    SolverError,
    SolveStats,
    solve_threads,
    solve_with_highs,
)
from sundhed.solvers.maxmin_bound import SpendBound, catchment_spend_floors, min_spend_bound

#: default relative width of the final bracket on the worst share (0.1 %)
MAXMIN_REL_TOL = 1e-3

#: the plain maxmin MIP's slice of the time limit (at most this many seconds)
FIRST_SLICE_SHARE, FIRST_SLICE_MAX_S = 0.125, 15.0

#: the first bisection question asks for a worst share this share of ``rel_tol`` above the plan in hand (below 1,
#: so that the bracket it closes, with the secondary term's epsilon, stays within ``rel_tol``)
CLOSING_STEP = 0.9

#: the final solve on the secondary term (total coverage, worst share held): this share of the time limit
FINAL_SHARE = 0.1


def plan_shares(inst: HouseInstance, open_sites) -> tuple[float, float]:
    """(worst catchment covered share, total covered share) of a plan without capacities, from the data alone."""
    cov = inst.covered_by(open_sites)
    w = inst.demand_weight
    dc = np.asarray(inst.demand_catchment, dtype=object)
    worst = 1.0
    for c in inst.catchments():
        m = dc == c
        wc = float(w[m].sum())
        if wc > 0:
            worst = min(worst, float(w[m][cov[m]].sum()) / wc)
    total = float(w[cov].sum()) / float(w.sum()) if w.sum() > 0 else 0.0
    return worst, total


def one_house_groups(mdl) -> list[list[tuple[int, int]]]:
    """The (site, type) pairs of every "at least one new house among these" row of a house model (the
    ``min_one_*`` rules of :func:`sundhed.model.houses.build_house_model`)."""
    from pyomo.core.expr.visitor import identify_variables

    groups = []
    for name in ("min_one_per_catchment", "min_one_kommune", "min_one_per_kommune"):
        comp = mdl.find_component(name)
        if comp is None:
            continue
        for con in comp.values():
            groups.append([tuple(v.index()) for v in identify_variables(con.body)])
    return groups


def _spend_bound(inst: HouseInstance, pairs, t: float, threads: int | None, seconds: float,
                 options: SolveOptions, lo: float, hi: float, groups) -> SpendBound:
    """:func:`min_spend_bound` for "every share >= t", with progress lines when the options ask for them."""
    from sundhed.solvers.highs import SolveProgress, progress_enabled

    progress = None
    if options.progress and progress_enabled():
        progress = SolveProgress(f"houses: maxmin, proof for share >= {t:.5f}", options.progress_every_s,
                                 options.progress_every_s)
        progress.best, progress.bound, progress.unit = lo, hi, "pricing rounds"
        progress.gap = (hi - lo) / max(lo, 1e-9)
        progress.start()

    def seen(rounds: int, bound: float) -> None:
        if progress is not None:
            progress.nodes = rounds

    try:
        return min_spend_bound(inst, pairs, t, time_limit=max(0.5, seconds), threads=threads, on_round=seen,
                           groups=groups)
    finally:
        if progress is not None:
            progress.stop()
            progress.close()


def _builds(mdl) -> set[tuple[int, int]]:
    return {tuple(p) for p in mdl.B if (mdl.build[p].value or 0.0) > 0.5}


def _open(inst: HouseInstance, builds) -> list[int]:
    return sorted({j for j, _ in inst.existing} | {j for j, _ in builds})


def _load(mdl, builds) -> None:
    for p in mdl.B:
        mdl.build[p].set_value(1.0 if tuple(p) in builds else 0.0)


def solve_maxmin(inst: HouseInstance, mdl, options: SolveOptions, start, *, eps: float,
                 rel_tol: float = MAXMIN_REL_TOL, first_slice_s: float | None = None,
                 log=None) -> SolveStats:
    """Solve the (uncapacitated) maxmin model ``mdl`` built for ``inst`` (see the module docstring).

    ``start``: MIP start pairs for the first solve; ``eps``: the model's weight of the total covered share. The
    best plan is left loaded in ``mdl.build`` (and ``mdl.x`` / ``mdl.z`` where the last solve set them).
    """
    t_start = time.perf_counter()
    limit = float(options.time_limit)
    first = first_slice_s if first_slice_s is not None else min(FIRST_SLICE_MAX_S, FIRST_SLICE_SHARE * limit)
    tol = max(float(options.mip_gap), rel_tol)

    def left() -> float:
        return limit - (time.perf_counter() - t_start)

    if first > 0:
        st = solve_with_highs(mdl, dataclasses.replace(options, time_limit=max(1.0, min(first, left())),
                                                       label="houses: maxmin"), start=start)
        if st.optimal or st.gap <= float(options.mip_gap):
            return dataclasses.replace(st, runtime_s=time.perf_counter() - t_start)
        best = _builds(mdl)
        hi = min(1.0, st.bound) if math.isfinite(st.bound) else 1.0
        first_bound = st.bound if math.isfinite(st.bound) else math.inf
    else:  # bisection only (tests): from the start plan and the trivial bound 1
        best = {tuple(v.index()) for v, x in start if x > 0.5}
        hi, first_bound = 1.0, math.inf
    lo, lo_total = plan_shares(inst, _open(inst, best))
    steps = 0
    unknown_above = None  # lowest t whose feasibility could not be decided in time
    z_ub = mdl.z.ub
    obj = mdl.obj
    obj.deactivate()
    sc = inst.state_cost_matrix()
    mdl.bisect_spend = pyo.Objective(expr=pyo.quicksum(float(sc[j, q]) * mdl.build[(j, q)] for j, q in mdl.B),
                                     sense=pyo.minimize)
    pairs = [tuple(p) for p in mdl.B]
    groups = one_house_groups(mdl)
    threads = solve_threads(options)
    try:
        while hi - lo > tol * max(lo, 1e-9) and left() > 2.0:
            top = hi if unknown_above is None else min(hi, unknown_above)
            # the first question is the one that closes the bracket at once when the plan in hand is the best
            closing = steps == 0 and lo > 0 and lo * (1.0 + CLOSING_STEP * tol) < top
            t = lo * (1.0 + CLOSING_STEP * tol) if closing else 0.5 * (lo + top)
            if top - lo <= tol * max(lo, 1e-9) * 0.25:
                break  # only undecided targets remain
            steps += 1
            proof = _spend_bound(inst, pairs, t, threads, min(left() - 2.0, max(5.0, 0.4 * left())),
                                 options, lo, hi, groups)
            if log:
                log(f"maxmin bisection step {steps}: worst share >= {t:.5f} needs at least "
                    f"{proof.bound_mio_kr:,.1f} mio. kr. ({proof.rounds} pricing rounds, {proof.runtime_s:.1f} s; "
                    f"bracket {lo:.5f}-{hi:.5f})")
            if proof.infeasible:
                hi = t  # no plan within the money reaches t (per-catchment bound)
                continue
            if closing:
                continue  # the plan in hand is probably not the best: bisect from here
            mdl.z.fix(t)
            floors = catchment_spend_floors(inst, pairs, t)
            if any(f > inst.budget_mio_kr + 1e-6 for _, f in floors):
                hi = t  # one catchment alone needs more than the money
                continue
            if mdl.find_component("floor_cuts") is not None:
                mdl.del_component("floor_cuts")
            mdl.floor_cuts = pyo.ConstraintList()
            for prs, f in floors:
                if f > 1e-6 and prs:
                    mdl.floor_cuts.add(pyo.quicksum(float(sc[p]) * mdl.build[p] for p in prs) >= f - 1e-6)
            n_left = max(1, math.ceil(math.log2(max(2.0, (hi - lo) / (tol * max(lo, 1e-9))))))
            slice_s = max(2.0, min(left() - 1.0, left() / (n_left + 1)))
            if log:
                log(f"maxmin bisection step {steps}: worst share >= {t:.5f}? (bracket {lo:.5f}-{hi:.5f})")
            try:
                solve_with_highs(mdl, dataclasses.replace(
                    options, time_limit=slice_s, mip_gap=1.0, label=f"houses: maxmin share >= {t:.4f}",
                    extra=tuple(options.extra) + (("mip_max_improving_sols", 1),)))
            except SolverError as err:
                if err.status in ("infeasible", "infeasibleOrUnbounded"):
                    hi = t
                else:
                    unknown_above = t if unknown_above is None else min(unknown_above, t)
                continue
            plan = _builds(mdl)
            worst, total = plan_shares(inst, _open(inst, plan))
            if worst >= lo:
                best, lo, lo_total = plan, worst, total
            unknown_above = None if unknown_above is not None and unknown_above <= lo else unknown_above
    finally:
        if mdl.find_component("floor_cuts") is not None:
            mdl.del_component("floor_cuts")
        mdl.z.unfix()
        mdl.z.setub(z_ub)
        mdl.del_component(mdl.bisect_spend)
        obj.activate()
    # final: more total coverage with the worst share held at lo (a short solve from the best plan)
    _load(mdl, best)
    final_obj = lo + eps * lo_total
    if left() > 2.0:
        mdl.z.setlb(lo)
        mdl.z.setub(min(hi, z_ub) if z_ub is not None else hi)  # proven: no plan's worst share reaches hi
        try:
            solve_with_highs(mdl, dataclasses.replace(options, time_limit=max(1.0, min(FINAL_SHARE * limit, left())),
                                                            label="houses: maxmin, total coverage"),
                                   start=[(mdl.build[p], 1.0 if tuple(p) in best else 0.0) for p in mdl.B])
            plan = _builds(mdl)
            worst, total = plan_shares(inst, _open(inst, plan))
            if worst + eps * total >= final_obj - 1e-12:
                best, final_obj = plan, worst + eps * total
        except SolverError:
            pass
        finally:
            mdl.z.setlb(0.0)
            mdl.z.setub(z_ub)
        _load(mdl, best)
    bound = min(first_bound, hi + eps)
    gap = max(0.0, bound - final_obj) / max(1e-9, abs(final_obj))
    optimal = gap <= float(options.mip_gap)
    status = "optimal" if optimal else ("maxmin bisection" if hi - lo <= tol * max(lo, 1e-9) else "maxTimeLimit")
    return SolveStats(status=status, optimal=optimal, objective=final_obj, bound=bound, gap=gap,
                      runtime_s=time.perf_counter() - t_start)
