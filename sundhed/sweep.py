"""Generic batch sweep engine for scenario runs.

- ``expand(spec)`` turns a spec (``base`` + ``grid`` or ``scenarios``) into a
  list of full parameter dicts (dotted keys are nested overrides).
- ``run_sweep(scenarios, func, out_dir, ...)`` runs ``func(params) -> metrics``
  for each scenario (serially, in a process pool, or on a Dask cluster), caches
  each result as ``out_dir/runs/<hash>.json`` and writes a tidy
  ``results.csv`` / ``results.parquet``.

Caching policy: scenarios with an existing ``status == "ok"`` file are skipped;
scenarios whose previous run errored are retried on every call.
"""
from __future__ import annotations

import copy
import gc
import hashlib
import itertools
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sundhed.heap import freeze_loaded, unfreeze_if

__all__ = ["expand", "run_one", "run_sweep", "scenario_hash"]


# --------------------------------------------------------------------- spec
def _set_dotted(d: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    cur = d
    for p in parts[:-1]:
        nxt = cur.get(p)
        if nxt is None:
            nxt = cur[p] = {}
        elif not isinstance(nxt, dict):
            raise ValueError(f"cannot override {key!r}: {p!r} is not a table")
        cur = nxt
    cur[parts[-1]] = copy.deepcopy(value)


def _apply(base: dict, overrides: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in overrides.items():
        if not isinstance(k, str) or not k:
            raise ValueError(f"parameter keys must be non-empty strings, got {k!r}")
        _set_dotted(out, k, v)
    return out


#: Default cap on the scenarios of one sweep (each writes a file); raise it with ``max_scenarios``.
MAX_SCENARIOS = 10_000


class TooManyScenarios(ValueError):
    """A sweep spec expands to more scenarios than its limit."""


def count_scenarios(spec: dict) -> int:
    """How many scenarios ``spec`` expands to, computed without expanding it."""
    if "grid" in spec and isinstance(spec["grid"], dict):
        return math.prod(len(v) if isinstance(v, (list, tuple)) else 1 for v in spec["grid"].values())
    scs = spec.get("scenarios")
    return len(scs) if isinstance(scs, list) else 0


def expand(spec: dict, max_scenarios: int | None = MAX_SCENARIOS) -> list[dict]:
    """Expand a sweep spec into a list of parameter dicts.

    ``spec = {"base": {...}, "grid": {"a.b": [1, 2], "c": [3]}}`` gives the
    cartesian product; ``spec = {"base": {...}, "scenarios": [{"a.b": 1}, ...]}``
    gives one scenario per entry. More than ``max_scenarios`` (None = no limit) raises
    :class:`TooManyScenarios` before anything is expanded.
    """
    if not isinstance(spec, dict):
        raise ValueError(f"sweep spec must be a dict, got {type(spec).__name__}")
    unknown = set(spec) - {"base", "grid", "scenarios"}
    if unknown:
        raise ValueError(f"unknown sweep spec keys: {sorted(unknown)}; "
                         "allowed: 'base', 'grid', 'scenarios'")
    base = spec.get("base", {})
    if not isinstance(base, dict):
        raise ValueError("sweep spec 'base' must be a dict")
    has_grid, has_sc = "grid" in spec, "scenarios" in spec
    if has_grid == has_sc:
        raise ValueError("sweep spec needs exactly one of 'grid' or 'scenarios'")
    n = count_scenarios(spec)
    if max_scenarios is not None and n > max_scenarios:
        raise TooManyScenarios(f"the sweep has {n:,} scenarios, more than the limit of {max_scenarios:,}; "
                               "set max_scenarios in the sweep file (or --max-scenarios) to allow more")
    if has_grid:
        grid = spec["grid"]
        if not isinstance(grid, dict) or not grid:
            raise ValueError("sweep spec 'grid' must be a non-empty dict of param -> list")
        for k, vals in grid.items():
            if not isinstance(vals, (list, tuple)) or not vals:
                raise ValueError(f"grid values for {k!r} must be a non-empty list")
        keys = list(grid)
        return [_apply(base, dict(zip(keys, combo)))
                for combo in itertools.product(*(grid[k] for k in keys))]
    scs = spec["scenarios"]
    if not isinstance(scs, list) or not all(isinstance(s, dict) for s in scs):
        raise ValueError("sweep spec 'scenarios' must be a list of dicts")
    return [_apply(base, s) for s in scs]


def scenario_hash(params: dict) -> str:
    """sha256 of the canonical (sorted-key) JSON of ``params``, 12 hex chars."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- execution
def run_one(func: Callable[[dict], dict], params: dict) -> dict:
    """Run one scenario, never raising: returns the record to store."""
    try:
        metrics = func(copy.deepcopy(params))
        if not isinstance(metrics, dict):
            raise TypeError(f"scenario function must return a dict, got {type(metrics).__name__}")
        return {"params": params, "status": "ok", "metrics": metrics}
    except Exception as e:  # noqa: BLE001 - recorded, sweep continues
        return {"params": params, "status": "error", "error": f"{type(e).__name__}: {e}"}


def _write_json_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, sort_keys=True, default=_json_default)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(o):
    try:  # numpy scalars / arrays
        return o.tolist()
    except AttributeError:
        return str(o)


def _read_ok(path: Path) -> dict | None:
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return rec if rec.get("status") == "ok" else None


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _progress(total: int, enabled: bool, desc: str):
    """The sweep's progress bar. Without tqdm's monitor thread: the bar moves once per scenario anyway, and a
    second thread would make it unsafe to fork sweep workers (:func:`sundhed.sweep_pool.start_method`)."""
    from tqdm.auto import tqdm

    bar = type("SweepBar", (tqdm,), {"monitor_interval": 0})
    return bar(total=total, disable=not enabled or total == 0, desc=desc)


def run_sweep(scenarios: list[dict], func: Callable[[dict], dict], out_dir, *,
              jobs: int = 1, scheduler: str | None = None,
              progress: bool = True, key: Callable[[dict], str] = scenario_hash,
              security=None, allow_insecure_scheduler: bool = False) -> pd.DataFrame:
    """Run ``func`` over ``scenarios`` with per-scenario caching.

    Returns one row per scenario (input order): ``hash``, flattened params as
    dotted columns, ``status``, ``error`` and ``metric.<name>`` columns.
    ``df.attrs`` holds ``computed``, ``skipped``, ``ok`` and ``errors``.
    ``jobs > 1`` runs scenarios in this process and in ``jobs - 1`` workers of a ProcessPoolExecutor
    (``func`` must be importable by name; see :func:`sundhed.sweep_pool.run_pool`);
    ``scheduler`` ("tcp://..." or "local") uses a dask ``distributed.Client`` (``security``: a
    ``distributed.Security`` for ``tls://`` schedulers; see :mod:`sundhed.dask_client`).
    ``key(params)`` names each scenario's stored result (default: hash of the raw params; the CLI passes
    :func:`sundhed.tasks.scenario_key`, a hash of the validated config, its input files and the code and
    data versions), so a finished scenario is skipped only when nothing it depends on changed.
    """
    out_dir = Path(out_dir)
    runs = out_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)

    hashes = [key(p) for p in scenarios]
    records: dict[str, dict] = {}
    todo: dict[str, dict] = {}
    for h, p in zip(hashes, scenarios):
        if h in records or h in todo:
            continue  # duplicate scenario
        rec = _read_ok(runs / f"{h}.json")
        if rec is not None:
            records[h] = rec
        else:
            todo[h] = p
    skipped = len(records)

    def _store(h: str, rec: dict) -> None:
        _write_json_atomic(runs / f"{h}.json", rec)
        records[h] = rec
        bar.update(1)

    bar = _progress(len(todo), progress, "sweep")
    frozen_before = gc.get_freeze_count()
    try:
        if not todo:
            pass
        elif scheduler is not None:
            _run_dask(todo, func, scheduler, _store, security, allow_insecure_scheduler)
        elif jobs > 1:
            from sundhed.sweep_pool import run_pool

            run_pool(todo, func, jobs, progress, _store)
        else:
            from sundhed.solvers.highs import progress_enabled, set_progress

            was = progress_enabled()
            set_progress(was and progress)
            try:
                for k, (h, p) in enumerate(todo.items()):
                    _store(h, run_one(func, p))
                    if k == 0:  # the imports and data the scenarios share are loaded now (sundhed/heap.py)
                        freeze_loaded()
            finally:
                set_progress(was)
    finally:
        bar.close()
        unfreeze_if(frozen_before)

    df = _table([(h, records[h]) for h in hashes])
    df.attrs.update(computed=len(todo), skipped=skipped,
                    ok=int((df["status"] == "ok").sum()) if len(df) else 0,
                    errors=int((df["status"] == "error").sum()) if len(df) else 0)
    from sundhed.safe_io import atomic_output

    with atomic_output(out_dir / "results.csv") as tmp:
        df.to_csv(tmp, index=False)
    with atomic_output(out_dir / "results.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    return df


def _run_dask(todo: dict, func, scheduler: str, store, security=None, allow_insecure: bool = False) -> None:
    from distributed import as_completed

    from sundhed.dask_client import connect

    client, cluster = connect(scheduler, security=security, allow_insecure=allow_insecure)
    try:
        keys = list(todo)
        futs = client.map(run_one, [func] * len(keys), [todo[h] for h in keys],
                          key=[f"sweep-{h}" for h in keys], pure=False)
        by_key = {f.key: h for f, h in zip(futs, keys)}
        for fut in as_completed(futs):
            h = by_key[fut.key]
            try:
                rec = fut.result()
            except Exception as e:
                rec = {"params": todo[h], "status": "error",
                       "error": f"{type(e).__name__}: {e}"}
            store(h, rec)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _table(items: list[tuple[str, dict]]) -> pd.DataFrame:
    rows = []
    for h, rec in items:
        row: dict[str, Any] = {"hash": h}
        row.update(_flatten(rec.get("params", {})))
        row["status"] = rec.get("status")
        row["error"] = rec.get("error")
        for k, v in _flatten(rec.get("metrics") or {}).items():
            row[f"metric.{k}"] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        df["error"] = df["error"].astype("string")
    # lists/other objects are not parquet-safe in mixed columns: stringify them
    for c in df.columns:
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            df[c] = df[c].map(lambda v: json.dumps(v) if isinstance(v, (list, dict, tuple)) else v)
    return df
