"""Model 3 on the national dataset: build an :class:`model.akutbiler.EMSInstance` (geodata -> model).

Demand: the sogn points of ``ds.demand`` (weight = inhabitants, or ESTIMATED inhabitants aged 65+ / 80+ with
``weight="elderly"`` / ``"80plus"``: the sogn's 2014 age shares applied to its population). Candidate stations:
GeoNames towns with at least ``min_town_pop`` inhabitants (ids ``"T<geonameid>"``) plus the 21
akutsygehus sites (ids ``"H<akut_id>"``). Drive minutes come from :func:`geodata.traveltimes.travel_times`
(``minutes``, ferries allowed); ``uses_ferry`` marks pairs whose fastest path crosses a ferry, and the
covering model never counts such a pair as covered.

Existing units: no public list of ambulance / akutbil stations exists. The default
(``existing="modelled"``) is :data:`MODELLED_FLEET`, a **modelled** set of station sites, not data: every
akutsygehus site, the largest GeoNames town of each kommune (Gladsaxe has none) and every town of at
least
:data:`MODELLED_FLEET_MIN_TOWN_POP` inhabitants. The threshold is calibrated so that the modelled 15-minute
shares match the two published regional figures (second half of 2023, ../shared/docs/domain.md): Nordjylland
≈ 89 % (modelled 89.0 %) and Hovedstaden 98 % (modelled 99.4 %), with the default 3-minute dispatch +
turnout delay (re-calibrated from 2,000 to 2,500 inhabitants when the network got road classes, issue 19:
at 2,000 Hovedstaden came out at 99.7 %). The set has more sites than Denmark has stations (74 in
Syddanmark, where Ambulance Syd's 39
stations being 77 % of the units imply about 50): a town-size rule needs more sites than a real, optimised
network to reach the same coverage. ``existing="hospitals"`` (:data:`ASSUMED_EXISTING`, one unit per
akutsygehus) is the old, much thinner assumption. Real data replace both: ``station_list`` (a frame from
:func:`geodata.stations.load_station_list`) adds the real stations as candidates and, with
``existing="stations"``, makes exactly them the existing fleet.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from sundhed.geodata.dataset import Dataset
from sundhed.geodata.kommuner import scope_codes
from sundhed.geodata.sites import candidate_sites, resolve_site_ids
from sundhed.geodata.sogne import WEIGHT_COLUMNS, demand_weights
from sundhed.geodata.stations import load_station_list, resolve_station_path
from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR, TravelTimeSource, points_frame, travel_times
from sundhed.model.akutbiler import EMSInstance

#: ``existing="hospitals"``: one unit per akutsygehus site (an assumption; no public station list exists).
ASSUMED_EXISTING = "one unit per akutsygehus site (assumption)"
#: Towns of at least this many inhabitants (GeoNames) hold a station in the modelled default fleet.
MODELLED_FLEET_MIN_TOWN_POP = 2500
#: ``existing="modelled"`` (the default): see the module docstring.
MODELLED_FLEET = ("modelled station sites (not a station list): every akutsygehus, the largest town of each "
                  f"kommune and every town ≥ {MODELLED_FLEET_MIN_TOWN_POP:,} inhabitants; calibrated to the "
                  "published 15-min shares of Nordjylland (≈ 89 %) and Hovedstaden (98 %)").replace(",", ".")
FLEETS = ("modelled", "hospitals", "stations")
WEIGHTS = tuple(WEIGHT_COLUMNS)


def modelled_fleet_ids(ds: Dataset, min_town_pop: float = MODELLED_FLEET_MIN_TOWN_POP) -> list[str]:
    """Ids of the modelled default fleet (:data:`MODELLED_FLEET`): hospital sites ``H<akut_id>``, the largest
    GeoNames town of every kommune and every town with at least ``min_town_pop`` inhabitants ``T<geonameid>``."""
    t = ds.towns
    largest = t.sort_values(["geonames_befolkning", "geonameid"], ascending=[False, True]).drop_duplicates("kode")
    towns = set(largest["geonameid"]) | set(t.loc[t["geonames_befolkning"] >= min_town_pop, "geonameid"])
    return [f"T{g}" for g in t["geonameid"] if g in towns] + [f"H{a}" for a in ds.hospitals["akut_id"]]


def candidate_stations(ds: Dataset, min_town_pop: float = 1000, station_list: pd.DataFrame | None = None,
                       include: Sequence[str] = ()) -> pd.DataFrame:
    """Candidate stations: ``id``, ``navn``, ``kode`` (kommune), ``kind`` (town / hospital / station), ``x``,
    ``y`` (EPSG:25832). Towns with ``geonames_befolkning >= min_town_pop`` (and any town named in
    ``include``) first, then the 21 hospital sites, then the rows of ``station_list``
    (:func:`geodata.sites.candidate_sites`, the rule the house model uses too). A station list's ``enheder``
    (units) is kept (NaN for towns and hospitals).
    """
    return candidate_sites(ds, min_town_pop, include=include, hospitals=True, extra=station_list)


def _catchments(ds: Dataset, codes: np.ndarray, catchment_of) -> np.ndarray:
    if catchment_of is None:
        catchment_of = dict(zip(ds.baseline["kode"].astype(int), ds.baseline["catchment"]))
    elif isinstance(catchment_of, pd.DataFrame):
        catchment_of = dict(zip(catchment_of["kode"].astype(int), catchment_of["catchment"]))
    if callable(catchment_of) and not isinstance(catchment_of, Mapping):
        return np.array([catchment_of(int(c)) for c in codes], dtype=object)
    missing = sorted({int(c) for c in codes} - {int(k) for k in catchment_of})
    if missing:
        raise ValueError(f"catchment_of has no catchment for kommune(r) {missing}")
    cm = {int(k): v for k, v in catchment_of.items()}
    return np.array([cm[int(c)] for c in codes], dtype=object)


def ems_instance(ds: Dataset, *, min_town_pop: float = 1000, existing: str | Sequence[str] = "modelled",
                 station_list: pd.DataFrame | str | Path | None = None, delay_min: float = 3.0,
                 weight: str = "population",
                 catchment_of: Mapping[int, str] | pd.DataFrame | Callable[[int], str] | None = None,
                 source: TravelTimeSource | None = None, kommuner: Sequence[int] | None = None,
                 cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> EMSInstance:
    """The national akutbil covering instance (demand points x candidate stations, minutes); the arguments
    are those of :func:`ems_setup`, which also returns the candidate-station frame (for maps)."""
    return ems_setup(ds, min_town_pop=min_town_pop, existing=existing, station_list=station_list,
                     delay_min=delay_min, weight=weight, catchment_of=catchment_of, source=source,
                     kommuner=kommuner, cache_dir=cache_dir)[0]


def ems_setup(ds: Dataset, *, min_town_pop: float = 1000, existing: str | Sequence[str] = "modelled",
              station_list: pd.DataFrame | str | Path | None = None, delay_min: float = 3.0,
              weight: str = "population",
              catchment_of: Mapping[int, str] | pd.DataFrame | Callable[[int], str] | None = None,
              source: TravelTimeSource | None = None, kommuner: Sequence[int] | None = None,
              regions: Sequence[str] = (), unit_cost_mio_kr: float | None = None,
              base_dir: str | Path | None = None,
              cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> tuple[EMSInstance, pd.DataFrame]:
    """The national akutbil covering instance and its candidate stations (frame of :func:`candidate_stations`,
    in the instance's station order). ``kommuner``: restrict demand points and candidate stations to these
    kommune codes (e.g. one region's; the modelled fleet is cut to them too); None = all of Denmark.

    ``min_town_pop``: smallest GeoNames town (inhabitants) that is a candidate station.
    ``existing``: ``"modelled"`` (default) = :data:`MODELLED_FLEET`, a modelled, calibrated set of station
    sites (**not data**, see the module docstring); ``"hospitals"`` = one unit per akutsygehus (an
    assumption); ``"stations"`` = exactly the rows of ``station_list``; or a list of candidate ids
    (``"T<geonameid>"`` / ``"H<akut_id>"`` / station-list ids) or town names. An unknown id raises ValueError.
    ``station_list``: real stations, added as candidates: a frame of :func:`geodata.stations.load_station_list`
    or the path of its CSV (a relative path not found from the working directory is read relative to
    ``base_dir``, e.g. the config file's folder).
    ``delay_min``: dispatch + turnout minutes added to every drive.
    ``weight``: ``"population"`` (inhabitants of the sogn points), ``"elderly"`` or ``"80plus"`` (ESTIMATED
    inhabitants aged 65+ / 80+: the sogn's 2014 age shares applied to its population).
    ``catchment_of``: kommune code -> reporting catchment (mapping, DataFrame with ``kode``/``catchment``, or
    callable); default the Table B.1 catchment of ``ds.baseline``.
    ``kommuner`` / ``regions``: kommune codes, or region names, the model covers (neither = all Denmark).
    ``unit_cost_mio_kr``: yearly cost of one new unit at every station (mio. kr.; None = no costs).
    ``source`` / ``cache_dir``: travel-time source (default embedded network) and cache folder (None = no
    cache, as in :func:`geodata.traveltimes.travel_times`).
    """
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}; choose one of {WEIGHTS}")
    try:
        min_pop = float(min_town_pop)
    except (TypeError, ValueError):
        raise ValueError(f"min_town_pop must be a number of inhabitants, got {min_town_pop!r}") from None
    if not np.isfinite(min_pop) or min_pop < 0:
        raise ValueError(f"min_town_pop must be a finite, non-negative number, got {min_town_pop}")
    stations: pd.DataFrame | None = (
        load_station_list(resolve_station_path(station_list, base_dir), ds.kommuner)
        if station_list is not None and not isinstance(station_list, pd.DataFrame) else station_list)
    if not isinstance(existing, str):
        extra = tuple(stations["id"]) if stations is not None else ()
        existing = resolve_site_ids(ds, existing, extra_ids=extra, what="existing station")
    scope = scope_codes(ds.kommuner, regions, kommuner)
    fleet = modelled_fleet_ids(ds) if isinstance(existing, str) and existing == "modelled" else []
    include = fleet if isinstance(existing, str) else [str(e) for e in existing]
    st = candidate_stations(ds, min_pop, stations, include=include)
    st = st[st["kode"].astype(int).isin(scope)].reset_index(drop=True)
    in_scope_ids = set(st["id"])
    fleet = [f for f in fleet if f in in_scope_ids]
    ids = st["id"].tolist()
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"station_list ids {dup} clash with other candidate ids")
    index = {s: j for j, s in enumerate(ids)}
    if isinstance(existing, str):
        if existing not in FLEETS:
            raise ValueError(f"existing must be one of {FLEETS} or a list of candidate ids, got {existing!r}")
        if existing == "stations" and stations is None:
            raise ValueError("existing='stations' needs a station_list (a CSV of real stations: navn, lat, lon)")
        ex = ([index[i] for i in fleet] if existing == "modelled" else
              [j for j, k in enumerate(st["kind"]) if k == ("hospital" if existing == "hospitals" else "station")])
        ex = sorted(ex)
    else:
        ex_ids = [str(e) for e in existing]
        unknown = [e for e in ex_ids if e not in index]
        if unknown:
            raise ValueError(f"unknown existing station id(s) {unknown}: not a candidate (towns with at least "
                             f"{min_pop:g} inhabitants as 'T<geonameid>', hospital sites as 'H<akut_id>', "
                             "station-list ids; inside the kommuner in scope)")
        if len(set(ex_ids)) != len(ex_ids):
            raise ValueError(f"existing contains duplicate ids: {sorted({e for e in ex_ids if ex_ids.count(e) > 1})}")
        ex = sorted(index[e] for e in ex_ids)

    in_scope = ds.demand["kode"].astype(int).isin(scope).to_numpy()
    dem = ds.demand[in_scope]
    codes = dem["kode"].to_numpy(int)
    kom = ds.kommuner.set_index(ds.kommuner["kode"].astype(int))
    w = demand_weights(dem, weight)
    region = kom["region"].loc[codes].to_numpy(object)

    tm = travel_times(source or ds.embedded_source(), ds.demand_points_frame()[in_scope].reset_index(drop=True),
                      points_frame(ids, st["x"], st["y"]), cache_dir=cache_dir)
    inst = EMSInstance(
        demand_ids=dem["punkt_id"].to_numpy(object), demand_weight=w, demand_region=region,
        demand_catchment=_catchments(ds, codes, catchment_of), station_ids=np.array(ids, dtype=object),
        drive_min=tm.minutes, uses_ferry=tm.uses_ferry, existing=np.asarray(ex, dtype=int), delay_min=delay_min,
        unit_cost_mio_kr=None if unit_cost_mio_kr is None else np.full(len(ids), float(unit_cost_mio_kr)))
    return inst, st


def fleet_notes(existing: str | Sequence[str], station_list: str | Path | pd.DataFrame | None, n_existing: int,
                delay_min: float) -> dict[str, list[str]]:
    """Report lines (``{"da": [...], "en": [...]}``) saying what the existing fleet is and how response time
    is counted, for maps and ``summary.json``."""
    key = existing if isinstance(existing, str) else "list"
    name = station_list if isinstance(station_list, (str, Path)) else "(frame)"
    min_pop_da = f"{MODELLED_FLEET_MIN_TOWN_POP:,}".replace(",", ".")
    fleet_da = {"modelled": "modellerede stationssteder (ikke en stationsliste): alle akutsygehuse, hver kommunes "
                            f"største by og alle byer med mindst {min_pop_da} indbyggere; kalibreret til de "
                            "offentliggjorte 15-minutters andele i Nordjylland (ca. 89 %) og Hovedstaden (98 %)",
                "hospitals": "én enhed ved hvert akutsygehus (en antagelse)",
                "stations": f"stationslisten {name}",
                "list": "stationer angivet i konfigurationen"}[key]
    fleet_en = {"modelled": MODELLED_FLEET, "hospitals": ASSUMED_EXISTING,
                "stations": f"station list {name}", "list": "stations given in the config"}[key]
    return {"da": [f"Eksisterende beredskab: {fleet_da} ({n_existing} steder).",
                   f"Responstid = {delay_min:g} min alarmering og udrykning + køretid på det indbyggede "
                   "vejnet; en tur, der kræver færge, tæller aldrig."],
            "en": [f"Existing fleet: {fleet_en} ({n_existing} sites).",
                   f"Response time = {delay_min:g} min dispatch and turnout + drive time on the embedded "
                   "network; a drive that needs a ferry never counts."]}
