"""Reports of sundhedsråd (issue 15, the 2027 part): `sundhed map sundhedsraad-2027` (the real 17 councils) and the
council result folders of `sundhed solve`: stable council colours, headline tiles = summary.json, results.xlsx,
results.gpkg, summary.html / PDF and `sundhed compare`. The fixture writes and solves real folders through the
command line, as a user would."""

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sundhed.cli import main
from sundhed.maps.colours import COUNCIL_COLOURS, delta_e, design_council_table, neighbours_from_assignment

from browser import chromium, chromium_or_skip

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def headline_of(html: str) -> dict:
    """The headline numbers embedded in a page (one block per model), as tests/test_reports.py reads them."""
    blobs = re.findall(r"<script type='application/json' class='headline-data'>(.*?)</script>", html, flags=re.S)
    assert blobs, "no headline data in page"
    return {b["model"]: {f["key"]: f for f in b["figures"]} for b in map(json.loads, blobs)}


def test_shipped_council_colour_table_is_the_designed_one_and_neighbours_differ(ds):
    from sundhed.geodata.councils import load_councils

    assert COUNCIL_COLOURS == design_council_table(ds)  # re-made from the data: the shipped table is current
    c = load_councils(ds.kommuner)
    assert set(COUNCIL_COLOURS) == set(c["sundhedsraad"]) and len(COUNCIL_COLOURS) == 17
    assert len(set(COUNCIL_COLOURS.values())) == 17  # one colour per council
    near = neighbours_from_assignment(dict(zip(c["kode"].astype(int), c["sundhedsraad"])), ds.adjacency.edges(), 2)
    assert "Sundhedsråd Lillebælt" in near["Sundhedsråd Fyn"]  # over the Lillebælt bridges
    worst = min(delta_e(COUNCIL_COLOURS[a], COUNCIL_COLOURS[b]) for a in near for b in near[a])
    assert worst > 30, worst  # councils within two kommune steps are clearly different


@pytest.fixture(scope="module")
def councils(tmp_path_factory):
    """The real structure (`sundhed map sundhedsraad-2027`), the travel-optimal 17 councils and the
    fewest-changes plan (`sundhed solve`), then the travel plan re-mapped in English."""
    root = tmp_path_factory.mktemp("councils")
    out = {"real": root / "real", "travel": root / "travel", "changes": root / "changes"}
    assert main(["map", "sundhedsraad-2027", "--out", str(out["real"])]) == 0
    assert main(["solve", str(CONFIGS / "reform_2027.toml"), "--out", str(out["travel"])]) == 0
    assert main(["solve", str(CONFIGS / "reform_2027_changes.toml"), "--out", str(out["changes"])]) == 0
    return out


def _summary(d: Path) -> dict:
    return json.loads((d / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_council_folder_gets_map_page_and_exports(councils):
    for d in councils.values():
        for f in ("map.html", "summary.html", "results.xlsx", "results.gpkg", "assignment.csv", "councils.csv"):
            assert (d / f).exists(), (d, f)


@pytest.mark.slow
def test_council_colours_identical_across_scenarios(councils):
    tables = {k: pd.read_csv(d / "councils.csv").set_index("name")["colour"] for k, d in councils.items()}
    real = tables["real"]
    assert len(real) == 17 and dict(real) == COUNCIL_COLOURS
    for k in ("travel", "changes"):
        common = real.index.intersection(tables[k].index)
        assert len(common) >= 15  # solved councils take the name of the real council with the same root
        assert (tables[k][common] == real[common]).all(), k
        html = (councils[k] / "map.html").read_text(encoding="utf-8")
        assert all(c in html for c in tables[k])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["real", "travel", "changes"])
@pytest.mark.parametrize("page", ["map.html", "summary.html"])
def test_council_headline_equals_summary_json(councils, name, page):
    d = councils[name]
    s = _summary(d)
    m, ref = s["metrics"], s.get("reference")
    got = headline_of((d / page).read_text(encoding="utf-8"))["councils"]
    assert got["councils"]["value"] == m["councils"] == 17
    assert got["council_minutes"]["value"] == m["mean_minutes"]
    assert got["smallest"]["value"] == m["smallest_population"] and got["largest"]["value"] == m["largest_population"]
    assert got["smallest"]["band"] == got["largest"]["band"] == s["band"] == [150000, 800000]
    assert got["councils_outside"]["value"] == len(m["outside_band"])
    # the smallest and largest council of the table on disk are the ones on the tiles
    u = pd.read_csv(d / "councils.csv")
    assert u["population"].min() == m["smallest_population"] and u["population"].max() == m["largest_population"]
    assert u["population"].sum() == pd.read_csv(d / "assignment.csv")["population"].sum()
    if name == "real":  # the structure itself: no reference beside it, no 'moved' tile
        assert s["status"] == "table" and "council_moves" not in got and got["council_minutes"]["reference"] is None
    else:
        assert got["council_moves"]["value"] == m["changes_vs_reference"] == pd.read_csv(d / "assignment.csv")[
            "moved"].sum()
        assert got["council_minutes"]["reference"] == ref["mean_minutes"] == _summary(councils["real"])["metrics"][
            "mean_minutes"]
        if name == "travel":  # the travel optimum is no worse than the real councils under the same rules
            assert m["mean_minutes"] <= ref["mean_minutes"]
        else:  # fewest changes under strict contiguity: one kommune (Næstved, Præstø Fjord) must move
            assert m["changes_vs_reference"] == 1


@pytest.mark.slow
def test_real_structure_scored_as_evaluate_does(councils):
    from sundhed.councils_run import evaluate_real_councils

    units, kom, metrics = evaluate_real_councils()
    s = _summary(councils["real"])
    assert s["metrics"]["mean_minutes"] == metrics["mean_minutes"] and s["metrics"]["changes_vs_reference"] == 0
    a = pd.read_csv(councils["real"] / "assignment.csv").set_index("code")
    real = kom.set_index("code")
    assert (a["catchment"] == real["council"]).all() and a.loc[350, "unverified"] and a.loc[230, "unverified"]


@pytest.mark.slow
def test_council_xlsx_98_kommune_rows_danish_headers(councils):
    from openpyxl import load_workbook

    d = councils["travel"]
    wb = load_workbook(d / "results.xlsx")
    assert {"Hovedtal", "Kommuner", "Sundhedsråd"} <= set(wb.sheetnames)
    rows = list(wb["Kommuner"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Kommune", "Kommunekode", "Sundhedsråd", "Nærmeste akutsygehus i rådet")
    assert len(rows) - 1 == 98 and len({r[1] for r in rows[1:]}) == 98
    assert ("København", 101) in {(r[0], r[1]) for r in rows[1:]} and len({r[2] for r in rows[1:]}) == 17
    assert len(list(wb["Sundhedsråd"].iter_rows(min_row=2))) == 17
    head = {r[1]: r[2] for r in wb["Hovedtal"].iter_rows(min_row=2, values_only=True)}
    s = _summary(d)
    assert head["Gns. rejsetid til akutsygehus i eget råd"] == s["metrics"]["mean_minutes"]
    assert head["Kommuner flyttet fra 2027-rådene"] == s["metrics"]["changes_vs_reference"]


@pytest.mark.slow
def test_council_gpkg_98_kommune_features_with_their_council(councils):
    import geopandas as gpd

    for d in (councils["real"], councils["travel"]):
        kom = gpd.read_file(d / "results.gpkg", layer="kommuner")
        assert len(kom) == 98 and kom["sundhedsraad"].notna().all() and kom["sundhedsraad"].nunique() == 17
        assert kom["farve"].str.match(r"^#[0-9a-f]{6}$").all()
        a = pd.read_csv(d / "assignment.csv").set_index("code")
        assert (kom.set_index("kode")["sundhedsraad"] == a["catchment"]).all()
        assert set(kom["region"]) == {"Nordjylland", "Midtjylland", "Syddanmark", "Østdanmark"}


def _moved_in_map(html: str) -> set[str]:
    """Kommuner the compare page's difference map marks as changing (their hover titles 'Name: A → B (...)')."""
    return {t.split(":")[0] for t in re.findall(r"<title>([^<]*→[^<]*)</title>", html)}


@pytest.mark.slow
@pytest.mark.parametrize("a,b", [("real", "travel"), ("travel", "changes")])
def test_compare_council_folders_lists_exactly_the_kommuner_that_differ(councils, a, b, tmp_path):
    assert main(["compare", str(councils[a]), str(councils[b]), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "compare.html").read_text(encoding="utf-8")
    ta = pd.read_csv(councils[a] / "assignment.csv").set_index("code")
    tb = pd.read_csv(councils[b] / "assignment.csv").set_index("code")
    differ = set(tb.loc[ta["catchment"] != tb["catchment"], "kommune"])
    assert differ and _moved_in_map(html) == differ
    assert f"{len(differ)} kommuner med" in html and "skifter sundhedsråd" in html
    for name in differ:
        assert re.search(rf"<li>[^<]*\b{re.escape(name)}\b[^<]* flytter fra Sundhedsråd", html), name
    if a == "real":  # the real structure against a solved plan: exactly the plan's 'moved' kommuner
        assert differ == set(tb.loc[tb["moved"], "kommune"])
        assert len(differ) == _summary(councils[b])["metrics"]["changes_vs_reference"]
    assert "Gns. rejsetid til akutsygehus i eget råd" in html  # side-by-side headline table


@pytest.mark.slow
def test_council_map_english_beside_the_danish(councils):
    d = councils["real"]
    da = (d / "map.html").read_bytes()
    assert main(["map", str(d), "--lang", "en"]) == 0
    assert (d / "map.html").read_bytes() == da
    en = (d / "map.en.html").read_text(encoding="utf-8")
    assert "<title>Health councils 2027: the adopted structure</title>" in en and "Smallest council" in en
    assert "den vedtagne struktur" not in en and "Mindste råd" not in en


@pytest.mark.browser
@pytest.mark.slow
def test_council_report_pdf_is_one_a4_page(councils):
    chromium_or_skip()
    d = councils["travel"]
    assert main(["report", str(d), "--pdf"]) == 0
    info = subprocess.run(["pdfinfo", str(d / "summary.pdf")], capture_output=True, text=True)
    if info.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    assert re.search(r"Pages:\s+1\n", info.stdout), info.stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout).groups())
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4 portrait


@pytest.mark.browser
@pytest.mark.slow
def test_council_map_layer_panel_collapsed_at_1280x720(councils, tmp_path):
    exe = chromium_or_skip()
    url = (councils["real"] / "map.html").resolve().as_uri()
    small = chromium(exe, tmp_path, "--dump-dom", url, window="1280,720", timeout=300).stdout
    big = chromium(exe, tmp_path, "--dump-dom", url, window="1920,1080", timeout=300).stdout
    expanded = re.compile(r'class="[^"]*leaflet-control-layers-expanded')
    assert re.search(r'class="[^"]*leaflet-control-layers', small) and not expanded.search(small)
    assert expanded.search(big) and "Sundhedsråd (17)" in small
