"""Solve Model 1 (catchments) with HiGHS: weighted or lexicographic objectives, diagnosis of
infeasible settings, and tidy outputs (CSV per kommune + JSON summary)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sundhed.model.catchments import (
    OBJECTIVES, CatchmentInstance, CatchmentRules, allowed_pairs, build_catchment_model, extract_assignment,
)
from sundhed.model.evaluate import PlanScore, evaluate_plan
from sundhed.model.plan import Metric, read_summary, read_table, write_plan_files
from sundhed.solvers.jsonable import jsonable
from sundhed.solvers.highs import SolveOptions, SolverError, SolveStats, solve_with_highs


class CatchmentInfeasible(SolverError):
    """No plan meets the rules; ``rule`` names the binding rule, ``catchments`` those involved."""

    def __init__(self, message: str, rule: str, catchments: list[str]):
        super().__init__(message, "infeasible")
        self.rule = rule
        self.catchments = catchments


#: assignment.csv columns (English, documented) <- PlanScore.per_kommune columns (Danish, as evaluate prints)
_CSV_NAMES = {"navn": "kommune", "kode": "code", "befolkning": "population", "minutter": "travel_minutes",
              "km": "road_km"}
_CSV_COLUMNS = ["kommune", "code", "catchment", "region", "population", "travel_minutes", "moved", "baseline",
                "road_km"]


@dataclass
class CatchmentResult:
    """A solved catchment plan (implements :class:`sundhed.model.plan.Plan`).

    ``band`` / ``band_exceptions``: the population band (inhabitants) and the exempt catchments the plan was
    scored against, so a map drawn from the stored plan shows the same band status."""

    model: ClassVar[str] = "catchments"

    assignment: dict[int, str]
    score: PlanScore
    stats: list[SolveStats]
    objective: dict[str, float]
    config: dict = field(default_factory=dict)
    band: tuple[float, float] | None = (200_000, 400_000)
    band_exceptions: tuple[str, ...] = ("Bornholm", "Thisted", "Nykøbing F")
    #: Table B.1 scored under the same band (``PlanScore.summary()``): the reference of the headline figures.
    table_b1: dict | None = None
    #: catchment -> fill colour (hex) of the maps' stable colour table; the ``colour`` column of catchments.csv.
    colours: dict[str, str] | None = None

    @property
    def final_stats(self) -> SolveStats:
        return self.stats[-1]

    def kommune_table(self) -> pd.DataFrame:
        """Tidy table: kommune, code, catchment, region, population, travel minutes, moved, baseline and
        road km (population-weighted, along the fastest routes; when the travel-time source has km)."""
        t = self.score.per_kommune.rename(columns=_CSV_NAMES)
        return t[[c for c in _CSV_COLUMNS if c in t.columns]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``assignment`` (one row per kommune) and ``catchments`` (one row per akutsygehus)."""
        pc = self.score.per_catchment
        if self.colours:
            pc = pc.assign(colour=pc["catchment"].map(self.colours))
        return {"assignment": self.kommune_table(), "catchments": pc}

    def metrics(self) -> list[Metric]:
        s, sc = self.final_stats, self.score
        return [
            Metric("status", s.status, "", "Løserstatus", "Solver status"),
            Metric("gap", s.gap, "share", "Optimalitetsgab", "Optimality gap"),
            Metric("runtime_s", sum(x.runtime_s for x in self.stats), "s", "Løsetid", "Solve time"),
            Metric("catchments", len(sc.per_catchment), "", "Sundhedsfællesskaber", "Catchments"),
            Metric("mean_minutes", sc.mean_minutes, "min", "Gns. rejsetid", "Mean travel time"),
            Metric("max_minutes", sc.max_minutes, "min", "Længste rejsetid", "Longest travel time"),
            Metric("moves", sc.moves, "", "Kommuner flyttet fra tabel B.1", "Kommuner moved from Table B.1"),
            Metric("outside_band", len(sc.band_violations), "", "Uden for befolkningsbåndet",
                   "Outside the population band"),
        ]

    def summary(self) -> dict:
        s = self.final_stats
        return {
            "model": "catchments",
            "status": s.status, "optimal": all(x.optimal for x in self.stats),
            "objective": self.objective, "gap": s.gap if s.gap == s.gap else None,
            "runtime_s": round(sum(x.runtime_s for x in self.stats), 3),
            "solves": [x.to_dict() for x in self.stats],
            "metrics": self.score.summary(),
            **({"table_b1": self.table_b1} if self.table_b1 else {}),
            "band": list(self.band) if self.band is not None else None,
            "band_exceptions": list(self.band_exceptions),
            "config": self.config,
        }

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``assignment.csv``, ``catchments.csv`` and ``summary.json`` into ``out_dir``."""
        return write_plan_files(out_dir, self.tables(), self.summary())

    @classmethod
    def read(cls, out_dir: str | Path) -> "CatchmentResult":
        """The plan :meth:`write` stored in ``out_dir`` (scores restored from the tables, no solve)."""
        s = read_summary(out_dir, "catchments")
        pk = read_table(out_dir, "assignment", ("kommune", "catchment", "region", "baseline"))
        pk = pk.rename(columns={v: k for k, v in _CSV_NAMES.items()})
        pk["baseline"] = pk["baseline"].replace("", None)
        pc = read_table(out_dir, "catchments", ("catchment", "region", "band_status", "colour"))
        colours = dict(zip(pc["catchment"], pc["colour"])) if "colour" in pc.columns else None
        pc = pc.drop(columns=["colour"], errors="ignore")
        m = s.get("metrics", {})
        score = PlanScore(
            per_catchment=pc, per_kommune=pk,
            mean_minutes=float(np.average(pk["minutter"], weights=pk["befolkning"])),
            max_minutes=float(pk["minutter"].max()), moves=int(pk["moved"].sum()),
            band_violations=list(m.get("outside_band", [])), disconnected=list(m.get("disconnected", [])),
            region_breaks=list(m.get("region_breaks", [])))
        cc = (s.get("config") or {}).get("catchments", {})  # folders written before band was stored: the config's
        band = s.get("band", cc.get("band", (200_000, 400_000)))
        exceptions = s.get("band_exceptions", cc.get("band_exceptions", ()))
        return cls(assignment=dict(zip(pk["kode"].astype(int), pk["catchment"].astype(str))), score=score,
                   stats=[SolveStats.from_dict(x) for x in s.get("solves", [])] or
                   [SolveStats(str(s.get("status")), bool(s.get("optimal")), float("nan"), float("nan"),
                               float("nan"), 0.0)],
                   objective=dict(s.get("objective") or {}), config=dict(s.get("config") or {}),
                   band=tuple(band) if band is not None else None,
                   band_exceptions=tuple(exceptions), table_b1=s.get("table_b1"),
                   colours=colours)


def _solve_once(inst, rules, weights, options, bounds=()):
    m = build_catchment_model(inst, rules, weights)
    for i, (name, value) in enumerate(bounds):
        m.add_component(f"lex_{i}", pyo.Constraint(expr=m.term[name] <= value))
    stats = solve_with_highs(m, options)
    return m, stats


def diagnose(inst: CatchmentInstance, rules: CatchmentRules, options: SolveOptions) -> CatchmentInfeasible:
    """Find which rule makes the instance infeasible by relaxing one rule at a time."""
    allowed = allowed_pairs(inst, rules)
    empty = [k for k, hs in allowed.items() if not hs]
    if empty:
        names = [inst.name(k) for k in empty]
        return CatchmentInfeasible(f"infeasible: kommune(r) {', '.join(names)} have no allowed akutsygehus "
                                   f"(region rule {'on' if rules.region_rule else 'off'}, forbidden pairs) ",
                                   "region rule / forbidden pairs", [])
    quick = SolveOptions(time_limit=min(options.time_limit, 120), mip_gap=1e-3)
    trials = []
    if rules.band is not None and rules.band_hard:
        trials.append(("hard population band", replace(rules, band_hard=False), {"band": 1.0}))
    if rules.fixed or rules.forbidden:
        trials.append(("fixed/forbidden assignments", replace(rules, fixed={}, forbidden=()), {"travel": 1.0}))
    if rules.region_rule:
        trials.append(("region rule", replace(rules, region_rule=False), {"travel": 1.0}))
    if rules.contiguity:
        trials.append(("contiguity", replace(rules, contiguity=False), {"travel": 1.0}))
    for rule, relaxed, w in trials:
        try:
            m, _ = _solve_once(inst, relaxed, w, quick)
        except SolverError:
            continue
        assignment = extract_assignment(m)
        if rule == "hard population band":
            score = evaluate_plan(inst, assignment, relaxed)
            assert rules.band is not None  # this trial exists only for a hard band
            lo, hi = rules.band
            involved = score.band_violations
            detail = ", ".join(f"{r.catchment} {r.befolkning:,}" for r in score.per_catchment.itertuples()
                               if r.catchment in involved)
            return CatchmentInfeasible(
                f"infeasible: the hard population band {lo:,.0f}–{hi:,.0f} cannot be met; even the plan "
                f"closest to the band leaves these catchments outside: {detail}", rule, involved)
        if rule == "fixed/forbidden assignments":
            involved = sorted({h for h in rules.fixed.values()} | {h for _, h in rules.forbidden})
            return CatchmentInfeasible(f"infeasible: the fixed/forbidden assignments cannot all hold "
                                       f"(catchments involved: {', '.join(involved)})", rule, involved)
        moved = sorted({h for k, h in assignment.items()
                        if inst.region[inst.k_index[k]] != dict(zip(inst.hospitals, inst.hospital_region))[h]})
        return CatchmentInfeasible(f"infeasible under the {rule}; without it a plan exists "
                                   f"(catchments involved: {', '.join(moved) or 'see plan'})", rule, moved)
    return CatchmentInfeasible("infeasible, and no single rule relaxation repairs it", "combination", [])


def solve_catchments(inst: CatchmentInstance, rules: CatchmentRules | None = None,
                     objective: dict[str, float] | list[str] | None = None,
                     options: SolveOptions | None = None, *, lex_tolerance: float = 1e-6,
                     config: dict | None = None) -> CatchmentResult:
    """Solve and score. ``objective``: a dict of weights (weighted sum, default ``{"travel": 1,
    "band": 0.01}`` = a soft band at 0.01 min of mean travel per 1,000 inhabitants outside), or a list
    of names for a lexicographic order (each later stage keeps earlier terms within
    ``lex_tolerance`` relative of their optimum).
    """
    rules = rules or CatchmentRules()
    options = options or SolveOptions()
    objective = {"travel": 1.0, "band": 0.01} if objective is None else objective
    stats: list[SolveStats] = []
    try:
        if isinstance(objective, dict):
            m, s = _solve_once(inst, rules, objective, options)
            stats.append(s)
        else:
            bounds: list[tuple[str, float]] = []
            for name in objective:
                if name not in OBJECTIVES:
                    raise ValueError(f"unknown objective {name!r}; choose from {OBJECTIVES}")
                m, s = _solve_once(inst, rules, {name: 1.0}, options, bounds)
                stats.append(s)
                bounds.append((name, s.objective + lex_tolerance * max(1.0, abs(s.objective))))
    except SolverError as exc:
        if exc.status in ("infeasible", "infeasibleOrUnbounded"):
            raise diagnose(inst, rules, options) from None
        raise
    assignment = extract_assignment(m)
    score = evaluate_plan(inst, assignment, rules)
    values = {n: float(pyo.value(m.term[n])) for n in OBJECTIVES if n != "moves" or inst.baseline}
    cfg = config if config is not None else {"rules": jsonable(dataclasses.asdict(rules)), "objective": objective}
    return CatchmentResult(assignment, score, stats, values, cfg, band=rules.band,
                           band_exceptions=tuple(rules.band_exceptions))

