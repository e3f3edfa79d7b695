"""Model 3 (akutbiler): covering MIPs against brute force, spopt, and hand-checked reports.

Small seeded instances (<= 10 candidates, <= 40 demand points); times in minutes, demand in inhabitants.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sundhed.model.akutbiler import EMSInstance, build_ems_model
from sundhed.solvers.akutbiler import EMSInfeasibleError, solve_ems
from sundhed.solvers.bruteforce_ems import bruteforce_ems, evaluate_plan, iter_new_subsets, lscp_feasible_with
from sundhed.model.akutbiler import resolve_params

REGIONS = ("Nordjylland", "Midtjylland")


def make_instance(seed: int, n: int = 32, m: int = 8, n_existing: int = 2, ferry_p: float = 0.08,
                  cost: bool = True) -> EMSInstance:
    """Random points on a 40 x 40 km square, drive = 0.9 min per km, two regions split at x = 20."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 40, (n, 2))
    st = rng.uniform(0, 40, (m, 2))
    drive = 0.9 * np.linalg.norm(pts[:, None, :] - st[None, :, :], axis=2)
    ferry = rng.random((n, m)) < ferry_p
    return EMSInstance(
        demand_ids=[f"d{i}" for i in range(n)], demand_weight=rng.integers(1, 200, n).astype(float),
        demand_region=np.where(pts[:, 0] < 20, REGIONS[0], REGIONS[1]),
        demand_catchment=np.where(pts[:, 1] < 20, "Aalborg", "Viborg"),
        station_ids=[f"s{j}" for j in range(m)], drive_min=drive, uses_ferry=ferry,
        existing=sorted(rng.choice(m, n_existing, replace=False).tolist()),
        unit_cost_mio_kr=rng.uniform(2.0, 6.0, m) if cost else None)


def assert_close(a: float, b: float) -> None:
    assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6), (a, b)


CASES = [
    ("lscp", {}),
    ("lscp", {"target_share": 0.85}),
    ("lscp", {"target_share": 0.6, "budget_mio_kr": 9.0}),
    ("mclp", {"k": 1}),
    ("mclp", {"k": 3}),
    ("mclp", {"k": 2, "T": 12.0}),
    ("mclp", {"budget_mio_kr": 8.0}),
    ("mexclp", {"k": 2, "busy_fraction": 0.3}),
    ("mexclp", {"k": 4, "busy_fraction": 0.6}),
    ("dsm", {"k": 4, "T1": 13.0, "T2": 30.0, "alpha": 0.6}),
    ("dsm", {"k": 2, "T1": 12.0, "T2": 22.0, "t2_penalty": 2.0}),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind,kw", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_mip_equals_bruteforce(seed, kind, kw):
    inst = make_instance(seed)
    bf = bruteforce_ems(inst, kind, **kw)
    if bf is None:
        with pytest.raises(EMSInfeasibleError):
            solve_ems(inst, kind, **kw)
        return
    plan = solve_ems(inst, kind, **kw)
    assert plan.stats.optimal
    assert_close(plan.value, bf.value)
    assert_close(plan.stats.objective, bf.value)
    # the MIP's plan is itself feasible and worth what the solver says
    ev = evaluate_plan(inst, plan.new, resolve_params(inst, kind, **kw))
    assert ev is not None
    assert_close(ev[0], bf.value)
    if kind == "lscp":  # tie-break: most coverage among plans with the fewest units
        assert_close(plan.covered_after, bf.covered)
    assert bf.n_evaluated > 1


def test_mclp_coverage_non_decreasing_in_k():
    inst = make_instance(4, n=40, m=10)
    free = len(inst.new_candidates)
    values = [solve_ems(inst, "mclp", k=k).value for k in range(free + 1)]
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:])), values
    assert values[0] == pytest.approx(solve_ems(inst, "mclp", k=0).covered_before)
    assert values[-1] > values[0]
    assert len(solve_ems(inst, "mclp", k=free + 5).new) <= free  # "at most k" tolerates k > candidates


@pytest.mark.parametrize("seed,share", [(5, None), (6, 0.9), (7, 0.75)])
def test_lscp_meets_target_and_one_fewer_cannot(seed, share):
    inst = make_instance(seed, n=40, m=10)
    plan = solve_ems(inst, "lscp", target_share=share)
    A = inst.covers(15.0)
    reach = A.any(axis=1)
    cov = A[:, plan.open].any(axis=1)
    w = inst.demand_weight
    if share is None:
        assert (cov | ~reach).all()
    else:
        assert w[cov].sum() >= share * w[reach].sum() - 1e-9
    n_new = len(plan.new)
    assert plan.value == n_new
    assert n_new >= 1
    assert not lscp_feasible_with(inst, n_new - 1, target_share=share)
    assert lscp_feasible_with(inst, n_new, target_share=share)
    assert sorted(plan.unreachable_ids) == sorted(inst.demand_ids[~reach].tolist())


@pytest.mark.parametrize("kind,kw", [("lscp", {}), ("mclp", {"k": 2}), ("mexclp", {"k": 2}),
                                     ("dsm", {"k": 3, "T2": 30.0})])
def test_existing_units_always_kept(kind, kw):
    inst = make_instance(8)
    # make existing station 0 useless: it reaches nobody within any threshold
    drive = inst.drive_min.copy()
    drive[:, 0] = 500.0
    inst = EMSInstance(inst.demand_ids, inst.demand_weight, inst.demand_region, inst.demand_catchment,
                       inst.station_ids, drive, inst.uses_ferry, existing=[0, 5], delay_min=3.0)
    plan = solve_ems(inst, kind, **kw)
    assert plan.existing == [0, 5]
    assert {0, 5} <= set(plan.open)
    assert not set(plan.new) & {0, 5}
    mdl = build_ems_model(inst, kind, **kw)
    assert 0 not in set(mdl.J) and 5 not in set(mdl.J)  # existing stations are not decision variables


def ferry_instance() -> EMSInstance:
    """Point 0 (island) is 1 min from station 0 but only via ferry; station 1 reaches everyone on land."""
    drive = np.array([[1.0, 40.0, 30.0],
                      [30.0, 5.0, 30.0],
                      [30.0, 6.0, 2.0],
                      [30.0, 30.0, 4.0]])
    ferry = np.zeros_like(drive, dtype=bool)
    ferry[0, 0] = True
    return EMSInstance(demand_ids=["island", "a", "b", "c"], demand_weight=[100.0, 10.0, 20.0, 30.0],
                       demand_region=["Sjælland"] * 4, demand_catchment=["K1", "K1", "K2", "K2"],
                       station_ids=["S0", "S1", "S2"], drive_min=drive, uses_ferry=ferry, existing=[],
                       delay_min=3.0)


def test_ferry_pairs_never_count():
    inst = ferry_instance()
    assert not inst.covers(15.0)[0].any()  # 1 + 3 = 4 min, but by ferry
    plan = solve_ems(inst, "mclp", k=1)
    # S0 would "cover" the 100-inhabitant island in 4 minutes if ferries counted; S2 covers b and c (50)
    assert plan.new_station_ids == ["S2"]
    assert plan.value == pytest.approx(50.0)
    assert plan.unreachable_ids == ["island"]
    assert plan.unreachable_weight == pytest.approx(100.0)
    tot = plan.region_report.set_index("region").loc["(total)"]
    assert tot["after_15"] == pytest.approx(50.0 / 160.0)
    assert bruteforce_ems(inst, "mclp", k=1).value == pytest.approx(50.0)
    with pytest.raises(EMSInfeasibleError, match="Sjælland"):
        solve_ems(inst, "mclp", k=3, region_targets={"Sjælland": 0.7})  # the island can never count


def test_reports_hand_checked():
    inst = ferry_instance()
    plan = solve_ems(inst, "lscp")
    # every reachable point (a, b, c) must be covered: S1 covers a (8 min) and b (9 min), S2 covers b, c
    assert plan.new_station_ids == ["S1", "S2"]
    assert plan.covered_before == 0.0 and plan.covered_after == pytest.approx(60.0)
    rep = plan.catchment_report.set_index("catchment")
    # K1: island (100, never) + a (10, 8 min); K2: b (20, 5 min via S2), c (30, 7 min via S2)
    assert rep.loc["K1", "after_5"] == 0.0
    assert rep.loc["K1", "after_10"] == pytest.approx(10 / 110)
    assert rep.loc["K2", "after_5"] == pytest.approx(20 / 50)
    assert rep.loc["K2", "after_10"] == pytest.approx(1.0)
    assert (rep[[c for c in rep.columns if c.startswith("before_")]] == 0).all().all()
    mg = plan.marginal.set_index("station_id")
    assert mg.loc["S1", "removal_value"] == pytest.approx(10.0)  # only a is lost (b kept by S2)
    assert mg.loc["S2", "removal_value"] == pytest.approx(30.0)  # c is lost
    assert mg.loc["S2", "greedy_rank"] == 1 and mg.loc["S2", "greedy_gain"] == pytest.approx(50.0)
    assert mg.loc["S1", "greedy_rank"] == 2 and mg.loc["S1", "greedy_gain"] == pytest.approx(10.0)
    d = json.loads(json.dumps(plan.to_dict()))
    assert d["n_new"] == 2 and d["new_station_ids"] == ["S1", "S2"] and d["stats"]["optimal"] is True
    assert {r["catchment"] for r in d["catchment_report"]} == {"K1", "K2", "(total)"}


def test_marginal_values_consistent():
    inst = make_instance(9, n=40, m=10)
    plan = solve_ems(inst, "mclp", k=4)
    gain = plan.covered_after - plan.covered_before
    assert plan.marginal["greedy_gain"].sum() == pytest.approx(gain)
    assert plan.marginal["removal_value"].sum() <= gain + 1e-9
    assert sorted(plan.marginal["greedy_rank"]) == list(range(1, len(plan.new) + 1))
    reg = plan.region_report.set_index("region")
    assert (reg["after_15"] >= reg["before_15"] - 1e-12).all()
    assert reg.loc["(total)", "after_15"] == pytest.approx(plan.covered_after / plan.total_demand)


def best_region_share_bf(inst: EMSInstance, region: str, k: int) -> float:
    A = inst.covers(15.0)
    sel = inst.demand_region == region
    w = inst.demand_weight
    best = 0.0
    for sub in iter_new_subsets(inst, k):
        cov = A[:, list(inst.existing) + list(sub)].any(axis=1)
        best = max(best, w[sel & cov].sum() / w[sel].sum())
    return best


def test_region_target_respected_and_binding_region_named():
    inst = make_instance(10, n=40, m=10)
    k = 2
    best = {r: best_region_share_bf(inst, r, k) for r in REGIONS}
    free = solve_ems(inst, "mclp", k=k)
    free_share = free.region_report.set_index("region")["after_15"]
    # a feasible target on the region the free optimum under-serves
    r = min(REGIONS, key=lambda q: free_share[q] - best[q])
    target = best[r] - 1e-3
    plan = solve_ems(inst, "mclp", k=k, region_targets={r: target})
    share = plan.region_report.set_index("region").loc[r, "after_15"]
    assert share >= target
    bf = bruteforce_ems(inst, "mclp", k=k, region_targets={r: target})
    assert plan.value == pytest.approx(bf.value)
    assert plan.value <= free.value + 1e-9
    # an unreachable target names the region and its best share
    with pytest.raises(EMSInfeasibleError) as ei:
        solve_ems(inst, "mclp", k=k, region_targets={r: min(1.0, best[r] + 0.02)})
    assert r in str(ei.value) and f"{best[r]:.1%}" in str(ei.value)
    assert ei.value.binding[r]["best_share"] == pytest.approx(best[r])
    assert bruteforce_ems(inst, "mclp", k=k, region_targets={r: min(1.0, best[r] + 0.02)}) is None


def test_jointly_infeasible_region_targets_listed():
    # two regions far apart; each can be fully covered by its own candidate, but k = 1
    drive = np.array([[2.0, 90.0], [3.0, 90.0], [90.0, 2.0], [90.0, 4.0]])
    inst = EMSInstance(["n1", "n2", "m1", "m2"], [10.0, 10.0, 10.0, 10.0],
                       ["Nordjylland", "Nordjylland", "Midtjylland", "Midtjylland"], ["A", "A", "B", "B"],
                       ["N", "M"], drive, np.zeros((4, 2), dtype=bool), existing=[])
    targets = {"Nordjylland": 0.9, "Midtjylland": 0.9}
    assert bruteforce_ems(inst, "mclp", k=1, region_targets=targets) is None
    with pytest.raises(EMSInfeasibleError) as ei:
        solve_ems(inst, "mclp", k=1, region_targets=targets)
    msg = str(ei.value)
    assert "Nordjylland" in msg and "Midtjylland" in msg and "combination" in msg
    assert ei.value.binding["Nordjylland"]["best_share"] == pytest.approx(1.0)
    assert solve_ems(inst, "mclp", k=2, region_targets=targets).value == pytest.approx(40.0)


def test_dsm_hard_T2_infeasible_then_soft():
    inst = make_instance(11)
    kw = {"k": 1, "T1": 12.0, "T2": 18.0}
    assert bruteforce_ems(inst, "dsm", **kw) is None
    with pytest.raises(EMSInfeasibleError, match="T2"):
        solve_ems(inst, "dsm", **kw)
    soft = solve_ems(inst, "dsm", t2_penalty=3.0, **kw)
    assert soft.value == pytest.approx(bruteforce_ems(inst, "dsm", t2_penalty=3.0, **kw).value)
    assert soft.extra["outside_T2"] > 0


def test_lscp_budget_too_small_reports_needed_units():
    inst = make_instance(12)
    need = len(solve_ems(inst, "lscp").new)
    assert need >= 2
    with pytest.raises(EMSInfeasibleError, match=f"needs {need} new unit"):
        solve_ems(inst, "lscp", k=need - 1)


def test_budget_respected():
    inst = make_instance(13, n=40, m=10)
    plan = solve_ems(inst, "mclp", budget_mio_kr=7.5)
    assert plan.cost_mio_kr <= 7.5 + 1e-9
    assert plan.value == pytest.approx(bruteforce_ems(inst, "mclp", budget_mio_kr=7.5).value)


def test_no_free_candidates():
    inst = make_instance(14, m=4, n_existing=4)
    plan = solve_ems(inst, "mclp", k=2)
    assert plan.new == [] and plan.covered_after == plan.covered_before == plan.value


def _base(**over):
    d = dict(demand_ids=["a", "b"], demand_weight=[1.0, 2.0], demand_region=["R", "R"],
             demand_catchment=["C", "C"], station_ids=["s0", "s1", "s2"],
             drive_min=np.ones((2, 3)), uses_ferry=np.zeros((2, 3), dtype=bool), existing=[0])
    d.update(over)
    return d


@pytest.mark.parametrize("over,match", [
    ({"drive_min": np.ones((3, 2))}, "drive_min has shape"),
    ({"uses_ferry": np.zeros((2, 2), dtype=bool)}, "uses_ferry has shape"),
    ({"demand_weight": [1.0, -2.0]}, "non-negative"),
    ({"demand_weight": [1.0, np.nan]}, "NaN"),
    ({"drive_min": np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]])}, "NaN"),
    ({"drive_min": -np.ones((2, 3))}, "non-negative"),
    ({"existing": [3]}, "out of range"),
    ({"existing": [-1]}, "out of range"),
    ({"existing": [1, 1]}, "duplicate"),
    ({"demand_region": ["R"]}, "demand_region has length"),
    ({"uses_ferry": np.full((2, 3), np.nan)}, "uses_ferry must be boolean"),
    ({"station_ids": ["s0", "s0", "s2"]}, "duplicates"),
    ({"unit_cost_mio_kr": [1.0, 2.0]}, "unit_cost_mio_kr has length"),
    ({"delay_min": -1.0}, "delay_min"),
])
def test_bad_input_rejected(over, match):
    with pytest.raises(ValueError, match=match):
        EMSInstance(**_base(**over))


@pytest.mark.parametrize("kind,kw,match", [
    ("pmedian", {}, "unknown kind"),
    ("mclp", {}, "needs k"),
    ("mclp", {"k": 1, "budget_mio_kr": 3.0}, "no unit_cost_mio_kr"),
    ("mclp", {"k": 1, "region_targets": {"Atlantis": 0.5}}, "unknown region"),
    ("dsm", {"k": 1, "T1": 20.0, "T2": 10.0}, "must not exceed"),
    ("mclp", {"k": -1}, "non-negative integer"),
    ("lscp", {"target_share": 1.5}, "share"),
    ("mexclp", {"k": 1, "busy_fraction": 1.0}, "busy_fraction"),
    ("mclp", {"k": 1, "T1": 10.0}, "only used by kind='dsm'"),
])
def test_bad_model_arguments_rejected(kind, kw, match):
    inst = EMSInstance(**_base())
    with pytest.raises(ValueError, match=match):
        build_ems_model(inst, kind, **kw)


# ------------------------------------------------------------------------------------------ spopt peer
def _pulp_solver():
    pulp = pytest.importorskip("pulp")
    avail = pulp.listSolvers(onlyAvailable=True)
    if "HiGHS" in avail:
        return pulp.HiGHS(msg=False)
    if "PULP_CBC_CMD" in avail:
        return pulp.PULP_CBC_CMD(msg=False)
    pytest.skip(f"no usable pulp solver in {avail}")


@pytest.mark.parametrize("seed", [21, 22])
def test_spopt_cross_check_lscp_and_mclp(seed):
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    solver = _pulp_solver()
    inst = make_instance(seed, n=40, m=10)
    T = 15.0
    reach = inst.covers(T).any(axis=1)
    sub = inst.subset_demand(reach)  # spopt's LSCP must cover every row
    cost = np.where(sub.uses_ferry, 1e6, sub.delay_min + sub.drive_min)
    predefined = np.zeros(sub.n_stations, dtype=int)
    predefined[sub.existing] = 1

    lscp = spopt_locate.LSCP.from_cost_matrix(cost, service_radius=T + 1e-9,
                                              predefined_facilities_arr=predefined)
    lscp = lscp.solve(solver)
    ours = solve_ems(sub, "lscp", T=T)
    assert pulp.value(lscp.problem.objective) == pytest.approx(len(sub.existing) + len(ours.new))

    k = 2
    cost_full = np.where(inst.uses_ferry, 1e6, inst.delay_min + inst.drive_min)
    pre_full = np.zeros(inst.n_stations, dtype=int)
    pre_full[inst.existing] = 1
    mclp = spopt_locate.MCLP.from_cost_matrix(cost_full, inst.demand_weight, service_radius=T + 1e-9,
                                              p_facilities=len(inst.existing) + k,
                                              predefined_facilities_arr=pre_full)
    mclp = mclp.solve(solver)
    assert pulp.value(mclp.problem.objective) == pytest.approx(solve_ems(inst, "mclp", T=T, k=k).value)
