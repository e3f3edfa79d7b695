"""The one interface every model result implements: :class:`Plan`.

A plan is what a solve produced, detached from the solver and the model: a JSON summary, named metrics with
units and Danish/English labels, and the tables every map and export needs (pandas DataFrames). It writes
itself into a folder (``write(dir)``: CSV tables + ``summary.json``) and reads back from it without
re-solving (``Cls.read(dir)``), so ``sundhed map`` and any report draw from stored plans and geometry only.

Implemented by :class:`sundhed.solvers.catchments.CatchmentResult`, :class:`sundhed.solvers.houses.HousePlan`
and :class:`sundhed.solvers.akutbiler.EMSPlan`. The helpers here do the file work all three share.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping, Protocol, runtime_checkable

import numpy as np
import pandas as pd

SUMMARY_FILE = "summary.json"
#: Label of the whole-country row in per-region / per-catchment tables.
TOTAL_LABEL = "(total)"


@dataclass(frozen=True)
class Metric:
    """One headline figure of a plan. ``value`` in ``unit`` (e.g. ``"min"``, ``"share"`` in [0, 1],
    ``"mio. kr."``, ``"inhabitants"``, ``""`` for counts, statuses and lists)."""

    name: str
    value: Any
    unit: str
    label_da: str
    label_en: str

    def label(self, lang: str = "da") -> str:
        return self.label_da if lang == "da" else self.label_en


@runtime_checkable
class Plan(Protocol):
    """A solved model, as maps, exports and sweeps see it."""

    #: The config's model name: ``"catchments"``, ``"houses"``, ``"akutbiler"``.
    model: ClassVar[str]

    def summary(self) -> dict:
        """JSON-able summary (what ``summary.json`` holds)."""
        ...

    def metrics(self) -> list[Metric]:
        """Headline figures; their names are the sweep's ``metric.<name>`` columns."""
        ...

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table a map or export needs, by file stem (``name`` -> ``name.csv``)."""
        ...

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the tables and ``summary.json`` into ``out_dir``; returns the paths by key."""
        ...

    @classmethod
    def read(cls, out_dir: str | Path) -> "Plan":
        """The plan a previous :meth:`write` stored in ``out_dir`` (no solver involved)."""
        ...


def with_wgs84(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``lat``, ``lon`` (WGS84 degrees, 6 decimals) from its ``x``, ``y`` (EPSG:25832 metres), so
    every site in a CSV can be placed on a map or in a GIS without knowing the projection."""
    from pyproj import Transformer

    if not len(table) or not {"x", "y"} <= set(table.columns):
        return table.assign(lat=pd.Series(dtype=float), lon=pd.Series(dtype=float)) if len(table) == 0 else table
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(table["x"].to_numpy(float),
                                                                          table["y"].to_numpy(float))
    return table.assign(lat=np.round(lat, 6), lon=np.round(lon, 6))


def flat_metrics(plan: Plan) -> dict[str, Any]:
    """``{name: value}`` of ``plan.metrics()``."""
    return {m.name: m.value for m in plan.metrics()}


def jsonable(x: Any) -> Any:
    """A JSON-serialisable copy of ``x`` (numpy scalars to Python, NaN/inf to None, tuples to lists);
    unknown objects become their ``str``."""
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    if x is None or isinstance(x, (int, str)):
        return x
    if x is pd.NA or x is pd.NaT:
        return None
    return str(x)


def write_plan_files(out_dir: str | Path, tables: Mapping[str, pd.DataFrame], summary: dict,
                     keys: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write ``tables`` as ``<name>.csv`` and ``summary`` as ``summary.json`` into ``out_dir``.

    ``keys`` renames the returned path keys (table name -> key printed by ``sundhed solve``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keys = keys or {}
    paths: dict[str, Path] = {}
    for name, df in tables.items():
        p = out / f"{name}.csv"
        df.to_csv(p, index=False)
        paths[keys.get(name, name)] = p
    p = out / SUMMARY_FILE
    p.write_text(json.dumps(jsonable(summary), ensure_ascii=False, indent=2), encoding="utf-8")
    paths[keys.get("summary", "summary")] = p
    return paths


def read_summary(out_dir: str | Path, model: str) -> dict:
    """``summary.json`` of a plan folder; ValueError when it is missing or belongs to another model."""
    p = Path(out_dir) / SUMMARY_FILE
    if not p.exists():
        raise ValueError(f"{p}: not found (no stored {model} plan here; run `sundhed solve` first)")
    s = json.loads(p.read_text(encoding="utf-8"))
    if s.get("model", model) != model:
        raise ValueError(f"{p}: holds a {s.get('model')!r} plan, not {model!r}")
    return s


def read_table(out_dir: str | Path, name: str, str_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """``<name>.csv`` of a plan folder; ``str_cols`` are read as strings (ids, names), empty cells as ""."""
    p = Path(out_dir) / f"{name}.csv"
    if not p.exists():
        raise ValueError(f"{p}: not found (the plan folder is incomplete; solve again)")
    df = pd.read_csv(p, dtype={c: str for c in str_cols}, keep_default_na=True)
    for c in str_cols:
        if c in df:
            df[c] = df[c].fillna("").astype(object)
    return df
