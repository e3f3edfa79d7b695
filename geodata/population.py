"""Population per kommune (Statistics Denmark, as republished by Statens Serum Institut)."""
from __future__ import annotations

import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.names import BORNHOLM, CHRISTIANSOE, official_name

POP_2020_FILE = data_path("ssi", "Municipality_test_pos_2020-11-10.csv")
POP_2022_FILE = data_path("ssi", "Vaccinationsdaekning_kommune_2022-03-08.csv")
AGE_DK_2022_FILE = data_path("ssi", "Vaccinationer_DK_fnkt_alder_koen_2022-03-08.csv")
#: DST's published national total for 1 January 2020 (FOLK1A 2020K1), inhabitants.
DST_TOTAL_2020 = 5_822_763


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


def national_age_shares_2022(path=AGE_DK_2022_FILE) -> dict[str, float]:
    """National shares of inhabitants aged 65–79 and 80+ on 8 Mar 2022 (SSI age table)."""
    df = read_csv_checked(path, ["Aldersgruppe", "Antal borgere"], sep=";", dtype=str)
    n = numeric_column(df, "Antal borgere", path, integer=True, minimum=0)
    by_age = n.groupby(df["Aldersgruppe"].str.strip()).sum()
    total = float(by_age.sum())
    for g in ("65-79", "80+"):
        if g not in by_age.index:
            raise DataError(path, f"age group {g!r} missing")
    return {"65-79": by_age["65-79"] / total, "80+": by_age["80+"] / total}


AGE_REGION_2022_FILE = data_path("ssi", "Vaccinationer_region_fnkt_alder_koen_2022-03-08.csv")
REGION_POP_2022_FILE = data_path("ssi", "Vaccinationer_regioner_befolk_2022-03-08.csv")


def regional_age_shares_2022(age_dk_path=AGE_DK_2022_FILE, age_region_path=AGE_REGION_2022_FILE,
                             region_pop_path=REGION_POP_2022_FILE) -> pd.DataFrame:
    """ESTIMATED shares of 65+ and 80+ per region (2022), a proxy for kommune age structure.

    The region file counts vaccinated persons, not inhabitants. Inhabitants per region and age
    group are estimated as vaccinated / national coverage of that age group (coverage ≈ 97 % at
    65+), then divided by the region's inhabitants. Columns: ``region``,
    ``andel_65plus_estimeret``, ``andel_80plus_estimeret``.
    """
    dk = read_csv_checked(age_dk_path, ["Aldersgruppe", "Antal første vacc.", "Antal borgere"], sep=";", dtype=str)
    dk_v = numeric_column(dk, "Antal første vacc.", age_dk_path, integer=True, minimum=0)
    dk_n = numeric_column(dk, "Antal borgere", age_dk_path, integer=True, minimum=0)
    ages = dk["Aldersgruppe"].str.strip()
    coverage = dk_v.groupby(ages).sum() / dk_n.groupby(ages).sum()
    reg = read_csv_checked(age_region_path, ["Regionsnavn", "Aldersgruppe", "Antal første vacc."], sep=";", dtype=str)
    reg_v = numeric_column(reg, "Antal første vacc.", age_region_path, integer=True, minimum=0)
    reg = reg.assign(v=reg_v, age=reg["Aldersgruppe"].str.strip(), region=reg["Regionsnavn"].str.strip())
    est = reg.groupby(["region", "age"])["v"].sum().unstack("age")
    pop = read_csv_checked(region_pop_path, ["Regionsnavn", "Antal borgere"], sep=";", dtype=str)
    pop_n = numeric_column(pop, "Antal borgere", region_pop_path, integer=True, minimum=1)
    pop_n.index = pop["Regionsnavn"].str.strip()
    inhabitants_65_79 = est["65-79"] / coverage["65-79"]
    inhabitants_80 = est["80+"] / coverage["80+"]
    out = pd.DataFrame({
        "andel_65plus_estimeret": (inhabitants_65_79 + inhabitants_80) / pop_n,
        "andel_80plus_estimeret": inhabitants_80 / pop_n,
    })
    if out.isna().any().any():
        raise DataError(age_region_path,
                        f"regions do not match {region_pop_path}: {sorted(out.index[out.isna().any(axis=1)])}")
    return out.rename_axis("region").reset_index()


def estimate_elderly(pop: pd.DataFrame, regional_shares: pd.DataFrame) -> pd.DataFrame:
    """Add ``aeldre_65plus_estimeret`` and ``aeldre_80plus_estimeret`` (inhabitants, MODELLED).

    No kommune × age table ships with the project: each kommune's 2020 population is multiplied
    by its region's estimated 2022 share (:func:`regional_age_shares_2022`). ``pop`` needs
    ``befolkning_2020`` and ``region``. The column names say "estimeret" on purpose.
    """
    out = pop.merge(regional_shares, on="region", how="left", validate="many_to_one")
    if out["andel_65plus_estimeret"].isna().any():
        bad = sorted(out.loc[out["andel_65plus_estimeret"].isna(), "region"].unique())
        raise DataError(None, f"no age-share estimate for region(s) {bad}")
    out["aeldre_65plus_estimeret"] = (out["befolkning_2020"] * out["andel_65plus_estimeret"]).round().astype("int64")
    out["aeldre_80plus_estimeret"] = (out["befolkning_2020"] * out["andel_80plus_estimeret"]).round().astype("int64")
    return out.drop(columns=["andel_65plus_estimeret", "andel_80plus_estimeret"])
