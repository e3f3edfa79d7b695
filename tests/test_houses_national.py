"""Model 2 on the national data: GeoNames towns + akutsygehus sites as candidates, Nærhedsfond budget."""
from __future__ import annotations

import numpy as np
import pytest

from sundhed.model.houses import KBH_FRB_CAP_MIO_KR, MAXMIN_EPSILON
from sundhed.model.national_houses import DEFAULT_HOUSE_TYPES, house_instance
from sundhed.solvers.highs import SolveOptions
from sundhed.solvers.houses import solve_houses

OPT = SolveOptions(mip_gap=1e-4, time_limit=300)


@pytest.fixture(scope="module")
def inst(ds):
    return house_instance(ds)


@pytest.fixture(scope="module")
def plan(inst):
    return solve_houses(inst, "coverage", OPT, compute_marginal=False)


def state_spend(inst, chosen) -> float:
    cost = {t.name: t.cost_mio_kr for t in inst.house_types}
    new = chosen[~chosen["existing"]]
    return float(sum((1 - inst.share_of(k)) * cost[t] for k, t in zip(new["kommune"], new["type"])))


def test_default_types_match_domain_budget():
    big, gp = DEFAULT_HOUSE_TYPES
    assert 25 * big.cost_mio_kr * 0.75 + 100 * gp.cost_mio_kr * 0.75 == pytest.approx(3000.0)


def test_instance_shape(ds, inst):
    assert inst.n_demand == len(ds.demand)
    n_towns = int((ds.towns["geonames_befolkning"] >= 2000).sum())
    assert inst.n_sites == n_towns + len(ds.hospitals)
    assert any(s.startswith("H") for s in inst.site_ids) and any(s.startswith("T") for s in inst.site_ids)
    assert inst.demand_weight.sum() == pytest.approx(ds.kommuner["befolkning"].sum(), rel=1e-6)
    assert len(set(inst.demand_catchment)) == 21
    # H-columns are the hospital matrix itself: a house at a hospital is as far as the hospital
    assert np.allclose(inst.hospital_min, inst.travel_min[:, [inst.site_ids.index(f"H{a}") for a in
                                                           ds.hospitals["akut_id"]]].min(axis=1))


def test_national_coverage_plan(inst, plan):
    s = plan.stats
    assert s.optimal or s.gap <= 1e-3
    spend = state_spend(inst, plan.chosen_sites)
    assert spend == pytest.approx(plan.state_spend_mio_kr)
    assert spend <= inst.budget_mio_kr + 1e-6
    (codes, cap), = KBH_FRB_CAP_MIO_KR.items()
    cs = plan.chosen_sites
    new = cs[~cs["existing"]]
    assert state_spend(inst, new[new["kommune"].isin(codes)]) <= cap + 1e-6 and cap == 150.0
    assert plan.covered_after >= plan.covered_before - 1e-6
    assert plan.covered_after > plan.covered_before  # 3 mia. kr. must buy some coverage
    assert len(plan.per_catchment) == 21
    # covered recomputed from the chosen sites
    cols = [inst.site_ids.index(s) for s in cs["site_id"]]
    cov = (inst.hospital_min <= inst.coverage_minutes) | (inst.travel_min[:, cols] <= inst.coverage_minutes).any(1)
    assert float(inst.demand_weight @ cov) == pytest.approx(plan.covered_after, rel=1e-9)


def test_smaller_budget_covers_no_more(ds, plan):
    small = house_instance(ds, budget_mio_kr=300.0)
    p = solve_houses(small, "coverage", OPT, compute_marginal=False)
    assert p.state_spend_mio_kr <= 300.0 + 1e-6
    assert p.covered_after <= plan.covered_after + 1e-6
    assert p.covered_after >= p.covered_before - 1e-6


def test_existing_and_elderly(ds):
    inst = house_instance(ds, existing=["H1"], weight="elderly", budget_mio_kr=0.0)
    j = inst.site_ids.index("H1")
    assert inst.existing == ((j, 0),)
    assert inst.house_types[0].name == "stort sundhedshus"
    tot65 = ds.kommuner["aeldre_65plus_estimeret"].sum()
    assert inst.demand_weight.sum() == pytest.approx(tot65, rel=1e-6)
    p = solve_houses(inst, "coverage", OPT, compute_marginal=False)
    assert p.state_spend_mio_kr == 0.0 and list(p.chosen_sites["site_id"]) == ["H1"]


def test_bad_input(ds):
    with pytest.raises(ValueError, match="T999999999"):
        house_instance(ds, existing=["T999999999"])
    with pytest.raises(ValueError, match="nowhere"):
        house_instance(ds, existing=["nowhere"])
    with pytest.raises(ValueError, match="budget"):
        house_instance(ds, budget_mio_kr=-1.0)
    with pytest.raises(ValueError, match="weight"):
        house_instance(ds, weight="children")
    with pytest.raises(ValueError, match="catchment"):
        house_instance(ds, catchment_of={101: "Bispebjerg"})


@pytest.mark.slow
def test_chain_catchments_then_houses(ds):
    """A chained solve: Model 1's optimal catchments feed Model 2's equity rule per catchment, at the tight
    600 mio. kr. (moved to 3 mia. kr. earlier because it was slow). Proven within 0.1 % in the 60 s limit through
    the per-catchment spend bound (solvers/maxmin_bound.py; measured 22 s, 0.091 %, benchmarks/speed.py)."""
    from sundhed.model.catchments import CatchmentRules
    from sundhed.model.national import catchment_instance
    from sundhed.solvers.catchments import solve_catchments

    cres = solve_catchments(catchment_instance(ds), CatchmentRules(), None, SolveOptions(time_limit=300))
    inst = house_instance(ds, catchment_of=cres.assignment, budget_mio_kr=600.0)
    chained = solve_houses(inst, "maxmin", SolveOptions(mip_gap=1e-4, time_limit=60, progress=False),
                           compute_marginal=False)
    s = chained.stats
    assert s.bound >= s.objective - 1e-9 and s.gap <= 1e-3  # issue #14's target: proven within 0.1 %
    assert s.optimal == (s.gap <= 1e-4)
    # the objective is the plan's own worst share + epsilon * total share, recomputed from its tables
    pc_all = chained.per_catchment
    worst = float(pc_all.loc[pc_all["weight"] > 0, "share_after"].min())
    assert s.objective == pytest.approx(worst + MAXMIN_EPSILON * chained.covered_after / chained.total_weight, abs=1e-6)
    assert set(chained.per_catchment["catchment"]) - {"I alt", "Total", "total"} <= set(cres.assignment.values())
    assert state_spend(inst, chained.chosen_sites) <= 600.0 + 1e-6
    # new houses never lower a catchment's covered share, and the worst catchment improves
    pc = chained.per_catchment[chained.per_catchment["catchment"].isin(set(cres.assignment.values()))]
    assert (pc["share_after"] >= pc["share_before"] - 1e-9).all()
    assert pc["share_after"].min() > pc["share_before"].min()


def test_merged_national_model_has_fewer_rows(inst):
    """Sogn points with the same sites within 20 min (and no hospital within 20 min) share one model row:
    the capacitated national coverage model has fewer rows and variables, the same weight in them."""
    from sundhed.model.houses import build_house_model

    merged = build_house_model(inst, "coverage", capacity=True)
    single = build_house_model(inst, "coverage", capacity=True, merge=False)
    assert merged._house_meta["n_groups"] < 0.7 * single._house_meta["n_groups"]
    assert merged.nconstraints() < single.nconstraints() and merged.nvariables() < single.nvariables()
    g = merged._house_meta["group_of"]
    w = inst.demand_weight
    assert float(w[g >= 0].sum()) == pytest.approx(float(w[single._house_meta["group_of"] >= 0].sum()))
