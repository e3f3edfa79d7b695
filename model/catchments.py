"""Model 1: assign kommuner to akutsygehus catchments (sundhedsfællesskaber) — pure model building.

Formulation (Pyomo, solved by HiGHS):

* ``x[k,h] ∈ {0,1}``: kommune k belongs to hospital h's catchment; Σ_h x[k,h] = 1; the hospital's own
  kommune is fixed to it. Pairs that break the region rule, a forbidden pair or a fixed assignment are
  never created.
* **Contiguity: single-commodity flow rooted at the hospital's kommune.** For each h, flow on the arcs
  of the typed adjacency graph (land borders, bridges, ferries) leaves the root; every other member
  consumes one unit; an arc carries flow only if both ends belong to h. This is exact (every connected
  catchment is allowed, every allowed one is connected) and compact — HiGHS has no lazy-constraint
  callbacks, so cut-based formulations are out — whereas the shortest-path-ordering alternative also
  forbids some connected catchments (it needs a neighbour *nearer* to h), which would make the optimum
  depend on the graph metric. With the region rule the arcs per hospital are only those inside its
  region, so the model stays small (≈ 1,300 flow variables nationally).
* **Leaf rule for via-port links.** ``leaf_links`` (island, anchor) let a ferry-only island join the
  catchment of a land neighbour of its port (Samsø → Aarhus through Odder) but never carry another
  kommune's connection: a leaf arc anchor → island carries at most one unit (the island's own), and an
  island's leaf inflow is at most ``x[island, h]``, so by flow conservation everything the island passes
  on must have reached it over direct links.
* **Nearness** (2019 criteria: "nærhed til akutsygehuset"): with ``nearness_min = N`` a kommune may join
  only akutsygehuse within N minutes of the nearest one it may join under the other rules.
* **Population band** per catchment [lo, hi] inhabitants, soft (deviation variables, penalised) or
  hard; named exceptions (default Thy-Mors/Thisted, Nykøbing F, Bornholm) are exempt.
* **Objectives** (all linear): ``travel`` = population-weighted mean minutes to the own akutsygehus;
  ``max_travel`` = the largest kommune mean minutes (equity); ``moves`` = kommuner assigned away from
  the baseline (stability); ``band`` = inhabitants outside the band, summed over catchments (in
  thousands). Weighted sum, or lexicographic (see solvers/catchments.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

OBJECTIVES = ("travel", "max_travel", "moves", "band")


@dataclass(frozen=True)
class CatchmentInstance:
    """A catchment-assignment instance.

    kommuner: codes (int); population: inhabitants per kommune; region: per kommune;
    hospitals: hospital names; hospital_region / hospital_kommune: per hospital;
    minutes: (kommuner × hospitals) population-weighted travel minutes; edges: kommune adjacency
    pairs (codes, real links only); baseline: code -> hospital name (optional, for ``moves``); km: optional
    (kommuner × hospitals) population-weighted road km along the fastest routes (reported only);
    leaf_links: (island, anchor) via-port pairs, usable only under the leaf rule.
    """

    kommuner: tuple[int, ...]
    population: np.ndarray
    region: tuple[str, ...]
    hospitals: tuple[str, ...]
    hospital_region: tuple[str, ...]
    hospital_kommune: tuple[int, ...]
    minutes: np.ndarray
    edges: tuple[tuple[int, int], ...]
    baseline: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    km: np.ndarray | None = None             # (kommuner × hospitals) population-weighted road km; shown, not optimised
    leaf_links: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        nk, nh = len(self.kommuner), len(self.hospitals)
        if len(set(self.kommuner)) != nk:
            raise ValueError("kommune codes must be unique")
        if len(set(self.hospitals)) != nh:
            raise ValueError("hospital names must be unique")
        if np.shape(self.population) != (nk,) or len(self.region) != nk:
            raise ValueError("population and region need one entry per kommune")
        if np.shape(self.minutes) != (nk, nh):
            raise ValueError(f"minutes must be kommuner × hospitals = ({nk}, {nh}), got {np.shape(self.minutes)}")
        if not np.isfinite(self.minutes).all() or (np.asarray(self.minutes) < 0).any():
            raise ValueError("minutes must be finite and non-negative")
        if (np.asarray(self.population) < 0).any():
            raise ValueError("population must be non-negative")
        codes = set(self.kommuner)
        for h, k in zip(self.hospitals, self.hospital_kommune):
            if k not in codes:
                raise ValueError(f"hospital {h!r} lies in unknown kommune {k}")
        if len(set(self.hospital_kommune)) != nh:
            raise ValueError("two hospitals in one kommune: a kommune can host only one catchment root")
        for a, b in self.edges:
            if a not in codes or b not in codes:
                raise ValueError(f"adjacency edge ({a}, {b}) names an unknown kommune")
        for a, b in self.leaf_links:
            if a not in codes or b not in codes:
                raise ValueError(f"via-port link ({a}, {b}) names an unknown kommune")
        for k in self.baseline:
            if k not in codes:
                raise ValueError(f"baseline names unknown kommune {k}")

    @property
    def k_index(self) -> dict[int, int]:
        return {k: i for i, k in enumerate(self.kommuner)}

    def name(self, k: int) -> str:
        return self.names.get(k, str(k))


@dataclass(frozen=True)
class CatchmentRules:
    """Rules and objective settings. Population figures in inhabitants, minutes in minutes."""

    region_rule: bool = True
    band: tuple[float, float] | None = (200_000, 400_000)
    band_hard: bool = False
    band_exceptions: tuple[str, ...] = ("Bornholm", "Thisted", "Nykøbing F")
    fixed: dict[int, str] = field(default_factory=dict)
    forbidden: tuple[tuple[int, str], ...] = ()
    contiguity: bool = True
    nearness_min: float | None = None


def allowed_pairs(inst: CatchmentInstance, rules: CatchmentRules) -> dict[int, list[str]]:
    """Hospitals each kommune may join under the region rule, fixed and forbidden pairs and nearness
    (within ``nearness_min`` minutes of the nearest hospital allowed by the other rules)."""
    host = dict(zip(inst.hospital_kommune, inst.hospitals))
    hreg = dict(zip(inst.hospitals, inst.hospital_region))
    forbidden = set(rules.forbidden)
    out: dict[int, list[str]] = {}
    for k, reg in zip(inst.kommuner, inst.region):
        if k in host:
            out[k] = [host[k]]
            continue
        if k in rules.fixed:
            out[k] = [rules.fixed[k]]
            continue
        hs = [h for h in inst.hospitals if (not rules.region_rule or hreg[h] == reg) and (k, h) not in forbidden]
        if rules.nearness_min is not None and hs:
            t = {h: float(inst.minutes[inst.k_index[k], j]) for j, h in enumerate(inst.hospitals)}
            best = min(t[h] for h in hs)
            hs = [h for h in hs if t[h] <= best + rules.nearness_min]
        out[k] = hs
    return out


def build_catchment_model(inst: CatchmentInstance, rules: CatchmentRules,
                          weights: dict[str, float] | None = None) -> pyo.ConcreteModel:
    """Build the MIP. ``weights`` maps objective names (see OBJECTIVES) to weights.

    The model exposes ``m.term[name]`` expressions for every objective so a lexicographic solver can
    bound earlier terms, and ``m.x``, ``m.pairs`` for extraction.
    """
    weights = {"travel": 1.0} if weights is None else dict(weights)
    unknown = set(weights) - set(OBJECTIVES)
    if unknown:
        raise ValueError(f"unknown objective(s) {sorted(unknown)}; choose from {OBJECTIVES}")
    for h in rules.fixed.values():
        if h not in inst.hospitals:
            raise ValueError(f"fixed assignment names unknown hospital {h!r}")
    for _k, h in rules.forbidden:
        if h not in inst.hospitals:
            raise ValueError(f"forbidden pair names unknown hospital {h!r}")
    ki = inst.k_index
    hi = {h: j for j, h in enumerate(inst.hospitals)}
    allowed = allowed_pairs(inst, rules)
    pop = np.asarray(inst.population, float)
    total = float(pop.sum()) or 1.0

    m = pyo.ConcreteModel("catchments")
    m.pairs = pyo.Set(initialize=[(k, h) for k in inst.kommuner for h in allowed[k]], dimen=2, ordered=True)
    m.x = pyo.Var(m.pairs, domain=pyo.Binary)
    by_k: dict[int, list] = {k: [] for k in inst.kommuner}
    by_h: dict[str, list] = {h: [] for h in inst.hospitals}
    for k, h in m.pairs:
        by_k[k].append((k, h))
        by_h[h].append((k, h))
    m.assign = pyo.Constraint(inst.kommuner, rule=lambda m, k: sum(m.x[p] for p in by_k[k]) == 1
                              if by_k[k] else pyo.Constraint.Infeasible)
    for k, h in zip(inst.hospital_kommune, inst.hospitals):
        m.x[k, h].fix(1)

    # contiguity: single-commodity flow per hospital over arcs between its allowed kommuner
    if rules.contiguity:
        arcs = []
        members = {h: {k for k, _ in by_h[h]} for h in inst.hospitals}
        for a, b in inst.edges:
            for h in inst.hospitals:
                if a in members[h] and b in members[h]:
                    arcs += [(h, a, b), (h, b, a)]
        m.arcs = pyo.Set(initialize=arcs, dimen=3, ordered=True)
        m.flow = pyo.Var(m.arcs, domain=pyo.NonNegativeReals)
        cap = {h: max(len(members[h]) - 1, 0) for h in inst.hospitals}
        out_arcs: dict[tuple, list] = {}
        in_arcs: dict[tuple, list] = {}
        for h, a, b in arcs:
            out_arcs.setdefault((h, a), []).append((h, a, b))
            in_arcs.setdefault((h, b), []).append((h, a, b))
        m.flow_cap_to = pyo.Constraint(m.arcs, rule=lambda m, h, a, b: m.flow[h, a, b] <= cap[h] * m.x[b, h])
        m.flow_cap_from = pyo.Constraint(m.arcs, rule=lambda m, h, a, b: m.flow[h, a, b] <= cap[h] * m.x[a, h])
        roots = dict(zip(inst.hospitals, inst.hospital_kommune))

        # leaf arcs (h, anchor, island): one unit at most, into the island only
        leaf = [(h, a, i) for i, a in inst.leaf_links for h in inst.hospitals
                if a in members[h] and i in members[h]]
        m.leaf_arcs = pyo.Set(initialize=leaf, dimen=3, ordered=True)
        m.leaf_flow = pyo.Var(m.leaf_arcs, domain=pyo.NonNegativeReals, bounds=(0, 1))
        leaf_in: dict[tuple, list] = {}
        leaf_out: dict[tuple, list] = {}
        for h, a, i in leaf:
            leaf_in.setdefault((h, i), []).append((h, a, i))
            leaf_out.setdefault((h, a), []).append((h, a, i))
        m.leaf_cap_from = pyo.Constraint(m.leaf_arcs, rule=lambda m, h, a, i: m.leaf_flow[h, a, i] <= m.x[a, h])
        m.leaf_heads = pyo.Set(initialize=list(leaf_in), dimen=2, ordered=True)
        m.leaf_cap_to = pyo.Constraint(m.leaf_heads, rule=lambda m, h, i: sum(
            m.leaf_flow[e] for e in leaf_in[(h, i)]) <= m.x[i, h])

        def balance(m, k, h):
            if k == roots[h]:
                return pyo.Constraint.Skip
            inflow = sum(m.flow[a] for a in in_arcs.get((h, k), [])) + sum(
                m.leaf_flow[e] for e in leaf_in.get((h, k), []))
            outflow = sum(m.flow[a] for a in out_arcs.get((h, k), [])) + sum(
                m.leaf_flow[e] for e in leaf_out.get((h, k), []))
            return inflow - outflow == m.x[k, h]
        m.flow_balance = pyo.Constraint(m.pairs, rule=balance)

    # population band
    m.catch_pop = pyo.Expression(inst.hospitals, rule=lambda m, h: sum(pop[ki[k]] * m.x[k, h] for k, _ in by_h[h]))
    banded = [h for h in inst.hospitals if rules.band is not None and h not in rules.band_exceptions]
    m.banded = pyo.Set(initialize=banded, ordered=True)
    m.under = pyo.Var(m.banded, domain=pyo.NonNegativeReals)
    m.over = pyo.Var(m.banded, domain=pyo.NonNegativeReals)
    if rules.band is not None:
        lo, hi_ = rules.band
        if lo > hi_:
            raise ValueError(f"band lower bound {lo} exceeds upper bound {hi_}")
        m.band_lo = pyo.Constraint(m.banded, rule=lambda m, h: m.catch_pop[h] + m.under[h] >= lo)
        m.band_hi = pyo.Constraint(m.banded, rule=lambda m, h: m.catch_pop[h] - m.over[h] <= hi_)
        if rules.band_hard:
            for h in banded:
                m.under[h].fix(0)
                m.over[h].fix(0)

    # objective terms
    tmin = np.asarray(inst.minutes, float)
    m.zmax = pyo.Var(domain=pyo.NonNegativeReals)
    m.zmax_def = pyo.Constraint(m.pairs, rule=lambda m, k, h: m.zmax >= tmin[ki[k], hi[h]] * m.x[k, h])
    terms = {
        "travel": sum(pop[ki[k]] * tmin[ki[k], hi[h]] * m.x[k, h] for k, h in m.pairs) / total,
        "max_travel": m.zmax,
        "moves": sum(1 - m.x[k, inst.baseline[k]] if (k, inst.baseline[k]) in m.x else 1
                     for k in inst.kommuner if k in inst.baseline) if inst.baseline else 0,
        "band": sum(m.under[h] + m.over[h] for h in banded) / 1000.0,
    }
    if weights.get("moves") and not inst.baseline:
        raise ValueError("objective 'moves' needs a baseline assignment")
    m.term = pyo.Expression(list(OBJECTIVES), rule=lambda m, n: terms[n])
    m.obj = pyo.Objective(expr=sum(w * m.term[n] for n, w in weights.items() if w), sense=pyo.minimize)
    return m


def extract_assignment(m: pyo.ConcreteModel) -> dict[int, str]:
    """kommune code -> hospital name from a solved model."""
    out: dict[int, str] = {}
    for k, h in m.pairs:
        if pyo.value(m.x[k, h]) > 0.5:
            out[k] = h
    return out
