"""MIP starts and bounds for the sundhedshus model (Model 2): plans HiGHS can start from.

* :func:`greedy_builds`: a feasible set of new houses picked greedily by covered inhabitants per mio. kr. of state
  money (capacity-aware), within the total budget and the group caps, meeting the "a house in every group" rules
  first. It is only a *start*: HiGHS completes the continuous assignment and keeps the plan as its first
  incumbent, so the solve never ends without a plan and long capacitated solves find good plans at once.
* :func:`start_plan`: the greedy plan, with capacities improved by :func:`improve_by_swaps` (max-flow moves), and
  the time limit left for the solve.
* :func:`fit_budget`: a plan cut down to a smaller budget (the start of the marginal re-solve).
* :func:`capacity_spend_bound`: the least state money (mio. kr.) any capacitated plan needs to cover a given
  number of inhabitants through house capacity — when a plan's spend equals it, no optimal plan is cheaper.

Units: weights in inhabitants (capacity in the same unit), money in mio. kr. of state spend, times in minutes.
"""
from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
from sundhed.model.houses import HouseInstance



def _rule_groups(mdl) -> list[list[tuple[int, int]]]:
    """The (site, type) pairs of every ">= 1 new house in this group" row of the built model."""
    from pyomo.core.expr.visitor import identify_variables

    groups = []
    for name in ("min_one_per_catchment", "min_one_kommune", "min_one_per_kommune"):
        comp = getattr(mdl, name, None)
        if comp is None:
            continue
        for con in comp.values():
            groups.append([tuple(v.index()) for v in identify_variables(con.body, include_fixed=False)])
    return groups


def _group_of_pairs(inst: HouseInstance, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """For each pair, the indices of the group caps its kommune falls under."""
    caps = list(inst.group_caps_mio_kr)
    out = []
    for j, _ in pairs:
        k = int(inst.site_kommune[j])
        out.append([g for g, codes in enumerate(caps) if k in codes])
    return out


def greedy_builds(inst: HouseInstance, mdl, capacity: bool) -> set[tuple[int, int]]:
    """New houses (site, type) of a greedy plan for the built model ``mdl`` (see the module docstring).

    Each step opens the affordable (site, type) with the most not-yet-covered inhabitants within T per mio. kr.
    (with ``capacity``: at most the type's capacity, so a large house is only chosen where it fills up), then
    marks those inhabitants covered, starting with the points fewest candidate sites can reach.
    """
    pairs = [tuple(p) for p in mdl.B]
    if not pairs:
        return set()
    w = inst.demand_weight.astype(float)
    within = inst.within()  # (n, m)
    ex_mask = inst.existing_mask()
    need = np.where(inst.hospital_covered(), 0.0, w)
    cap_k = np.array([t.capacity for t in inst.house_types], dtype=float)
    reach = within[:, sorted({j for j, _ in pairs})].sum(axis=1)  # how many candidates reach each point

    def serve(j: int, cap: float) -> None:
        pts = np.nonzero(within[:, j] & (need > 0))[0]
        if capacity:
            left = cap
            for i in pts[np.argsort(reach[pts], kind="stable")]:
                take = min(left, need[i])
                need[i] -= take
                left -= take
                if left <= 0:
                    break
        else:
            need[pts] = 0.0

    for j, q in inst.existing:
        serve(j, float(cap_k[q]))

    sc = inst.state_cost_matrix()
    cost = np.array([sc[j, q] for j, q in pairs])
    cap = np.array([cap_k[q] for _, q in pairs])
    site = np.array([j for j, _ in pairs])
    # (point, pair) entries within T: a point reaches a few dozen sites, so summing over these is cheaper than a
    # dense (n, P) product, which streams megabytes per step and wakes BLAS threads that spin beside a sweep's
    # other process
    pt, pr = np.nonzero(within[:, site])
    groups = _group_of_pairs(inst, pairs)
    cap_left = list(inst.group_caps_mio_kr.values())
    budget = inst.budget_mio_kr
    if inst.yearly_budget_mio_kr is not None:
        total = sum(inst.yearly_budget_mio_kr.values())
        budget = min(budget, total if inst.carry_over else total)
    used_site = ex_mask.copy()
    chosen: set[tuple[int, int]] = set()

    def affordable(p: int) -> bool:
        return (not used_site[site[p]] and cost[p] <= budget + 1e-9
                and all(cost[p] <= cap_left[g] + 1e-9 for g in groups[p]))

    def take(p: int) -> None:
        nonlocal budget
        chosen.add(pairs[p])
        used_site[site[p]] = True
        budget -= cost[p]
        for g in groups[p]:
            cap_left[g] -= cost[p]
        serve(int(site[p]), float(cap[p]))

    def gains() -> np.ndarray:
        g = np.bincount(pr, weights=need[pt], minlength=len(pairs))
        return np.minimum(g, cap) if capacity else g

    index = {p: a for a, p in enumerate(pairs)}
    for grp in _rule_groups(mdl):  # rules first: the best affordable pair of each unmet group
        if any(p in chosen for p in grp):
            continue
        cand = [index[p] for p in grp if p in index and affordable(index[p])]
        if cand:
            g = gains()
            take(max(cand, key=lambda a: (g[a] / max(cost[a], 1e-9), -cost[a])))
    while True:
        g = gains()
        ok = (g > 1e-9) & ~used_site[site] & (cost <= budget + 1e-9)
        for a in np.flatnonzero(ok):
            if groups[a] and not affordable(int(a)):
                ok[a] = False
        if not ok.any():
            break
        ratio = np.where(ok, g / np.maximum(cost, 1e-9), -np.inf)
        best = np.flatnonzero(ratio >= ratio.max() * (1 - 1e-9))
        take(int(best[np.argmax(g[best])]))  # ties: the larger gain (a big house that fills up)
    return chosen


#: Share of the time limit the capacitated start's swap search may take (national houses.toml: 3,000 max-flow
#: evaluations, +2,399 inhabitants over the greedy plan, take 3.4-4.8 s; the local search gains more per second).
SWAP_SHARE = 0.05


def start_plan(inst: HouseInstance, mdl, options, capacity: bool, swaps: bool):
    """(MIP start, options for the solve): the greedy plan (:func:`greedy_builds`, capacity-aware with
    ``capacity``), improved when ``swaps`` by :func:`improve_by_swaps` for at most ``SWAP_SHARE`` of
    ``options.time_limit``; the returned options' time limit is what is left (the start counts against the limit,
    so a 60 s limit is 60 s of solving)."""
    t0 = time.perf_counter()
    builds = greedy_builds(inst, mdl, capacity)
    if swaps:
        builds = improve_by_swaps(inst, mdl, builds, seconds=SWAP_SHARE * options.time_limit)
    left = max(0.1, options.time_limit - (time.perf_counter() - t0))
    return builds, dataclasses.replace(options, time_limit=left)


def fit_budget(inst: HouseInstance, builds: set[tuple[int, int]], budget_mio_kr: float,
               load: dict[int, float] | None = None) -> set[tuple[int, int]]:
    """``builds`` with houses dropped (least-loaded first, ``load`` = served inhabitants per site) until the
    state spend fits ``budget_mio_kr``."""
    sc = inst.state_cost_matrix()
    keep = sorted(builds, key=lambda p: ((load or {}).get(p[0], 0.0), -sc[p]))
    spend = sum(sc[p] for p in keep)
    while keep and spend > budget_mio_kr + 1e-9:
        p = keep.pop(0)
        spend -= sc[p]
    return set(keep)


def capacity_spend_bound(inst: HouseInstance, pairs, covered_weight: float) -> float:
    """Least state spend (mio. kr.) of new houses in any capacitated plan covering ``covered_weight``
    inhabitants: whatever hospitals cover within T and existing houses' capacity cannot, new capacity must, and
    no (site, type) in ``pairs`` buys capacity cheaper than the lowest state cost per inhabitant of capacity.
    A lower bound (an LP bound of the knapsack), so a plan that spends no more than it is the cheapest."""
    w = inst.demand_weight
    free = float(w[inst.hospital_covered()].sum())
    cap_k = [t.capacity for t in inst.house_types]
    free += sum(float(cap_k[q]) for _, q in inst.existing)
    need = covered_weight - free
    if need <= 0:
        return 0.0
    sc = inst.state_cost_matrix()
    ratios = [sc[j, q] / cap_k[q] for j, q in pairs if cap_k[q] > 0]
    if not ratios:
        return float("inf")
    return need * min(ratios)


class _Flow:
    """Max-flow of inhabitants to open houses within T (capacitated plans): source -> demand point (its
    not-hospital-covered weight) -> open site within T -> sink (the house's capacity). Integer capacities
    (weights scaled when they are not whole inhabitants); a heuristic's yardstick, HiGHS re-solves it exactly."""

    def __init__(self, inst: HouseInstance):
        from scipy.sparse import csr_matrix

        n, m = inst.n_demand, inst.n_sites
        w = np.where(inst.hospital_covered(), 0.0, inst.demand_weight.astype(float))
        whole = np.allclose(w, np.round(w))
        self.scale = 1.0 if whole else min(1000.0, 1e9 / max(1.0, float(w.sum())))
        need = np.round(w * self.scale).astype(np.int64)
        within = inst.within()
        ii, jj = np.nonzero(within & (need > 0)[:, None])
        self.n, self.m = n, m
        src, snk = n + m, n + m + 1
        big = int(need.sum()) + 1
        rows = np.concatenate([np.full(n, src), ii, n + np.arange(m)])
        cols = np.concatenate([np.arange(n), n + jj, np.full(m, snk)])
        data = np.concatenate([need, np.full(len(ii), big), np.zeros(m, dtype=np.int64)]).astype(np.int32)
        order = np.lexsort((cols, rows))
        self.graph = csr_matrix((data[order], (rows[order], cols[order])), shape=(n + m + 2, n + m + 2))
        self.graph.sort_indices()
        # where each site's sink-edge capacity lives in graph.data
        self.sink_pos = np.array([self.graph.indptr[n + j] + np.searchsorted(
            self.graph.indices[self.graph.indptr[n + j]:self.graph.indptr[n + j + 1]], snk) for j in range(m)])
        self.src, self.snk = src, snk
        self.need = need

    def run(self, site_cap: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(served inhabitants, load per site, residual need per demand point), both scaled back."""
        from scipy.sparse.csgraph import maximum_flow

        self.graph.data[self.sink_pos] = np.round(site_cap * self.scale).astype(np.int32)
        res = maximum_flow(self.graph, self.src, self.snk)
        f = res.flow.tocsr()
        load = np.asarray(f[self.n:self.n + self.m, self.snk].todense()).ravel()
        inflow = np.asarray(f[self.src, :self.n].todense()).ravel()
        return res.flow_value / self.scale, load / self.scale, (self.need - inflow) / self.scale


def improve_by_swaps(inst: HouseInstance, mdl, builds: set[tuple[int, int]], max_flows: int = 3000,
                     tries: int = 400, seconds: float | None = None) -> set[tuple[int, int]]:
    """Local search on a capacitated plan: move a house that does not fill up to a free site (same or lower
    cost, within the money) where it serves more, judged by an exact max-flow; keep a move only when the served
    inhabitants grow. At most ``max_flows`` flow evaluations, and (``seconds``) no new evaluation after that
    many wall seconds: the best plan so far is returned."""
    pairs = [tuple(p) for p in mdl.B]
    if not builds or not pairs:
        return builds
    deadline = math.inf if seconds is None else time.perf_counter() + seconds
    flow = _Flow(inst)
    sc = inst.state_cost_matrix()
    cap_k = np.array([t.capacity for t in inst.house_types], dtype=float)
    ex_mask = inst.existing_mask()
    within = inst.within()
    caps = list(inst.group_caps_mio_kr.items())

    def site_caps(plan) -> np.ndarray:
        c = np.zeros(inst.n_sites)
        for j, q in inst.existing:
            c[j] = cap_k[q]
        for j, q in plan:
            c[j] = cap_k[q]
        return c

    def fits(plan) -> bool:
        spend = sum(sc[p] for p in plan)
        if spend > inst.budget_mio_kr + 1e-9:
            return False
        for codes, cap in caps:
            if sum(sc[p] for p in plan if int(inst.site_kommune[p[0]]) in codes) > cap + 1e-9:
                return False
        return True

    plan = set(builds)
    best, load, resid = flow.run(site_caps(plan))
    evals = 1

    def spent() -> bool:
        return evals >= max_flows or time.perf_counter() > deadline

    by_site: dict[int, list[tuple[int, int]]] = {}
    for p in pairs:
        by_site.setdefault(p[0], []).append(p)
    improved = True
    while improved and not spent():
        improved = False
        unsat = sorted((p for p in plan if load[p[0]] < cap_k[p[1]] - 1e-6),
                       key=lambda p: load[p[0]] - cap_k[p[1]])
        used = {j for j, _ in plan} | set(np.nonzero(ex_mask)[0].tolist())
        reach = resid @ within  # (m,) residual inhabitants within T of each site
        for u in unsat:
            cand = []
            for sj, lst in by_site.items():
                if sj in used:
                    continue
                for p in lst:
                    if sc[p] <= sc[u] + 1e-9:
                        cand.append((min(cap_k[p[1]], reach[sj] + load[u[0]] * within[:, u[0]][within[:, sj]].any()),
                                     -sc[p], p))
            cand.sort(reverse=True)
            for *_, p in cand[:tries]:
                trial = (plan - {u}) | {p}
                if not fits(trial):
                    continue
                val, ld, rs = flow.run(site_caps(trial))
                evals += 1
                if val > best + 1e-6:
                    plan, best, load, resid = trial, val, ld, rs
                    improved = True
                    break
                if spent():
                    break
            if improved or spent():
                break
        if improved or spent():
            continue
        # second move: close a house that does not fill up and spend its money again, greedily by exact flows
        for u in unsat:
            trial = plan - {u}
            val, ld, rs = flow.run(site_caps(trial))
            evals += 1
            while not spent():
                used_t = {j for j, _ in trial} | set(np.nonzero(ex_mask)[0].tolist())
                reach_t = rs @ within
                opts = [(min(cap_k[p[1]], reach_t[p[0]]) / max(sc[p], 1e-9), min(cap_k[p[1]], reach_t[p[0]]), p)
                        for p in pairs if p[0] not in used_t and fits(trial | {p}) and reach_t[p[0]] > 1e-6]
                if not opts:
                    break
                opts.sort(reverse=True)
                trial = trial | {opts[0][2]}
                val, ld, rs = flow.run(site_caps(trial))
                evals += 1
            if val > best + 1e-6:
                plan, best, load, resid = trial, val, ld, rs
                improved = True
                break
    return plan


def spend_step(inst: HouseInstance, pairs) -> float:
    """The largest amount (mio. kr.) every (site, type) state cost in ``pairs`` is a whole multiple of (to
    1e-6 mio. kr.), e.g. 15 for costs of 15 and 60; 0 when there is none. Two plans' spends then differ by at
    least this much or not at all."""
    import math as _m

    units = {int(round(float(inst.state_cost_matrix()[j, q]) * 1e6)) for j, q in pairs}
    units.discard(0)
    g = 0
    for u in units:
        g = _m.gcd(g, u)
    return g / 1e6


def start_values(mdl, builds) -> list:
    """MIP start: build = 1 for ``builds`` ((site, type) pairs), 0 for every other pair of ``mdl.B``; HiGHS
    completes the rest."""
    return [(mdl.build[p], 1.0 if tuple(p) in builds else 0.0) for p in mdl.B]
