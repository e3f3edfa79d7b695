"""Model 3 on the national dataset: build an :class:`model.akutbiler.EMSInstance` (geodata -> model).

Demand: the demand points of ``ds.demand`` (weight = modelled inhabitants, or estimated inhabitants aged
65+ with ``weight="elderly"``: each point's inhabitants times its kommune's 65+ share). Candidate stations:
GeoNames towns with at least ``min_town_pop`` inhabitants (ids ``"T<geonameid>"``) plus the 21
akutsygehus sites (ids ``"H<akut_id>"``). Drive minutes come from :func:`geodata.traveltimes.travel_times`
(``minutes``, ferries allowed); ``uses_ferry`` marks pairs whose fastest path crosses a ferry, and the
covering model never counts such a pair as covered.

Existing units: no public list of ambulance / akutbil stations exists, so the default
(``existing="hospitals"``) is :data:`ASSUMED_EXISTING`: **one unit at each akutsygehus site — an assumption,
not data**. Pass a list of candidate ids to use another set.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from geodata.dataset import Dataset
from geodata.traveltimes import TravelTimeSource, points_frame, travel_times
from model.akutbiler import EMSInstance

#: The default existing units: documented planning assumption (no public station list exists).
ASSUMED_EXISTING = "one unit per akutsygehus site (assumption)"
WEIGHTS = ("population", "elderly")


def candidate_stations(ds: Dataset, min_town_pop: float = 1000) -> pd.DataFrame:
    """Candidate stations: ``id``, ``navn``, ``kode`` (kommune), ``kind`` (town / hospital), ``x``, ``y``
    (EPSG:25832). Towns with ``geonames_befolkning >= min_town_pop`` first, then the 21 hospital sites."""
    t = ds.towns[ds.towns["geonames_befolkning"] >= min_town_pop]
    h = ds.hospitals
    towns = pd.DataFrame({"id": [f"T{g}" for g in t["geonameid"]], "navn": t["navn"].to_numpy(),
                          "kode": t["kode"].to_numpy(int), "kind": "town",
                          "x": t.geometry.x.to_numpy(), "y": t.geometry.y.to_numpy()})
    hosp = pd.DataFrame({"id": [f"H{a}" for a in h["akut_id"]], "navn": h["navn"].to_numpy(),
                         "kode": h["kode"].to_numpy(int), "kind": "hospital",
                         "x": h.geometry.x.to_numpy(), "y": h.geometry.y.to_numpy()})
    return pd.concat([towns, hosp], ignore_index=True)


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


def ems_instance(ds: Dataset, *, min_town_pop: float = 1000, existing: str | Sequence[str] = "hospitals",
                 delay_min: float = 3.0, weight: str = "population",
                 catchment_of: Mapping[int, str] | pd.DataFrame | Callable[[int], str] | None = None,
                 source: TravelTimeSource | None = None, cache_dir=None) -> EMSInstance:
    """The national akutbil covering instance (demand points x candidate stations, minutes).

    ``min_town_pop``: smallest GeoNames town (inhabitants) that is a candidate station.
    ``existing``: ``"hospitals"`` (default) = ASSUMED_EXISTING, i.e. one existing unit at each of the 21
    akutsygehus sites. This is an **assumption** (no public station list exists), not data. A list of
    candidate ids (``"T<geonameid>"`` / ``"H<akut_id>"``) replaces it; an unknown id raises ValueError.
    ``delay_min``: dispatch + turnout minutes added to every drive.
    ``weight``: ``"population"`` (modelled inhabitants) or ``"elderly"`` (inhabitants x kommune 65+ share).
    ``catchment_of``: kommune code -> reporting catchment (mapping, DataFrame with ``kode``/``catchment``, or
    callable); default the Table B.1 catchment of ``ds.baseline``.
    ``source`` / ``cache_dir``: travel-time source (default embedded network) and cache (None = default dir).
    """
    from geodata.traveltimes import DEFAULT_CACHE_DIR

    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}; choose one of {WEIGHTS}")
    try:
        min_pop = float(min_town_pop)
    except (TypeError, ValueError):
        raise ValueError(f"min_town_pop must be a number of inhabitants, got {min_town_pop!r}") from None
    if not np.isfinite(min_pop) or min_pop < 0:
        raise ValueError(f"min_town_pop must be a finite, non-negative number, got {min_town_pop}")
    cache_dir = DEFAULT_CACHE_DIR if cache_dir is None else cache_dir

    st = candidate_stations(ds, min_pop)
    ids = st["id"].tolist()
    index = {s: j for j, s in enumerate(ids)}
    if isinstance(existing, str):
        if existing != "hospitals":
            raise ValueError(f"existing must be 'hospitals' ({ASSUMED_EXISTING}) or a list of candidate ids, "
                             f"got {existing!r}")
        ex = [j for j, k in enumerate(st["kind"]) if k == "hospital"]
    else:
        ex_ids = [str(e) for e in existing]
        unknown = [e for e in ex_ids if e not in index]
        if unknown:
            raise ValueError(f"unknown existing station id(s) {unknown}: not a candidate (towns with at least "
                             f"{min_pop:g} inhabitants as 'T<geonameid>', hospital sites as 'H<akut_id>')")
        if len(set(ex_ids)) != len(ex_ids):
            raise ValueError(f"existing contains duplicate ids: {sorted({e for e in ex_ids if ex_ids.count(e) > 1})}")
        ex = sorted(index[e] for e in ex_ids)

    dem = ds.demand
    codes = dem["kode"].to_numpy(int)
    kom = ds.kommuner.set_index(ds.kommuner["kode"].astype(int))
    w = dem["befolkning_modelleret"].to_numpy(float)
    if weight == "elderly":
        share = (kom["aeldre_65plus_estimeret"] / kom["befolkning_2020"]).astype(float)
        w = w * share.loc[codes].to_numpy(float)
    region = kom["region"].loc[codes].to_numpy(object)

    tm = travel_times(source or ds.embedded_source(), ds.demand_points_frame(),
                      points_frame(ids, st["x"], st["y"]), cache_dir=cache_dir)
    return EMSInstance(
        demand_ids=dem["punkt_id"].to_numpy(object), demand_weight=w, demand_region=region,
        demand_catchment=_catchments(ds, codes, catchment_of), station_ids=np.array(ids, dtype=object),
        drive_min=tm.minutes, uses_ferry=tm.uses_ferry, existing=ex, delay_min=delay_min)
