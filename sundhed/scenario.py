"""One scenario from a validated config: instances, solves, written results. Shared by `sundhed solve`
and the sweep tasks so both read the config the same way.

Chain: when ``model`` lists ``catchments`` before ``houses`` / ``akutbiler``, the solved catchments are the
catchments the later models report on (and the houses' ``maxmin`` objective balances); otherwise they use
Table B.1.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sundhed.model.catchments import CatchmentInstance, CatchmentRules
from sundhed.solvers.catchments import CatchmentResult, solve_catchments
from sundhed.solvers.highs import SolveOptions
from sundhed.config import Config


def _options(cfg: Config) -> SolveOptions:
    return SolveOptions(time_limit=cfg.solver.time_limit, mip_gap=cfg.solver.mip_gap, threads=cfg.solver.threads)


def _record(cfg: Config, config_file: str | None) -> dict:
    record = {**cfg.model_dump(mode="json"), "config_hash": cfg.hash()}
    if config_file:
        record["config_file"] = config_file
    return record


# ------------------------------------------------------------------------------------------- catchments
def catchment_setup(cfg: Config, ds):
    """The model instance and rules a validated config asks for; unknown names raise ValueError."""
    from sundhed.model.national import catchment_instance

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
    return solve_catchments(inst, rules, objective_of(cfg), _options(cfg), config=_record(cfg, config_file))


# ------------------------------------------------------------------------------------------- houses
def _kommune_codes(ds, names) -> tuple[int, ...]:
    code_of = {str(n): int(k) for k, n in zip(ds.kommuner["kode"], ds.kommuner["navn"])}
    bad = [n for n in names if n not in code_of]
    if bad:
        raise ValueError(f"unknown kommune(r) {bad} in config (use official names, e.g. 'Høje-Taastrup')")
    return tuple(code_of[n] for n in names)


def _scope(cfg: Config, ds) -> list[int] | None:
    """Kommune codes of ``cfg.regions`` (None = all of Denmark)."""
    if not cfg.regions:
        return None
    k = ds.kommuner
    return sorted(int(c) for c in k.loc[k["region"].isin(cfg.regions), "kode"])


def house_setup(cfg: Config, ds, catchment_of: dict[int, str] | None = None):
    """The sundhedshus instance of ``cfg.houses`` and the frame (id, navn, kode, x, y) of its candidate sites."""
    from sundhed.geodata.sites import resolve_site_ids, sites_frame
    from sundhed.model.houses import HouseType
    from sundhed.model.national_houses import house_instance

    h = cfg.houses
    types = None if h.house_types is None else [HouseType(t.name, t.cost_mio_kr, t.capacity) for t in h.house_types]
    inst = house_instance(ds, min_town_pop=h.min_town_pop, include_hospital_sites=h.include_hospital_sites,
                          house_types=types, budget_mio_kr=h.budget_mio_kr, coverage_minutes=h.coverage_minutes,
                          weight=h.weight, catchment_of=catchment_of,
                          existing=resolve_site_ids(ds, h.existing, what="existing sundhedshus"),
                          weak_kommuner=_kommune_codes(ds, h.weak_kommuner), cap_kbh_frb=h.cap_kbh_frb,
                          kommuner=_scope(cfg, ds))
    return inst, sites_frame(ds, inst.site_ids)


def solve_house_config(cfg: Config, inst):
    from sundhed.solvers.houses import solve_houses

    h = cfg.houses
    return solve_houses(inst, h.objective, _options(cfg), capacity=h.capacity,
                        min_one_per_catchment=h.min_one_per_catchment, min_one_per_kommune=h.min_one_per_kommune)


# ------------------------------------------------------------------------------------------- akutbiler
def ems_config_setup(cfg: Config, ds, catchment_of: dict[int, str] | None = None, base_dir: Path | None = None):
    """The akutbil instance of ``cfg.akutbiler``, its candidate-station frame and report notes per language
    (``{"da": [...], "en": [...]}``).

    A relative ``station_list`` path is read relative to ``base_dir`` (the config file's folder) when it is
    not found relative to the working directory."""
    from sundhed.geodata.sites import resolve_site_ids
    from sundhed.geodata.stations import load_station_list
    from sundhed.model.national_akutbiler import ASSUMED_EXISTING, MODELLED_FLEET, ems_setup

    a = cfg.akutbiler
    stations = None
    if a.station_list:
        path = Path(a.station_list)
        if not path.exists() and base_dir is not None and (Path(base_dir) / path).exists():
            path = Path(base_dir) / path
        stations = load_station_list(path, ds.kommuner)
    extra = tuple(stations["id"]) if stations is not None else ()
    existing = a.existing if isinstance(a.existing, str) else resolve_site_ids(ds, a.existing, extra_ids=extra,
                                                                                what="existing station")
    inst, st = ems_setup(ds, min_town_pop=a.min_town_pop, existing=existing, station_list=stations,
                         delay_min=a.delay_min, weight=a.weight, catchment_of=catchment_of,
                         kommuner=_scope(cfg, ds))
    inst = dataclasses.replace(inst, unit_cost_mio_kr=np.full(inst.n_stations, a.unit_cost_mio_kr))
    key = existing if isinstance(existing, str) else "list"
    fleet_da = {"modelled": "modellerede stationssteder (ikke en stationsliste): alle akutsygehuse, hver kommunes "
                            "største by og alle byer med mindst 2.000 indbyggere; kalibreret til de offentliggjorte "
                            "15-minutters andele i Nordjylland (ca. 89 %) og Hovedstaden (98 %)",
                "hospitals": "én enhed ved hvert akutsygehus (en antagelse)",
                "stations": f"stationslisten {a.station_list}",
                "list": "stationer angivet i konfigurationen"}[key]
    fleet_en = {"modelled": MODELLED_FLEET, "hospitals": ASSUMED_EXISTING,
                "stations": f"station list {a.station_list}", "list": "stations given in the config"}[key]
    notes = {"da": [f"Eksisterende beredskab: {fleet_da} ({len(inst.existing)} steder).",
                    f"Responstid = {a.delay_min:g} min alarmering og udrykning + køretid på det indbyggede "
                    "vejnet; en tur, der kræver færge, tæller aldrig."],
             "en": [f"Existing fleet: {fleet_en} ({len(inst.existing)} sites).",
                    f"Response time = {a.delay_min:g} min dispatch and turnout + drive time on the embedded "
                    "network; a drive that needs a ferry never counts."]}
    return inst, st, notes


def solve_ems_config(cfg: Config, inst):
    from sundhed.solvers.akutbiler import solve_ems

    a = cfg.akutbiler
    kw: dict = {"T": a.T, "region_targets": a.region_targets or None, "budget_mio_kr": a.budget_mio_kr}
    if a.kind == "lscp":
        kw["target_share"] = a.target_share
    else:
        kw["k"] = a.k
    if a.kind == "mexclp":
        kw["busy_fraction"] = a.busy_fraction
    if a.kind == "dsm":
        kw.update(T1=a.T1, T2=a.T2, alpha=a.alpha)
    return solve_ems(inst, a.kind, _options(cfg), **kw)


# ------------------------------------------------------------------------------------------- the chain
@dataclass
class ScenarioRun:
    """What one config produced (each part None when its model was not run)."""

    cfg: Config
    ds: object
    catchments: CatchmentResult | None = None
    houses: object | None = None          # solvers.houses.HousePlan
    house_instance: object | None = None
    house_sites: pd.DataFrame | None = None
    ems: object | None = None             # solvers.akutbiler.EMSPlan
    ems_instance: object | None = None
    ems_stations: pd.DataFrame | None = None
    ems_notes: dict[str, list[str]] = field(default_factory=dict)  # language -> notes for reports

    def metrics(self) -> dict:
        """Flat metrics for sweep tables (minutes, shares in [0, 1], mio. kr.)."""
        out: dict = {"config_hash": self.cfg.hash()}
        if self.catchments is not None:
            r, s = self.catchments, self.catchments.final_stats
            out.update(status=s.status, gap=s.gap, runtime_s=sum(x.runtime_s for x in r.stats),
                       catchments=len(r.score.per_catchment), mean_minutes=r.score.mean_minutes,
                       max_minutes=r.score.max_minutes, moves=r.score.moves,
                       outside_band=len(r.score.band_violations))
        if self.houses is not None:
            p = self.houses
            names = dict(zip(self.house_sites["id"], self.house_sites["navn"]))
            new = p.new_sites
            out.update(houses_status=p.stats.status, coverage_before=p.covered_before / p.total_weight,
                       coverage_after=p.covered_after / p.total_weight,
                       state_spend_mio_kr=p.state_spend_mio_kr, kommune_spend_mio_kr=p.kommune_spend_mio_kr,
                       new_houses=len(new),
                       chosen_sites=[f"{names[i]} ({i})" for i in new["site_id"]])
        if self.ems is not None:
            e = self.ems
            names = dict(zip(self.ems_stations["id"], self.ems_stations["navn"]))
            rep = e.region_report.set_index("region")
            T = int(round(e.params.T))
            out.update(ems_status=e.stats.status, share_before=e.covered_before / e.total_demand,
                       share_after=e.covered_after / e.total_demand, new_units=len(e.new),
                       units_cost_mio_kr=e.cost_mio_kr,
                       new_sites=[f"{names[i]} ({i})" for i in e.new_station_ids])
            col = f"after_{T}" if f"after_{T}" in rep else None
            if col:
                for reg in rep.index:
                    if reg != "(total)":
                        out[f"share_after_{reg}"] = float(rep.loc[reg, col])
        return out


def run_scenario(cfg: Config, *, ds=None, config_file: str | None = None,
                 log: Callable[[str], None] = lambda s: None) -> ScenarioRun:
    """Run every model of the config's chain. Raises the models' infeasibility errors and ValueError."""
    from sundhed.geodata.dataset import load_dataset

    ds = ds if ds is not None else load_dataset(cfg.catchments.hospital_sites)
    run = ScenarioRun(cfg, ds)
    catchment_of = None
    base_dir = Path(config_file).parent if config_file else None
    if "catchments" in cfg.models:
        inst, rules = catchment_setup(cfg, ds)
        log(f"catchments: solving {len(inst.kommuner)} kommuner, {len(inst.hospitals)} akutsygehuse, "
            f"objective {objective_of(cfg)}")
        run.catchments = solve_config(cfg, inst, rules, config_file)
        catchment_of = {int(k): str(v) for k, v in run.catchments.assignment.items()}
    if "houses" in cfg.models:
        run.house_instance, run.house_sites = house_setup(cfg, ds, catchment_of)
        log(f"houses: {run.house_instance.n_demand} demand points, {run.house_instance.n_sites} candidate sites, "
            f"budget {cfg.houses.budget_mio_kr:g} mio. kr., objective {cfg.houses.objective}")
        run.houses = solve_house_config(cfg, run.house_instance)
    if "akutbiler" in cfg.models:
        run.ems_instance, run.ems_stations, run.ems_notes = ems_config_setup(cfg, ds, catchment_of, base_dir)
        log(f"akutbiler: {run.ems_instance.n_demand} demand points, {run.ems_instance.n_stations} candidate "
            f"stations, {len(run.ems_instance.existing)} existing, kind {cfg.akutbiler.kind}")
        run.ems = solve_ems_config(cfg, run.ems_instance)
    return run


def _write_json(path: Path, obj) -> Path:
    from sundhed.solvers.jsonable import jsonable

    path.write_text(json.dumps(jsonable(obj), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_houses(run: ScenarioRun, out: Path, config_file: str | None = None) -> dict[str, Path]:
    """houses/sites.csv (open houses with names), kommuner.csv, catchments.csv, summary.json."""
    d = Path(out) / "houses"
    d.mkdir(parents=True, exist_ok=True)
    p = run.houses
    names = run.house_sites.set_index("id")["navn"]
    sites = p.chosen_sites.copy()
    sites.insert(1, "navn", sites["site_id"].map(names))
    paths = {"houses_sites": d / "sites.csv", "houses_kommuner": d / "kommuner.csv",
             "houses_catchments": d / "catchments.csv"}
    sites.to_csv(paths["houses_sites"], index=False)
    p.per_kommune.to_csv(paths["houses_kommuner"], index=False)
    p.per_catchment.to_csv(paths["houses_catchments"], index=False)
    paths["houses_summary"] = _write_json(d / "summary.json", {**p.to_dict(),
                                                               "config": _record(run.cfg, config_file)})
    return paths


def write_ems(run: ScenarioRun, out: Path, config_file: str | None = None) -> dict[str, Path]:
    """akutbiler/new_units.csv (with names and marginal coverage), regions.csv, catchments.csv, summary.json."""
    d = Path(out) / "akutbiler"
    d.mkdir(parents=True, exist_ok=True)
    e = run.ems
    names = run.ems_stations.set_index("id")["navn"]
    new = e.marginal.copy()
    new.insert(2, "navn", new["station_id"].map(names))
    paths = {"ems_new_units": d / "new_units.csv", "ems_regions": d / "regions.csv",
             "ems_catchments": d / "catchments.csv"}
    new.to_csv(paths["ems_new_units"], index=False)
    e.region_report.to_csv(paths["ems_regions"], index=False)
    e.catchment_report.to_csv(paths["ems_catchments"], index=False)
    paths["ems_summary"] = _write_json(d / "summary.json", {**e.to_dict(), "notes": run.ems_notes,
                                                            "config": _record(run.cfg, config_file)})
    return paths
