"""The 98 kommuner: code, official name, region and geometry (DAGI 1:500 000, 2014)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked, read_vector_checked
from sundhed.geodata.names import BORNHOLM, CHRISTIANSOE, REGION_BY_ISO, official_name

#: Projected CRS for distances and areas (ETRS89 / UTM 32N, metres).
CRS_METRIC = 25832
#: Geographic CRS for maps (WGS84 lon/lat).
CRS_MAP = 4326

KOMMUNER_FILE = data_path("dagi", "kommuner.geojson")
REGIONS_FILE = data_path("dagi", "municipalities_attributes.csv")


def load_region_table(path=REGIONS_FILE) -> pd.DataFrame:
    """kommune code -> region name (from the region ISO code per kommune)."""
    df = read_csv_checked(path, ["lau_1", "iso_3166_2"], dtype=str)
    codes = numeric_column(df, "lau_1", path, integer=True)
    unknown = ~df["iso_3166_2"].isin(REGION_BY_ISO)
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise DataError(path, f"unknown region code {df['iso_3166_2'].iloc[i]!r}", row=i + 1)
    return pd.DataFrame({"kode": codes, "region": df["iso_3166_2"].map(REGION_BY_ISO)})


def load_kommuner(path=KOMMUNER_FILE, regions_path=REGIONS_FILE) -> gpd.GeoDataFrame:
    """98 kommuner as a GeoDataFrame in EPSG:25832, sorted by code.

    Columns: ``kode`` (int), ``navn`` (official short name), ``region``, ``areal_km2``, geometry
    (MultiPolygon, 2-D). The 311 DAGI polygons are dissolved on KOMKODE, the dummy Z = -999 is
    dropped and Christiansø (0411) is folded into Bornholm (0400).
    """
    raw = read_vector_checked(path, ["KOMKODE", "KOMNAVN"])
    raw["kode"] = numeric_column(raw, "KOMKODE", path, integer=True)
    raw.loc[raw["kode"] == CHRISTIANSOE, ["kode", "KOMNAVN"]] = [BORNHOLM, "Bornholm"]
    raw["geometry"] = shapely.force_2d(raw.geometry.values)
    raw = raw.to_crs(CRS_METRIC)
    raw["geometry"] = shapely.make_valid(raw.geometry.values)
    kom = raw.dissolve(by="kode", aggfunc={"KOMNAVN": "first"}).reset_index()
    kom["navn"] = kom["KOMNAVN"].map(official_name)
    regions = load_region_table(regions_path)
    kom = kom.merge(regions, on="kode", how="left")
    missing = kom.loc[kom["region"].isna(), "kode"].tolist()
    if missing:
        raise DataError(regions_path, f"no region for kommune code(s) {missing}")
    kom["areal_km2"] = kom.geometry.area / 1e6
    kom = kom[["kode", "navn", "region", "areal_km2", "geometry"]].sort_values("kode").reset_index(drop=True)
    return gpd.GeoDataFrame(kom, geometry="geometry", crs=CRS_METRIC)


def kommune_codes(kommuner: pd.DataFrame, names) -> tuple[int, ...]:
    """Codes of kommuner given by official name (e.g. ``"Høje-Taastrup"``), in the given order; ValueError
    names every unknown one."""
    code_of = {str(n): int(k) for k, n in zip(kommuner["kode"], kommuner["navn"])}
    names = [str(n) for n in names]
    bad = [n for n in names if n not in code_of]
    if bad:
        raise ValueError(f"unknown kommune(r) {bad} in config (use official names, e.g. 'Høje-Taastrup')")
    return tuple(code_of[n] for n in names)


def scope_codes(kommuner: pd.DataFrame, regions=(), codes=None) -> set[int]:
    """The kommune codes a model covers: those of ``regions`` (region names), or ``codes``, or (neither
    given) all of Denmark. ValueError for an unknown region or code, or an empty scope."""
    all_codes = {int(k) for k in kommuner["kode"]}
    if regions:
        known = set(kommuner["region"])
        bad = sorted(set(regions) - known)
        if bad:
            raise ValueError(f"unknown region(s) {bad}; known: {sorted(known)}")
        scope = {int(k) for k in kommuner.loc[kommuner["region"].isin(list(regions)), "kode"]}
        if codes is not None:
            scope &= {int(k) for k in codes}
    else:
        scope = all_codes if codes is None else {int(k) for k in codes}
    if not scope or not scope <= all_codes:
        raise ValueError(f"kommuner must be a non-empty set of kommune codes; unknown: {sorted(scope - all_codes)}")
    return scope
