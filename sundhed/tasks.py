"""Scenario tasks for sweeps: top-level, picklable functions from a config dict to metrics."""
from __future__ import annotations


def scenario_task(params: dict) -> dict:
    """Run one scenario (a full config as a dict: any model or chain) and return its flat metrics.

    Validated by the one config schema; an invalid or infeasible scenario raises, and the sweep records the
    error. See :meth:`sundhed.scenario.ScenarioRun.metrics` for the metric names.
    """
    from sundhed.config import Config
    from sundhed.scenario import run_scenario

    cfg = Config.model_validate(params)
    return run_scenario(cfg).metrics()


#: The catchment sweeps' task (kept under its old name; any model works).
catchment_scenario = scenario_task
