"""Maxmin by bisection on the worst share (solvers/maxmin.py) against brute force on small instances."""
from __future__ import annotations

import pytest
from sundhed.model.houses import MAXMIN_EPSILON, build_house_model
from sundhed.solvers.bruteforce import houses_bruteforce
from sundhed.solvers.highs import SolveOptions
from sundhed.solvers.house_start import greedy_builds
from sundhed.solvers.maxmin import plan_shares, solve_maxmin
from test_houses import make_instance

OPT = SolveOptions(mip_gap=0.0, time_limit=60, threads=1, progress=False)


@pytest.mark.parametrize("seed,budget", [(1, 30.0), (2, 40.0), (5, 25.0), (8, 50.0)])
def test_bisection_brackets_the_bruteforce_worst_share(seed, budget):
    inst = make_instance(seed, n=20, m=7, budget=budget)
    bf = houses_bruteforce(inst, "maxmin")
    assert bf is not None and bf.n_feasible > 1
    best_worst = bf.objective_value  # worst share + eps * total share of the best plan
    mdl = build_house_model(inst, "maxmin")
    start = [(mdl.build[p], 1.0 if tuple(p) in greedy_builds(inst, mdl, False) else 0.0) for p in mdl.B]
    st = solve_maxmin(inst, mdl, OPT, start, eps=MAXMIN_EPSILON, rel_tol=1e-6, first_slice_s=0.0)
    # the returned plan is feasible: within the money, and its objective recomputed from the data
    builds = {tuple(p) for p in mdl.B if mdl.build[p].value > 0.5}
    sc = inst.state_cost_matrix()
    assert sum(sc[p] for p in builds) <= inst.budget_mio_kr + 1e-9
    worst, total = plan_shares(inst, sorted({j for j, _ in builds}))
    assert worst + MAXMIN_EPSILON * total == pytest.approx(st.objective, abs=1e-12)
    # bisection's bracket holds the brute-force optimum, and the plan is optimal up to the secondary term
    assert st.objective <= best_worst + 1e-9
    assert st.bound >= best_worst - 1e-9
    # the worst share is the largest possible (to the bisection tolerance): at least the brute-force plan's
    assert worst >= best_worst - MAXMIN_EPSILON - 1e-6
    assert st.bound - st.objective <= MAXMIN_EPSILON + 1e-6


def test_maxmin_through_solve_houses_equals_bruteforce():
    from sundhed.solvers.houses import solve_houses

    inst = make_instance(3, n=20, m=7, budget=35.0)
    bf = houses_bruteforce(inst, "maxmin")
    plan = solve_houses(inst, "maxmin", OPT, compute_marginal=False)
    assert plan.stats.optimal
    assert plan.objective_value == pytest.approx(bf.objective_value, rel=1e-6, abs=2e-6)


@pytest.mark.parametrize("seed,budget", [(1, 45.0), (2, 60.0), (4, 45.0)])
def test_maxmin_with_a_house_in_every_catchment_equals_bruteforce(seed, budget):
    """The bisection with the rule's rows in its spend bound (solvers/maxmin_bound.py groups) still finds the
    brute-force optimum: four catchments, each must get a house sited in it."""
    from test_maxmin_bound import _four_catchments

    inst = _four_catchments(seed, budget=budget)
    bf = houses_bruteforce(inst, "maxmin", min_one_per_catchment=True)
    assert bf is not None
    mdl = build_house_model(inst, "maxmin", min_one_per_catchment=True)
    start = [(mdl.build[p], 1.0 if tuple(p) in greedy_builds(inst, mdl, False) else 0.0) for p in mdl.B]
    st = solve_maxmin(inst, mdl, OPT, start, eps=MAXMIN_EPSILON, rel_tol=1e-6, first_slice_s=0.0)
    builds = {tuple(p) for p in mdl.B if mdl.build[p].value > 0.5}
    home = {inst.site_catchment[j] for j, _ in builds}
    assert set(inst.catchments()) <= home  # the rule holds in the returned plan
    assert st.objective <= bf.objective_value + 1e-9
    assert st.bound >= bf.objective_value - 1e-9
    assert st.bound - st.objective <= MAXMIN_EPSILON + 1e-6
