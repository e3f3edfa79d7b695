"""Demand points: GeoNames towns rescaled to kommune population, plus rural remainder points."""
from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import DataError
from geodata.io import data_path, numeric_column, read_csv_checked
from geodata.kommuner import CRS_MAP, CRS_METRIC

log = logging.getLogger(__name__)

TOWNS_FILE = data_path("geonames", "dk_places_pop500.csv")
EXCLUSIONS_FILE = data_path("project", "geonames_exclusions.csv")
#: A kommune polygon part (island) smaller than this gets no rural point of its own (km²); the
#: rural remainder goes to the larger parts by area (e.g. Anholt within Norddjurs, Fur within Skive).
MIN_RURAL_PART_KM2 = 20.0


def load_towns(kommuner: gpd.GeoDataFrame, path=TOWNS_FILE,
               exclusions_path=EXCLUSIONS_FILE) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """GeoNames places (population ≥ 500) with their kommune, after removing bad entries.

    Returns ``(towns, dropped)``; ``dropped`` lists every removed row with its ``reason``: zero
    population; listed in geodata/data/project/geonames_exclusions.csv (known GeoNames errors
    such as Klinteby Frihed/Avedøre = 53,443, each with its reason); a point outside every
    kommune. Every drop is also logged at INFO level. Towns columns:
    ``geonameid``, ``navn``, ``geonames_befolkning`` (GeoNames figure, ≈2022), ``kode``, geometry.
    """
    df = read_csv_checked(path, ["geonameid", "name", "latitude", "longitude", "population"], dtype=str)
    df["geonameid"] = numeric_column(df, "geonameid", path, integer=True)
    df["lat"] = numeric_column(df, "latitude", path)
    df["lon"] = numeric_column(df, "longitude", path)
    df["geonames_befolkning"] = numeric_column(df, "population", path, integer=True, minimum=0)
    out_of_dk = ~df["lat"].between(54.4, 57.9) | ~df["lon"].between(7.9, 15.3)
    if out_of_dk.any():
        i = int(out_of_dk.to_numpy().nonzero()[0][0])
        raise DataError(path, f"coordinates ({df['lat'].iloc[i]}, {df['lon'].iloc[i]}) are outside Denmark", row=i + 1)
    reasons = pd.Series("", index=df.index)
    reasons[df["geonames_befolkning"] <= 0] = "population is 0"
    excl = read_csv_checked(exclusions_path, ["geonameid", "reason"], dtype=str)
    excl_reason = dict(zip(numeric_column(excl, "geonameid", exclusions_path, integer=True), excl["reason"]))
    listed = df["geonameid"].map(excl_reason)
    reasons[listed.notna() & (reasons == "")] = listed[listed.notna()]
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=CRS_MAP).to_crs(CRS_METRIC)
    joined = gpd.sjoin(gdf[["geometry"]], kommuner[["kode", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    gdf["kode"] = joined["kode"]
    reasons[gdf["kode"].isna() & (reasons == "")] = "outside every kommune polygon"
    bad = reasons != ""
    dropped = gdf.loc[bad, ["geonameid", "name", "geonames_befolkning"]].assign(reason=reasons[bad]).reset_index(drop=True)
    for r in dropped.itertuples():
        log.info("dropped GeoNames %s %s (%s): %s", r.geonameid, r.name, r.geonames_befolkning, r.reason)
    towns = gdf.loc[~bad].rename(columns={"name": "navn"})
    towns["kode"] = towns["kode"].astype("int64")
    towns = towns[["geonameid", "navn", "geonames_befolkning", "kode", "geometry"]].reset_index(drop=True)
    return gpd.GeoDataFrame(towns, geometry="geometry", crs=CRS_METRIC), dropped


def _rural_parts(geom, min_km2: float) -> list:
    parts = list(getattr(geom, "geoms", [geom]))
    big = [p for p in parts if p.area >= min_km2 * 1e6]
    return big or [max(parts, key=lambda p: p.area)]


def build_demand_points(kommuner: gpd.GeoDataFrame, population: pd.DataFrame, towns: gpd.GeoDataFrame,
                        min_rural_part_km2: float = MIN_RURAL_PART_KM2) -> gpd.GeoDataFrame:
    """Demand points whose weights sum exactly to each kommune's population (inhabitants).

    Per kommune with population P and GeoNames towns summing to T: if T ≤ P each town keeps its
    GeoNames population and the rural remainder P − T is split over the kommune's polygon parts of
    at least ``min_rural_part_km2`` (by area, e.g. Anholt within Norddjurs) as points at each part's
    representative point; if T > P (København: GeoNames counts the whole urban area) the towns are
    scaled down to P and there is no rural point. Integer weights are apportioned by largest
    remainder so sums are exact. Columns: ``punkt_id``, ``navn``, ``kode``, ``type`` ("by"/"land"),
    ``befolkning_modelleret`` (inhabitants, MODELLED apportionment), geometry (EPSG:25832).
    """
    pop = population.set_index("kode")["befolkning_2020"]
    rows = []
    for k in kommuner.itertuples():
        P = int(pop[k.kode])
        t = towns[towns["kode"] == k.kode]
        T = int(t["geonames_befolkning"].sum())
        parts = _rural_parts(k.geometry, min_rural_part_km2)
        if T <= P:
            town_w = t["geonames_befolkning"].to_numpy(float)
            areas = np.array([p.area for p in parts])
            rural_w = (P - T) * areas / areas.sum() if P > T else np.zeros(0)
        else:
            town_w = t["geonames_befolkning"].to_numpy(float) * P / T
            rural_w = np.zeros(0)
        weights = np.concatenate([town_w, rural_w])
        ints = np.floor(weights).astype(np.int64)
        short = P - int(ints.sum())
        if short:
            order = np.argsort(-(weights - ints), kind="stable")[:short]
            ints[order] += 1
        names = list(t["navn"]) + [f"{k.navn} land {j + 1}" for j in range(len(rural_w))]
        types = ["by"] * len(t) + ["land"] * len(rural_w)
        geoms = list(t.geometry) + [p.representative_point() for p in parts[:len(rural_w)]]
        for n, ty, w, g in zip(names, types, ints, geoms):
            if w > 0:
                rows.append((n, k.kode, ty, int(w), g))
    dp = gpd.GeoDataFrame(rows, columns=["navn", "kode", "type", "befolkning_modelleret", "geometry"], crs=CRS_METRIC)
    dp.insert(0, "punkt_id", [f"D{i:04d}" for i in range(len(dp))])
    return dp
