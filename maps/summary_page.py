"""``summary.html``: one A4 page per result folder (print CSS): title, headline figures of every model, a
static map of the first model, and its main table. Reads only the folder's CSVs and summary.json files
(through :mod:`sundhed.maps.headline`), so the page shows the numbers the maps and summary.json show.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sundhed.maps.common import esc, fmt_int, fmt_min, fmt_pct, fmt_num
from sundhed.maps.headline import HEADLINE_CSS, headline_html
from sundhed.maps.svgmap import Point, svg_map

TEXTS: dict[str, dict[str, Any]] = {
    "da": {
        "title": "Resumé",
        "date": "Dato",
        "config": "Konfiguration",
        "scenario": "Scenarie",
        "catchments": "Sundhedsfællesskaber",
        "councils": "Sundhedsråd",
        "houses": "Sundhedshuse",
        "akutbiler": "Akutbiler",
        "catchment": "Sundhedsfællesskab",
        "council": "Sundhedsråd",
        "council_leg": "Farve: sundhedsråd; sort streg: grænse mellem råd; sort prik: akutsygehus",
        "council_moved_leg": "stiplet: kommune flyttet fra sit 2027-råd",
        "council_moved_h": "Kommuner flyttet fra 2027-rådene ({n})",
        "council_minutes": "Min. = befolkningsvægtet rejsetid til nærmeste akutsygehus i eget råd.",
        "data_councils": (
            "Data: DAGI 2014, DST 1.1.{year}, 2.141 sogne, OSM-vejskelet, sundhedsråd 2027 (afpihl/sundhedsraad, "
            "2026; Lejre og Rudersdal uverificeret*). Befolkningsbåndet er modellens, ikke en officiel norm."
        ),
        "population": "Befolkning",
        "kommuner": "Kommuner",
        "minutes": "Gns. min",
        "band": "Bånd",
        "region": "Region",
        "before": "Før",
        "after": "Efter",
        "moved_leg": "stiplet: kommune flyttet i forhold til Tabel B.1",
        "moved_h": "Flyttede kommuner ({n})",
        "houses_leg": "Farve: andel af kommunens indbyggere inden for {T} min efter planen; firkant: nyt hus",
        "ems_leg": "Farve: regionens andel nået inden for {T} min efter planen; stjerne: ny akutbil",
        "data": (
            "Data: DAGI 2014, DST 1.1.{year}, Tabel B.1 2019, GeoNames, OSM-vejskelet. Befolkningen i "
            "sundhedshus- og akutbilmodellerne er modelleret (kommunens indbyggere fordelt på byer)."
        ),
        "maps": "Interaktive kort: {files}",
        "new_houses": "Nye sundhedshuse",
        "navn": "Sted",
        "type": "Type",
        "state": "Stat (mio. kr.)",
        "within": "inden for {T} min",
        "print": "Udskriv",
        "band_status": {"inden for": "inden for", "uden for": "uden for", "undtagelse": "undtagelse", "-": "–"},
    },
    "en": {
        "title": "Summary",
        "date": "Date",
        "config": "Config",
        "scenario": "Scenario",
        "catchments": "Health-care communities",
        "councils": "Health councils",
        "houses": "Health houses",
        "akutbiler": "Rapid response cars",
        "catchment": "Health-care community",
        "council": "Health council",
        "council_leg": "Colour: health council; black line: border between councils; black dot: emergency hospital",
        "council_moved_leg": "dashed: municipality moved from its 2027 council",
        "council_moved_h": "Municipalities moved from the 2027 councils ({n})",
        "council_minutes": "Min. = population-weighted travel time to the nearest emergency hospital of the own "
        "council.",
        "data_councils": (
            "Data: DAGI 2014, DST 1 Jan {year}, 2,141 parishes, OSM road skeleton, health councils 2027 "
            "(afpihl/sundhedsraad, 2026; Lejre and Rudersdal unverified*). The population band is the model's, "
            "not an official norm."
        ),
        "population": "Population",
        "kommuner": "Municipalities",
        "minutes": "Mean min",
        "band": "Band",
        "region": "Region",
        "before": "Before",
        "after": "After",
        "moved_leg": "dashed: municipality moved relative to Table B.1",
        "moved_h": "Moved municipalities ({n})",
        "houses_leg": "Colour: share of the municipality within {T} min after the plan; square: new house",
        "ems_leg": "Colour: the region's share reached within {T} min after the plan; star: new car",
        "data": (
            "Data: DAGI 2014, DST 1 Jan {year}, Table B.1 2019, GeoNames, OSM road skeleton. Population in the "
            "house and rapid-response models is modelled (each municipality's inhabitants spread over towns)."
        ),
        "maps": "Interactive maps: {files}",
        "new_houses": "New health houses",
        "navn": "Site",
        "type": "Type",
        "state": "State (m DKK)",
        "within": "within {T} min",
        "print": "Print",
        "band_status": {"inden for": "inside", "uden for": "outside", "undtagelse": "exception", "-": "–"},
    },
}

#: Sequential blues for shares (light = low); bins of the share within T minutes.
SHARE_BINS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
SHARE_COLOURS = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")

PRINT_CSS = """
@page {size: A4 portrait; margin: 10mm;}
* {box-sizing: border-box;}
body {font: 10pt/1.3 Arial, Helvetica, sans-serif; color: #111; margin: 0; background: #888;}
.page {width: 210mm; min-height: 297mm; margin: 8px auto; padding: 10mm; background: #fff;
  box-shadow: 0 0 6px rgba(0,0,0,.5);}
h1 {font-size: 17pt; margin: 0 0 1mm 0;}
h2 {font-size: 12pt; margin: 3mm 0 1mm 0;}
.meta {color: #444; font-size: 8.5pt; margin-bottom: 2mm;}
.cols {display: flex; gap: 5mm; align-items: flex-start;}
.cols .map {flex: 0 0 88mm;}
.cols .map svg {width: 88mm; height: auto;}
.cols .side {flex: 1 1 auto;}
.cols > table.t {flex: 1 1 0; width: auto; min-width: 0;}
table.t td:last-child {white-space: nowrap;}
.moved {font-size: 8pt; columns: 2; column-gap: 4mm; margin: 1mm 0 0 0; padding-left: 4mm;}
.leg {font-size: 8pt; color: #333; margin-top: 1mm;}
table.t {border-collapse: collapse; width: 100%; font-size: 8.5pt; margin-top: 1mm;}
table.t th {text-align: left; border-bottom: 1px solid #777; padding: 0.6mm 1.2mm;}
table.t td {padding: 0.3mm 1.2mm; border-bottom: 1px solid #e3e3e3;}
table.t .n {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
.sw {display: inline-block; width: 9px; height: 9px; border: 1px solid #333; vertical-align: -1px;}
.foot {font-size: 7.5pt; color: #555; margin-top: 2mm;}
.out {color: #c62828;} .exc {color: #6a4c93;}
.hl {grid-template-columns: 1fr 1fr;}
.btn {position: fixed; top: 8px; right: 8px; font: 12px Arial; padding: 4px 10px;}
@media print {
  body {background: #fff;}
  .page {margin: 0; padding: 0; width: auto; min-height: 0; box-shadow: none;}
  .btn {display: none;}
  table.t tr, .hl-tile {break-inside: avoid;}
}
"""


def _share_colour(x: float) -> str:
    for b, c in zip(SHARE_BINS, SHARE_COLOURS):
        if x < b:
            return c
    return SHARE_COLOURS[-1]


def _share_legend(lang: str) -> str:
    lo = (0.0,) + SHARE_BINS
    hi = SHARE_BINS + (1.0,)
    items = "".join(
        f"<span class='sw' style='background:{c}'></span> {fmt_pct(a, lang, 0)}–{fmt_pct(b, lang, 0)} "
        for a, b, c in zip(lo, hi, SHARE_COLOURS)
    )
    return f"<div class='leg'>{items}</div>"


def _catchment_block(ds, d: Path, summary: dict, lang: str) -> tuple[str, str, str]:
    from sundhed.maps.colours import UNUSED

    T = TEXTS[lang]
    asg = pd.read_csv(d / "assignment.csv")
    pc = pd.read_csv(d / "catchments.csv")
    if "colour" not in pc.columns:  # a folder written before catchments.csv carried colours
        from sundhed.maps.colours import catchment_colours

        plan = {int(k): str(c) for k, c in zip(asg["code"], asg["catchment"])}
        pc["colour"] = pc["catchment"].map(catchment_colours(pc["catchment"].astype(str), plan, ds.adjacency.edges()))
    colour = dict(zip(pc["catchment"], pc["colour"]))
    fills = {int(k): colour.get(c, UNUSED) for k, c in zip(asg["code"], asg["catchment"])}
    titles = {int(k): f"{n}: {c}" for k, n, c in zip(asg["code"], asg["kommune"], asg["catchment"])}
    moved = [int(k) for k, m in zip(asg["code"], asg["moved"]) if bool(m)]
    hosp = ds.hospitals
    pts = [
        Point(float(g.x), float(g.y), "#111111", "circle", 2.2, str(n))
        for n, g in zip(hosp["navn"], hosp.geometry)
        if n in set(asg["catchment"])
    ]
    cfg = summary.get("config", {}).get("catchments", {})
    for a in cfg.get("add", []):
        import geopandas as gpd

        p = gpd.GeoSeries(gpd.points_from_xy([a["lon"]], [a["lat"]]), crs=4326).to_crs(25832).iloc[0]
        pts.append(Point(p.x, p.y, colour.get(a["navn"], "#111"), "star", 5.5, str(a["navn"])))
    svg = svg_map(ds.kommuner, fills, titles=titles, dashed=moved, points=pts)
    legend = f"<div class='leg'>{T['moved_leg']}</div>" if moved else ""
    mv = asg[asg["moved"].astype(bool)].sort_values("kommune")
    side = ""
    if len(mv):
        items = "".join(
            f"<li>{esc(str(n))}: {esc(str(b))} → {esc(str(c))}</li>"
            for n, b, c in zip(mv["kommune"], mv["baseline"], mv["catchment"])
        )
        side = f"<h2>{T['moved_h'].format(n=len(mv))}</h2><ul class='moved'>{items}</ul>"
    rows = []
    pc = pc[pc["kommuner"] > 0]
    for _, r in pc.iterrows():
        st = str(r["band_status"])
        cls = " class='out'" if st == "uden for" else (" class='exc'" if st == "undtagelse" else "")
        rows.append(
            f"<tr><td><span class='sw' style='background:{r['colour']}'></span> {esc(str(r['catchment']))}</td>"
            f"<td class='n'>{fmt_int(r['kommuner'], lang)}</td><td class='n'>{fmt_int(r['befolkning'], lang)}</td>"
            f"<td class='n'>{fmt_min(r['minutter_gns'], lang)}</td><td{cls}>{T['band_status'].get(st, st)}</td></tr>"
        )
    head = (
        f"<tr><th>{T['catchment']}</th><th class='n'>{T['kommuner']}</th>"
        f"<th class='n'>{T['population']}</th><th class='n'>{T['minutes']}</th><th>{T['band']}</th></tr>"
    )
    half = (len(rows) + 1) // 2
    table = (
        "<div class='cols'>"
        + "".join(f"<table class='t'>{head}{''.join(part)}</table>" for part in (rows[:half], rows[half:]) if part)
        + "</div>"
    )
    return svg + legend, table, side


def _houses_block(ds, d: Path, summary: dict, lang: str) -> tuple[str, str, str]:
    T = TEXTS[lang]
    h = d / "houses"
    pk = pd.read_csv(h / "kommuner.csv")
    sites = pd.read_csv(h / "sites.csv")
    fills = {int(k): _share_colour(s) for k, s in zip(pk["kommune"], pk["share_after"])}
    new = sites[~sites["existing"].astype(bool)]
    pts = (
        [
            Point(float(x), float(y), "#7b3294", "square", 1.8, str(n))
            for x, y, n in zip(new["x"], new["y"], new["navn"])
        ]
        if {"x", "y"} <= set(new.columns)
        else []
    )
    svg = svg_map(
        ds.kommuner,
        fills,
        titles={int(k): f"{fmt_pct(s, lang)}" for k, s in zip(pk["kommune"], pk["share_after"])},
        points=pts,
    )
    Tm = summary.get("config", {}).get("houses", {}).get("coverage_minutes", 20)
    legend = f"<div class='leg'>{T['houses_leg'].format(T=fmt_num(Tm, lang, 0))}</div>" + _share_legend(lang)
    kom = ds.kommuner.set_index("kode")
    reg = (
        pk.assign(region=pk["kommune"].map(kom["region"]))
        .groupby("region")[["weight", "covered_before", "covered_after"]]
        .sum()
    )
    rows = "".join(
        f"<tr><td>{esc(str(r))}</td><td class='n'>{fmt_pct(v['covered_before'] / v['weight'], lang)}</td>"
        f"<td class='n'><b>{fmt_pct(v['covered_after'] / v['weight'], lang)}</b></td></tr>"
        for r, v in reg.iterrows()
    )
    table = (
        f"<table class='t'><tr><th>{T['region']} ({T['within'].format(T=fmt_num(Tm, lang, 0))})</th>"
        f"<th class='n'>{T['before']}</th><th class='n'>{T['after']}</th></tr>{rows}</table>"
    )
    return svg + legend, table, ""


def _ems_block(ds, d: Path, summary: dict, lang: str) -> tuple[str, str, str]:
    T = TEXTS[lang]
    a = d / "akutbiler"
    reg = pd.read_csv(a / "regions.csv")
    new = pd.read_csv(a / "new_units.csv")
    Tm = float(summary["params"]["T"])
    col = f"{Tm:g}"
    share = dict(zip(reg["region"], reg[f"after_{col}"]))
    fills = {int(k): _share_colour(share.get(r, 0.0)) for k, r in zip(ds.kommuner["kode"], ds.kommuner["region"])}
    pts = (
        [Point(float(x), float(y), "#7b3294", "star", 5, str(n)) for x, y, n in zip(new["x"], new["y"], new["navn"])]
        if {"x", "y"} <= set(new.columns)
        else []
    )
    svg = svg_map(ds.kommuner, fills, points=pts)
    legend = f"<div class='leg'>{T['ems_leg'].format(T=fmt_num(Tm, lang, 0))}</div>" + _share_legend(lang)
    rows = "".join(
        f"<tr><td>{esc(str(r['region']))}</td><td class='n'>{fmt_pct(r[f'before_{col}'], lang)}</td>"
        f"<td class='n'><b>{fmt_pct(r[f'after_{col}'], lang)}</b></td></tr>"
        for _, r in reg.iterrows()
        if r["region"] != "(total)"
    )
    table = (
        f"<table class='t'><tr><th>{T['region']} ({T['within'].format(T=fmt_num(Tm, lang, 0))})</th>"
        f"<th class='n'>{T['before']}</th><th class='n'>{T['after']}</th></tr>{rows}</table>"
    )
    return svg + legend, table, ""


def _council_block(ds, d: Path, summary: dict, lang: str) -> tuple[str, str, str]:
    from sundhed.maps.colours import UNUSED, council_colours
    from sundhed.maps.headline import short_name

    T = TEXTS[lang]
    asg = pd.read_csv(d / "assignment.csv")
    pc = pd.read_csv(d / "councils.csv")
    plan = {int(k): str(c) for k, c in zip(asg["code"], asg["catchment"])}
    colour = council_colours(sorted(set(pc["name"])), plan, ds.adjacency.edges())
    if "colour" in pc.columns:
        colour.update(dict(zip(pc["name"], pc["colour"])))
    fills = {k: colour.get(c, UNUSED) for k, c in plan.items()}
    titles = {int(k): f"{n}: {c} ({h})" for k, n, c, h in zip(asg["code"], asg["kommune"], asg["catchment"],
                                                                asg["hospital"])}
    real = summary.get("status") == "table"
    moved = [] if real else [int(k) for k, m in zip(asg["code"], asg["moved"]) if bool(m)]
    pts = [Point(float(g.x), float(g.y), "#111111", "circle", 2.2, str(n))
           for n, g in zip(ds.hospitals["navn"], ds.hospitals.geometry)]
    svg = svg_map(ds.kommuner.assign(region=ds.kommuner["kode"].map(plan)),
                  fills, titles=titles, dashed=moved, points=pts)
    legend = f"<div class='leg'>{T['council_leg']}" + (f"; {T['council_moved_leg']}" if moved else "") + "</div>"
    side = ""
    if moved:
        mv = asg[asg["moved"].astype(bool)].sort_values("kommune")
        items = "".join(f"<li>{esc(str(n))}: {esc(short_name(str(r)))} → {esc(short_name(str(c)))}</li>"
                        for n, r, c in zip(mv["kommune"], mv["reference"], mv["catchment"]))
        side = f"<h2>{T['council_moved_h'].format(n=len(mv))}</h2><ul class='moved'>{items}</ul>"
    starred = set(asg.loc[asg["unverified"].astype(bool), "catchment"]) if "unverified" in asg else set()
    rows = []
    for _, r in pc.sort_values("name").iterrows():
        st = str(r["band_status"])
        cls = " class='out'" if st == "uden for" else ""
        star = " *" if r["name"] in starred else ""
        rows.append(
            f"<tr><td><span class='sw' style='background:{colour.get(r['name'], UNUSED)}'></span> "
            f"{esc(short_name(str(r['name'])))}{star}</td><td class='n'>{fmt_int(r['kommuner'], lang)}</td>"
            f"<td class='n'>{fmt_int(r['population'], lang)}</td><td class='n'>{fmt_min(r['minutes'], lang)}</td>"
            f"<td{cls}>{T['band_status'].get(st, st)}</td></tr>"
        )
    head = (f"<tr><th>{T['council']}</th><th class='n'>{T['kommuner']}</th><th class='n'>{T['population']}</th>"
            f"<th class='n'>{T['minutes']}</th><th>{T['band']}</th></tr>")
    half = (len(rows) + 1) // 2
    table = ("<div class='cols'>"
             + "".join(f"<table class='t'>{head}{''.join(part)}</table>" for part in (rows[:half], rows[half:]) if part)
             + f"</div><div class='leg'>{T['council_minutes']}</div>")
    return svg + legend, table, side


BLOCKS = {"catchments": _catchment_block, "councils": _council_block, "houses": _houses_block,
          "akutbiler": _ems_block}


def render_summary_page(
    ds,
    d,
    summaries: Mapping[str, dict],
    out_path,
    *,
    scenario: str,
    config_hash: str = "",
    lang: str = "da",
    map_files: tuple[str, ...] = (),
) -> Path:
    """Write the one-page print summary of result folder ``d``. ``summaries``: model -> its summary.json
    dict, in chain order; the first model gets the map and the table, every model its headline tiles."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    if not summaries:
        raise ValueError(f"{d}: no model results to summarise")
    T = TEXTS[lang]
    d = Path(d)
    models = list(summaries)
    first = models[0]
    svg, table, side = BLOCKS[first](ds, d, summaries[first], lang)
    tiles = "".join(f"<h2>{T[m]}</h2>{headline_html(m, summaries[m], lang)}" for m in models)
    if len(models) == 1:
        tiles += side
    today = _dt.date.today().isoformat()
    files = ", ".join(map_files)
    data = T.get(f"data_{first}", T["data"]).format(year=ds.population_year)
    html = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(scenario)} – {T["title"]}</title>
<style>{HEADLINE_CSS}{PRINT_CSS}</style></head>
<body><button class="btn" onclick="window.print()">{T["print"]}</button><div class="page">
<h1>{esc(scenario)}</h1>
<div class="meta">{T["title"]} · {T["date"]}: {today} · {T["config"]}: <code>{esc(config_hash) or "–"}</code></div>
<div class="cols"><div class="map">{svg}</div><div class="side">{tiles}</div></div>
<h2>{T[first]}</h2>{table}
<div class="foot">{data}{(" " + T["maps"].format(files=esc(files))) if files else ""}</div>
</div></body></html>"""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
