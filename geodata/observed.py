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

# the files are read in one place, shared with geodata/check_ambulance.py
from sundhed.geodata._tv2 import POSTCODES_FILE, TV2_A_FILE, TV2_DIR, load_postcode_polygons, load_tv2_a

__all__ = ["POSTCODES_FILE", "TV2_A_FILE", "TV2_DIR", "load_postcode_polygons", "load_tv2_a", "shared_raw_dir",
           "default_tv2_dir", "default_postcodes_file", "join_postcodes", "representative_points"]
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
