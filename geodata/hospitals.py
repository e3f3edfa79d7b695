"""The 21 akutsygehuse and the 2019 proposal's baseline catchments (Table B.1)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC
from sundhed.geodata.names import official_name

AKUT_FILE = data_path("akutsygehuse", "akutsygehuse_21.csv")
GISCO_FILE = data_path("gisco", "DK_hospitals.csv")
RELOCATED_FILE = data_path("project", "relocated_hospitals.csv")
TABLE_B1_FILE = data_path("baseline", "table_b1_2019.csv")

#: Short display names (the town of the acute site, as in the 2024 analysis' Table 1.1), by akut_id.
SHORT_NAMES: dict[int, str] = {
    1: "Bispebjerg", 2: "Hvidovre", 3: "Herlev", 4: "Hillerød", 5: "Bornholm", 6: "Køge",
    7: "Holbæk", 8: "Slagelse", 9: "Nykøbing F", 10: "Aarhus", 11: "Viborg", 12: "Gødstrup",
    13: "Randers", 14: "Horsens", 15: "Odense", 16: "Aabenraa", 17: "Esbjerg", 18: "Kolding",
    19: "Aalborg", 20: "Hjørring", 21: "Thisted",
}
#: "Akutsygehus med særlig geografi" (2024 analysis): natural exceptions to the size band.
SPECIAL_GEOGRAPHY = ("Bornholm", "Thisted", "Nykøbing F")


def load_akutsygehuse(kommuner: gpd.GeoDataFrame, sites: str = "current",
                      path=AKUT_FILE, gisco_path=GISCO_FILE, relocated_path=RELOCATED_FILE) -> gpd.GeoDataFrame:
    """The 21 akutsygehuse as points (EPSG:25832).

    ``sites="2018"`` uses the GISCO 2018 coordinates; ``"current"`` (default) replaces the four
    relocated hospitals (Gødstrup, Aalborg Øst, Nyt OUH, Nyt Hospital Nordsjælland) by the
    hand-placed points in geodata/data/project/relocated_hospitals.csv (quality in ``coord_quality``).
    Columns: ``akut_id``, ``navn`` (short), ``fuldt_navn``, ``region``, ``kode`` (host kommune),
    ``lat``, ``lon``, ``coord_source``, ``saerlig_geografi`` (bool), geometry.
    """
    if sites not in ("2018", "current"):
        raise ValueError(f"sites must be '2018' or 'current', got {sites!r}")
    df = read_csv_checked(path, ["akut_id", "akutsygehus", "region", "gisco_id", "lat", "lon"], dtype=str)
    df["akut_id"] = numeric_column(df, "akut_id", path, integer=True)
    df["gisco_id"] = numeric_column(df, "gisco_id", path, integer=True)
    df["lat"] = numeric_column(df, "lat", path, minimum=54.0)
    df["lon"] = numeric_column(df, "lon", path, minimum=7.5)
    gisco = read_csv_checked(gisco_path, ["id", "lat", "lon"], dtype=str)
    gisco_id = numeric_column(gisco, "id", gisco_path, integer=True)
    gisco_lat = dict(zip(gisco_id, numeric_column(gisco, "lat", gisco_path)))
    gisco_lon = dict(zip(gisco_id, numeric_column(gisco, "lon", gisco_path)))
    for i, row in df.iterrows():
        gid = row["gisco_id"]
        if gid not in gisco_lat:
            raise DataError(path, f"gisco_id {gid} not found in {gisco_path.name}", row=i + 1)
        if abs(gisco_lat[gid] - row["lat"]) > 1e-4 or abs(gisco_lon[gid] - row["lon"]) > 1e-4:
            raise DataError(path, f"coordinates differ from GISCO id {gid}", row=i + 1)
    if set(df["akut_id"]) != set(SHORT_NAMES):
        raise DataError(path, f"expected akut_id 1..21, got {sorted(df['akut_id'])}")
    df["coord_source"] = "Eurostat/GISCO 2018 (Sundheds- og Ældreministeriet)"
    if sites == "current":
        rel = read_csv_checked(relocated_path, ["akut_id", "site_name", "lat", "lon", "coord_quality"], dtype=str)
        rel_id = numeric_column(rel, "akut_id", relocated_path, integer=True)
        rel_lat = numeric_column(rel, "lat", relocated_path)
        rel_lon = numeric_column(rel, "lon", relocated_path)
        for j, aid in enumerate(rel_id):
            hit = df["akut_id"] == aid
            if not hit.any():
                raise DataError(relocated_path, f"akut_id {aid} is not an akutsygehus", row=j + 1)
            df.loc[hit, ["lat", "lon"]] = [rel_lat.iloc[j], rel_lon.iloc[j]]
            df.loc[hit, "coord_source"] = (f"{rel['site_name'].iloc[j]}: {rel['coord_quality'].iloc[j]} "
                                           "(project file relocated_hospitals.csv)")
    df["navn"] = df["akut_id"].map(SHORT_NAMES)
    df["fuldt_navn"] = df["akutsygehus"]
    df["saerlig_geografi"] = df["navn"].isin(SPECIAL_GEOGRAPHY)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=CRS_MAP).to_crs(CRS_METRIC)
    host = gpd.sjoin(gdf[["akut_id", "geometry"]], kommuner[["kode", "geometry"]], how="left",
                     predicate="within").drop_duplicates("akut_id").set_index("akut_id")["kode"]
    gdf["kode"] = gdf["akut_id"].map(host)
    if gdf["kode"].isna().any():
        bad = gdf.loc[gdf["kode"].isna(), "navn"].tolist()
        raise DataError(path, f"hospital site(s) outside every kommune polygon: {bad}")
    gdf["kode"] = gdf["kode"].astype("int64")
    cols = ["akut_id", "navn", "fuldt_navn", "region", "kode", "lat", "lon", "coord_source", "saerlig_geografi",
            "geometry"]
    return gdf[cols].sort_values("akut_id").reset_index(drop=True)


def load_table_b1(kommuner: pd.DataFrame, hospitals: pd.DataFrame,
                  path=TABLE_B1_FILE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The official 2019 catchments (Table B.1).

    Returns ``(assignment, table)``: ``assignment`` has one row per kommune (``kode``, ``navn``,
    ``akut_id``, ``catchment`` = hospital short name, ``b1_nr``); ``table`` has one row per catchment
    with Table B.1's own figures (``befolkning_2018_01_01``, ``almen_praksis_kapaciteter``,
    ``antal_kommuner``) and the ``akut_id`` it belongs to. A B.1 row is matched to the hospital
    whose site lies in one of its kommuner (exactly one must).
    """
    df = read_csv_checked(path, ["nr", "akutsygehus", "region", "befolkning_2018_01_01",
                                 "almen_praksis_kapaciteter", "antal_kommuner", "kommuner"], dtype=str)
    df["nr"] = numeric_column(df, "nr", path, integer=True)
    for c in ("befolkning_2018_01_01", "almen_praksis_kapaciteter", "antal_kommuner"):
        df[c] = numeric_column(df, c, path, integer=True, minimum=0)
    code_by_name = dict(zip(kommuner["navn"], kommuner["kode"]))
    host_to_akut = dict(zip(hospitals["kode"], hospitals["akut_id"]))
    rows, akut_of_nr = [], {}
    for i, r in df.iterrows():
        names = [official_name(n) for n in str(r["kommuner"]).split(";") if n.strip()]
        if len(names) != r["antal_kommuner"]:
            raise DataError(path, f"lists {len(names)} kommuner but antal_kommuner = {r['antal_kommuner']}", row=i + 1)
        codes = []
        for n in names:
            if n not in code_by_name:
                raise DataError(path, f"unknown kommune name {n!r}", row=i + 1)
            codes.append(code_by_name[n])
        hosts = [host_to_akut[c] for c in codes if c in host_to_akut]
        if len(set(hosts)) != 1:
            raise DataError(path, f"catchment must contain exactly one akutsygehus site, found {len(set(hosts))}",
                            row=i + 1)
        akut_of_nr[r["nr"]] = hosts[0]
        rows += [(c, r["nr"], hosts[0]) for c in codes]
    assignment = pd.DataFrame(rows, columns=["kode", "b1_nr", "akut_id"])
    dup = assignment["kode"].duplicated()
    if dup.any():
        raise DataError(path, f"kommune code(s) in more than one catchment: {assignment.loc[dup, 'kode'].tolist()}")
    missing = sorted(set(kommuner["kode"]) - set(assignment["kode"]))
    if missing:
        raise DataError(path, f"kommune code(s) in no catchment: {missing}")
    assignment["catchment"] = assignment["akut_id"].map(SHORT_NAMES)
    assignment = assignment.merge(kommuner[["kode", "navn"]], on="kode").sort_values("kode").reset_index(drop=True)
    table = df.drop(columns=["kommuner"]).rename(columns={"nr": "b1_nr", "akutsygehus": "b1_navn"})
    table["akut_id"] = table["b1_nr"].map(akut_of_nr)
    table["catchment"] = table["akut_id"].map(SHORT_NAMES)
    return assignment[["kode", "navn", "akut_id", "catchment", "b1_nr"]], table
