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
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
from sundhed.maps.sweep_texts import (METRIC, METRIC_LABELS, PARAM_LABELS, PERCENT_METRICS, TEXTS, _CSS,  # noqa: F401 (re-exported)
                                      _LATE, _ORDER, _metric_label, _param_label)
from sundhed.maps.sweep_charts import (DASHES, PALETTE, _as_list, _auto_decimals, _column_kind, _esc,  # noqa: F401 (re-exported)
                                       _fmt_num, _fmt_value, _is_missing, _is_number, _is_percent, _legend,
                                       _list_column, _nice_ticks, _norm, _ordered_values, _parse_json,
                                       _short, _step_decimals, _svg_chart)

__all__ = ["render_sweep_report", "METRIC_LABELS", "TEXTS"]

BOOKKEEPING = ("hash", "status", "error")
MAX_DEFAULT_CHARTS = 6


for _r in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"):
    METRIC_LABELS[f"share_after_{_r}"] = (f"{_r}: nået inden for 15 min efter (%)",
                                          f"{_r}: reached within 15 min after (%)")


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


