"""Demand points: the 2,141 sogne (parishes), each at its visual centre, with 2021 population and age bands.

Source: the dagir data package (geodata/data/dagir/PROVENANCE.md), "Kilde: Danmarks Statistik; indeholder data
fra SDFI/DAGI; via dagir (MIT)". One demand point per sogn, at the sogn's DAWA visual-centre point (a point
inside the sogn), belonging to the kommune whose DAGI polygon holds the point. Its weight is the sogn's 2021
population (DST SOGNE1) scaled to the kommune's DST population of the configured population year, so the
demand of every kommune sums exactly to the published kommune figure (the sogne of 2021 hold 5,829,212 of
the 5,840,045 inhabitants of 1 Jan 2021; the rest have no sogn address). Elderly weights are ESTIMATES:
the sogn's 2014 shares of 65+ and 80+ (DST SOGNE1, 2014) applied to that weight, or the kommune's 2014
shares where the 2014 sogn code has no 2021 match (sogne merged or renamed 2014–2021).
"""
from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import nearest_points

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC
from sundhed.geodata.names import BORNHOLM, CHRISTIANSOE, official_name

log = logging.getLogger(__name__)

SOGNE_FILE = data_path("dagir", "dagir_sogne_2021_punkter.parquet")
SOGN_AGES_2014_FILE = data_path("dagir", "dagir_sogne_agebands_2014.csv")
KOMMUNE_AGES_2014_FILE = data_path("dagir", "dagir_kommune_agebands_2014.csv")
SOGNE_COLUMNS = ("sognekode", "navn", "befolkning_2021")
AGE_COLUMNS = ("pop_0_64", "pop_65_79", "pop_80p")
#: DST's national population on 1 January 2014 (the sum of the 2014 age bands), inhabitants.
DST_TOTAL_2014 = 5_627_235
#: Latitude / longitude box of Denmark (incl. Bornholm and Christiansø), WGS84 degrees.
DK_LAT = (54.4, 57.9)
DK_LON = (7.9, 15.3)
#: A visual-centre point outside every (generalised, 1:500 000) kommune polygon but within this many metres
#: of one is moved just inside it (Aarhus Domsogn sits 30 m off the generalised harbour coast); farther is an error.
SNAP_MAX_M = 1_000.0
#: How far inside the polygon a snapped point is put (metres).
SNAP_INSET_M = 25.0


def load_sogne(kommuner: gpd.GeoDataFrame, path: str | Path = SOGNE_FILE) -> gpd.GeoDataFrame:
    """The sogn points with their kommune, in EPSG:25832, sorted by ``sognekode``.

    Columns: ``sognekode`` (int), ``navn``, ``befolkning_2021`` (inhabitants, DST SOGNE1 2021), ``kode`` (the
    kommune whose polygon holds the point), ``flyttet_m`` (metres the point was moved to get inside that
    polygon: 0 except for points just off the generalised coast), geometry. A missing column, a
    non-numeric or negative population, a duplicate code or a point outside Denmark raises
    :class:`DataError` naming the file and the row.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        raw = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow / geopandas raise several error classes
        raise DataError(path, f"cannot be read as GeoParquet: {str(exc).splitlines()[0]}") from None
    missing = [c for c in SOGNE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}; found {[c for c in raw.columns if c != 'geometry']}")
    df = pd.DataFrame({"navn": raw["navn"].astype(str)})
    df.insert(0, "sognekode", numeric_column(raw, "sognekode", path, integer=True))
    df["befolkning_2021"] = numeric_column(raw, "befolkning_2021", path, integer=True)
    neg = df["befolkning_2021"] < 0
    if neg.any():
        i = int(neg.to_numpy().nonzero()[0][0])
        raise DataError(path, f"sogn {df['sognekode'].iloc[i]} has a negative population "
                              f"({df['befolkning_2021'].iloc[i]})", row=i + 1)
    dup = df["sognekode"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(path, f"sogn code {df['sognekode'].iloc[i]} appears twice", row=i + 1)
    geom = raw.geometry.set_crs(CRS_MAP, allow_override=True) if raw.crs is None else raw.geometry.to_crs(CRS_MAP)
    bad_geom = geom.isna() | geom.is_empty | (geom.geom_type != "Point")
    if bad_geom.any():
        i = int(bad_geom.to_numpy().nonzero()[0][0])
        raise DataError(path, f"sogn {df['sognekode'].iloc[i]} has no point geometry", row=i + 1)
    lon, lat = geom.x.to_numpy(), geom.y.to_numpy()
    out = ~((DK_LAT[0] <= lat) & (lat <= DK_LAT[1]) & (DK_LON[0] <= lon) & (lon <= DK_LON[1]))
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise DataError(path, f"sogn {df['sognekode'].iloc[i]} point ({lat[i]:.5f}, {lon[i]:.5f}) is outside "
                              "Denmark", row=i + 1)
    gdf = gpd.GeoDataFrame(df, geometry=geom.to_crs(CRS_METRIC).values, crs=CRS_METRIC)
    return _assign_kommune(gdf, kommuner, path)


def _assign_kommune(gdf: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Add ``kode`` (kommune holding the point) and ``flyttet_m``; snap points just off the coast inside."""
    kom = kommuner[["kode", "geometry"]].reset_index(drop=True)
    tree = shapely.STRtree(kom.geometry.values)
    p_idx, k_idx = tree.query(gdf.geometry.values, predicate="within")
    kode = np.full(len(gdf), -1, dtype=np.int64)
    kode[p_idx] = kom["kode"].to_numpy()[k_idx]
    moved = np.zeros(len(gdf))
    geoms = np.array(gdf.geometry.values, dtype=object)
    for i in np.nonzero(kode < 0)[0]:
        pt = geoms[i]
        j = int(tree.nearest(pt))
        poly = kom.geometry.iloc[j]
        d = float(poly.distance(pt))
        if d > SNAP_MAX_M:
            lonlat = gpd.GeoSeries([pt], crs=CRS_METRIC).to_crs(CRS_MAP).iloc[0]
            raise DataError(path, f"sogn {gdf['sognekode'].iloc[i]} point ({lonlat.y:.5f}, {lonlat.x:.5f}) is "
                                  f"outside Denmark: {d / 1000:.1f} km from the nearest kommune", row=int(i) + 1)
        edge = nearest_points(poly.boundary, pt)[0]
        vec = np.array([edge.x - pt.x, edge.y - pt.y])
        inside = shapely.Point(*(np.array([edge.x, edge.y]) + vec / max(np.hypot(*vec), 1e-9) * SNAP_INSET_M))
        if not poly.contains(inside):
            inside = poly.representative_point()
        geoms[i] = inside
        kode[i] = int(kom["kode"].iloc[j])
        moved[i] = float(pt.distance(inside))
        log.info("sogn %s %s: point moved %.0f m into kommune %s", gdf["sognekode"].iloc[i], gdf["navn"].iloc[i],
                 moved[i], kode[i])
    out = gdf.assign(kode=kode, flyttet_m=moved.round(1))
    out = out.set_geometry(gpd.GeoSeries(geoms, crs=CRS_METRIC, index=gdf.index))
    return out.sort_values("sognekode").reset_index(drop=True)


def _bands(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    for c in AGE_COLUMNS:
        df[c] = numeric_column(df, c, path, integer=True, minimum=0)
    return df


def load_sogn_ages_2014(path: str | Path = SOGN_AGES_2014_FILE) -> pd.DataFrame:
    """Inhabitants per sogn and age band on 1 Jan 2014 (DST SOGNE1): ``sognekode``, ``pop_0_64``,
    ``pop_65_79``, ``pop_80p``."""
    path = Path(path)
    df = read_csv_checked(path, ["sognekode", *AGE_COLUMNS], dtype=str)
    df["sognekode"] = numeric_column(df, "sognekode", path, integer=True)
    dup = df["sognekode"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(path, f"sogn code {df['sognekode'].iloc[i]} appears twice", row=i + 1)
    return _bands(df, path)[["sognekode", *AGE_COLUMNS]]


def load_kommune_ages_2014(names_to_codes: dict[str, int], path: str | Path = KOMMUNE_AGES_2014_FILE) -> pd.DataFrame:
    """Inhabitants per kommune and age band on 1 Jan 2014 (joined by name; Christiansø into Bornholm).

    Columns: ``kode``, ``pop_0_64``, ``pop_65_79``, ``pop_80p``."""
    path = Path(path)
    df = _bands(read_csv_checked(path, ["kommune", *AGE_COLUMNS], dtype=str), path)
    names = df["kommune"].map(official_name)
    codes = names.map({**names_to_codes, "Christiansø": CHRISTIANSOE})
    if codes.isna().any():
        i = int(codes.isna().to_numpy().nonzero()[0][0])
        raise DataError(path, f"unknown kommune name {df['kommune'].iloc[i]!r}", row=i + 1)
    df["kode"] = codes.astype("int64").replace({CHRISTIANSOE: BORNHOLM})
    return df.groupby("kode", as_index=False)[list(AGE_COLUMNS)].sum()


def apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that sum exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, float)
    exact = w * total / w.sum() if w.sum() > 0 else np.full(len(w), total / len(w))
    ints = np.floor(exact).astype(np.int64)
    short = int(total - ints.sum())
    if short:
        ints[np.argsort(-(exact - ints), kind="stable")[:short]] += 1
    return ints


def build_demand_points(sogne: gpd.GeoDataFrame, kommune_population: pd.Series, sogn_ages: pd.DataFrame,
                        kommune_ages: pd.DataFrame, population_year: int) -> gpd.GeoDataFrame:
    """One demand point per sogn whose weights sum exactly to each kommune's population (inhabitants).

    ``kommune_population``: kommune code -> DST population of ``population_year``. Each sogn's 2021
    population is scaled to its kommune's total (largest remainder). Columns: ``punkt_id`` ("S<sognekode>"),
    ``sognekode``, ``navn``, ``kode``, ``befolkning_sogn_2021`` (as published), ``befolkning`` (inhabitants in
    ``population_year``, the model weight), ``andel_65plus_2014`` / ``andel_80plus_2014`` (shares, 2014),
    ``aldersandel_kilde`` ("sogn 2014" or "kommune 2014"), ``aeldre_65plus_estimeret`` and
    ``aeldre_80plus_estimeret`` (ESTIMATED inhabitants: 2014 shares x ``befolkning``), ``flyttet_m``, geometry.
    ``attrs["population_year"]`` names the year.
    """
    s = sogne.rename(columns={"befolkning_2021": "befolkning_sogn_2021"})
    missing = sorted(set(kommune_population.index) - set(s["kode"]))
    if missing:
        raise DataError(SOGNE_FILE, f"kommune(r) {missing} hold no sogn point")
    s["befolkning"] = 0
    for k, idx in s.groupby("kode").groups.items():
        s.loc[idx, "befolkning"] = apportion(s.loc[idx, "befolkning_sogn_2021"].to_numpy(), int(kommune_population[k]))
    s["befolkning"] = s["befolkning"].astype("int64")
    ages = sogn_ages.set_index("sognekode")
    tot = ages[list(AGE_COLUMNS)].sum(axis=1)
    sogn65 = ((ages["pop_65_79"] + ages["pop_80p"]) / tot).where(tot > 0)
    sogn80 = (ages["pop_80p"] / tot).where(tot > 0)
    kages = kommune_ages.set_index("kode")
    ktot = kages[list(AGE_COLUMNS)].sum(axis=1)
    kom65 = (kages["pop_65_79"] + kages["pop_80p"]) / ktot
    kom80 = kages["pop_80p"] / ktot
    no_k = sorted(set(s["kode"]) - set(kages.index))
    if no_k:
        raise DataError(KOMMUNE_AGES_2014_FILE, f"no 2014 age bands for kommune code(s) {no_k}")
    own = s["sognekode"].map(sogn65)
    s["aldersandel_kilde"] = np.where(own.notna(), "sogn 2014", "kommune 2014")
    s["andel_65plus_2014"] = own.fillna(s["kode"].map(kom65))
    s["andel_80plus_2014"] = s["sognekode"].map(sogn80).fillna(s["kode"].map(kom80))
    s["aeldre_65plus_estimeret"] = s["befolkning"] * s["andel_65plus_2014"]
    s["aeldre_80plus_estimeret"] = s["befolkning"] * s["andel_80plus_2014"]
    s.insert(0, "punkt_id", [f"S{c}" for c in s["sognekode"]])
    cols = ["punkt_id", "sognekode", "navn", "kode", "befolkning_sogn_2021", "befolkning", "andel_65plus_2014",
            "andel_80plus_2014", "aldersandel_kilde", "aeldre_65plus_estimeret", "aeldre_80plus_estimeret",
            "flyttet_m", "geometry"]
    s = s[cols]
    out = gpd.GeoDataFrame(s, geometry="geometry", crs=CRS_METRIC)
    out.attrs["population_year"] = int(population_year)
    return out


#: Demand weights the models accept -> the demand-point column they use (inhabitants of the population year;
#: the two elderly weights are ESTIMATES: 2014 age shares applied to that population).
WEIGHT_COLUMNS = {"population": "befolkning", "elderly": "aeldre_65plus_estimeret",
                  "80plus": "aeldre_80plus_estimeret"}


def demand_weights(demand: pd.DataFrame, weight: str) -> np.ndarray:
    """Weight per demand point (inhabitants) for ``weight`` in :data:`WEIGHT_COLUMNS`."""
    if weight not in WEIGHT_COLUMNS:
        raise ValueError(f"unknown weight {weight!r}; choose one of {tuple(WEIGHT_COLUMNS)}")
    return demand[WEIGHT_COLUMNS[weight]].to_numpy(float)
