"""The 2027 structure: four regions and the 17 sundhedsråd (health councils), kommune by kommune.

``regions_year`` chooses the region set the models and maps use: 2019 = the five regions (Hovedstaden,
Sjælland, Syddanmark, Midtjylland, Nordjylland), 2027 = the four of the 2024 reform (Region Østdanmark =
Hovedstaden + Sjælland). :func:`with_regions` gives a view of the dataset with the chosen set in every
``region`` column, so Model 1's region rule, the region scope of Models 2 and 3 and the maps all follow it.

The councils file (``geodata/data/sundhedsraad_2027/``) lists each kommune's sundhedsråd; two placements
are unverified (:data:`UNVERIFIED`, see its PROVENANCE.md) and are marked wherever they are shown.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.names import BORNHOLM, CHRISTIANSOE

COUNCILS_FILE = data_path("sundhedsraad_2027", "sundhedsraad_kommuner.csv")

REGIONS_2019 = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")
REGIONS_2027 = ("Nordjylland", "Midtjylland", "Syddanmark", "Østdanmark")
REGIONS_BY_YEAR: dict[int, tuple[str, ...]] = {2019: REGIONS_2019, 2027: REGIONS_2027}
#: 2019 region -> 2027 region.
REGION_2027_OF: dict[str, str] = {"Hovedstaden": "Østdanmark", "Sjælland": "Østdanmark",
                                  "Syddanmark": "Syddanmark", "Midtjylland": "Midtjylland",
                                  "Nordjylland": "Nordjylland"}
_REGION_IDS = {"nordjylland": "Nordjylland", "midtjylland": "Midtjylland", "syddanmark": "Syddanmark",
               "oestdanmark": "Østdanmark", "østdanmark": "Østdanmark"}
#: Kommuner whose council placement could not be checked against an official page (PROVENANCE.md).
UNVERIFIED: dict[int, str] = {350: "Lejre", 230: "Rudersdal"}


def load_councils(kommuner: pd.DataFrame, path=COUNCILS_FILE) -> pd.DataFrame:
    """One row per kommune: ``kode``, ``navn``, ``sundhedsraad`` (name), ``sundhedsraad_id``,
    ``region_2027``, ``uverificeret`` (bool: placement not checked against an official page).

    Raises :class:`DataError` (one line, naming file and row) for an unknown kommune code, a kommune in
    two councils, a kommune in none, an unknown region or a council spread over two regions.
    """
    df = read_csv_checked(path, ["sundhedsraad", "kommunekode", "region_2027"], dtype=str)
    df["kode"] = numeric_column(df, "kommunekode", path, integer=True)
    df.loc[df["kode"] == CHRISTIANSOE, "kode"] = BORNHOLM
    known = dict(zip(kommuner["kode"].astype(int), kommuner["navn"]))
    for i, (k, c) in enumerate(zip(df["kode"], df["sundhedsraad"])):
        if int(k) not in known:
            raise DataError(path, f"unknown kommune code {int(k)} in council {c!r}", row=i + 1)
    dup = df[df["kode"].duplicated(keep=False)]
    if not dup.empty:
        k = int(dup["kode"].iloc[0])
        where = " and ".join(repr(c) for c in dup.loc[dup["kode"] == k, "sundhedsraad"])
        raise DataError(path, f"kommune {known[k]} ({k}) is in two councils: {where}",
                        row=int(dup.index[1]) + 1)
    missing = sorted(set(known) - set(df["kode"]))
    if missing:
        raise DataError(path, "kommune(r) in no council: " + ", ".join(f"{known[k]} ({k})" for k in missing))
    if df["sundhedsraad"].str.strip().eq("").any():
        raise DataError(path, "empty council name", row=int(df.index[df["sundhedsraad"].str.strip().eq("")][0]) + 1)
    reg = df["region_2027"].str.strip().str.lower().map(_REGION_IDS)
    if reg.isna().any():
        i = int(reg.isna().to_numpy().nonzero()[0][0])
        raise DataError(path, f"unknown 2027 region {df['region_2027'].iloc[i]!r}; allowed: "
                              f"{', '.join(sorted(_REGION_IDS))}", row=i + 1)
    df["region_2027"] = reg
    spread = df.groupby("sundhedsraad")["region_2027"].nunique()
    if (spread > 1).any():
        raise DataError(path, f"council {spread[spread > 1].index[0]!r} spans two regions")
    if "region" in kommuner:
        r19 = dict(zip(kommuner["kode"].astype(int), kommuner["region"]))
        for i, (k, r) in enumerate(zip(df["kode"], df["region_2027"])):
            if REGION_2027_OF.get(r19[int(k)], r19[int(k)]) != r:
                raise DataError(path, f"kommune {known[int(k)]} lies in region {r19[int(k)]} (2019), which is "
                                      f"not part of {r} (2027)", row=i + 1)
    if "sundhedsraad_id" not in df:
        df["sundhedsraad_id"] = df["sundhedsraad"].str.lower().str.replace(" ", "-")
    df["navn"] = df["kode"].map(known)
    df["uverificeret"] = df["kode"].isin(list(UNVERIFIED))
    out = df[["kode", "navn", "sundhedsraad", "sundhedsraad_id", "region_2027", "uverificeret"]]
    return out.sort_values("kode").reset_index(drop=True)


def region_names(year: int) -> tuple[str, ...]:
    """The region names of ``year`` (2019 or 2027)."""
    if year not in REGIONS_BY_YEAR:
        raise ValueError(f"regions_year must be 2019 or 2027, got {year!r}")
    return REGIONS_BY_YEAR[year]


def region_of_year(region_2019: str, year: int) -> str:
    """A 2019 region name in the region set of ``year``."""
    region_names(year)
    return region_2019 if year == 2019 else REGION_2027_OF[region_2019]


def with_regions(ds, year: int):
    """The dataset with ``year``'s region set in ``kommuner.region`` and ``hospitals.region`` (2019: ``ds``
    itself). Everything else, including the cached travel-time matrices, is shared."""
    region_names(year)
    if ds.regions_year == year:
        return ds
    if ds.regions_year != 2019:
        raise ValueError(f"dataset already uses the {ds.regions_year} regions")
    kom = ds.kommuner.copy()
    kom["region"] = kom["region"].map(REGION_2027_OF)
    hosp = ds.hospitals.copy()
    hosp["region"] = hosp["region"].map(REGION_2027_OF)
    return dataclasses.replace(ds, kommuner=kom, hospitals=hosp, _matrices=ds._matrices, regions_year=year)
