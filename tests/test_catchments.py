"""Model 1: MIP optimum equals brute force on small instances; national solve; Table B.1; errors."""
import numpy as np
import pytest

from sundhed.model.catchments import CatchmentInstance, CatchmentRules
from sundhed.model.evaluate import evaluate_plan
from sundhed.solvers.bruteforce_catchments import catchments_bruteforce, catchments_feasible, catchments_objective_terms
from sundhed.solvers.catchments import CatchmentInfeasible, solve_catchments
from sundhed.solvers.highs import SolveOptions

EXACT = SolveOptions(mip_gap=0.0, time_limit=60)


def small_instance(seed: int, n: int = 9) -> CatchmentInstance:
    """A 3×3 grid of kommuner (plus a ferry island edge), 3 hospitals, two regions."""
    rng = np.random.default_rng(seed)
    codes = tuple(range(1, n + 1))
    xy = np.array([(i % 3, i // 3) for i in range(n)], float)
    edges = [(a + 1, b + 1) for a in range(n) for b in range(a + 1, n)
             if abs(xy[a] - xy[b]).sum() == 1]
    edges.append((1, 9))  # a "ferry" shortcut
    hosp_k = (1, 5, 9)
    hxy = xy[[k - 1 for k in hosp_k]]
    minutes = 10 * np.sqrt(((xy[:, None, :] - hxy[None]) ** 2).sum(-1)) + rng.uniform(0, 5, (n, 3))
    minutes[[k - 1 for k in hosp_k], [0, 1, 2]] = rng.uniform(0, 2, 3)
    region = tuple("A" if i < 6 else "B" for i in range(n))
    pop = rng.integers(20, 120, n).astype(float) * 1000
    base = {k: ("H1", "H2", "H3")[int(np.argmin(minutes[k - 1]))] for k in codes}
    for k, h in zip(hosp_k, ("H1", "H2", "H3")):
        base[k] = h
    return CatchmentInstance(codes, pop, region, ("H1", "H2", "H3"), ("A", "A", "B"), hosp_k, minutes,
                             tuple(edges), baseline=base)


RULESETS = [
    CatchmentRules(region_rule=False, band=(100_000, 250_000), band_exceptions=()),
    CatchmentRules(region_rule=True, band=(100_000, 250_000), band_exceptions=("H3",)),
    CatchmentRules(region_rule=False, band=(120_000, 300_000), band_hard=True, band_exceptions=()),
    CatchmentRules(region_rule=False, band=None, fixed={2: "H3"}, forbidden=((4, "H1"),)),
]
WEIGHTS = [{"travel": 1.0}, {"max_travel": 1.0}, {"moves": 1.0, "travel": 0.01}, {"band": 1.0, "travel": 0.001},
           {"travel": 1.0, "band": 0.05}]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rules", RULESETS, ids=["soft", "region", "hardband", "fixed"])
@pytest.mark.parametrize("weights", WEIGHTS, ids=["travel", "max", "moves", "band", "mixed"])
def test_mip_equals_bruteforce(seed, rules, weights):
    inst = small_instance(seed)
    best, _ = catchments_bruteforce(inst, rules, weights)
    if best is None:
        with pytest.raises(CatchmentInfeasible):
            solve_catchments(inst, rules, weights, EXACT)
        return
    res = solve_catchments(inst, rules, weights, EXACT)
    assert catchments_feasible(inst, rules, res.assignment)
    terms = catchments_objective_terms(inst, rules, res.assignment)
    got = sum(w * terms[n] for n, w in weights.items())
    assert got == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert res.final_stats.optimal


def test_lexicographic_matches_bruteforce():
    inst = small_instance(3)
    rules = CatchmentRules(region_rule=False, band=None)
    best_max, _ = catchments_bruteforce(inst, rules, {"max_travel": 1.0})
    res = solve_catchments(inst, rules, ["max_travel", "travel"], EXACT)
    terms = catchments_objective_terms(inst, rules, res.assignment)
    assert terms["max_travel"] == pytest.approx(best_max, abs=1e-5)
    # among plans with that max, travel is minimal (brute force with a dominant max weight)
    best_mix, _ = catchments_bruteforce(inst, rules, {"max_travel": 1e6, "travel": 1.0})
    assert 1e6 * terms["max_travel"] + terms["travel"] == pytest.approx(best_mix, rel=1e-9, abs=1e-3)


def test_hard_band_infeasible_names_rule_and_catchment():
    inst = small_instance(0)
    with pytest.raises(CatchmentInfeasible) as err:
        solve_catchments(inst, CatchmentRules(region_rule=False, band=(400_000, 500_000), band_hard=True,
                                              band_exceptions=()), {"travel": 1.0}, EXACT)
    assert err.value.rule == "hard population band"
    assert err.value.catchments and all(c in str(err.value) for c in err.value.catchments)


def test_bad_objective_and_hospital_names():
    inst = small_instance(0)
    with pytest.raises(ValueError, match="unknown objective"):
        solve_catchments(inst, CatchmentRules(), {"speed": 1.0})
    with pytest.raises(ValueError, match="unknown hospital"):
        solve_catchments(inst, CatchmentRules(fixed={2: "Nowhere"}))


# ---- national instance ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def national(ds):
    from sundhed.model.national import catchment_instance
    return catchment_instance(ds)


def test_baseline_evaluated(national, ds):
    score = evaluate_plan(national, national.baseline)
    assert len(score.per_kommune) == 98
    assert score.disconnected == [] and score.region_breaks == []
    # with 2020 population and no exceptions: B.1's 8 plus Aalborg (400,343 > 400,000)
    score_noexc = evaluate_plan(national, national.baseline, CatchmentRules(band_exceptions=()))
    assert sorted(score_noexc.band_violations) == sorted(
        ["Bispebjerg", "Herlev", "Bornholm", "Holbæk", "Nykøbing F", "Odense", "Thisted", "Hjørring", "Aalborg"])


def test_model_reproduces_table_b1_exactly(national):
    """Minimising moves under contiguity and the region rule returns Table B.1 itself."""
    res = solve_catchments(national, CatchmentRules(), ["moves"], EXACT)
    assert res.assignment == national.baseline
    assert res.score.moves == 0


def test_national_solve_proven_optimal(national):
    res = solve_catchments(national, CatchmentRules(), None, SolveOptions(mip_gap=1e-6, time_limit=300))
    assert res.final_stats.optimal and res.final_stats.gap <= 1e-4
    assert res.score.disconnected == [] and res.score.region_breaks == []
    base = evaluate_plan(national, national.baseline)
    # the optimum is at least as good as the baseline on its own weighted objective
    bterms = catchments_objective_terms(national, CatchmentRules(), national.baseline)
    assert res.final_stats.objective <= bterms["travel"] + 0.01 * bterms["band"] + 1e-6
    assert base.mean_minutes > 0


def test_national_hard_band_names_bispebjerg(national):
    with pytest.raises(CatchmentInfeasible) as err:
        solve_catchments(national, CatchmentRules(band_hard=True), None, SolveOptions(time_limit=120))
    assert "Bispebjerg" in err.value.catchments


def test_scenario_knobs_close_and_add(ds):
    """Number of catchments is an input: close Thisted (20), add Frederiksberg (22)."""
    from sundhed.model.national import catchment_instance

    closed = catchment_instance(ds, close=("Thisted",))
    res = solve_catchments(closed, CatchmentRules(band_exceptions=("Bornholm", "Nykøbing F")), None,
                           SolveOptions(time_limit=300))
    assert len(closed.hospitals) == 20 and "Thisted" not in set(res.assignment.values())
    assert res.score.disconnected == [] and res.score.region_breaks == []
    assert res.assignment[787] in {"Aalborg", "Hjørring"}  # Thisted kommune stays in Nordjylland
    added = catchment_instance(ds, add=({"navn": "Frederiksberg", "lat": 55.68515, "lon": 12.52496},))
    res22 = solve_catchments(added, CatchmentRules(), None, SolveOptions(time_limit=300))
    assert len(added.hospitals) == 22 and res22.assignment[147] == "Frederiksberg"
    assert res22.score.disconnected == []
    with pytest.raises(ValueError, match="outside every kommune"):
        catchment_instance(ds, add=({"navn": "Hav", "lat": 56.5, "lon": 11.5},))
