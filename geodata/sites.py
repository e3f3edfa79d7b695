"""Candidate-site ids shared by the house and akutbil models: ``T<geonameid>`` for a GeoNames town and
``H<akut_id>`` for an akutsygehus site. Resolves the names users write in config files to those ids and
gives the coordinates of any id (for maps)."""
from __future__ import annotations

import re
from typing import Iterable, Sequence

import pandas as pd

_ID = re.compile(r"^[TH]\d+$")


def resolve_site_ids(ds, names: Iterable[str], *, extra_ids: Sequence[str] = (), what: str = "site") -> list[str]:
    """Map town names (case-insensitive GeoNames ``navn``, e.g. ``"Skagen"``) or ids (``T<geonameid>``,
    ``H<akut_id>``, or one of ``extra_ids`` such as station-list ids) to ids. Raises ValueError naming an
    unknown name, or an ambiguous one with its candidates and their kommuner."""
    towns = ds.towns
    by_name: dict[str, list[int]] = {}
    for g, n in zip(towns["geonameid"], towns["navn"]):
        by_name.setdefault(str(n).casefold(), []).append(int(g))
    known_t = set(int(g) for g in towns["geonameid"])
    known_h = set(int(a) for a in ds.hospitals["akut_id"])
    kname = dict(zip(ds.kommuner["kode"].astype(int), ds.kommuner["navn"]))
    kode_of = dict(zip(towns["geonameid"].astype(int), towns["kode"].astype(int)))
    out = []
    for raw in names:
        name = str(raw).strip()
        if name in extra_ids:
            out.append(name)
        elif _ID.match(name):
            ok = int(name[1:]) in (known_t if name[0] == "T" else known_h)
            if not ok:
                raise ValueError(f"unknown {what} id {name!r}: no such "
                                 f"{'GeoNames town' if name[0] == 'T' else 'akutsygehus'}")
            out.append(name)
        else:
            hits = by_name.get(name.casefold(), [])
            if not hits:
                raise ValueError(f"unknown {what} {name!r}: not a GeoNames town name; use the town's name as in "
                                 "geodata/data/geonames or an id T<geonameid> / H<akut_id>")
            if len(hits) > 1:
                opts = ", ".join(f"T{g} ({kname[kode_of[g]]})" for g in hits)
                raise ValueError(f"{what} name {name!r} is ambiguous: {opts}; write the id instead")
            out.append(f"T{hits[0]}")
    return out


def sites_frame(ds, ids: Iterable[str], extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """``id``, ``navn``, ``kode``, ``x``, ``y`` (EPSG:25832) for ids in the given order (duplicates dropped):
    ``T<geonameid>`` (GeoNames town), ``H<akut_id>`` (akutsygehus, with its full name), demand point ids
    (``ds.demand.punkt_id``) and the ids of ``extra`` (a frame with the same columns, e.g. a station list).
    Unknown ids raise ValueError."""
    t, h, d = ds.towns, ds.hospitals, ds.demand
    full = h["fuldt_navn"] if "fuldt_navn" in h else h["navn"]
    rows = {str(i): (n, int(k), p.x, p.y) for i, n, k, p in zip(d["punkt_id"], d["navn"], d["kode"], d.geometry)}
    rows.update({f"T{g}": (n, int(k), p.x, p.y)
                 for g, n, k, p in zip(t["geonameid"], t["navn"], t["kode"], t.geometry)})
    rows.update({f"H{a}": (n if pd.notna(n) else s, int(k), p.x, p.y)
                 for a, n, s, k, p in zip(h["akut_id"], full, h["navn"], h["kode"], h.geometry)})
    if extra is not None:
        rows.update({str(i): (n, int(k), x, y) for i, n, k, x, y in
                     zip(extra["id"], extra["navn"], extra["kode"], extra["x"], extra["y"])})
    ids = list(dict.fromkeys(str(i) for i in ids))
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise ValueError(f"unknown site id(s) {unknown[:10]}: expected 'T<geonameid>', 'H<akut_id>', a demand "
                         "point id or a station-list id")
    return pd.DataFrame([(i, *rows[i]) for i in ids], columns=["id", "navn", "kode", "x", "y"])


def candidate_sites(ds, min_town_pop: float, *, include: Sequence[str] = (), hospitals: bool = True,
                    extra: pd.DataFrame | None = None, scope: Iterable[int] | None = None) -> pd.DataFrame:
    """The candidate sites of the house and akutbil models (one rule, used by both): ``id``, ``navn``, ``kode``
    (kommune), ``kind`` (``town`` / ``hospital`` / ``station``), ``x``, ``y`` (EPSG:25832).

    GeoNames towns with at least ``min_town_pop`` inhabitants (``geonames_befolkning``) and any town named in
    ``include`` (ids ``T<geonameid>``) first, then the akutsygehus sites (``H<akut_id>``, if ``hospitals``),
    then the rows of ``extra`` (e.g. a station list with the same columns, and its ``enheder`` if given); only
    those in the kommuner of ``scope`` (codes; None = all of Denmark)."""
    t = ds.towns
    tid = [f"T{g}" for g in t["geonameid"]]
    t = t[(t["geonames_befolkning"].to_numpy(float) >= float(min_town_pop)) | pd.Series(tid, index=t.index)
          .isin(list(include)).to_numpy()]
    parts = [pd.DataFrame({"id": [f"T{g}" for g in t["geonameid"]], "navn": t["navn"].to_numpy(),
                           "kode": t["kode"].to_numpy(int), "kind": "town",
                           "x": t.geometry.x.to_numpy(), "y": t.geometry.y.to_numpy()})]
    if hospitals:
        h = ds.hospitals
        parts.append(pd.DataFrame({"id": [f"H{a}" for a in h["akut_id"]], "navn": h["navn"].to_numpy(),
                                   "kode": h["kode"].to_numpy(int), "kind": "hospital",
                                   "x": h.geometry.x.to_numpy(), "y": h.geometry.y.to_numpy()}))
    if extra is not None:
        parts.append(extra[["id", "navn", "kode", "kind", "x", "y"] +
                           [c for c in ("enheder",) if c in extra]])  # a station list's units (dispatch simulation)
    out = pd.concat(parts, ignore_index=True)
    if scope is not None:
        out = out[out["kode"].astype(int).isin({int(k) for k in scope})].reset_index(drop=True)
    return out
