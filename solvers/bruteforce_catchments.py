"""Brute-force reference for Model 1 on small instances (every assignment enumerated)."""
from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from sundhed.model.connectivity import connected_with_leaves
from sundhed.model.catchments import CatchmentInstance, CatchmentRules, allowed_pairs


def catchments_objective_terms(inst: CatchmentInstance, rules: CatchmentRules,
                               assignment: dict[int, str]) -> dict[str, float]:
    """The four objective terms of an assignment, computed directly (not from the MIP)."""
    ki, hj = inst.k_index, {h: j for j, h in enumerate(inst.hospitals)}
    pop = np.asarray(inst.population, float)
    t = np.array([inst.minutes[ki[k], hj[h]] for k, h in assignment.items()])
    w = np.array([pop[ki[k]] for k in assignment])
    band = 0.0
    if rules.band is not None:
        for h in inst.hospitals:
            if h in rules.band_exceptions:
                continue
            p = sum(pop[ki[k]] for k, hh in assignment.items() if hh == h)
            band += max(0.0, rules.band[0] - p) + max(0.0, p - rules.band[1])
    return {"travel": float((w * t).sum() / pop.sum()), "max_travel": float(t.max()),
            "moves": float(sum(1 for k, h in inst.baseline.items() if assignment[k] != h)),
            "band": band / 1000.0}


def catchments_feasible(inst: CatchmentInstance, rules: CatchmentRules, assignment: dict[int, str]) -> bool:
    """Every rule checked directly: allowed pairs, hospitals' own kommuner, contiguity, hard band."""
    allowed = allowed_pairs(inst, replace(rules, nearness_min=None))
    if any(assignment[k] not in allowed[k] for k in inst.kommuner):
        return False
    if rules.nearness_min is not None:  # checked directly, not through allowed_pairs
        hj = {h: j for j, h in enumerate(inst.hospitals)}
        for k, h in assignment.items():
            if k in rules.fixed or k in inst.hospital_kommune:
                continue
            row = inst.minutes[inst.k_index[k]]
            best = min(row[hj[g]] for g in allowed[k])
            if row[hj[h]] > best + rules.nearness_min:
                return False
    pop = dict(zip(inst.kommuner, inst.population))
    for h, root in zip(inst.hospitals, inst.hospital_kommune):
        members = [k for k, hh in assignment.items() if hh == h]
        if root not in members:
            return False
        if rules.contiguity and not connected_with_leaves(members, root, inst.edges, inst.leaf_links):
            return False
        if rules.band is not None and rules.band_hard and h not in rules.band_exceptions:
            p = sum(pop[k] for k in members)
            if not rules.band[0] <= p <= rules.band[1]:
                return False
    return True


def catchments_bruteforce(inst: CatchmentInstance, rules: CatchmentRules, weights: dict[str, float]):
    """(best objective, best assignment) over all feasible assignments, or (None, None)."""
    allowed = allowed_pairs(inst, rules)
    best, best_a = None, None
    for combo in itertools.product(*(allowed[k] for k in inst.kommuner)):
        a = dict(zip(inst.kommuner, combo))
        if not catchments_feasible(inst, rules, a):
            continue
        terms = catchments_objective_terms(inst, rules, a)
        v = sum(w * terms[n] for n, w in weights.items())
        if best is None or v < best - 1e-9:
            best, best_a = v, a
    return best, best_a
