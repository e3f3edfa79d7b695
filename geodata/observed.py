"""Observed ambulance response times per postcode (TV2, 2021–2025) and the DAGI postcode polygons.

Validation data only: the TV2 files carry no licence, so the project never ships them; the user points
to them (``sundhed validate response-times --data DIR``), and by default the folder
``shared/data/raw/tv2-ambulance-responsetimes`` beside the clone (``../shared/...``) is used when present.
The postcode polygons (DAGI 1:500 000, 2014, free data) are read from ``dagi-neogeografen/postnumre.geojson``
in the same ``shared/data/raw`` folder unless a path is given.

Times in minutes; ``trips`` = A-priority trips 2021–2025 in the postcode.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sundhed.geodata.errors import DataError
from sundhed.geodata.io import numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_METRIC

TV2_DIR = "tv2-ambulance-responsetimes"
TV2_A_FILE = "A_priority_response_by_postnummer_2021-2025.csv"
POSTCODES_FILE = Path("dagi-neogeografen") / "postnumre.geojson"
REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_raw_dir() -> Path | None:
    """``shared/data/raw`` beside the clone (or beside one of its parents, for worktrees), or None."""
    for base in [*REPO_ROOT.parents, Path.cwd(), *Path.cwd().parents]:
        d = base / "shared" / "data" / "raw"
        if d.is_dir():
            return d
    return None


def default_tv2_dir() -> Path | None:
    raw = shared_raw_dir()
    return raw / TV2_DIR if raw is not None and (raw / TV2_DIR).is_dir() else None


def default_postcodes_file() -> Path | None:
    raw = shared_raw_dir()
    return raw / POSTCODES_FILE if raw is not None and (raw / POSTCODES_FILE).exists() else None


def load_tv2_a(path: str | Path) -> pd.DataFrame:
    """A-priority mean response per postcode and region: ``postnr`` (int), ``observed_min`` (mean, minutes),
    ``trips``, ``region`` (21 postcodes appear for two regions, e.g. 2640 for Hovedstaden and Sjælland).
    ``path``: the TV2 folder or the A file itself. Raises :class:`DataError`."""
    p = Path(path)
    f = p / TV2_A_FILE if p.is_dir() else p
    if not f.exists():
        raise DataError(f, "TV2 A-priority file not found (give the folder with "
                           f"{TV2_A_FILE}, e.g. ../shared/data/raw/{TV2_DIR})")
    df = read_csv_checked(f, ["Postnummer", "Gennemsnit_minutter", "Antal_ture", "Region"], dtype=str)
    out = pd.DataFrame({"postnr": numeric_column(df, "Postnummer", f, integer=True, minimum=1000),
                        "observed_min": numeric_column(df, "Gennemsnit_minutter", f, minimum=0),
                        "trips": numeric_column(df, "Antal_ture", f, integer=True, minimum=0),
                        "region": df["Region"].fillna("").str.strip()})
    dup = out.duplicated(["postnr", "region"])
    if dup.any():  # a postcode may appear once per region (trips answered by two regions), not twice in one
        raise DataError(f, f"duplicate postcode {int(out.loc[dup, 'postnr'].iloc[0])} in region "
                           f"{out.loc[dup, 'region'].iloc[0]}", row=int(dup.to_numpy().nonzero()[0][0]) + 1)
    return out


def load_postcode_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """DAGI postcode polygons dissolved per postcode text: ``postnr_txt``, ``lo``/``hi`` (the numeric range:
    ``"1000-1499"`` covers the Copenhagen street codes 1000..1499), ``navn``, geometry (EPSG:25832, 2-D)."""
    p = Path(path)
    if not p.exists():
        raise DataError(p, "postcode polygons not found (postnumre.geojson of DAGI / Neogeografen)")
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 (pyogrio raises several types)
        raise DataError(p, f"cannot be read as GeoJSON: {exc}") from None
    for c in ("POSTNR_TXT", "POSTBYNAVN"):
        if c not in g:
            raise DataError(p, f"missing property {c!r}")
    g = g.set_geometry(shapely.force_2d(g.geometry.values))
    g = g.dissolve(by="POSTNR_TXT", aggfunc={"POSTBYNAVN": "first"}).reset_index()
    parts = g["POSTNR_TXT"].astype(str).str.split("-", n=1, expand=True)
    lo = pd.to_numeric(parts[0], errors="coerce")
    hi = pd.to_numeric(parts[1], errors="coerce") if parts.shape[1] > 1 else lo
    hi = hi.fillna(lo)
    keep = lo.notna()
    g = gpd.GeoDataFrame({"postnr_txt": g["POSTNR_TXT"].astype(str), "lo": lo, "hi": hi,
                          "navn": g["POSTBYNAVN"].astype(str)}, geometry=g.geometry, crs=g.crs)[keep]
    g["lo"], g["hi"] = g["lo"].astype(int), g["hi"].astype(int)
    return g.to_crs(CRS_METRIC).reset_index(drop=True)


def join_postcodes(obs: pd.DataFrame, polys: gpd.GeoDataFrame) -> pd.DataFrame:
    """Observed rows with the polygon they fall in (``polygon`` index into ``polys``, -1 = none): a numeric
    polygon by its code, a Copenhagen range polygon for the codes it spans."""
    exact = {int(c): i for i, (c, lo, hi) in enumerate(zip(polys["postnr_txt"], polys["lo"], polys["hi"]))
             if lo == hi and str(c).isdigit()}
    ranges = [(int(lo), int(hi), i) for i, (lo, hi) in enumerate(zip(polys["lo"], polys["hi"])) if lo != hi]
    idx = []
    for c in obs["postnr"].astype(int):
        j = exact.get(c, -1)
        if j < 0:
            j = next((i for lo, hi, i in ranges if lo <= c <= hi), -1)
        idx.append(j)
    return obs.assign(polygon=np.asarray(idx, dtype=int))


def representative_points(polys: gpd.GeoDataFrame, towns: gpd.GeoDataFrame) -> pd.DataFrame:
    """Where a postcode's calls are modelled to come from: the largest GeoNames town inside its polygon
    (``how = "town"``), else a point inside the polygon (``how = "polygon"``). Columns ``polygon``, ``x``,
    ``y`` (EPSG:25832), ``how``, ``town``."""
    t = towns[["navn", "geonames_befolkning", "geometry"]].to_crs(polys.crs)
    j = gpd.sjoin(t, polys[["geometry"]].reset_index(names="polygon"), how="inner", predicate="within")
    best = j.sort_values("geonames_befolkning", ascending=False).drop_duplicates("polygon").set_index("polygon")
    rp = polys.geometry.representative_point()
    rows = []
    for i in range(len(polys)):
        if i in best.index:
            g = best.loc[i, "geometry"]
            rows.append((i, g.x, g.y, "town", best.loc[i, "navn"]))
        else:
            rows.append((i, rp.iloc[i].x, rp.iloc[i].y, "polygon", ""))
    return pd.DataFrame(rows, columns=["polygon", "x", "y", "how", "town"])
