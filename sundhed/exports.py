"""``results.xlsx`` and ``results.gpkg`` beside the CSVs of a result folder.

* ``results.xlsx`` (openpyxl): one sheet per table, Danish headers, kommune names beside codes, numbers as
  numbers (so Danish Excel shows them with its own decimal comma), a ``Hovedtal`` sheet with the headline
  figures of :mod:`sundhed.maps.headline` (the numbers of summary.json).
* ``results.gpkg`` (GeoPackage, EPSG:25832): layer ``kommuner`` (the 98 kommune polygons with their
  assignment: catchment or sundhedsråd, and, per model, their figures), and one point layer per kind of site the
  plan adds
  (``nye_sundhedshuse``, ``nye_akutbiler``, ``nye_akutsygehuse``) plus ``akutsygehuse``.

The CSVs stay machine-readable (``,`` and ``.``); the xlsx is the file to open in Danish Excel.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sundhed.reports import MODEL_DIRS, model_summary, result_config, result_models

#: CSV column -> Danish header, per table.
HEADERS = {
    "assignment": {
        "kommune": "Kommune",
        "code": "Kommunekode",
        "catchment": "Sundhedsfællesskab",
        "region": "Region",
        "population": "Befolkning 1.1.{year}",
        "travel_minutes": "Minutter til akutsygehus",
        "moved": "Flyttet fra Tabel B.1",
        "baseline": "Sundhedsfællesskab i Tabel B.1",
    },
    "catchments": {
        "catchment": "Sundhedsfællesskab",
        "region": "Region",
        "kommuner": "Antal kommuner",
        "befolkning": "Befolkning 1.1.{year}",
        "band_status": "Befolkningsbånd",
        "connected": "Sammenhængende",
        "minutter_gns": "Gns. minutter til akutsygehus",
        "almen_praksis_kapaciteter": "Almen praksis-kapaciteter (Tabel B.1)",
        "colour": "Farve (hex)",
    },
    "council_assignment": {
        "kommune": "Kommune",
        "code": "Kommunekode",
        "catchment": "Sundhedsråd",
        "hospital": "Nærmeste akutsygehus i rådet",
        "region": "Region (2027)",
        "population": "Befolkning 1.1.{year}",
        "travel_minutes": "Minutter til akutsygehus i eget råd",
        "moved": "Flyttet fra 2027-rådet",
        "reference": "Sundhedsråd 2027 (vedtaget)",
        "unverified": "Vedtaget placering uverificeret",
    },
    "councils": {
        "name": "Sundhedsråd",
        "region": "Region (2027)",
        "kommuner": "Antal kommuner",
        "population": "Befolkning 1.1.{year}",
        "hospitals": "Akutsygehuse",
        "contiguous": "Sammenhængende",
        "cut_off": "Afskåret fra rådet",
        "band_status": "Befolkningsbånd",
        "minutes": "Gns. minutter til akutsygehus i eget råd",
        "unverified": "Uverificerede placeringer",
        "colour": "Farve (hex)",
    },
    "houses_sites": {
        "site_id": "Sted-id",
        "navn": "Sted",
        "site_index": "Indeks",
        "kommune": "Kommunekode",
        "kommune_navn": "Kommune",
        "type": "Hustype",
        "existing": "Eksisterende",
        "build_year": "Byggeår",
        "capacity": "Kapacitet (patienter)",
        "total_cost_mio_kr": "Anlægsudgift (mio. kr.)",
        "state_cost_mio_kr": "Statens andel (mio. kr.)",
        "kommune_cost_mio_kr": "Kommunens andel (mio. kr.)",
        "lat": "Breddegrad (WGS84)",
        "lon": "Længdegrad (WGS84)",
        "x": "X (EPSG:25832, m)",
        "y": "Y (EPSG:25832, m)",
    },
    "houses_kommuner": {
        "kommune": "Kommunekode",
        "kommune_navn": "Kommune",
        "weight": "Befolkning (sogne)",
        "covered_before": "Dækket før (indb.)",
        "covered_after": "Dækket efter (indb.)",
        "share_before": "Andel dækket før",
        "share_after": "Andel dækket efter",
        "mean_travel_before_min": "Gns. minutter før",
        "mean_travel_after_min": "Gns. minutter efter",
        "state_spend_mio_kr": "Statens udgift (mio. kr.)",
        "kommune_spend_mio_kr": "Kommunens udgift (mio. kr.)",
        "n_houses": "Nye huse",
    },
    "houses_catchments": {
        "catchment": "Sundhedsfællesskab",
        "weight": "Befolkning (sogne)",
        "covered_before": "Dækket før (indb.)",
        "covered_after": "Dækket efter (indb.)",
        "share_before": "Andel dækket før",
        "share_after": "Andel dækket efter",
        "mean_travel_before_min": "Gns. minutter før",
        "mean_travel_after_min": "Gns. minutter efter",
    },
    "ems_new_units": {
        "station_index": "Indeks",
        "station_id": "Station-id",
        "navn": "Sted",
        "cost_mio_kr": "Pris (mio. kr.)",
        "removal_value": "Tabt hvis fjernet (indb.)",
        "greedy_rank": "Valgt som nr.",
        "greedy_gain": "Ekstra dækket (indb.)",
        "lat": "Breddegrad (WGS84)",
        "lon": "Længdegrad (WGS84)",
        "x": "X (EPSG:25832, m)",
        "y": "Y (EPSG:25832, m)",
    },
}

#: (model, CSV path inside the folder, table key for HEADERS, sheet name).
SHEETS = [
    ("catchments", "assignment.csv", "assignment", "Kommuner"),
    ("catchments", "catchments.csv", "catchments", "Sundhedsfællesskaber"),
    ("councils", "assignment.csv", "council_assignment", "Kommuner"),
    ("councils", "councils.csv", "councils", "Sundhedsråd"),
    ("houses", "houses/sites.csv", "houses_sites", "Sundhedshuse"),
    ("houses", "houses/kommuner.csv", "houses_kommuner", "Huse pr. kommune"),
    ("houses", "houses/catchments.csv", "houses_catchments", "Huse pr. fællesskab"),
    ("akutbiler", "akutbiler/new_units.csv", "ems_new_units", "Nye akutbiler"),
    ("akutbiler", "akutbiler/regions.csv", "ems_regions", "Akutbiler pr. region"),
    ("akutbiler", "akutbiler/catchments.csv", "ems_catchments", "Akutbiler pr. fællesskab"),
]


def _ems_header(col: str) -> str:
    """``before_15`` -> ``Andel inden for 15 min før``; ``demand`` -> ``Befolkning (sogne)``."""
    if col == "region":
        return "Region"
    if col == "catchment":
        return "Sundhedsfællesskab"
    if col == "demand":
        return "Befolkning (sogne)"
    for k, word in (("before_", "før"), ("after_", "efter")):
        if col.startswith(k):
            return f"Andel inden for {col[len(k) :]} min {word}"
    return col


def danish_table(table: pd.DataFrame, key: str, kommune_names: dict[int, str],
                 population_year: int = 2021) -> pd.DataFrame:
    """``table`` with Danish headers (population columns name ``population_year``) and, where it has kommune
    codes only, the kommune name beside them."""
    t = table.copy()
    if key in ("houses_sites", "houses_kommuner") and "kommune" in t.columns:
        t.insert(t.columns.get_loc("kommune") + 1, "kommune_navn", t["kommune"].astype(int).map(kommune_names))
    if key == "council_assignment" and {"kommune", "code"} <= set(t.columns):  # name first, as for catchments
        t = t[["kommune", "code"] + [c for c in t.columns if c not in ("kommune", "code")]]
    if key.startswith("ems_") and key != "ems_new_units":
        t = t.replace({"region": {"(total)": "Hele landet"}, "catchment": {"(total)": "Hele landet"}})
        return t.rename(columns={c: _ems_header(c) for c in t.columns})
    return t.rename(columns={c: h.format(year=population_year) for c, h in HEADERS.get(key, {}).items()})


def _headline_rows(d: Path, models: list[str]) -> pd.DataFrame:
    from sundhed.maps.headline import figures_for, label, reference_text

    rows = []
    names = {"catchments": "Sundhedsfællesskaber", "councils": "Sundhedsråd", "houses": "Sundhedshuse",
             "akutbiler": "Akutbiler"}
    for m in models:
        s = model_summary(d, m)
        for f in figures_for(m, s):
            rows.append(
                {
                    "Model": names[m],
                    "Tal": label(f, m, s, "da"),
                    "Værdi": f.value,
                    "Enhed": {
                        "min": "minutter",
                        "pct": "andel",
                        "mio": "mio. kr.",
                        "int": "antal",
                        "inh": "indbyggere",
                    }[f.kind],
                    "Sammenligning": f.reference,
                    "Sammenlignet med": (
                        "budget" if f.key == "state_spend" else reference_text(f, m, "da").split(":")[0]
                    )
                    if f.reference is not None
                    else "",
                    "Detalje": f.detail,
                }
            )
    return pd.DataFrame(rows)


def write_xlsx(d: Path, ds) -> Path:
    """``results.xlsx`` of result folder ``d``: the Hovedtal sheet, then one sheet per CSV table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    d = Path(d)
    models = result_models(d)
    names = dict(zip(ds.kommuner["kode"].astype(int), ds.kommuner["navn"]))
    wb = Workbook()
    wb.remove(wb.active)
    sheets = [("Hovedtal", _headline_rows(d, models), "")]
    sheets += [
        (sheet, danish_table(pd.read_csv(d / path), key, names, ds.population_year), key)
        for model, path, key, sheet in SHEETS
        if model in models and (d / path).exists()
    ]
    for name, table, key in sheets:
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            ws.append(
                [None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v) for v in row]
            )
        for j, col in enumerate(table.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(45, width)
            head = str(col)
            fmt = (
                "0.0%"
                if head.startswith("Andel")
                else "0.0"
                if "inut" in head
                else "#,##0"
                if ("indb." in head or "efolkning" in head)
                else None
            )
            if fmt:
                for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                    for c in cell:
                        c.number_format = fmt
        if key in ("catchments", "councils") and "Farve (hex)" in table.columns:
            j = list(table.columns).index("Farve (hex)") + 1
            for c in next(ws.iter_cols(min_col=j, max_col=j, min_row=2)):
                if isinstance(c.value, str) and c.value.startswith("#"):
                    c.fill = PatternFill("solid", fgColor=c.value[1:].upper())
        if name == "Hovedtal":
            unit_fmt = {
                "andel": "0.0%",
                "minutter": "0.0",
                "mio. kr.": "#,##0",
                "antal": "#,##0",
                "indbyggere": "#,##0",
            }
            for r in ws.iter_rows(min_row=2):
                for c in (r[2], r[4]):
                    c.number_format = unit_fmt.get(r[3].value, "General")
        ws.freeze_panes = "A2"
    out = d / "results.xlsx"
    tmp = out.with_name(out.name + ".part")
    wb.save(tmp)
    tmp.replace(out)
    return out


def _points(table: pd.DataFrame, keep: list[str]) -> gpd.GeoDataFrame:
    if not {"x", "y"} <= set(table.columns):
        raise ValueError(f"table has no coordinates (x, y); columns {list(table.columns)}")
    return gpd.GeoDataFrame(
        table[[c for c in keep if c in table.columns]].reset_index(drop=True),
        geometry=gpd.points_from_xy(table["x"], table["y"]),
        crs=25832,
    )


def write_gpkg(d: Path, ds) -> Path:
    """``results.gpkg`` of result folder ``d`` (layers described in the module docstring)."""
    d = Path(d)
    models = result_models(d)
    cfg = result_config(d)
    kom = ds.kommuner[["kode", "navn", "region", "befolkning", "geometry"]].copy()
    kom = kom.rename(columns={"befolkning": f"befolkning_{ds.population_year}"})
    base = ds.baseline.set_index("kode")["catchment"]
    kom["tabel_b1"] = kom["kode"].map(base)
    if "catchments" in models:
        a = pd.read_csv(d / "assignment.csv").set_index("code")
        pc = pd.read_csv(d / "catchments.csv").set_index("catchment")
        kom["sundhedsfaellesskab"] = kom["kode"].map(a["catchment"])
        kom["minutter"] = kom["kode"].map(a["travel_minutes"])
        kom["flyttet"] = kom["kode"].map(a["moved"]).astype(bool)
        if "colour" in pc.columns:
            kom["farve"] = kom["sundhedsfaellesskab"].map(pc["colour"])
    if "councils" in models:
        a = pd.read_csv(d / "assignment.csv").set_index("code")
        pc = pd.read_csv(d / "councils.csv").set_index("name")
        kom["sundhedsraad"] = kom["kode"].map(a["catchment"])
        kom["akutsygehus"] = kom["kode"].map(a["hospital"])
        kom["minutter"] = kom["kode"].map(a["travel_minutes"])
        kom["flyttet"] = kom["kode"].map(a["moved"]).astype(bool)
        kom["sundhedsraad_2027"] = kom["kode"].map(a["reference"])
        kom["uverificeret"] = kom["kode"].map(a["unverified"]).astype(bool)
        if "colour" in pc.columns:
            kom["farve"] = kom["sundhedsraad"].map(pc["colour"])
    if "houses" in models:
        hk = pd.read_csv(d / "houses" / "kommuner.csv").set_index("kommune")
        kom["huse_andel_foer"] = kom["kode"].map(hk["share_before"])
        kom["huse_andel_efter"] = kom["kode"].map(hk["share_after"])
        kom["nye_huse"] = kom["kode"].map(hk["n_houses"]).fillna(0).astype(int)
    out = d / "results.gpkg"
    tmp = out.with_name("results.part.gpkg")
    tmp.unlink(missing_ok=True)
    kom.to_file(tmp, layer="kommuner", driver="GPKG")
    hosp = ds.hospitals[["akut_id", "navn", "region", "kode", "geometry"]]
    gpd.GeoDataFrame(hosp, geometry="geometry", crs=ds.kommuner.crs).to_file(tmp, layer="akutsygehuse", driver="GPKG")
    added = cfg.get("catchments", {}).get("add", []) if "catchments" in models else []
    if added:
        pts = gpd.GeoDataFrame(
            {"navn": [a["navn"] for a in added], "lat": [a["lat"] for a in added], "lon": [a["lon"] for a in added]},
            geometry=gpd.points_from_xy([a["lon"] for a in added], [a["lat"] for a in added]),
            crs=4326,
        ).to_crs(25832)
        pts.to_file(tmp, layer="nye_akutsygehuse", driver="GPKG")
    if "houses" in models:
        s = pd.read_csv(d / "houses" / "sites.csv", dtype={"site_id": str})
        s = s[~s["existing"].astype(bool)]
        if len(s):
            _points(
                s, ["site_id", "navn", "kommune", "type", "total_cost_mio_kr", "state_cost_mio_kr", "lat", "lon"]
            ).to_file(tmp, layer="nye_sundhedshuse", driver="GPKG")
    if "akutbiler" in models:
        u = pd.read_csv(d / "akutbiler" / "new_units.csv", dtype={"station_id": str})
        if len(u):
            _points(u, ["station_id", "navn", "cost_mio_kr", "greedy_rank", "greedy_gain", "lat", "lon"]).to_file(
                tmp, layer="nye_akutbiler", driver="GPKG"
            )
    tmp.replace(out)
    return out


def write_exports(d: Path, ds) -> dict[str, Path]:
    """Both exports of result folder ``d``."""
    return {"xlsx": write_xlsx(d, ds), "gpkg": write_gpkg(d, ds)}


__all__ = ["write_xlsx", "write_gpkg", "write_exports", "danish_table", "MODEL_DIRS"]
