"""GeoNames towns: candidate sites and map labels only (demand points are the sogne, see geodata/sogne.py)."""
from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC

log = logging.getLogger(__name__)

TOWNS_FILE = data_path("geonames", "dk_places_pop500.csv")
EXCLUSIONS_FILE = data_path("project", "geonames_exclusions.csv")


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
    dropped = (gdf.loc[bad, ["geonameid", "name", "geonames_befolkning"]].assign(reason=reasons[bad])
               .reset_index(drop=True))
    for r in dropped.itertuples():
        log.info("dropped GeoNames %s %s (%s): %s", r.geonameid, r.name, r.geonames_befolkning, r.reason)
    towns = gdf.loc[~bad].rename(columns={"name": "navn"})
    towns["kode"] = towns["kode"].astype("int64")
    towns = towns[["geonameid", "navn", "geonames_befolkning", "kode", "geometry"]].reset_index(drop=True)
    return gpd.GeoDataFrame(towns, geometry="geometry", crs=CRS_METRIC), dropped
