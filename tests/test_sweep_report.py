"""Offline sweep report (maps.sweep_report): built from a real run_sweep on a toy task."""
from __future__ import annotations

import html as _html
import json
import math
import re
from collections import Counter

import pytest
from browser import chromium, chromium_or_skip

import pandas as pd

from sundhed.maps.offline import external_refs
from sundhed.maps.sweep_report import render_sweep_report
from sundhed.sweep import expand, run_sweep


SITES = ["Skagen (T2613731)", "Hirtshals (T2620214)", "Thisted (T2611755)", "Ribe (T2614030)",
         "Nakskov (T2618528)", "Rønne (T2614553)", "Tønder (T2611396)", "Grenaa (T2621215)"]
BUDGETS = [0, 250, 500, 1000, 2000]
UNITS = [1, 2, 3, 4]


def toy_houses(params: dict) -> dict:
    """Toy siting task (top-level => picklable): coverage grows with budget and units."""
    budget = params["houses"]["budget"]
    units = params["houses"]["units"]
    if budget < 0:
        raise ValueError(f"negative budget {budget}")
    new_units = min(units, budget // 250)
    start = (budget // 250 + units) % len(SITES)
    chosen = [SITES[(start + 3 * i) % len(SITES)] for i in range(new_units)]
    return {
        "coverage_after": 1 - math.exp(-budget / 1000) * (0.5 + 0.5 / units),
        "budget_mio_kr": budget / 10,
        "new_units": new_units,
        "mean_minutes": 30 - 2.5 * new_units - budget / 400,
        "runtime_s": 0.01,                      # constant: not charted by default
        "solver": "toy",                       # text metric: in the table only
        "chosen_sites": chosen,                 # list metric: site frequencies
    }


BASE = {"scenario": "toy", "houses": {"budget": 0, "units": 1}}
CHARTED = ["metric.coverage_after", "metric.budget_mio_kr", "metric.new_units", "metric.mean_minutes"]
DA_LABELS = {"metric.coverage_after": "Dækning efter (%)", "metric.budget_mio_kr": "Budget (mio. kr.)",
             "metric.new_units": "Nye enheder", "metric.mean_minutes": "Gns. rejsetid (min)"}
EN_LABELS = {"metric.coverage_after": "Coverage after (%)", "metric.budget_mio_kr": "Budget (DKK m)",
             "metric.new_units": "New units", "metric.mean_minutes": "Mean travel time (min)"}


def _scenarios() -> list[dict]:
    grid = expand({"base": BASE, "grid": {"houses.budget": BUDGETS, "houses.units": UNITS}})
    bad = expand({"base": BASE, "scenarios": [{"houses.budget": -100, "houses.units": 2},
                                              {"houses.budget": -5, "houses.units": 3}]})
    return grid + bad


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    df = run_sweep(_scenarios(), toy_houses, out, jobs=1, progress=False)
    assert len(df) == 22 and (df.status == "ok").sum() == 20
    return out, df


@pytest.fixture(scope="module")
def report(sweep):
    out, _ = sweep
    return render_sweep_report(out / "results.parquet", out / "report.html", title="Toy-sweep")


@pytest.fixture(scope="module")
def html(report):
    return report.read_text(encoding="utf-8")


def _svg(html: str, metric: str) -> str:
    m = re.search(rf'<svg class="chart" data-metric="{re.escape(metric)}".*?</svg>', html, re.S)
    assert m, f"no chart for {metric}"
    return m.group(0)


def test_report_is_self_contained(html):
    assert external_refs(html) == []
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(", html)


def test_title_block(html):
    assert "<title>Toy-sweep</title>" in html and "<h1>Toy-sweep</h1>" in html
    assert "22 (<span class=\"ok\">20 ok</span>" in html and "2 fejlede" in html
    assert "results.parquet" in html and "houses.budget" in html


def test_metric_labels_and_charts(html, sweep):
    _, df = sweep
    for col, label in DA_LABELS.items():
        assert f"<h3>{_html.escape(label)}</h3>" in html, label
        _svg(html, col)
    assert '<svg class="chart" data-metric="metric.runtime_s"' not in html  # constant metric
    ok = df[df.status == "ok"]
    n_x = ok["houses.budget"].nunique()
    for col in CHARTED:
        svg = _svg(html, col)
        lines = re.findall(r'<polyline[^>]*data-series="([^"]*)"[^>]*points="([^"]*)"', svg)
        if col == "metric.budget_mio_kr":  # same for every units value: one line
            assert [s for s, _ in lines] == ["alle serier (ens)"]
        else:  # one series per units value
            assert [s for s, _ in lines] == [f"houses.units: {u}" for u in UNITS]
        for _, pts in lines:
            assert len(pts.split()) == n_x
        assert svg.count("<circle") == len(lines) * n_x
        assert svg.count("<title>") == len(lines) * n_x
    # legend: one entry per units value, x axis label, Danish number formatting
    for u in UNITS:
        assert f"houses.units: {u}</span>" in html
    svg = _svg(html, "metric.coverage_after")
    assert ">2.000</text>" in svg           # x tick at budget 2000, thousands separator "."
    cov = ok[(ok["houses.budget"] == 250) & (ok["houses.units"] == 1)]["metric.coverage_after"].iloc[0]
    assert f"{cov * 100:.1f}".replace(".", ",") + " %" in svg   # tooltip in percent
    assert "Hash: " + ok[(ok["houses.budget"] == 250) & (ok["houses.units"] == 1)].hash.iloc[0] in svg


def test_site_frequencies_match_table(html, sweep):
    _, df = sweep
    ok = df[df.status == "ok"]
    expected = Counter(s for v in ok["metric.chosen_sites"] for s in set(json.loads(v)))
    assert expected and len(expected) > 3
    rows = re.findall(r'<tr class="site" data-metric="metric.chosen_sites" data-site="([^"]*)" '
                      r'data-count="(\d+)"><td>([^<]*)</td><td class="num">(\d+)</td>'
                      r'<td class="num">([\d,]+) %</td>', html)
    got = {_html.unescape(site): int(n) for site, n, _, _, _ in rows}
    assert got == dict(expected)
    for site, n, td_site, td_n, share in rows:
        assert td_site == site and int(td_n) == int(n)
        assert share == f"{int(n) / len(ok) * 100:.1f}".replace(".", ",")
    counts = [int(n) for _, n, _, _, _ in rows]
    assert counts == sorted(counts, reverse=True)
    assert "Hvor ofte vælges hvert sted" in html and "Valgte steder" in html


def test_results_and_failures_tables(html, sweep):
    _, df = sweep
    ok = df[df.status == "ok"]
    results = re.search(r'<table class="results">.*?</table>', html, re.S).group(0)
    failures = re.search(r'<table class="failures">.*?</table>', html, re.S).group(0)
    for h in ok.hash:
        assert f'data-hash="{h}"' in results and h not in failures
    for _, r in df[df.status == "error"].iterrows():
        assert f'data-hash="{r.hash}"' in failures and r.hash not in results
        assert _html.escape(r.error) in failures
    assert "ValueError: negative budget -100" in failures and "−" not in failures
    assert "Fejlede scenarier (2)" in html and "Alle resultater (ok-scenarier) (20)" in html
    # fixed parameter listed once, text metric in the table
    assert "<code>scenario</code>" in html and ">toy</td>" in results


def test_csv_and_dataframe_inputs_match_parquet(sweep, tmp_path, html):
    out, df = sweep
    strip = lambda s: re.sub(r"<dd>\d{4}-\d\d-\d\d</dd>|<dt>Kilde</dt><dd><code>results\.\w+</code></dd>", "", s)
    from_csv = render_sweep_report(out / "results.csv", tmp_path / "csv.html", title="Toy-sweep")
    assert strip(from_csv.read_text(encoding="utf-8")) == strip(html)
    from_df = render_sweep_report(df, tmp_path / "df.html", title="Toy-sweep")
    assert strip(from_df.read_text(encoding="utf-8")) == strip(html)
    from_dir = render_sweep_report(out, tmp_path / "dir.html", title="Toy-sweep")
    assert strip(from_dir.read_text(encoding="utf-8")) == strip(html)


def test_english_labels(sweep, tmp_path):
    out, _ = sweep
    en = render_sweep_report(out / "results.csv", tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    for label in EN_LABELS.values():
        assert f"<h3>{_html.escape(label)}</h3>" in en, label
    for label in DA_LABELS.values():
        assert label not in en
    for text in ("Scenario sweep", "How often each site is chosen", "Failed scenarios (2)",
                 "All results (ok scenarios) (20)", "Share of ok scenarios"):
        assert text in en, text
    assert "fejlede" not in en and ">2,000</text>" in en


def test_explicit_x_and_metrics(sweep, tmp_path):
    _, df = sweep
    ok = df[df.status == "ok"]
    out = render_sweep_report(df, tmp_path / "x.html", x="houses.units", metrics=["new_units"])
    h = out.read_text(encoding="utf-8")
    assert h.count('<svg class="chart"') == 1
    svg = _svg(h, "metric.new_units")
    lines = re.findall(r'<polyline[^>]*points="([^"]*)"', svg)
    assert len(lines) == ok["houses.budget"].nunique()
    assert all(len(p.split()) == ok["houses.units"].nunique() for p in lines)
    with pytest.raises(ValueError, match="not a parameter column"):
        render_sweep_report(df, tmp_path / "e.html", x="metric.new_units")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        render_sweep_report(df, tmp_path / "e.html", metrics=["nope"])
    with pytest.raises(ValueError, match="not numeric"):
        render_sweep_report(df, tmp_path / "e.html", metrics=["chosen_sites"])


def test_list_parameter_as_categorical_x(tmp_path):
    """A band-like list parameter is the x axis, labelled "200.000–400.000", in sorted order."""
    bands = [[250000, 450000], [150000, 350000], [200000, 400000]]
    scs = expand({"base": {"catchments": {"band": None, "region_rule": True}},
                  "grid": {"catchments.band": bands, "catchments.region_rule": [True, False]}})
    df = run_sweep(scs, _toy_band, tmp_path / "sw", jobs=1, progress=False)
    h = render_sweep_report(tmp_path / "sw" / "results.csv", tmp_path / "b.html").read_text(encoding="utf-8")
    svg = _svg(h, "metric.outside_band")
    ticks = re.findall(r'<text class="xtick"[^>]*>([^<]*)</text>', svg)
    assert ticks == ["150.000–350.000", "200.000–400.000", "250.000–450.000"]
    lines = re.findall(r'<polyline[^>]*data-series="([^"]*)"[^>]*points="([^"]*)"', svg)
    assert [s for s, _ in lines] == ["Regionsregel: nej", "Regionsregel: ja"]
    assert all(len(p.split()) == 3 for _, p in lines)
    yticks = re.findall(r'<text class="ytick"[^>]*>([^<]*)</text>', _svg(h, "metric.moves"))
    assert yticks == ["3", "4", "5"]  # integer metric: integer ticks
    assert "Uden for bånd (antal)" in h and "Flyttede kommuner" in h and "Gns. rejsetid (min)" in h
    assert len(df) == 6


def _toy_band(params: dict) -> dict:
    lo, hi = params["catchments"]["band"]
    rr = params["catchments"]["region_rule"]
    return {"outside_band": (hi - lo) // 100000 + (lo // 50000) + (2 if rr else 0),
            "moves": lo // 50000, "mean_minutes": 20 + lo / 100000 + (1.5 if rr else 0),
            "status": "optimal", "config_hash": "abc"}


def test_unknown_metrics_and_text_x(tmp_path):
    """Unknown metrics keep their name (shares get "(%)"); a text parameter is a categorical x."""
    df = pd.DataFrame([{"hash": f"h{i}", "scenario": f"Scenarie {i} med en lang beskrivelse",
                        "status": "ok", "error": None, "metric.my_share": i / 10,
                        "metric.widgets": 1000 * i} for i in range(6)])
    h = render_sweep_report(df, tmp_path / "u.html").read_text(encoding="utf-8")
    assert "<h3>metric.widgets</h3>" in h and "<h3>metric.my_share (%)</h3>" in h
    assert ">5.000</text>" in h and "metric.my_share (%): 50 %" in h
    ticks = re.findall(r'<text class="xtick"[^>]*>([^<]*)</text>', _svg(h, "metric.widgets"))
    assert len(ticks) == 6 and ticks[0].startswith("Scenarie 0")


def test_errors(sweep, tmp_path):
    _, df = sweep
    with pytest.raises(FileNotFoundError, match="missing_results.parquet"):
        render_sweep_report(tmp_path / "missing_results.parquet", tmp_path / "r.html")
    with pytest.raises(ValueError, match="empty"):
        render_sweep_report(df.iloc[:0], tmp_path / "r.html")
    with pytest.raises(ValueError, match="no ok scenarios"):
        render_sweep_report(df[df.status == "error"], tmp_path / "r.html")
    with pytest.raises(ValueError, match="lang must be one of"):
        render_sweep_report(df, tmp_path / "r.html", lang="de")
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------------- browser
@pytest.mark.browser
def test_report_renders_in_chromium(report, tmp_path):
    from PIL import Image, ImageStat

    exe = chromium_or_skip()
    url = report.resolve().as_uri()

    png = tmp_path / "report.png"
    r = chromium(exe, tmp_path, f"--screenshot={png}", url, window="1300,1800")
    assert png.exists(), r.stderr[-2000:]
    im = Image.open(png).convert("RGB")
    assert im.size == (1300, 1800)
    assert max(ImageStat.Stat(im).stddev) > 20
    colours = im.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 100
    # the four series colours (tab10 blue, orange, green, red) are drawn
    px = {rgb: n for n, rgb in colours}
    for rgb in [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]:
        assert px[rgb] > 50, rgb

    dom = chromium(exe, tmp_path, "--dump-dom", url, window="1300,1800").stdout
    assert "<h1>Toy-sweep</h1>" in dom
    assert "Dækning efter (%)" in dom and "Hvor ofte vælges hvert sted" in dom
    assert dom.count('class="lg-item"') == 4 * (len(CHARTED) - 1) + 1
    assert "houses.units: 4" in dom and "alle serier (ens)" in dom
    assert dom.count("<polyline") == 4 * (len(CHARTED) - 1) + 1
