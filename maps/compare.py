"""``compare.html``: two result folders side by side (any model): a difference map, the headline figures of
both with their difference, and plain-Danish sentences about what changes and for whom.

Everything is computed from the folders' CSVs and summary.json files (:mod:`sundhed.maps.headline`), so the
numbers are those of the two maps and their summary.json. Pure functions over tables
(:func:`catchment_changes`, :func:`site_changes`) build the sentences; :func:`render_compare` writes the page.

Longer than 400 lines: the comparison page's texts (Danish and English), its tables and its map are one
report; they change together.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from sundhed.maps.common import esc, fmt_int, fmt_min, fmt_num, fmt_pct
from sundhed.maps.headline import HEADLINE_CSS, figures_for, fmt_value, label
from sundhed.maps.svgmap import Point, svg_map

TEXTS = {
    "da": {
        "title": "Sammenligning",
        "a": "A",
        "b": "B",
        "figure": "Hovedtal",
        "diff": "Forskel (B − A)",
        "catchments": "Sundhedsfællesskaber",
        "councils": "Sundhedsråd",
        "houses": "Sundhedshuse",
        "akutbiler": "Akutbiler",
        "what": "Hvad ændrer sig fra A til B",
        "nothing": "Ingen forskel i {m}.",
        "and": "og",
        "more": "længere",
        "less": "kortere",
        "same": "samme rejsetid",
        "moves": "{names} flytter fra {a} til {b}: {pop} indbyggere får {dmin} min {dir} til akutsygehus",
        "moves_same": "{names} flytter fra {a} til {b}: {pop} indbyggere, {same}",
        "moves_avg": (
            "{names} flytter fra {a} til {b}: {pop} indbyggere får i gennemsnit {dmin} min {dir} til akutsygehus"
        ),
        "new_catchment": "Nyt sundhedsfællesskab i B: {c} ({pop} indbyggere)",
        "gone_catchment": "{c} er ikke et sundhedsfællesskab i B",
        "n_moved": "{n} kommuner med {pop} indbyggere skifter sundhedsfællesskab.",
        "n_moved_councils": "{n} kommuner med {pop} indbyggere skifter sundhedsråd.",
        "new_council": "Nyt sundhedsråd i B: {c} ({pop} indbyggere)",
        "gone_council": "{c} er ikke et sundhedsråd i B",
        "legend_moved_councils": "Kommune skifter sundhedsråd (farve: rådet i B)",
        "sites_added": "B har {n} {what}, som A ikke har: {names}",
        "sites_removed": "A har {n} {what}, som B ikke har: {names}",
        "houses_what": "sundhedshuse",
        "units_what": "nye akutbiler",
        "share_line": "{lab}: {a} i A, {b} i B ({d} procentpoint).",
        "biggest": "Største ændring blandt fællesskaberne: {c} {a} → {b}.",
        "legend_moved": "Kommune skifter sundhedsfællesskab (farve: fællesskabet i B)",
        "legend_same": "Uændret",
        "legend_added": "Kun i B (tilføjet)",
        "legend_removed": "Kun i A (fjernet)",
        "legend_both": "I begge",
        "only_in": "{m} findes kun i {side}.",
        "map": "Forskelskort",
        "etc": "m.fl.",
    },
    "en": {
        "title": "Comparison",
        "a": "A",
        "b": "B",
        "figure": "Key figures",
        "diff": "Difference (B − A)",
        "catchments": "Health-care communities",
        "councils": "Health councils",
        "houses": "Health houses",
        "akutbiler": "Rapid response cars",
        "what": "What changes from A to B",
        "nothing": "No difference in {m}.",
        "and": "and",
        "more": "longer",
        "less": "shorter",
        "same": "same travel time",
        "moves": "{names} move from {a} to {b}: {pop} inhabitants get {dmin} min {dir} to the emergency hospital",
        "moves_same": "{names} move from {a} to {b}: {pop} inhabitants, {same}",
        "moves_avg": "{names} move from {a} to {b}: {pop} inhabitants get on average {dmin} min {dir} to the "
        "emergency hospital",
        "new_catchment": "New catchment in B: {c} ({pop} inhabitants)",
        "gone_catchment": "{c} is not a catchment in B",
        "n_moved": "{n} municipalities with {pop} inhabitants change catchment.",
        "n_moved_councils": "{n} municipalities with {pop} inhabitants change health council.",
        "new_council": "New health council in B: {c} ({pop} inhabitants)",
        "gone_council": "{c} is not a health council in B",
        "legend_moved_councils": "Municipality changes health council (colour: its council in B)",
        "sites_added": "B has {n} {what} that A does not: {names}",
        "sites_removed": "A has {n} {what} that B does not: {names}",
        "houses_what": "health houses",
        "units_what": "new rapid response cars",
        "share_line": "{lab}: {a} in A, {b} in B ({d} percentage points).",
        "biggest": "Largest change among catchments: {c} {a} → {b}.",
        "legend_moved": "Municipality changes catchment (colour: its catchment in B)",
        "legend_same": "Unchanged",
        "legend_added": "Only in B (added)",
        "legend_removed": "Only in A (removed)",
        "legend_both": "In both",
        "only_in": "{m} exist only in {side}.",
        "map": "Difference map",
        "etc": "etc.",
    },
}

SAME_FILL = "#e9e9e9"
ADDED = "#1a9641"
REMOVED = "#d7191c"
BOTH = "#666666"


def join_names(names: Sequence[str], lang: str, limit: int = 8) -> str:
    """``A, B og C`` (Danish) / ``A, B and C``; more than ``limit`` names end with ``m.fl.``."""
    T = TEXTS[lang]
    names = [str(n) for n in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" {T['etc']}"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {T['and']} " + names[-1]


# ------------------------------------------------------------------------------------------- catchments
@dataclass(frozen=True)
class Move:
    """Kommuner that go from catchment ``a`` to ``b``: names, inhabitants, population-weighted mean change in
    minutes to the own akutsygehus (B − A; positive = longer)."""

    a: str
    b: str
    kommuner: tuple[str, ...]
    codes: tuple[int, ...]
    population: int
    delta_min: float
    delta_min_spread: float  # largest minus smallest kommune change (0 when all move alike)


def catchment_changes(a: pd.DataFrame, b: pd.DataFrame) -> list[Move]:
    """Moves between two assignment tables (columns ``code``, ``kommune``, ``catchment``, ``population``,
    ``travel_minutes``), grouped by (from, to), largest population first."""
    m = a.merge(b, on="code", suffixes=("_a", "_b"), validate="one_to_one")
    ch = m[m["catchment_a"] != m["catchment_b"]].copy()
    ch["d"] = ch["travel_minutes_b"] - ch["travel_minutes_a"]
    out = []
    for (ca, cb), g in ch.groupby(["catchment_a", "catchment_b"], sort=False):
        g = g.sort_values("population_a", ascending=False)
        w = g["population_a"].astype(float)
        out.append(
            Move(
                str(ca),
                str(cb),
                tuple(g["kommune_a"]),
                tuple(int(c) for c in g["code"]),
                int(w.sum()),
                float((g["d"] * w).sum() / w.sum()) if w.sum() else 0.0,
                float(g["d"].max() - g["d"].min()),
            )
        )
    return sorted(out, key=lambda mv: (-mv.population, mv.a, mv.b))


def move_sentence(mv: Move, lang: str) -> str:
    """``Langeland og Ærø flytter fra Odense til Kolding: 18.455 indbyggere får 41 min længere ...``"""
    T = TEXTS[lang]
    names = join_names(mv.kommuner, lang)
    pop = fmt_int(mv.population, lang)
    d = round(mv.delta_min)
    if d == 0:
        return T["moves_same"].format(names=names, a=mv.a, b=mv.b, pop=pop, same=T["same"])
    key = "moves" if mv.delta_min_spread < 1.0 else "moves_avg"
    return T[key].format(
        names=names, a=mv.a, b=mv.b, pop=pop, dmin=fmt_int(abs(d), lang), dir=T["more"] if d > 0 else T["less"]
    )


def catchment_sentences(a: pd.DataFrame, b: pd.DataFrame, lang: str, kind: str = "catchments") -> list[str]:
    """Sentences about two assignment tables: of catchments, or (``kind="councils"``) of sundhedsråd (whose
    assignment.csv has the same columns, the council in ``catchment``)."""
    T = TEXTS[lang]
    sfx = "_councils" if kind == "councils" else ""
    new, gone = ("new_council", "gone_council") if kind == "councils" else ("new_catchment", "gone_catchment")
    moves = catchment_changes(a, b)
    out = []
    if moves:
        out.append(
            T["n_moved" + sfx].format(
                n=fmt_int(sum(len(m.codes) for m in moves), lang), pop=fmt_int(sum(m.population for m in moves), lang)
            )
        )
    pa = a.groupby("catchment")["population"].sum()
    pb = b.groupby("catchment")["population"].sum()
    out += [T[new].format(c=c, pop=fmt_int(pb[c], lang)) for c in pb.index if c not in pa.index]
    out += [T[gone].format(c=c) for c in pa.index if c not in pb.index]
    out += [move_sentence(m, lang) for m in moves]
    return out


# ------------------------------------------------------------------------------------------- sites
def site_changes(a: pd.DataFrame, b: pd.DataFrame, id_col: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(only in B, only in A, in both) rows of two site tables by ``id_col``."""
    ia, ib = set(a[id_col].astype(str)), set(b[id_col].astype(str))
    return (
        b[b[id_col].astype(str).isin(ib - ia)],
        a[a[id_col].astype(str).isin(ia - ib)],
        b[b[id_col].astype(str).isin(ia & ib)],
    )


def _site_sentences(a: pd.DataFrame, b: pd.DataFrame, id_col: str, what: str, lang: str) -> list[str]:
    T = TEXTS[lang]
    added, removed, _ = site_changes(a, b, id_col)
    out = []
    if len(added):
        out.append(
            T["sites_added"].format(n=fmt_int(len(added), lang), what=what, names=join_names(list(added["navn"]), lang))
        )
    if len(removed):
        out.append(
            T["sites_removed"].format(
                n=fmt_int(len(removed), lang), what=what, names=join_names(list(removed["navn"]), lang)
            )
        )
    return out


def _pp(a: float, b: float, lang: str) -> str:
    d = 100 * (b - a)
    s = fmt_num(abs(d), lang, 1)
    return ("+" if d > 0 else "−" if d < 0 else "±") + s


def share_sentence(lab: str, a: float, b: float, lang: str) -> str:
    return TEXTS[lang]["share_line"].format(lab=lab, a=fmt_pct(a, lang), b=fmt_pct(b, lang), d=_pp(a, b, lang))


# ------------------------------------------------------------------------------------------- page
@dataclass
class Side:
    """One result folder as the compare page needs it."""

    name: str  # scenario name
    path: Path
    summaries: Mapping[str, dict]  # model -> summary.json dict
    tables: Mapping[str, pd.DataFrame]  # 'assignment', 'houses_sites', 'ems_new_units', 'houses_catchments'


def _cell(f, lang: str) -> str:
    """A figure's value for the side-by-side table, with the name it refers to (farthest kommune etc.)."""
    if f is None:
        return "–"
    named = f.detail and f.key in ("max_minutes", "weakest", "weakest_region", "smallest", "largest")
    return fmt_value(f.value, f.kind, lang) + (f" ({esc(f.detail)})" if named else "")


def _headline_table(A: Side, B: Side, models: list[str], lang: str) -> str:
    T = TEXTS[lang]
    rows = []
    for m in models:
        fa = {f.key: f for f in figures_for(m, A.summaries[m])}
        fb = {f.key: f for f in figures_for(m, B.summaries[m])}
        rows.append(f"<tr class='grp'><td colspan='4'>{T[m]}</td></tr>")
        for key in dict.fromkeys([*fa, *fb]):
            f1, f2 = fa.get(key), fb.get(key)
            ref = f2 if f2 is not None else f1
            assert ref is not None  # key comes from fa or fb
            lab = label(ref, m, B.summaries[m] if f2 else A.summaries[m], lang)
            va, vb = _cell(f1, lang), _cell(f2, lang)
            diff = ""
            if f1 and f2 and f1.value is not None and f2.value is not None:
                dv = float(f2.value) - float(f1.value)
                if ref.kind == "pct":
                    diff = f"{_pp(float(f1.value), float(f2.value), lang)} pp"
                elif abs(dv) > 1e-9:
                    sign = "+" if dv > 0 else "−"
                    diff = sign + fmt_value(abs(dv), ref.kind, lang)
                else:
                    diff = "0"
                if abs(dv) > 1e-9 and ref.judged:
                    better = (dv < 0) if ref.lower_is_better else (dv > 0)
                    diff = f"<span class='{'better' if better else 'worse'}'>{diff}</span>"
            rows.append(
                f"<tr><td>{esc(lab)}</td><td class='n'>{va}</td><td class='n'>{vb}</td><td class='n'>{diff}</td></tr>"
            )
    return (
        f"<table class='t'><tr><th>{T['figure']}</th><th class='n'>A</th><th class='n'>B</th>"
        f"<th class='n'>{T['diff']}</th></tr>{''.join(rows)}</table>"
    )


def compare_sentences(A: Side, B: Side, lang: str) -> dict[str, list[str]]:
    """Model -> sentences about what changes from A to B."""
    T = TEXTS[lang]
    out: dict[str, list[str]] = {}
    both = [m for m in A.summaries if m in B.summaries]
    for m in both:
        s: list[str] = []
        if m in ("catchments", "councils"):
            s = catchment_sentences(A.tables["assignment"], B.tables["assignment"], lang, kind=m)
        elif m == "houses":
            sa, sb = A.summaries[m], B.summaries[m]
            lab = label(figures_for(m, sb)[0], m, sb, lang)
            s.append(share_sentence(lab, sa["covered_share_after"], sb["covered_share_after"], lang))
            s += _site_sentences(
                _new(A.tables["houses_sites"]), _new(B.tables["houses_sites"]), "site_id", T["houses_what"], lang
            )
            ca, cb = A.tables.get("houses_catchments"), B.tables.get("houses_catchments")
            if ca is not None and cb is not None:
                j = ca.merge(cb, on="catchment", suffixes=("_a", "_b"))
                if len(j):
                    j["d"] = (j["share_after_b"] - j["share_after_a"]).abs()
                    r = j.sort_values("d", ascending=False).iloc[0]
                    if r["d"] > 1e-4:
                        s.append(
                            T["biggest"].format(
                                c=r["catchment"],
                                a=fmt_pct(r["share_after_a"], lang),
                                b=fmt_pct(r["share_after_b"], lang),
                            )
                        )
        elif m == "akutbiler":
            sa, sb = A.summaries[m], B.summaries[m]
            lab = label(figures_for(m, sb)[0], m, sb, lang)
            s.append(share_sentence(lab, sa["share_after"], sb["share_after"], lang))
            s += _site_sentences(
                A.tables["ems_new_units"], B.tables["ems_new_units"], "station_id", T["units_what"], lang
            )
        out[m] = s or [T["nothing"].format(m=T[m].lower())]
    for m in A.summaries:
        if m not in B.summaries:
            out.setdefault(m, []).append(T["only_in"].format(m=T[m], side="A"))
    for m in B.summaries:
        if m not in A.summaries:
            out.setdefault(m, []).append(T["only_in"].format(m=T[m], side="B"))
    return out


def _new(sites: pd.DataFrame) -> pd.DataFrame:
    return sites[~sites["existing"].astype(bool)] if "existing" in sites.columns else sites


def assignment_kind(A: Side, B: Side) -> str | None:
    """``catchments`` or ``councils`` when both folders hold that plan (their assignment.csv files compare),
    else None (a catchment plan and a council plan are not compared kommune by kommune)."""
    return next((m for m in ("catchments", "councils") if m in A.summaries and m in B.summaries), None)


def _difference_map(ds, A: Side, B: Side, colours: Mapping[str, str], lang: str) -> tuple[str, str]:
    T = TEXTS[lang]
    fills: dict[int, str] = {}
    titles: dict[int, str] = {}
    dashed: list[int] = []
    legend = []
    kind = assignment_kind(A, B)
    if kind is not None and "assignment" in A.tables and "assignment" in B.tables:
        a = A.tables["assignment"].set_index("code")
        b = B.tables["assignment"].set_index("code")
        for k in b.index:
            ca, cb = str(a.at[k, "catchment"]), str(b.at[k, "catchment"])
            if ca != cb:
                fills[int(k)] = colours.get(cb, "#999999")
                dashed.append(int(k))
                d = b.at[k, "travel_minutes"] - a.at[k, "travel_minutes"]
                titles[int(k)] = (
                    f"{b.at[k, 'kommune']}: {ca} → {cb} ({'+' if d >= 0 else '−'}{fmt_min(abs(d), lang)} min)"
                )
            else:
                fills[int(k)] = SAME_FILL
                titles[int(k)] = f"{b.at[k, 'kommune']}: {cb}"
        moved_leg = T["legend_moved_councils" if kind == "councils" else "legend_moved"]
        legend.append(f"<span class='sw' style='background:#bbb;border:1.5px dashed #000'></span> {moved_leg}")
        legend.append(f"<span class='sw' style='background:{SAME_FILL}'></span> {T['legend_same']}")
    pts: list[Point] = []
    for key, id_col, shape in (("houses_sites", "site_id", "square"), ("ems_new_units", "station_id", "star")):
        if key in A.tables and key in B.tables:
            added, removed, same = site_changes(_new(A.tables[key]), _new(B.tables[key]), id_col)
            r = 2.6 if shape == "square" else 5.0
            pts += [Point(x, y, BOTH, shape, r * 0.8, str(n)) for x, y, n in zip(same["x"], same["y"], same["navn"])]
            pts += [
                Point(x, y, REMOVED, shape, r, f"{n} ({T['legend_removed']})")
                for x, y, n in zip(removed["x"], removed["y"], removed["navn"])
            ]
            pts += [
                Point(x, y, ADDED, shape, r, f"{n} ({T['legend_added']})")
                for x, y, n in zip(added["x"], added["y"], added["navn"])
            ]
    if pts:
        legend += [
            f"<span class='sw' style='background:{c}'></span> {T[k]}"
            for c, k in ((ADDED, "legend_added"), (REMOVED, "legend_removed"), (BOTH, "legend_both"))
        ]
    svg = svg_map(ds.kommuner, fills, titles=titles, dashed=dashed, points=pts, width=560, default_fill=SAME_FILL)
    return svg, "<div class='leg'>" + " &nbsp; ".join(legend) + "</div>"


PAGE_CSS = """
body {font: 14px/1.4 Arial, Helvetica, sans-serif; color: #111; margin: 0; background: #f4f4f4;}
.wrap {max-width: 1200px; margin: 0 auto; padding: 12px 16px; background: #fff; min-height: 100vh;
  box-sizing: border-box;}
h1 {font-size: 22px; margin: 0 0 4px 0;} h2 {font-size: 17px; margin: 14px 0 6px 0;}
.ab {color: #333; margin: 0 0 8px 0;} .ab b {display: inline-block; min-width: 1.4em;}
.cols {display: flex; gap: 18px; flex-wrap: wrap; align-items: flex-start;}
.cols .map {flex: 0 1 560px; min-width: 320px;} .cols .map svg {width: 100%; height: auto;}
.cols .side {flex: 1 1 420px; min-width: 320px;}
ul.say {margin: 4px 0 0 0; padding-left: 20px;} ul.say li {margin: 3px 0;}
.leg {font-size: 12px; color: #333; margin-top: 4px;}
.sw {display: inline-block; width: 12px; height: 12px; border: 1px solid #333; vertical-align: -2px;}
table.t {border-collapse: collapse; width: 100%; font-size: 13px;}
table.t th {text-align: left; border-bottom: 1px solid #777; padding: 3px 6px;}
table.t td {padding: 2px 6px; border-bottom: 1px solid #e6e6e6;}
table.t .n {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
table.t tr.grp td {font-weight: bold; background: #f0f0f0;}
.better {color: #1a7f37; font-weight: bold;} .worse {color: #c62828; font-weight: bold;}
.foot {font-size: 11px; color: #555; margin-top: 10px;}
@media print {@page {size: A4 landscape; margin: 10mm;} body {background: #fff;} .wrap {padding: 0;}}
"""


def render_compare(ds, A: Side, B: Side, out_path, *, lang: str = "da") -> Path:
    """Write ``compare.html`` for result folders ``A`` and ``B``."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    from sundhed.maps.colours import catchment_colours, council_colours

    T = TEXTS[lang]
    models = [m for m in ("catchments", "councils", "houses", "akutbiler") if m in A.summaries and m in B.summaries]
    colours: dict[str, str] = {}
    kind = assignment_kind(A, B)
    if kind is not None and "assignment" in B.tables:
        asg = B.tables["assignment"]
        colours = (council_colours if kind == "councils" else catchment_colours)(
            sorted(set(asg["catchment"])), dict(zip(asg["code"].astype(int), asg["catchment"])), ds.adjacency.edges()
        )
    svg, legend = _difference_map(ds, A, B, colours, lang)
    said = compare_sentences(A, B, lang)
    say = "".join(
        f"<h2>{T[m]}</h2><ul class='say'>" + "".join(f"<li>{esc(s)}</li>" for s in lines) + "</ul>"
        for m, lines in said.items()
    )
    table = _headline_table(A, B, models, lang) if models else ""
    today = _dt.date.today().isoformat()
    html = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{T["title"]}: {esc(A.name)} / {esc(B.name)}</title>
<style>{HEADLINE_CSS}{PAGE_CSS}</style></head><body><div class="wrap">
<h1>{T["title"]}</h1>
<div class="ab"><b>A</b> {esc(A.name)} <span style="color:#777">({esc(str(A.path))})</span><br>
<b>B</b> {esc(B.name)} <span style="color:#777">({esc(str(B.path))})</span></div>
<div class="cols"><div class="map"><h2>{T["map"]}</h2>{svg}{legend}</div>
<div class="side"><h2>{T["what"]}</h2>{say}</div></div>
<h2>{T["figure"]}</h2>{table}
<div class="foot">{today}</div>
</div></body></html>"""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
