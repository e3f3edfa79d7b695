"""Offline HTML map of an akutbil plan (Model 3): existing and new stations, response-time bands.

Response time = the instance's dispatch delay + drive minutes; pairs whose fastest path uses a ferry never
count (as in the covering model), so a point reached only over a ferry is shown as "not reachable without a
ferry". Every figure comes from the :class:`solvers.akutbiler.EMSPlan` (its per-demand response table and
stations) and the dataset's geometry; no solver or model is called. Population figures are *modelled*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from sundhed.model.plan import TOTAL_LABEL
from sundhed.maps.common import (base_map, check_lang, esc, fmt_int, fmt_min, fmt_num, model_data_versions,
                         fmt_pct, kommune_layers, lookup_sites, notes_block, point_layer, popup_html, radius_px,
                         svg_symbol, swatch, symbol_layer, title_block, write_map)
from sundhed.maps.headline import HEADLINE_CSS, headline_html

#: Response-time bands (minutes, upper limits) and their colours; then "> last" and "no route without ferry".
BANDS = (5.0, 10.0, 15.0)
BAND_COLOURS = ("#1a9641", "#a6d96a", "#fdae61")
OVER_COLOUR = "#d7191c"
UNREACHABLE_COLOUR = "#9e9e9e"
EXISTING_COLOUR = "#222222"
NEW_COLOUR = "#7b3294"
EX_SIZE, NEW_SIZE = 10, 30  # marker sizes, px
_TOL = 1e-9  # as solvers.akutbiler.reach_report

TEXTS = {
    "da": {
        "title": "Akutbiler: stationer og responstid",
        "share_h": "Andel af befolkningen nået inden for {T} min",
        "national_line": "Hele landet: før <b>{b}</b> → efter <b>{a}</b>",
        "by_region": "Pr. region (inden for {T} min)",
        "bands_h": "Responstid (andel af befolkningen)",
        "band_le": "≤ {t} min",
        "band_mid": "{a}–{t} min",
        "band_gt": "> {t} min",
        "unreachable": "Ikke nåbar uden færge",
        "stations": "Stationer",
        "existing": "Eksisterende station",
        "new": "Ny station",
        "layer_after": "Responstid efter planen",
        "layer_before": "Responstid før planen",
        "layer_existing": "Eksisterende stationer ({n})",
        "layer_new": "Nye stationer ({n})",
        "resp_before": "Responstid før (min)",
        "resp_after": "Responstid efter (min)",
        "fastest_after": "Hurtigste enhed efter",
        "no_ferry": "ikke nåbar uden færge",
        "rank": "Valgt som nr.",
        "gain": "Ekstra dækket inden for {T} min",
        "removal": "Tabt hvis kun denne fjernes",
        "inh": "indb.",
        "inh_note": ("Nr. og ekstra dækning: enhederne tilføjet én ad gangen, største gevinst først. "
                     "Indb. = befolkning (eller estimeret ældrebefolkning) i sognene."),
        "cost": "Pris",
        "mio": "mio. kr.",
        "existing_unit": "Eksisterende enhed (beholdes)",
        "new_unit": "Ny enhed i planen",
        "model_line": ("Model 3 (akutbiler): {kind}, T = {T} min, {n} nye enheder; "
                       "responstid = {d} min udrykning + køretid"),
        "kinds": {"mclp": "største dækning (MCLP)", "lscp": "færrest enheder (LSCP)",
                  "mexclp": "forventet dækning (MEXCLP)", "dsm": "dobbeltdækning (DSM)"},
        "ferry_note": "Ture, hvis hurtigste vej bruger en færge, tæller ikke som dækning.",
    },
    "en": {
        "title": "Rapid response cars: stations and response time",
        "share_h": "Share of population reached within {T} min",
        "national_line": "Denmark: before <b>{b}</b> → after <b>{a}</b>",
        "by_region": "By region (within {T} min)",
        "bands_h": "Response time (share of population)",
        "band_le": "≤ {t} min",
        "band_mid": "{a}–{t} min",
        "band_gt": "> {t} min",
        "unreachable": "Not reachable without ferry",
        "stations": "Stations",
        "existing": "Existing station",
        "new": "New station",
        "layer_after": "Response time after the plan",
        "layer_before": "Response time before the plan",
        "layer_existing": "Existing stations ({n})",
        "layer_new": "New stations ({n})",
        "resp_before": "Response before (min)",
        "resp_after": "Response after (min)",
        "fastest_after": "Fastest unit after",
        "no_ferry": "not reachable without ferry",
        "rank": "Chosen as no.",
        "gain": "Extra covered within {T} min",
        "removal": "Lost if only this one is removed",
        "inh": "inh.",
        "inh_note": ("No. and extra coverage: units added one at a time, largest gain first. "
                     "Inh. = population (or estimated elderly population) of the parishes."),
        "cost": "Cost",
        "mio": "m DKK",
        "existing_unit": "Existing unit (kept)",
        "new_unit": "New unit in the plan",
        "model_line": ("Model 3 (rapid response cars): {kind}, T = {T} min, {n} new units; "
                       "response = {d} min dispatch + drive"),
        "kinds": {"mclp": "maximal coverage (MCLP)", "lscp": "fewest units (LSCP)",
                  "mexclp": "expected coverage (MEXCLP)", "dsm": "double standard (DSM)"},
        "ferry_note": "Trips whose fastest path uses a ferry never count as covered.",
    },
}


def _g(x: float, lang: str) -> str:
    """A minute value as short as possible (``15``, ``7,5``)."""
    return fmt_num(x, lang, 0) if float(x).is_integer() else fmt_num(x, lang, 1)


def _band(r: float, bands: Sequence[float]) -> int:
    """Band index: 0..len(bands)-1 within that limit, len(bands) above the last, -1 unreachable."""
    if not np.isfinite(r):
        return -1
    for i, t in enumerate(bands):
        if r <= t + _TOL:
            return i
    return len(bands)


def response_table(plan, bands: Sequence[float] = BANDS) -> pd.DataFrame:
    """Per demand point (``plan.demand`` order): ``demand_id``, ``weight``, ``region``, ``before_min`` /
    ``after_min`` (fastest response from the existing / all units after the plan; inf = not reachable without
    a ferry), ``band_before`` / ``band_after`` (0..len(bands)-1 = within that limit, len(bands) = above the
    last, -1 = not reachable without a ferry) and ``fastest_after`` (station id, "" if none)."""
    if plan.demand is None:
        raise ValueError("the akutbil plan has no per-demand response table (solve it with solve_ems)")
    bands = tuple(float(b) for b in bands)
    d = plan.demand
    rb = d["before_min"].to_numpy(float)
    ra = d["after_min"].to_numpy(float)
    return pd.DataFrame({
        "demand_id": d["demand_id"].astype(str).tolist(), "weight": d["weight"].to_numpy(float),
        "region": d["region"].astype(str).tolist(), "before_min": rb, "after_min": ra,
        "band_before": [_band(r, bands) for r in rb], "band_after": [_band(r, bands) for r in ra],
        "fastest_after": d["fastest_after"].fillna("").astype(str).tolist(),
    })


def _shares_at(plan, T: float) -> pd.DataFrame:
    """Region rows (+ the total row) with ``before``/``after`` shares within ``T`` from ``plan.region_report``
    (or from the plan's per-demand response table if the plan was reported for other thresholds)."""
    rep = plan.region_report
    cb, ca = f"before_{T:g}", f"after_{T:g}"
    if cb in rep.columns and ca in rep.columns:
        label = "region" if "region" in rep.columns else rep.columns[0]
        return pd.DataFrame({"region": rep[label].astype(str), "demand": rep["demand"],
                             "before": rep[cb], "after": rep[ca]})
    r = response_table(plan)
    rows = []
    for g in [*dict.fromkeys(r["region"]), TOTAL_LABEL]:
        sel = r if g == TOTAL_LABEL else r[r["region"] == g]
        w = sel["weight"].to_numpy(float)
        tot = float(w.sum())
        within = {c: float(w[sel[c].to_numpy(float) <= T + _TOL].sum()) for c in ("before_min", "after_min")}
        rows.append({"region": g, "demand": tot, "before": within["before_min"] / tot if tot > 0 else float("nan"),
                     "after": within["after_min"] / tot if tot > 0 else float("nan")})
    return pd.DataFrame(rows)


def render_ems_map(ds, plan, out_path, *, stations: pd.DataFrame | None = None, title: str | None = None,
                   scenario: str = "", config_hash: str = "", lang: str = "da", notes: Sequence[str] = (),
                   data_versions: str | None = None, bands: Sequence[float] = BANDS,
                   simulation: tuple[pd.DataFrame, dict] | None = None, bases: pd.DataFrame | None = None,
                   summary: dict | None = None) -> Path:
    """Write a self-contained (offline) Leaflet map of an akutbil plan and return its path.

    ``plan``: a :class:`solvers.akutbiler.EMSPlan` (solved, or read back from its folder); nothing is re-solved.
    ``stations``: columns ``id``, ``navn``, ``x``, ``y`` (EPSG:25832), optionally ``kode``, for at least every
    existing and new station (default: ``plan.stations``). ``notes``: legend lines, e.g. that the existing
    fleet is an assumption.
    ``bands``: upper limits (minutes) of the colour bands (default 5, 10, 15).
    ``simulation``: (per-kommune table, summary) of :func:`sundhed.simulate.simulate_plan`: a layer of the
    simulated share within T per kommune (:mod:`maps.akutbil_reality`). ``bases``: geocoded real bases
    (:func:`geodata.bases.load_bases`), drawn as a dated layer.
    """
    T = check_lang(lang, TEXTS)
    title = title or T["title"]
    bands = tuple(float(b) for b in bands)
    if not bands or list(bands) != sorted(bands):
        raise ValueError(f"bands must be increasing minutes, got {bands}")
    colours = list(BAND_COLOURS[: len(bands)]) + [BAND_COLOURS[-1]] * max(0, len(bands) - len(BAND_COLOURS))
    Tcov = float(plan.params.T)
    tcov = _g(Tcov, lang)

    kom = ds.kommuner
    kom_navn = dict(zip(kom["kode"].astype(int), kom["navn"]))

    # ---- stations (looked up by id)
    stations = plan.stations if stations is None else stations
    if stations is None:
        raise ValueError("no station locations: give stations= or a plan with stations (EMSPlan.with_stations)")
    ex_ids = [str(i) for i in plan.existing_station_ids]
    new_ids = [str(i) for i in plan.new_station_ids]
    loc = lookup_sites(stations, list(dict.fromkeys(ex_ids + new_ids)), "stations").set_index("id")

    # ---- demand points and response times
    resp = response_table(plan, bands)
    rb, ra, who_a = resp["before_min"].to_numpy(), resp["after_min"].to_numpy(), resp["fastest_after"].tolist()
    ids = resp["demand_id"].tolist()
    pts = ds.demand.assign(punkt_id=ds.demand["punkt_id"].astype(str)).set_index("punkt_id")
    missing = sorted(set(ids) - set(pts.index))
    if missing:
        raise ValueError(f"instance demand ids not in ds.demand: {missing[:10]}")
    geo = pts.loc[ids]
    w = resp["weight"].to_numpy(float)
    dem = gpd.GeoDataFrame({"navn": list(geo["navn"]), "kode": geo["kode"].astype(int).to_numpy(),
                            "region": resp["region"].tolist(), "weight": w},
                           geometry=list(geo.geometry), crs=ds.demand.crs)
    band_colour = {i: c for i, c in enumerate(colours)}
    band_colour[len(bands)] = OVER_COLOUR
    band_colour[-1] = UNREACHABLE_COLOUR
    bb, ba = resp["band_before"].to_numpy(), resp["band_after"].to_numpy()
    dem["c_before"] = [band_colour[b] for b in bb]
    dem["c_after"] = [band_colour[b] for b in ba]
    dem["r"] = radius_px(w, float(w.max()) if len(w) else 1.0)
    dem["p_navn"] = [esc(str(n)) for n in dem["navn"]]
    dem["p_kommune"] = [esc(kom_navn.get(int(k), str(k))) for k in dem["kode"]]
    dem["p_region"] = [esc(r) for r in dem["region"]]
    dem["p_weight"] = [fmt_int(v, lang) for v in w]
    dem["p_rb"] = [fmt_min(v, lang) if np.isfinite(v) else T["no_ferry"] for v in rb]
    dem["p_ra"] = [fmt_min(v, lang) if np.isfinite(v) else T["no_ferry"] for v in ra]
    dem["p_who"] = [esc(str(loc.loc[j, "navn"])) if j and j in loc.index else "–" for j in who_a]
    dem4326 = dem.to_crs(4326)

    # ---- map
    m = base_map(kom.to_crs(4326), T)
    kommune_layers(m, ds, T)
    fields = ["p_navn", "p_kommune", "p_region", "p_weight", "p_rb", "p_ra", "p_who"]
    aliases = [T["navn"], T["kommune"], T["region"], T["weight"], T["resp_before"], T["resp_after"],
               T["fastest_after"]]
    point_layer(dem4326, T["layer_after"], colour_col="c_after", radius_col="r", popup_fields=fields,
                popup_aliases=aliases, tooltip_field="p_navn", overlay=False, show=True).add_to(m)
    point_layer(dem4326, T["layer_before"], colour_col="c_before", radius_col="r", popup_fields=fields,
                popup_aliases=aliases, tooltip_field="p_navn", overlay=False, show=False).add_to(m)

    def kommune_of(s) -> str:
        k = s.get("kode") if hasattr(s, "get") else None
        return esc(kom_navn.get(int(k), str(k))) if k is not None and pd.notna(k) else ""

    ex_svg = svg_symbol("square", EXISTING_COLOUR, EX_SIZE)
    ex_rows = [loc.loc[j] for j in ex_ids]
    ex_popups = [popup_html(f"{esc(str(s['navn']))} <span style='color:#666'>({esc(j)})</span>",
                            [(T["kommune"], kommune_of(s))] if kommune_of(s) else [], T["existing_unit"])
                 for j, s in zip(ex_ids, ex_rows)]
    symbol_layer(T["layer_existing"].format(n=len(ex_ids)), [s["lat"] for s in ex_rows],
                 [s["lon"] for s in ex_rows], ex_svg, EX_SIZE, tooltips=[esc(str(s["navn"])) for s in ex_rows],
                 popups=ex_popups, z=500).add_to(m)

    marg = plan.marginal.copy()
    marg["station_id"] = marg["station_id"].astype(str)
    marg = marg.drop_duplicates("station_id").set_index("station_id")
    new_svg = svg_symbol("star", NEW_COLOUR, NEW_SIZE)
    new_rows = [loc.loc[j] for j in new_ids]
    new_popups = []
    for j, s in zip(new_ids, new_rows):
        rows = [(T["kommune"], kommune_of(s))] if kommune_of(s) else []
        if j in marg.index:
            r = marg.loc[j]
            rows += [(T["rank"], fmt_int(r["greedy_rank"], lang)),
                     (T["gain"].format(T=tcov), f"{fmt_int(r['greedy_gain'], lang)} {T['inh']}"),
                     (T["removal"].format(T=tcov), f"{fmt_int(r['removal_value'], lang)} {T['inh']}")]
            if pd.notna(r.get("cost_mio_kr")):
                rows.append((T["cost"], f"{fmt_num(r['cost_mio_kr'], lang)} {T['mio']}"))
        new_popups.append(popup_html(f"{esc(str(s['navn']))} <span style='color:#666'>({esc(j)})</span>",
                                     rows, f"<b>{T['new_unit']}</b>", T["inh_note"]))
    symbol_layer(T["layer_new"].format(n=len(new_ids)), [s["lat"] for s in new_rows],
                 [s["lon"] for s in new_rows], new_svg, NEW_SIZE, tooltips=[esc(str(s["navn"])) for s in new_rows],
                 popups=new_popups, z=1000, glow=True).add_to(m)

    from sundhed.maps.akutbil_reality import bases_layer, simulation_layer

    reality = []
    if simulation is not None:
        reality.append(simulation_layer(m, ds, simulation[0], simulation[1], T, lang, tcov))
    if bases is not None:
        reality.append(bases_layer(m, bases, T, lang))

    # ---- legend / side panel
    sh = _shares_at(plan, Tcov)
    tot = sh[sh["region"] == TOTAL_LABEL]
    regions = sh[sh["region"] != TOTAL_LABEL]
    kind = T["kinds"].get(plan.kind, plan.kind)
    parts = [title_block(title, T, scenario=scenario, config_hash=config_hash,
                         data_versions=data_versions or model_data_versions(ds.population_year),
                         extra=[T["model_line"].format(kind=esc(kind), T=tcov, n=len(new_ids),
                                                       d=_g(float(plan.delay_min), lang))])]
    parts.insert(0, f"<style>{HEADLINE_CSS}</style>")
    parts.append(headline_html("akutbiler", summary if summary is not None else plan.summary(), lang))
    parts.append(f"<div class='mp-h'>{T['share_h'].format(T=tcov)}</div>")
    if len(tot):
        t0 = tot.iloc[0]
        line = T["national_line"].format(b=fmt_pct(t0["before"], lang), a=fmt_pct(t0["after"], lang))
        parts.append(f"<div class='mp-big'>{line}</div>")
    rrows = [f"<tr><th>{T['by_region'].format(T=tcov)}</th><th>{T['before']}</th><th>{T['after']}</th></tr>"]
    for _, r in regions.iterrows():
        rrows.append(f"<tr><td>{esc(r['region'])}</td><td class='mp-num'>{fmt_pct(r['before'], lang)}</td>"
                     f"<td class='mp-num'><b>{fmt_pct(r['after'], lang)}</b></td></tr>")
    if len(tot):
        rrows.append(f"<tr class='mp-tot'><td>{T['national']}</td><td class='mp-num'>{fmt_pct(t0['before'], lang)}</td>"
                     f"<td class='mp-num'>{fmt_pct(t0['after'], lang)}</td></tr>")
    parts.append(f"<table>{''.join(rrows)}</table>")

    # bands: share of the (modelled) population in each band, before / after
    tw = float(w.sum())
    labels = ([T["band_le"].format(t=_g(bands[0], lang))]
              + [T["band_mid"].format(a=_g(a, lang), t=_g(b, lang)) for a, b in zip(bands[:-1], bands[1:])]
              + [T["band_gt"].format(t=_g(bands[-1], lang)), T["unreachable"]])
    keys = list(range(len(bands))) + [len(bands), -1]
    brows = [f"<tr><th></th><th>{T['before']}</th><th>{T['after']}</th></tr>"]
    for key, lbl in zip(keys, labels):
        sb = float(w[bb == key].sum()) / tw if tw > 0 else float("nan")
        sa = float(w[ba == key].sum()) / tw if tw > 0 else float("nan")
        if key == -1 and sb == 0 and sa == 0:
            continue
        brows.append(f"<tr><td>{swatch(band_colour[key])} {esc(lbl)}</td><td class='mp-num'>{fmt_pct(sb, lang)}</td>"
                     f"<td class='mp-num'>{fmt_pct(sa, lang)}</td></tr>")
    parts.append(f"<div class='mp-h'>{T['bands_h']}</div><table>{''.join(brows)}</table>")
    parts.append(f"<div class='mp-note'>{T['size_note']}</div>")

    parts.append(
        f"<div class='mp-h'>{T['stations']}</div><table>"
        f"<tr><td style='width:26px'><span class='mp-sym'>{svg_symbol('square', EXISTING_COLOUR, EX_SIZE)}</span></td>"
        f"<td>{T['existing']}</td><td class='mp-num'>{fmt_int(len(ex_ids), lang)}</td></tr>"
        f"<tr><td><span class='mp-sym mp-glow'>{svg_symbol('star', NEW_COLOUR, 22)}</span></td>"
        f"<td>{T['new']}</td><td class='mp-num'><b>{fmt_int(len(new_ids), lang)}</b></td></tr></table>")

    parts.extend(reality)
    parts.append(notes_block([*notes, T["modelled_note"].format(year=ds.population_year), T["ferry_note"]], T))
    return write_map(m, "".join(parts), title, out_path)
