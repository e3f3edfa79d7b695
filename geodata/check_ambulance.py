"""Second check of the embedded network at scale: postcodes' minutes to the nearest akutsygehus
against observed ambulance response times (TV2 analysis of regional data, 2021–2025).

Observed response times depend on where ambulances and akutbiler are stationed, not only on roads, so
this is **not** used to fit speeds. It finds outliers: postcodes where the modelled drive to the nearest
akutsygehus and the observed response disagree far more than elsewhere (islands, peninsulas, ferry
areas, coastline artefacts of the network).

The observed data have no licence and are never shipped with the project: give their folder.

    python -m sundhed.geodata.check_ambulance --raw ../shared/data/raw [--out postcodes.csv] [--top 15]

Method: one point per postcode polygon (``representative_point``, DAGI 1:500 000, postcodes joined on
``Postnummer``); modelled minutes with ferries (20 min waiting) and without, from the embedded network;
observed = mean A-priority response (minutes). Expected observed response for a modelled time comes
from a robust curve per region (median observed in quintiles of the modelled minutes; the regions
measure response differently); an outlier is a postcode whose
ratio observed / expected is in the top or bottom ``--top`` (at least 50 trips).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from sundhed.geodata._tv2 import POSTCODES_FILE, TV2_DIR, load_postcode_polygons, tv2_a_per_postcode


def postcode_points(raw: Path) -> gpd.GeoDataFrame:
    """One representative point per numeric postcode (EPSG:25832), with its name and area (km²)."""
    g = load_postcode_polygons(raw / POSTCODES_FILE)
    g = g[g["postnr_txt"].str.fullmatch(r"\d{4}")].reset_index(drop=True)
    return gpd.GeoDataFrame({"postnummer": g["postnr_txt"].astype(int), "POSTBYNAVN": g["navn"],
                             "areal_km2": g.area / 1e6}, geometry=g.representative_point(), crs=g.crs)


def observed(raw: Path) -> pd.DataFrame:
    """Observed mean A-priority response per postcode (``postnummer``, ``observeret_min``, ``ture``, ``region``)."""
    a = tv2_a_per_postcode(raw / TV2_DIR)
    return a.rename(columns={"postnr": "postnummer", "observed_min": "observeret_min", "trips": "ture"})[
        ["postnummer", "ture", "region", "observeret_min"]]


def compare(raw: Path, ds=None) -> pd.DataFrame:
    """Postcodes with observed mean response and modelled minutes to the nearest akutsygehus."""
    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.traveltimes import points_frame, travel_times

    ds = ds or load_dataset()
    pc = postcode_points(raw).merge(observed(raw), on="postnummer", how="inner")
    pts = points_frame([f"P{p}" for p in pc["postnummer"]], pc.geometry.x, pc.geometry.y)
    tm = travel_times(ds.embedded_source(), pts, ds.hospital_points_frame(), cache_dir=None)
    pc["model_min"] = tm.minutes.min(1)
    pc["model_min_no_ferry"] = tm.minutes_no_ferry.min(1)
    pc["model_km"] = tm.km[np.arange(len(pc)), tm.minutes.argmin(1)]
    pc["ferry"] = ~np.isfinite(pc["model_min_no_ferry"]) | (pc["model_min_no_ferry"] > pc["model_min"] + 1e-6)
    ok = pc["ture"] >= 50
    # robust expected response per region (the regions measure response differently: Rigsrevisionen
    # SR 11/2024): median observed in quintiles of modelled minutes, interpolated
    pc["forventet_min"] = np.nan
    main_region = pc["region"].str.split("/").str[0]
    for reg in main_region.unique():
        sel = ok & (main_region == reg)
        bins = pd.qcut(pc.loc[sel, "model_min"], 5, duplicates="drop")
        med = pc.loc[sel].groupby(bins, observed=True)[["model_min", "observeret_min"]].median()
        here = main_region == reg
        pc.loc[here, "forventet_min"] = np.interp(pc.loc[here, "model_min"], med["model_min"], med["observeret_min"])
    pc["ratio"] = pc["observeret_min"] / pc["forventet_min"]
    pc["min_50_ture"] = ok
    return pd.DataFrame(pc.drop(columns="geometry"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, required=True, help="folder with tv2-ambulance-responsetimes/ and "
                                                           "dagi-neogeografen/")
    ap.add_argument("--out", type=Path, help="write the per-postcode table here (CSV; keep it out of the repo)")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    for sub in (TV2_DIR, POSTCODES_FILE.parent.name):
        if not (args.raw / sub).is_dir():
            ap.error(f"--raw {args.raw}: no {sub}/ folder")
    pc = compare(args.raw)
    if args.out:
        pc.to_csv(args.out, index=False)
    ok = pc[pc["min_50_ture"]]
    rho = ok[["model_min", "observeret_min"]].corr(method="spearman").iloc[0, 1]
    for reg, sub in ok.groupby(ok["region"].str.split("/").str[0]):
        r = sub[["model_min", "observeret_min"]].corr(method="spearman").iloc[0, 1]
        print(f"  {reg}: {len(sub)} postcodes, Spearman {r:.2f}, "
              f"median observed {sub['observeret_min'].median():.1f} min")
    print(f"{len(pc)} postcodes with a polygon and observed times ({len(ok)} with at least 50 trips); "
          f"Spearman rank correlation modelled minutes to nearest akutsygehus vs observed response: {rho:.2f}")
    for label, sub in (("ferry postcodes", ok[ok["ferry"]]), ("no ferry", ok[~ok["ferry"]])):
        if len(sub):
            print(f"  {label}: {len(sub)}, median modelled {sub['model_min'].median():.1f} min, "
                  f"median observed {sub['observeret_min'].median():.1f} min")
    cols = ["postnummer", "POSTBYNAVN", "region", "ture", "observeret_min", "model_min", "model_km", "ferry",
            "forventet_min", "ratio"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"\nobserved much slower than the modelled drive suggests (top {args.top}):")
        print(ok.nlargest(args.top, "ratio")[cols].round(2).to_string(index=False))
        print(f"\nobserved much faster than the modelled drive suggests (top {args.top}):")
        print(ok.nsmallest(args.top, "ratio")[cols].round(2).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
