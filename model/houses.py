"""Model 2: siting sundhedshuse (local health houses) under the Nærhedsfond budget.

A budgeted facility-location MIP, generic over plain arrays (no data loading here).

Units used throughout:

* travel and hospital times: minutes;
* money: mio. kr. (the *state* pays ``(1 - cofinancing_share[kommune]) * cost``; the kommune pays the rest);
* demand weight: inhabitants (or an elderly estimate); house capacity is counted in the same unit
  ("patients" = demand weight that can be served).

Coverage: demand point ``i`` is covered when an open house lies within ``coverage_minutes`` (T) or its
nearest akutsygehus does (``hospital_min[i] <= T``). Hospitals have unlimited capacity.

Decisions: at most one house per candidate site, of one :class:`HouseType`. Existing houses are fixed open,
keep their type and cost nothing. With a yearly profile every new house gets exactly one build year
2020–2025 and each year's state spend is capped by that year's budget (with ``carry_over=True`` unused money
moves forward, i.e. cumulative spend ≤ cumulative budget).

The model is built by :func:`build_house_model`; solving and extraction live in ``solvers/houses.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pyomo.environ as pyo

OBJECTIVES = ("coverage", "median", "maxmin")

#: Nærhedsfonden's building pool: 3 mia. kr. over 2020–2025, i.e. 500 mio. kr. a year.
NAERHEDSFOND_BUDGET_MIO_KR = 3000.0
NAERHEDSFOND_YEARLY_MIO_KR: dict[int, float] = {y: 500.0 for y in range(2020, 2026)}
#: Up to 150 mio. kr. are earmarked for København (101) and Frederiksberg (147).
KBH_FRB_CAP_MIO_KR: dict[tuple[int, ...], float] = {(101, 147): 150.0}
#: Ordinary local co-financing share (~25 %).
DEFAULT_COFINANCING_SHARE = 0.25
#: Share used for "weaker" kommuner by :func:`cofinancing_shares` when nothing else is given.  The political
#: agreement only says "lower"; 0.10 is an assumption, pass your own value.
WEAK_KOMMUNE_COFINANCING_SHARE = 0.10

#: Default weight of the secondary (total coverage share) term in the "maxmin" objective.
MAXMIN_EPSILON = 1e-4

_TOL = 1e-9


class InfeasibleRuleError(ValueError):
    """A side rule (e.g. ``min_one_per_catchment``) cannot be met by any plan; ``rule`` names it."""

    def __init__(self, message: str, rule: str):
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class HouseType:
    """A kind of sundhedshus.

    name: label (unique within an instance); cost_mio_kr: total project cost in mio. kr. (state + kommune);
    capacity: patients (same unit as ``HouseInstance.demand_weight``) it can serve.
    """

    name: str
    cost_mio_kr: float
    capacity: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("HouseType.name must be a non-empty string")
        for attr in ("cost_mio_kr", "capacity"):
            v = getattr(self, attr)
            if not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"HouseType {self.name!r}: {attr} must be a finite number >= 0, got {v!r}")


def cofinancing_shares(kommuner: Sequence[int], weak: Sequence[int] = (),
                       default: float = DEFAULT_COFINANCING_SHARE,
                       weak_share: float = WEAK_KOMMUNE_COFINANCING_SHARE) -> dict[int, float]:
    """Kommune code -> local co-financing share: ``default`` for all, ``weak_share`` for the ``weak`` list."""
    weak_set = {int(k) for k in weak}
    return {int(k): (weak_share if int(k) in weak_set else default) for k in kommuner}


def _float_array(name: str, values, ndim: int) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


def _int_array(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        try:
            as_int = arr.astype(np.int64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold integer kommune codes") from None
        if not np.array_equal(as_int, arr.astype(float)):
            raise ValueError(f"{name} must hold integer kommune codes")
        arr = as_int
    arr = arr.astype(np.int64, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class HouseInstance:
    """All data of one siting problem (n demand points, m candidate sites, K house types).

    demand_ids: n unique ids.
    demand_weight: (n,) inhabitants (or elderly estimate) per demand point, >= 0.
    demand_kommune: (n,) kommune code per demand point.
    demand_catchment: (n,) catchment id (str) per demand point, e.g. the akutsygehus catchment.
    site_ids: m unique candidate-site ids.
    site_kommune: (m,) kommune code per candidate site (decides co-financing and group caps).
    travel_min: (n, m) travel time demand -> site in minutes (+inf = unreachable; NaN not allowed).
    hospital_min: (n,) minutes to the nearest akutsygehus (counts as coverage, unlimited capacity).
    house_types: the K types a new house can have.
    cofinancing_share: kommune code -> local share of the project cost in [0, 1];
        kommuner not listed use ``default_cofinancing_share``.
    budget_mio_kr: cap on total state spend, mio. kr.
    yearly_budget_mio_kr: optional year -> state budget that year (mio. kr.), e.g. 2020–2025.
    carry_over: with a yearly profile, whether unused money may be spent in later years.
    group_caps_mio_kr: kommune codes -> cap on state spend for new houses sited in those kommuner.
    existing: (site, type) pairs of houses already open; site is an index or a site id, type an index or
        a type name. They are always open, keep their type and cost nothing.
    coverage_minutes: T, minutes.
    site_catchment: optional (m,) catchment per site (used by ``min_one_per_catchment``); by default a site
        belongs to the catchment of its nearest demand point (by ``travel_min``).
    """

    demand_ids: Sequence[str]
    demand_weight: np.ndarray
    demand_kommune: np.ndarray
    demand_catchment: Sequence[str]
    site_ids: Sequence[str]
    site_kommune: np.ndarray
    travel_min: np.ndarray
    hospital_min: np.ndarray
    house_types: Sequence[HouseType]
    cofinancing_share: Mapping[int, float] = field(default_factory=dict)
    budget_mio_kr: float = NAERHEDSFOND_BUDGET_MIO_KR
    yearly_budget_mio_kr: Mapping[int, float] | None = None
    carry_over: bool = False
    group_caps_mio_kr: Mapping[tuple[int, ...], float] = field(default_factory=dict)
    existing: Sequence[tuple] = ()
    coverage_minutes: float = 20.0
    site_catchment: Sequence[str] | None = None
    default_cofinancing_share: float = DEFAULT_COFINANCING_SHARE

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ validation / normalisation
    def _set(self, name: str, value) -> None:
        object.__setattr__(self, name, value)

    def validate(self) -> None:
        """Check and normalise the data; raises ValueError with a clear message on bad input."""
        ids = [str(d) for d in self.demand_ids]
        if len(set(ids)) != len(ids):
            raise ValueError("demand_ids must be unique")
        self._set("demand_ids", tuple(ids))
        n = len(ids)
        sids = [str(s) for s in self.site_ids]
        if len(set(sids)) != len(sids):
            raise ValueError("site_ids must be unique")
        self._set("site_ids", tuple(sids))
        m = len(sids)

        w = _float_array("demand_weight", self.demand_weight, 1)
        if w.shape != (n,):
            raise ValueError(f"demand_weight has length {w.shape[0]}, expected {n} (one per demand id)")
        if not np.all(np.isfinite(w)):
            raise ValueError("demand_weight contains NaN or inf")
        if np.any(w < 0):
            raise ValueError(f"demand_weight must be >= 0; negative at demand {ids[int(np.argmax(w < 0))]!r}")
        self._set("demand_weight", w)

        dk = _int_array("demand_kommune", self.demand_kommune)
        if dk.shape != (n,):
            raise ValueError(f"demand_kommune has length {dk.shape[0]}, expected {n}")
        self._set("demand_kommune", dk)
        dc = tuple(str(c) for c in self.demand_catchment)
        if len(dc) != n:
            raise ValueError(f"demand_catchment has length {len(dc)}, expected {n}")
        self._set("demand_catchment", dc)

        sk = _int_array("site_kommune", self.site_kommune)
        if sk.shape != (m,):
            raise ValueError(f"site_kommune has length {sk.shape[0]}, expected {m} (one per site id)")
        self._set("site_kommune", sk)

        t = _float_array("travel_min", self.travel_min, 2)
        if t.shape != (n, m):
            raise ValueError(f"travel_min has shape {t.shape}, expected (n_demand, n_sites) = {(n, m)}")
        if np.isnan(t).any():
            raise ValueError("travel_min contains NaN (use +inf for unreachable pairs)")
        if (t < 0).any():
            raise ValueError("travel_min must be >= 0 minutes")
        self._set("travel_min", t)
        h = _float_array("hospital_min", self.hospital_min, 1)
        if h.shape != (n,):
            raise ValueError(f"hospital_min has length {h.shape[0]}, expected {n}")
        if np.isnan(h).any():
            raise ValueError("hospital_min contains NaN (use +inf for no reachable hospital)")
        if (h < 0).any():
            raise ValueError("hospital_min must be >= 0 minutes")
        self._set("hospital_min", h)

        types = tuple(self.house_types)
        if not types:
            raise ValueError("house_types must contain at least one HouseType")
        if not all(isinstance(k, HouseType) for k in types):
            raise ValueError("house_types must be HouseType objects")
        if len({k.name for k in types}) != len(types):
            raise ValueError("house type names must be unique")
        self._set("house_types", types)

        if not isinstance(self.coverage_minutes, (int, float)) or not math.isfinite(self.coverage_minutes) \
                or self.coverage_minutes <= 0:
            raise ValueError(f"coverage_minutes must be a positive number of minutes, got {self.coverage_minutes!r}")
        b = self.budget_mio_kr
        if not isinstance(b, (int, float, np.integer, np.floating)) or not math.isfinite(b):
            raise ValueError(f"budget_mio_kr must be a finite number, got {b!r}")
        if b < 0:
            raise ValueError(f"budget_mio_kr must be >= 0 mio. kr., got {b}")
        self._set("budget_mio_kr", float(b))

        if not 0 <= self.default_cofinancing_share <= 1:
            raise ValueError("default_cofinancing_share must lie in [0, 1]")
        shares = {}
        for k, s in dict(self.cofinancing_share).items():
            s = float(s)
            if not (0.0 <= s <= 1.0):
                raise ValueError(f"cofinancing_share for kommune {k} must lie in [0, 1], got {s}")
            shares[int(k)] = s
        self._set("cofinancing_share", shares)

        if self.yearly_budget_mio_kr is not None:
            yearly = {}
            for y, v in dict(self.yearly_budget_mio_kr).items():
                v = float(v)
                if not math.isfinite(v) or v < 0:
                    raise ValueError(f"yearly budget for {y} must be a finite number >= 0, got {v}")
                yearly[int(y)] = v
            if not yearly:
                raise ValueError("yearly_budget_mio_kr is empty; pass None for no yearly profile")
            self._set("yearly_budget_mio_kr", dict(sorted(yearly.items())))

        caps = {}
        for key, cap in dict(self.group_caps_mio_kr).items():
            codes = (int(key),) if isinstance(key, (int, np.integer)) else tuple(int(c) for c in key)
            if not codes:
                raise ValueError("group_caps_mio_kr keys must name at least one kommune")
            cap = float(cap)
            if not math.isfinite(cap) or cap < 0:
                raise ValueError(f"group cap for kommuner {codes} must be a finite number >= 0, got {cap}")
            caps[codes] = cap
        self._set("group_caps_mio_kr", caps)

        site_pos = {s: j for j, s in enumerate(sids)}
        type_pos = {k.name: q for q, k in enumerate(types)}
        ex = []
        for item in self.existing:
            try:
                site, typ = item
            except (TypeError, ValueError):
                raise ValueError(f"existing entries must be (site, type) pairs, got {item!r}") from None
            if isinstance(site, (int, np.integer)):
                if not 0 <= int(site) < m:
                    raise ValueError(f"existing house at unknown site index {site} (there are {m} sites)")
                j = int(site)
            elif str(site) in site_pos:
                j = site_pos[str(site)]
            else:
                raise ValueError(f"existing house at unknown site {site!r}")
            if isinstance(typ, (int, np.integer)):
                if not 0 <= int(typ) < len(types):
                    raise ValueError(f"existing house at site {sids[j]!r} has unknown type index {typ}")
                q = int(typ)
            elif str(typ) in type_pos:
                q = type_pos[str(typ)]
            else:
                raise ValueError(f"existing house at site {sids[j]!r} has unknown type {typ!r}")
            ex.append((j, q))
        if len({j for j, _ in ex}) != len(ex):
            raise ValueError("at most one existing house per site")
        self._set("existing", tuple(sorted(ex)))

        if self.site_catchment is None:
            if n == 0 or m == 0:
                sc = tuple("" for _ in range(m))
            else:
                sc = tuple(dc[int(i)] for i in np.argmin(t, axis=0))
        else:
            sc = tuple(str(c) for c in self.site_catchment)
            if len(sc) != m:
                raise ValueError(f"site_catchment has length {len(sc)}, expected {m}")
        self._set("site_catchment", sc)

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_demand(self) -> int:
        return len(self.demand_ids)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    def share_of(self, kommune: int) -> float:
        """Local co-financing share of ``kommune`` (fraction of total cost the kommune pays)."""
        return self.cofinancing_share.get(int(kommune), self.default_cofinancing_share)

    def state_cost_matrix(self) -> np.ndarray:
        """(m, K) state cost in mio. kr. of building type k at site j (new houses)."""
        share = np.array([self.share_of(k) for k in self.site_kommune], dtype=float)
        cost = np.array([k.cost_mio_kr for k in self.house_types], dtype=float)
        return (1.0 - share)[:, None] * cost[None, :]

    def existing_mask(self) -> np.ndarray:
        """(m,) True where a house already exists."""
        mask = np.zeros(self.n_sites, dtype=bool)
        for j, _ in self.existing:
            mask[j] = True
        return mask

    def hospital_covered(self) -> np.ndarray:
        """(n,) True where the nearest akutsygehus is within T minutes."""
        return self.hospital_min <= self.coverage_minutes + _TOL

    def covered_by(self, open_sites) -> np.ndarray:
        """(n,) bool: covered by a hospital or one of ``open_sites`` (indices) within T, ignoring capacity."""
        cov = self.hospital_covered().copy()
        idx = np.asarray(list(open_sites), dtype=int)
        if idx.size:
            cov |= (self.travel_min[:, idx] <= self.coverage_minutes + _TOL).any(axis=1)
        return cov

    def baseline_covered(self) -> np.ndarray:
        """(n,) bool coverage from existing houses and hospitals only (capacity ignored)."""
        return self.covered_by([j for j, _ in self.existing])

    def kommuner_without_sites(self) -> list[int]:
        """Kommuner (by demand) with no candidate site at all (no rule can put a house there)."""
        have = {int(k) for k in self.site_kommune}
        return sorted({int(k) for k in self.demand_kommune} - have)

    def uncovered_kommuner(self) -> list[int]:
        """Kommuner (by demand) with no demand point covered at baseline (existing houses + hospitals)."""
        cov = self.baseline_covered()
        out = []
        for k in np.unique(self.demand_kommune):
            if not cov[self.demand_kommune == k].any():
                out.append(int(k))
        return out

    def catchments(self) -> list[str]:
        """Catchment ids in first-seen order."""
        return list(dict.fromkeys(self.demand_catchment))


# ---------------------------------------------------------------------------------------------------- model
def build_house_model(inst: HouseInstance, objective: str, *, capacity: bool = False,
                      min_one_per_catchment: bool = False, min_one_per_uncovered_kommune: bool = False,
                      maxmin_epsilon: float = MAXMIN_EPSILON, new_houses: bool = True,
                      min_one_per_kommune: bool = False) -> pyo.ConcreteModel:
    """Build the siting MIP.

    Objectives (the Pyomo objective value is in these units):

    * ``"coverage"``: maximise covered demand weight (inhabitants) within T of an open house or hospital.
    * ``"median"``: minimise total weighted travel time (inhabitant-minutes); each demand point goes to its
      nearest open house or its hospital (uncapacitated) or is split over houses/hospital (capacitated).
    * ``"maxmin"``: maximise ``min_c share_c + maxmin_epsilon * total_share``, where ``share_c`` is the covered
      share (0..1) of catchment c's weight and ``total_share`` the covered share of all weight. The small
      secondary term breaks ties towards more total coverage; catchments of zero weight are ignored.

    Flags:

    * ``capacity``: demand served by a house is limited by its type's capacity (same unit as the weights;
      assignments may be fractional). For coverage/maxmin a point is then covered only through capacity of an
      open house within T (or its hospital within T). Hospitals are uncapacitated.
    * ``min_one_per_catchment``: every catchment has at least one open house (existing ones count) at a site
      in that catchment (see ``HouseInstance.site_catchment``).
    * ``min_one_per_uncovered_kommune``: every kommune whose demand is entirely uncovered at baseline gets at
      least one *new* house sited in that kommune.

    * ``min_one_per_kommune``: every kommune that has at least one candidate site ends with an open house
      (existing or new) in it — KL's 2023 "a sundhedshus in every kommune". Kommuner without any candidate
      site are not constrained (:meth:`HouseInstance.kommuner_without_sites` lists them).

    ``new_houses=False`` builds the "before" model: existing houses and hospitals only (rules are ignored).

    Raises ValueError for an unknown objective and :class:`InfeasibleRuleError` when a rule is impossible by
    structure (no candidate site at all). Budget/cap infeasibility shows up when solving.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {OBJECTIVES}")
    if objective == "median" and not np.all(np.isfinite(inst.hospital_min)):
        raise ValueError("objective 'median' needs a finite hospital_min for every demand point")
    if maxmin_epsilon < 0:
        raise ValueError("maxmin_epsilon must be >= 0")

    m = inst.n_sites
    T = inst.coverage_minutes + _TOL
    w = inst.demand_weight
    tt = inst.travel_min
    h = inst.hospital_min
    cap_k = np.array([k.capacity for k in inst.house_types], dtype=float)
    state_cost = inst.state_cost_matrix()
    ex_mask = inst.existing_mask()
    ex_type = {j: q for j, q in inst.existing}
    new_sites = np.nonzero(~ex_mask)[0]

    mdl = pyo.ConcreteModel(name=f"sundhedshuse_{objective}")

    # ---- build decisions: only affordable (site, type) pairs on sites without an existing house
    afford = state_cost[new_sites] <= inst.budget_mio_kr + 1e-9
    if not new_houses:
        afford[:] = False
        min_one_per_catchment = min_one_per_uncovered_kommune = min_one_per_kommune = False
    if inst.yearly_budget_mio_kr is not None:
        ymax = (sum(inst.yearly_budget_mio_kr.values()) if inst.carry_over
                else max(inst.yearly_budget_mio_kr.values()))
        afford &= state_cost[new_sites] <= ymax + 1e-9
    for codes, cap in inst.group_caps_mio_kr.items():
        in_group = np.isin(inst.site_kommune[new_sites], codes)
        afford[in_group] &= state_cost[new_sites][in_group] <= cap + 1e-9
    jj, qq = np.nonzero(afford)
    build_idx = [(int(new_sites[a]), int(q)) for a, q in zip(jj, qq)]
    mdl.B = pyo.Set(initialize=build_idx, dimen=2, ordered=True)
    mdl.build = pyo.Var(mdl.B, domain=pyo.Binary)

    by_site: dict[int, list[tuple[int, int]]] = {}
    for j, q in build_idx:
        by_site.setdefault(j, []).append((j, q))
    multi = [j for j, lst in by_site.items() if len(lst) > 1]
    mdl.one_type = pyo.Constraint(multi, rule=lambda b, j: sum(b.build[p] for p in by_site[j]) <= 1)

    def open_expr(j: int):
        """1 for an existing house, sum of build vars for a candidate, 0 if nothing can be built."""
        if ex_mask[j]:
            return 1
        lst = by_site.get(j)
        if not lst:
            return 0
        return pyo.quicksum((mdl.build[p] for p in lst))

    def cap_expr(j: int):
        if ex_mask[j]:
            return float(cap_k[ex_type[j]])
        return pyo.quicksum((float(cap_k[q]) * mdl.build[(j, q)] for _, q in by_site.get(j, [])))

    def spend(pairs) -> Any:  # a Pyomo expression
        return pyo.quicksum((float(state_cost[j, q]) * mdl.build[(j, q)] for j, q in pairs))

    # ---- money
    mdl.budget = pyo.ConstraintList()
    if build_idx:
        mdl.budget.add(spend(build_idx) <= inst.budget_mio_kr)
    caps = list(inst.group_caps_mio_kr.items())
    mdl.group_cap = pyo.ConstraintList()
    for codes, cap in caps:
        pairs = [p for p in build_idx if int(inst.site_kommune[p[0]]) in codes]
        if pairs:
            mdl.group_cap.add(spend(pairs) <= cap)
    if inst.yearly_budget_mio_kr is not None:
        years = list(inst.yearly_budget_mio_kr)
        mdl.Y = pyo.Set(initialize=years, ordered=True)
        mdl.build_year = pyo.Var(mdl.B, mdl.Y, domain=pyo.Binary)
        mdl.one_year = pyo.Constraint(mdl.B, rule=lambda b, j, q: sum(b.build_year[j, q, y] for y in years)
                                      == b.build[j, q])

        def year_rule(b, y):
            upto = [yy for yy in years if yy <= y] if inst.carry_over else [y]
            lhs = pyo.quicksum((float(state_cost[j, q]) * b.build_year[j, q, yy]
                                for j, q in build_idx for yy in upto))
            rhs = sum(inst.yearly_budget_mio_kr[yy] for yy in upto)
            if isinstance(lhs, (int, float)):
                return pyo.Constraint.Skip
            return lhs <= rhs
        mdl.year_budget = pyo.Constraint(mdl.Y, rule=year_rule)

    # ---- side rules
    def one_house_per_group(name: str, site_group, groups, why) -> None:
        """Constraint list ``name``: every group (of sites labelled by ``site_group``) without an existing
        house gets a new one; a group with no affordable candidate raises, naming the rule."""
        labels = np.asarray(site_group, dtype=object)
        rows = []
        for g in groups:
            sites_g = np.nonzero(labels == g)[0]
            if ex_mask[sites_g].any():
                continue
            pairs = [p for j in sites_g for p in by_site.get(int(j), [])]
            if not pairs:
                raise InfeasibleRuleError(f"{name}: {why(g)}", name)
            rows.append(pairs)
        cons = pyo.ConstraintList()
        mdl.add_component(name, cons)
        for pairs in rows:
            cons.add(pyo.quicksum(mdl.build[p] for p in pairs) >= 1)

    if min_one_per_catchment:
        one_house_per_group("min_one_per_catchment", inst.site_catchment, inst.catchments(),
                            lambda c: f"catchment {c!r} has no affordable candidate site and no existing house")
    if min_one_per_uncovered_kommune:
        rows = []
        for k in inst.uncovered_kommuner():
            pairs = [p for p in build_idx if int(inst.site_kommune[p[0]]) == k]
            if not pairs:
                raise InfeasibleRuleError(
                    f"min_one_per_uncovered_kommune: kommune {k} has no coverage today and no affordable "
                    f"candidate site", "min_one_per_uncovered_kommune")
            rows.append(pairs)
        mdl.min_one_kommune = pyo.ConstraintList()
        for pairs in rows:
            mdl.min_one_kommune.add(pyo.quicksum(mdl.build[p] for p in pairs) >= 1)
    if min_one_per_kommune:
        one_house_per_group("min_one_per_kommune", [int(k) for k in inst.site_kommune],
                            sorted({int(c) for c in inst.site_kommune}),
                            lambda k: f"kommune {k} has no existing house and no affordable candidate site")

    buildable = np.zeros(m, dtype=bool)
    buildable[list(by_site)] = True
    can_open = buildable | ex_mask  # sites that may be open in some plan

    meta = {"objective": objective, "capacity": capacity, "maxmin_epsilon": maxmin_epsilon,
            "min_one_per_catchment": min_one_per_catchment,
            "min_one_per_uncovered_kommune": min_one_per_uncovered_kommune,
            "min_one_per_kommune": min_one_per_kommune}

    if objective in ("coverage", "maxmin"):
        hosp = inst.hospital_covered()
        within = (tt <= T) & can_open[None, :]
        if capacity:
            free = ~hosp
            ii, jj = np.nonzero(within & free[:, None])
            pairs = list(zip(ii.tolist(), jj.tolist()))
            mdl.A = pyo.Set(initialize=pairs, dimen=2, ordered=True)
            mdl.assign = pyo.Var(mdl.A, bounds=(0, 1))
            cand_i = sorted(set(ii.tolist()))
            rows_i: dict[int, list] = {i: [] for i in cand_i}
            cols_j: dict[int, list] = {}
            for i, j in pairs:
                rows_i[i].append((i, j))
                cols_j.setdefault(j, []).append((i, j))
            mdl.I = pyo.Set(initialize=cand_i, ordered=True)
            mdl.x = pyo.Var(mdl.I, bounds=(0, 1))
            mdl.cover_def = pyo.Constraint(mdl.I, rule=lambda b, i: b.x[i] == pyo.quicksum(
                (b.assign[p] for p in rows_i[i])))
            new_pairs = [p for p in pairs if not ex_mask[p[1]]]
            mdl.assign_open = pyo.Constraint(new_pairs, rule=lambda b, i, j: b.assign[i, j] <= open_expr(j))
            mdl.capacity = pyo.Constraint(sorted(cols_j), rule=lambda b, j: pyo.quicksum(
                (float(w[i]) * b.assign[i, jj_] for i, jj_ in cols_j[j])) <= cap_expr(j))
            const_cov = hosp.copy()
        else:
            const_cov = hosp | (within & ex_mask[None, :]).any(axis=1)
            cand = within & ~ex_mask[None, :]
            cand_i = np.nonzero(~const_cov & cand.any(axis=1))[0].tolist()
            mdl.I = pyo.Set(initialize=cand_i, ordered=True)
            mdl.x = pyo.Var(mdl.I, bounds=(0, 1))
            near = {i: np.nonzero(cand[i])[0].tolist() for i in cand_i}
            mdl.cover = pyo.Constraint(mdl.I, rule=lambda b, i: b.x[i] <= pyo.quicksum(
                (b.build[p] for j in near[i] for p in by_site[j])))
        meta["const_covered"] = const_cov
        covered_w = pyo.quicksum((float(w[i]) * mdl.x[i] for i in cand_i))
        if objective == "coverage":
            mdl.obj = pyo.Objective(expr=float(w[const_cov].sum()) + covered_w, sense=pyo.maximize)
        else:
            W = float(w.sum())
            cats = inst.catchments()
            dc = np.array(inst.demand_catchment, dtype=object)
            cand_set = set(cand_i)
            mdl.z = pyo.Var(bounds=(0, 1))
            mdl.worst = pyo.ConstraintList()
            for c in cats:
                members = np.nonzero(dc == c)[0]
                Wc = float(w[members].sum())
                if Wc <= 0:
                    continue
                base = float(w[members][const_cov[members]].sum())
                mdl.worst.add(Wc * mdl.z <= base + pyo.quicksum(
                    (float(w[i]) * mdl.x[i] for i in members.tolist() if i in cand_set)))
            sec = 0.0 if W <= 0 else maxmin_epsilon / W
            mdl.obj = pyo.Objective(expr=mdl.z + sec * (float(w[const_cov].sum()) + covered_w),
                                    sense=pyo.maximize)
    else:  # median
        # With capacity off, an existing (always open) house closer than the hospital is a tighter cut-off.
        cutoff = h.copy()
        if not capacity and ex_mask.any():
            cutoff = np.minimum(cutoff, tt[:, ex_mask].min(axis=1))
        use = (tt < cutoff[:, None]) & can_open[None, :]
        ii, jj = np.nonzero(use)
        pairs = list(zip(ii.tolist(), jj.tolist()))
        mdl.A = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        mdl.assign = pyo.Var(mdl.A, bounds=(0, 1))
        rows_i = {}
        cols_j = {}
        for i, j in pairs:
            rows_i.setdefault(i, []).append((i, j))
            cols_j.setdefault(j, []).append((i, j))
        mdl.one_target = pyo.Constraint(sorted(rows_i), rule=lambda b, i: pyo.quicksum(
            (b.assign[p] for p in rows_i[i])) <= 1)
        new_pairs = [p for p in pairs if not ex_mask[p[1]]]
        mdl.assign_open = pyo.Constraint(new_pairs, rule=lambda b, i, j: b.assign[i, j] <= open_expr(j))
        if capacity:
            mdl.capacity = pyo.Constraint(sorted(cols_j), rule=lambda b, j: pyo.quicksum(
                (float(w[i]) * b.assign[i, jj_] for i, jj_ in cols_j[j])) <= cap_expr(j))
        base = float(np.dot(w, cutoff))
        mdl.obj = pyo.Objective(expr=base + pyo.quicksum(
            (float(w[i] * (tt[i, j] - cutoff[i])) * mdl.assign[i, j] for i, j in pairs)),
            sense=pyo.minimize)
        meta["cutoff_min"] = cutoff

    mdl._house_meta = meta
    return mdl
