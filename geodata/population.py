"""Population per kommune (Statistics Denmark: 2020 as republished by Statens Serum Institut, 2021 via dagir)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.names import BORNHOLM, CHRISTIANSOE, official_name

POP_2020_FILE = data_path("ssi", "Municipality_test_pos_2020-11-10.csv")
POP_2022_FILE = data_path("ssi", "Vaccinationsdaekning_kommune_2022-03-08.csv")
POP_2021_FILE = data_path("dagir", "kommuner_population_2021Q1.csv")
#: DST's published national total for 1 January 2020 (FOLK1A 2020K1), inhabitants.
DST_TOTAL_2020 = 5_822_763
#: DST's published national total for 1 January 2021 (FOLK1A 2021K1), inhabitants.
DST_TOTAL_2021 = 5_840_045
#: Population years the project ships (1 January of each), with DST's national total.
DST_TOTALS = {2020: DST_TOTAL_2020, 2021: DST_TOTAL_2021}
#: The default population year (config key ``data.population_year``).
DEFAULT_POPULATION_YEAR = 2021
#: Where each year's kommune figures come from (for reports).
POPULATION_SOURCES = {2020: "DST FOLK1A 2020K1 via Statens Serum Institut", 2021: "DST FOLK1A 2021K1 via dagir"}


def load_population_2020(path=POP_2020_FILE) -> pd.DataFrame:
    """Inhabitants per kommune on 1 Jan 2020 (DST FOLK1A 2020K1), Christiansø folded into Bornholm.

    Columns: ``kode``, ``navn``, ``befolkning_2020``.
    """
    df = read_csv_checked(path, ["Kommune_(id)", "Kommune_(navn)", "Befolkningstal"],
                          sep=";", encoding="utf-8-sig", dtype=str)
    codes = numeric_column(df, "Kommune_(id)", path, integer=True)
    pop = numeric_column(df.assign(Befolkningstal=df["Befolkningstal"].str.replace(".", "", regex=False)
                                   .str.strip()), "Befolkningstal", path, integer=True, minimum=0)
    out = pd.DataFrame({"kode": codes, "navn": df["Kommune_(navn)"].map(official_name),
                        "befolkning_2020": pop})
    dup = out["kode"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(path, f"kommune code {out['kode'].iloc[i]} appears twice", row=i + 1)
    out.loc[out["kode"] == CHRISTIANSOE, ["kode", "navn"]] = [BORNHOLM, "Bornholm"]
    out = out.groupby("kode", as_index=False).agg(navn=("navn", "first"), befolkning_2020=("befolkning_2020", "sum"))
    return out.sort_values("kode").reset_index(drop=True)


def load_population_2022(names_to_codes: dict[str, int], path=POP_2022_FILE) -> pd.DataFrame:
    """Inhabitants per kommune on 8 Mar 2022 (SSI "Antal borgere", CPR-based), joined by name.

    ``names_to_codes`` maps official names to codes; an unmatched name raises DataError.
    Columns: ``kode``, ``befolkning_2022``.
    """
    df = read_csv_checked(path, ["Kommunenavn", "Antal borgere"], sep=";", dtype=str)
    pop = numeric_column(df, "Antal borgere", path, integer=True, minimum=0)
    names = df["Kommunenavn"].map(official_name)
    codes = names.map(names_to_codes)
    if codes.isna().any():
        i = int(codes.isna().to_numpy().nonzero()[0][0])
        raise DataError(path, f"unknown kommune name {df['Kommunenavn'].iloc[i]!r}", row=i + 1)
    return pd.DataFrame({"kode": codes.astype("int64"), "befolkning_2022": pop})


def load_population_2021(path=POP_2021_FILE) -> pd.DataFrame:
    """Inhabitants per kommune on 1 Jan 2021 (DST FOLK1A 2021K1, via dagir), Christiansø folded into Bornholm.

    Columns: ``kode``, ``navn``, ``befolkning_2021``.
    """
    df = read_csv_checked(path, ["kode", "navn", "population"], dtype=str)
    codes = numeric_column(df, "kode", path, integer=True)
    pop = numeric_column(df, "population", path, integer=True, minimum=0)
    out = pd.DataFrame({"kode": codes, "navn": df["navn"].map(official_name), "befolkning_2021": pop})
    dup = out["kode"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(path, f"kommune code {out['kode'].iloc[i]} appears twice", row=i + 1)
    out.loc[out["kode"] == CHRISTIANSOE, ["kode", "navn"]] = [BORNHOLM, "Bornholm"]
    out = out.groupby("kode", as_index=False).agg(navn=("navn", "first"), befolkning_2021=("befolkning_2021", "sum"))
    return out.sort_values("kode").reset_index(drop=True)


def load_population(year: int) -> tuple[pd.DataFrame, Path]:
    """``(frame with kode, navn, befolkning_<year>, file)`` for a shipped population year (see DST_TOTALS)."""
    if year == 2020:
        return load_population_2020(), POP_2020_FILE
    if year == 2021:
        return load_population_2021(), POP_2021_FILE
    raise ValueError(f"population year {year} is not shipped; available: {sorted(DST_TOTALS)}")
