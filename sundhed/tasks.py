"""Scenario tasks for sweeps: top-level, picklable functions from a config dict to metrics."""
from __future__ import annotations


def catchment_scenario(params: dict) -> dict:
    """Solve one catchment scenario (a full config as a dict) and return its metrics.

    Validated by the one config schema; an invalid or infeasible scenario raises, and the sweep
    records the error.
    """
    from geodata.dataset import load_dataset
    from sundhed.config import Config
    from sundhed.scenario import catchment_setup, solve_config

    cfg = Config.model_validate(params)
    inst, rules = catchment_setup(cfg, load_dataset(cfg.catchments.hospital_sites))
    res = solve_config(cfg, inst, rules)
    s = res.final_stats
    return {
        "status": s.status, "gap": s.gap, "runtime_s": sum(x.runtime_s for x in res.stats),
        "catchments": len(inst.hospitals), "mean_minutes": res.score.mean_minutes,
        "max_minutes": res.score.max_minutes, "moves": res.score.moves,
        "outside_band": len(res.score.band_violations), "config_hash": cfg.hash(),
    }
