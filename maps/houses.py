"""Offline HTML map of a sundhedshus plan (Model 2): chosen sites by type, existing houses, coverage.

Every figure comes from the :class:`solvers.houses.HousePlan` and the dataset's geometry; nothing is invented
and no solver or model is called. Population figures are *modelled* (kommune totals spread over demand
points) and are labelled so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from sundhed.maps.common import (base_map, check_lang, esc, fmt_int, fmt_min, fmt_num, model_data_versions,
                         fmt_pct, kommune_layers, lookup_sites, notes_block, point_layer, popup_html, radius_px,
                         svg_symbol, swatch, symbol_layer, title_block, write_map)
from sundhed.maps.solver_notes import solver_notes
from sundhed.maps.headline import HEADLINE_CSS, headline_html

COVERED = "#2c7bb6"      # blue
PARTIAL = "#fdae61"      # orange
UNCOVERED = "#d7191c"    # red
EXISTING = "#444444"
HOSPITAL = "#111111"
HOSP_SIZE = 15
#: (shape, colour, size px) per house type, in ``plan.house_types`` order.
TYPE_STYLES = [("square", "#7b3294", 20), ("diamond", "#1b7837", 17), ("triangle", "#e66101", 17),
               ("circle", "#8c510a", 15), ("star", "#c51b7d", 19)]

TEXTS = {
    "da": {
        "title": "Sundhedshuse: placering og dækning",
        "panel": "Dækning inden for {T} min",
        "cov_expl": ("Andel af befolkningen med et sundhedshus eller et akutsygehus "
                     "inden for {T} minutters kørsel."),
        "of_inh": "{a} → {b} af {n} indbyggere",
        "houses": "Sundhedshuse",
        "new": "Nye",
        "existing": "Eksisterende",
        "existing_house": "Eksisterende sundhedshus",
        "per_house": "{c} mio. kr. pr. hus",
        "money": "Økonomi (mio. kr.)",
        "state": "Statens andel",
        "of_budget": "af budget",
        "kommune_share": "Kommunal medfinansiering",
        "total_cost": "Samlet anlægsudgift",
        "by_region": "Dækning pr. region",
        "lowest": "Lavest dækning efter planen (sundhedsfællesskab)",
        "covered": "dækket",
        "partial": "delvis dækket",
        "uncovered": "ikke dækket",
        "covered_leg": "Dækket inden for {T} min",
        "partial_leg": "Delvis dækket (kapacitet)",
        "uncovered_leg": "Ikke dækket",
        "layer_after": "Dækning efter planen",
        "layer_before": "Dækning før planen",
        "layer_new": "Nye: {t} ({n})",
        "layer_existing": "Eksisterende huse ({n})",
        "layer_hosp": "Akutsygehuse",
        "hospital": "Akutsygehus",
        "hospital_leg": "Akutsygehus (tæller som dækning)",
        "hosp_popup": "Tæller som dækning (ubegrænset kapacitet i modellen)",
        "type": "Type",
        "build_year": "Byggeår",
        "cost_total": "Anlægsudgift i alt",
        "cost_state": "Statens andel",
        "cost_kommune": "Kommunens andel",
        "mio": "mio. kr.",
        "capacity": "Kapacitet (patienter)",
        "assigned": "Betjener",
        "inh": "indb.",
        "assigned_note": "Befolkning, som planen tildeler dette hus.",
        "cov_before": "Dækket før",
        "cov_after": "Dækket efter",
        "min_before": "Minutter til tildelt hus/sygehus før",
        "min_after": "Minutter til tildelt hus/sygehus efter",
        "k_cov": "Dækning før → efter",
        "k_houses": "Nye huse i kommunen",
        "k_state": "Statens udgift i kommunen (mio. kr.)",
        "objective": {"coverage": "største dækning", "median": "mindst samlet rejsetid",
                      "maxmin": "bedste dækning i svageste sundhedsfællesskab"},
        "model_line": "Model 2 (sundhedshuse): {o}, T = {T} min",
        "types_note": "Hustyper, priser og kapaciteter er projektets antagelser, ikke tal fra en kilde.",
        "uncap_note": ("Planen er beregnet uden kapacitetsgrænse: et hus kan betjene flere indbyggere end "
                       "sin kapacitet."),
        "none": "ingen",
    },
    "en": {
        "title": "Health houses: sites and coverage",
        "panel": "Coverage within {T} min",
        "cov_expl": ("Share of the population with a health house or an emergency hospital "
                     "within {T} minutes' drive."),
        "of_inh": "{a} → {b} of {n} inhabitants",
        "houses": "Health houses",
        "new": "New",
        "existing": "Existing",
        "existing_house": "Existing health house",
        "per_house": "{c} m DKK per house",
        "money": "Money (m DKK)",
        "state": "State share",
        "of_budget": "of budget",
        "kommune_share": "Municipal co-financing",
        "total_cost": "Total construction cost",
        "by_region": "Coverage by region",
        "lowest": "Lowest coverage after the plan (health-care community)",
        "covered": "covered",
        "partial": "partly covered",
        "uncovered": "not covered",
        "covered_leg": "Covered within {T} min",
        "partial_leg": "Partly covered (capacity)",
        "uncovered_leg": "Not covered",
        "layer_after": "Coverage after the plan",
        "layer_before": "Coverage before the plan",
        "layer_new": "New: {t} ({n})",
        "layer_existing": "Existing houses ({n})",
        "layer_hosp": "Emergency hospitals",
        "hospital": "Emergency hospital",
        "hospital_leg": "Emergency hospital (counts as coverage)",
        "hosp_popup": "Counts as coverage (unlimited capacity in the model)",
        "type": "Type",
        "build_year": "Build year",
        "cost_total": "Total cost",
        "cost_state": "State share",
        "cost_kommune": "Municipal share",
        "mio": "m DKK",
        "capacity": "Capacity (patients)",
        "assigned": "Serves",
        "inh": "inh.",
        "assigned_note": "Population the plan assigns to this house.",
        "cov_before": "Covered before",
        "cov_after": "Covered after",
        "min_before": "Minutes to assigned house/hospital before",
        "min_after": "Minutes to assigned house/hospital after",
        "k_cov": "Coverage before → after",
        "k_houses": "New houses in the municipality",
        "k_state": "State spend in the municipality (m DKK)",
        "objective": {"coverage": "maximal coverage", "median": "least total travel time",
                      "maxmin": "best coverage of the weakest health-care community"},
        "model_line": "Model 2 (health houses): {o}, T = {T} min",
        "types_note": "House types, costs and capacities are the project's assumptions, not sourced figures.",
        "uncap_note": "The plan was computed without capacity limits: a house may serve more people than its capacity.",
        "none": "none",
    },
}

_EPS = 1e-6


def _cov_class(c: float) -> str:
    if c >= 1 - _EPS:
        return "covered"
    if c <= _EPS:
        return "uncovered"
    return "partial"


def _cov_text(c: float, T: dict, lang: str) -> str:
    k = _cov_class(c)
    return f"{T['partial']} ({fmt_pct(c, lang, 0)})" if k == "partial" else T[k]


def _share(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def _default_notes(plan, T: dict, year: int) -> list[str]:
    notes = [T["modelled_note"].format(year=year)]
    flags = getattr(plan, "flags", None) or {}
    if "capacity" in flags and not flags["capacity"]:
        notes.append(T["uncap_note"])
    try:  # flag the project's assumed house types (costs / capacities) when the instance uses them
        from sundhed.model.national_houses import DEFAULT_HOUSE_TYPES
        if tuple(plan.house_types) == tuple(DEFAULT_HOUSE_TYPES):
            notes.append(T["types_note"])
    except Exception:  # pragma: no cover - the note is a nicety
        pass
    return notes


def render_house_map(ds, plan, out_path, *, sites: pd.DataFrame | None = None, title: str | None = None,
                     scenario: str = "", config_hash: str = "", lang: str = "da",
                     notes: Sequence[str] = (), data_versions: str | None = None,
                     summary: dict | None = None) -> Path:
    """Write a self-contained (offline) Leaflet map of a sundhedshus plan and return its path.

    ``plan``: a :class:`solvers.houses.HousePlan` (solved, or read back from its folder); nothing is re-solved.
    ``sites``: columns ``id``, ``navn``, ``x``, ``y`` (EPSG:25832) for at least every site in the plan
    (default: ``plan.sites``; see :func:`geodata.sites.sites_frame`). ``notes``: extra lines for the legend
    (assumptions etc.); the plan's
    own notes and the modelled-population note are always shown. ``lang``: ``"da"`` or ``"en"``.
    ``summary``: the houses summary.json dict the headline tiles read (default: ``plan.summary()``, which is
    what summary.json holds).
    """
    T = check_lang(lang, TEXTS)
    Tmin = float(plan.coverage_minutes)
    sites = plan.sites if sites is None else sites
    if sites is None:
        raise ValueError("no site locations: give sites= or a plan with sites (HousePlan.with_sites)")
    tmin = fmt_num(Tmin, lang, 0) if float(Tmin).is_integer() else fmt_num(Tmin, lang, 1)
    title = title or T["title"]

    kom = ds.kommuner
    kom_navn = dict(zip(kom["kode"].astype(int), kom["navn"]))
    kom_region = dict(zip(kom["kode"].astype(int), kom["region"]))

    # ---- demand points (plan.demand joined to the dataset by id)
    dem = plan.demand.copy()
    dem["demand_id"] = dem["demand_id"].astype(str)
    pts = ds.demand.assign(punkt_id=ds.demand["punkt_id"].astype(str)).set_index("punkt_id")
    missing = sorted(set(dem["demand_id"]) - set(pts.index))
    if missing:
        raise ValueError(f"plan demand ids not in ds.demand: {missing[:10]}")
    geo = pts.loc[dem["demand_id"]]
    dem = gpd.GeoDataFrame(dem.reset_index(drop=True), geometry=list(geo.geometry), crs=ds.demand.crs)
    dem["navn"] = list(geo["navn"])
    dem["kommune"] = dem["kommune"].astype(int)
    radius = radius_px(dem["weight"], float(dem["weight"].max()) if len(dem) else 1.0)
    dem["r"] = radius
    col = {"covered": COVERED, "partial": PARTIAL, "uncovered": UNCOVERED}
    dem["c_before"] = [col[_cov_class(c)] for c in dem["covered_before"]]
    dem["c_after"] = [col[_cov_class(c)] for c in dem["covered_after"]]
    dem["p_navn"] = [esc(str(n)) for n in dem["navn"]]
    dem["p_kommune"] = [esc(kom_navn.get(k, str(k))) for k in dem["kommune"]]
    dem["p_catch"] = [esc(str(c)) for c in dem["catchment"]]
    dem["p_weight"] = [fmt_int(w, lang) for w in dem["weight"]]
    dem["p_cov_b"] = [_cov_text(c, T, lang) for c in dem["covered_before"]]
    dem["p_cov_a"] = [_cov_text(c, T, lang) for c in dem["covered_after"]]
    dem["p_min_b"] = [fmt_min(v, lang) for v in dem["travel_before_min"]]
    dem["p_min_a"] = [fmt_min(v, lang) for v in dem["travel_after_min"]]
    dem4326 = dem.to_crs(4326)

    # ---- per kommune figures for the kommune popup
    pk = plan.per_kommune.copy()
    pk["kommune"] = pk["kommune"].astype(int)
    pk = pk.set_index("kommune")
    kextra = pd.DataFrame(index=pk.index)
    kextra["p_kcov"] = [f"{fmt_pct(_share(b, w), lang)} → {fmt_pct(_share(a, w), lang)}"
                        for b, a, w in zip(pk["covered_before"], pk["covered_after"], pk["weight"])]
    kextra["p_khouses"] = [fmt_int(n, lang) for n in pk.get("n_houses", pd.Series(0, index=pk.index))]
    kextra["p_kstate"] = [fmt_num(v, lang) for v in pk.get("state_spend_mio_kr", pd.Series(0.0, index=pk.index))]

    # ---- map
    m = base_map(kom.to_crs(4326), T)
    kommune_layers(m, ds, T, extra=kextra, popup_fields=["p_kcov", "p_khouses", "p_kstate"],
                   popup_aliases=[T["k_cov"], T["k_houses"], T["k_state"]])

    fields = ["p_navn", "p_kommune", "p_catch", "p_weight", "p_cov_b", "p_cov_a", "p_min_b", "p_min_a"]
    aliases = [T["navn"], T["kommune"], T["catchment"], T["weight"], T["cov_before"], T["cov_after"],
               T["min_before"], T["min_after"]]
    point_layer(dem4326, T["layer_after"], colour_col="c_after", radius_col="r", popup_fields=fields,
                popup_aliases=aliases, tooltip_field="p_navn", overlay=False, show=True).add_to(m)
    point_layer(dem4326, T["layer_before"], colour_col="c_before", radius_col="r", popup_fields=fields,
                popup_aliases=aliases, tooltip_field="p_navn", overlay=False, show=False).add_to(m)

    # hospitals count as coverage: show them for context
    hosp = ds.hospitals.to_crs(4326)
    hnames = [str(h.get("fuldt_navn") or h["navn"]) for _, h in hosp.iterrows()]
    symbol_layer(T["layer_hosp"], list(hosp.geometry.y), list(hosp.geometry.x),
                 svg_symbol("circle", HOSPITAL, HOSP_SIZE, text="H"), HOSP_SIZE,
                 tooltips=[esc(n) for n in hnames],
                 popups=[popup_html(esc(n), sub=f"{T['hospital']}<br>{T['hosp_popup']}") for n in hnames]).add_to(m)

    # chosen sites: existing, then new by type
    chosen = plan.chosen_sites.copy()
    chosen["site_id"] = chosen["site_id"].astype(str)
    loc = lookup_sites(sites, chosen["site_id"].tolist(), "sites").set_index("id")
    type_names = [t.name for t in plan.house_types]
    extra_types = [t for t in dict.fromkeys(chosen["type"]) if t not in type_names]
    type_names += extra_types
    style = {t: TYPE_STYLES[i % len(TYPE_STYLES)] for i, t in enumerate(type_names)}
    type_cost = {t.name: t.cost_mio_kr for t in plan.house_types}
    show_cap = bool(getattr(plan, "flags", {}).get("capacity"))

    assigned = {}
    asg = getattr(plan, "assignment", None)
    if asg is not None and len(asg) and {"target", "weight"} <= set(asg.columns):
        assigned = asg.groupby(asg["target"].astype(str))["weight"].sum().to_dict()

    def popup(r) -> str:
        s = loc.loc[r["site_id"]]
        typ = esc(str(r["type"])) + (f" ({T['existing'].lower()})" if r["existing"] else "")
        rows = [(T["kommune"], esc(kom_navn.get(int(r["kommune"]), str(r["kommune"])))), (T["type"], typ)]
        if not r["existing"]:
            if pd.notna(r.get("build_year")):
                rows.append((T["build_year"], str(int(r["build_year"]))))
            rows += [(T["cost_total"], f"{fmt_num(r['total_cost_mio_kr'], lang)} {T['mio']}"),
                     (T["cost_state"], f"{fmt_num(r['state_cost_mio_kr'], lang)} {T['mio']}"),
                     (T["cost_kommune"], f"{fmt_num(r['kommune_cost_mio_kr'], lang)} {T['mio']}")]
        if show_cap:
            rows.append((T["capacity"], fmt_int(r["capacity"], lang)))
        if r["site_id"] in assigned:
            rows.append((T["assigned"], f"{fmt_int(assigned[r['site_id']], lang)} {T['inh']}"))
        return popup_html(f"{esc(str(s['navn']))} <span style='color:#666'>({esc(r['site_id'])})</span>", rows,
                          foot=T["assigned_note"] if r["site_id"] in assigned else "")

    def site_layer(rows: pd.DataFrame, name: str, svg: str, size: int, z: int, label: str = "",
                   glow: bool = False) -> None:
        s = loc.loc[rows["site_id"]]
        symbol_layer(name, list(s["lat"]), list(s["lon"]), svg, size,
                     tooltips=[esc(str(n)) + (f" – {esc(label)}" if label else "") for n in s["navn"]],
                     popups=[popup(r) for _, r in rows.iterrows()], z=z, glow=glow).add_to(m)

    ex = chosen[chosen["existing"].astype(bool)]
    if len(ex):
        site_layer(ex, T["layer_existing"].format(n=len(ex)), svg_symbol("square", EXISTING, 15, text="E"),
                   15, 500)
    new = chosen[~chosen["existing"].astype(bool)]
    new_counts = new["type"].value_counts()
    for t in type_names:
        rows = new[new["type"] == t]
        if len(rows):
            shape, colour, size = style[t]
            site_layer(rows, T["layer_new"].format(t=esc(t), n=len(rows)), svg_symbol(shape, colour, size),
                       size, 1000, label=t, glow=True)

    # ---- legend / side panel
    tw = float(plan.total_weight)
    sb, sa = _share(plan.covered_before, tw), _share(plan.covered_after, tw)
    obj = T["objective"].get(plan.objective, plan.objective)
    parts = [title_block(title, T, scenario=scenario, config_hash=config_hash,
                         data_versions=data_versions or model_data_versions(ds.population_year),
                         extra=[T["model_line"].format(o=esc(obj), T=tmin)])]
    parts.insert(0, f"<style>{HEADLINE_CSS}</style>")
    parts.append(headline_html("houses", summary if summary is not None else plan.summary(), lang))
    parts.append(f"<div class='mp-h'>{T['panel'].format(T=tmin)}</div>")
    parts.append(f"<div class='mp-big'>{T['Before']} <b>{fmt_pct(sb, lang)}</b> → "
                 f"{T['After']} <b>{fmt_pct(sa, lang)}</b></div>")
    of_inh = T["of_inh"].format(a=fmt_int(plan.covered_before, lang), b=fmt_int(plan.covered_after, lang),
                                n=fmt_int(tw, lang))
    parts.append(f"<div class='mp-note'>{of_inh}. "
                 f"{T['cov_expl'].format(T=tmin)}</div>")
    leg = [(COVERED, T["covered_leg"].format(T=tmin))]
    if any(_cov_class(c) == "partial" for c in np.r_[dem["covered_before"], dem["covered_after"]]):
        leg.append((PARTIAL, T["partial_leg"]))
    leg.append((UNCOVERED, T["uncovered_leg"]))
    parts.append("<table>" + "".join(f"<tr><td style='width:18px'>{swatch(c)}</td><td>{esc(lbl)}</td></tr>"
                                     for c, lbl in leg) + "</table>")
    parts.append(f"<div class='mp-note'>{T['size_note']}</div>")

    # houses by type
    rows = []
    for t in type_names:
        n = int(new_counts.get(t, 0))
        if n == 0 and t in extra_types:
            continue
        shape, colour, size = style[t]
        cost = type_cost.get(t)
        sub = (f" <span class='mp-note'>({T['per_house'].format(c=fmt_num(cost, lang, 0))})</span>"
               if cost is not None else "")
        rows.append(f"<tr><td><span class='mp-sym mp-glow'>{svg_symbol(shape, colour, 16)}</span></td>"
                    f"<td>{T['new']}: {esc(t)}{sub}</td><td class='mp-num'><b>{fmt_int(n, lang)}</b></td></tr>")
    rows.append(f"<tr><td><span class='mp-sym'>{svg_symbol('square', EXISTING, 14, text='E')}</span></td>"
                f"<td>{T['existing_house']}</td><td class='mp-num'>{fmt_int(len(ex), lang)}</td></tr>")
    rows.append(f"<tr><td><span class='mp-sym'>{svg_symbol('circle', HOSPITAL, 14, text='H')}</span></td>"
                f"<td>{T['hospital_leg']}</td><td class='mp-num'>{fmt_int(len(ds.hospitals), lang)}</td></tr>")
    parts.append(f"<div class='mp-h'>{T['houses']}</div><table>{''.join(rows)}</table>")

    # money
    total_cost = float(plan.state_spend_mio_kr) + float(plan.kommune_spend_mio_kr)
    parts.append(
        f"<div class='mp-h'>{T['money']}</div><table>"
        f"<tr><td>{T['state']}</td><td class='mp-num'><b>{fmt_num(plan.state_spend_mio_kr, lang)}</b> "
        f"{T['of_budget']} {fmt_num(plan.budget_mio_kr, lang)}</td></tr>"
        f"<tr><td>{T['kommune_share']}</td><td class='mp-num'>{fmt_num(plan.kommune_spend_mio_kr, lang)}</td></tr>"
        f"<tr class='mp-tot'><td>{T['total_cost']}</td><td class='mp-num'>{fmt_num(total_cost, lang)}</td></tr>"
        f"</table>")

    # per region (aggregated from plan.per_kommune)
    pk_r = pk.assign(region=[kom_region.get(int(k), "?") for k in pk.index])
    reg = pk_r.groupby("region", sort=False)[["weight", "covered_before", "covered_after"]].sum()
    reg = reg.loc[[r for r in dict.fromkeys(kom["region"]) if r in reg.index]
                  + [r for r in reg.index if r not in set(kom["region"])]]
    rrows = [f"<tr><th>{T['region']}</th><th>{T['before']}</th><th>{T['after']}</th></tr>"]
    for r, v in reg.iterrows():
        rrows.append(f"<tr><td>{esc(str(r))}</td>"
                     f"<td class='mp-num'>{fmt_pct(_share(v['covered_before'], v['weight']), lang)}</td>"
                     f"<td class='mp-num'><b>{fmt_pct(_share(v['covered_after'], v['weight']), lang)}</b></td></tr>")
    rrows.append(f"<tr class='mp-tot'><td>{T['national']}</td><td class='mp-num'>{fmt_pct(sb, lang)}</td>"
                 f"<td class='mp-num'>{fmt_pct(sa, lang)}</td></tr>")
    parts.append(f"<div class='mp-h'>{T['by_region']}</div><table>{''.join(rrows)}</table>")

    pc = plan.per_catchment.sort_values(["share_after", "weight"], ascending=[True, False]).head(5)
    if len(pc):
        crow = [f"<tr><th>{T['catchment']}</th><th>{T['before']}</th><th>{T['after']}</th></tr>"]
        for _, v in pc.iterrows():
            crow.append(f"<tr><td>{esc(str(v['catchment']))}</td>"
                        f"<td class='mp-num'>{fmt_pct(v['share_before'], lang)}</td>"
                        f"<td class='mp-num'><b>{fmt_pct(v['share_after'], lang)}</b></td></tr>")
        parts.append(f"<div class='mp-h'>{T['lowest']}</div><table>{''.join(crow)}</table>")

    parts.append(notes_block([*notes, *solver_notes(plan, lang), *_default_notes(plan, T, ds.population_year)], T))
    return write_map(m, "".join(parts), title, out_path)
