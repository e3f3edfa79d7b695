"""Make the shipped sogn files from the dagir data package, and report the sogne that cross kommune borders.

    python -m sundhed.geodata.prepare_sogne /path/to/dagir-sogne [--write]

Reads ``dagir_sogne_2021.gpkg`` (2,141 sogn polygons with their 2021 population and DAWA visual centre) and
writes ``geodata/data/dagir/dagir_sogne_2021_punkter.parquet``: one GeoParquet *point* per sogn (the visual
centre, EPSG:4326) with ``sognekode``, ``navn``, ``befolkning_2021`` and nothing else (values unchanged; the
polygons are not shipped: the project only needs the points, and the kommune a point lies in comes from the
shipped DAGI kommune polygons). The three CSV files of the package are copied byte for byte.

The report (printed; pasted into geodata/data/dagir/PROVENANCE.md) uses the polygons once: a sogn
*crosses* a kommune border when more than ``CROSS_MIN_SHARE`` of its area lies outside the kommune that holds
its point (smaller slivers are the two generalisations of the coast and the borders disagreeing). What
that moves: the inhabitants of those area shares (an area-weighted ESTIMATE: the polygons carry no
addresses), which the point rule counts in the point's kommune.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

from sundhed.geodata.io import data_path
from sundhed.geodata.kommuner import CRS_METRIC, load_kommuner

OUT_DIR = data_path("dagir")
POINTS_NAME = "dagir_sogne_2021_punkter.parquet"
COPIED = ("dagir_sogne_agebands_2014.csv", "dagir_kommune_agebands_2014.csv", "kommuner_population_2021Q1.csv")
#: A sogn crosses a border when more than this share of its area is outside its point's kommune.
CROSS_MIN_SHARE = 0.05


def points_from_gpkg(gpkg: Path) -> gpd.GeoDataFrame:
    """The 2,141 visual-centre points with code, name and 2021 population (values as in the package)."""
    g = gpd.read_file(gpkg)
    pts = gpd.GeoDataFrame({
        "sognekode": g["kode"].astype("int64"),
        "navn": g["navn"].astype(str),
        "befolkning_2021": g["population"].round().astype("int64"),
    }, geometry=gpd.points_from_xy(g["visueltcenter_x"], g["visueltcenter_y"]), crs=4326)
    return pts.sort_values("sognekode").reset_index(drop=True)


def border_report(gpkg: Path) -> str:
    """How many sogne cross a kommune border and how many inhabitants that concerns (estimate)."""
    g = gpd.read_file(gpkg).set_crs(4326, allow_override=True).to_crs(CRS_METRIC)
    g["geometry"] = g.geometry.make_valid()
    kom = load_kommuner()
    pts = gpd.GeoDataFrame(g[["kode"]], geometry=gpd.points_from_xy(g["visueltcenter_x"], g["visueltcenter_y"]),
                           crs=4326).to_crs(CRS_METRIC)
    hit = gpd.sjoin(pts, kom[["kode", "geometry"]].rename(columns={"kode": "kommune"}), how="left",
                    predicate="within")
    hit = hit[~hit.index.duplicated()]
    missing = hit["kommune"].isna()
    if missing.any():
        near = gpd.sjoin_nearest(pts[missing], kom[["kode", "geometry"]].rename(columns={"kode": "kommune"}),
                                 distance_col="d")
        hit.loc[missing, "kommune"] = near["kommune"]
    g["kommune"] = hit["kommune"].astype(int)
    pieces = gpd.overlay(g[["kode", "kommune", "population", "geometry"]],
                         kom[["kode", "geometry"]].rename(columns={"kode": "k2"}), how="intersection",
                         keep_geom_type=True)
    pieces["a"] = pieces.area
    area_in = pieces.groupby("kode")["a"].sum()
    area_own = pieces[pieces["kommune"] == pieces["k2"]].groupby("kode")["a"].sum()
    share_out = (1 - area_own.reindex(area_in.index).fillna(0) / area_in)
    g = g.set_index("kode")
    g["share_out"] = share_out
    cross = g[g["share_out"] > CROSS_MIN_SHARE]
    moved = float((cross["population"] * cross["share_out"]).sum())
    lines = [f"{len(g):,} sogne; {int(missing.sum())} visual-centre point(s) outside every DAGI kommune polygon "
             f"(snapped to the nearest kommune)",
             f"{len(cross)} sogne have more than {CROSS_MIN_SHARE:.0%} of their area outside the kommune that holds "
             f"their point; they have {int(cross['population'].sum()):,} inhabitants, of whom about "
             f"{moved:,.0f} (area-weighted ESTIMATE) live in the other kommune's part and are counted in the "
             f"point's kommune"]
    for kode, r in cross.sort_values("share_out", ascending=False).iterrows():
        lines.append(f"  - {kode} {r['navn']}: {r['share_out']:.0%} of the area outside kommune {r['kommune']}, "
                     f"{int(r['population']):,} inhabitants")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="folder with the dagir-sogne files (see its PROVENANCE.md)")
    ap.add_argument("--write", action="store_true", help=f"write the shipped files to {OUT_DIR}")
    args = ap.parse_args(argv)
    gpkg = args.source / "dagir_sogne_2021.gpkg"
    if args.write:
        OUT_DIR.mkdir(exist_ok=True)
        points_from_gpkg(gpkg).to_parquet(OUT_DIR / POINTS_NAME, index=False, compression="zstd")
        for name in COPIED:
            shutil.copyfile(args.source / name, OUT_DIR / name)
        print(f"wrote {OUT_DIR / POINTS_NAME} and {len(COPIED)} CSV files")
    print(border_report(gpkg))
    pd.set_option("display.width", 120)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
