"""HighsSession: a second solve of the same model hands HiGHS only the new row and objective, with the optimum
of a fresh solve (brute force over all 0/1 plans)."""
from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.appsi.solvers import Highs

from sundhed.solvers.highs import HighsSession, SolveOptions, solve_with_highs

OPT = SolveOptions(mip_gap=0.0, progress=False)


def knapsack(seed: int, n: int = 10):
    rng = np.random.default_rng(seed)
    value, weight = rng.integers(1, 30, n).astype(float), rng.integers(1, 20, n).astype(float)
    cap = float(weight.sum() // 2)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n - 1)
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    m.cap = pyo.Constraint(expr=sum(weight[i] * m.x[i] for i in m.I) <= cap)
    m.obj = pyo.Objective(expr=sum(value[i] * m.x[i] for i in m.I), sense=pyo.maximize)
    return m, value, weight, cap


def brute(value, weight, cap):
    """(best value, least weight among the plans of best value)."""
    plans = [np.array(p) for p in itertools.product((0, 1), repeat=len(value)) if np.dot(p, weight) <= cap]
    best = max(float(np.dot(p, value)) for p in plans)
    return best, min(float(np.dot(p, weight)) for p in plans if np.dot(p, value) == best)


def second_stage(m, weight, best):
    """Keep the value, minimise the weight: what the houses' "cheapest of the optimal plans" stage does."""
    expr = m.obj.expr
    m.obj.deactivate()
    m.keep = pyo.Constraint(expr=expr >= best - 1e-6)
    m.light = pyo.Objective(expr=sum(weight[i] * m.x[i] for i in m.I), sense=pyo.minimize)


@pytest.mark.parametrize("seed", range(6))
def test_session_second_solve_matches_brute_force_without_a_new_instance(seed, monkeypatch):
    m, value, weight, cap = knapsack(seed)
    best, lightest = brute(value, weight, cap)
    calls = []
    real = Highs.set_instance
    monkeypatch.setattr(Highs, "set_instance", lambda self, model: (calls.append(1), real(self, model))[1])

    session = HighsSession()
    st1 = solve_with_highs(m, OPT, session=session)
    assert st1.optimal and st1.objective == pytest.approx(best)
    second_stage(m, weight, st1.objective)
    start = [(m.x[i], round(m.x[i].value)) for i in m.I]
    st2 = solve_with_highs(m, OPT, start=start, session=session)
    assert len(calls) == 1  # the second solve reused the first instance
    assert st2.optimal and st2.objective == pytest.approx(lightest)
    chosen = np.array([round(m.x[i].value) for i in m.I])
    assert float(chosen @ value) == pytest.approx(best) and float(chosen @ weight) <= cap

    fresh, *_ = knapsack(seed)  # the same two stages without a session: the same answers
    f1 = solve_with_highs(fresh, OPT)
    second_stage(fresh, weight, f1.objective)
    assert solve_with_highs(fresh, OPT).objective == pytest.approx(st2.objective)
    assert len(calls) == 3


def test_session_given_another_model_starts_a_new_instance():
    a, va, wa, ca = knapsack(1)
    b, vb, wb, cb = knapsack(2)
    session = HighsSession()
    assert solve_with_highs(a, OPT, session=session).objective == pytest.approx(brute(va, wa, ca)[0])
    assert solve_with_highs(b, OPT, session=session).objective == pytest.approx(brute(vb, wb, cb)[0])
    assert session.model_id == id(b)


def test_stop_when_stops_the_solve_with_its_best_plan():
    """A multi-constraint knapsack that needs branching: stopped at the first check, HiGHS returns the MIP start
    (or better) with status 'interrupted', not proven."""
    rng = np.random.default_rng(3)
    n, k = 60, 5
    value, weight = rng.integers(10, 100, n).astype(float), rng.integers(5, 60, (k, n)).astype(float)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n - 1)
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    m.cap = pyo.Constraint(range(k), rule=lambda b, r: sum(weight[r, i] * b.x[i] for i in b.I) <= weight[r].sum() / 3)
    m.obj = pyo.Objective(expr=sum(value[i] * m.x[i] for i in m.I), sense=pyo.maximize)
    seen = []
    st = solve_with_highs(m, OPT, start=[(m.x[i], 0.0) for i in m.I],
                          stop_when=lambda t, gap: seen.append((t, gap)) or True)
    assert seen and st.status == "interrupted" and not st.optimal
    chosen = np.array([round(m.x[i].value) for i in m.I])
    assert (weight @ chosen <= weight.sum(axis=1) / 3 + 1e-6).all() and float(chosen @ value) == pytest.approx(st.objective)
    assert solve_with_highs(m, OPT).objective >= st.objective  # the full solve goes further
