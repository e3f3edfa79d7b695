"""A proven lower bound on the state money that every catchment's covered share >= t needs (the maxmin proof).

The maxmin bisection (:mod:`sundhed.solvers.maxmin`) has to prove that *no* plan within the budget gives every
catchment a covered share of at least ``t``. The model's own LP bound is far too weak for that nationally
(at 600 mio. kr., 40 lægehuse: the LP says 36 houses might do where 41 are needed), because a fraction of a
house covers a fraction of a town. Each catchment alone is a small problem, though; only the sites near a
border serve two. This module gives the Dantzig-Wolfe / Lagrangian bound of that structure:

* a *column* is a set of sites that covers share ``t`` of one catchment (its points no hospital or existing
  house covers within T);
* the master LP picks, for every catchment, a convex combination of its columns, and pays each site's state
  cost once through ``y_j >= (weight of the columns of catchment c that use j)`` for every c;
* pricing solves one small MIP per catchment (cheapest cover of its share under the dual prices), and every
  round yields the valid Lagrangian bound ``L(pi) = sum_j min(0, cost_j - sum_c pi_jc) + sum_c v_c(pi_c)``,
  where ``v_c`` is the pricing MIP's proven dual bound (so a pricing MIP stopped early still gives a valid bound).

The dual prices are smoothed (Wentges: price at ``alpha * best + (1 - alpha) * current``), and the master starts
with every minimal cover of the fewest sites (and one more) per catchment where those are few. Any plan's state
spend is a sum of site costs, so when all costs are multiples of one amount ``g`` (15 mio. kr. for the national
lægehuse), a bound above the largest multiple of ``g`` within the budget proves that no plan exists.

The "one house in every catchment / kommune" rules can be passed as groups: each goes into the pricing problem
of the catchment its sites lie in (a catchment with nothing left to cover then still has to pay for its
house). The bound relaxes every other rule of the house model (group caps, a yearly profile): it is a lower
bound on the money the full model needs, never more. Money in mio. kr., shares 0..1, time seconds.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from collections.abc import Callable, Sequence

import numpy as np
from sundhed.model.houses import HouseInstance
from sundhed.solvers.highs import prepare_raw_run
from sundhed.solvers.house_start import spend_step

#: weight of the best dual prices so far in the prices that pricing sees (Wentges smoothing)
SMOOTHING = 0.5

#: largest number of site subsets of one size enumerated for the starting columns of one catchment
SEED_SUBSETS = 200_000

_TOL = 1e-9


@dataclass(frozen=True)
class SpendBound:
    """Outcome of :func:`min_spend_bound` for one target share ``t``.

    bound_mio_kr: proven lower bound on the state spend of any plan giving every catchment share >= t
        (``inf`` when some catchment cannot reach t even with every candidate site).
    infeasible: the bound proves that no plan within the budget reaches t.
    master_mio_kr: value of the last restricted master LP (the Dantzig-Wolfe bound is at most this).
    rounds: pricing rounds; columns: columns generated; runtime_s: seconds.
    """

    bound_mio_kr: float
    infeasible: bool
    master_mio_kr: float
    rounds: int
    columns: int
    runtime_s: float


def spend_cap(budget: float, step: float) -> float:
    """The most state money a plan can spend within ``budget`` when every spend is a multiple of ``step``
    (:func:`sundhed.solvers.house_start.spend_step`; 0 = no step known)."""
    if step <= 0:
        return float(budget)
    return math.floor(budget / step + 1e-9) * step


def _minimal_covers(reach: np.ndarray, weight: np.ndarray, need: float, extra: int = 1,
                    max_subsets: int = SEED_SUBSETS) -> list[list[int]]:
    """Minimal covers (column indices of the (rows, sites) bool ``reach``) with the fewest sites and up to
    ``extra`` more sites, as long as a size has at most ``max_subsets`` subsets."""
    ns = reach.shape[1]
    out: list[list[int]] = []
    kmin = None
    for k in range(1, ns + 1):
        if math.comb(ns, k) > max_subsets:
            break
        combs = np.array(list(itertools.combinations(range(ns), k)), dtype=np.int32).reshape(-1, k)
        parts = [reach[:, combs[:, q]].T for q in range(k)]
        cov = np.logical_or.reduce(parts)
        ok = cov.astype(float) @ weight >= need - _TOL
        if ok.any():
            kmin = k if kmin is None else kmin
            sel = np.nonzero(ok)[0]
            if k > kmin:  # keep the minimal ones: dropping any site loses the share
                minimal = np.ones(len(sel), dtype=bool)
                for q in range(k):
                    rest = np.logical_or.reduce([parts[r][sel] for r in range(k) if r != q])
                    minimal &= rest.astype(float) @ weight < need - _TOL
                sel = sel[minimal]
            out.extend(combs[sel].tolist())
        if kmin is not None and k >= kmin + extra:
            break
    return out


class _Pricing:
    """Cheapest cover of ``need`` inhabitants of one catchment under per-site prices, with at least one site of
    each of ``groups`` (a small HiGHS MIP)."""

    def __init__(self, reach: np.ndarray, weight: np.ndarray, need: float, threads: int | None,
                 groups: Sequence[np.ndarray] = ()):
        import highspy

        self.ns = ns = reach.shape[1]
        npt = reach.shape[0]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
        if threads:
            h.setOptionValue("threads", int(threads))
        self.threads = threads
        inf = highspy.kHighsInf
        h.addVars(ns + npt, np.zeros(ns + npt), np.ones(ns + npt))
        h.changeColsIntegrality(ns, np.arange(ns, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * ns))
        for r in range(npt):  # x_r <= sum of the sites that reach r
            sites = np.nonzero(reach[r])[0]
            idx = np.concatenate([[ns + r], sites]).astype(np.int32)
            h.addRow(-inf, 0.0, len(idx), idx, np.concatenate([[1.0], -np.ones(len(sites))]))
        if npt and need > 0:
            h.addRow(need, inf, npt, (ns + np.arange(npt)).astype(np.int32), weight.astype(float))
        for g in groups:  # one of these sites is built
            h.addRow(1.0, inf, len(g), np.asarray(g, dtype=np.int32), np.ones(len(g)))
        self.h = h
        self._idx = np.arange(ns, dtype=np.int32)

    def solve(self, prices: np.ndarray, time_limit: float) -> tuple[float, list[int]]:
        """(proven lower bound on the cheapest cover's price, the best cover found as site positions)."""
        h = self.h
        h.changeColsCost(self.ns, self._idx, np.maximum(prices, 0.0))
        h.setOptionValue("time_limit", max(0.05, float(time_limit)))
        prepare_raw_run(self.threads)
        h.run()
        info = h.getInfo()
        bound = float(info.mip_dual_bound)
        if not math.isfinite(bound):
            bound = 0.0
        x = np.asarray(h.getSolution().col_value[: self.ns])
        return max(0.0, bound), [int(k) for k in np.nonzero(x > 0.5)[0]]


def _cheapest_costs(inst: HouseInstance, pairs) -> tuple[np.ndarray, np.ndarray]:
    """(the sites of the (site, type) ``pairs``, sorted; each one's cheapest state cost in mio. kr.): without
    capacities only the cheapest type of a site matters for coverage."""
    sc = inst.state_cost_matrix()
    cost_of: dict[int, float] = {}
    for j, q in pairs:
        cost_of[int(j)] = min(cost_of.get(int(j), math.inf), float(sc[j, q]))
    sites = np.array(sorted(cost_of), dtype=int)
    return sites, np.array([cost_of[int(j)] for j in sites], dtype=float)


def catchment_spend_floors(inst: HouseInstance, pairs, t: float, time_limit: float = 2.0) -> list[tuple[list, float]]:
    """For each catchment c with something left to cover: (the (site, type) pairs whose site reaches an uncovered
    point of c within T, the least state spend in mio. kr. any plan needs on those pairs to cover share ``t`` of
    c); one entry with an infinite floor when some catchment cannot reach ``t`` at all.

    Each floor is the proven dual bound of the catchment's pricing MIP (:class:`_Pricing` at the sites' cheapest
    costs, one thread), so it is a valid lower bound even when that MIP stops at its time limit. They make valid
    cuts for "every share >= t"."""
    pairs = [(int(j), int(q)) for j, q in pairs]
    sites, cost = _cheapest_costs(inst, pairs)
    rows = _catchment_rows(inst, sites, t, [])
    if rows is None:
        return [([], math.inf)]
    out: list[tuple[list, float]] = []
    for need, reach, weight, use, _local in rows:
        floor, _ = _Pricing(reach, weight, need, 1).solve(cost[use], time_limit)
        reaching = set(sites[use].tolist())
        out.append(([p for p in pairs if p[0] in reaching], floor))
    return out


def _catchment_rows(inst: HouseInstance, sites: np.ndarray, t: float, groups: list[np.ndarray]):
    """One pricing problem per catchment with something left to cover or a "one house here" group: (need in
    inhabitants, (rows, sites) reach, row weights, positions in ``sites`` it may use, its groups as positions
    in those). A group (site positions of which one must be built) goes to the catchment most of its sites lie
    in, or alone when that catchment has no demand. None when a catchment cannot reach share t at all."""
    T = inst.coverage_limit_min
    w = np.asarray(inst.demand_weight, dtype=float)
    dc = np.asarray(inst.demand_catchment, dtype=object)
    sc_of = np.asarray(inst.site_catchment, dtype=object)[sites] if len(sites) else np.array([], dtype=object)
    base = inst.baseline_covered()
    cats = [c for c in inst.catchments() if float(w[dc == c].sum()) > 0]
    home: dict[object, list[np.ndarray]] = {c: [] for c in cats}
    alone: list[np.ndarray] = []
    for g in groups:
        labels, counts = np.unique(sc_of[g].astype(str), return_counts=True)
        c = next((c for c in cats if str(c) == labels[int(np.argmax(counts))]), None)
        (home[c] if c is not None else alone).append(g)
    out: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]] = []
    for c in cats:
        m = dc == c
        wc = float(w[m].sum())
        need = t * wc - float(w[m & base].sum())
        if need <= 1e-9 * max(1.0, wc):
            need = 0.0
            if not home[c]:
                continue
        pts = np.nonzero(m & ~base)[0] if need > 0 else np.array([], dtype=int)
        reach = inst.travel_min[np.ix_(pts, sites)] <= T if len(sites) else np.zeros((len(pts), 0), dtype=bool)
        use = np.union1d(np.nonzero(reach.any(axis=0))[0], np.concatenate([np.zeros(0, dtype=int), *home[c]]))
        use = use.astype(int)
        reach = reach[:, use]
        keep = reach.any(axis=1)
        if float(w[pts[keep]].sum()) < need - 1e-9 * max(1.0, wc):
            return None
        patterns, inverse = np.unique(reach[keep], axis=0, return_inverse=True)  # points alike become one row
        weight = np.bincount(inverse.ravel(), weights=w[pts[keep]], minlength=len(patterns))
        out.append((need, patterns.reshape(-1, len(use)), weight, use,
                    [np.searchsorted(use, g) for g in home[c]]))
    for g in alone:
        use = np.unique(g).astype(int)
        out.append((0.0, np.zeros((0, len(use)), dtype=bool), np.zeros(0, dtype=float), use,
                    [np.arange(len(use))]))
    return out


def min_spend_bound(inst: HouseInstance, pairs, t: float, budget: float | None = None, *,
                    time_limit: float = 20.0, threads: int | None = None, alpha: float = SMOOTHING,
                    max_rounds: int = 500, on_round: Callable[[int, float], None] | None = None,
                    groups: Sequence[Sequence[tuple[int, int]]] = ()) -> SpendBound:
    """Proven lower bound on the state spend (mio. kr.) of any plan, built from the (site, type) ``pairs``,
    that gives every catchment of ``inst`` a covered share >= ``t`` (capacities ignored, see module docstring).

    Stops as soon as the answer for ``budget`` (default: the instance's) is known: the bound is above the most
    a plan can spend within it (``infeasible``), or the restricted master is within it (no proof possible), or
    after ``time_limit`` seconds or ``max_rounds`` pricing rounds (then the best bound so far is returned).
    ``on_round(rounds, bound)`` is called after every pricing round (progress lines). ``groups``: lists of
    (site, type) pairs of which every plan builds at least one (the model's "one house in every catchment /
    kommune" rules); they make the bound tighter, and leaving them out keeps it valid.
    """
    import highspy

    t0 = time.perf_counter()
    budget = float(inst.budget_mio_kr if budget is None else budget)
    pairs = [(int(j), int(q)) for j, q in pairs]
    sites, cost = _cheapest_costs(inst, pairs)
    cap = spend_cap(budget, spend_step(inst, pairs))
    tol = 1e-7 * max(1.0, budget)

    def result(bound, master, rounds, columns):
        return SpendBound(bound_mio_kr=bound, infeasible=bound > cap + tol, master_mio_kr=master, rounds=rounds,
                          columns=columns, runtime_s=time.perf_counter() - t0)

    pos = {int(j): k for k, j in enumerate(sites)}
    site_groups = [np.unique([pos[int(j)] for j, _ in g if int(j) in pos]).astype(int) for g in groups]
    if any(len(g) == 0 for g in site_groups):
        return SpendBound(math.inf, True, math.inf, 0, 0, time.perf_counter() - t0)
    rows = _catchment_rows(inst, sites, t, site_groups)
    if rows is None:
        return result(math.inf, math.inf, 0, 0)
    if not rows:
        return result(0.0, 0.0, 0, 0)
    inf = highspy.kHighsInf
    M = highspy.Highs()
    M.setOptionValue("output_flag", False)
    if threads:
        M.setOptionValue("threads", int(threads))
    ns = len(sites)
    M.addVars(ns, np.zeros(ns), np.ones(ns))
    M.changeColsCost(ns, np.arange(ns, dtype=np.int32), cost)
    conv: list[int] = []
    links: list[np.ndarray] = []  # per catchment: master row of (site position used by the catchment)
    link_site: list[int] = []  # per master row: the site position it links (-1 for convexity rows)
    for *_, use, _local in rows:
        conv.append(M.getNumRow())
        link_site.append(-1)
        M.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        first = M.getNumRow()
        for j in use:
            M.addRow(0.0, inf, 1, np.array([j], dtype=np.int32), np.array([1.0]))
            link_site.append(int(j))
        links.append(np.arange(first, first + len(use)))
    site_of_row = np.array(link_site)
    is_link = site_of_row >= 0
    seen: set[tuple[int, tuple[int, ...]]] = set()

    def add_column(c: int, cover: list[int]) -> bool:
        key = (c, tuple(sorted(cover)))
        if key in seen:
            return False
        seen.add(key)
        idx = np.concatenate([[conv[c]], links[c][list(key[1])]]).astype(np.int32)
        M.addCol(0.0, 0.0, inf, len(idx), idx, np.concatenate([[1.0], -np.ones(len(key[1]))]))
        return True

    pricing = []
    for c, (need, reach, weight, use, local) in enumerate(rows):
        add_column(c, list(range(len(use))))  # every site: always a cover (checked above)
        for cover in (_minimal_covers(reach, weight, need) if need > 0 else []):
            if all(np.isin(g, cover).any() for g in local):
                add_column(c, cover)
        pricing.append(_Pricing(reach, weight, need, threads, local))

    def lagrangian(pi: np.ndarray, until: float) -> tuple[float, list[list[int]]]:
        per_site = cost.copy()
        np.subtract.at(per_site, site_of_row[is_link], pi[is_link])
        value = float(np.minimum(0.0, per_site).sum())
        covers = []
        for c, p in enumerate(pricing):
            v, cover = p.solve(pi[links[c]], max(0.05, until - time.perf_counter()))
            value += v
            covers.append(cover)
        return value, covers

    deadline = t0 + float(time_limit)
    best_bound, best_pi = -math.inf, np.zeros(M.getNumRow())
    master = math.inf
    rounds = 0
    while rounds < max_rounds and time.perf_counter() < deadline:
        prepare_raw_run(threads)
        M.run()
        if M.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        master = float(M.getInfo().objective_function_value)
        if master <= cap + tol:
            break  # the restricted master already fits the budget: no proof from this bound
        duals = np.asarray(M.getSolution().row_dual)
        pi_out = np.where(is_link, np.maximum(duals, 0.0), 0.0)
        a = alpha if math.isfinite(best_bound) else 0.0
        while True:
            rounds += 1
            pi = a * best_pi + (1.0 - a) * pi_out
            value, covers = lagrangian(pi, deadline)
            if value > best_bound:
                best_bound, best_pi = value, pi
            if on_round is not None:
                on_round(rounds, best_bound)
            if best_bound > cap + tol:
                return result(best_bound, master, rounds, len(seen))
            added = 0
            for c, cover in enumerate(covers):
                reduced = float(pi_out[links[c][cover]].sum()) - float(duals[conv[c]])
                if reduced < -1e-9 and add_column(c, cover):
                    added += 1
            if added or time.perf_counter() >= deadline:
                break
            if a == 0.0:  # no column prices out at the master's own prices: converged
                return result(best_bound, master, rounds, len(seen))
            a = 0.0  # a mis-price: price at the master's prices
    return result(max(best_bound, 0.0), master, rounds, len(seen))
