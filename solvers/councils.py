"""Solve Model 4 (sundhedsråd) with HiGHS: travel, or fewest changes from the reference councils then
travel (lexicographic); the binding rule named when no plan exists; tidy outputs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pyomo.environ as pyo

from sundhed.model.councils import (
    CouncilInstance, CouncilRules, build_council_model, council_metrics, council_names, evaluate_councils,
    extract_councils,
)
from sundhed.model.plan import Metric, read_summary, read_table, write_plan_files
from sundhed.solvers.highs import SolveOptions, SolverError, SolveStats, solve_with_highs

COUNCIL_OBJECTIVE_CHOICES = ("travel", "changes")


class CouncilInfeasible(SolverError):
    """No grouping meets the rules; ``rule`` names the binding one."""

    def __init__(self, message: str, rule: str):
        super().__init__(message, "infeasible")
        self.rule = rule


@dataclass
class CouncilResult:
    """A solved council plan (implements :class:`sundhed.model.plan.Plan`).

    ``roots``: kommune -> root hospital; ``names``: root hospital -> council name; ``units``: one row per
    council (see :func:`model.councils.evaluate_councils`); ``kommuner``: one row per kommune with its
    council, serving hospital, minutes, ``moved`` and ``reference`` (its real 2027 council); ``band``: the
    population band the plan was solved under (inhabitants; None = none); ``reference_metrics``: the reference
    councils scored under the same band (:func:`model.councils.council_metrics`; the headline's comparison,
    None for the real structure itself); ``colours``: council -> fill colour of the maps' stable table (the
    ``colour`` column of councils.csv)."""

    model: ClassVar[str] = "councils"

    roots: dict[int, str]
    names: dict[str, str]
    units: pd.DataFrame
    kommuner: pd.DataFrame
    stats: list[SolveStats]
    objective: str
    terms: dict[str, float]
    config: dict = field(default_factory=dict)
    band: tuple[float, float] | None = None
    reference_metrics: dict | None = None
    colours: dict[str, str] | None = None

    @property
    def final_stats(self) -> SolveStats:
        return self.stats[-1]

    @property
    def council_of(self) -> dict[int, str]:
        return dict(zip(self.kommuner["code"].astype(int), self.kommuner["council"].astype(str)))

    def assignment_table(self) -> pd.DataFrame:
        """code, kommune, catchment (= council name), hospital, region, population, travel_minutes, moved,
        reference (the kommune's real council), unverified (that real placement is unverified: Lejre, Rudersdal)."""
        t = self.kommuner.rename(columns={"council": "catchment"})
        for c, default in (("reference", None), ("unverified", False)):
            if c not in t:
                t[c] = default
        return t[["code", "kommune", "catchment", "hospital", "region", "population", "travel_minutes", "moved",
                  "reference", "unverified"]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``assignment`` (one row per kommune) and ``councils`` (one row per council; lists joined by ", ")."""
        u = self.units.copy()
        for c in ("hospitals", "unverified", "cut_off"):
            u[c] = u[c].map(", ".join)
        if self.colours:
            u["colour"] = u["name"].map(self.colours)
        return {"assignment": self.assignment_table(), "councils": u}

    def metrics(self) -> list[Metric]:
        s, mt = self.final_stats, council_metrics(self.units, self.kommuner)
        return [
            Metric("councils_status", s.status, "", "Løserstatus (råd)", "Solver status (councils)"),
            Metric("councils_gap", s.gap, "share", "Optimalitetsgab (råd)", "Optimality gap (councils)"),
            Metric("councils", mt["councils"], "", "Sundhedsråd", "Health councils"),
            Metric("councils_mean_minutes", mt["mean_minutes"], "min", "Gns. rejsetid til nærmeste akutsygehus i "
                   "eget råd", "Mean minutes to the nearest own-council akutsygehus"),
            Metric("councils_max_minutes", mt["max_minutes"], "min", "Længste rejsetid (råd)",
                   "Longest travel time (councils)"),
            Metric("councils_changes", mt["changes_vs_reference"], "", "Kommuner flyttet fra 2027-rådene",
                   "Kommuner moved from the 2027 councils"),
        ]

    def summary(self) -> dict:
        s = self.final_stats
        return {"model": "councils", "status": s.status, "optimal": all(x.optimal for x in self.stats),
                "objective": self.objective, "gap": s.gap if s.gap == s.gap else None,
                "runtime_s": round(sum(x.runtime_s for x in self.stats), 3),
                "solves": [x.to_dict() for x in self.stats], "terms": self.terms,
                "metrics": council_metrics(self.units, self.kommuner),
                "units": json.loads(self.units.to_json(orient="records", force_ascii=False)),
                "band": list(self.band) if self.band else None, "reference": self.reference_metrics,
                "config": self.config}

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """``assignment.csv``, ``councils.csv`` and ``summary.json`` in ``out_dir``."""
        return write_plan_files(out_dir, self.tables(), self.summary())

    @classmethod
    def read(cls, out_dir: str | Path) -> "CouncilResult":
        """The plan :meth:`write` stored in ``out_dir`` (no solve)."""
        s = read_summary(out_dir, "councils")
        k = read_table(out_dir, "assignment", ("kommune", "catchment", "hospital", "region", "reference"))
        k = k.rename(columns={"catchment": "council"})
        units = pd.DataFrame(s.get("units", []))
        for c in ("hospitals", "unverified", "cut_off"):
            if c not in units:
                units[c] = [[] for _ in range(len(units))]
        colours = None
        if (Path(out_dir) / "councils.csv").exists():
            c = read_table(out_dir, "councils", ("name", "colour"))
            if "colour" in c.columns:
                colours = dict(zip(c["name"], c["colour"]))
        band = s.get("band")
        roots = {}
        for name, hs in zip(units["name"], units["hospitals"]):
            for code in k.loc[k["council"] == name, "code"]:
                roots[int(code)] = hs[0] if hs else ""
        return cls(roots=roots, names={hs[0]: n for n, hs in zip(units["name"], units["hospitals"]) if hs},
                   units=units, kommuner=k, stats=[SolveStats.from_dict(x) for x in s.get("solves", [])],
                   objective=str(s.get("objective")), terms=dict(s.get("terms") or {}),
                   config=dict(s.get("config") or {}), band=(float(band[0]), float(band[1])) if band else None,
                   reference_metrics=s.get("reference"), colours=colours)


def _solve(inst, rules, weights, options, bounds=()):
    m = build_council_model(inst, rules, weights)
    for i, (name, value) in enumerate(bounds):
        m.add_component(f"lex_{i}", pyo.Constraint(expr=m.term[name] <= value))
    return m, solve_with_highs(m, options)


def _diagnose(inst: CouncilInstance, rules: CouncilRules, options: SolveOptions) -> CouncilInfeasible:
    quick = SolveOptions(time_limit=min(options.time_limit, 120), mip_gap=1e-2, threads=options.threads)
    trials = []
    if rules.band is not None:
        trials.append((f"population band {rules.band[0]:,.0f}–{rules.band[1]:,.0f}", replace(rules, band=None)))
    if rules.region_rule:
        trials.append(("region rule", replace(rules, region_rule=False)))
    trials.append(("contiguity", replace(rules, contiguity=False)))
    for rule, relaxed in trials:
        try:
            _solve(inst, relaxed, {"travel": 1.0}, quick)
        except SolverError:
            continue
        return CouncilInfeasible(f"no grouping into {rules.p} councils meets the rules: the {rule} is binding "
                                 "(without it a plan exists)", rule)
    return CouncilInfeasible(f"no grouping into {rules.p} councils meets the rules, and no single relaxation "
                             "repairs it", "combination")


def solve_councils(inst: CouncilInstance, rules: CouncilRules | None = None, objective: str = "travel",
                   options: SolveOptions | None = None, *, unverified: dict[int, str] | None = None,
                   config: dict | None = None) -> CouncilResult:
    """Solve and score. ``objective``: ``travel`` (population-weighted minutes to the nearest akutsygehus of
    the own council; among optimal plans the one with fewest changes from ``inst.reference``) or ``changes``
    (fewest kommuner moved from ``inst.reference``, then travel)."""
    rules = rules or CouncilRules()
    options = options or SolveOptions()
    if objective not in COUNCIL_OBJECTIVE_CHOICES:
        raise ValueError(f"unknown council objective {objective!r}; choose from {COUNCIL_OBJECTIVE_CHOICES}")
    if objective == "changes":
        stages = ["changes", "travel"]
    else:  # travel, then (among the travel-optimal plans) the one closest to the reference councils
        stages = ["travel", "changes"] if inst.reference else ["travel"]
    stats: list[SolveStats] = []
    bounds: list[tuple[str, float]] = []
    try:
        for name in stages:
            m, s = _solve(inst, rules, {name: 1.0}, options, bounds)
            stats.append(s)
            bounds.append((name, s.objective + (0.5 if name == "changes" else 1e-6 * max(1.0, abs(s.objective)))))
    except SolverError as exc:
        if exc.status in ("infeasible", "infeasibleOrUnbounded"):
            raise _diagnose(inst, rules, options) from None
        raise
    roots = extract_councils(m)
    names = council_names(inst, roots)
    council_of = {k: names[j] for k, j in roots.items()}
    units, kom = evaluate_councils(inst, council_of, rules, unverified)
    kom["reference"] = kom["code"].map(inst.reference) if inst.reference else None
    terms = {n: float(pyo.value(m.term[n])) for n in ("travel", "changes") if n != "changes" or inst.reference}
    ref_metrics = None
    if inst.reference:  # the reference councils under the same rules: the headline's comparison
        ref_metrics = council_metrics(*evaluate_councils(inst, inst.reference, rules, unverified))
    return CouncilResult(roots, names, units, kom, stats, objective, terms, config or {}, band=rules.band,
                         reference_metrics=ref_metrics)
