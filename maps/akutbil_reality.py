"""Akutbil map layers that check a plan against reality: the simulated share per kommune and the real bases.

Used by :func:`maps.akutbiler.render_ems_map`. Each function adds its layer to the folium map and returns the
HTML of its side-panel section. Every figure comes from the simulation tables (sundhed/simulate.py) or the
shipped, geocoded bases (geodata/data/project/prehospital_bases.csv).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import pandas as pd
from sundhed.maps.common import (
    SIMPLIFY_M,
    compact_geojson,
    esc,
    fmt_int,
    fmt_pct,
    popup_html,
    svg_symbol,
    swatch,
    symbol_layer,
)

#: Simulated share within T (after the plan) per kommune: lower limits and colours (≥ first limit first).
SIM_CLASSES = ((0.98, "#1a9641"), (0.95, "#a6d96a"), (0.90, "#ffffbf"), (0.85, "#fdae61"), (0.0, "#d7191c"))
BASE_COLOUR = "#0571b0"
BASE_SIZE = 13

TEXTS: dict[str, dict[str, Any]] = {
    "da": {
        "sim_layer": "Simuleret andel nået inden for {T} min efter planen (pr. kommune)",
        "sim_h": "Simulering: et år med A-kald",
        "sim_line": ("Hele landet inden for {T} min: før <b>{b}</b> → efter <b>{a}</b> (± {hw}, 95 %-interval "
                     "over {r} gentagelser); statisk model: {sb} → {sa}"),
        "sim_note": ("Kald som Poisson-proces efter befolkning ({calls} A-kald om året, et skøn); nærmeste ledige "
                     "enhed kører; enhederne er optaget af udkald, tid på stedet og transport (antagelser)."),
        "share_before": "Simuleret andel før",
        "share_after": "Simuleret andel efter",
        "calls": "A-kald om året (simuleret)",
        "bases_layer": "Kendte præhospitale baser {span} (ufuldstændig liste)",
        "bases_h": "Kendte baser (kilder {span})",
        "bases_note": ("{n} baser efter by, samlet fra regionernes og avisers sider; ikke et fuldt register. "
                       "Placeret i byens GeoNames-punkt."),
        "unit_types": {"akutlaegehelikopter": "akutlægehelikopter", "akutlaegebil": "akutlægebil",
                       "akutbil": "akutbil", "ambulancestation": "ambulancestation",
                       "noedbehandler": "nødbehandler (brandvæsen)",
                       "fremskudt_med_overnatning": "fremskudt beredskab (med overnatning)",
                       "fremskudt_uden_overnatning": "fremskudt beredskab (uden overnatning)"},
        "type": "Type", "as_of": "Kildens dato", "source": "Kilde", "detail": "Detalje",
    },
    "en": {
        "sim_layer": "Simulated share reached within {T} min after the plan (by municipality)",
        "sim_h": "Simulation: a year of A-calls",
        "sim_line": ("Denmark within {T} min: before <b>{b}</b> → after <b>{a}</b> (± {hw}, 95 % interval over "
                     "{r} replications); static model: {sb} → {sa}"),
        "sim_note": ("Calls as a Poisson process by population ({calls} A-calls a year, an estimate); the nearest "
                     "free unit drives; units are busy with the trip, on-scene time and transport (assumptions)."),
        "share_before": "Simulated share before",
        "share_after": "Simulated share after",
        "calls": "A-calls a year (simulated)",
        "bases_layer": "Known prehospital bases {span} (partial list)",
        "bases_h": "Known bases (sources {span})",
        "bases_note": ("{n} bases by town, compiled from regional and newspaper pages; not a full register. "
                       "Placed at the town's GeoNames point."),
        "unit_types": {"akutlaegehelikopter": "doctor helicopter", "akutlaegebil": "doctor car",
                       "akutbil": "paramedic car", "ambulancestation": "ambulance station",
                       "noedbehandler": "fire-service first responder",
                       "fremskudt_med_overnatning": "forward post (overnight)",
                       "fremskudt_uden_overnatning": "forward post (day)"},
        "type": "Type", "as_of": "Source date", "source": "Source", "detail": "Detail",
    },
}


def sim_colour(share: float) -> str:
    for lo, c in SIM_CLASSES:
        if share >= lo - 1e-12:
            return c
    return SIM_CLASSES[-1][1]


def simulation_layer(m: folium.Map, ds, kommuner: pd.DataFrame, summary: dict, T: dict, lang: str,
                     tcov: str) -> str:
    """Choropleth of the simulated share within T after the plan per kommune (``kommuner``: ``kode``,
    ``share_before``, ``share_after``, ``calls_per_year``); returns the panel section."""
    X = TEXTS[lang]
    k = ds.kommuner[["kode", "navn", "geometry"]].copy()
    k["geometry"] = k.geometry.simplify(SIMPLIFY_M)
    sim = kommuner.set_index(kommuner["kode"].astype(int))
    k = k[k["kode"].astype(int).isin(sim.index)].copy()
    s = sim.loc[k["kode"].astype(int)]
    k["c"] = [sim_colour(v) for v in s["share_after"]]
    k["p_navn"] = [esc(str(n)) for n in k["navn"]]
    k["p_before"] = [fmt_pct(v, lang) for v in s["share_before"]]
    k["p_after"] = [fmt_pct(v, lang) for v in s["share_after"]]
    k["p_calls"] = [fmt_int(v, lang) for v in s["calls_per_year"]]
    fg = folium.FeatureGroup(name=X["sim_layer"].format(T=tcov), show=False)
    folium.GeoJson(
        compact_geojson(k[["c", "p_navn", "p_before", "p_after", "p_calls", "geometry"]].to_crs(4326)),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": 0.75, "color": "#555555",
                                  "weight": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=["p_navn", "p_after"], aliases=[T["kommune"], X["share_after"]]),
        popup=folium.GeoJsonPopup(fields=["p_navn", "p_before", "p_after", "p_calls"],
                                  aliases=[T["kommune"], X["share_before"], X["share_after"], X["calls"]],
                                  localize=False),
    ).add_to(fg)
    fg.add_to(m)
    nat = summary.get("national", {})
    hw = (nat.get("ci_halfwidth") or {}).get("after", {}).get("share_within_T")
    st = nat.get("static_share_within_T") or {}
    line = X["sim_line"].format(T=tcov, b=fmt_pct(nat.get("before", {}).get("share_within_T"), lang),
                                a=fmt_pct(nat.get("after", {}).get("share_within_T"), lang),
                                hw=fmt_pct(hw, lang, 2), r=summary.get("replications", "?"),
                                sb=fmt_pct(st.get("before"), lang), sa=fmt_pct(st.get("after"), lang))
    legend = "".join(f"<tr><td>{swatch(c, False)} ≥ {fmt_pct(lo, lang, 0)}</td></tr>" if lo > 0 else
                     f"<tr><td>{swatch(c, False)} &lt; {fmt_pct(SIM_CLASSES[-2][0], lang, 0)}</td></tr>"
                     for lo, c in SIM_CLASSES)
    note = X["sim_note"].format(calls=fmt_int(summary.get("calls_per_year_national_estimate",
                                                          summary.get("calls_per_year")), lang))
    return (f"<div class='mp-h'>{X['sim_h']}</div><div class='mp-big'>{line}</div>"
            f"<table>{legend}</table><div class='mp-note'>{esc(note)}</div>")


def _years(bases: pd.DataFrame) -> tuple[str, str]:
    ys = pd.to_numeric(bases["as_of"].astype(str).str.extract(r"(\d{4})")[0], errors="coerce").dropna()
    return (str(int(ys.min())), str(int(ys.max()))) if len(ys) else ("?", "?")


def bases_layer(m: folium.Map, bases: pd.DataFrame, T: dict, lang: str) -> str:
    """The geocoded real bases (``lat``, ``lon``, ``town``, ``unit_type``, ``as_of``, ``detail``,
    ``source_url``) as a dated symbol layer; returns the panel section."""
    X = TEXTS[lang]
    if bases is None or bases.empty:
        return ""
    a, b = _years(bases)
    span = a if a == b else f"{a}–{b}"
    types = X["unit_types"]
    tips = [f"{esc(str(r.town))}: {esc(types.get(r.unit_type, r.unit_type))} ({esc(str(r.as_of))})"
            for r in bases.itertuples()]
    pops = []
    for r in bases.itertuples():
        url = str(r.source_url)
        src = (f"<a href='{esc(url)}' target='_blank'>{esc(url[:40])}…</a>" if url.startswith("http") else esc(url))
        rows: Sequence[tuple[str, str]] = [(X["type"], esc(types.get(r.unit_type, r.unit_type))),
                                           (X["as_of"], esc(str(r.as_of))), (X["source"], src)]
        if str(r.detail).strip():
            rows = [*rows, (X["detail"], esc(str(r.detail)))]
        pops.append(popup_html(esc(str(r.town)), rows))
    svg = svg_symbol("triangle", BASE_COLOUR, BASE_SIZE)
    symbol_layer(X["bases_layer"].format(span=span), bases["lat"].tolist(), bases["lon"].tolist(), svg, BASE_SIZE,
                 tooltips=tips, popups=pops, z=700).add_to(m)
    return (f"<div class='mp-h'>{X['bases_h'].format(span=span)}</div><table><tr><td style='width:26px'>"
            f"<span class='mp-sym'>{svg}</span></td><td>{esc(X['bases_note'].format(n=len(bases)))}</td></tr></table>")
