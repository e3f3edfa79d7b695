"""The one reader of the TV2 ambulance response-time files and the DAGI postcode polygons (private).

Validation data only, never shipped (``../shared/data/raw/tv2-ambulance-responsetimes``, no licence).
geodata/observed.py (``sundhed validate response-times``, #16) and geodata/check_ambulance.py (the
network's outlier scan, #19) both read them through these functions, so the files are parsed and checked
in one place. Times in minutes; ``trips`` = A-priority trips 2021–2025 in the postcode.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sundhed.geodata.errors import DataError
from sundhed.geodata.io import numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_METRIC

TV2_DIR = "tv2-ambulance-responsetimes"
TV2_A_FILE = "A_priority_response_by_postnummer_2021-2025.csv"
POSTCODES_FILE = Path("dagi-neogeografen") / "postnumre.geojson"


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


def tv2_a_per_postcode(path: str | Path) -> pd.DataFrame:
    """:func:`load_tv2_a` with one row per postcode: a postcode answered by two regions gets the
    trip-weighted mean. Columns ``postnr``, ``observed_min``, ``trips``, ``region`` (``"A/B"`` for two)."""
    a = load_tv2_a(path)
    a = a.assign(_w=a["observed_min"] * a["trips"])
    g = a.groupby("postnr").agg(_w=("_w", "sum"), trips=("trips", "sum"),
                                region=("region", lambda r: "/".join(sorted(set(r))))).reset_index()
    g["observed_min"] = g["_w"] / g["trips"]
    return g.drop(columns="_w")
