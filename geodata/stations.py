"""A user's list of existing ambulance / akutbil stations (CSV), for the akutbil model.

No public station list exists for Denmark, so the project ships none; a region or planner with the real
list passes it as a CSV with the columns ``navn`` (name), ``lat`` and ``lon`` (WGS84 degrees) and,
optionally, ``id`` (defaults to ``S1``, ``S2``, ...) and ``enheder`` (units at the station, default 1;
informational). Every station must lie in a Danish kommune.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC


def resolve_station_path(path: str | Path, base_dir: str | Path | None = None) -> Path:
    """``path`` as given when it exists, else relative to ``base_dir`` (a config file's folder) when it exists
    there; else ``path`` unchanged (so the reader reports it missing)."""
    p = Path(path)
    if not p.exists() and base_dir is not None and (Path(base_dir) / p).exists():
        return Path(base_dir) / p
    return p


def load_station_list(path: str | Path, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Stations as a frame with ``id``, ``navn``, ``kode`` (kommune), ``kind`` ("station"), ``x``, ``y``
    (EPSG:25832), ``enheder``. Raises :class:`DataError` naming the file and row on a bad cell, a duplicate
    id, coordinates outside Denmark or a point outside every kommune."""
    df = read_csv_checked(path, ["navn", "lat", "lon"], dtype=str)
    if df.empty:
        raise DataError(path, "the station list has no rows")
    lat = numeric_column(df, "lat", path)
    lon = numeric_column(df, "lon", path)
    bad = ~lat.between(54.4, 57.9) | ~lon.between(7.9, 15.3)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(path, f"coordinates ({lat.iloc[i]}, {lon.iloc[i]}) are outside Denmark "
                              f"(lat 54.4–57.9, lon 7.9–15.3, WGS84 degrees)", row=i + 1)
    names = df["navn"].fillna("").str.strip()
    if (names == "").any():
        raise DataError(path, "empty station name (navn)", row=int((names == "").to_numpy().nonzero()[0][0]) + 1)
    ids = (df["id"].fillna("").str.strip() if "id" in df else pd.Series("", index=df.index))
    ids = [i if i else f"S{r + 1}" for r, i in enumerate(ids)]
    seen: dict[str, int] = {}
    for r, i in enumerate(ids):
        if i in seen:
            raise DataError(path, f"duplicate station id {i!r} (also row {seen[i] + 1})", row=r + 1)
        if i[:1] in ("T", "H") and i[1:].isdigit():
            raise DataError(path, f"station id {i!r} clashes with the built-in candidate ids "
                                  "('T<geonameid>' towns, 'H<akut_id>' hospitals); choose another id", row=r + 1)
        seen[i] = r
    units = (numeric_column(df, "enheder", path, integer=True, minimum=1) if "enheder" in df
             else pd.Series(1, index=df.index))
    pts = gpd.GeoDataFrame({"i": range(len(df))}, geometry=gpd.points_from_xy(lon, lat), crs=CRS_MAP).to_crs(CRS_METRIC)
    joined = gpd.sjoin(pts, kommuner[["kode", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    if joined["kode"].isna().any():
        i = int(joined["kode"].isna().to_numpy().nonzero()[0][0])
        raise DataError(path, f"station {names.iloc[i]!r} at ({lat.iloc[i]}, {lon.iloc[i]}) lies outside every "
                              "Danish kommune (at sea?)", row=i + 1)
    return pd.DataFrame({"id": ids, "navn": names.to_numpy(), "kode": joined["kode"].astype(int).to_numpy(),
                         "kind": "station", "x": pts.geometry.x.to_numpy(), "y": pts.geometry.y.to_numpy(),
                         "enheder": units.astype(int).to_numpy()})
