"""Model 4: group the kommuner into p sundhedsråd (health councils) — pure model building and scoring.

A council is a group of kommuner, contiguous (direct links; a ferry-only island may hang on as a leaf
through a via-port link, as in Model 1), inside one region, holding at least one akutsygehus, with a
population inside the band. Each kommune is served by the nearest akutsygehus *of its own council*; the
objective is the population-weighted mean of those minutes (``travel``), or first the fewest kommuner
moved away from a reference partition (the real 2027 councils) and then travel (``changes``).

Formulation (Pyomo, solved by HiGHS):

* Hospitals are ordered (:attr:`CouncilInstance.root_order`: island hosts last). A council is *rooted* at
  its first hospital in that order: ``r[j] ∈ {0,1}`` opens root j, Σ_j r[j] = p.
* ``y[k,j] ∈ {0,1}``: kommune k is in the council rooted at j; Σ_j y[k,j] = 1; y[k,j] ≤ r[j];
  y[host(j), j] = r[j]; the host of a hospital i never joins a root ordered after i (so the root is
  always the first hospital: no symmetric copies of a plan). The region rule drops pairs across regions.
* ``s[k,i] ∈ [0,1]``: kommune k is served by hospital i; Σ_i s[k,i] = 1 and, for every root j,
  s[k,i] + y[k,j] − y[host(i), j] ≤ 1 (only a hospital of the own council serves). Minimising travel then
  picks the nearest one; s is integral at an optimum (any vertex choice of a nearest hospital).
* Contiguity: single-commodity flow per root over the direct links between kommuner that may join it,
  capacity (n − 1)·y at both ends, plus leaf arcs anchor → island of capacity y[island] (the leaf rule of
  model/catchments.py). Band: lo·r[j] ≤ Σ_k pop[k]·y[k,j] ≤ hi·r[j] (hard).
* ``changes`` = Σ_k (1 − y[k, ref_root(k)]) with ref_root(k) the root of k's reference council: a kommune
  keeps its council iff its council has the same root hospital. 0 reproduces the reference exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sundhed.model.connectivity import connected_with_leaves

COUNCIL_OBJECTIVES = ("travel", "changes")


@dataclass(frozen=True)
class CouncilInstance:
    """kommuner: codes; population: inhabitants; region: per kommune; hospitals: names; hospital_kommune:
    host kommune per hospital; minutes: (kommuner × hospitals) population-weighted minutes; edges: direct
    links (codes); leaf_links: (island, anchor) via-port pairs; reference: code -> council name (optional)."""

    kommuner: tuple[int, ...]
    population: np.ndarray
    region: tuple[str, ...]
    hospitals: tuple[str, ...]
    hospital_kommune: tuple[int, ...]
    minutes: np.ndarray
    edges: tuple[tuple[int, int], ...]
    leaf_links: tuple[tuple[int, int], ...] = ()
    reference: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        nk, nh = len(self.kommuner), len(self.hospitals)
        if len(set(self.kommuner)) != nk or len(set(self.hospitals)) != nh:
            raise ValueError("kommune codes and hospital names must be unique")
        if np.shape(self.population) != (nk,) or len(self.region) != nk:
            raise ValueError("population and region need one entry per kommune")
        if np.shape(self.minutes) != (nk, nh):
            raise ValueError(f"minutes must be kommuner × hospitals = ({nk}, {nh}), got {np.shape(self.minutes)}")
        codes = set(self.kommuner)
        bad = [k for k in self.hospital_kommune if k not in codes]
        if bad:
            raise ValueError(f"hospital host kommune(r) {bad} unknown")
        if len(set(self.hospital_kommune)) != nh:
            raise ValueError("two hospitals in one kommune")
        for a, b in tuple(self.edges) + tuple(self.leaf_links):
            if a not in codes or b not in codes:
                raise ValueError(f"link ({a}, {b}) names an unknown kommune")
        unknown = sorted(set(self.reference) - codes)
        if unknown:
            raise ValueError(f"reference councils name unknown kommune(r) {unknown}")

    @property
    def k_index(self) -> dict[int, int]:
        return {k: i for i, k in enumerate(self.kommuner)}

    @property
    def root_order(self) -> tuple[str, ...]:
        """Hospitals in root order: given order, hospitals on ferry-only islands last."""
        islands = {i for i, _ in self.leaf_links}
        return tuple(sorted(self.hospitals, key=lambda h: (self.hospital_kommune[self.hospitals.index(h)] in islands,
                                                           self.hospitals.index(h))))

    def host(self, h: str) -> int:
        return self.hospital_kommune[self.hospitals.index(h)]

    def name(self, k: int) -> str:
        return self.names.get(k, str(k))

    def root_of(self, members) -> str | None:
        """The root hospital of a group of kommuner (its first hospital in root order), or None."""
        members = set(members)
        return next((h for h in self.root_order if self.host(h) in members), None)

    def reference_roots(self) -> dict[int, str | None]:
        """kommune -> root hospital of its reference council (None: that council holds no hospital)."""
        groups: dict[str, set] = {}
        for k, c in self.reference.items():
            groups.setdefault(c, set()).add(k)
        root = {c: self.root_of(m) for c, m in groups.items()}
        return {k: root[c] for k, c in self.reference.items()}


@dataclass(frozen=True)
class CouncilRules:
    """p councils; band (inhabitants, hard) or None; region_rule: a council stays inside one region."""

    p: int = 17
    band: tuple[float, float] | None = (150_000, 800_000)
    region_rule: bool = True
    contiguity: bool = True


def check_rules(inst: CouncilInstance, rules: CouncilRules) -> None:
    """One-line ValueError for rules no plan can meet on their face."""
    if rules.p < 1:
        raise ValueError(f"p must be at least 1, got {rules.p}")
    if rules.p > len(inst.hospitals):
        raise ValueError(f"p = {rules.p} councils but only {len(inst.hospitals)} akutsygehuse: every council "
                         "needs at least one")
    if rules.band is not None and rules.band[0] > rules.band[1]:
        raise ValueError(f"band lower bound {rules.band[0]} exceeds upper bound {rules.band[1]}")


def allowed_roots(inst: CouncilInstance, rules: CouncilRules) -> dict[int, list[str]]:
    """Roots each kommune may join: same region (region rule); a hospital's host never joins a later root."""
    order = inst.root_order
    pos = {h: i for i, h in enumerate(order)}
    hreg = {h: inst.region[inst.k_index[inst.host(h)]] for h in inst.hospitals}
    hosted = {inst.host(h): h for h in inst.hospitals}
    out = {}
    for k, reg in zip(inst.kommuner, inst.region):
        roots = [j for j in order if not rules.region_rule or hreg[j] == reg]
        if k in hosted:
            roots = [j for j in roots if pos[j] <= pos[hosted[k]]]
        out[k] = roots
    return out


def build_council_model(inst: CouncilInstance, rules: CouncilRules,
                        weights: dict[str, float] | None = None) -> pyo.ConcreteModel:
    """The MIP; ``m.term['travel'|'changes']`` for lexicographic solves; ``m.y``, ``m.s`` for extraction."""
    check_rules(inst, rules)
    weights = {"travel": 1.0} if weights is None else dict(weights)
    bad = set(weights) - set(COUNCIL_OBJECTIVES)
    if bad:
        raise ValueError(f"unknown objective(s) {sorted(bad)}; choose from {COUNCIL_OBJECTIVES}")
    if weights.get("changes") and not inst.reference:
        raise ValueError("objective 'changes' needs reference councils")
    ki = inst.k_index
    hj = {h: j for j, h in enumerate(inst.hospitals)}
    pop = np.asarray(inst.population, float)
    total = float(pop.sum()) or 1.0
    allowed = allowed_roots(inst, rules)
    order = inst.root_order

    m = pyo.ConcreteModel("councils")
    m.roots = pyo.Set(initialize=list(order), ordered=True)
    m.r = pyo.Var(m.roots, domain=pyo.Binary)
    m.ypairs = pyo.Set(initialize=[(k, j) for k in inst.kommuner for j in allowed[k]], dimen=2, ordered=True)
    m.y = pyo.Var(m.ypairs, domain=pyo.Binary)
    by_k: dict[int, list] = {k: [] for k in inst.kommuner}
    by_j: dict[str, list] = {j: [] for j in order}
    for k, j in m.ypairs:
        by_k[k].append(j)
        by_j[j].append(k)
    m.count = pyo.Constraint(expr=sum(m.r[j] for j in order) == rules.p)
    m.assign = pyo.Constraint(inst.kommuner, rule=lambda m, k: sum(m.y[k, j] for j in by_k[k]) == 1
                              if by_k[k] else pyo.Constraint.Infeasible)
    m.open = pyo.Constraint(m.ypairs, rule=lambda m, k, j: m.y[k, j] <= m.r[j])
    m.root_home = pyo.Constraint(m.roots, rule=lambda m, j: m.y[inst.host(j), j] == m.r[j])

    # service: the nearest hospital of the own council (s may only use hospitals that share k's root)
    spairs = [(k, i) for k in inst.kommuner for i in inst.hospitals
              if set(by_k[k]) & set(by_k[inst.host(i)])]
    m.spairs = pyo.Set(initialize=spairs, dimen=2, ordered=True)
    m.s = pyo.Var(m.spairs, domain=pyo.NonNegativeReals, bounds=(0, 1))
    s_by_k: dict[int, list] = {k: [] for k in inst.kommuner}
    for k, i in spairs:
        s_by_k[k].append(i)
    m.serve = pyo.Constraint(inst.kommuner, rule=lambda m, k: sum(m.s[k, i] for i in s_by_k[k]) == 1)
    link = [(k, i, j) for k, i in spairs for j in by_k[k] if k != inst.host(i)]
    m.links = pyo.Set(initialize=link, dimen=3, ordered=True)

    def same_council(m, k, i, j):
        other = m.y[inst.host(i), j] if (inst.host(i), j) in m.y else 0
        return m.s[k, i] + m.y[k, j] - other <= 1
    m.same = pyo.Constraint(m.links, rule=same_council)

    if rules.contiguity:
        members = {j: set(by_j[j]) for j in order}
        arcs = [(j, a, b) for a, b in inst.edges for j in order if a in members[j] and b in members[j]]
        arcs += [(j, b, a) for j, a, b in list(arcs)]
        m.arcs = pyo.Set(initialize=arcs, dimen=3, ordered=True)
        m.flow = pyo.Var(m.arcs, domain=pyo.NonNegativeReals)
        cap = {j: max(len(members[j]) - 1, 0) for j in order}
        m.cap_to = pyo.Constraint(m.arcs, rule=lambda m, j, a, b: m.flow[j, a, b] <= cap[j] * m.y[b, j])
        m.cap_from = pyo.Constraint(m.arcs, rule=lambda m, j, a, b: m.flow[j, a, b] <= cap[j] * m.y[a, j])
        leaf = [(j, a, i) for i, a in inst.leaf_links for j in order if a in members[j] and i in members[j]]
        m.leaf_arcs = pyo.Set(initialize=leaf, dimen=3, ordered=True)
        m.leaf = pyo.Var(m.leaf_arcs, domain=pyo.NonNegativeReals, bounds=(0, 1))
        m.leaf_from = pyo.Constraint(m.leaf_arcs, rule=lambda m, j, a, i: m.leaf[j, a, i] <= m.y[a, j])
        ins: dict[tuple, list] = {}
        outs: dict[tuple, list] = {}
        lin: dict[tuple, list] = {}
        lout: dict[tuple, list] = {}
        for e in arcs:
            outs.setdefault((e[0], e[1]), []).append(e)
            ins.setdefault((e[0], e[2]), []).append(e)
        for e in leaf:
            lout.setdefault((e[0], e[1]), []).append(e)
            lin.setdefault((e[0], e[2]), []).append(e)
        m.leaf_heads = pyo.Set(initialize=list(lin), dimen=2, ordered=True)
        m.leaf_to = pyo.Constraint(m.leaf_heads, rule=lambda m, j, i: sum(m.leaf[e] for e in lin[(j, i)]) <= m.y[i, j])

        def balance(m, k, j):
            if k == inst.host(j):
                return pyo.Constraint.Skip
            inflow = sum(m.flow[e] for e in ins.get((j, k), [])) + sum(m.leaf[e] for e in lin.get((j, k), []))
            outflow = sum(m.flow[e] for e in outs.get((j, k), [])) + sum(m.leaf[e] for e in lout.get((j, k), []))
            return inflow - outflow == m.y[k, j]
        m.balance = pyo.Constraint(m.ypairs, rule=balance)

    m.council_pop = pyo.Expression(m.roots, rule=lambda m, j: sum(pop[ki[k]] * m.y[k, j] for k in by_j[j]))
    if rules.band is not None:
        lo, hi = rules.band
        m.band_lo = pyo.Constraint(m.roots, rule=lambda m, j: m.council_pop[j] >= lo * m.r[j])
        m.band_hi = pyo.Constraint(m.roots, rule=lambda m, j: m.council_pop[j] <= hi * m.r[j])

    tmin = np.asarray(inst.minutes, float)
    ref = inst.reference_roots()
    terms = {
        "travel": sum(pop[ki[k]] * tmin[ki[k], hj[i]] * m.s[k, i] for k, i in spairs) / total,
        "changes": sum(1 - m.y[k, ref[k]] if ref.get(k) is not None and (k, ref[k]) in m.y else 1
                       for k in inst.kommuner if k in inst.reference) if inst.reference else 0,
    }
    m.term = pyo.Expression(list(COUNCIL_OBJECTIVES), rule=lambda m, n: terms[n])
    m.obj = pyo.Objective(expr=sum(w * m.term[n] for n, w in weights.items() if w), sense=pyo.minimize)
    return m


def extract_councils(m: pyo.ConcreteModel) -> dict[int, str]:
    """kommune code -> root hospital of its council."""
    return {k: j for k, j in m.ypairs if pyo.value(m.y[k, j]) > 0.5}


def council_names(inst: CouncilInstance, roots: dict[int, str]) -> dict[str, str]:
    """A display name per root: the reference council whose root it is (e.g. "Sundhedsråd Fyn"), else
    "Sundhedsråd <hospital>"."""
    ref = inst.reference_roots()
    by_root: dict[str, str] = {}
    for k, j in ref.items():
        if j is not None:
            by_root.setdefault(j, inst.reference[k])
    return {j: by_root.get(j, f"Sundhedsråd {j}") for j in sorted(set(roots.values()))}


# ------------------------------------------------------------------------------------------- scoring
def evaluate_councils(inst: CouncilInstance, council_of: dict[int, str], rules: CouncilRules | None = None,
                      unverified: dict[int, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score any grouping (kommune code -> council name), independently of the MIP.

    Returns (units, kommuner). ``units``: one row per council with ``name``, ``region`` ("/"-joined when
    it spans several), ``kommuner``, ``population`` (inhabitants), ``hospitals`` (list of names),
    ``contiguous`` (direct links + leaf rule, rooted at the council's first hospital in root order, or its
    most populous kommune when it has none), ``cut_off`` (names of members that root cannot reach),
    ``band_status``, ``minutes`` (population-weighted mean minutes
    to the nearest akutsygehus inside the council; NaN without one), ``unverified`` (member kommuner whose
    placement is unverified). ``kommuner``: ``code``, ``kommune``, ``council``, ``hospital`` (nearest of the
    own council), ``region``, ``population``, ``travel_minutes``, ``moved`` (root differs from the reference's),
    ``unverified`` (the kommune's real placement is unverified).
    """
    rules = rules or CouncilRules()
    missing = [k for k in inst.kommuner if k not in council_of]
    if missing:
        raise ValueError(f"no council for kommune(r) {', '.join(inst.name(k) for k in missing[:10])}")
    ki, hj = inst.k_index, {h: j for j, h in enumerate(inst.hospitals)}
    pop = np.asarray(inst.population, float)
    groups: dict[str, list[int]] = {}
    for k in inst.kommuner:
        groups.setdefault(council_of[k], []).append(k)
    ref = inst.reference_roots()
    unverified = unverified or {}
    urows, krows = [], []
    for name, members in groups.items():
        hs = [h for h in inst.root_order if inst.host(h) in set(members)]
        root_h = hs[0] if hs else None
        root_k = inst.host(root_h) if root_h else max(members, key=lambda k: pop[ki[k]])
        contiguous = connected_with_leaves(members, root_k, inst.edges, inst.leaf_links)
        cut_off = [] if contiguous else _cut_off(inst, members, root_k)
        regions = sorted({inst.region[ki[k]] for k in members})
        p = int(sum(pop[ki[k]] for k in members))
        if rules.band is None:
            status = "-"
        else:
            status = "inden for" if rules.band[0] <= p <= rules.band[1] else "uden for"
        mins = []
        for k in members:
            if hs:
                best = min(hs, key=lambda h: inst.minutes[ki[k], hj[h]])
                t = float(inst.minutes[ki[k], hj[best]])
            else:
                best, t = None, float("nan")
            mins.append(t)
            krows.append((k, inst.name(k), name, best, inst.region[ki[k]], int(pop[ki[k]]), t,
                          bool(inst.reference) and ref.get(k) != root_h, k in unverified))
        w = np.array([pop[ki[k]] for k in members])
        mean = float(np.average(mins, weights=w)) if hs and w.sum() else float("nan")
        urows.append((name, "/".join(regions), len(members), p, [h for h in inst.hospitals if h in hs],
                      bool(contiguous), cut_off, status, mean,
                      sorted(unverified[k] for k in members if k in unverified)))
    units = pd.DataFrame(urows, columns=["name", "region", "kommuner", "population", "hospitals", "contiguous",
                                         "cut_off", "band_status", "minutes", "unverified"])
    kom = pd.DataFrame(krows, columns=["code", "kommune", "council", "hospital", "region", "population",
                                       "travel_minutes", "moved", "unverified"])
    kom = kom.sort_values("code").reset_index(drop=True)
    return units, kom


def _cut_off(inst: CouncilInstance, members, root: int) -> list[str]:
    """Members not reached from ``root`` over direct links (and not a leaf island of the reached part)."""
    import networkx as nx

    members = set(members)
    g = nx.Graph()
    g.add_nodes_from(members)
    g.add_edges_from((a, b) for a, b in inst.edges if a in members and b in members)
    reached = nx.node_connected_component(g, root)
    leafy = {i for i, a in inst.leaf_links if a in reached}
    return sorted(inst.name(k) for k in members - reached - leafy)


def council_metrics(units: pd.DataFrame, kom: pd.DataFrame) -> dict:
    """Headline figures of a scored grouping (minutes population-weighted, inhabitants; ``smallest`` /
    ``largest``: the council with the fewest / most inhabitants and its population)."""
    w = kom["population"].to_numpy(float)
    t = kom["travel_minutes"].to_numpy(float)
    ok = np.isfinite(t)
    by_pop = units.sort_values(["population", "name"])
    return {
        "councils": int(len(units)),
        "smallest_council": str(by_pop["name"].iloc[0]) if len(units) else None,
        "smallest_population": int(by_pop["population"].iloc[0]) if len(units) else None,
        "largest_council": str(by_pop["name"].iloc[-1]) if len(units) else None,
        "largest_population": int(by_pop["population"].iloc[-1]) if len(units) else None,
        "mean_minutes": round(float(np.average(t[ok], weights=w[ok])), 3) if ok.any() else None,
        "max_minutes": round(float(t[ok].max()), 3) if ok.any() else None,
        "changes_vs_reference": int(kom["moved"].sum()),
        "without_hospital": [n for n, h in zip(units["name"], units["hospitals"]) if not h],
        "not_contiguous": [n for n, c in zip(units["name"], units["contiguous"]) if not c],
        "region_breaks": [n for n, r in zip(units["name"], units["region"]) if "/" in r],
        "outside_band": [n for n, s in zip(units["name"], units["band_status"]) if s == "uden for"],
    }
