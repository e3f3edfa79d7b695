"""MIP starts of the house model (solvers/house_start.py): the greedy plan and its max-flow swap search are
feasible, the swaps never serve fewer than the greedy plan nor more than the brute-force optimum, and the swap
search keeps to its time allowance; the start's time counts against the solve's time limit."""
from __future__ import annotations

import pytest

import sundhed.solvers.highs as highs
from sundhed.model.houses import build_house_model
from sundhed.solvers.bruteforce import houses_bruteforce, houses_evaluate, houses_plan_feasible
from sundhed.solvers.highs import SolveOptions
from sundhed.solvers.house_start import greedy_builds, improve_by_swaps
from sundhed.solvers.houses import solve_houses
from tests.test_house_lns import instance  # 30 points, 7 sites, tight capacities, one existing house


@pytest.mark.parametrize("seed", range(5))
def test_swaps_serve_at_least_the_greedy_plan_and_at_most_the_optimum(seed):
    inst = instance(seed)
    mdl = build_house_model(inst, "coverage", capacity=True)
    greedy = greedy_builds(inst, mdl, True)
    swapped = improve_by_swaps(inst, mdl, greedy)
    assert houses_plan_feasible(inst, tuple(greedy)) and houses_plan_feasible(inst, tuple(swapped))
    g = houses_evaluate(inst, tuple(greedy), "coverage", capacity=True)
    s = houses_evaluate(inst, tuple(swapped), "coverage", capacity=True)
    assert g - 1e-6 <= s <= houses_bruteforce(inst, "coverage", capacity=True).objective_value + 1e-6


def test_swaps_without_time_return_the_start_plan():
    inst = instance(0)
    mdl = build_house_model(inst, "coverage", capacity=True)
    greedy = greedy_builds(inst, mdl, True)
    assert improve_by_swaps(inst, mdl, greedy, seconds=0.0) == greedy


def test_start_heuristics_count_against_the_time_limit(monkeypatch):
    """The main solve gets the time limit less what the greedy plan and the swaps took."""
    import time

    import sundhed.solvers.house_start as hs

    inst = instance(1)
    limits: list[float] = []

    def slow_swaps(*a, **k):
        time.sleep(0.5)
        return improve_by_swaps(*a, **k)

    monkeypatch.setattr(hs, "improve_by_swaps", slow_swaps)
    real = highs.solve_with_highs

    def record(model, options=None, **kw):
        limits.append(options.time_limit)
        return real(model, options, **kw)

    monkeypatch.setattr(highs, "solve_with_highs", record)
    opt = SolveOptions(mip_gap=0.0, time_limit=10.0, threads=1, progress=False)
    solve_houses(inst, "coverage", opt, compute_marginal=False, cheapest=False, capacity=True)
    assert 9.0 < limits[0] <= 9.5 + 1e-9
