"""Headline figures: the three to five numbers a politician asks first, from a model's ``summary.json``.

One source: every map, the print page, the compare page and the xlsx read their headline from these
functions, and the functions read nothing but the summary dict that ``sundhed solve`` writes (for catchments
``summary["metrics"]`` and its Table B.1 reference ``summary["table_b1"]``; for houses and akutbiler the
plan's ``to_dict()``). ``tests/test_reports.py`` checks the numbers embedded in each map equal summary.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Sequence

from sundhed.maps.common import esc, fmt_int, fmt_min, fmt_num, fmt_pct

TEXTS = {
    "da": {
        "mean_minutes": "Gns. rejsetid til akutsygehus",
        "max_minutes": "Kommune med længst rejsetid",
        "moves": "Kommuner flyttet",
        "outside_band": "Fællesskaber uden for båndet",
        "ref_b1": "Tabel B.1",
        "coverage": "Indbyggere inden for {T} min",
        "new_houses": "Nye sundhedshuse",
        "state_spend": "Statens udgift",
        "kommune_spend": "Kommunal medfinansiering",
        "weakest": "Svageste fællesskab",
        "share": "Nået inden for {T} min",
        "new_units": "Nye akutbiler",
        "units_cost": "Pris for nye enheder",
        "weakest_region": "Svageste region",
        "unreachable": "Ikke nåbar uden færge",
        "before": "før",
        "of_budget": "af {b}",
        "min": "min",
        "mio": "mio. kr.",
        "inh": "indb.",
        "none": "ingen",
        "h_catchments": "Hovedtal",
        "h_houses": "Hovedtal",
        "h_akutbiler": "Hovedtal",
        "councils": "Sundhedsråd",
        "council_minutes": "Gns. rejsetid til akutsygehus i eget råd",
        "smallest": "Mindste råd",
        "largest": "Største råd",
        "councils_outside": "Råd uden for befolkningsbåndet",
        "council_moves": "Kommuner flyttet fra 2027-rådene",
        "ref_councils": "2027-rådene",
        "band": "bånd",
    },
    "en": {
        "mean_minutes": "Mean travel time to emergency hospital",
        "max_minutes": "Municipality with the longest trip",
        "moves": "Municipalities moved",
        "outside_band": "Catchments outside the band",
        "ref_b1": "Table B.1",
        "coverage": "Inhabitants within {T} min",
        "new_houses": "New health houses",
        "state_spend": "State spend",
        "kommune_spend": "Municipal co-financing",
        "weakest": "Weakest catchment",
        "share": "Reached within {T} min",
        "new_units": "New rapid response cars",
        "units_cost": "Cost of new units",
        "weakest_region": "Weakest region",
        "unreachable": "Not reachable without ferry",
        "before": "before",
        "of_budget": "of {b}",
        "min": "min",
        "mio": "m DKK",
        "inh": "inh.",
        "none": "none",
        "h_catchments": "Key figures",
        "h_houses": "Key figures",
        "h_akutbiler": "Key figures",
        "councils": "Health councils",
        "council_minutes": "Mean travel time to the emergency hospital of the own council",
        "smallest": "Smallest council",
        "largest": "Largest council",
        "councils_outside": "Councils outside the population band",
        "council_moves": "Municipalities moved from the 2027 councils",
        "ref_councils": "2027 councils",
        "band": "band",
    },
}


@dataclass(frozen=True)
class Figure:
    """One headline figure. ``value`` / ``reference`` in the unit of ``kind``: ``min`` (minutes), ``int``
    (a count), ``inh`` (inhabitants), ``pct`` (a share 0..1), ``mio`` (mio. kr.). ``reference`` is Table B.1
    (catchments) or the situation before the plan (houses, akutbiler); ``detail`` a name (e.g. the farthest
    kommune). ``band``: the population band (inhabitants) a council's population is held against (its bound is
    the ``reference``); ``judged``: a difference is better or worse (False for counts like the number of
    councils)."""

    key: str
    value: float | int | None
    reference: float | int | None = None
    kind: str = "int"
    detail: str = ""
    ref_detail: str = ""
    lower_is_better: bool = True
    band: tuple[float, float] | None = None
    judged: bool = True


# ------------------------------------------------------------------------------------------- per model
def catchment_figures(summary: dict) -> list[Figure]:
    """Mean minutes, farthest kommune, kommuner moved, catchments outside the band; Table B.1 beside each
    (``summary["table_b1"]``, absent in results written before it existed)."""
    m = summary["metrics"]
    if summary.get("status") == "table":  # Table B.1 itself: no reference, nothing moved
        return [
            Figure("mean_minutes", m["mean_minutes"], None, "min"),
            Figure("max_minutes", m["max_minutes"], None, "min", m.get("max_kommune", "")),
            Figure("outside_band", len(m["outside_band"]), None, "int", ", ".join(m["outside_band"])),
        ]
    ref = summary.get("table_b1") or {}
    return [
        Figure("mean_minutes", m["mean_minutes"], ref.get("mean_minutes"), "min"),
        Figure(
            "max_minutes",
            m["max_minutes"],
            ref.get("max_minutes"),
            "min",
            m.get("max_kommune", ""),
            ref.get("max_kommune", ""),
        ),
        Figure("moves", int(m["moves_vs_baseline"]), 0 if ref else None, "int"),
        Figure(
            "outside_band",
            len(m["outside_band"]),
            len(ref["outside_band"]) if ref else None,
            "int",
            ", ".join(m["outside_band"]),
            ", ".join(ref.get("outside_band", [])),
        ),
    ]


def house_figures(summary: dict) -> list[Figure]:
    """Coverage before -> after, new houses, state spend of budget, co-financing, weakest catchment after."""
    pc = [r for r in summary.get("per_catchment", []) if r.get("weight")]
    weakest = min(pc, key=lambda r: (r["share_after"], -r["weight"])) if pc else None
    figs = [
        Figure(
            "coverage", summary["covered_share_after"], summary["covered_share_before"], "pct", lower_is_better=False
        ),
        Figure(
            "new_houses",
            int(summary["n_new_houses"]),
            None,
            "int",
            ", ".join(f"{v} {k}" for k, v in summary.get("new_houses_by_type", {}).items()),
        ),
        Figure("state_spend", summary["state_spend_mio_kr"], summary["budget_mio_kr"], "mio"),
        Figure("kommune_spend", summary["kommune_spend_mio_kr"], None, "mio"),
    ]
    if weakest is not None:
        figs.append(
            Figure(
                "weakest",
                weakest["share_after"],
                weakest["share_before"],
                "pct",
                str(weakest["catchment"]),
                lower_is_better=False,
            )
        )
    return figs


def ems_figures(summary: dict) -> list[Figure]:
    """Share within T before -> after, new units, their cost, weakest region after, unreachable inhabitants."""
    T = float(summary["params"]["T"])
    col = f"{T:g}"
    regions = [r for r in summary.get("region_report", []) if r.get("region") != "(total)"]
    figs = [
        Figure("share", summary["share_after"], summary["share_before"], "pct", lower_is_better=False),
        Figure("new_units", int(summary["n_new"]), None, "int"),
        Figure("units_cost", summary.get("cost_mio_kr"), None, "mio"),
    ]
    if regions and f"after_{col}" in regions[0]:
        w = min(regions, key=lambda r: r[f"after_{col}"])
        figs.append(
            Figure(
                "weakest_region", w[f"after_{col}"], w[f"before_{col}"], "pct", str(w["region"]), lower_is_better=False
            )
        )
    if summary.get("unreachable_weight"):
        figs.append(Figure("unreachable", summary["unreachable_weight"], None, "inh"))
    return figs


def short_name(council: str) -> str:
    """``Sundhedsråd Fyn`` -> ``Fyn`` (where a label or header already says 'Sundhedsråd')."""
    return council[len("Sundhedsråd "):] if council.startswith("Sundhedsråd ") else council


def council_figures(summary: dict) -> list[Figure]:
    """Councils, mean minutes to the own council's akutsygehus, smallest and largest council against the band,
    councils outside the band, kommuner moved; the reference councils (``summary["reference"]``, the real 2027
    councils under the same band) beside each. The real structure itself (status ``table``) has no reference
    and no 'moved' tile."""
    m = summary["metrics"]
    table = summary.get("status") == "table"
    ref = {} if table else (summary.get("reference") or {})
    band = tuple(summary["band"]) if summary.get("band") else None
    lo, hi = band if band else (None, None)

    def r(key: str):
        return ref.get(key) if ref else None

    figs = [
        Figure("councils", m["councils"], r("councils"), "int", judged=False),
        Figure("council_minutes", m["mean_minutes"], r("mean_minutes"), "min"),
        Figure("smallest", m.get("smallest_population"), lo, "inh", short_name(str(m.get("smallest_council") or "")),
               lower_is_better=False, band=band, judged=False),
        Figure("largest", m.get("largest_population"), hi, "inh", short_name(str(m.get("largest_council") or "")),
               band=band, judged=False),
        Figure("councils_outside", len(m["outside_band"]), len(ref["outside_band"]) if ref else None, "int",
               ", ".join(map(short_name, m["outside_band"])),
               ", ".join(map(short_name, ref.get("outside_band", []))) if ref else ""),
    ]
    if not table:
        figs.append(Figure("council_moves", int(m["changes_vs_reference"]), 0 if ref else None, "int"))
    return figs


FIGURES = {"catchments": catchment_figures, "councils": council_figures, "houses": house_figures,
           "akutbiler": ems_figures}


def figures_for(model: str, summary: dict) -> list[Figure]:
    """Headline figures of ``model`` (``catchments``, ``councils``, ``houses``, ``akutbiler``) from its summary
    dict."""
    if model not in FIGURES:
        raise ValueError(f"no headline for model {model!r}; known: {sorted(FIGURES)}")
    return FIGURES[model](summary)


# ------------------------------------------------------------------------------------------- text
def label(fig: Figure, model: str, summary: dict, lang: str) -> str:
    T = TEXTS[lang]
    if fig.key in ("coverage",):
        return T["coverage"].format(T=fmt_num(summary.get("coverage_minutes") or _house_T(summary), lang, 0))
    if fig.key == "share":
        return T["share"].format(T=fmt_num(float(summary["params"]["T"]), lang, 0))
    return T[fig.key]


def _house_T(summary: dict) -> float:
    cfg = summary.get("config", {}).get("houses", {})
    return float(cfg.get("coverage_minutes", 20))


def fmt_value(x, kind: str, lang: str) -> str:
    """A figure's value as shown (minutes with one decimal, counts with thousands dots, % with one decimal)."""
    T = TEXTS[lang]
    if kind == "min":
        return f"{fmt_min(x, lang)} {T['min']}"
    if kind == "pct":
        return fmt_pct(x, lang)
    if kind == "mio":
        return f"{fmt_num(x, lang, 0)} {T['mio']}"
    if kind == "inh":
        return f"{fmt_int(x, lang)} {T['inh']}"
    return fmt_int(x, lang)


def reference_text(fig: Figure, model: str, lang: str) -> str:
    """``Tabel B.1: 20,2 min`` / ``før: 61,0 %`` / ``af 3.000 mio. kr.`` ('' when there is no reference)."""
    T = TEXTS[lang]
    if fig.reference is None:
        return ""
    if fig.key == "state_spend":
        return T["of_budget"].format(b=fmt_value(fig.reference, "mio", lang))
    if fig.band is not None:
        return f"{T['band'].capitalize()}: {fmt_int(fig.band[0], lang)}–{fmt_int(fig.band[1], lang)}"
    ref = fmt_value(fig.reference, fig.kind, lang)
    if fig.ref_detail and fig.key == "max_minutes":
        ref = f"{esc(fig.ref_detail)} {ref}"
    who = {"catchments": T["ref_b1"], "councils": T["ref_councils"]}.get(model, T["before"])
    return f"{who}: {ref}"


def headline_data(model: str, figures: Sequence[Figure]) -> dict:
    """The raw numbers (for the embedded JSON the tests read)."""
    return {"model": model, "figures": [asdict(f) for f in figures]}


def headline_html(
    model: str, summary: dict, lang: str = "da", *, figures: Sequence[Figure] | None = None, embed: bool = True
) -> str:
    """Headline tiles: big value, label, reference, detail; plus (``embed``) a
    ``<script type="application/json" class="headline-data">`` with the raw numbers."""
    figures = list(figures if figures is not None else figures_for(model, summary))
    tiles = []
    for f in figures:
        detail = esc(f.detail) if f.detail else ""
        ref = reference_text(f, model, lang)
        arrow = ""
        if f.reference is not None and f.value is not None and f.key != "state_spend" and (f.judged or f.band):
            better = (f.value < f.reference) if f.lower_is_better else (f.value > f.reference)
            worse = (f.value > f.reference) if f.lower_is_better else (f.value < f.reference)
            arrow = " hl-better" if better else (" hl-worse" if worse else "")
        tiles.append(
            f"<div class='hl-tile{arrow}' data-key='{f.key}'>"
            f"<div class='hl-val'>{fmt_value(f.value, f.kind, lang)}</div>"
            f"<div class='hl-lab'>{esc(label(f, model, summary, lang))}"
            + (f" <span class='hl-det'>({detail})</span>" if detail else "")
            + "</div>"
            + (f"<div class='hl-ref'>{ref}</div>" if ref else "")
            + "</div>"
        )
    data = ""
    if embed:
        blob = json.dumps(headline_data(model, figures), ensure_ascii=False).replace("</", "<\\/")
        data = f"<script type='application/json' class='headline-data'>{blob}</script>"
    return f"<div class='hl'>{''.join(tiles)}</div>{data}"


HEADLINE_CSS = """
.hl {display:grid; grid-template-columns:1fr 1fr; gap:4px; margin:6px 0 4px 0;}
.hl-tile {border:1px solid #ccc; border-left:4px solid #888; border-radius:4px; padding:3px 6px; background:#fff;}
.hl-tile.hl-better {border-left-color:#1a7f37;}
.hl-tile.hl-worse {border-left-color:#c62828;}
.hl-val {font-size:17px; font-weight:bold; line-height:1.15; font-variant-numeric:tabular-nums;}
.hl-lab {font-size:11px; color:#222; line-height:1.25;}
.hl-det {color:#555;}
.hl-ref {font-size:11px; color:#555; line-height:1.25;}
"""
