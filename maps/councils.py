"""Offline HTML map of sundhedsråd (health councils): the real 2027 structure or a solved council plan.

Each kommune is filled with its council's colour from the shipped stable table
(:data:`sundhed.maps.colours.COUNCIL_COLOURS`: the same colour for a council in every map and scenario, and
neighbouring councils clearly different); thick black lines are council borders, broad grey lines the 2027
region borders, black 'H' circles the akutsygehuse. The headline tiles (:mod:`sundhed.maps.headline`) are the
numbers of the plan's summary.json. A solved plan also outlines the kommuner that moved away from the real
councils, dashed, and lists them. The two unverified placements (Lejre, Rudersdal) are starred.
"""
from __future__ import annotations

from pathlib import Path

import folium
import pandas as pd

from sundhed.maps.colours import UNUSED, council_colours
from sundhed.maps.common import (
    COMMON_TEXTS, SIMPLIFY_M, base_map, check_lang, compact_geojson, esc, fmt_int, fmt_min, model_data_versions,
    popup_html, region_borders, svg_symbol, symbol_layer, title_block, write_map,
)
from sundhed.maps.headline import HEADLINE_CSS, headline_html, short_name

#: Source line of the council data (geodata/data/sundhedsraad_2027/PROVENANCE.md).
COUNCIL_SOURCE = "sundhedsråd 2027 (afpihl/sundhedsraad, 2026)"

TEXTS = {
    "da": {**COMMON_TEXTS["da"], "title_real": "Sundhedsråd 2027: den vedtagne struktur",
           "title_plan": "Sundhedsråd: beregnet plan", "council": "Sundhedsråd",
           "hospital": "Nærmeste akutsygehus i rådet", "minutes": "Minutter til akutsygehus",
           "population": "Indbyggere {year}", "layer_kommuner": "Kommuner (farve = sundhedsråd)",
           "layer_councils": "Sundhedsrådsgrænser", "layer_regions": "Regionsgrænser 2027",
           "layer_hospitals": "Akutsygehuse", "layer_moved": "Kommuner flyttet fra 2027-rådene",
           "hosp_short": "Akutsygehuse", "kom_short": "Kom.", "min_short": "Min.", "pop_short": "Indb.",
           "band_short": "Bånd", "inside": "inden for", "outside": "uden for",
           "not_contiguous": "ikke sammenhængende",
           "unverified": "uverificeret placering", "moved": "Flyttet",
           "moved_title": "Kommuner flyttet fra 2027-rådene",
           "none_moved": "Ingen kommuner flyttet fra 2027-rådene.", "real": "2027-råd",
           "leg_hospital": "Akutsygehus", "leg_council": "Grænse mellem sundhedsråd",
           "leg_region": "Regionsgrænse (2027)", "leg_moved": "Kommune flyttet fra sit 2027-råd",
           "band": "Befolkningsbånd", "no_band": "intet bånd", "regions_year": "Regioner",
           "unverified_note": "* Placeringen af Lejre og Rudersdal kunne ikke efterprøves mod en officiel side.",
           "minutes_note": "Min. = befolkningsvægtet rejsetid fra kommunens sogne til nærmeste akutsygehus i eget "
                           "råd."},
    "en": {**COMMON_TEXTS["en"], "title_real": "Health councils 2027: the adopted structure",
           "title_plan": "Health councils: computed plan", "council": "Health council",
           "hospital": "Nearest emergency hospital in the council", "minutes": "Minutes to emergency hospital",
           "population": "Inhabitants {year}", "layer_kommuner": "Municipalities (colour = council)",
           "layer_councils": "Council borders", "layer_regions": "Region borders 2027",
           "layer_hospitals": "Emergency hospitals", "layer_moved": "Municipalities moved from the 2027 councils",
           "hosp_short": "Emergency hospitals", "kom_short": "Mun.", "min_short": "Min.", "pop_short": "Inh.",
           "band_short": "Band", "inside": "inside", "outside": "outside", "not_contiguous": "not contiguous",
           "unverified": "unverified placement", "moved": "Moved",
           "moved_title": "Municipalities moved from the 2027 councils",
           "none_moved": "No municipality moved from the 2027 councils.", "real": "2027 council",
           "leg_hospital": "Emergency hospital", "leg_council": "Border between councils",
           "leg_region": "Region border (2027)", "leg_moved": "Municipality moved from its 2027 council",
           "band": "Population band", "no_band": "no band", "regions_year": "Regions",
           "unverified_note": "* The placements of Lejre and Rudersdal could not be checked against an official page.",
           "minutes_note": "Min. = population-weighted travel time from the municipality's parishes to the nearest "
                           "emergency hospital of the own council."},
}

#: Region order of the council table (north to east, as the 2027 regions are usually listed).
REGION_ORDER = ("Nordjylland", "Midtjylland", "Syddanmark", "Østdanmark")


def council_table(ds, kommuner: pd.DataFrame):
    """Kommuner (GeoDataFrame, EPSG:25832) with ``council``, ``hospital``, ``minutes``, ``moved``,
    ``reference`` and ``unverified`` from a council plan's kommune table (:attr:`CouncilResult.kommuner`)."""
    k = kommuner.rename(columns={"catchment": "council"}).drop_duplicates("code").set_index("code")
    kom = ds.kommuner[["kode", "navn", "region", "befolkning", "geometry"]].copy()
    missing = sorted(set(kom["kode"]) - set(k.index))
    if missing:
        raise ValueError(f"council table lacks kommuner {missing[:10]}")
    kom["council"] = kom["kode"].map(k["council"]).astype(str)
    kom["hospital"] = kom["kode"].map(k["hospital"])
    kom["minutes"] = kom["kode"].map(k["travel_minutes"])
    kom["moved"] = kom["kode"].map(k["moved"]).fillna(False).astype(bool) if "moved" in k else False
    kom["reference"] = kom["kode"].map(k["reference"]) if "reference" in k else None
    kom["unverified"] = kom["kode"].map(k["unverified"]).fillna(False).astype(bool) if "unverified" in k else False
    return kom


def render_council_map(ds, kommuner: pd.DataFrame, units: pd.DataFrame, out_path, *, title: str, scenario: str,
                       summary: dict, config_hash: str = "", lang: str = "da",
                       colours: dict[str, str] | None = None) -> Path:
    """Write the map. ``kommuner``: the plan's kommune table (``code``, ``council`` or ``catchment``,
    ``hospital``, ``travel_minutes`` in minutes, ``moved``, ``reference``, ``unverified``); ``units``: one row
    per council (``name``, ``region``, ``kommuner``, ``population`` in inhabitants, ``hospitals``,
    ``contiguous``, ``band_status``, ``minutes``); ``summary``: the plan's summary.json dict (headline tiles,
    band, status ``table`` for the real structure); ``colours``: council -> hex (default: the stable table)."""
    T = check_lang(lang, TEXTS)
    T = {**T, "population": T["population"].format(year=ds.population_year)}
    real = summary.get("status") == "table"
    kom = council_table(ds, kommuner)
    colour = council_colours(sorted(set(kom["council"])), dict(zip(kom["kode"].astype(int), kom["council"])),
                             ds.adjacency.edges())
    if colours:
        colour = {c: colours.get(c, v) for c, v in colour.items()}
    kom["farve"] = kom["council"].map(colour).fillna(UNUSED)
    star = kom["unverified"]
    kom["p_kommune"] = kom["navn"] + star.map({True: " *", False: ""})
    kom["p_council"] = kom["council"] + star.map({True: f" ({T['unverified']})", False: ""})
    kom["p_hosp"] = kom["hospital"].fillna("–")
    kom["p_min"] = [fmt_min(v, lang) for v in kom["minutes"]]
    kom["p_pop"] = [fmt_int(v, lang) for v in kom["befolkning"]]
    kom["p_region"] = kom["region"]
    kom["p_moved"] = [f"{r} → {c}" if m else "–" for r, c, m in zip(kom["reference"], kom["council"], kom["moved"])]

    regions = region_borders(kom, simplify_m=SIMPLIFY_M)
    councils = kom[["council", "geometry"]].dissolve(by="council").reset_index()
    councils["geometry"] = councils.geometry.boundary.simplify(SIMPLIFY_M)
    kom["geometry"] = kom.geometry.simplify(SIMPLIFY_M)
    kom4326 = kom.to_crs(4326)
    m = base_map(kom4326, T)
    fields = ["p_kommune", "p_council", "p_hosp", "p_min", "p_pop", "p_region"]
    aliases = [T["kommune"], T["council"], T["hospital"], T["minutes"], T["population"], T["region"]]
    if not real:
        fields.append("p_moved")
        aliases.append(T["moved"])
    folium.GeoJson(
        compact_geojson(kom4326[["kode", "farve"] + fields + ["geometry"]]),
        name=T["layer_kommuner"],
        style_function=lambda f: {"fillColor": f["properties"]["farve"], "fillOpacity": 0.75, "color": "#555555",
                                  "weight": 0.6},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["p_kommune", "p_council"], labels=False),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    folium.GeoJson(compact_geojson(regions.to_crs(4326)), name=T["layer_regions"],
                   style_function=lambda f: {"color": "#666666", "opacity": 0.7,
                                             "weight": 8 if f["properties"]["kind"] == "land" else 0.0},
                   interactive=False).add_to(m)
    folium.GeoJson(compact_geojson(councils.to_crs(4326)), name=T["layer_councils"],
                   style_function=lambda f: {"color": "#000000", "weight": 2.6, "opacity": 0.95},
                   interactive=False).add_to(m)
    moved = kom4326[kom4326["moved"]]
    if not real and len(moved):  # black dashes on a white line: distinct from the solid black council borders
        fg = folium.FeatureGroup(name=T["layer_moved"])
        for style in ({"color": "#ffffff", "weight": 5, "opacity": 1.0, "fill": False},
                      {"color": "#000000", "weight": 3, "dashArray": "6 5", "opacity": 1.0, "fill": False}):
            folium.GeoJson(compact_geojson(moved[["kode", "geometry"]]),
                           style_function=lambda f, s=style: s, interactive=False).add_to(fg)
        fg.add_to(m)
    hosp = ds.hospitals.sort_values("akut_id").to_crs(4326)
    council_of = dict(zip(kom["kode"], kom["council"]))
    svg = svg_symbol("circle", "#111111", 16, text="H")
    symbol_layer(T["layer_hospitals"], list(hosp.geometry.y), list(hosp.geometry.x), svg, 16,
                 tooltips=[esc(str(n)) for n in hosp["navn"]],
                 popups=[popup_html(esc(str(h["fuldt_navn"])),
                                    [(T["council"], esc(str(council_of.get(h["kode"], "–")))),
                                     (T["region"], esc(str(h["region"])))]) for _, h in hosp.iterrows()],
                 z=800).add_to(m)

    band = tuple(summary["band"]) if summary.get("band") else None
    parts = [f"<style>{HEADLINE_CSS}</style>",
             title_block(title, T, scenario=scenario, config_hash=config_hash,
                         data_versions=f"{model_data_versions(ds.population_year)}, {COUNCIL_SOURCE}",
                         extra=[f"{T['regions_year']}: {getattr(ds, 'regions_year', 2027)}"]),
             headline_html("councils", summary, lang),
             _council_rows(units, colour, kom, band, T, lang), _legend(T, moved=not real and len(moved) > 0)]
    if not real:
        mv = kom[kom["moved"]].sort_values("navn")
        if len(mv):
            items = "".join(f"<li>{esc(n)}: {esc(short_name(str(r)))} → {esc(short_name(c))}</li>"
                            for n, r, c in zip(mv["navn"], mv["reference"], mv["council"]))
            parts.append(f"<div class='mp-h'>{T['moved_title']} ({len(mv)})</div><ul>{items}</ul>")
        else:
            parts.append(f"<div class='mp-h'>{T['moved_title']}</div><p>{T['none_moved']}</p>")
    if kom["unverified"].any():
        parts.append(f"<div class='mp-note'>{esc(T['unverified_note'])}</div>")
    return write_map(m, "".join(parts), title, out_path)


def _council_rows(units: pd.DataFrame, colour: dict[str, str], kom, band, T: dict, lang: str) -> str:
    """The council table of the panel: grouped by 2027 region, one row per council."""
    starred = set(kom.loc[kom["unverified"], "council"])
    u = units.assign(_r=[REGION_ORDER.index(r) if r in REGION_ORDER else 9 for r in units["region"]])
    rows = []
    for _, g in u.sort_values(["_r", "name"]).groupby("_r", sort=True):
        rows.append(f"<tr class='mp-grp'><td colspan='5'>{esc(str(g['region'].iloc[0]))}</td></tr>")
        for r in g.itertuples():
            name = esc(short_name(str(r.name))) + (" *" if r.name in starred else "")
            if not r.contiguous:
                name += f" <span style='color:#c62828'>({T['not_contiguous']})</span>"
            hosp = esc(", ".join(r.hospitals) if isinstance(r.hospitals, (list, tuple)) else str(r.hospitals))
            st = str(r.band_status)
            st_html = {"inden for": f"<span style='color:#1a7f37' title='{T['inside']}'>✓</span>",
                       "uden for": f"<span style='color:#c62828;font-weight:bold'>{T['outside']}</span>"}.get(st, "–")
            rows.append(f"<tr><td><span class='mp-sw' style='background:{colour.get(r.name, UNUSED)}'></span></td>"
                        f"<td>{name}<div class='mp-sub'>{hosp}</div></td>"
                        f"<td class='mp-num'>{fmt_int(r.population, lang)}</td><td>{st_html}</td>"
                        f"<td class='mp-num'>{fmt_min(r.minutes, lang)}</td></tr>")
    head = (f"<tr><th></th><th>{T['council']} / {T['hosp_short']}</th><th>{T['pop_short']}</th>"
            f"<th>{T['band_short']}</th><th>{T['min_short']}</th></tr>")
    band_txt = f"{fmt_int(band[0], lang)}–{fmt_int(band[1], lang)}" if band else T["no_band"]
    return (f"<style>#mp-panel .mp-sub {{color:#555; font-size:10.5px; line-height:1.15;}}"
            f"#mp-panel tr.mp-grp td {{font-weight:bold; background:#eee; padding-top:3px;}}</style>"
            f"<div class='mp-h'>{T['council']} ({len(units)})</div>"
            f"<div class='mp-meta'>{T['band']}: {band_txt}. {esc(T['minutes_note'])}</div>"
            f"<table>{head}{''.join(rows)}</table>")


def _legend(T: dict, *, moved: bool) -> str:
    leg = [f"<tr><td style='width:26px'><span class='mp-sym'>{svg_symbol('circle', '#111111', 14, text='H')}"
           f"</span></td><td>{T['leg_hospital']}</td></tr>",
           "<tr><td><span style='display:inline-block;width:22px;border-top:3px solid #000;vertical-align:middle'>"
           f"</span></td><td>{T['leg_council']}</td></tr>",
           "<tr><td><span style='display:inline-block;width:22px;border-top:7px solid #999;vertical-align:middle'>"
           f"</span></td><td>{T['leg_region']}</td></tr>"]
    if moved:
        leg.append("<tr><td><span style='display:inline-block;width:16px;height:10px;border:2.5px dashed #000;"
                   f"outline:2px solid #fff;background:#fff'></span></td><td>{T['leg_moved']}</td></tr>")
    return f"<table style='margin-top:6px'>{''.join(leg)}</table>"


def render_council_plan(ds, plan, out_path, *, scenario: str, config_hash: str = "", lang: str = "da",
                        title: str | None = None) -> Path:
    """:func:`render_council_map` of a council plan (:class:`solvers.councils.CouncilResult`, solved or read
    back): its tables, colours and summary (the numbers of summary.json); the real structure (status
    ``table``) gets the 'adopted structure' title and no 'moved' layer."""
    summary = plan.summary()
    T = check_lang(lang, TEXTS)
    title = title or (T["title_real"] if summary.get("status") == "table" else T["title_plan"])
    return render_council_map(ds, plan.kommuner, plan.units, out_path, title=title, scenario=scenario,
                              summary=summary, config_hash=config_hash, lang=lang, colours=plan.colours)
