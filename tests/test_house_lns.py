"""The houses' large-neighbourhood search (solvers/house_lns.py): every plan it returns is feasible, never worse
than its start, never better than the brute-force optimum, and valued as the exact re-evaluation says; the
three-step solve (HiGHS, local search, HiGHS) returns the brute-force optimum."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sundhed.solvers.highs as highs
from sundhed.model.houses import build_house_model
from sundhed.solvers import house_lns
from sundhed.solvers.bruteforce import houses_bruteforce, houses_evaluate, houses_plan_feasible
from sundhed.solvers.highs import SolveOptions
from sundhed.solvers.house_lns import improve_by_lns, neighbourhood, site_overlap
from sundhed.solvers.houses import solve_houses
from tests.test_houses import TIGHT, make_instance

OPT = SolveOptions(mip_gap=0.0, time_limit=60, threads=1, progress=False)


def instance(seed: int):
    return make_instance(seed, n=30, m=7, budget=40.0, types=TIGHT, existing=[(1, "praksis")])


@pytest.mark.parametrize("seed", range(4))
def test_small_neighbourhoods_improve_an_empty_plan_feasibly_up_to_the_optimum(seed):
    inst = instance(seed)
    mdl = build_house_model(inst, "coverage", capacity=True)
    bf = houses_bruteforce(inst, "coverage", capacity=True)
    empty = houses_evaluate(inst, (), "coverage", capacity=True)
    res = improve_by_lns(inst, mdl, set(), seconds=30, threads=1, size=2, areas=1, stall=40, seed=seed)
    assert res.start_objective == pytest.approx(empty)
    assert res.objective >= empty - 1e-6 and res.objective <= bf.objective_value + 1e-6
    assert houses_plan_feasible(inst, tuple(res.builds))
    assert houses_evaluate(inst, tuple(res.builds), "coverage", capacity=True) == pytest.approx(res.objective)
    assert res.improvements >= 1 and res.objective > empty  # a house within the money always serves more


@pytest.mark.parametrize("seed", range(3))
def test_a_neighbourhood_of_every_site_is_the_whole_model(seed):
    inst = instance(seed)
    mdl = build_house_model(inst, "coverage", capacity=True)
    res = improve_by_lns(inst, mdl, set(), seconds=30, threads=1, size=inst.n_sites, areas=1)
    assert res.neighbourhoods == 1  # nothing left to try after the whole model
    assert res.objective == pytest.approx(houses_bruteforce(inst, "coverage", capacity=True).objective_value)


def test_neighbourhood_takes_the_sites_sharing_most_demand_with_each_seed():
    inst = instance(0)
    ov = site_overlap(inst)
    assert np.allclose(ov, ov.T) and (np.diag(ov) >= ov.max(axis=1) - 1e-9).all()
    sites = np.arange(inst.n_sites)
    free = neighbourhood(ov, sites, np.array([3]), 3)
    assert len(free) == 3 and 3 in free
    rest = [j for j in sites if j not in free]
    assert min(ov[3, free]) >= max(ov[3, rest])
    two = neighbourhood(ov, sites, np.array([3, 5]), 4)  # two per seed
    assert {3, 5} <= set(two) and len(two) <= 4
    assert len(neighbourhood(ov, sites, np.array([0]), inst.n_sites)) == inst.n_sites


@pytest.mark.parametrize("seed", range(3))
def test_three_step_solve_returns_the_brute_force_optimum(seed, monkeypatch):
    """The first HiGHS solve is made to look unproven, so the local search and the final solve run."""
    inst = instance(seed)
    real, calls = highs.solve_with_highs, []

    def first_unproven(model, options=None, **kw):
        st = real(model, options, **kw)
        calls.append(options.time_limit)
        return dataclasses.replace(st, optimal=False, status="interrupted") if len(calls) == 1 else st

    monkeypatch.setattr(highs, "solve_with_highs", first_unproven)
    searched = []
    real_lns = house_lns.improve_by_lns
    monkeypatch.setattr(house_lns, "improve_by_lns", lambda *a, **k: searched.append(k["seconds"]) or real_lns(*a, **k))
    plan = solve_houses(inst, "coverage", OPT, compute_marginal=False, cheapest=False, capacity=True)
    # stopped by its stop_when, not by a shorter limit (the start heuristics' milliseconds count against it)
    assert OPT.time_limit - 1.0 < calls[0] <= OPT.time_limit
    assert len(searched) == 1 and 0 < searched[0] <= OPT.time_limit - house_lns.FINAL_MIN_S  # the final solve keeps its time
    bf = houses_bruteforce(inst, "coverage", capacity=True)
    assert plan.stats.optimal and plan.objective_value == pytest.approx(bf.objective_value)
    new = tuple((int(r.site_index), [t.name for t in inst.house_types].index(r.type))
                for r in plan.new_sites.itertuples())
    assert houses_plan_feasible(inst, new)


def test_short_time_limit_is_one_plain_solve(monkeypatch):
    inst = instance(0)
    searched = []
    monkeypatch.setattr(house_lns, "improve_by_lns", lambda *a, **k: searched.append(1))
    plan = solve_houses(inst, "coverage", dataclasses.replace(OPT, time_limit=20), compute_marginal=False,
                        capacity=True)
    assert not searched and plan.stats.optimal
    assert plan.objective_value == pytest.approx(houses_bruteforce(inst, "coverage", capacity=True).objective_value)


def test_first_solve_goes_on_when_its_gap_is_small(monkeypatch):
    """Below LNS_MIN_GAP the first solve is never stopped: no search, one solve, the brute-force optimum."""
    inst = instance(1)
    searched, stops = [], []
    monkeypatch.setattr(house_lns, "improve_by_lns", lambda *a, **k: searched.append(1))
    real = highs.solve_with_highs

    def spy(model, options=None, **kw):
        stops.append(kw["stop_when"])
        return real(model, options, **kw)

    monkeypatch.setattr(highs, "solve_with_highs", spy)
    plan = solve_houses(inst, "coverage", OPT, compute_marginal=False, cheapest=False, capacity=True)
    assert not searched and len(stops) == 1 and plan.stats.optimal
    assert plan.objective_value == pytest.approx(houses_bruteforce(inst, "coverage", capacity=True).objective_value)
    probe = min(house_lns.PROBE_MAX_S, house_lns.PROBE_SHARE * OPT.time_limit)
    stop = stops[0]
    assert not stop(probe - 0.1, 0.5) and stop(probe, 0.5) and stop(probe, float("inf"))
    assert not stop(probe + 100, house_lns.LNS_MIN_GAP)


@pytest.mark.parametrize("seed", range(3))
def test_a_real_interrupt_then_search_then_final_solve(seed, monkeypatch):
    """HiGHS really stopped by stop_when at its first check (no stand-in): the final solve still proves the
    brute-force optimum (an interrupted HiGHS instance must not be reused: it would stop again at once)."""
    inst = instance(seed)
    monkeypatch.setattr(house_lns, "PROBE_MAX_S", 0.0)
    monkeypatch.setattr(house_lns, "LNS_MIN_GAP", -1.0)  # every gap counts as large
    searched = []
    real_lns = house_lns.improve_by_lns
    monkeypatch.setattr(house_lns, "improve_by_lns", lambda *a, **k: searched.append(1) or real_lns(*a, **k))
    plan = solve_houses(inst, "coverage", OPT, compute_marginal=False, capacity=True)  # with the cheapest stage
    assert searched == [1]
    assert plan.stats.optimal and plan.objective_value == pytest.approx(
        houses_bruteforce(inst, "coverage", capacity=True).objective_value)
