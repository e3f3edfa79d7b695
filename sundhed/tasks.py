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


def scenario_key(params: dict, versions: tuple[str, str] | None = None) -> str:
    """The sweep's skip key of one scenario: sha256 (12 hex chars) of the validated, merged config (its
    hash, defaults included), the content of every file it names (``akutbiler.station_list``), the data
    version (content hash of geodata/data) and the code version. A scenario is skipped on a re-run only
    when all of these are unchanged. An invalid config keys on its raw params (it fails again anyway).
    ``versions``: (data version, code version) when the caller has read them (see :func:`sweep_key`)."""
    import hashlib
    import json

    from pydantic import ValidationError

    from sundhed import provenance
    from sundhed.config import Config
    from sundhed.sweep import scenario_hash

    try:
        cfg = Config.model_validate(params)
    except ValidationError:
        return "invalid-" + scenario_hash(params)
    files = {}
    if cfg.akutbiler.station_list and "akutbiler" in cfg.models:
        files["akutbiler.station_list"] = provenance.hash_file(cfg.akutbiler.station_list)
    data, code = versions or (provenance.data_version(), provenance.code_version())
    blob = json.dumps({"config": cfg.hash(), "files": files, "data": data, "code": code}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def sweep_key():
    """:func:`scenario_key` with the data and code versions read once, for the keys of one sweep (they are all
    computed at its start; reading the versions costs about 17 ms a key: a walk over the code and data)."""
    import functools

    from sundhed import provenance

    return functools.partial(scenario_key, versions=(provenance.data_version(), provenance.code_version()))
