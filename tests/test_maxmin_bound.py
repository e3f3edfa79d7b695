"""The per-catchment (Dantzig-Wolfe) spend bound of the maxmin proof (solvers/maxmin_bound.py) against brute force:
it never exceeds the money the cheapest plan needs, and where it says "impossible" no plan exists."""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from sundhed.model.houses_instance import HouseInstance, HouseType
from sundhed.solvers.maxmin import plan_shares
from sundhed.solvers.maxmin_bound import min_spend_bound, spend_cap
from test_houses import make_instance

ONE_TYPE = [HouseType("lægehus", 20.0, 1e9)]


def _all_pairs(inst: HouseInstance) -> list[tuple[int, int]]:
    return [(j, q) for j in range(inst.n_sites) for q in range(len(inst.house_types))]


def _cheapest_plan_bruteforce(inst: HouseInstance, t: float) -> float:
    """Least state spend (mio. kr.) of a plan whose every catchment share is >= t, over all site subsets."""
    cost = inst.state_cost_matrix().min(axis=1)
    best = math.inf
    for k in range(inst.n_sites + 1):
        for sites in itertools.combinations(range(inst.n_sites), k):
            spend = float(cost[list(sites)].sum())
            if spend < best and plan_shares(inst, list(sites))[0] >= t - 1e-12:
                best = spend
    return best


def _four_catchments(seed: int, budget: float) -> HouseInstance:
    """make_instance's points, in four catchments (quadrants), so that sites near the middle serve several."""
    inst = make_instance(seed, n=28, m=9, budget=budget)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60, (28, 2))  # the same draws make_instance made for its demand points and sites
    site_xy = rng.uniform(0, 60, (9, 2))

    def quadrant(points):
        return np.array([("n" if y >= 30 else "s") + ("ø" if x >= 30 else "v") for x, y in points])

    return dataclasses.replace(inst, demand_catchment=quadrant(xy), site_catchment=quadrant(site_xy))


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_never_above_the_cheapest_plan(seed):
    inst = _four_catchments(seed, budget=45.0)
    pairs = _all_pairs(inst)
    base_worst = plan_shares(inst, [])[0]
    all_worst = plan_shares(inst, list(range(inst.n_sites)))[0]
    proofs = 0
    for t in np.linspace(base_worst, all_worst, 9)[1:]:
        exact = _cheapest_plan_bruteforce(inst, float(t))
        b = min_spend_bound(inst, pairs, float(t), time_limit=30)
        assert b.bound_mio_kr <= exact + 1e-6, (t, b, exact)
        if b.infeasible:
            proofs += 1
            assert exact > inst.budget_mio_kr + 1e-9
    # above the budget's reach, the bound says so for some targets on every instance
    reach = max(t for t in np.linspace(base_worst, all_worst, 9)
                if _cheapest_plan_bruteforce(inst, float(t)) <= inst.budget_mio_kr)
    if reach < all_worst - 1e-9:
        assert proofs >= 1


def _explicit(travel, catchment, budget: float) -> HouseInstance:
    n, m = travel.shape
    return HouseInstance([f"d{i}" for i in range(n)], np.ones(n), np.full(n, 101), np.array(catchment),
                         [f"s{j}" for j in range(m)], np.full(m, 101), travel, np.full(n, 99.0), ONE_TYPE,
                         budget_mio_kr=budget, coverage_minutes=20.0)


def test_bound_sees_that_half_houses_do_not_cover_towns():
    """Three towns, three sites, each site reaches two towns: covering all three needs two houses (30 mio. kr.
    of state money at 25 % co-financing); the LP relaxation gets by with three half houses (22.5)."""
    near, far = 10.0, 40.0
    travel = np.array([[near, near, far], [far, near, near], [near, far, near]])
    inst = _explicit(travel, ["a", "a", "a"], budget=29.0)
    b = min_spend_bound(inst, _all_pairs(inst), 1.0)
    assert b.bound_mio_kr == pytest.approx(30.0)
    assert b.infeasible
    assert _cheapest_plan_bruteforce(inst, 1.0) == pytest.approx(30.0)
    assert not min_spend_bound(inst, _all_pairs(inst), 1.0, budget=30.0).infeasible


def test_a_site_that_serves_two_catchments_is_paid_once():
    """Catchment a is covered by site 0 or 1, catchment b by site 0 or 2: one house at site 0 serves both."""
    near, far = 10.0, 40.0
    travel = np.array([[near, near, far], [near, far, near]])
    inst = _explicit(travel, ["a", "b"], budget=15.0)
    assert not min_spend_bound(inst, _all_pairs(inst), 1.0).infeasible
    short = min_spend_bound(inst, _all_pairs(inst), 1.0, budget=14.0)
    assert short.infeasible and short.bound_mio_kr == pytest.approx(15.0)


def test_a_catchment_out_of_reach_has_no_plan():
    travel = np.array([[10.0, 40.0], [40.0, 40.0]])
    inst = _explicit(travel, ["a", "b"], budget=100.0)
    b = min_spend_bound(inst, _all_pairs(inst), 1.0)
    assert b.bound_mio_kr == math.inf and b.infeasible


def test_spend_cap():
    assert spend_cap(600.0, 15.0) == pytest.approx(600.0)
    assert spend_cap(29.0, 15.0) == pytest.approx(15.0)
    assert spend_cap(29.0, 0.0) == 29.0


def _cheapest_plan_with_rule_bruteforce(inst: HouseInstance, t: float) -> float:
    """As _cheapest_plan_bruteforce, for plans with a house sited in every catchment (min_one_per_catchment)."""
    cost = inst.state_cost_matrix().min(axis=1)
    home = np.asarray(inst.site_catchment, dtype=object)
    best = math.inf
    for k in range(inst.n_sites + 1):
        for sites in itertools.combinations(range(inst.n_sites), k):
            spend = float(cost[list(sites)].sum())
            if spend < best and set(inst.catchments()) <= set(home[list(sites)]) \
                    and plan_shares(inst, list(sites))[0] >= t - 1e-12:
                best = spend
    return best


@pytest.mark.parametrize("seed", [1, 2, 4, 6])  # seeds where every quadrant has a candidate site
def test_one_house_per_catchment_rule_keeps_the_bound_valid(seed):
    """With the model's min_one_per_catchment rows passed as groups, the bound is still never above the
    cheapest plan that keeps the rule, and never below the bound without them."""
    from sundhed.model.houses import build_house_model
    from sundhed.solvers.maxmin import one_house_groups

    inst = _four_catchments(seed, budget=60.0)
    mdl = build_house_model(inst, "maxmin", min_one_per_catchment=True)
    groups = one_house_groups(mdl)
    assert len(groups) == len(set(inst.catchments()))
    pairs = [tuple(p) for p in mdl.B]
    base_worst = plan_shares(inst, [])[0]
    for t in np.linspace(base_worst, 1.0, 7):
        exact = _cheapest_plan_with_rule_bruteforce(inst, float(t))
        with_rule = min_spend_bound(inst, pairs, float(t), budget=1e6, groups=groups, time_limit=30)
        without = min_spend_bound(inst, pairs, float(t), budget=1e6, time_limit=30)
        assert with_rule.bound_mio_kr <= exact + 1e-6, (t, with_rule, exact)
        if math.isfinite(without.bound_mio_kr):
            assert with_rule.bound_mio_kr >= without.bound_mio_kr - 1e-6


def test_a_covered_catchment_still_pays_for_its_house():
    """Catchment b is covered by its hospital, but the rule wants a house there too: 15 + 15 mio. kr."""
    from sundhed.model.houses import build_house_model
    from sundhed.solvers.maxmin import one_house_groups

    near, far = 10.0, 40.0
    travel = np.array([[near, far], [far, near]])
    inst = HouseInstance(["d0", "d1"], np.ones(2), np.full(2, 101), np.array(["a", "b"]), ["s0", "s1"],
                         np.full(2, 101), travel, np.array([99.0, 5.0]), ONE_TYPE, budget_mio_kr=29.0,
                         coverage_minutes=20.0, site_catchment=np.array(["a", "b"]))
    mdl = build_house_model(inst, "maxmin", min_one_per_catchment=True)
    pairs = [tuple(p) for p in mdl.B]
    assert not min_spend_bound(inst, pairs, 1.0).infeasible  # 15 mio. kr. cover a
    b = min_spend_bound(inst, pairs, 1.0, groups=one_house_groups(mdl))
    assert b.infeasible and b.bound_mio_kr == pytest.approx(30.0)
