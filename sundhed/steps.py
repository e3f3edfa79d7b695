"""The one table of model steps: for each model the config names, how to build its instance from the dataset,
solve it into a :class:`sundhed.model.plan.Plan`, where its plan is written and how its map is drawn.

``sundhed solve``, ``sundhed map``, the sweep tasks and :mod:`sundhed.scenario` loop over :data:`STEPS` and
never switch on a model's name, so a fourth model is added here, in one place: a :class:`ModelStep` row
(and its config section in :mod:`sundhed.config`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sundhed.config import Config
from sundhed.model.plan import Plan


@dataclass
class StepContext:
    """What a step gets besides the config and the dataset: the catchments an earlier step solved (kommune
    code -> catchment; None = Table B.1), the config file's folder (for relative paths in the config), the
    config record stored with every plan and the dataset (for steps that evaluate their plan further, e.g.
    the akutbil dispatch simulation)."""

    catchment_of: dict[int, str] | None = None
    base_dir: Path | None = None
    record: dict = field(default_factory=dict)
    ds: Any = None


@dataclass(frozen=True)
class MapInfo:
    """Title-block facts every map shows."""

    scenario: str
    config_hash: str
    lang: str = "da"


@dataclass(frozen=True)
class ModelStep:
    """One model in the chain.

    ``build(cfg, ds, ctx)`` -> the instance (anything the step's ``solve`` takes); ``describe(cfg, inst)`` ->
    the log line printed before solving; ``solve(cfg, inst, ctx)`` -> the plan (with names and the config
    record); ``render(ds, plan, path, info)`` -> the map path, from the plan and geometry only;
    ``report(plan)`` -> the one-line result printed by ``sundhed solve``; ``feeds(plan)`` -> the catchments
    later steps report on (only the catchment step has it). The plan is written to ``output.dir/subdir``;
    the paths ``sundhed solve`` prints are keyed ``key_prefix + table`` and ``map_key``."""

    name: str
    subdir: str
    plan_type: type[Plan]
    key_prefix: str
    map_key: str
    build: Callable[[Config, Any, StepContext], Any]
    describe: Callable[[Config, Any], str]
    solve: Callable[[Config, Any, StepContext], Plan]
    render: Callable[[Any, Any, Path, MapInfo], Path]
    report: Callable[[Any], str]
    feeds: Callable[[Any], dict[int, str]] | None = None

    def folder(self, out: str | Path) -> Path:
        return Path(out) / self.subdir if self.subdir else Path(out)

    def write(self, plan: Plan, out: str | Path) -> dict[str, Path]:
        """Write ``plan`` under ``out``; the returned keys carry :attr:`key_prefix`."""
        return {f"{self.key_prefix}{k}": p for k, p in plan.write(self.folder(out)).items()}

    def read(self, out: str | Path) -> Plan:
        """The plan a previous :meth:`write` stored under ``out``."""
        plan: Plan = self.plan_type.read(self.folder(out))
        return plan

    def map_path(self, out: str | Path, lang: str = "da") -> Path:
        """``map.html`` for Danish, ``map.<lang>.html`` otherwise (an English map never overwrites the Danish)."""
        return self.folder(out) / ("map.html" if lang == "da" else f"map.{lang}.html")


def solve_options(cfg: Config):
    from sundhed.solvers.highs import SolveOptions

    s = cfg.solver
    return SolveOptions(time_limit=s.time_limit, mip_gap=s.mip_gap, threads=s.threads)


# ------------------------------------------------------------------------------------------- catchments
def _catchments_build(cfg: Config, ds, ctx: StepContext):
    from sundhed.model.national import catchment_instance, catchment_rules

    from sundhed.model.national import table_b1_score

    c = cfg.catchments
    inst = catchment_instance(ds, **c.instance_args())
    rules = catchment_rules(inst, **c.rules_args())
    from sundhed.names_check import check_catchment_names

    check_catchment_names(cfg, ds, inst)  # misspelt or ineffective names are errors, never ignored
    reference = table_b1_score(ds, band=c.band, band_exceptions=c.band_exceptions, close=c.close)
    return inst, rules, {"table_b1": reference, "edges": list(ds.adjacency.edges())}


def _catchments_solve(cfg: Config, built, ctx: StepContext):
    """Solve; the plan carries Table B.1 under the same band (the headline reference) and the stable map
    colours of its catchments (catchments.csv ``colour``)."""
    from sundhed.maps.colours import catchment_colours
    from sundhed.solvers.catchments import solve_catchments

    inst, rules, extra = built
    res = solve_catchments(inst, rules, cfg.catchments.objective_spec(), solve_options(cfg), config=ctx.record)
    res.table_b1 = extra["table_b1"]
    res.colours = catchment_colours(inst.hospitals, res.assignment, extra["edges"])
    return res


def _catchments_render(ds, plan, path: Path, info: MapInfo) -> Path:
    from sundhed.maps.catchments import render_catchment_plan

    return render_catchment_plan(ds, plan, path, scenario=info.scenario, config_hash=info.config_hash,
                                 lang=info.lang)


def _catchments_report(res) -> str:
    s = res.final_stats
    return (f"catchments: status {s.status}, objective {s.objective:.4f}, gap {100 * s.gap:.4f} %; "
            f"mean travel {res.score.mean_minutes:.2f} min, {res.score.moves} kommuner moved vs Table B.1, "
            f"outside band: {', '.join(res.score.band_violations) or 'none'}")


# ------------------------------------------------------------------------------------------- councils
def _councils_build(cfg: Config, ds, ctx: StepContext):
    from sundhed.councils_run import council_setup

    inst, rules, _ = council_setup(cfg, ds, ctx.base_dir)
    return inst, rules


def _councils_solve(cfg: Config, built, ctx: StepContext):
    from sundhed.councils_run import solve_council_config

    from sundhed.maps.colours import council_colours

    inst, rules = built
    res = solve_council_config(cfg, inst, rules, ctx.record)
    res.colours = council_colours(sorted(set(res.units["name"])), res.council_of, inst.edges)
    return res


def _councils_render(ds, plan, path: Path, info: MapInfo) -> Path:
    from sundhed.maps.councils import render_council_plan

    return render_council_plan(ds, plan, path, scenario=info.scenario, config_hash=info.config_hash,
                               lang=info.lang)


def _councils_report(r) -> str:
    s, mt = r.final_stats, r.summary()["metrics"]
    return (f"councils: status {s.status}, gap {100 * s.gap:.4f} %; {mt['councils']} councils, mean travel "
            f"{mt['mean_minutes']:.2f} min to the nearest own-council akutsygehus, {mt['changes_vs_reference']} "
            f"kommuner moved vs the 2027 councils")


# ------------------------------------------------------------------------------------------- houses
def _houses_build(cfg: Config, ds, ctx: StepContext):
    from sundhed.model.national_houses import house_setup

    return house_setup(ds, **cfg.houses.instance_args(), catchment_of=ctx.catchment_of, regions=cfg.regions)


def _houses_solve(cfg: Config, built, ctx: StepContext):
    from sundhed.solvers.houses import solve_houses

    inst, sites = built
    return solve_houses(inst, options=solve_options(cfg), **cfg.houses.solve_args()).with_sites(sites, ctx.record)


def _houses_render(ds, plan, path: Path, info: MapInfo) -> Path:
    from sundhed.maps.houses import render_house_map

    return render_house_map(ds, plan, path, scenario=info.scenario, config_hash=info.config_hash, lang=info.lang)


def _houses_report(p) -> str:
    return (f"houses: status {p.stats.status}; within {p.coverage_minutes:g} min "
            f"{100 * p.covered_before / p.total_weight:.1f} % -> {100 * p.covered_after / p.total_weight:.1f} %; "
            f"{len(p.new_sites)} new houses, state {p.state_spend_mio_kr:,.0f} of {p.budget_mio_kr:,.0f} mio. kr.")


# ------------------------------------------------------------------------------------------- akutbiler
def _ems_build(cfg: Config, ds, ctx: StepContext):
    from sundhed.model.akutbiler import resolve_params
    from sundhed.model.national_akutbiler import ems_setup, fleet_notes

    a = cfg.akutbiler
    inst, stations = ems_setup(ds, **a.instance_args(), catchment_of=ctx.catchment_of, regions=cfg.regions,
                               base_dir=ctx.base_dir)
    notes = fleet_notes(a.existing, a.station_list, len(inst.existing), a.delay_min)
    return inst, stations, notes, resolve_params(inst, a.kind, **a.model_args())


def _ems_solve(cfg: Config, built, ctx: StepContext):
    from sundhed.solvers.akutbiler import solve_ems

    inst, stations, notes, params = built
    plan = solve_ems(inst, params, solve_options(cfg)).with_stations(stations, notes, ctx.record)
    if cfg.simulation.run and ctx.ds is not None:  # the dispatch simulation (sundhed/simulate.py)
        from sundhed.simulate import simulate_plan

        plan.simulation = simulate_plan(ctx.ds, inst, stations, plan.existing, plan.new, cfg,
                                        static=plan.region_report)
    return plan


def _ems_render(ds, plan, path: Path, info: MapInfo) -> Path:
    from sundhed.maps.akutbiler import render_ems_map
    from sundhed.simulate import stored_simulation
    from sundhed.validate import bases_for

    sim = plan.simulation if plan.simulation is not None else stored_simulation(Path(path).parent, plan)
    return render_ems_map(ds, plan, path, scenario=info.scenario, config_hash=info.config_hash, lang=info.lang,
                          notes=plan.report_notes.get(info.lang, []),
                          simulation=(sim.kommuner, sim.summary) if sim is not None else None,
                          bases=bases_for((plan.config or {}).get("regions") or [], ds))


def _ems_report(e) -> str:
    return (f"akutbiler: status {e.stats.status}; within {e.params.T:g} min "
            f"{100 * e.covered_before / e.total_demand:.1f} % -> {100 * e.covered_after / e.total_demand:.1f} %"
            f" with {len(e.new)} new units")


def _plan_types() -> tuple[type[Plan], type[Plan], type[Plan], type[Plan]]:
    from sundhed.solvers.akutbiler import EMSPlan
    from sundhed.solvers.catchments import CatchmentResult
    from sundhed.solvers.councils import CouncilResult
    from sundhed.solvers.houses import HousePlan

    return CatchmentResult, CouncilResult, HousePlan, EMSPlan


_C, _R, _H, _E = _plan_types()

#: Every model, in chain order (the order ``model = [...]`` must follow).
STEPS: dict[str, ModelStep] = {s.name: s for s in (
    ModelStep("catchments", "", _C, "", "map", _catchments_build,
              lambda cfg, b: (f"catchments: solving {len(b[0].kommuner)} kommuner, {len(b[0].hospitals)} "
                              f"akutsygehuse, objective {cfg.catchments.objective_spec()}"),
              _catchments_solve, _catchments_render, _catchments_report,
              feeds=lambda r: {int(k): str(v) for k, v in r.assignment.items()}),
    ModelStep("councils", "", _R, "", "map", _councils_build,
              lambda cfg, b: (f"councils: grouping {len(b[0].kommuner)} kommuner into {b[1].p} councils around "
                              f"{len(b[0].hospitals)} akutsygehuse, objective {cfg.councils.objective}"),
              _councils_solve, _councils_render, _councils_report, feeds=lambda r: r.council_of),
    ModelStep("houses", "houses", _H, "houses_", "houses_map", _houses_build,
              lambda cfg, b: (f"houses: {b[0].n_demand} demand points, {b[0].n_sites} candidate sites, "
                              f"budget {cfg.houses.budget_mio_kr:g} mio. kr., objective {cfg.houses.objective}"),
              _houses_solve, _houses_render, _houses_report),
    ModelStep("akutbiler", "akutbiler", _E, "ems_", "ems_map", _ems_build,
              lambda cfg, b: (f"akutbiler: {b[0].n_demand} demand points, {b[0].n_stations} candidate stations, "
                              f"{len(b[0].existing)} existing, kind {cfg.akutbiler.kind}"),
              _ems_solve, _ems_render, _ems_report),
)}


def steps_of(models) -> list[ModelStep]:
    """The steps of ``models`` (config names) in chain order; ValueError for an unknown name."""
    bad = [m for m in models if m not in STEPS]
    if bad:
        raise ValueError(f"unknown model(s) {bad}; known: {', '.join(STEPS)}")
    return [s for s in STEPS.values() if s.name in models]
