"""Akutbil model against reality: observed response times per postcode and real prehospital bases.

``sundhed validate response-times``: the modelled response (dispatch delay + drive from the nearest
*existing* unit of the config's fleet, ferries allowed) at each postcode against the observed A-priority mean
2021–2025 (TV2; validation only, read from the user's folder). Postcodes are joined through the DAGI postcode
polygons; a polygon's calls are placed at its largest GeoNames town (else a point inside it). Postcodes
with fewer than ``min_trips`` trips (the source flags < 50 as unreliable) are left out of the statistics.

The dispatch delay: ``"source"`` (default) takes the TV2 source's split for Nordjylland and Syddanmark,
about 2 min from the 112 call to dispatch (+ 7–8 min turnout and driving); ``"fit"`` calibrates it as the
trip-weighted mean of observed - drive over those two regions; a number gives it in minutes. Both the
source's and the fitted delay are always reported, with the modelled drive in the two regions against the
source's 7–8 minutes.

``sundhed validate bases``: how many of the geocoded real bases (geodata/data/project/prehospital_bases.csv)
lie within 5 km (straight line) of a station of the config's existing fleet, per region.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR
from sundhed.model.response_validation import (
    CALIBRATION_REGIONS,
    SOURCE_DISPATCH_MIN,
    SOURCE_DRIVE_MIN,
    bases_matched,
    compare_by_region,
    fit_delay,
    share_within,
)

REGION_ORDER = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")


def _fleet(cfg, ds, base_dir: Path | None = None):
    """The config's akutbil instance, all its candidate stations and the frame of the existing ones."""
    from sundhed.model.national_akutbiler import ems_setup

    inst, st = ems_setup(ds, **cfg.akutbiler.instance_args(), regions=cfg.regions, base_dir=base_dir)
    return inst, st, st.iloc[inst.existing.tolist()].reset_index(drop=True)


def drive_from_fleet(ds, inst, stations, x, y, ids,
                     cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> tuple[np.ndarray, np.ndarray]:
    """Drive minutes (ferries allowed) from the nearest existing station to each point, and that station's
    index into ``stations``. The points are routed together with the model's own demand points and
    candidate stations, so they see the same embedded network the akutbil model does (its local links
    join nearby query points)."""
    from sundhed.geodata.traveltimes import points_frame, travel_times

    extra = ds.demand_points_frame()
    in_inst = extra["id"].isin([str(i) for i in inst.demand_ids])
    origins = pd.concat([points_frame(ids, x, y), extra[in_inst]], ignore_index=True)
    tm = travel_times(ds.embedded_source(), origins, points_frame(stations["id"], stations["x"], stations["y"]),
                      cache_dir=cache_dir)
    m = tm.minutes[: len(ids)][:, inst.existing]
    k = np.argmin(m, axis=1)
    return m[np.arange(len(ids)), k], inst.existing[k]


def response_times(cfg, data_dir: str | Path, postcodes_file: str | Path, *, delay: str | float = "source",
                   min_trips: int = 50, base_dir: Path | None = None,
                   cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> tuple[dict, pd.DataFrame]:
    """The validation summary (keys ``postcodes``, ``spearman``, ``median_abs_error_min``, ``by_region``, and
    the delay, calibration and join figures) and the per-postcode table."""
    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.observed import (
        join_postcodes,
        load_postcode_polygons,
        load_tv2_a,
        representative_points,
    )
    ds = load_dataset(cfg.catchments.hospital_sites)
    obs = load_tv2_a(data_dir)
    if cfg.regions:
        obs = obs[obs["region"].isin(cfg.regions)].reset_index(drop=True)
    polys = load_postcode_polygons(postcodes_file)
    j = join_postcodes(obs, polys)
    matched = j[j["polygon"] >= 0]
    w = matched["trips"].astype(float)
    main_region = (matched.groupby(["polygon", "region"])["trips"].sum().reset_index()
                   .sort_values("trips", ascending=False).drop_duplicates("polygon").set_index("polygon")["region"])
    agg = (matched.assign(wm=matched["observed_min"] * w)
           .groupby("polygon").agg(trips=("trips", "sum"), wm=("wm", "sum"), tv2_codes=("postnr", "nunique")))
    agg["region"] = main_region.reindex(agg.index)  # the region with most of the polygon's trips
    agg = agg[agg["trips"] > 0]
    agg["observed_min"] = agg["wm"] / agg["trips"]
    agg = agg.drop(columns="wm").reset_index()
    rp = representative_points(polys.iloc[agg["polygon"].to_numpy()].reset_index(drop=True), ds.towns)
    pi = agg["polygon"].to_numpy()
    agg = agg.assign(postnr=polys["postnr_txt"].to_numpy()[pi], navn=polys["navn"].to_numpy()[pi],
                     x=rp["x"].to_numpy(), y=rp["y"].to_numpy(), placed_at=rp["how"].to_numpy(),
                     town=rp["town"].to_numpy())

    inst, st, fleet = _fleet(cfg, ds, base_dir)
    drive, k = drive_from_fleet(ds, inst, st, agg["x"], agg["y"], [f"P{p}" for p in agg["postnr"]], cache_dir)
    agg["drive_min"] = drive
    agg["nearest_station"] = st["navn"].to_numpy()[k]

    used = agg[agg["trips"] >= min_trips]
    cal = used[used["region"].isin(CALIBRATION_REGIONS)]
    fitted = fit_delay(cal["observed_min"].to_numpy(), cal["drive_min"].to_numpy(), cal["trips"].to_numpy())
    if delay == "source":
        d = SOURCE_DISPATCH_MIN
        rule = "source: about 2 min from the 112 call to dispatch (TV2, Nordjylland + Syddanmark)"
    elif delay == "fit":
        d, rule = fitted, "fit: trip-weighted mean of observed - drive, Nordjylland + Syddanmark"
    else:
        d, rule = float(delay), "given"
    agg["modelled_min"] = d + agg["drive_min"]
    used = agg[agg["trips"] >= min_trips]
    regions = [r for r in REGION_ORDER if r in set(used["region"])]
    stats = compare_by_region(used, regions)
    cw = cal["trips"].to_numpy(float)
    summary = {
        **stats,
        "delay_min": d, "delay_rule": rule,
        "calibration": {"regions": list(CALIBRATION_REGIONS), "source_dispatch_min": SOURCE_DISPATCH_MIN,
                        "source_turnout_and_drive_min": list(SOURCE_DRIVE_MIN),
                        "modelled_drive_min": float(np.average(cal["drive_min"], weights=cw)) if cw.sum() else None,
                        "observed_mean_min": float(np.average(cal["observed_min"], weights=cw)) if cw.sum() else None,
                        "fitted_delay_min": fitted},
        "join": {"tv2_postcodes": len(obs), "tv2_postcodes_in_a_polygon": len(matched),
                 "tv2_trips": int(obs["trips"].sum()), "polygons": len(agg),
                 "polygons_with_min_trips": len(used), "min_trips": int(min_trips),
                 "placed_at_town": int((used["placed_at"] == "town").sum()),
                 "unmatched_tv2_postcodes": [int(c) for c in j.loc[j["polygon"] < 0, "postnr"]]},
        "fleet": {"existing": cfg.akutbiler.existing if isinstance(cfg.akutbiler.existing, str) else "list",
                  "stations": len(fleet), "regions": list(cfg.regions) or "all"},
        "share_within_15": {r: {"observed_proxy": share_within(used.loc[used["region"] == r, "observed_min"],
                                                               used.loc[used["region"] == r, "trips"]),
                                "modelled": share_within(used.loc[used["region"] == r, "modelled_min"],
                                                         used.loc[used["region"] == r, "trips"])}
                            for r in regions},
        "notes": [("observed = mean A-priority response per postcode 2021-2025 (TV2 analysis of regional data; "
                   "regions define response differently; all unit types, first on scene)"),
                  "share_within_15 is a proxy: share of trips in postcodes whose mean is at most 15 min"],
    }
    cols = ["postnr", "navn", "region", "tv2_codes", "trips", "observed_min", "drive_min", "modelled_min",
            "nearest_station", "placed_at", "town"]
    return summary, agg[cols].sort_values(["region", "postnr"]).reset_index(drop=True)


def bases_for(regions, ds) -> pd.DataFrame:
    """The shipped, geocoded bases with the ``region`` of their kommune, cut to ``regions`` (empty = all)."""
    from sundhed.geodata.bases import load_bases

    bases = load_bases()
    region_of = dict(zip(ds.kommuner["kode"].astype(int), ds.kommuner["region"]))
    bases = bases.assign(region=bases["kode"].astype(int).map(region_of))
    return bases[bases["region"].isin(list(regions))].reset_index(drop=True) if regions else bases


def bases_report(cfg, *, radius_km: float = 5.0, base_dir: Path | None = None) -> dict:
    """Real bases within ``radius_km`` (straight line) of the config's existing stations, per region; the
    region of a base is its kommune's."""
    from sundhed.geodata.dataset import load_dataset

    ds = load_dataset(cfg.catchments.hospital_sites)
    bases = bases_for(cfg.regions, ds)
    _, _, fleet = _fleet(cfg, ds, base_dir)
    tab = bases_matched(bases, fleet, radius_km)
    order = {r: i for i, r in enumerate(REGION_ORDER + ("(total)",))}
    tab = tab.sort_values("region", key=lambda s: s.map(order)).reset_index(drop=True)
    out = {"radius_km": radius_km, "stations": len(fleet), "bases": len(bases),
           "by_region": {r["region"]: {"bases": int(r["bases"]), "within": int(r["within"]), "share": float(r["share"])}
                         for _, r in tab.iterrows()},
           "by_unit_type": {u: int(n) for u, n in bases.groupby("unit_type").size().items()},
           "note": "bases are a partial, dated list (2014-2024), one row per (base, town); geocoded to GeoNames towns"}
    return out
