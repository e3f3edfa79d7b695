"""Offline HTML map of kommune -> sundhedsfællesskab (catchment) assignments."""

from __future__ import annotations

import datetime as _dt
import html as _html
from pathlib import Path

import folium
import pandas as pd
from branca.element import Figure

from sundhed.maps.common import DATA_VERSIONS, fmt_int as _fmt_int, fmt_min as _fmt_min, region_borders
from sundhed.maps.offline import inline_assets

# 24 visually distinct colours (Kelly/tab20-like), assigned in hospital order.
PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a",
    "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3",
]

TEXTS = {
    "da": {
        "panel": "Sundhedsfællesskaber",
        "scenario": "Scenarie",
        "date": "Dato",
        "data": "Data",
        "config": "Konfiguration",
        "catchment": "Sundhedsfællesskab",
        "population": "Befolkning",
        "status": "Bånd",
        "inside": "inden for",
        "outside": "uden for",
        "exception": "undtagelse",
        "band": "Bånd",
        "kommune": "Kommune",
        "minutes": "Minutter",
        "moved": "Flyttet",
        "moved_title": "Flyttede kommuner",
        "none_moved": "Ingen kommuner flyttet i forhold til basis.",
        "layer_kommuner": "Kommuner (sundhedsfællesskab)",
        "layer_regions": "Regionsgrænser",
        "layer_hospitals": "Akuthospitaler",
        "layer_moved": "Flyttede kommuner",
        "hospital": "Hospital",
        "region": "Region",
        "unused": "ikke i brug",
        "total": "I alt",
        "tiles": "Baggrundskort (OpenStreetMap, kræver net)",
    },
    "en": {
        "panel": "Health-care communities",
        "scenario": "Scenario",
        "date": "Date",
        "data": "Data",
        "config": "Config",
        "catchment": "Health-care community",
        "population": "Population",
        "status": "Band",
        "inside": "inside",
        "outside": "outside",
        "exception": "exception",
        "band": "Band",
        "kommune": "Municipality",
        "minutes": "Minutes",
        "moved": "Moved",
        "moved_title": "Moved municipalities",
        "none_moved": "No municipalities moved relative to baseline.",
        "layer_kommuner": "Municipalities (catchment)",
        "layer_regions": "Region borders",
        "layer_hospitals": "Emergency hospitals",
        "layer_moved": "Moved municipalities",
        "hospital": "Hospital",
        "region": "Region",
        "unused": "not in use",
        "total": "Total",
        "tiles": "Background map (OpenStreetMap, needs network)",
    },
}


def _status(name: str, pop: float, band, exceptions) -> str:
    if name in exceptions:
        return "exception"
    lo, hi = band
    return "inside" if lo <= pop <= hi else "outside"


def render_catchment_map(
    ds,
    assignment: pd.DataFrame,
    out_path,
    *,
    title: str,
    scenario: str,
    config_hash: str = "",
    band=(200_000, 400_000),
    exceptions=("Bornholm", "Thisted", "Nykøbing F"),
    baseline: pd.DataFrame | None = None,
    lang: str = "da",
) -> Path:
    """Write a self-contained (offline) Leaflet HTML map and return its path."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    T = TEXTS[lang]
    esc = _html.escape
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)

    # --- assignment table -------------------------------------------------
    if not {"kode", "catchment"} <= set(assignment.columns):
        raise ValueError("assignment needs columns 'kode' and 'catchment'")
    asg = assignment.drop_duplicates("kode").set_index("kode")
    kom = ds.kommuner[["kode", "navn", "region", "befolkning_2020", "geometry"]].copy()
    missing = set(kom["kode"]) - set(asg.index)
    if missing:
        raise ValueError(f"assignment lacks kommuner: {sorted(missing)[:10]}")
    kom["catchment"] = kom["kode"].map(asg["catchment"])

    if "minutter" in asg.columns:
        kom["minutter"] = kom["kode"].map(asg["minutter"])
    else:
        try:
            mins = ds.kommune_hospital_minutes()
            kom["minutter"] = [
                mins.at[k, c] if (k in mins.index and c in mins.columns) else float("nan")
                for k, c in zip(kom["kode"], kom["catchment"])
            ]
        except Exception:  # travel times are a nicety, not essential
            kom["minutter"] = float("nan")

    if baseline is not None:
        base = baseline.drop_duplicates("kode").set_index("kode")["catchment"]
        kom["fra"] = kom["kode"].map(base)
        kom["moved"] = kom["fra"].notna() & (kom["fra"] != kom["catchment"])
    else:
        kom["fra"] = None
        kom["moved"] = False

    # --- colours, populations, status --------------------------------------
    hosp = ds.hospitals.sort_values("akut_id")
    order = [h for h in hosp["navn"] if h in set(kom["catchment"])]
    order += sorted(set(kom["catchment"]) - set(order))
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(order)}
    pop = kom.groupby("catchment")["befolkning_2020"].sum()
    status = {c: _status(c, pop[c], band, exceptions) for c in order}

    kom["farve"] = kom["catchment"].map(colour)
    kom["p_kommune"] = kom["navn"]
    kom["p_bef"] = [_fmt_int(v, lang) for v in kom["befolkning_2020"]]
    kom["p_sf"] = kom["catchment"]
    kom["p_min"] = [_fmt_min(v, lang) for v in kom["minutter"]]
    kom["p_moved"] = [
        f"{f} → {t}" if m else "–" for f, t, m in zip(kom["fra"], kom["catchment"], kom["moved"])
    ]

    # --- geometry: simplify in metres, then to WGS84 ------------------------
    # Regions are dissolved from the unsimplified kommuner (no slivers); land
    # borders between regions are drawn thick, region coastlines thin.
    regions = region_borders(kom, simplify_m=200)
    kom["geometry"] = kom.geometry.simplify(200)
    kom4326 = kom.to_crs(4326)
    reg4326 = regions.to_crs(4326)

    minx, miny, maxx, maxy = kom4326.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=True,
    )
    folium.TileLayer("OpenStreetMap", name=T["tiles"]).add_to(m)
    # Leave room on the right for the side panel.
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(10, 10), padding_bottom_right=(350, 10))

    # Kommune polygons coloured by catchment
    fields = ["p_kommune", "p_bef", "p_sf", "p_min"]
    aliases = [T["kommune"], T["population"], T["catchment"], T["minutes"]]
    if baseline is not None:
        fields.append("p_moved")
        aliases.append(T["moved"])
    props = ["kode", "farve", "moved"] + fields
    gj_kom = folium.GeoJson(
        kom4326[props + ["geometry"]].to_json(),
        name=T["layer_kommuner"],
        style_function=lambda f: {
            "fillColor": f["properties"]["farve"],
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": 0.7,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["p_kommune", "p_sf"], aliases=[T["kommune"], T["catchment"]]),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    )
    gj_kom.add_to(m)

    # Region borders
    folium.GeoJson(
        reg4326.to_json(),
        name=T["layer_regions"],
        style_function=lambda f: {
            "color": "#111111",
            "weight": 4.5 if f["properties"]["kind"] == "land" else 1.2,
            "opacity": 0.9,
        },
        interactive=False,
    ).add_to(m)

    # Moved kommuner: thick dashed outline, no fill (clicks pass through)
    moved = kom4326[kom4326["moved"]]
    if len(moved):
        folium.GeoJson(
            moved[["kode", "navn", "geometry"]].to_json(),
            name=T["layer_moved"],
            style_function=lambda f: {
                "color": "#000000",
                "weight": 4,
                "dashArray": "8 6",
                "fill": False,
            },
            interactive=False,
        ).add_to(m)

    # Hospital markers
    fg_h = folium.FeatureGroup(name=T["layer_hospitals"])
    hosp4326 = hosp.to_crs(4326)
    for _, h in hosp4326.iterrows():
        used = h["navn"] in colour
        lat, lon = (h["lat"], h["lon"]) if pd.notna(h.get("lat")) else (h.geometry.y, h.geometry.x)
        lines = [
            f"<b>{esc(str(h['fuldt_navn']))}</b>",
            f"{T['region']}: {esc(str(h['region']))}",
        ]
        if used:
            lines.append(f"{T['catchment']}: {esc(h['navn'])}")
            lines.append(f"{T['population']}: {_fmt_int(pop[h['navn']], lang)}")
        else:
            lines.append(f"<i>{T['unused']}</i>")
        folium.CircleMarker(
            location=[float(lat), float(lon)],
            radius=7,
            color="#000000",
            weight=2,
            fill=True,
            fill_color=colour.get(h["navn"], "#bbbbbb"),
            fill_opacity=1.0,
            tooltip=esc(str(h["navn"])),
            popup=folium.Popup("<br>".join(lines), max_width=300),
        ).add_to(fg_h)
    fg_h.add_to(m)

    folium.LayerControl(position="bottomleft", collapsed=False).add_to(m)

    # --- side panel: title block, legend, moved list -------------------------
    today = _dt.date.today().isoformat()
    rows = []
    for c in order:
        st = status[c]
        st_col = {"inside": "#1a7f37", "outside": "#c62828", "exception": "#6a4c93"}[st]
        rows.append(
            f"<tr><td><span class='sf-sw' style='background:{colour[c]}'></span></td>"
            f"<td>{esc(c)}</td><td class='sf-num'>{_fmt_int(pop[c], lang)}</td>"
            f"<td style='color:{st_col}'>{T[st]}</td></tr>"
        )
    rows.append(
        f"<tr class='sf-tot'><td></td><td>{T['total']}</td>"
        f"<td class='sf-num'>{_fmt_int(pop.sum(), lang)}</td><td></td></tr>"
    )
    if baseline is not None:
        mv = kom[kom["moved"]].sort_values("navn")
        if len(mv):
            items = "".join(
                f"<li>{esc(n)}: {esc(str(f))} → {esc(str(t))}</li>"
                for n, f, t in zip(mv["navn"], mv["fra"], mv["catchment"])
            )
            moved_html = f"<div class='sf-h'>{T['moved_title']} ({len(mv)})</div><ul>{items}</ul>"
        else:
            moved_html = f"<div class='sf-h'>{T['moved_title']}</div><p>{T['none_moved']}</p>"
    else:
        moved_html = ""
    lo, hi = band
    panel = f"""
<style>
#sf-panel {{position:fixed; top:10px; right:10px; z-index:1000; width:330px;
  max-height:calc(100vh - 20px); overflow-y:auto; background:rgba(255,255,255,0.95);
  border:1px solid #888; border-radius:6px; padding:8px 10px;
  font:12px/1.35 Arial,Helvetica,sans-serif; box-shadow:0 1px 5px rgba(0,0,0,.4);}}
#sf-panel h3 {{margin:0 0 2px 0; font-size:15px;}}
#sf-panel .sf-meta {{color:#444; margin-bottom:6px;}}
#sf-panel .sf-h {{font-weight:bold; margin:6px 0 3px 0; font-size:13px;}}
#sf-panel table {{border-collapse:collapse; width:100%;}}
#sf-panel td {{padding:1px 4px;}}
#sf-panel .sf-num {{text-align:right; font-variant-numeric:tabular-nums;}}
#sf-panel .sf-tot td {{border-top:1px solid #999; font-weight:bold;}}
#sf-panel .sf-sw {{display:inline-block; width:14px; height:12px; border:1px solid #333;}}
#sf-panel ul {{margin:0; padding-left:18px;}}
</style>
<div id="sf-panel">
  <h3>{esc(title)}</h3>
  <div class="sf-meta">
    {T['scenario']}: <b>{esc(scenario)}</b><br>
    {T['date']}: {today}<br>
    {T['data']}: {DATA_VERSIONS}<br>
    {T['config']}: <code>{esc(config_hash) or '–'}</code>
  </div>
  <div class="sf-h">{T['panel']}</div>
  <div class="sf-meta">{T['band']}: {_fmt_int(lo, lang)}–{_fmt_int(hi, lang)}</div>
  <table>{''.join(rows)}</table>
  {moved_html}
</div>
"""
    root = m.get_root()
    assert isinstance(root, Figure)  # a folium.Map's root is its Figure
    root.html.add_child(folium.Element(panel))
    root.header.add_child(folium.Element(f"<title>{esc(title)}</title>"))

    html = inline_assets(m.get_root().render())
    out_path.write_text(html, encoding="utf-8")
    return out_path


def render_catchment_plan(ds, plan, out_path, *, scenario: str, config_hash: str = "", lang: str = "da",
                          title: str = "Sundhedsfællesskaber") -> Path:
    """:func:`render_catchment_map` of a catchment plan (:class:`solvers.catchments.CatchmentResult`, solved
    or read back from its folder): its per-kommune table, band and exceptions, against Table B.1."""
    return render_catchment_map(ds, plan.score.per_kommune[["kode", "catchment", "minutter"]], out_path,
                                title=title, scenario=scenario, config_hash=config_hash,
                                band=plan.band or (0, 10**9), exceptions=tuple(plan.band_exceptions),
                                baseline=ds.baseline, lang=lang)
