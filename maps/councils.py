"""Offline HTML map of sundhedsråd (councils): council borders drawn over the akutsygehus catchments inside them.

Each kommune is coloured by the akutsygehus that serves it (the nearest of its own council); thick black
lines are council borders, grey dashed lines region borders of the chosen region set. The side panel lists
each council (population, akutsygehuse, mean minutes, contiguity) and marks the two unverified placements.
"""
from __future__ import annotations

from pathlib import Path

import folium
import pandas as pd

from sundhed.maps.common import (
    COMMON_TEXTS, SIMPLIFY_M, base_map, check_lang, compact_geojson, esc, fmt_int, fmt_min,
    model_data_versions, popup_html, region_borders, title_block, write_map,
)

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
           "#393b79", "#637939", "#8c6d31"]

TEXTS = {
    "da": {**COMMON_TEXTS["da"], "council": "Sundhedsråd", "hospital": "Akutsygehus (nærmeste i rådet)",
           "minutes": "Minutter til akutsygehus", "population": "Indbyggere", "kommune": "Kommune",
           "region": "Region", "layer_kommuner": "Kommuner (farve = akutsygehus)",
           "layer_councils": "Sundhedsrådsgrænser", "layer_regions": "Regionsgrænser",
           "layer_hospitals": "Akutsygehuse", "councils": "Sundhedsråd", "hosp_short": "Akutsygehuse",
           "min_short": "Min.", "pop_short": "Indb.", "not_contiguous": "ikke sammenhængende",
           "unverified": "uverificeret placering", "mean": "Befolkningsvægtet rejsetid til nærmeste akutsygehus "
           "i eget råd", "changes": "Kommuner flyttet fra de vedtagne 2027-råd", "total": "I alt",
           "regions_year": "Regioner", "unverified_note": "* Placeringen af Lejre og Rudersdal kunne ikke "
           "efterprøves mod en officiel side."},
    "en": {**COMMON_TEXTS["en"], "council": "Health council", "hospital": "Akutsygehus (nearest in council)",
           "minutes": "Minutes to akutsygehus", "population": "Inhabitants", "kommune": "Kommune",
           "region": "Region", "layer_kommuner": "Kommuner (colour = akutsygehus)",
           "layer_councils": "Council borders", "layer_regions": "Region borders",
           "layer_hospitals": "Akutsygehuse", "councils": "Health councils", "hosp_short": "Akutsygehuse",
           "min_short": "Min.", "pop_short": "Inh.", "not_contiguous": "not contiguous",
           "unverified": "unverified placement", "mean": "Population-weighted minutes to the nearest "
           "akutsygehus of the own council", "changes": "Kommuner moved from the adopted 2027 councils",
           "total": "Total", "regions_year": "Regions",
           "unverified_note": "* The placements of Lejre and Rudersdal could not be checked against an "
           "official page."},
}


def render_council_map(ds, kommuner: pd.DataFrame, units: pd.DataFrame, out_path, *, title: str, scenario: str,
                       config_hash: str = "", lang: str = "da", unverified: dict[int, str] | None = None,
                       metrics: dict | None = None) -> Path:
    """Write the map. ``kommuner``: ``code``, ``council``, ``hospital``, ``travel_minutes`` (the council
    model's assignment table, or :func:`model.councils.evaluate_councils`' kommune frame with ``catchment``
    as council); ``units``: one row per council (name, population, hospitals, minutes, contiguous)."""
    T = check_lang(lang, TEXTS)
    unverified = unverified or {}
    k = kommuner.rename(columns={"catchment": "council"}).set_index("code")
    kom = ds.kommuner[["kode", "navn", "region", "befolkning", "geometry"]].copy()
    missing = sorted(set(kom["kode"]) - set(k.index))
    if missing:
        raise ValueError(f"council table lacks kommuner {missing[:10]}")
    kom["council"] = kom["kode"].map(k["council"])
    kom["hospital"] = kom["kode"].map(k["hospital"])
    kom["minutes"] = kom["kode"].map(k["travel_minutes"])
    order = [h for h in ds.hospitals.sort_values("akut_id")["navn"]]
    colour = {h: PALETTE[i % len(PALETTE)] for i, h in enumerate(order)}
    kom["farve"] = kom["hospital"].map(colour).fillna("#cccccc")
    star = kom["kode"].isin(list(unverified))
    kom["p_kommune"] = kom["navn"] + star.map({True: " *", False: ""})
    kom["p_council"] = kom["council"] + star.map({True: f" ({T['unverified']})", False: ""})
    kom["p_hosp"] = kom["hospital"].fillna("–")
    kom["p_min"] = [fmt_min(v, lang) for v in kom["minutes"]]
    kom["p_pop"] = [fmt_int(v, lang) for v in kom["befolkning"]]
    kom["p_region"] = kom["region"]

    regions = region_borders(kom, simplify_m=SIMPLIFY_M)
    councils = kom[["council", "geometry"]].dissolve(by="council").reset_index()
    councils["geometry"] = councils.geometry.boundary.simplify(SIMPLIFY_M)
    kom["geometry"] = kom.geometry.simplify(SIMPLIFY_M)
    kom4326 = kom.to_crs(4326)
    m = base_map(kom4326, T, panel_width=380)
    fields = ["p_kommune", "p_council", "p_hosp", "p_min", "p_pop", "p_region"]
    aliases = [T["kommune"], T["council"], T["hospital"], T["minutes"], T["population"], T["region"]]
    folium.GeoJson(
        compact_geojson(kom4326[["kode", "farve"] + fields + ["geometry"]]),
        name=T["layer_kommuner"],
        style_function=lambda f: {"fillColor": f["properties"]["farve"], "fillOpacity": 0.6, "color": "#777777",
                                  "weight": 0.5},
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["p_kommune", "p_council"], labels=False),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    folium.GeoJson(compact_geojson(councils.to_crs(4326)), name=T["layer_councils"],
                   style_function=lambda f: {"color": "#000000", "weight": 3.2, "opacity": 0.95},
                   interactive=False).add_to(m)
    folium.GeoJson(compact_geojson(regions.to_crs(4326)), name=T["layer_regions"],
                   style_function=lambda f: {"color": "#555555", "dashArray": "6 5",
                                             "weight": 2.0 if f["properties"]["kind"] == "land" else 0.0,
                                             "opacity": 0.9},
                   interactive=False).add_to(m)
    fg = folium.FeatureGroup(name=T["layer_hospitals"])
    hosp = ds.hospitals.to_crs(4326)
    council_of = dict(zip(kom["kode"], kom["council"]))
    for _, h in hosp.iterrows():
        folium.CircleMarker(location=[float(h.geometry.y), float(h.geometry.x)], radius=7, color="#000000",
                            weight=2, fill=True, fill_color=colour.get(h["navn"], "#bbbbbb"), fill_opacity=1.0,
                            tooltip=esc(str(h["navn"])),
                            popup=folium.Popup(popup_html(esc(str(h["fuldt_navn"])),
                                                          [(T["council"], esc(str(council_of.get(h["kode"], "–")))),
                                                           (T["region"], esc(str(h["region"])))]),
                                               max_width=300)).add_to(fg)
    fg.add_to(m)

    rows = []
    for u in units.sort_values("name").itertuples():
        name = esc(u.name) + (" *" if u.unverified else "")
        warn = "" if u.contiguous else f" <span style='color:#c62828'>({T['not_contiguous']})</span>"
        sw = "".join(f"<span class='mp-sw' style='background:{colour.get(h, '#ccc')}'></span>" for h in u.hospitals)
        rows.append(f"<tr><td>{name}{warn}</td><td>{sw} {esc(', '.join(u.hospitals))}</td>"
                    f"<td class='mp-num'>{fmt_int(u.population, lang)}</td>"
                    f"<td class='mp-num'>{fmt_min(u.minutes, lang)}</td></tr>")
    head = (f"<tr><th>{T['council']}</th><th>{T['hosp_short']}</th><th>{T['pop_short']}</th>"
            f"<th>{T['min_short']}</th></tr>")
    extra = [f"{T['regions_year']}: {getattr(ds, 'regions_year', 2019)}"]
    big = ""
    if metrics:
        big = f"<div class='mp-big'>{T['mean']}: <b>{fmt_min(metrics.get('mean_minutes'), lang)}</b></div>"
        if metrics.get("changes_vs_reference") is not None:
            big += f"<div class='mp-big'>{T['changes']}: <b>{metrics['changes_vs_reference']}</b></div>"
    note = f"<div class='mp-note'>{esc(T['unverified_note'])}</div>" if unverified else ""
    body = (title_block(title, T, scenario=scenario, config_hash=config_hash,
                        data_versions=(model_data_versions(ds.population_year)
                                       + ", sundhedsråd 2027 (afpihl/sundhedsraad, 2026)"),
                        extra=extra)
            + big + f"<div class='mp-h'>{T['councils']} ({len(units)})</div><table>{head}{''.join(rows)}</table>"
            + note)
    return write_map(m, body, title, out_path)
