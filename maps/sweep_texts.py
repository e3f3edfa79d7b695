"""Texts of the sweep report in Danish and English: page texts, metric and parameter labels, which metrics
are shares (shown in %), the chart order, and the page CSS.
"""
from __future__ import annotations




METRIC = "metric."


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


def _metric_label(col: str, lang: str) -> str:
    name = col[len(METRIC):] if col.startswith(METRIC) else col
    if name in METRIC_LABELS:
        return METRIC_LABELS[name][0 if lang == "da" else 1]
    return col


def _param_label(col: str, lang: str) -> str:
    if col in PARAM_LABELS:
        return PARAM_LABELS[col][0 if lang == "da" else 1]
    return col


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
