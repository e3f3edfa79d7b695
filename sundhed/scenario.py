"""One catchment scenario from a validated config: instance, rules, solve. Shared by `sundhed solve`
and the sweep tasks so both read the config the same way."""
from __future__ import annotations

from model.catchments import CatchmentInstance, CatchmentRules
from solvers.catchments import CatchmentResult, solve_catchments
from solvers.highs import SolveOptions
from sundhed.config import Config


def catchment_setup(cfg: Config, ds):
    """The model instance and rules a validated config asks for; unknown names raise ValueError."""
    from model.national import catchment_instance

    c = cfg.catchments
    inst = catchment_instance(ds, close=tuple(c.close), add=tuple(a.model_dump() for a in c.add))
    code_of = {v: k for k, v in inst.names.items()}

    def code(name: str) -> int:
        if name not in code_of:
            raise ValueError(f"unknown kommune {name!r} in config (use official names, e.g. 'Høje-Taastrup')")
        return code_of[name]

    def hosp(name: str) -> str:
        if name not in inst.hospitals:
            raise ValueError(f"unknown akutsygehus {name!r} in config; known: {', '.join(inst.hospitals)}")
        return name

    rules = CatchmentRules(
        region_rule=c.region_rule, band=tuple(c.band) if c.band else None, band_hard=c.band_hard,
        band_exceptions=tuple(c.band_exceptions), fixed={code(k): hosp(h) for k, h in c.fixed.items()},
        forbidden=tuple((code(k), hosp(h)) for k, h in c.forbidden))
    return inst, rules


def objective_of(cfg: Config) -> dict[str, float] | list[str]:
    """Weights, or the lexicographic order when the config gives one."""
    c = cfg.catchments
    return c.lexicographic if c.lexicographic else c.objective


def solve_config(cfg: Config, inst: CatchmentInstance, rules: CatchmentRules,
                 config_file: str | None = None) -> CatchmentResult:
    """Solve with the config's objective and solver settings; the summary carries the config and its hash."""
    options = SolveOptions(time_limit=cfg.solver.time_limit, mip_gap=cfg.solver.mip_gap, threads=cfg.solver.threads)
    record = {**cfg.model_dump(mode="json"), "config_hash": cfg.hash()}
    if config_file:
        record["config_file"] = config_file
    return solve_catchments(inst, rules, objective_of(cfg), options, config=record)
