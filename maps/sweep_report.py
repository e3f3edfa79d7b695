"""Offline HTML report of a scenario sweep (``results.csv`` / ``results.parquet``).

``render_sweep_report(results, out_path)`` writes one self-contained HTML file: plain HTML,
inline CSS and inline SVG charts, no JavaScript and nothing loaded over the network. It shows

* a title block (title, date, scenarios ok / failed, source, x axis and series),
* one line chart per metric against the swept parameter ``x``, one series per value of the
  other varying parameter(s), points with hover tooltips (SVG ``<title>``),
* for every list-valued metric (a JSON list of site labels, e.g. ``metric.new_sites``) how
  often each site is chosen across the ok scenarios,
* the fixed parameters, the full table of ok scenarios and the failed scenarios with their error.

Labels are Danish by default (``lang="da"``: thousands separator ".", decimal comma) or English
(``lang="en"``). Known metrics get readable names (``metric.mean_minutes`` → "Gns. rejsetid
(min)"); shares such as ``metric.coverage_after`` are shown in percent; unknown metrics by name.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

__all__ = ["render_sweep_report", "METRIC_LABELS", "TEXTS"]

METRIC = "metric."
BOOKKEEPING = ("hash", "status", "error")
MAX_DEFAULT_CHARTS = 6

# tab10: distinguishable on white, also for colour-blind readers in the first few entries
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
DASHES = ["", "6 4", "2 3", "10 3 2 3"]

TEXTS = {
    "da": {
        "title": "Scenarie-sweep",
        "date": "Dato",
        "scenarios": "Scenarier",
        "ok": "ok",
        "failed": "fejlede",
        "source": "Kilde",
        "x": "x-akse",
        "series": "Serier",
        "none": "ingen",
        "hash_note": "Hvert scenarie er identificeret ved sin hash (kolonnen «Hash» i tabellerne "
                     "nedenfor); resultatet ligger i runs/&lt;hash&gt;.json i sweepens mappe.",
        "charts": "Nøgletal",
        "no_charts": "Ingen nøgletal varierer mellem scenarierne; der er ingen grafer.",
        "all": "alle scenarier",
        "same": "alle serier (ens)",
        "tooltip_hint": "Hold musen over et punkt for at se scenariets værdier og hash.",
        "sites": "Hvor ofte vælges hvert sted",
        "site": "Sted",
        "n_scen": "Antal scenarier",
        "share": "Andel af ok-scenarier",
        "no_sites": "Intet sted er valgt i noget scenarie.",
        "sites_note": "{n} ok-scenarier; et sted tælles højst én gang pr. scenarie.",
        "fixed": "Faste parametre",
        "param": "Parameter",
        "value": "Værdi",
        "results": "Alle resultater (ok-scenarier)",
        "failures": "Fejlede scenarier",
        "no_failures": "Ingen scenarier fejlede.",
        "error": "Fejl",
        "hash": "Hash",
        "yes": "ja",
        "no": "nej",
        "averaged": "Flere scenarier med samme x og serie er vist som gennemsnit.",
    },
    "en": {
        "title": "Scenario sweep",
        "date": "Date",
        "scenarios": "Scenarios",
        "ok": "ok",
        "failed": "failed",
        "source": "Source",
        "x": "x axis",
        "series": "Series",
        "none": "none",
        "hash_note": "Each scenario is identified by its hash (the «Hash» column in the tables "
                     "below); its result is runs/&lt;hash&gt;.json in the sweep's folder.",
        "charts": "Metrics",
        "no_charts": "No metric varies between the scenarios; there are no charts.",
        "all": "all scenarios",
        "same": "all series (identical)",
        "tooltip_hint": "Hover over a point to see the scenario's values and hash.",
        "sites": "How often each site is chosen",
        "site": "Site",
        "n_scen": "Scenarios",
        "share": "Share of ok scenarios",
        "no_sites": "No site is chosen in any scenario.",
        "sites_note": "{n} ok scenarios; a site counts at most once per scenario.",
        "fixed": "Fixed parameters",
        "param": "Parameter",
        "value": "Value",
        "results": "All results (ok scenarios)",
        "failures": "Failed scenarios",
        "no_failures": "No scenario failed.",
        "error": "Error",
        "hash": "Hash",
        "yes": "yes",
        "no": "no",
        "averaged": "Several scenarios with the same x and series are shown as their mean.",
    },
}

# metric name (without "metric.") -> (Danish, English)
METRIC_LABELS = {
    "mean_minutes": ("Gns. rejsetid (min)", "Mean travel time (min)"),
    "max_minutes": ("Maks. rejsetid (min)", "Max travel time (min)"),
    "outside_band": ("Uden for bånd (antal)", "Outside band (count)"),
    "moves": ("Flyttede kommuner", "Moved municipalities"),
    "runtime_s": ("Løsningstid (s)", "Solve time (s)"),
    "catchments": ("Sundhedsfællesskaber (antal)", "Catchments (count)"),
    "gap": ("MIP-gap", "MIP gap"),
    "status": ("Solver-status", "Solver status"),
    "config_hash": ("Konfig-hash", "Config hash"),
    "coverage_before": ("Dækning før (%)", "Coverage before (%)"),
    "coverage_after": ("Dækning efter (%)", "Coverage after (%)"),
    "coverage_gain": ("Dækningsgevinst (%-point)", "Coverage gain (pp)"),
    "budget_mio_kr": ("Budget (mio. kr.)", "Budget (DKK m)"),
    "cost_mio_kr": ("Udgift (mio. kr.)", "Cost (DKK m)"),
    "new_units": ("Nye enheder", "New units"),
    "new_sites": ("Nye steder", "New sites"),
    "chosen_sites": ("Valgte steder", "Chosen sites"),
    "new_houses": ("Nye sundhedshuse", "New health houses"),
    "state_spend_mio_kr": ("Statens udgift (mio. kr.)", "State spend (DKK m)"),
    "kommune_spend_mio_kr": ("Kommunal medfinansiering (mio. kr.)", "Municipal co-financing (DKK m)"),
    "share_before": ("Nået inden for 15 min før (%)", "Reached within 15 min before (%)"),
    "share_after": ("Nået inden for 15 min efter (%)", "Reached within 15 min after (%)"),
    "units_cost_mio_kr": ("Udgift til nye enheder (mio. kr./år)", "Cost of new units (DKK m/yr)"),
}
for _r in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"):
    METRIC_LABELS[f"share_after_{_r}"] = (f"{_r}: nået inden for 15 min efter (%)",
                                          f"{_r}: reached within 15 min after (%)")
# shares in [0, 1] shown as percent
PERCENT_METRICS = {"coverage_before", "coverage_after", "coverage_gain", "share_before", "share_after"} | {
    f"share_after_{r}" for r in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")}
# metrics that are bookkeeping rather than results: charted last (or not at all by default)
_LATE = ("runtime_s", "gap")
_ORDER = ("coverage_after", "share_after", "new_houses", "new_units", "state_spend_mio_kr",
          "coverage_before", "coverage_gain", "mean_minutes", "max_minutes",
          "outside_band", "moves", "budget_mio_kr", "cost_mio_kr", "catchments")

PARAM_LABELS = {
    "scenario": ("Scenarie", "Scenario"),
    "catchments.band": ("Befolkningsbånd", "Population band"),
    "catchments.band_hard": ("Hårdt bånd", "Hard band"),
    "catchments.region_rule": ("Regionsregel", "Region rule"),
    "catchments.hospital_sites": ("Hospitalsplaceringer", "Hospital sites"),
    "catchments.close": ("Lukkede akutsygehuse", "Closed hospitals"),
    "houses.budget_mio_kr": ("Budget til sundhedshuse (mio. kr.)", "Health-house budget (DKK m)"),
    "houses.coverage_minutes": ("Dækningsgrænse, huse (min)", "House coverage limit (min)"),
    "akutbiler.k": ("Nye akutbiler (antal)", "New rapid-response cars"),
    "akutbiler.T": ("Responstidsmål (min)", "Response-time target (min)"),
    "akutbiler.delay_min": ("Alarmering + udrykning (min)", "Dispatch + turnout (min)"),
    "solver.time_limit": ("Tidsgrænse (s)", "Time limit (s)"),
    "solver.mip_gap": ("MIP-gap (krav)", "MIP gap (target)"),
    "solver.threads": ("Tråde", "Threads"),
    "hash": ("Hash", "Hash"),
}


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


def _metric_label(col: str, lang: str) -> str:
    name = col[len(METRIC):] if col.startswith(METRIC) else col
    if name in METRIC_LABELS:
        return METRIC_LABELS[name][0 if lang == "da" else 1]
    return col


def _param_label(col: str, lang: str) -> str:
    if col in PARAM_LABELS:
        return PARAM_LABELS[col][0 if lang == "da" else 1]
    return col


def _is_percent(col: str, values: Sequence[float]) -> bool:
    name = col[len(METRIC):] if col.startswith(METRIC) else col
    if name in PERCENT_METRICS:
        return True
    if name.startswith("coverage") or name.endswith("_share"):
        vals = [float(v) for v in values if not _is_missing(v)]
        return bool(vals) and all(0.0 <= v <= 1.0 for v in vals)
    return False


# ------------------------------------------------------------------- loading
def _load(results) -> tuple[pd.DataFrame, str]:
    if isinstance(results, pd.DataFrame):
        return results.copy(), ""
    path = Path(results)
    if path.is_dir():
        for name in ("results.parquet", "results.csv"):
            if (path / name).exists():
                path = path / name
                break
        else:
            raise FileNotFoundError(f"{path}: no results.parquet or results.csv in this folder")
    if not path.exists():
        raise FileNotFoundError(f"{path}: sweep results file not found")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
    elif suffix == ".csv":
        df = pd.read_csv(path, dtype={"hash": str, "status": str, "error": str})
    else:
        raise ValueError(f"{path}: expected a results .csv or .parquet file")
    return df, path.name


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
    if hi == lo:
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


# -------------------------------------------------------------------- report
_CSS = """
body {font: 14px/1.45 "DejaVu Sans", Arial, Helvetica, sans-serif; color: #1b1b1b;
  margin: 0; background: #f4f5f7;}
main {max-width: 1260px; margin: 0 auto; padding: 18px 22px 40px;}
h1 {font-size: 24px; margin: 0 0 6px;}
h2 {font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d0d4da;}
h3 {font-size: 15px; margin: 0 0 4px;}
.meta {background: #fff; border: 1px solid #d0d4da; border-radius: 6px; padding: 12px 16px;}
.meta dl {display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0;}
.meta dt {color: #555;} .meta dd {margin: 0;}
.note {color: #555; font-size: 13px; margin: 4px 0;}
.ok {color: #1a7f37; font-weight: bold;} .bad {color: #c62828; font-weight: bold;}
.charts {display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 14px;}
.card {background: #fff; border: 1px solid #d0d4da; border-radius: 6px; padding: 10px 12px;}
svg.chart {display: block; max-width: 100%; height: auto; font-size: 12px;}
svg.chart .grid {stroke: #e3e6ea; stroke-width: 1;}
svg.chart .axis {stroke: #444; stroke-width: 1;}
svg.chart text {fill: #333;}
svg.chart .alabel {fill: #111; font-weight: bold;}
svg.chart circle:hover {r: 6;}
.legend {display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 4px 0 70px; font-size: 13px;}
.lg-item {display: inline-flex; align-items: center; gap: 5px; white-space: nowrap;}
.legend-title {color: #555;}
.tablewrap {overflow-x: auto; background: #fff; border: 1px solid #d0d4da; border-radius: 6px;}
table {border-collapse: collapse; font-size: 13px; width: 100%;}
th, td {padding: 4px 9px; text-align: left; vertical-align: top; border-bottom: 1px solid #e6e8eb;}
th {background: #eef0f3; position: sticky; top: 0;}
tbody tr:nth-child(even) {background: #fafbfc;}
td.num, th.num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
td.list {min-width: 300px; max-width: 520px;}
code, td.hash {font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px;}
td.err {color: #a11; font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px;
  white-space: pre-wrap; word-break: break-word;}
.bar {background: #e8ecf1; width: 220px; height: 12px; border-radius: 2px;}
.bar > div {background: #1f77b4; height: 12px; border-radius: 2px;}
table.freq {width: auto; min-width: 620px;}
"""


def render_sweep_report(results: pd.DataFrame | str | Path, out_path, *, title: str | None = None,
                        lang: str = "da", x: str | None = None,
                        metrics: Sequence[str] | None = None) -> Path:
    """Write an offline HTML report of a sweep's results table and return its path.

    ``results`` is the DataFrame from :func:`sundhed.sweep.run_sweep` or a path to its
    ``results.csv`` / ``results.parquet`` (or the sweep folder). ``x`` is the parameter column
    on the charts' x axis (default: the first varying numeric or number-list parameter);
    ``metrics`` the metric columns to chart (``"mean_minutes"`` or ``"metric.mean_minutes"``;
    default: the metrics that vary, at most six). Raises ``ValueError`` for an unknown ``lang``,
    ``x`` or metric and for a table with no ok scenario; ``FileNotFoundError`` for a missing file.
    """
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    T = TEXTS[lang]
    df, source = _load(results)
    if df.empty:
        raise ValueError(f"sweep results {source or 'table'} is empty: no scenarios to report")

    # --- normalise: one row per scenario, hashable cells -------------------------------------
    df = df.reset_index(drop=True)
    if "status" not in df.columns:
        df["status"] = "ok"
    if "error" not in df.columns:
        df["error"] = None
    if "hash" not in df.columns:
        df["hash"] = [f"#{i + 1}" for i in range(len(df))]
    df["hash"] = df["hash"].astype(str)
    df = df.drop_duplicates("hash").reset_index(drop=True)
    for c in df.columns:
        df[c] = pd.Series([_norm(v) for v in df[c]], index=df.index, dtype=object)
    ok_mask = df["status"].astype(str) == "ok"
    ok = df[ok_mask].reset_index(drop=True)
    bad = df[~ok_mask].reset_index(drop=True)
    if ok.empty:
        raise ValueError(f"no ok scenarios in the sweep results ({len(bad)} failed): nothing to chart; "
                         "see the 'error' column")

    metric_cols = [c for c in df.columns if c.startswith(METRIC)]
    param_cols = [c for c in df.columns if c not in BOOKKEEPING and c not in metric_cols]
    kinds = {c: _column_kind(ok[c]) for c in param_cols}
    varying = [c for c in param_cols if len(set(ok[c])) > 1]
    varying_all = [c for c in param_cols if len(set(df[c])) > 1]
    fixed = [c for c in param_cols if c not in varying]

    list_metrics = [c for c in metric_cols if _list_column(ok[c])]
    numeric_metrics = [c for c in metric_cols if c not in list_metrics
                       and _column_kind(ok[c]) == "number"]

    # --- x axis and series ---------------------------------------------------------------------
    auto_x = x is None
    if x is None:
        cands = ([c for c in varying if kinds[c] in ("number", "numlist")]
                 or [c for c in varying if len(set(ok[c])) < len(ok)] or varying)
        x = cands[0] if cands else "hash"
    elif x not in param_cols and x != "hash":
        raise ValueError(f"x={x!r} is not a parameter column; parameters: {', '.join(param_cols) or 'none'}")
    x_default = x
    x_cands = [c for c in varying if kinds[c] in ("number", "numlist")]
    rank = {"number": 0, "numlist": 1, "bool": 2, "text": 3}

    def _axes(xc: str):
        """x kind, x categories, series columns and their value combinations for x = ``xc``."""
        xk = "text" if xc == "hash" else kinds[xc]
        cats = _ordered_values(ok[xc], xk)
        if xk == "number" and None in cats:
            xk = "numcat"  # some scenarios lack x: categorical axis with "–" last
        # Series: add the other varying parameters (numbers first) unless already determined by x and
        # those chosen so far (e.g. a scenario name made from the grid values adds nothing).
        others = sorted((c for c in varying if c != xc), key=lambda c: (rank[kinds[c]], varying.index(c)))
        scols: list[str] = []
        for c in others:
            keys = [xc] + scols
            if (ok.groupby(keys, dropna=False, sort=False)[c].nunique(dropna=False) > 1).any():
                scols.append(c)
        order = {c: {v: i for i, v in enumerate(_ordered_values(ok[c], kinds[c]))} for c in scols}
        combs = sorted({tuple(r) for r in ok[scols].itertuples(index=False)},
                       key=lambda t: tuple(order[c][v] for c, v in zip(scols, t)))
        return xk, cats, scols, (combs if scols else [()])

    def _x_for(metric: str) -> str:
        """With x left to the report: the numeric parameter the metric moves with most (mean range of the
        metric along that parameter, the others held fixed), so a house metric is drawn against the house
        budget and an akutbil metric against the number of units. Ties keep the default x."""
        if not auto_x or len(x_cands) < 2:
            return x_default
        vals = pd.to_numeric(ok[metric], errors="coerce")
        best, best_score = x_default, -1.0
        for c in [x_default] + [c for c in x_cands if c != x_default]:
            rest = [o for o in varying if o != c]
            frame = ok[rest].astype(str).assign(_v=vals) if rest else pd.DataFrame({"_v": vals, "_g": 0})
            keys = rest if rest else ["_g"]
            rng = frame.groupby(keys, sort=False)["_v"].agg(lambda v: v.max() - v.min()).mean()
            score = float(rng) if pd.notna(rng) else 0.0
            if score > best_score + 1e-12:
                best, best_score = c, score
        return best

    def _series_label(combo: tuple, scols: list[str]) -> str:
        if not combo:
            return T["all"]
        return ", ".join(f"{_param_label(c, lang)}: {_fmt_value(v, lang)}"
                         for c, v in zip(scols, combo))

    # --- metrics to chart ----------------------------------------------------------------------
    if metrics is None:
        def _prio(c):
            name = c[len(METRIC):]
            if name in _ORDER:
                return (0, _ORDER.index(name))
            if name in _LATE:
                return (2, _LATE.index(name))
            return (1, metric_cols.index(c))
        chart_metrics = sorted((c for c in numeric_metrics if len(set(ok[c]) - {None}) > 1),
                               key=_prio)[:MAX_DEFAULT_CHARTS]
    else:
        chart_metrics = []
        for m in metrics:
            col = m if m.startswith(METRIC) else METRIC + m
            if col not in metric_cols:
                raise ValueError(f"unknown metric {m!r}; metrics: {', '.join(metric_cols) or 'none'}")
            if col not in numeric_metrics:
                raise ValueError(f"metric {col!r} is not numeric and cannot be charted")
            if col not in chart_metrics:
                chart_metrics.append(col)
    percent = {c: _is_percent(c, ok[c]) for c in numeric_metrics}

    def _mlabel(c: str) -> str:
        label = _metric_label(c, lang)
        return label + " (%)" if percent.get(c) and "%" not in label else label

    def _mval(c: str, v: Any) -> float | None:
        if _is_missing(v):
            return None
        return float(v) * 100 if percent.get(c) else float(v)

    # --- charts --------------------------------------------------------------------------------
    averaged = False
    cards = []
    x_used: list[str] = []
    for m in chart_metrics:
        x = _x_for(m)
        xkind, xcats, series_cols, combos = _axes(x)
        xlabel = _param_label(x, lang)
        if x not in x_used:
            x_used.append(x)
        mlabel = _mlabel(m)
        unit = " %" if percent[m] else ""
        dec = _auto_decimals([float(v) * 100 if percent.get(m) else float(v) for v in ok[m] if not _is_missing(v)])
        def _points(sub: pd.DataFrame, label: str | None, xcats=xcats, x=x, m=m, xlabel=xlabel, mlabel=mlabel,
                    dec=dec, unit=unit) -> tuple[list, bool]:  # the loop's values bound now (B023)
            pts, multi = [], False
            for xv in xcats:
                rows = sub[sub[x].map(lambda a, xv=xv: a == xv)]
                vals = [float(v) * 100 if percent.get(m) else float(v) for v in rows[m] if not _is_missing(v)]
                if not vals:
                    continue
                multi = multi or len(vals) > 1
                y = sum(vals) / len(vals)
                parts = [f"{xlabel}: {_fmt_value(xv, lang)}"]
                if label:
                    parts.append(label)
                parts.append(f"{mlabel}: {_fmt_num(y, lang, dec)}{unit}")
                parts.append(f"{T['hash']}: {', '.join(str(h) for h in rows['hash'])}")
                pts.append((xv, y, "\n".join(parts)))
            return pts, multi

        ser = []
        for combo in combos:
            sub = ok
            for c, v in zip(series_cols, combo):
                sub = sub[sub[c].map(lambda a, v=v: a == v)]
            pts, multi = _points(sub, _series_label(combo, series_cols) if combo else None)
            averaged = averaged or multi
            if pts:
                ser.append((_series_label(combo, series_cols), pts))
        # every series the same (e.g. a budget that depends on x only): draw one line
        if len(ser) > 1 and len({tuple((xv, round(y, 9)) for xv, y, _ in pts) for _, pts in ser}) == 1:
            ser = [(T["same"], _points(ok, T["same"])[0])]
        if not ser:
            continue
        svg = _svg_chart(m, mlabel, xlabel, xkind, xcats, ser, lang)
        cards.append(f'<div class="card"><h3>{_esc(mlabel)}</h3>{svg}'
                     f'{_legend([s for s, _ in ser])}</div>')
    if cards:
        charts_html = (f'<p class="note">{T["tooltip_hint"]}'
                       + (f' {T["averaged"]}' if averaged else "") + "</p>"
                       + f'<div class="charts">{"".join(cards)}</div>')
    else:
        charts_html = f'<p class="note">{T["no_charts"]}</p>'

    # --- site frequencies ----------------------------------------------------------------------
    n_ok = len(ok)
    site_sections = []
    for c in list_metrics:
        counts: Counter = Counter()
        for v in ok[c]:
            counts.update({str(s) for s in _as_list(v)})
        label = _metric_label(c, lang)
        if not counts:
            site_sections.append(f'<h3>{_esc(label)}</h3><p class="note">{T["no_sites"]}</p>')
            continue
        rows = []
        for site, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            share = k / n_ok
            rows.append(
                f'<tr class="site" data-metric="{_esc(c)}" data-site="{_esc(site)}" data-count="{k}">'
                f'<td>{_esc(site)}</td><td class="num">{_fmt_num(k, lang, 0)}</td>'
                f'<td class="num">{_fmt_num(share * 100, lang, 1)} %</td>'
                f'<td><div class="bar"><div style="width:{share * 100:.1f}%"></div></div></td></tr>')
        site_sections.append(
            f'<h3>{_esc(label)} <span class="note">({_esc(c)})</span></h3>'
            f'<div class="tablewrap" style="display:inline-block"><table class="freq">'
            f'<thead><tr><th>{T["site"]}</th><th class="num">{T["n_scen"]}</th>'
            f'<th class="num">{T["share"]}</th><th></th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
    if site_sections:
        sites_html = (f'<h2>{T["sites"]}</h2><p class="note">{T["sites_note"].format(n=n_ok)}</p>'
                      + "".join(f'<div class="sites">{s}</div>' for s in site_sections))
    else:
        sites_html = ""

    # --- fixed parameters ----------------------------------------------------------------------
    if fixed:
        frows = "".join(
            f'<tr><td><code>{_esc(c)}</code></td><td>{_esc(_short(_fmt_value(ok[c].iloc[0], lang)))}</td></tr>'
            for c in fixed)
        fixed_html = (f'<h2>{T["fixed"]}</h2><div class="tablewrap" style="display:inline-block">'
                      f'<table><thead><tr><th>{T["param"]}</th><th>{T["value"]}</th></tr></thead>'
                      f'<tbody>{frows}</tbody></table></div>')
    else:
        fixed_html = ""

    # --- results table -------------------------------------------------------------------------
    other_metrics = [c for c in metric_cols if c not in numeric_metrics and c not in list_metrics]
    table_metrics = ([c for c in numeric_metrics] + other_metrics + list_metrics)
    decs = {c: _auto_decimals([x for x in (_mval(c, v) for v in ok[c]) if x is not None]) for c in numeric_metrics}
    head = [f'<th>{T["hash"]}</th>']
    pnum = {c: "num" if kinds[c] == "number" else "" for c in param_cols}
    head += [f'<th class="{pnum[c]}" title="{_esc(c)}">{_esc(_param_label(c, lang))}</th>' for c in varying]
    head += [f'<th class="{"num" if c in numeric_metrics else ""}" title="{_esc(c)}">'
             f'{_esc(_mlabel(c))}</th>' for c in table_metrics]
    body = []
    for _, r in ok.iterrows():
        cells = [f'<td class="hash">{_esc(r["hash"])}</td>']
        cells += [f'<td class="{pnum[c]}">{_esc(_fmt_value(r[c], lang))}</td>' for c in varying]
        for c in table_metrics:
            if c in numeric_metrics:
                cells.append(f'<td class="num">{_fmt_num(_mval(c, r[c]), lang, decs[c])}</td>')
            elif c in list_metrics:
                cells.append(f'<td class="list">{_esc(", ".join(map(str, _as_list(r[c]))) or "–")}</td>')
            else:
                cells.append(f"<td>{_esc(_short(_fmt_value(r[c], lang)))}</td>")
        body.append(f'<tr data-hash="{_esc(r["hash"])}">{"".join(cells)}</tr>')
    results_html = (f'<h2>{T["results"]} ({_fmt_num(n_ok, lang, 0)})</h2>'
                    f'<div class="tablewrap"><table class="results"><thead><tr>{"".join(head)}</tr></thead>'
                    f'<tbody>{"".join(body)}</tbody></table></div>')

    # --- failures ------------------------------------------------------------------------------
    if len(bad):
        fhead = (f'<th>{T["hash"]}</th>'
                 + "".join(f'<th class="{pnum[c]}" title="{_esc(c)}">{_esc(_param_label(c, lang))}</th>'
                           for c in varying_all)
                 + f'<th>{T["error"]}</th>')
        fbody = "".join(
            f'<tr data-hash="{_esc(r["hash"])}"><td class="hash">{_esc(r["hash"])}</td>'
            + "".join(f'<td class="{pnum[c]}">{_esc(_fmt_value(r[c], lang))}</td>' for c in varying_all)
            + f'<td class="err">{_esc(r["error"] if not _is_missing(r["error"]) else r["status"])}</td></tr>'
            for _, r in bad.iterrows())
        fail_html = (f'<h2>{T["failures"]} ({_fmt_num(len(bad), lang, 0)})</h2>'
                     f'<div class="tablewrap"><table class="failures"><thead><tr>{fhead}</tr></thead>'
                     f'<tbody>{fbody}</tbody></table></div>')
    else:
        fail_html = f'<h2>{T["failures"]}</h2><p class="note">{T["no_failures"]}</p>'

    # --- title block ---------------------------------------------------------------------------
    title = title or T["title"]
    n_bad = len(bad)
    status = (f'{_fmt_num(len(df), lang, 0)} (<span class="ok">{_fmt_num(n_ok, lang, 0)} {T["ok"]}</span>, '
              f'<span class="{"bad" if n_bad else ""}">{_fmt_num(n_bad, lang, 0)} {T["failed"]}</span>)')
    x_used = x_used or [x_default]
    series_desc = (", ".join(_param_label(c, lang) for c in varying if c not in x_used) or T["none"])
    x_desc = ", ".join((f"{_esc(_param_label(c, lang))} <code>{_esc(c)}</code>" if _param_label(c, lang) != c
                        else f"<code>{_esc(c)}</code>") for c in x_used)
    meta = [(T["date"], _dt.date.today().isoformat()), (T["scenarios"], status)]
    if source:
        meta.append((T["source"], f"<code>{_esc(source)}</code>"))
    meta += [(T["x"], x_desc), (T["series"], _esc(series_desc))]
    meta_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)

    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header class="meta">
<h1>{_esc(title)}</h1>
<dl>{meta_html}</dl>
<p class="note">{T["hash_note"]}</p>
</header>
<h2>{T["charts"]}</h2>
{charts_html}
{sites_html}
{fixed_html}
{results_html}
{fail_html}
</main>
</body>
</html>
"""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path


def _short(s: str, n: int = 120) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
