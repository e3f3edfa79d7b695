"""Offline HTML map of kommune -> sundhedsfællesskab (catchment) assignments.

Colours come from the shipped table in :mod:`sundhed.maps.colours` (the same in every map and scenario); the
headline tiles from :mod:`sundhed.maps.headline` (the numbers of summary.json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import folium
import pandas as pd

from sundhed.maps.colours import catchment_colours
from sundhed.maps.common import (base_map, check_lang, compact_geojson, data_versions, esc, fmt_int, fmt_min,
                                 popup_html, region_borders, svg_symbol, symbol_layer, title_block, write_map,
                                 SIMPLIFY_M)
from sundhed.maps.headline import HEADLINE_CSS, headline_html

ADDED_COLOUR = "#111111"

TEXTS = {
    "da": {
        "title": "Sundhedsfællesskaber",
        "title_b1": "Sundhedsfællesskaber: Tabel B.1 (2019)",
        "panel": "Sundhedsfællesskaber",
        "catchment": "Sundhedsfællesskab",
        "population": "Befolkning {year}",
        "status": "Bånd",
        "inside": "inden for",
        "outside": "uden for",
        "exception": "undtagelse",
        "band": "Befolkningsbånd",
        "minutes": "Minutter til akutsygehus",
        "km": "Km ad vej (hurtigste rute)",
        "moved": "Flyttet",
        "moved_title": "Flyttede kommuner",
        "moved_leg": "Kommune flyttet i forhold til Tabel B.1",
        "none_moved": "Ingen kommuner flyttet i forhold til Tabel B.1.",
        "layer_kommuner": "Kommuner (sundhedsfællesskab)",
        "layer_hospitals": "Akutsygehuse",
        "layer_added": "Nye akutsygehuse",
        "layer_moved": "Flyttede kommuner",
        "hospital": "Akutsygehus",
        "hospital_leg": "Akutsygehus",
        "added_leg": "Nyt akutsygehus (scenariets tilføjelse)",
        "added_popup": "Tilføjet i dette scenarie (ikke et eksisterende akutsygehus)",
        "closed_leg": "Lukket i dette scenarie",
        "unused": "ikke i brug",
        "closed": "lukket i scenariet",
        "total": "I alt",
        "tiles": "Baggrundskort (OpenStreetMap, kræver net)",
    },
    "en": {
        "title": "Health-care communities",
        "title_b1": "Health-care communities: Table B.1 (2019)",
        "panel": "Health-care communities",
        "catchment": "Health-care community",
        "population": "Population {year}",
        "status": "Band",
        "inside": "inside",
        "outside": "outside",
        "exception": "exception",
        "band": "Population band",
        "minutes": "Minutes to emergency hospital",
        "km": "Road km (fastest route)",
        "moved": "Moved",
        "moved_title": "Moved municipalities",
        "moved_leg": "Municipality moved relative to Table B.1",
        "none_moved": "No municipalities moved relative to Table B.1.",
        "layer_kommuner": "Municipalities (catchment)",
        "layer_hospitals": "Emergency hospitals",
        "layer_added": "New emergency hospitals",
        "layer_moved": "Moved municipalities",
        "hospital": "Emergency hospital",
        "hospital_leg": "Emergency hospital",
        "added_leg": "New emergency hospital (added in this scenario)",
        "added_popup": "Added in this scenario (not an existing emergency hospital)",
        "closed_leg": "Closed in this scenario",
        "unused": "not in use",
        "closed": "closed in the scenario",
        "total": "Total",
        "tiles": "Background map (OpenStreetMap, needs network)",
    },
}


def _status(name: str, pop: float, band, exceptions) -> str:
    if name in exceptions:
        return "exception"
    lo, hi = band
    return "inside" if lo <= pop <= hi else "outside"


def catchment_table(ds, assignment: pd.DataFrame, baseline: pd.DataFrame | None = None):
    """Kommuner (GeoDataFrame, EPSG:25832) with ``catchment``, ``minutter``, ``fra`` (Table B.1 catchment) and
    ``moved``; the one place the map, the print page and the exports take 'moved' from (same rule as
    :func:`sundhed.model.evaluate.evaluate_plan`: the catchment differs from Table B.1)."""
    if not {"kode", "catchment"} <= set(assignment.columns):
        raise ValueError("assignment needs columns 'kode' and 'catchment'")
    asg = assignment.drop_duplicates("kode").set_index("kode")
    kom = ds.kommuner[["kode", "navn", "region", "befolkning", "geometry"]].copy()
    missing = set(kom["kode"]) - set(asg.index)
    if missing:
        raise ValueError(f"assignment lacks kommuner: {sorted(missing)[:10]}")
    kom["catchment"] = kom["kode"].map(asg["catchment"]).astype(str)

    if "km" in asg.columns:
        kom["km"] = kom["kode"].map(asg["km"])
    else:
        try:
            kms = ds.kommune_hospital_km()
            kom["km"] = [kms.at[k, c] if (k in kms.index and c in kms.columns) else float("nan")
                         for k, c in zip(kom["kode"], kom["catchment"])]
        except Exception:  # distances are a nicety, not essential
            kom["km"] = float("nan")
    if "minutter" in asg.columns:
        kom["minutter"] = kom["kode"].map(asg["minutter"])
    else:
        try:
            mins = ds.kommune_hospital_minutes()
            kom["minutter"] = [mins.at[k, c] if (k in mins.index and c in mins.columns) else float("nan")
                               for k, c in zip(kom["kode"], kom["catchment"])]
        except Exception:  # travel times are a nicety, not essential
            kom["minutter"] = float("nan")
    if baseline is not None:
        base = baseline.drop_duplicates("kode").set_index("kode")["catchment"]
        kom["fra"] = kom["kode"].map(base)
        kom["moved"] = kom["fra"].notna() & (kom["fra"] != kom["catchment"])
    else:
        kom["fra"] = None
        kom["moved"] = False
    return kom


def colours_for_plan(ds, kom) -> dict[str, str]:
    """Stable colours of the catchments in ``kom`` (see :func:`catchment_table`), hospital order first."""
    order = [h for h in ds.hospitals.sort_values("akut_id")["navn"] if h in set(kom["catchment"])]
    order += sorted(set(kom["catchment"]) - set(order))
    return catchment_colours(order, dict(zip(kom["kode"].astype(int), kom["catchment"])), ds.adjacency.edges())


def render_catchment_map(
    ds,
    assignment: pd.DataFrame,
    out_path,
    *,
    title: str | None = None,
    scenario: str,
    config_hash: str = "",
    band=(200_000, 400_000),
    exceptions=("Bornholm", "Thisted", "Nykøbing F"),
    baseline: pd.DataFrame | None = None,
    lang: str = "da",
    summary: dict | None = None,
    added: Sequence[dict] = (),
    closed: Sequence[str] = (),
    colours: dict[str, str] | None = None,
) -> Path:
    """Write a self-contained (offline) Leaflet HTML map and return its path.

    ``summary``: the catchment summary.json dict; its headline figures are shown on top of the legend.
    ``added``: sites the scenario adds (dicts with ``navn``, ``lat``, ``lon``), drawn as stars;
    ``closed``: hospital names the scenario closes (drawn grey with a cross). ``colours``: catchment -> hex
    (default: :func:`colours_for_plan`, the shipped stable table).
    """
    T = check_lang(lang, TEXTS)
    T = {**T, "population": T["population"].format(year=ds.population_year)}
    title = title or T["title"]
    kom = catchment_table(ds, assignment, baseline)
    colour = colours_for_plan(ds, kom)
    if colours:
        colour = {c: colours.get(c, v) for c, v in colour.items()}
    order = list(colour)
    pop = kom.groupby("catchment")["befolkning"].sum()
    status = {c: _status(c, pop[c], band, exceptions) for c in order}

    kom["farve"] = kom["catchment"].map(colour)
    kom["p_kommune"] = kom["navn"]
    kom["p_bef"] = [fmt_int(v, lang) for v in kom["befolkning"]]
    kom["p_sf"] = kom["catchment"]
    kom["p_min"] = [fmt_min(v, lang) for v in kom["minutter"]]
    kom["p_km"] = [fmt_int(v, lang) for v in kom["km"]]
    kom["p_moved"] = [f"{f} → {t}" if m else "–" for f, t, m in zip(kom["fra"], kom["catchment"], kom["moved"])]

    regions = region_borders(kom, simplify_m=SIMPLIFY_M)
    kom["geometry"] = kom.geometry.simplify(SIMPLIFY_M)
    kom4326 = kom.to_crs(4326)
    m = base_map(kom4326, T)

    fields = ["p_kommune", "p_bef", "p_sf", "p_min", "p_km"]
    aliases = [T["kommune"], T["population"], T["catchment"], T["minutes"], T["km"]]
    if baseline is not None:
        fields.append("p_moved")
        aliases.append(T["moved"])
    folium.GeoJson(
        compact_geojson(kom4326[["kode", "farve"] + fields + ["geometry"]]),
        name=T["layer_kommuner"],
        style_function=lambda f: {"fillColor": f["properties"]["farve"], "color": "#555555", "weight": 0.6,
                                  "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["p_kommune", "p_sf"], aliases=[T["kommune"], T["catchment"]]),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    folium.GeoJson(
        compact_geojson(regions.to_crs(4326)),
        name=T["layer_regions"],
        style_function=lambda f: {"color": "#111111", "weight": 4 if f["properties"]["kind"] == "land" else 1.2,
                                  "opacity": 0.9},
        interactive=False,
    ).add_to(m)
    moved = kom4326[kom4326["moved"]]
    if len(moved):
        folium.GeoJson(
            compact_geojson(moved[["kode", "geometry"]]), name=T["layer_moved"],
            style_function=lambda f: {"color": "#000000", "weight": 3.5, "dashArray": "7 5", "fill": False},
            interactive=False,
        ).add_to(m)

    # hospitals: coloured circles with 'H'; closed ones grey; added ones as stars
    hosp = ds.hospitals.sort_values("akut_id").to_crs(4326)
    lat, lon, tips, pops, svgs = [], [], [], [], []
    for _, h in hosp.iterrows():
        name = str(h["navn"])
        prow = [(T["region"], esc(str(h["region"])))]
        if name in colour:
            prow += [(T["catchment"], esc(name)), (T["population"], fmt_int(pop[name], lang))]
        sub = f"<i>{T['closed'] if name in closed else T['unused']}</i>" if name not in colour else ""
        lat.append(h.geometry.y)
        lon.append(h.geometry.x)
        tips.append(esc(name))
        pops.append(popup_html(esc(str(h.get("fuldt_navn") or name)), prow, sub=sub))
        svgs.append(svg_symbol("circle", "#111111" if name in colour else "#777777", 16,
                               text="H" if name in colour else "×"))
    fg = folium.FeatureGroup(name=T["layer_hospitals"])
    for svg in dict.fromkeys(svgs):  # one layer per distinct symbol (one shared divIcon each)
        idx = [i for i, v in enumerate(svgs) if v == svg]
        symbol_layer("", [lat[i] for i in idx], [lon[i] for i in idx], svg, 16, tooltips=[tips[i] for i in idx],
                     popups=[pops[i] for i in idx], z=800).add_to(fg)
    fg.add_to(m)
    added = [a for a in added if a.get("navn")]
    if added:
        fa = folium.FeatureGroup(name=T["layer_added"])
        for a in added:
            name = str(a["navn"])
            arow = [(T["catchment"], esc(name))] + ([(T["population"], fmt_int(pop[name], lang))]
                                                    if name in pop.index else [])
            svg = svg_symbol("star", colour.get(name, ADDED_COLOUR), 28, stroke="#000000")
            symbol_layer("", [float(a["lat"])], [float(a["lon"])], svg, 28, tooltips=[esc(name)],
                         popups=[popup_html(esc(name), arow, sub=f"<i>{T['added_popup']}</i>")], z=1000,
                         glow=True).add_to(fa)
        fa.add_to(m)

    # --- side panel: title, headline, legend, moved list
    rows = []
    added_names = {str(a["navn"]) for a in added}
    for c in order:
        st = status[c]
        st_col = {"inside": "#1a7f37", "outside": "#c62828", "exception": "#6a4c93"}[st]
        mark = " ★" if c in added_names else ""
        rows.append(f"<tr><td><span class='mp-sw' style='background:{colour[c]}'></span></td>"
                    f"<td>{esc(c)}{mark}</td><td class='mp-num'>{fmt_int(pop[c], lang)}</td>"
                    f"<td style='color:{st_col}'>{T[st]}</td></tr>")
    rows.append(f"<tr class='mp-tot'><td></td><td>{T['total']}</td>"
                f"<td class='mp-num'>{fmt_int(pop.sum(), lang)}</td><td></td></tr>")
    lo, hi = band
    parts = [f"<style>{HEADLINE_CSS}</style>",
             title_block(title, T, scenario=scenario, config_hash=config_hash,
                         data_versions=data_versions(ds.population_year))]
    if summary is not None:
        parts.append(headline_html("catchments", summary, lang))
    parts.append(f"<div class='mp-h'>{T['panel']}</div>"
                 f"<div class='mp-meta'>{T['band']}: {fmt_int(lo, lang)}–{fmt_int(hi, lang)}</div>"
                 f"<table>{''.join(rows)}</table>")
    leg = [f"<tr><td style='width:22px'><span class='mp-sym'>{svg_symbol('circle', '#111111', 14, text='H')}"
           f"</span></td><td>{T['hospital_leg']}</td></tr>"]
    if added:
        star = svg_symbol("star", "#777777", 18, stroke="#000")
        leg.append(f"<tr><td><span class='mp-sym mp-glow'>{star}</span></td><td>{T['added_leg']}</td></tr>")
    if closed:
        leg.append(f"<tr><td><span class='mp-sym'>{svg_symbol('circle', '#777777', 14, text='×')}</span>"
                   f"</td><td>{T['closed_leg']}: {esc(', '.join(closed))}</td></tr>")
    if baseline is not None:
        leg.append("<tr><td><span style='display:inline-block;width:16px;height:10px;border:2.5px dashed #000'>"
                   f"</span></td><td>{T['moved_leg']}</td></tr>")
    parts.append(f"<table style='margin-top:4px'>{''.join(leg)}</table>")
    if baseline is not None:
        mv = kom[kom["moved"]].sort_values("navn")
        if len(mv):
            items = "".join(f"<li>{esc(n)}: {esc(str(f))} → {esc(str(t))}</li>"
                            for n, f, t in zip(mv["navn"], mv["fra"], mv["catchment"]))
            parts.append(f"<div class='mp-h'>{T['moved_title']} ({len(mv)})</div><ul>{items}</ul>")
        else:
            parts.append(f"<div class='mp-h'>{T['moved_title']}</div><p>{T['none_moved']}</p>")
    return write_map(m, "".join(parts), title, out_path)


def render_catchment_plan(ds, plan, out_path, *, scenario: str, config_hash: str = "", lang: str = "da",
                          title: str | None = None) -> Path:
    """:func:`render_catchment_map` of a catchment plan (:class:`solvers.catchments.CatchmentResult`, solved
    or read back from its folder): its per-kommune table, band, exceptions, colours and headline figures
    (``plan.summary()``, what summary.json holds), against Table B.1; the scenario's added and closed
    akutsygehuse from the plan's config record. Table B.1 itself (summary status ``table``) is drawn without
    a 'moved' layer."""
    summary = plan.summary()
    table = summary.get("status") == "table"
    c = (plan.config or {}).get("catchments", {})
    T = check_lang(lang, TEXTS)
    cols = [c for c in ("kode", "catchment", "minutter", "km") if c in plan.score.per_kommune.columns]
    return render_catchment_map(ds, plan.score.per_kommune[cols], out_path,
                                title=title or (T["title_b1"] if table else T["title"]), scenario=scenario,
                                config_hash=config_hash, band=plan.band or (0, 10**9),
                                exceptions=tuple(plan.band_exceptions), baseline=None if table else ds.baseline,
                                lang=lang, summary=summary, added=c.get("add", []), closed=c.get("close", []),
                                colours=plan.colours)
