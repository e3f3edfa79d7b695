"""The akutbil plan, :class:`EMSPlan`: what a solve of Model 3 produced, as the Plan interface
(:mod:`sundhed.model.plan`) sees it: summary, metrics, tables, write/read. Solving: :mod:`sundhed.solvers.akutbiler`.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from sundhed.model.akutbiler import (EMSParams)
from sundhed.model.plan import TOTAL_LABEL, Metric, jsonable, read_summary, read_table, with_wgs84, write_plan_files
from sundhed.solvers.highs import SolveStats


@dataclass
class EMSPlan:
    """A solved akutbil placement.

    value: objective recomputed from the chosen stations (units in ``value_units``; LSCP: number of new
        units, MCLP: demand covered within T, MEXCLP: expected covered demand, DSM: demand covered twice
        within T1 minus the T2 penalty). ``stats`` is the solver's report for the main model (LSCP with a
        target share: the unit-count solve; the coverage tie-break solve is in ``extra["tiebreak_stats"]``).
    covered_before / covered_after: demand (calls / inhabitants) covered within T by existing / all units.
    region_report / catchment_report: one row per region / catchment plus a ``(total)`` row: ``demand`` and
        ``before_<t>`` / ``after_<t>`` shares (0..1) reached within t minutes for each threshold.
    marginal: one row per new unit: station_index, station_id, cost_mio_kr, removal_value (demand within T
        lost if only this unit is removed), greedy_rank (1 = added first), greedy_gain (coverage gained when
        added in greedy order).
    unreachable_ids / unreachable_weight: demand points (and their demand) no candidate covers within T.
    """

    kind: str
    params: EMSParams
    stats: SolveStats
    existing: list[int]
    new: list[int]
    new_station_ids: list
    value: float
    value_units: str
    total_demand: float
    covered_before: float
    covered_after: float
    cost_mio_kr: float | None
    unreachable_ids: list
    unreachable_weight: float
    region_report: pd.DataFrame
    catchment_report: pd.DataFrame
    marginal: pd.DataFrame
    extra: dict = field(default_factory=dict)
    existing_station_ids: list = field(default_factory=list)
    delay_min: float = 0.0
    #: per demand point: demand_id, weight, region, catchment, before_min / after_min (fastest response from
    #: the existing / all units, minutes; inf = not reachable without a ferry), fastest_after (station id, "")
    demand: pd.DataFrame | None = None
    #: id, navn, kode, x, y (EPSG:25832) of every open station (set by :meth:`with_stations`)
    stations: pd.DataFrame | None = None
    report_notes: dict[str, list[str]] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    #: the dispatch simulation of this plan (``sundhed.simulate.SimulationResult``: ``write(dir)`` and
    #: ``metrics()``), when the config ran it; written beside the plan, not part of ``summary.json``
    simulation: Any = None

    model: ClassVar[str] = "akutbiler"

    @property
    def open(self) -> list[int]:
        """All stations with a unit after the plan (existing + new), sorted indices."""
        return sorted(set(self.existing) | set(self.new))

    @property
    def open_station_ids(self) -> list:
        """Ids of the existing stations, then of the new ones."""
        return list(dict.fromkeys([*self.existing_station_ids, *self.new_station_ids]))

    def with_stations(self, frame: pd.DataFrame, notes: dict[str, list[str]] | None = None,
                      config: dict | None = None) -> "EMSPlan":
        """This plan with the names and coordinates of its open stations from ``frame`` (``id``, ``navn``,
        ``kode``, ``x``, ``y``), report notes per language and the config record."""
        ids = self.open_station_ids
        f = frame.assign(id=frame["id"].astype(str)).drop_duplicates("id").set_index("id")
        missing = [i for i in map(str, ids) if i not in f.index]
        if missing:
            raise ValueError(f"station frame lacks plan station(s) {missing[:10]}")
        st = f.loc[[str(i) for i in ids], ["navn", "kode", "x", "y"]].reset_index()
        return dataclasses.replace(self, stations=st, report_notes=dict(notes or self.report_notes),
                                   config=dict(config) if config is not None else self.config)

    # ------------------------------------------------------------------------------------- Plan protocol
    def new_units_table(self) -> pd.DataFrame:
        """``marginal`` with the station name (third column), ``x``, ``y`` (EPSG:25832) and ``lat``, ``lon``
        (WGS84) when the stations are known."""
        t = self.marginal.copy()
        if self.stations is not None:
            st = self.stations.assign(id=self.stations["id"].astype(str)).set_index("id")
            ids = t["station_id"].astype(str)
            t.insert(2, "navn", ids.map(st["navn"]))
            t["x"], t["y"] = ids.map(st["x"]).to_numpy(float), ids.map(st["y"]).to_numpy(float)
            t = with_wgs84(t)
        return t

    def tables(self) -> dict[str, pd.DataFrame]:
        """``new_units``, ``regions``, ``catchments``, ``demand`` (response per demand point), ``stations``."""
        t = {"new_units": self.new_units_table(), "regions": self.region_report,
             "catchments": self.catchment_report}
        if self.demand is not None:
            t["demand"] = self.demand
        if self.stations is not None:
            t["stations"] = self.stations
        return t

    def metrics(self) -> list[Metric]:
        names = ({} if self.stations is None else
                 dict(zip(self.stations["id"].astype(str), self.stations["navn"].astype(str))))
        tot = self.total_demand
        T = int(round(self.params.T))
        out = [
            Metric("ems_status", self.stats.status, "", "Løserstatus (akutbiler)", "Solver status (akutbiler)"),
            Metric("share_before", self.covered_before / tot if tot else None, "share",
                   f"Andel inden for {T} min før", f"Share within {T} min before"),
            Metric("share_after", self.covered_after / tot if tot else None, "share",
                   f"Andel inden for {T} min efter", f"Share within {T} min after"),
            Metric("new_units", len(self.new), "", "Nye enheder", "New units"),
            Metric("units_cost_mio_kr", self.cost_mio_kr, "mio. kr. a year", "Udgift til nye enheder (pr. år)",
                   "Cost of new units (a year)"),
            Metric("new_sites", [f"{names.get(str(i), i)} ({i})" for i in self.new_station_ids], "",
                   "Nye stationer", "New stations"),
        ]
        col = f"after_{T}"
        if col in self.region_report:
            for reg, v in zip(self.region_report["region"], self.region_report[col]):
                if reg != TOTAL_LABEL:
                    out.append(Metric(f"share_after_{reg}", float(v), "share", f"{reg}: andel efter",
                                      f"{reg}: share after"))
        if self.simulation is not None:
            out.extend(self.simulation.metrics())
        return out

    def summary(self) -> dict:
        return {"model": self.model, **self.to_dict(), "notes": self.report_notes, "config": self.config}

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """``new_units.csv`` (with names and marginal coverage), ``regions.csv``, ``catchments.csv``,
        ``demand.csv``, ``stations.csv`` and ``summary.json`` in ``out_dir``."""
        paths = write_plan_files(out_dir, self.tables(), self.summary())
        if self.simulation is not None:
            paths.update(self.simulation.write(out_dir))
        return paths

    @classmethod
    def read(cls, out_dir: str | Path) -> "EMSPlan":
        """The plan :meth:`write` stored in ``out_dir`` (no solve)."""
        s = read_summary(out_dir, cls.model)
        marg = read_table(out_dir, "new_units", ("station_id", "navn"))
        d = Path(out_dir)
        demand = (read_table(d, "demand", ("demand_id", "region", "catchment", "fastest_after"))
                  if (d / "demand.csv").exists() else None)
        stations = read_table(d, "stations", ("id", "navn")) if (d / "stations.csv").exists() else None
        return cls(
            kind=s["kind"], params=EMSParams(**s["params"]), stats=SolveStats.from_dict(s["stats"]),
            existing=[int(j) for j in s["existing"]], new=[int(j) for j in s["new"]],
            new_station_ids=list(s["new_station_ids"]), value=float(s["value"]), value_units=s["value_units"],
            total_demand=float(s["total_demand"]), covered_before=float(s["covered_before"]),
            covered_after=float(s["covered_after"]), cost_mio_kr=s.get("cost_mio_kr"),
            unreachable_ids=list(s.get("unreachable_ids") or []),
            unreachable_weight=float(s.get("unreachable_weight") or 0.0),
            region_report=read_table(d, "regions", ("region",)),
            catchment_report=read_table(d, "catchments", ("catchment",)),
            marginal=marg.drop(columns=[c for c in ("navn", "x", "y", "lat", "lon") if c in marg.columns]),
            extra=dict(s.get("extra") or {}), existing_station_ids=list(s.get("existing_station_ids") or []),
            delay_min=float(s.get("delay_min") or 0.0), demand=demand, stations=stations,
            report_notes=dict(s.get("notes") or {}), config=dict(s.get("config") or {}))

    def to_dict(self) -> dict:
        """JSON-safe summary (NaN / inf become None)."""
        return jsonable({
            "kind": self.kind,
            "params": self.params.to_dict(),
            "stats": self.stats.to_dict(),
            "existing": self.existing,
            "new": self.new,
            "new_station_ids": self.new_station_ids,
            "n_new": len(self.new),
            "value": self.value,
            "value_units": self.value_units,
            "total_demand": self.total_demand,
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
            "share_before": self.covered_before / self.total_demand if self.total_demand > 0 else None,
            "share_after": self.covered_after / self.total_demand if self.total_demand > 0 else None,
            "cost_mio_kr": self.cost_mio_kr,
            "unreachable_ids": self.unreachable_ids,
            "unreachable_weight": self.unreachable_weight,
            "region_report": self.region_report.to_dict(orient="records"),
            "catchment_report": self.catchment_report.to_dict(orient="records"),
            "marginal": self.marginal.to_dict(orient="records"),
            "extra": self.extra,
            "existing_station_ids": self.existing_station_ids,
            "delay_min": self.delay_min,
        })

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)
