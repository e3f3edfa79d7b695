"""A plain p-median in Pyomo, for the spopt comparison and the Pyomo-overhead section.

The project's own "median" objective (``model/houses.py``) is a *budgeted* p-median with capacities and a
hospital fallback, so it is not the textbook model spopt solves. This module builds the textbook model,
in the project's style (Pyomo, solved by ``solvers.highs.solve_with_highs``, i.e. APPSI + highspy):

    min  sum_ij w_i d_ij x_ij
    s.t. sum_j x_ij = 1          for every demand point i
         x_ij <= y_j             for every allowed pair (i, j)
         sum_j y_j = p
         y_j binary, 0 <= x_ij <= 1

``x`` is continuous: once ``y`` is integral some optimal ``x`` is integral too (every point goes to its
nearest open site), so the optimum equals that of spopt's all-binary model. ``pairs`` restricts the
allowed (i, j) pairs (the k-nearest sparse variant); ``None`` = every pair (dense).

Two builders with identical models:

* :func:`build_pmedian_rules` - index sets and one Python rule per constraint (how ``model/*.py`` build
  their models);
* :func:`build_pmedian_fast` - the "faster construction path": variables indexed by plain integer
  ranges and every row handed to Pyomo as a ready-made ``LinearExpression`` (coefficient and variable
  lists built from numpy index arrays), skipping the operator-overloading expression system.

:func:`solve_pmedian_highspy` solves the same model with no modelling layer at all (a CSR matrix passed
straight to highspy): the floor any modelling layer can reach.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression


def _pairs(n: int, m: int, pairs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if pairs is None:
        i, j = np.divmod(np.arange(n * m), m)
        return i, j
    rows = np.repeat(np.arange(n), pairs.shape[1])
    return rows, pairs.reshape(-1)


def build_pmedian_rules(cost: np.ndarray, weight: np.ndarray, p: int,
                        pairs: np.ndarray | None = None) -> pyo.ConcreteModel:
    """Textbook Pyomo: sets, indexed variables, one rule per constraint."""
    n, m = cost.shape
    ii, jj = _pairs(n, m, pairs)
    wc = weight[ii] * cost[ii, jj]
    by_i: list[list[int]] = [[] for _ in range(n)]
    for i, j in zip(ii.tolist(), jj.tolist()):
        by_i[i].append(j)
    mdl = pyo.ConcreteModel("pmedian")
    mdl.I = pyo.RangeSet(0, n - 1)
    mdl.J = pyo.RangeSet(0, m - 1)
    mdl.P = pyo.Set(initialize=list(zip(ii.tolist(), jj.tolist())), dimen=2, ordered=True)
    mdl.y = pyo.Var(mdl.J, within=pyo.Binary)
    mdl.x = pyo.Var(mdl.P, bounds=(0.0, 1.0))
    mdl.assign = pyo.Constraint(mdl.I, rule=lambda md, i: pyo.quicksum(md.x[i, j] for j in by_i[i]) == 1)
    mdl.open = pyo.Constraint(mdl.P, rule=lambda md, i, j: md.x[i, j] <= md.y[j])
    mdl.count = pyo.Constraint(expr=pyo.quicksum(mdl.y[j] for j in mdl.J) == p)
    coef = dict(zip(zip(ii.tolist(), jj.tolist()), wc.tolist()))
    mdl.obj = pyo.Objective(expr=pyo.quicksum(coef[i, j] * mdl.x[i, j] for i, j in mdl.P), sense=pyo.minimize)
    mdl.pair_i, mdl.pair_j = ii, jj
    return mdl


def _linear(coefs, vars_) -> LinearExpression:
    return LinearExpression([MonomialTermExpression((c, v)) for c, v in zip(coefs, vars_)])


def build_pmedian_fast(cost: np.ndarray, weight: np.ndarray, p: int,
                       pairs: np.ndarray | None = None) -> pyo.ConcreteModel:
    """The same model, built from numpy index arrays with pre-assembled linear expressions."""
    n, m = cost.shape
    ii, jj = _pairs(n, m, pairs)
    wc = (weight[ii] * cost[ii, jj]).tolist()
    nz = len(ii)
    mdl = pyo.ConcreteModel("pmedian_fast")
    mdl.y = pyo.Var(range(m), within=pyo.Binary)
    mdl.x = pyo.Var(range(nz), bounds=(0.0, 1.0))           # x[k] is pair (ii[k], jj[k])
    xs = [mdl.x[k] for k in range(nz)]
    ys = [mdl.y[j] for j in range(m)]
    starts = np.searchsorted(ii, np.arange(n + 1))           # ii is sorted: rows are contiguous
    mdl.assign = pyo.Constraint(range(n), rule=lambda md, i: (
        1.0, _linear([1.0] * int(starts[i + 1] - starts[i]), xs[starts[i]:starts[i + 1]]), 1.0))
    jl = jj.tolist()
    mdl.open = pyo.Constraint(range(nz), rule=lambda md, k: (
        None, _linear((1.0, -1.0), (xs[k], ys[jl[k]])), 0.0))
    mdl.count = pyo.Constraint(expr=(p, _linear([1.0] * m, ys), p))
    mdl.obj = pyo.Objective(expr=_linear(wc, xs), sense=pyo.minimize)
    mdl.pair_i, mdl.pair_j = ii, jj
    return mdl


def open_sites(mdl: pyo.ConcreteModel) -> list[int]:
    return [int(j) for j in mdl.y if mdl.y[j].value is not None and mdl.y[j].value > 0.5]


def pmedian_value(cost: np.ndarray, weight: np.ndarray, sites, pairs: np.ndarray | None = None) -> float:
    """Objective of a set of open sites (each point to its nearest open allowed site)."""
    sites = np.asarray(sorted(sites))
    c = cost[:, sites]
    if pairs is not None:
        allowed = np.zeros(cost.shape, dtype=bool)
        np.put_along_axis(allowed, pairs, True, axis=1)
        c = np.where(allowed[:, sites], c, np.inf)
    return float((weight * c.min(axis=1)).sum())


def solve_pmedian_highspy(cost: np.ndarray, weight: np.ndarray, p: int, pairs: np.ndarray | None = None,
                          *, mip_gap: float = 1e-6, time_limit: float = 600.0) -> tuple[float, list[int]]:
    """Same model straight into highspy from numpy (no modelling layer). Returns (objective, open sites)."""
    import highspy
    from scipy.sparse import coo_matrix

    n, m = cost.shape
    ii, jj = _pairs(n, m, pairs)
    nz = len(ii)
    # columns: y_0..y_{m-1}, x_0..x_{nz-1}
    ncol = m + nz
    k = np.arange(nz)
    rows = np.concatenate([ii, n + k, n + k, np.full(m, n + nz)])
    cols = np.concatenate([m + k, m + k, jj, np.arange(m)])
    vals = np.concatenate([np.ones(nz), np.ones(nz), -np.ones(nz), np.ones(m)])
    A = coo_matrix((vals, (rows, cols)), shape=(n + nz + 1, ncol)).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, n + nz + 1
    lp.col_cost_ = np.concatenate([np.zeros(m), weight[ii] * cost[ii, jj]])
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.ones(ncol)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(nz, -inf), [p]])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(nz), [p]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * nz
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", mip_gap)
    h.setOptionValue("time_limit", time_limit)
    h.passModel(lp)
    h.run()
    sol = np.asarray(h.getSolution().col_value)
    return float(h.getInfo().objective_function_value), [int(j) for j in np.flatnonzero(sol[:m] > 0.5)]
