"""Shared pieces of the offline HTML map reports (catchments, sundhedshuse, akutbiler).

Number formatting (Danish decimal comma / thousands dot by default), the title block that makes every map
traceable (scenario, date, data versions, config hash), the side-panel CSS, simplified kommune / region
geometry, compact GeoJSON (rounded coordinates), SVG marker symbols shared by map and legend,
and :func:`write_map` (inline Leaflet, write the file).
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Iterable, Sequence

import folium
import geopandas as gpd
import pandas as pd

from sundhed.maps.panel import (PANEL_CSS, _AdaptiveLayerControl, esc, notes_block, popup_html, swatch,  # noqa: F401 (re-exported)
                                title_block, write_map)

#: Attribution of the sogn data (demand points and age bands), shown on every map.
SOGN_ATTRIBUTION = "Kilde: Danmarks Statistik; indeholder data fra SDFI/DAGI; via dagir (MIT)"


def data_versions(population_year: int) -> str:
    """Data behind the catchment map, naming the population year used."""
    return f"DAGI 2014, DST 1.1.{population_year}, 2.141 sogne (DST 2021), Tabel B.1 2019. {SOGN_ATTRIBUTION}"


def model_data_versions(population_year: int) -> str:
    """Data behind the sundhedshus / akutbil maps (demand = the 2,141 sogn points; GeoNames towns are
    candidate sites; drive times on the embedded OSM road skeleton with ferries and fixed links)."""
    return (f"DAGI 2014, DST 1.1.{population_year}, 2.141 sogne (DST 2021, aldersandele 2014), GeoNames "
            f"cities500 (kandidatsteder), OSM-vejskelet (scgraph-data 2.0.0), Tabel B.1 2019. {SOGN_ATTRIBUTION}")


#: Kommune outlines are simplified with this tolerance (metres, EPSG:25832) before going to the map.
SIMPLIFY_M = 200
#: Decimals kept in WGS84 coordinates (5 decimals ~ 1 m).
COORD_DECIMALS = 5

COMMON_TEXTS = {
    "da": {
        "scenario": "Scenarie",
        "date": "Dato",
        "data": "Data",
        "config": "Konfiguration",
        "model": "Model",
        "tiles": "Baggrundskort (kræver net)",
        "layer_kommuner": "Kommunegrænser",
        "layer_regions": "Regionsgrænser",
        "kommune": "Kommune",
        "region": "Region",
        "catchment": "Sundhedsfællesskab",
        "national": "Hele landet",
        "notes": "Bemærkninger",
        "before": "før",
        "after": "efter",
        "Before": "Før",
        "After": "Efter",
        "yes": "ja",
        "no": "nej",
        "weight": "Befolkning",
        "id": "Id",
        "navn": "Navn",
        "size_note": "Cirklens areal svarer til befolkningen i sognet (ét punkt pr. sogn).",
        "modelled_note": ("Efterspørgsel: ét punkt pr. sogn (2.141, sognets visuelle centrum) med sognets "
                          "befolkning 2021 (DST), skaleret til kommunens befolkning 1.1.{year} (DST). Ældrevægte "
                          "er estimerede: sognets aldersandele 2014 anvendt på den befolkning."),
    },
    "en": {
        "scenario": "Scenario",
        "date": "Date",
        "data": "Data",
        "config": "Config",
        "model": "Model",
        "tiles": "Background map (needs network)",
        "layer_kommuner": "Municipal borders",
        "layer_regions": "Region borders",
        "kommune": "Municipality",
        "region": "Region",
        "catchment": "Health-care community",
        "national": "Denmark",
        "notes": "Notes",
        "before": "before",
        "after": "after",
        "Before": "Before",
        "After": "After",
        "yes": "yes",
        "no": "no",
        "weight": "Population",
        "id": "Id",
        "navn": "Name",
        "size_note": "Circle area is proportional to the population of the parish (one point per parish).",
        "modelled_note": ("Demand: one point per parish (2,141, at the parish's visual centre) with its 2021 "
                          "population (DST), scaled to the municipality's population on 1 Jan {year} (DST). "
                          "Elderly weights are estimates: the parish's 2014 age shares applied to that population."),
    },
}


def check_lang(lang: str, texts: dict) -> dict:
    """The merged text table for ``lang`` (common + map specific); ValueError for an unknown language."""
    if lang not in texts or lang not in COMMON_TEXTS:
        raise ValueError(f"lang must be one of {sorted(texts)}, got {lang!r}")
    return {**COMMON_TEXTS[lang], **texts[lang]}


# --------------------------------------------------------------------------------------------- numbers
def _bad(x) -> bool:
    try:
        return x is None or pd.isna(x) or not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def fmt_int(x, lang: str) -> str:
    """Whole number with thousands separators: ``1.234.567`` (da) / ``1,234,567`` (en)."""
    if _bad(x):
        return "–"
    s = f"{int(round(float(x))):,}"
    return s.replace(",", ".") if lang == "da" else s


def fmt_num(x, lang: str, decimals: int = 1) -> str:
    """Decimal number: ``1.234,5`` (da) / ``1,234.5`` (en)."""
    if _bad(x):
        return "–"
    s = f"{float(x):,.{decimals}f}"
    if lang == "da":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_min(x, lang: str) -> str:
    """Minutes with one decimal (``–`` for missing)."""
    if _bad(x):
        return "–"
    s = f"{float(x):.1f}"
    return s.replace(".", ",") if lang == "da" else s


def fmt_pct(share, lang: str, decimals: int = 1) -> str:
    """A share 0..1 as percent: ``64,9 %`` (da) / ``64.9%`` (en)."""
    if _bad(share):
        return "–"
    s = f"{100.0 * float(share):.{decimals}f}"
    return f"{s.replace('.', ',')} %" if lang == "da" else f"{s}%"


# -------------------------------------------------------------------------------------------- geometry
def region_borders(kom: gpd.GeoDataFrame, simplify_m: float = SIMPLIFY_M) -> gpd.GeoDataFrame:
    """Region borders from (unsimplified) kommuner: ``kind`` = ``land`` (shared) or ``coast``, simplified."""
    regions = kom[["region", "geometry"]].dissolve(by="region")
    rows = [{"kind": "coast", "geometry": g.boundary} for g in regions.geometry]
    for a, b in itertools.combinations(regions.index, 2):
        shared = regions.geometry[a].boundary.intersection(regions.geometry[b].boundary)
        if not shared.is_empty:
            rows.append({"kind": "land", "geometry": shared})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=kom.crs)
    out["geometry"] = out.geometry.simplify(simplify_m)
    return out


def _round(obj, nd: int):
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, (list, tuple)):
        return [_round(v, nd) for v in obj]
    return obj


def compact_geojson(gdf: gpd.GeoDataFrame, decimals: int = COORD_DECIMALS) -> dict:
    """GeoJSON dict of ``gdf`` (must be EPSG:4326) with rounded coordinates; feature ids = row positions."""
    data = json.loads(gdf.reset_index(drop=True).to_json(drop_id=False))
    for f in data["features"]:
        g = f.get("geometry")
        if g and "coordinates" in g:
            g["coordinates"] = _round(g["coordinates"], decimals)
        elif g and g.get("type") == "GeometryCollection":
            for part in g["geometries"]:
                part["coordinates"] = _round(part["coordinates"], decimals)
    data.pop("bbox", None)
    return data


def to_latlon(x: Iterable[float], y: Iterable[float], crs="EPSG:25832") -> tuple[list[float], list[float]]:
    """Projected coordinates -> (lat, lon) lists in WGS84, rounded to :data:`COORD_DECIMALS`."""
    pts = gpd.GeoSeries(gpd.points_from_xy(list(x), list(y)), crs=crs).to_crs(4326)
    return ([round(float(v), COORD_DECIMALS) for v in pts.y], [round(float(v), COORD_DECIMALS) for v in pts.x])


def lookup_sites(frame: pd.DataFrame, ids: Sequence[str], what: str) -> pd.DataFrame:
    """Rows of ``frame`` (id, navn, x, y in EPSG:25832) for ``ids`` in that order, with ``lat``/``lon``."""
    if not {"id", "navn", "x", "y"} <= set(frame.columns):
        raise ValueError(f"{what} needs columns id, navn, x, y (EPSG:25832); got {list(frame.columns)}")
    f = frame.assign(id=frame["id"].astype(str)).drop_duplicates("id").set_index("id")
    ids = [str(i) for i in ids]
    missing = [i for i in ids if i not in f.index]
    if missing:
        raise ValueError(f"{what} lacks id(s) {missing[:10]} (of {len(missing)} missing)")
    out = f.loc[ids].reset_index()
    lat, lon = to_latlon(out["x"], out["y"]) if len(out) else ([], [])
    out["lat"], out["lon"] = lat, lon
    return out


# --------------------------------------------------------------------------------------------- folium
def base_map(kom4326: gpd.GeoDataFrame, T: dict, *, panel_width: int = 360) -> folium.Map:
    """Leaflet map fitted to ``kom4326`` (space on the right for the side panel), OSM tiles as an overlay
    (they simply stay grey offline)."""
    minx, miny, maxx, maxy = kom4326.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                   control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    folium.TileLayer("OpenStreetMap", name=T["tiles"], overlay=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(10, 10),
                 padding_bottom_right=(panel_width + 20, 10))
    return m


def kommune_layers(m: folium.Map, ds, T: dict, *, popup_fields: Sequence[str] = (),
                   popup_aliases: Sequence[str] = (), extra: pd.DataFrame | None = None) -> None:
    """Light kommune outlines (land lightly filled so Denmark stands out offline) and region borders.

    ``extra``: optional frame indexed by kommune code with preformatted string columns for the popup.
    """
    kom = ds.kommuner[["kode", "navn", "region", "geometry"]].copy()
    regions = region_borders(kom)
    kom["geometry"] = kom.geometry.simplify(SIMPLIFY_M)
    kom["p_kommune"] = kom["navn"]
    kom["p_region"] = kom["region"]
    fields = ["p_kommune", "p_region"]
    aliases = [T["kommune"], T["region"]]
    if extra is not None:
        for c in popup_fields:
            kom[c] = kom["kode"].map(extra[c]).fillna("–")
        fields += list(popup_fields)
        aliases += list(popup_aliases)
    kom4326 = kom.to_crs(4326)
    folium.GeoJson(
        compact_geojson(kom4326[["kode"] + fields + ["geometry"]]),
        name=T["layer_kommuner"],
        style_function=lambda f: {"fillColor": "#fbfbf7", "fillOpacity": 0.85, "color": "#8a8a8a",
                                  "weight": 0.7},
        highlight_function=lambda f: {"weight": 2, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=["p_kommune"], labels=False),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    folium.GeoJson(
        compact_geojson(regions.to_crs(4326)),
        name=T["layer_regions"],
        style_function=lambda f: {"color": "#444444",
                                  "weight": 2.5 if f["properties"]["kind"] == "land" else 0.8,
                                  "opacity": 0.8},
        interactive=False,
    ).add_to(m)


def point_layer(gdf4326: gpd.GeoDataFrame, name: str, *, colour_col: str, radius_col: str,
                popup_fields: Sequence[str], popup_aliases: Sequence[str], tooltip_field: str,
                overlay: bool = True, show: bool = True) -> folium.FeatureGroup:
    """Demand points as one compact GeoJSON circle-marker layer inside a FeatureGroup."""
    fg = folium.FeatureGroup(name=name, overlay=overlay, show=show)
    cols = [colour_col, radius_col, tooltip_field] + [c for c in popup_fields if c != tooltip_field]
    folium.GeoJson(
        compact_geojson(gdf4326[list(dict.fromkeys(cols)) + ["geometry"]]),
        marker=folium.CircleMarker(radius=4),
        style_function=lambda f: {"fillColor": f["properties"][colour_col], "color": "#333333",
                                  "weight": 0.5, "fill": True, "fillOpacity": 0.85,
                                  "radius": f["properties"][radius_col]},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=[tooltip_field], labels=False),
        popup=folium.GeoJsonPopup(fields=list(popup_fields), aliases=list(popup_aliases), localize=False),
    ).add_to(fg)
    return fg


def radius_px(weight, wmax: float, rmin: float = 2.5, rmax: float = 16.0) -> list[float]:
    """Circle radius (px, area ~ weight), quantised to 0.5 px so few distinct styles are embedded."""
    wmax = float(wmax) if wmax and wmax > 0 else 1.0
    return [round(2 * (rmin + (rmax - rmin) * math.sqrt(max(float(w), 0.0) / wmax))) / 2 for w in weight]


# ------------------------------------------------------------------------------------------ symbols
def svg_symbol(shape: str, fill: str, size: int = 16, stroke: str = "#ffffff", text: str = "") -> str:
    """A small inline SVG (square / diamond / circle / star / triangle), used for markers and legend."""
    s = size
    h = s / 2
    sw = max(1.5, s / 9)
    if shape == "square":
        body = f"<rect x='{sw}' y='{sw}' width='{s - 2 * sw}' height='{s - 2 * sw}'/>"
    elif shape == "diamond":
        body = f"<polygon points='{h},{sw} {s - sw},{h} {h},{s - sw} {sw},{h}'/>"
    elif shape == "triangle":
        body = f"<polygon points='{h},{sw} {s - sw},{s - sw} {sw},{s - sw}'/>"
    elif shape == "star":
        pts = []
        for k in range(10):
            r = (h - sw) if k % 2 == 0 else (h - sw) * 0.5
            a = math.pi / 2 + k * math.pi / 5
            pts.append(f"{h + r * math.cos(a):.1f},{h - r * math.sin(a) + 0.6:.1f}")
        body = f"<polygon points='{' '.join(pts)}'/>"
    else:
        body = f"<circle cx='{h}' cy='{h}' r='{h - sw}'/>"
    label = (f"<text x='{h}' y='{h}' dy='0.35em' text-anchor='middle' font-size='{s * 0.6:.0f}' "
             f"font-family='Arial,sans-serif' font-weight='bold' fill='#ffffff' stroke='none'>{esc(text)}</text>"
             if text else "")
    return (f"<svg width='{s}' height='{s}' viewBox='0 0 {s} {s}' "
            f"style='display:block;overflow:visible'><g fill='{fill}' stroke='{stroke}' stroke-width='{sw:.1f}' "
            f"stroke-linejoin='round'>{body}</g>{label}</svg>")


def symbol_layer(name: str, lat: Sequence[float], lon: Sequence[float], svg: str, size: int, *,
                 tooltips: Sequence[str], popups: Sequence[str], z: int = 0,
                 show: bool = True, glow: bool = False) -> folium.FeatureGroup:
    """Many SVG markers as one compact GeoJSON layer (one shared ``L.divIcon``; ``popups`` are HTML)."""
    fg = folium.FeatureGroup(name=name, show=show)
    if not len(lat):
        return fg
    feats = [{"type": "Feature", "id": i,
              "properties": {"t": str(t), "p": str(p)},
              "geometry": {"type": "Point", "coordinates": [round(float(x), COORD_DECIMALS),
                                                            round(float(y), COORD_DECIMALS)]}}
             for i, (y, x, t, p) in enumerate(zip(lat, lon, tooltips, popups))]
    icon = folium.DivIcon(html=svg, icon_size=(size, size), icon_anchor=(size // 2, size // 2),
                          class_name="mp-icon mp-glow" if glow else "mp-icon")
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        marker=folium.Marker(icon=icon, z_index_offset=z),
        tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False),
        popup=folium.GeoJsonPopup(fields=["p"], labels=False, localize=False),
    ).add_to(fg)
    return fg


