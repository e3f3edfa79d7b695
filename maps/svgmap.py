"""Static SVG maps of Denmark (no JavaScript, prints crisply): kommune polygons with fills, dashed outlines
for highlighted kommuner, point symbols, and Bornholm in an inset box in the Kattegat so the page is not
half empty sea. Used by the print page (summary.html) and the compare page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import geopandas as gpd
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon

from sundhed.maps.common import esc

BORNHOLM = 400
#: Bornholm is drawn shifted by this (metres, EPSG:25832) into an inset north-east of Sjælland.
INSET_SHIFT = (-162_400.0, 234_700.0)
SIMPLIFY_M = 400


@dataclass(frozen=True)
class Point:
    """A symbol at ``x``, ``y`` (EPSG:25832 metres): ``shape`` circle / star / square / cross, fill colour,
    radius (px), hover title."""

    x: float
    y: float
    fill: str = "#111111"
    shape: str = "circle"
    r: float = 4.0
    title: str = ""
    stroke: str = "#ffffff"


def _in_bornholm(x: float, y: float) -> bool:
    return x > 800_000 and y < 6_200_000


def _shift(geom):
    return translate(geom, *INSET_SHIFT)


def _rings(geom) -> Iterable:
    polys = [geom] if isinstance(geom, Polygon) else list(geom.geoms) if isinstance(geom, MultiPolygon) else []
    for p in polys:
        yield p.exterior
        yield from p.interiors


def svg_map(
    kom: gpd.GeoDataFrame,
    fills: Mapping[int, str],
    *,
    width: int = 340,
    titles: Mapping[int, str] | None = None,
    dashed: Iterable[int] = (),
    points: Sequence[Point] = (),
    default_fill: str = "#eeeeee",
    stroke: str = "#555555",
    region_lines: bool = True,
    css_class: str = "svgmap",
) -> str:
    """An ``<svg>`` of the kommuner in ``kom`` (EPSG:25832, columns ``kode``, ``region``, geometry):
    ``fills`` kommune code -> colour; ``titles`` code -> hover text; ``dashed`` codes get a thick dashed
    outline; ``points`` drawn on top. Height follows from ``width`` and Denmark's shape."""
    k = kom[["kode", "region", "geometry"]].copy()
    k["geometry"] = [(_shift(g) if int(c) == BORNHOLM else g) for c, g in zip(k["kode"], k.geometry)]
    k["geometry"] = k.geometry.simplify(SIMPLIFY_M)
    minx, miny, maxx, maxy = k.total_bounds
    pad = 4_000.0
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    s = width / (maxx - minx)
    height = int(round((maxy - miny) * s))

    def pt(x: float, y: float) -> str:
        return f"{(x - minx) * s:.1f},{(maxy - y) * s:.1f}"

    def path(geom) -> str:
        return "".join("M" + " L".join(pt(x, y) for x, y in ring.coords) + "Z" for ring in _rings(geom))

    titles = titles or {}
    dashed = {int(c) for c in dashed}
    out = [
        f"<svg class='{css_class}' viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
        f"xmlns='http://www.w3.org/2000/svg' role='img'>"
    ]
    for c, g in zip(k["kode"].astype(int), k.geometry):
        t = f"<title>{esc(titles[c])}</title>" if c in titles else ""
        out.append(
            f"<path d='{path(g)}' fill='{fills.get(c, default_fill)}' stroke='{stroke}' "
            f"stroke-width='0.35' stroke-linejoin='round'>{t}</path>"
        )
    if region_lines:
        reg = k.dissolve(by="region")
        for g in reg.geometry:
            out.append(f"<path d='{path(g)}' fill='none' stroke='#111' stroke-width='0.9' stroke-linejoin='round'/>")
    for c, g in zip(k["kode"].astype(int), k.geometry):
        if c in dashed:
            out.append(f"<path d='{path(g)}' fill='none' stroke='#000' stroke-width='1.6' stroke-dasharray='3.5 2'/>")
    # Bornholm inset frame
    b = k[k["kode"].astype(int) == BORNHOLM]
    if len(b):
        bx0, by0, bx1, by1 = b.total_bounds
        m = 6_000
        x0, y0 = pt(bx0 - m, by1 + m).split(",")
        x1, y1 = pt(bx1 + m, by0 - m).split(",")
        out.append(
            f"<rect x='{x0}' y='{y0}' width='{float(x1) - float(x0):.1f}' height='{float(y1) - float(y0):.1f}' "
            "fill='none' stroke='#777' stroke-width='0.6'/>"
        )
    for p in points:
        x, y = (p.x + INSET_SHIFT[0], p.y + INSET_SHIFT[1]) if _in_bornholm(p.x, p.y) else (p.x, p.y)
        cx, cy = (float(v) for v in pt(x, y).split(","))
        t = f"<title>{esc(p.title)}</title>" if p.title else ""
        if p.shape == "star":
            import math

            pts = " ".join(
                f"{cx + (p.r if i % 2 == 0 else p.r * 0.45) * math.sin(i * math.pi / 5):.1f},"
                f"{cy - (p.r if i % 2 == 0 else p.r * 0.45) * math.cos(i * math.pi / 5):.1f}"
                for i in range(10)
            )
            out.append(f"<polygon points='{pts}' fill='{p.fill}' stroke='#000' stroke-width='0.8'>{t}</polygon>")
        elif p.shape == "square":
            out.append(
                f"<rect x='{cx - p.r:.1f}' y='{cy - p.r:.1f}' width='{2 * p.r:.1f}' height='{2 * p.r:.1f}' "
                f"fill='{p.fill}' stroke='{p.stroke}' stroke-width='0.8'>{t}</rect>"
            )
        elif p.shape == "cross":
            out.append(
                f"<g stroke='{p.fill}' stroke-width='2.2'>{t}<line x1='{cx - p.r:.1f}' y1='{cy - p.r:.1f}' "
                f"x2='{cx + p.r:.1f}' y2='{cy + p.r:.1f}'/><line x1='{cx - p.r:.1f}' y1='{cy + p.r:.1f}' "
                f"x2='{cx + p.r:.1f}' y2='{cy - p.r:.1f}'/></g>"
            )
        else:
            out.append(
                f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{p.r:.1f}' fill='{p.fill}' stroke='{p.stroke}' "
                f"stroke-width='0.8'>{t}</circle>"
            )
    out.append("</svg>")
    return "".join(out)
