"""Real prehospital bases by town (partial, dated), geocoded to the shipped GeoNames places.

The source (``../shared/data/raw/compiled-prehospital-bases/prehospital_bases_compiled.csv``, compiled by hand
from regional web pages and newspapers, 2014–2024) names towns, not coordinates. :func:`geocode_bases`
matches each town to ``geodata/data/geonames/dk_places_pop500.csv`` by these rules, in order, and records
which rule matched (column ``match``):

1. ``name``: the town equals a GeoNames name or alternate name (case-insensitive; ``Aarhus`` = ``Århus``);
2. ``detail``: a parenthesised place is tried first (``Odense S (Dalum)`` -> ``Dalum``, then ``Odense S``);
3. ``spelling``: ``Nr.`` -> ``Nørre``, ``Sdr.`` -> ``Sønder``, ``å`` -> ``aa``, a postal district letter
   dropped (``Odense C`` -> ``Odense``), a leading ``Kirke`` added (``Hvalsø`` -> ``Kirke Hvalsø``), and the
   alias ``Nykøbing F`` -> ``Nykøbing Falster``;
4. ``kommune``: the name is a kommune's (``Ærø``, ``Fanø``): that kommune's largest GeoNames place
   (approximate: the base's town in the kommune is not known).

Several GeoNames places of one name: the one in the row's region. Every name no rule matches is kept
in the ``failed`` list (never guessed). The shipped result is ``geodata/data/project/prehospital_bases.csv``
(regenerate with ``python -m sundhed.geodata.bases RAW_CSV``); its PROVENANCE lists the failures.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sundhed.geodata.errors import DataError
from sundhed.geodata.io import data_path, numeric_column, read_csv_checked
from sundhed.geodata.kommuner import CRS_MAP, CRS_METRIC

BASES_FILE = data_path("project", "prehospital_bases.csv")
GEONAMES_FILE = data_path("geonames", "dk_places_pop500.csv")
RAW_COLUMNS = ["region", "unit_type", "town", "detail", "as_of", "source_url"]
#: GeoNames admin1 codes -> region.
ADMIN1_REGION = {17: "Hovedstaden", 18: "Midtjylland", 19: "Nordjylland", 20: "Sjælland", 21: "Syddanmark"}
#: Spellings of region names in the source -> the project's.
REGION_SPELLING = {"Sjaelland": "Sjælland", "ALL": "ALL"}
#: The one explicit alias (a common short form GeoNames does not carry).
ALIASES = {"nykøbing f": "nykøbing falster"}
#: Ambulance stations of the source's Region Syddanmark 2015 tender list.
SYDDANMARK_2015 = ("Syddanmark", "ambulancestation", "2015-09")
SHIPPED_COLUMNS = ["region", "unit_type", "town", "detail", "as_of", "source_url", "geonameid", "geonames_navn",
                   "match", "kode", "lat", "lon"]


def _key(s: str) -> str:
    return unicodedata.normalize("NFC", str(s)).strip().casefold()


def _variants(town: str) -> list[tuple[str, str]]:
    """Candidate spellings of ``town`` with the rule that produced each, in the order they are tried."""
    out: list[tuple[str, str]] = [(town, "name")]
    m = re.match(r"^(.*?)\s*\((.+)\)\s*$", town)
    base = town
    if m:
        base = m.group(1).strip()
        out = [(m.group(2).strip(), "detail"), (base, "detail")]
    spelled = []
    for v in dict.fromkeys([base] + [x for x, _ in out]):
        w = re.sub(r"\bNr\.\s*", "Nørre ", v)
        w = re.sub(r"\bSdr\.\s*", "Sønder ", w)
        spelled += [w, w.replace("å", "aa").replace("Å", "Aa"), re.sub(r"\s+[A-ZÆØÅ]$", "", w), "Kirke " + w]
        if _key(w) in ALIASES:
            spelled.append(ALIASES[_key(w)])
    out += [(s, "spelling") for s in spelled]
    return list(dict.fromkeys(out))


def _geonames(path=GEONAMES_FILE, kommuner: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    df = read_csv_checked(path, ["geonameid", "name", "latitude", "longitude", "population", "admin1code"], dtype=str)
    df["geonameid"] = numeric_column(df, "geonameid", path, integer=True)
    df["lat"] = numeric_column(df, "latitude", path)
    df["lon"] = numeric_column(df, "longitude", path)
    df["population"] = numeric_column(df, "population", path, integer=True, minimum=0)
    df["region"] = numeric_column(df, "admin1code", path, integer=True).map(ADMIN1_REGION)
    df["alternatenames"] = df.get("alternatenames", pd.Series("", index=df.index)).fillna("")
    if kommuner is not None:
        pts = gpd.GeoDataFrame(df[["geonameid"]], geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                               crs=CRS_MAP).to_crs(CRS_METRIC)
        j = gpd.sjoin(pts, kommuner[["kode", "geometry"]], how="left", predicate="within")
        j = j[~j.index.duplicated()]
        df["kode"] = j["kode"].to_numpy()
    return df


def geocode_bases(raw_path: str | Path, kommuner: gpd.GeoDataFrame,
                  geonames_path=GEONAMES_FILE) -> tuple[pd.DataFrame, list[dict]]:
    """One row per (base, town) of the source, geocoded (columns :data:`SHIPPED_COLUMNS`), and the list of
    names that failed (``{"region", "unit_type", "town", "as_of"}``). A row naming several towns
    (``"Assens;Bogense;..."``) becomes one row per town."""
    raw = read_csv_checked(raw_path, RAW_COLUMNS, dtype=str).fillna("")
    gn = _geonames(geonames_path, kommuner)
    index: dict[str, list[int]] = {}
    for r, (name, alts) in enumerate(zip(gn["name"], gn["alternatenames"])):
        for n in [name] + [a for a in str(alts).split("|") if a]:
            index.setdefault(_key(n), [])
            if r not in index[_key(n)]:
                index[_key(n)].append(r)
    kom_largest = {}
    if "kode" in gn:
        by = gn.dropna(subset=["kode"]).sort_values(["population", "geonameid"], ascending=[False, True])
        by = by.drop_duplicates("kode")
        names = dict(zip(kommuner["kode"].astype(int), kommuner["navn"]))
        kom_largest = {_key(names[int(k)]): r for k, r in zip(by["kode"], by.index) if int(k) in names}

    rows, failed = [], []
    for _, b in raw.iterrows():
        region = REGION_SPELLING.get(b["region"], b["region"])
        for town in [t.strip() for t in b["town"].split(";") if t.strip()]:
            hit, rule = None, None
            for v, rl in _variants(town):
                cands = index.get(_key(v), [])
                if cands:
                    inreg = [c for c in cands if gn.at[c, "region"] == region] or cands
                    hit = max(inreg, key=lambda c: (gn.at[c, "population"], -gn.at[c, "geonameid"]))
                    rule = rl
                    break
            if hit is None and _key(town) in kom_largest:
                hit, rule = kom_largest[_key(town)], "kommune"
            if hit is None:
                failed.append({"region": region, "unit_type": b["unit_type"], "town": town, "as_of": b["as_of"]})
                continue
            g = gn.loc[hit]
            rows.append({"region": region, "unit_type": b["unit_type"], "town": town, "detail": b["detail"],
                         "as_of": b["as_of"], "source_url": b["source_url"], "geonameid": int(g["geonameid"]),
                         "geonames_navn": g["name"], "match": rule,
                         "kode": int(g["kode"]) if "kode" in g and pd.notna(g["kode"]) else None,
                         "lat": float(g["lat"]), "lon": float(g["lon"])})
    return pd.DataFrame(rows, columns=SHIPPED_COLUMNS), failed


def load_bases(path=BASES_FILE) -> pd.DataFrame:
    """The shipped, geocoded bases (columns :data:`SHIPPED_COLUMNS`; ``lat``/``lon`` WGS84 = the GeoNames
    place's, ``x``/``y`` EPSG:25832 added). Raises :class:`DataError` on a bad file."""
    df = read_csv_checked(path, SHIPPED_COLUMNS, dtype=str).fillna("")
    df["lat"] = numeric_column(df, "lat", path)
    df["lon"] = numeric_column(df, "lon", path)
    df["geonameid"] = numeric_column(df, "geonameid", path, integer=True)
    df["kode"] = numeric_column(df, "kode", path, integer=True)
    if not (df["lat"].between(54.4, 57.9) & df["lon"].between(7.9, 15.3)).all():
        raise DataError(path, "a base lies outside Denmark (lat 54.4–57.9, lon 7.9–15.3)")
    pts = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=CRS_MAP).to_crs(CRS_METRIC)
    return df.assign(x=pts.x.to_numpy(), y=pts.y.to_numpy())


def syddanmark_station_list(bases: pd.DataFrame) -> pd.DataFrame:
    """Region Syddanmark's 2015 ambulance stations as a station list (``id``, ``navn``, ``lat``, ``lon``,
    ``enheder``) for ``akutbiler.station_list``: one station per distinct geocoded place of the tender list
    (Odense C and Odense S (Dalum) both geocode to Odense: one station with ``enheder`` = 2; every other
    station one unit, since the source gives no unit counts)."""
    r, kind, as_of = SYDDANMARK_2015
    sel = bases[(bases["region"] == r) & (bases["unit_type"] == kind) & (bases["as_of"] == as_of)]
    g = sel.groupby("geonameid", sort=False).agg(navn=("town", " / ".join), lat=("lat", "first"),
                                                 lon=("lon", "first"), enheder=("town", "size")).reset_index()
    return pd.DataFrame({"id": [f"SD{i + 1:02d}" for i in range(len(g))], "navn": g["navn"].to_numpy(),
                         "lat": g["lat"].astype(float).round(5).to_numpy(),
                         "lon": g["lon"].astype(float).round(5).to_numpy(), "enheder": g["enheder"].to_numpy()})


def main(argv: list[str] | None = None) -> int:
    """``python -m sundhed.geodata.bases RAW_CSV [OUT_CSV]``: regenerate the shipped file, print failures."""
    from sundhed.geodata.kommuner import load_kommuner

    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m sundhed.geodata.bases RAW_CSV [OUT_CSV]", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else BASES_FILE
    df, failed = geocode_bases(argv[0], load_kommuner())
    df.to_csv(out, index=False)
    print(f"wrote {out}: {len(df)} geocoded (base, town) rows; {len(failed)} names failed:")
    for f in failed:
        print(f"  {f['region']}, {f['unit_type']}, {f['town']} ({f['as_of']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
