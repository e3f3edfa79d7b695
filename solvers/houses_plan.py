"""The sundhedshus plan, :class:`HousePlan`: what a solve of Model 2 produced, as the Plan interface
(:mod:`sundhed.model.plan`) sees it: summary, metrics, tables, write/read. Solving: :mod:`sundhed.solvers.houses`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from sundhed.model.houses import HouseType
from sundhed.model.plan import Metric, read_summary, read_table, with_wgs84, write_plan_files
from sundhed.solvers.jsonable import jsonable
from sundhed.solvers.highs import SolveStats


@dataclass
class HousePlan:
    """A solved siting plan.

    chosen_sites: one row per open house (new and existing): site_id, site_index, kommune, type, existing,
        build_year (None if no yearly profile or existing), capacity, total_cost_mio_kr, state_cost_mio_kr,
        kommune_cost_mio_kr (existing houses cost 0).
    demand: one row per demand point: weight (inhabitants), covered_before/covered_after (covered fraction
        0..1), travel_before_min/travel_after_min (mean minutes to the assigned house or hospital).
    assignment: demand_id, target (site id or "hospital"), fraction, weight, travel_min, covered — where
        each demand point's weight goes after the plan (capacitated: from the model; uncapacitated: nearest
        open house or hospital).
    per_catchment / per_kommune: weight, covered_before, covered_after (inhabitants), shares, and for
        per_kommune the state/kommune spend (mio. kr.) on houses sited there.
    objective_value / objective_before: the model objective with / without new houses (units in
        ``objective_units``).
    marginal_value_per_mio_kr: improvement of the objective (sense-adjusted: positive = money helps) per mio.
        kr., from re-solving with budget - marginal_delta_mio_kr; None if it could not be computed.
    """

    objective: str
    flags: dict
    stats: SolveStats
    objective_value: float
    objective_before: float
    objective_units: str
    chosen_sites: pd.DataFrame
    demand: pd.DataFrame
    assignment: pd.DataFrame
    per_catchment: pd.DataFrame
    per_kommune: pd.DataFrame
    total_weight: float
    covered_before: float
    covered_after: float
    budget_mio_kr: float
    state_spend_mio_kr: float
    kommune_spend_mio_kr: float
    marginal_value_per_mio_kr: float | None = None
    marginal_delta_mio_kr: float | None = None
    notes: list[str] = field(default_factory=list)
    coverage_minutes: float = 20.0
    house_types: tuple[HouseType, ...] = ()
    sites: pd.DataFrame | None = None
    config: dict = field(default_factory=dict)

    model: ClassVar[str] = "houses"

    @property
    def new_sites(self) -> pd.DataFrame:
        """Only the houses to build."""
        return self.chosen_sites[~self.chosen_sites["existing"].astype(bool)]  # bool even when empty

    def with_sites(self, frame: pd.DataFrame, config: dict | None = None) -> "HousePlan":
        """This plan with the names and coordinates (``id``, ``navn``, ``kode``, ``x``, ``y`` in EPSG:25832) of
        its sites taken from ``frame`` (e.g. :func:`sundhed.geodata.sites.sites_frame`), and the config record."""
        ids = set(self.chosen_sites["site_id"].astype(str))
        f = frame[frame["id"].astype(str).isin(ids)][["id", "navn", "kode", "x", "y"]].reset_index(drop=True)
        missing = sorted(ids - set(f["id"].astype(str)))
        if missing:
            raise ValueError(f"site frame lacks plan site(s) {missing[:10]}")
        return dataclasses.replace(self, sites=f, config=dict(config) if config is not None else self.config)

    # ------------------------------------------------------------------------------------- Plan protocol
    def sites_table(self) -> pd.DataFrame:
        """``chosen_sites`` with ``navn`` (second column), ``x``, ``y`` (EPSG:25832) and ``lat``, ``lon`` (WGS84)
        when the sites are known."""
        t = self.chosen_sites.copy()
        if self.sites is not None:
            loc = self.sites.assign(id=self.sites["id"].astype(str)).set_index("id")
            t.insert(1, "navn", t["site_id"].astype(str).map(loc["navn"]))
            t["x"] = t["site_id"].astype(str).map(loc["x"])
            t["y"] = t["site_id"].astype(str).map(loc["y"])
            t = with_wgs84(t)
        return t

    def tables(self) -> dict[str, pd.DataFrame]:
        """``sites`` (open houses), ``kommuner``, ``catchments``, ``demand`` (per demand point) and
        ``assignment`` (where each demand point's weight goes)."""
        return {"sites": self.sites_table(), "kommuner": self.per_kommune, "catchments": self.per_catchment,
                "demand": self.demand, "assignment": self.assignment}

    def metrics(self) -> list[Metric]:
        names = ({} if self.sites is None else
                 dict(zip(self.sites["id"].astype(str), self.sites["navn"].astype(str))))
        tw = self.total_weight
        new = self.new_sites
        return [
            Metric("houses_status", self.stats.status, "", "Løserstatus (huse)", "Solver status (houses)"),
            Metric("coverage_before", self.covered_before / tw if tw else None, "share", "Dækning før",
                   "Coverage before"),
            Metric("coverage_after", self.covered_after / tw if tw else None, "share", "Dækning efter",
                   "Coverage after"),
            Metric("state_spend_mio_kr", self.state_spend_mio_kr, "mio. kr.", "Statens udgift", "State spend"),
            Metric("kommune_spend_mio_kr", self.kommune_spend_mio_kr, "mio. kr.", "Kommunal medfinansiering",
                   "Municipal co-financing"),
            Metric("new_houses", len(new), "", "Nye huse", "New houses"),
            Metric("chosen_sites", [f"{names.get(str(i), i)} ({i})" for i in new["site_id"]], "",
                   "Valgte steder", "Chosen sites"),
        ]

    def summary(self) -> dict:
        return {"model": self.model, **self.to_dict(), "config": self.config}

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """``sites.csv`` (open houses with names), ``kommuner.csv``, ``catchments.csv``, ``demand.csv``,
        ``assignment.csv`` and ``summary.json`` in ``out_dir``."""
        return write_plan_files(out_dir, self.tables(), self.summary())

    @classmethod
    def read(cls, out_dir: str | Path) -> "HousePlan":
        """The plan :meth:`write` stored in ``out_dir`` (no solve)."""
        s = read_summary(out_dir, cls.model)
        t = read_table(out_dir, "sites", ("site_id", "navn", "type"))
        sites = None
        if {"navn", "x", "y"} <= set(t.columns):
            sites = pd.DataFrame({"id": t["site_id"], "navn": t["navn"], "kode": t["kommune"].astype(int),
                                  "x": t["x"], "y": t["y"]})
        chosen = t.drop(columns=[c for c in ("navn", "x", "y", "lat", "lon") if c in t.columns])
        chosen["existing"] = chosen["existing"].astype(bool)
        return cls(
            objective=s["objective"], flags=dict(s.get("flags") or {}), stats=SolveStats.from_dict(s["solve"]),
            objective_value=_num(s.get("objective_value")), objective_before=_num(s.get("objective_before")),
            objective_units=s.get("objective_units", ""), chosen_sites=chosen,
            demand=read_table(out_dir, "demand", ("demand_id", "catchment")),
            assignment=read_table(out_dir, "assignment", ("demand_id", "target")),
            per_catchment=read_table(out_dir, "catchments", ("catchment",)),
            per_kommune=read_table(out_dir, "kommuner"),
            total_weight=_num(s["total_weight"]), covered_before=_num(s["covered_before"]),
            covered_after=_num(s["covered_after"]), budget_mio_kr=_num(s["budget_mio_kr"]),
            state_spend_mio_kr=_num(s["state_spend_mio_kr"]), kommune_spend_mio_kr=_num(s["kommune_spend_mio_kr"]),
            marginal_value_per_mio_kr=s.get("marginal_value_per_mio_kr"),
            marginal_delta_mio_kr=s.get("marginal_delta_mio_kr"), notes=list(s.get("notes") or []),
            coverage_minutes=_num(s.get("coverage_minutes", 20.0)),
            house_types=tuple(HouseType(t["name"], t["cost_mio_kr"], t["capacity"])
                              for t in s.get("house_types", [])),
            sites=sites, config=dict(s.get("config") or {}))

    def to_dict(self) -> dict:
        """JSON-able summary (plain Python numbers, NaN/inf -> None)."""
        new = self.new_sites
        return jsonable({
            "objective": self.objective,
            "objective_units": self.objective_units,
            "flags": self.flags,
            "solve": self.stats.to_dict(),
            "objective_value": self.objective_value,
            "objective_before": self.objective_before,
            "budget_mio_kr": self.budget_mio_kr,
            "state_spend_mio_kr": self.state_spend_mio_kr,
            "kommune_spend_mio_kr": self.kommune_spend_mio_kr,
            "n_new_houses": int(len(new)),
            "new_houses_by_type": {str(k): int(v) for k, v in new["type"].value_counts().items()},
            "total_weight": self.total_weight,
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
            "covered_share_before": self.covered_before / self.total_weight if self.total_weight else None,
            "covered_share_after": self.covered_after / self.total_weight if self.total_weight else None,
            "marginal_value_per_mio_kr": self.marginal_value_per_mio_kr,
            "marginal_delta_mio_kr": self.marginal_delta_mio_kr,
            "chosen_sites": self.chosen_sites.to_dict(orient="records"),
            "per_catchment": self.per_catchment.to_dict(orient="records"),
            "per_kommune": self.per_kommune.to_dict(orient="records"),
            "notes": list(self.notes),
            "coverage_minutes": self.coverage_minutes,
            "house_types": [{"name": t.name, "cost_mio_kr": t.cost_mio_kr, "capacity": t.capacity}
                            for t in self.house_types],
        })


def _num(x) -> float:
    return float("nan") if x is None else float(x)
