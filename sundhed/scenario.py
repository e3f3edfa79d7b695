"""One scenario from a validated config: instances, solves, written plans and maps. Shared by
``sundhed solve``, ``sundhed map`` and the sweep tasks, so all read the config the same way.

Every model is a row of :data:`sundhed.steps.STEPS`; nothing here switches on a model's name. Chain: when
``model`` lists ``catchments`` before ``houses`` / ``akutbiler``, the solved catchments are the catchments
the later models report on (and the houses' ``maxmin`` objective balances); otherwise they use Table B.1.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sundhed.config import Config
from sundhed.model.plan import Plan, flat_metrics, jsonable
from sundhed.steps import MapInfo, StepContext, steps_of


def config_record(cfg: Config, config_file: str | None = None) -> dict:
    """The validated config, its hash, the population year, the provenance (data and code versions, solver and
    package versions, git commit; :func:`sundhed.provenance.provenance`) and (if any) its file: stored with every
    plan."""
    from sundhed.provenance import provenance

    record: dict[str, Any] = {**cfg.model_dump(mode="json"), "config_hash": cfg.hash(),
                              "population_year": cfg.data.population_year, "provenance": provenance()}
    if config_file:
        record["config_file"] = config_file
    return record


@dataclass
class ScenarioRun:
    """What one config produced: the plan of every model run (by model name, chain order) and the instances
    they were solved on."""

    cfg: Config
    ds: Any
    plans: dict[str, Plan] = field(default_factory=dict)
    instances: dict[str, Any] = field(default_factory=dict)

    @property
    def catchments(self):
        """The :class:`sundhed.solvers.catchments.CatchmentResult`, or None."""
        return self.plans.get("catchments")

    @property
    def councils(self):
        """The :class:`sundhed.solvers.councils.CouncilResult`, or None."""
        return self.plans.get("councils")

    @property
    def houses(self):
        """The :class:`sundhed.solvers.houses.HousePlan`, or None."""
        return self.plans.get("houses")

    @property
    def ems(self):
        """The :class:`sundhed.solvers.akutbiler.EMSPlan`, or None."""
        return self.plans.get("akutbiler")

    def metrics(self) -> dict:
        """Flat metrics for sweep tables (minutes, shares in [0, 1], mio. kr.): every plan's
        :meth:`~sundhed.model.plan.Plan.metrics` after the config hash."""
        out: dict = {"config_hash": self.cfg.hash(), "population_year": int(self.ds.population_year)}
        for plan in self.plans.values():
            out.update(flat_metrics(plan))
        return out

    def report_lines(self) -> list[str]:
        return [step.report(self.plans[step.name]) for step in steps_of(self.plans)]


def run_scenario(cfg: Config, *, ds=None, config_file: str | None = None,
                 log: Callable[[str], None] = lambda s: None) -> ScenarioRun:
    """Run every model of the config's chain. Raises the models' infeasibility errors and ValueError."""
    from sundhed.geodata.councils import with_regions
    from sundhed.geodata.dataset import load_dataset

    # the one place the region set is chosen: every step, scope and map sees ds.kommuner/hospitals.region
    ds = with_regions(ds if ds is not None else load_dataset(cfg.catchments.hospital_sites, cfg.data.population_year),
                      cfg.regions_year)
    run = ScenarioRun(cfg, ds)
    ctx = StepContext(base_dir=Path(config_file).parent if config_file else None,
                      record=config_record(cfg, config_file), ds=ds)
    for step in steps_of(cfg.models):
        built = step.build(cfg, ds, ctx)
        log(step.describe(cfg, built))
        plan = step.solve(cfg, built, ctx)
        run.instances[step.name], run.plans[step.name] = built, plan
        if step.feeds is not None:
            ctx.catchment_of = step.feeds(plan)
    return run


def write_run(run: ScenarioRun, out: str | Path, config_file: str | None = None) -> dict[str, Path]:
    """Every plan into its folder under ``out``, then ``scenario.json`` (config, hash, headline metrics)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for step in steps_of(run.plans):
        paths.update(step.write(run.plans[step.name], out))
    from sundhed.provenance import provenance
    from sundhed.safe_io import write_text_atomic

    record: dict[str, Any] = {"config": run.cfg.model_dump(mode="json"), "config_hash": run.cfg.hash(),
                              "provenance": provenance()}
    if config_file:
        record["config_file"] = str(Path(config_file).resolve())
    record["metrics"] = run.metrics()
    scen = out / "scenario.json"
    write_text_atomic(scen, json.dumps(jsonable(record), ensure_ascii=False, indent=2))
    paths["scenario"] = scen
    return paths


def render_maps(ds, plans: dict[str, Plan], out: str | Path, info: MapInfo) -> dict[str, Path]:
    """One map per plan, from the plans and the dataset's geometry (no solve)."""
    return {step.map_key: step.render(ds, plans[step.name], step.map_path(out, info.lang), info)
            for step in steps_of(plans)}


def read_result(result_dir: str | Path) -> tuple[dict, dict[str, Plan]]:
    """The config record and the stored plans of a folder written by ``sundhed solve`` (``scenario.json``, or
    a bare ``summary.json`` of a catchment plan). ValueError when the folder holds no result."""
    d = Path(result_dir)
    scen, summary = d / "scenario.json", d / "summary.json"
    if scen.exists():
        stored = json.loads(scen.read_text(encoding="utf-8"))
        cfg = dict(stored.get("config", {}))
        cfg.setdefault("config_hash", stored.get("config_hash", ""))
    elif summary.exists():
        cfg = dict(json.loads(summary.read_text(encoding="utf-8")).get("config", {}))
    else:
        raise ValueError(f"{d}: no scenario.json or summary.json (run `sundhed solve` first)")
    models = cfg.get("model", "catchments")
    models = models if isinstance(models, list) else [models]
    return cfg, {step.name: step.read(d) for step in steps_of(models)}
