"""Solver progress on stderr and time limits that return the best plan, marked not proven (solvers/highs.py)."""
from __future__ import annotations

import io
import math
import re

import pytest
from sundhed.model.houses import build_house_model
from sundhed.solvers import highs
from sundhed.solvers.highs import SolveOptions, SolveProgress, solve_with_highs
from sundhed.solvers.house_start import greedy_builds
from sundhed.solvers.houses import solve_houses
from test_houses import check_plan, make_instance


class _Out:
    def __init__(self, best, bound, gap, nodes):
        self.mip_primal_bound, self.mip_dual_bound, self.mip_gap, self.mip_node_count = best, bound, gap, nodes


class _Event:
    def __init__(self, *a):
        self.data_out = _Out(*a)


def test_progress_line_has_elapsed_best_bound_gap():
    clock = iter([0.0, 12.0, 12.0])
    p = SolveProgress("houses", stream=io.StringIO(), clock=lambda: next(clock))
    p.on_event(_Event(5_541_769.0, 5_551_229.0, 0.0017, 306))
    assert p.line() == "highs houses: 12 s, best plan 5,541,769, bound 5,551,229, gap 0.170 %, 306 nodes"
    p2 = SolveProgress(stream=io.StringIO(), clock=lambda: 3.0, t0=0.0)
    assert p2.line() == "highs: 3.0 s, no plan yet (presolve / root LP)"


def _hard():
    """A capacitated maxmin instance HiGHS does not prove within a second."""
    return make_instance(3, n=1500, m=150, budget=400.0)


def test_long_solve_prints_progress_and_time_limit_returns_the_start(capsys):
    inst = _hard()
    mdl = build_house_model(inst, "maxmin", capacity=True)
    builds = greedy_builds(inst, mdl, True)
    start = [(mdl.build[p], 1.0 if tuple(p) in builds else 0.0) for p in mdl.B]
    st = solve_with_highs(mdl, SolveOptions(time_limit=1.0, progress_after_s=0.0, progress_every_s=0.2,
                                            label="test"), start=start)
    err = capsys.readouterr().err.splitlines()
    ticks = [ln for ln in err if ln.startswith("highs test: ") and "done" not in ln]
    assert len(ticks) >= 2 and all(" s, " in ln for ln in ticks)  # elapsed seconds, then the state
    assert err[-1].startswith("highs test: done in") and "NOT proven optimal (maxTimeLimit)" in err[-1]
    # a time limit returns the best plan, with its gap, marked not proven
    assert st.status == "maxTimeLimit" and not st.optimal
    assert math.isfinite(st.objective) and st.gap > 0
    chosen = {tuple(p) for p in mdl.B if mdl.build[p].value > 0.5}
    sc = inst.state_cost_matrix()
    assert sum(sc[p] for p in chosen) <= inst.budget_mio_kr + 1e-9


def test_quiet_turns_progress_off(capsys):
    inst = _hard()
    mdl = build_house_model(inst, "coverage", capacity=True)
    start = [(mdl.build[p], 0.0) for p in mdl.B]  # the empty plan: feasible, so the time limit returns it
    highs.set_progress(False)
    try:
        solve_with_highs(mdl, SolveOptions(time_limit=1.0, progress_after_s=0.0, progress_every_s=0.1), start=start)
    finally:
        highs.set_progress(True)
    assert "highs" not in capsys.readouterr().err
    solve_with_highs(mdl, SolveOptions(time_limit=1.0, progress=False, progress_after_s=0.0), start=start)
    assert "highs" not in capsys.readouterr().err


def test_tiny_time_limit_gives_a_feasible_plan_marked_not_proven(monkeypatch):
    import sundhed.solvers.houses as SH

    def no_second_stage(*a, **k):
        raise AssertionError("the cheapest-plan stage ran after an unproven first stage")

    monkeypatch.setattr(SH, "_cheapest_among_optimal", no_second_stage)
    inst = _hard()
    plan = solve_houses(inst, "coverage", SolveOptions(time_limit=0.5, progress=False), capacity=True)
    assert not plan.stats.optimal
    assert plan.marginal_value_per_mio_kr is None  # not a difference of two unproven solves
    assert any("marginal value not computed: the plan is not proven optimal" in n for n in plan.notes)
    assert any("not proven optimal" in n for n in plan.notes)
    assert any("cheapest-plan stage skipped" in n for n in plan.notes)
    check_plan(inst, plan, capacity=True)
    assert plan.covered_after > plan.covered_before  # the greedy start already buys coverage


@pytest.mark.slow
def test_national_houses_with_capacity_tiny_time_limit(ds):
    from sundhed.model.national_houses import house_instance

    inst = house_instance(ds)
    plan = solve_houses(inst, "coverage", SolveOptions(time_limit=1.0, progress=False), capacity=True,
                        compute_marginal=False)
    assert plan.stats.status == "maxTimeLimit" and not plan.stats.optimal
    assert plan.state_spend_mio_kr <= 3000.0 + 1e-6
    assert plan.covered_after / plan.total_weight > 0.95  # the start is within 0.1 % of the 95.34 % optimum


@pytest.mark.slow
def test_national_progress_lines_show_best_plan_bound_and_gap(ds, capsys):
    from sundhed.model.national_houses import house_instance

    inst = house_instance(ds)
    mdl = build_house_model(inst, "coverage", capacity=True)
    builds = greedy_builds(inst, mdl, True)
    start = [(mdl.build[p], 1.0 if tuple(p) in builds else 0.0) for p in mdl.B]
    st = solve_with_highs(mdl, SolveOptions(time_limit=20.0, progress_after_s=0.0, progress_every_s=1.0,
                                            label="national"), start=start)
    err = capsys.readouterr().err.splitlines()
    full = [ln for ln in err if ln.startswith("highs national: ") and "best plan" in ln and "gap" in ln]
    assert full, err
    m = re.search(r"best plan ([\d,]+), bound ([\d,]+), gap ([\d.]+) %", full[-1])
    best, bound, gap = float(m[1].replace(",", "")), float(m[2].replace(",", "")), float(m[3])
    # the printed numbers are the model's own (inhabitants covered): plan <= bound, gap = their distance
    assert best <= bound and best <= st.objective + 1e-6 and bound >= st.objective - 1e-6
    assert gap == pytest.approx(100 * (bound - best) / best, abs=2e-3)
