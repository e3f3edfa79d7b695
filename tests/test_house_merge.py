"""Merged demand rows in the sundhedshus model (model.houses ``merge``): points with identical coverage rows (and,
for maxmin, catchment) become one row with their summed weight. Checked against brute force and against the
one-row-per-point model on small instances built with duplicated rows, with capacities on and off."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sundhed.model.grouping import group_points
from sundhed.model.houses import HouseInstance, build_house_model
from sundhed.solvers.bruteforce import houses_bruteforce, houses_evaluate
from sundhed.solvers.highs import SolveOptions, solve_with_highs
from sundhed.solvers.houses import solve_houses
from test_houses import TIGHT, check_plan, make_instance

OPT = SolveOptions(mip_gap=0.0, time_limit=60, threads=1, progress=False)


def with_duplicates(seed: int, copies: int = 6, **kw) -> HouseInstance:
    """``make_instance`` plus ``copies`` extra points that copy another point's travel row and hospital time
    (other weight); every second copy is put in the other catchment, so maxmin must keep it apart."""
    base = make_instance(seed, n=14, m=6, types=TIGHT, **kw)
    rng = np.random.default_rng(seed + 100)
    src = rng.integers(0, base.n_demand, copies)
    other = {"syd": "nord", "nord": "syd"}
    cat = list(base.demand_catchment) + [base.demand_catchment[s] if c % 2 else other[base.demand_catchment[s]]
                                         for c, s in enumerate(src)]
    return dataclasses.replace(
        base, demand_ids=list(base.demand_ids) + [f"copy{c}" for c in range(copies)],
        demand_weight=np.concatenate([base.demand_weight, rng.integers(1, 21, copies).astype(float)]),
        demand_kommune=np.concatenate([base.demand_kommune, base.demand_kommune[src]]),
        demand_catchment=cat, travel_min=np.vstack([base.travel_min, base.travel_min[src]]),
        hospital_min=np.concatenate([base.hospital_min, base.hospital_min[src]]), site_catchment=base.site_catchment)


def _optimum(inst: HouseInstance, objective: str, capacity: bool, merge: bool) -> tuple[float, int]:
    mdl = build_house_model(inst, objective, capacity=capacity, merge=merge)
    st = solve_with_highs(mdl, OPT)
    assert st.optimal
    return st.objective, len(mdl.x)


CASES = [(seed, obj, cap) for seed in (1, 2, 3) for obj in ("coverage", "maxmin") for cap in (False, True)]


@pytest.mark.parametrize("seed, objective, capacity", CASES)
def test_merged_model_has_the_brute_force_optimum(seed, objective, capacity):
    inst = with_duplicates(seed)
    bf = houses_bruteforce(inst, objective, capacity=capacity)
    assert bf is not None
    merged, rows_merged = _optimum(inst, objective, capacity, merge=True)
    single, rows_single = _optimum(inst, objective, capacity, merge=False)
    assert merged == pytest.approx(bf.objective_value, rel=1e-7, abs=1e-5)  # HiGHS feasibility tolerance 1e-6
    assert single == pytest.approx(bf.objective_value, rel=1e-7, abs=1e-5)  # HiGHS feasibility tolerance 1e-6
    assert rows_merged < rows_single  # the copies share rows


@pytest.mark.parametrize("seed, objective, capacity", CASES)
def test_merged_plan_expands_to_every_point(seed, objective, capacity):
    """The plan built from the merged model has one assignment per original point; its tables re-check (every
    point fully assigned, loads within capacity) and its objective recomputed from the data is the optimum."""
    inst = with_duplicates(seed, existing=[(1, "praksis")])
    plan = solve_houses(inst, objective, OPT, capacity=capacity, compute_marginal=False)
    check_plan(inst, plan, capacity)
    assert len(plan.demand) == inst.n_demand
    new = [(int(j), next(q for q, t in enumerate(inst.house_types) if t.name == ty))
           for j, ty in zip(plan.new_sites["site_index"], plan.new_sites["type"])]
    assert houses_evaluate(inst, new, objective, capacity=capacity) == pytest.approx(plan.objective_value, abs=1e-5)
    bf = houses_bruteforce(inst, objective, capacity=capacity)
    assert bf is not None and plan.objective_value == pytest.approx(bf.objective_value, abs=1e-5)
    if objective == "coverage":  # covered inhabitants from the per-point table = the objective
        assert plan.covered_after == pytest.approx(plan.objective_value, abs=1e-4)
    # copies of one point with the same catchment have the same covered share
    key = [tuple(inst.travel_min[i].round(9)) + (inst.demand_catchment[i],) for i in range(inst.n_demand)]
    share = dict()
    for k, c in zip(key, plan.demand["covered_after"]):
        if inst.hospital_min[key.index(k)] > inst.coverage_minutes:
            assert share.setdefault(k, c) == pytest.approx(c, abs=1e-9)


def test_group_points_keys():
    rows = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [1, 0, 1]], dtype=bool)
    rep, inv, idx = group_points(np.array([True, True, True, False]), [rows])
    assert idx.tolist() == [0, 1, 2] and sorted(rep.tolist()) == [0, 2]
    assert rep[inv].tolist() == [0, 0, 2]
    rep2, inv2, _ = group_points(np.ones(4, dtype=bool), [rows], np.array([5, 6, 5, 5]))
    assert sorted(rep2.tolist()) == [0, 1, 2]  # point 1 differs by its code; point 3 joins point 0
    assert rep2[inv2].tolist() == [0, 1, 2, 0]
