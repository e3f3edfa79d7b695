"""Build the national Model 2 (sundhedshuse) instance from the dataset (geodata -> model/houses.py).

Candidate sites are GeoNames towns (ids ``T<geonameid>``) and, optionally, the 21 akutsygehus sites
(ids ``H<akut_id>``); demand points are the dataset's modelled demand points. Travel minutes come from the
embedded road/ferry network (``ds.embedded_source()``), cached like every other matrix.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sundhed.geodata.kommuner import kommune_codes, scope_codes
from sundhed.geodata.sites import candidate_sites, resolve_site_ids, sites_frame
from sundhed.geodata.sogne import WEIGHT_COLUMNS, demand_weights
from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR, points_frame, travel_times
from sundhed.model.houses import KBH_FRB_CAP_MIO_KR, HouseInstance, HouseType, cofinancing_shares

#: Default house types. ASSUMPTIONS derived from domain.md ("with ~25 % local co-financing the 3 mia. kr.
#: allow ~25 large complete sundhedshuse and ~100 multi-GP practices"); the costs and capacities are ours,
#: not from a source:
#:
#: * "stort sundhedshus": total cost 80 mio. kr., capacity 40,000 patients;
#: * "lægehus" (multi-GP practice): total cost 20 mio. kr., capacity 10,000 patients.
#:
#: Check: state share 75 % -> 25 x 80 x 0.75 + 100 x 20 x 0.75 = 1500 + 1500 = 3000 mio. kr., i.e. exactly
#: the 3 mia. kr. building pool. Capacity (patients) is in the unit of the demand weight (inhabitants).
DEFAULT_HOUSE_TYPES: tuple[HouseType, ...] = (
    HouseType("stort sundhedshus", cost_mio_kr=80.0, capacity=40_000.0),
    HouseType("lægehus", cost_mio_kr=20.0, capacity=10_000.0),
)
assert abs(25 * 80 * 0.75 + 100 * 20 * 0.75 - 3000.0) < 1e-9

WEIGHTS = tuple(WEIGHT_COLUMNS)


def house_instance(ds, *, min_town_pop: int = 2000, include_hospital_sites: bool = True,
                   house_types: Sequence[HouseType] | None = None, budget_mio_kr: float = 3000.0,
                   coverage_minutes: float = 20.0, weight: str = "population",
                   catchment_of: dict[int, str] | None = None, existing: Sequence[str] = (),
                   weak_kommuner: Sequence[int | str] = (), cap_kbh_frb: bool = True,
                   kommuner: Sequence[int] | None = None, regions: Sequence[str] = (),
                   cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> HouseInstance:
    """The national sundhedshus instance.

    * Candidates: GeoNames towns with ``geonames_befolkning >= min_town_pop`` (ids ``T<geonameid>``) plus,
      if ``include_hospital_sites``, the akutsygehus sites (ids ``H<akut_id>``). A town named in
      ``existing`` is added as a candidate even if it is below ``min_town_pop``. ``existing`` holds town
      names (e.g. ``"Skagen"``) or ids; see :func:`geodata.sites.resolve_site_ids`.
    * ``travel_min``: minutes demand point x candidate on the embedded network (ferries allowed).
    * ``hospital_min``: minutes to the nearest akutsygehus (min over ``ds.demand_to_hospitals()``).
    * ``demand_catchment``: ``catchment_of[kommune code]`` (default: Table B.1, ``ds.baseline``).
    * Demand weight (one point per sogn): ``"population"`` = ``befolkning`` (inhabitants in the dataset's
      population year); ``"elderly"`` / ``"80plus"`` = ``aeldre_65plus_estimeret`` / ``aeldre_80plus_estimeret``,
      ESTIMATED inhabitants aged 65+ / 80+ (the sogn's 2014 age shares applied to that population).
    * Money in mio. kr.: ``budget_mio_kr`` caps state spend; co-financing 25 % (10 % for ``weak_kommuner``,
      see :func:`model.houses.cofinancing_shares`); ``cap_kbh_frb`` adds the 150 mio. kr. cap for
      København + Frederiksberg. ``weak_kommuner``: kommune codes or official names. The budget is checked
      once, by :class:`model.houses.HouseInstance`.
    * ``existing``: candidate ids fixed open as "stort sundhedshus" (or the first type if no type has that
      name); unknown ids raise ValueError.
    * ``house_types``: default :data:`DEFAULT_HOUSE_TYPES` (assumptions, see there).
    * ``kommuner`` / ``regions``: restrict demand points and candidate sites to these kommune codes or to the
      kommuner of these regions; the nearest akutsygehus is still sought nationally. Neither = all Denmark.
    * ``cache_dir``: travel-time cache folder (None = no cache, as in :func:`geodata.traveltimes.travel_times`).
    """
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}; choose one of {WEIGHTS}")
    if not isinstance(min_town_pop, (int, float)) or min_town_pop < 0:
        raise ValueError(f"min_town_pop must be >= 0, got {min_town_pop!r}")
    types = tuple(DEFAULT_HOUSE_TYPES if house_types is None else house_types)
    if isinstance(existing, str):
        existing = [existing]
    existing = resolve_site_ids(ds, existing, what="existing sundhedshus")
    weak_names = [k for k in weak_kommuner if isinstance(k, str)]
    weak = tuple(int(k) for k in weak_kommuner if not isinstance(k, str)) + kommune_codes(ds.kommuner, weak_names)

    kom = ds.kommuner
    codes_dk = set(int(k) for k in kom["kode"])
    scope = scope_codes(kom, regions, kommuner)
    in_scope = ds.demand["kode"].astype(int).isin(scope).to_numpy()

    # ---- candidate sites (the rule the akutbil model uses too: geodata.sites.candidate_sites)
    if not include_hospital_sites:
        hosp_ids = {f"H{a}" for a in ds.hospitals["akut_id"]}
        for e in existing:
            if e in hosp_ids:
                raise ValueError(f"existing sundhedshus at {e!r}: not a known akutsygehus site "
                                 "(include_hospital_sites=False); use 'T<geonameid>' of a Danish town or "
                                 "'H<akut_id>' of an akutsygehus")
    cands = candidate_sites(ds, min_town_pop, include=existing, hospitals=include_hospital_sites, scope=scope)
    site_ids = cands["id"].tolist()
    site_kode = cands["kode"].tolist()
    xs, ys = cands["x"].tolist(), cands["y"].tolist()
    for sid, k in zip(site_ids, site_kode):
        if pd.isna(k) or int(k) not in codes_dk:
            raise ValueError(f"candidate site {sid!r} lies outside Denmark (no kommune; code {k!r})")
    outside = [e for e in existing if e not in site_ids]
    if outside:
        raise ValueError(f"existing sundhedshus {outside} lies outside the kommuner in scope")
    if not site_ids:
        raise ValueError(f"no candidate sites (min_town_pop={min_town_pop}, "
                         f"include_hospital_sites={include_hospital_sites})")

    src = ds.embedded_source()
    origins = ds.demand_points_frame()[in_scope].reset_index(drop=True)
    tm = travel_times(src, origins, points_frame(site_ids, xs, ys), cache_dir=cache_dir)
    travel = np.array(tm.minutes, dtype=float)
    hm = ds.demand_to_hospitals(src, cache_dir)
    hmin = np.asarray(hm.minutes, float)[in_scope]
    ids = tuple(origins["id"])
    if tuple(np.asarray(hm.origin_ids)[in_scope]) != ids or tuple(tm.origin_ids) != ids:
        raise ValueError("travel-time matrices do not match the demand points")
    hospital_min = np.min(hmin, axis=1)
    if include_hospital_sites:
        # the network snaps points per query, so use the hospital matrix itself for the H-columns: a house at
        # a hospital site is then exactly as far as the hospital (no spurious coverage from rounding).
        hcol = {d: i for i, d in enumerate(hm.destination_ids)}
        for j, sid in enumerate(site_ids):
            if sid in hcol:
                travel[:, j] = hmin[:, hcol[sid]]
    for e in existing:
        j = site_ids.index(e)
        if not np.isfinite(travel[:, j]).any():
            raise ValueError(f"existing sundhedshus at {e!r} is not reachable from any Danish demand point")

    # ---- demand
    dem = ds.demand[in_scope]
    dkode = dem["kode"].astype(int).to_numpy()
    w = demand_weights(dem, weight)
    if catchment_of is None:
        catchment_of = dict(zip(ds.baseline["kode"].astype(int), ds.baseline["catchment"]))
    catchment_of = {int(k): str(v) for k, v in dict(catchment_of).items()}
    missing = sorted(set(dkode) - set(catchment_of))
    if missing:
        raise ValueError(f"catchment_of has no catchment for kommune(r) {missing[:10]}")

    unknown_weak = sorted(set(weak) - codes_dk)
    if unknown_weak:
        raise ValueError(f"weak_kommuner contains unknown kommune codes {unknown_weak}")
    ex_type = next((t.name for t in types if t.name == "stort sundhedshus"), types[0].name)
    return HouseInstance(
        demand_ids=list(origins["id"]),
        demand_weight=w,
        demand_kommune=dkode,
        demand_catchment=[catchment_of[int(k)] for k in dkode],
        site_ids=site_ids,
        site_kommune=np.array([int(k) for k in site_kode]),
        travel_min=travel,
        hospital_min=hospital_min,
        house_types=types,
        cofinancing_share=cofinancing_shares(sorted(codes_dk), weak=weak),
        budget_mio_kr=float(budget_mio_kr),
        group_caps_mio_kr=dict(KBH_FRB_CAP_MIO_KR) if cap_kbh_frb else {},
        existing=[(e, ex_type) for e in existing],
        coverage_minutes=coverage_minutes,
    )


def house_setup(ds, **kw) -> tuple[HouseInstance, pd.DataFrame]:
    """:func:`house_instance` (same arguments) and the frame (``id``, ``navn``, ``kode``, ``x``, ``y``) of its
    candidate sites, in the instance's site order (for the plan's names and the map)."""
    inst = house_instance(ds, **kw)
    return inst, sites_frame(ds, inst.site_ids)
