"""Values and SVG line charts of the sweep report: missing/number tests, Danish/English number formats,
column kinds, nice axis ticks and one self-contained SVG chart per metric.
"""
from __future__ import annotations

import html as _html
import json
import math
from typing import Any, Sequence

import pandas as pd
from sundhed.maps.sweep_texts import (METRIC, METRIC_LABELS, PARAM_LABELS, PERCENT_METRICS, TEXTS, _CSS,  # noqa: F401 (re-exported)
                                      _LATE, _ORDER, _metric_label, _param_label)


# tab10: distinguishable on white, also for colour-blind readers in the first few entries
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


DASHES = ["", "6 4", "2 3", "10 3 2 3"]


# ------------------------------------------------------------------ formatting
def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return isinstance(v, float) and math.isnan(v)
    except TypeError:
        return False


def _fmt_num(v: Any, lang: str, decimals: int | None = None) -> str:
    if _is_missing(v):
        return "–"
    if isinstance(v, bool):
        return TEXTS[lang]["yes" if v else "no"]
    v = float(v)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if decimals is None:
        decimals = _auto_decimals([v])
    s = f"{v:,.{decimals}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]
    if lang == "da":
        s = s.translate(str.maketrans(",.", ".,"))
    return s


def _auto_decimals(values: Sequence[float]) -> int:
    vals = [abs(float(v)) for v in values if not _is_missing(v) and not math.isinf(float(v))]
    if not vals or all(float(v).is_integer() for v in vals):
        return 0
    top = max(vals)
    if top >= 1000:
        return 0
    if top >= 10:
        return 1
    if top >= 1:
        return 2
    return 3


def _step_decimals(step: float) -> int:
    d = 0
    while d < 10 and abs(round(step, d) - step) > 1e-9 * max(1.0, abs(step)):
        d += 1
    return d


def _parse_json(v: Any) -> Any:
    """Decode a JSON list/dict stored as a string; anything else unchanged."""
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _fmt_value(v: Any, lang: str) -> str:
    """Readable label of a parameter value ([200000, 400000] → "200.000–400.000")."""
    if _is_missing(v):
        return "–"
    v = _parse_json(v)
    if isinstance(v, bool):
        return TEXTS[lang]["yes" if v else "no"]
    if isinstance(v, (int, float)):
        return _fmt_num(v, lang)
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        if len(v) == 2 and all(_is_number(x) for x in v):
            return f"{_fmt_num(v[0], lang)}–{_fmt_num(v[1], lang)}"
        return ", ".join(_fmt_value(x, lang) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt_value(x, lang)}" for k, x in v.items()) or "{}"
    return str(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not _is_missing(v)


def _norm(v: Any) -> Any:
    """Hashable, comparable cell value: NaN → None, numpy scalars → Python, lists → JSON."""
    if _is_missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            v = v.tolist()
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _is_percent(col: str, values: Sequence[float]) -> bool:
    name = col[len(METRIC):] if col.startswith(METRIC) else col
    if name in PERCENT_METRICS:
        return True
    if name.startswith("coverage") or name.endswith("_share"):
        vals = [float(v) for v in values if not _is_missing(v)]
        return bool(vals) and all(0.0 <= v <= 1.0 for v in vals)
    return False


def _column_kind(values: Sequence[Any]) -> str:
    """'number', 'numlist' (e.g. a band), 'bool' or 'text' for normalised cell values."""
    vals = [v for v in values if v is not None]
    if not vals:
        return "text"
    if all(isinstance(v, bool) for v in vals):
        return "bool"
    if all(_is_number(v) for v in vals):
        return "number"
    if all(isinstance(v, str) for v in vals):
        parsed = [_parse_json(v) for v in vals]
        if all(isinstance(p, list) and p and all(_is_number(x) for x in p) for p in parsed):
            return "numlist"
    return "text"


def _ordered_values(values: Sequence[Any], kind: str) -> list:
    """Distinct values in display order (numbers / number lists sorted, else first seen)."""
    seen = list(dict.fromkeys(values))
    nones = [v for v in seen if v is None]
    rest = [v for v in seen if v is not None]
    if kind in ("number", "bool"):
        rest.sort()
    elif kind == "numlist":
        rest.sort(key=lambda v: tuple(_parse_json(v)))
    return rest + nones


def _list_column(values: Sequence[Any]) -> bool:
    """True if every non-missing value is a list of labels (JSON string or list)."""
    vals = [_parse_json(v) if not isinstance(v, (list, tuple)) else list(v)
            for v in values if not _is_missing(v)]
    if not vals or not all(isinstance(v, list) for v in vals):
        return False
    return all(isinstance(x, (str, int)) and not isinstance(x, bool) for v in vals for x in v)


def _as_list(v: Any) -> list:
    if _is_missing(v):
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    p = _parse_json(v)
    return p if isinstance(p, list) else []


# --------------------------------------------------------------------- charts
def _nice_ticks(lo: float, hi: float, n: int = 5, integer: bool = False) -> tuple[list[float], int]:
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):  # equal up to rounding (gaps of 0 and 1.5e-16)
        lo = hi = (lo + hi) / 2 if abs(lo + hi) > 1e-9 else 0.0
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = mag
    for m in ((1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)):
        step = m * mag
        if span / step <= n:
            break
    if integer:
        step = max(step, 1.0)
    k0 = math.floor(lo / step + 1e-9)
    k1 = math.ceil(hi / step - 1e-9)
    dec = _step_decimals(step)
    return [round(k * step, dec + 2) for k in range(k0, k1 + 1)], dec


def _esc(s: Any) -> str:
    return _html.escape(str(s), quote=True)


def _svg_chart(metric: str, mlabel: str, xlabel: str, xkind: str,
               xcats: list, series: list[tuple[str, list[tuple[Any, float, str]]]],
               lang: str) -> str:
    """One line chart. ``series`` = [(label, [(x value, y value, hover text), ...]), ...]."""
    W, H = 600, 330
    ml, mr, mt = 70, 18, 14
    categorical = xkind != "number"
    labels = [_fmt_value(c, lang) for c in xcats]
    rotate = categorical and (sum(len(s) for s in labels) * 7.2 > (W - ml - mr) * 0.9
                              or max((len(s) for s in labels), default=0) * 7.2
                              > (W - ml - mr) / max(len(labels), 1))
    if rotate:  # slanted labels, shortened (the full value is in each point's tooltip)
        labels = [_short(s, 24) for s in labels]
        longest = max(len(s) for s in labels)
        cos, sin = math.cos(math.radians(35)), math.sin(math.radians(35))
        first = len(labels[0]) * 7.2 * cos  # horizontal reach of the first label to the left
        ml = max(ml, int(first - (W - ml - mr) / len(labels) / 2 + 14))
        mb = 48 + int(longest * 7.2 * sin)
    else:
        mb = 46
    H += (mb - 46) // 2
    pw, ph = W - ml - mr, H - mt - mb

    ys = [y for _, pts in series for _, y, _ in pts]
    ylo, yhi = min(ys), max(ys)
    if ylo >= 0 and ylo <= 0.25 * yhi:
        ylo = 0.0
    yticks, ydec = _nice_ticks(ylo, yhi, integer=all(float(y).is_integer() for y in ys))
    y0, y1 = yticks[0], yticks[-1]

    def Y(v: float) -> float:
        return mt + ph - (v - y0) / (y1 - y0) * ph

    if categorical:
        n = len(xcats)
        pos = {c: i for i, c in enumerate(xcats)}
        inner = pw / n

        def X(v):
            return ml + inner * (pos[v] + 0.5)
        xticks = [(X(c), lab) for c, lab in zip(xcats, labels)]
    else:
        xs = [float(c) for c in xcats]
        xlo, xhi = min(xs), max(xs)
        if xlo == xhi:
            xlo, xhi = xlo - 1, xhi + 1
        pad = (xhi - xlo) * 0.04
        xlo_d, xhi_d = xlo - pad, xhi + pad

        def X(v):
            return ml + (float(v) - xlo_d) / (xhi_d - xlo_d) * pw
        # ticks at the swept values if they fit, otherwise nice round ticks
        dlabels = [_fmt_num(v, lang) for v in xs]
        gaps = [X(b) - X(a) for a, b in zip(xs, xs[1:])]
        need = max(len(s) for s in dlabels) * 7.2 + 6
        if len(xs) <= 12 and (not gaps or min(gaps) >= need):
            xticks = [(X(v), s) for v, s in zip(xs, dlabels)]
        else:
            ticks, dec = _nice_ticks(xlo, xhi, 6)
            xticks = [(X(t), _fmt_num(t, lang, dec)) for t in ticks if xlo_d <= t <= xhi_d]

    out = [f'<svg class="chart" data-metric="{_esc(metric)}" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="{_esc(mlabel)}">']
    # grid + y axis
    for t in yticks:
        y = Y(t)
        out.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="ytick" x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{_fmt_num(t, lang, ydec)}</text>')
    out.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{mt + ph}"/>')
    out.append(f'<line class="axis" x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}"/>')
    out.append(f'<text class="alabel" transform="translate({max(16, ml - 54)},{mt + ph / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">{_esc(mlabel)}</text>')
    # x ticks
    for x, lab in xticks:
        out.append(f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{mt + ph}" y2="{mt + ph + 4}"/>')
        if rotate:
            out.append(f'<text class="xtick" text-anchor="end" transform="translate({x + 4:.1f},'
                       f'{mt + ph + 14}) rotate(-35)">{_esc(lab)}</text>')
        else:
            out.append(f'<text class="xtick" x="{x:.1f}" y="{mt + ph + 18}" '
                       f'text-anchor="middle">{_esc(lab)}</text>')
    out.append(f'<text class="alabel" x="{ml + pw / 2:.1f}" y="{H - 8}" '
               f'text-anchor="middle">{_esc(xlabel)}</text>')
    # series
    for i, (slabel, pts) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        dash = DASHES[(i // len(PALETTE)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y, _ in pts)
        out.append(f'<polyline class="line" data-metric="{_esc(metric)}" '
                   f'data-series="{_esc(slabel)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"{dash_attr} points="{coords}"/>')
        for x, y, tip in pts:
            out.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="3.6" fill="{colour}" '
                       f'stroke="#fff" stroke-width="1"><title>{_esc(tip)}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def _legend(series_labels: list[str]) -> str:
    items = []
    for i, lab in enumerate(series_labels):
        colour = PALETTE[i % len(PALETTE)]
        dash = DASHES[(i // len(PALETTE)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<span class="lg-item"><svg width="26" height="10" aria-hidden="true">'
            f'<line x1="1" x2="25" y1="5" y2="5" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            f'<circle cx="13" cy="5" r="3.2" fill="{colour}"/></svg>{_esc(lab)}</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def _short(s: str, n: int = 120) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
