"""Brute-force reference for Model 4 on small instances: every set partition of the kommuner enumerated."""
from __future__ import annotations

import numpy as np

from sundhed.model.connectivity import connected_with_leaves
from sundhed.model.councils import CouncilInstance, CouncilRules


def _partitions(items: list):
    """Every set partition of ``items`` (lists of blocks)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]
        yield [[first]] + part


def council_plan_value(inst: CouncilInstance, rules: CouncilRules, blocks: list[list[int]]):
    """(travel, changes) of a partition, or None when a rule fails — computed directly."""
    if len(blocks) != rules.p:
        return None
    ki, hj = inst.k_index, {h: j for j, h in enumerate(inst.hospitals)}
    pop = np.asarray(inst.population, float)
    ref = inst.reference_roots()
    travel = changes = 0.0
    for b in blocks:
        hs = [h for h in inst.root_order if inst.host(h) in b]
        if not hs:
            return None
        if rules.region_rule and len({inst.region[ki[k]] for k in b}) > 1:
            return None
        p = sum(pop[ki[k]] for k in b)
        if rules.band is not None and not rules.band[0] <= p <= rules.band[1]:
            return None
        if rules.contiguity and not connected_with_leaves(b, inst.host(hs[0]), inst.edges, inst.leaf_links):
            return None
        for k in b:
            travel += pop[ki[k]] * min(inst.minutes[ki[k], hj[h]] for h in hs)
            if inst.reference and ref.get(k) != hs[0]:
                changes += 1
    return travel / pop.sum(), changes


def councils_bruteforce(inst: CouncilInstance, rules: CouncilRules, objective: str = "travel"):
    """(best value, best partition): value = travel, or (changes, travel) for ``changes``; (None, None)."""
    best, best_b = None, None
    for blocks in _partitions(list(inst.kommuner)):
        v = council_plan_value(inst, rules, blocks)
        if v is None:
            continue
        key = (v[1], v[0]) if objective == "changes" else v[0]
        if best is None or key < best:
            best, best_b = key, blocks
    return best, best_b
