"""Demand points: GeoNames towns rescaled to kommune population, plus rural remainder points."""
from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.prepared import prep

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC

log = logging.getLogger(__name__)

TOWNS_FILE = data_path("geonames", "dk_places_pop500.csv")
EXCLUSIONS_FILE = data_path("project", "geonames_exclusions.csv")
#: A kommune polygon part (island) smaller than this gets no rural point of its own (km²); the
#: rural remainder goes to the larger parts by area (e.g. Anholt within Norddjurs, Fur within Skive).
MIN_RURAL_PART_KM2 = 20.0
#: Spreading of large points (MODELLED, see :func:`spread_point`): no town point carries more than this many
#: inhabitants (København's 568,735 become 29 points) ...
MAX_POINT_POP = 20_000
#: ... a large town is spread evenly over a disk of this assumed density (inhabitants per km², about the
#: density of Danish urban areas: Aarhus ≈ 3,100, Odense ≈ 2,300), clipped to its kommune ...
URBAN_DENSITY_PER_KM2 = 3_000.0
#: ... and a rural remainder is spread on a grid of about one point per this many km² of its polygon part
#: (a 10 km grid), so rural inhabitants are not all placed at one spot.
RURAL_CELL_KM2 = 100.0
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


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


def _rural_parts(geom, min_km2: float) -> list:
    parts = list(getattr(geom, "geoms", [geom]))
    big = [p for p in parts if p.area >= min_km2 * 1e6]
    return big or [max(parts, key=lambda p: p.area)]


def _disk_points(center: Point, n: int, radius_m: float, within) -> list[Point]:
    """About ``n`` evenly spread points in a disk (Vogel's sunflower spiral) that lie inside ``within``.

    Where the disk is cut by the kommune border or the coast, more spiral points are drawn so that about
    ``n`` land inside; if fewer than a quarter would, the disk shrinks. Falls back to the centre alone."""
    pw = prep(within)
    r, m = radius_m, n
    for _ in range(12):
        pts = [Point(center.x + r * math.sqrt((i + 0.5) / m) * math.cos(i * _GOLDEN_ANGLE),
                     center.y + r * math.sqrt((i + 0.5) / m) * math.sin(i * _GOLDEN_ANGLE)) for i in range(m)]
        keep = [p for p in pts if pw.contains(p)]
        if len(keep) >= n:
            return keep
        if len(keep) < m / 4:
            r, m = r * 0.7, n
        else:
            m = math.ceil(m * n / len(keep)) + 1
    return keep if keep else [center]


def _grid_points(part, n: int) -> list[Point]:
    """About ``n`` points on a square grid clipped to the polygon ``part`` (at least its representative point)."""
    step = math.sqrt(part.area / n)
    minx, miny, maxx, maxy = part.bounds
    pp = prep(part)
    xs = np.arange(minx + step / 2, maxx, step)
    ys = np.arange(miny + step / 2, maxy, step)
    pts = [Point(x, y) for x in xs for y in ys if pp.contains(Point(x, y))]
    return pts or [part.representative_point()]


def spread_point(kind: str, point: Point, weight: float, area, *, max_pop: float = MAX_POINT_POP,
                 density: float = URBAN_DENSITY_PER_KM2, rural_cell_km2: float = RURAL_CELL_KM2) -> list[Point]:
    """Where one demand point's ``weight`` inhabitants are placed (MODELLED; equal shares per point).

    * ``kind="by"`` (a town): a town above ``max_pop`` becomes ``ceil(weight / max_pop)`` points spread over
      a disk of ``weight / density`` km² around the GeoNames point, clipped to ``area`` (its kommune).
    * ``kind="land"`` (a rural remainder on the polygon part ``area``): about one point per
      ``rural_cell_km2`` of the part, and at least ``ceil(weight / max_pop)``, on a grid clipped to the part.
    """
    n_pop = max(1, math.ceil(weight / max_pop))
    if kind == "by":
        if n_pop == 1:
            return [point]
        return _disk_points(point, n_pop, math.sqrt(weight / density / math.pi) * 1000.0, area)
    n = max(n_pop, round(area.area / (rural_cell_km2 * 1e6)))
    return [point] if n <= 1 else _grid_points(area, n)


def build_demand_points(kommuner: gpd.GeoDataFrame, population: pd.DataFrame, towns: gpd.GeoDataFrame,
                        min_rural_part_km2: float = MIN_RURAL_PART_KM2, *, spread: bool = True,
                        max_point_pop: float = MAX_POINT_POP, urban_density: float = URBAN_DENSITY_PER_KM2,
                        rural_cell_km2: float = RURAL_CELL_KM2) -> gpd.GeoDataFrame:
    """Demand points whose weights sum exactly to each kommune's population (inhabitants).

    Per kommune with population P and GeoNames towns summing to T: if T ≤ P each town keeps its
    GeoNames population and the rural remainder P − T is split over the kommune's polygon parts of
    at least ``min_rural_part_km2`` (by area, e.g. Anholt within Norddjurs) as points at each part's
    representative point; if T > P (København: GeoNames counts the whole urban area) the towns are
    scaled down to P and there is no rural point. With ``spread`` (default) each point is then spread by
    :func:`spread_point`: large towns over several points (≤ ``max_point_pop`` each), rural remainders on a
    grid over their polygon part, so København is not one point and rural inhabitants are not all at one
    spot (this matters for 15-minute response coverage). Integer weights are apportioned by largest
    remainder so sums are exact. Columns: ``punkt_id``, ``navn`` (a spread point is "<name> (del i/n)"),
    ``kode``, ``type`` ("by"/"land"), ``kilde_punkt`` (the town or rural point it was spread from),
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
        names = list(t["navn"]) + [f"{k.navn} land {j + 1}" for j in range(len(rural_w))]
        types = ["by"] * len(t) + ["land"] * len(rural_w)
        geoms = list(t.geometry) + [p.representative_point() for p in parts[:len(rural_w)]]
        areas_of = [k.geometry] * len(t) + list(parts[:len(rural_w)])
        if spread:
            sn, st, sg, sw, src = [], [], [], [], []
            for n, ty, w, g, a in zip(names, types, weights, geoms, areas_of):
                pts = spread_point(ty, g, w, a, max_pop=max_point_pop, density=urban_density,
                                   rural_cell_km2=rural_cell_km2) if w > 0 else [g]
                m = len(pts)
                sn += [n] if m == 1 else [f"{n} (del {i + 1}/{m})" for i in range(m)]
                st += [ty] * m
                sg += pts
                sw += [w / m] * m
                src += [n] * m
            names, types, geoms, weights = sn, st, sg, np.array(sw, dtype=float)
        else:
            src = list(names)
        ints = np.floor(weights).astype(np.int64)
        short = P - int(ints.sum())
        if short:
            order = np.argsort(-(weights - ints), kind="stable")[:short]
            ints[order] += 1
        for n, ty, s_, w, g in zip(names, types, src, ints, geoms):
            if w > 0:
                rows.append((n, k.kode, ty, s_, int(w), g))
    dp = gpd.GeoDataFrame(rows, columns=["navn", "kode", "type", "kilde_punkt", "befolkning_modelleret", "geometry"],
                          crs=CRS_METRIC)
    dp.insert(0, "punkt_id", [f"D{i:04d}" for i in range(len(dp))])
    return dp
