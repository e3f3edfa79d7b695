"""Reports (issue 15): stable colours, headline tiles = summary.json, compare, print page / PDF, xlsx / gpkg,
map.en.html. The slow fixtures solve real scenarios through the command line, as a user would."""

import json
import re
import subprocess

import pandas as pd
import pytest

from sundhed.cli import main
from sundhed.maps.colours import (
    HOSPITAL_COLOURS,
    RESERVE,
    catchment_colours,
    delta_e,
    design_hospital_table,
    neighbours_from_assignment,
)
from sundhed.maps.compare import Move, catchment_changes, move_sentence
from sundhed.maps.headline import figures_for

from browser import chromium, chromium_or_skip


def headline_of(html: str) -> dict:
    """The headline numbers embedded in a page (one block per model)."""
    blobs = re.findall(r"<script type='application/json' class='headline-data'>(.*?)</script>", html, flags=re.S)
    assert blobs, "no headline data in page"
    return {b["model"]: {f["key"]: f for f in b["figures"]} for b in map(json.loads, blobs)}


# ------------------------------------------------------------------------------------------- colours
def test_shipped_colour_table_is_the_designed_one_and_neighbours_differ(ds):
    assert HOSPITAL_COLOURS == design_hospital_table(ds)  # re-made from the data: the shipped table is current
    assert set(HOSPITAL_COLOURS) == set(ds.hospitals["navn"])
    assert len(set(HOSPITAL_COLOURS.values())) == len(HOSPITAL_COLOURS)  # one colour per akutsygehus
    b1 = dict(zip(ds.baseline["kode"].astype(int), ds.baseline["catchment"]))
    near = neighbours_from_assignment(b1, ds.adjacency.edges(), hops=2)
    worst = min(delta_e(HOSPITAL_COLOURS[a], HOSPITAL_COLOURS[b]) for a in near for b in near[a])
    assert worst > 30, worst  # catchments within two kommune steps are clearly different
    assert "Kolding" in near["Odense"]  # Fyn borders Kolding over the Lillebælt bridges


def test_colours_do_not_follow_list_position(ds):
    """Closing Nykøbing F and adding a 22nd root leaves every other catchment's colour as it was."""
    b1 = dict(zip(ds.baseline["kode"].astype(int), ds.baseline["catchment"]))
    plan = {k: ("Køge" if h == "Nykøbing F" else h) for k, h in b1.items()}
    plan[147] = "Frederiksberg"
    names = [h for h in HOSPITAL_COLOURS if h != "Nykøbing F"] + ["Frederiksberg"]
    col = catchment_colours(names, plan, ds.adjacency.edges())
    assert all(col[h] == HOSPITAL_COLOURS[h] for h in names if h != "Frederiksberg")
    new = col["Frederiksberg"]
    assert new in RESERVE and min(delta_e(new, c) for c in HOSPITAL_COLOURS.values()) > 40
    assert col == catchment_colours(list(reversed(names)), plan, ds.adjacency.edges())  # order-free


# ------------------------------------------------------------------------------------------- sentences
def test_move_sentence_reads_as_the_issue_asks():
    mv = Move("Odense", "Kolding", ("Langeland", "Ærø"), (482, 492), 18455, 41.2, 0.4)
    assert move_sentence(mv, "da") == (
        "Langeland og Ærø flytter fra Odense til Kolding: 18.455 indbyggere får 41 min længere til akutsygehus"
    )
    mv2 = Move("Herlev", "Hvidovre", ("Rødovre",), (175,), 40652, -3.2, 0.0)
    assert "får 3 min kortere" in move_sentence(mv2, "da") and "3 min shorter" in move_sentence(mv2, "en")


def test_catchment_changes_groups_and_weights():
    a = pd.DataFrame(
        {
            "code": [1, 2, 3],
            "kommune": ["A", "B", "C"],
            "catchment": ["X", "X", "Y"],
            "population": [100, 300, 50],
            "travel_minutes": [10.0, 20.0, 5.0],
        }
    )
    b = a.assign(catchment=["Z", "Z", "Y"], travel_minutes=[20.0, 24.0, 5.0])
    (mv,) = catchment_changes(a, b)
    assert (mv.a, mv.b, mv.kommuner, mv.population) == ("X", "Z", ("B", "A"), 400)
    assert mv.delta_min == pytest.approx((100 * 10 + 300 * 4) / 400)  # population-weighted mean change


# ------------------------------------------------------------------------------------------- solved folders
@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """Default rules, 'Thisted closes' and a small Nordjylland chain (catchments -> houses -> akutbiler), solved
    with `sundhed solve`; Table B.1 with `sundhed map baseline`."""
    root = tmp_path_factory.mktemp("reports")
    from pathlib import Path

    configs = Path(__file__).resolve().parents[1] / "configs"
    chain = root / "chain.toml"
    chain.write_text(
        f'extends = "{configs / "default.toml"}"\nscenario = "Nordjylland-kæde"\n'
        'model = ["catchments", "houses", "akutbiler"]\nregions = ["Nordjylland"]\n'
        '[houses]\nbudget_mio_kr = 300\ncapacity = false\n[akutbiler]\nkind = "mclp"\nk = 3\n',
        encoding="utf-8",
    )
    out = {}
    for name, cfg in (
        ("default", configs / "default.toml"),
        ("thisted", configs / "thisted_closes.toml"),
        ("chain", chain),
    ):
        out[name] = root / name
        assert main(["solve", str(cfg), "--out", str(out[name])]) == 0
    out["baseline"] = root / "baseline"
    assert main(["map", "baseline", "--out", str(out["baseline"])]) == 0
    return out


@pytest.mark.slow
def test_colour_column_identical_across_two_scenarios(solved):
    a = pd.read_csv(solved["default"] / "catchments.csv").set_index("catchment")["colour"]
    b = pd.read_csv(solved["thisted"] / "catchments.csv").set_index("catchment")["colour"]
    common = a.index.intersection(b.index)
    assert len(common) == 20 and "Thisted" not in b.index
    assert (a[common] == b[common]).all() and all(a[c] == HOSPITAL_COLOURS[c] for c in common)
    html = (solved["thisted"] / "map.html").read_text(encoding="utf-8")
    assert all(HOSPITAL_COLOURS[c] in html for c in common)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "thisted", "baseline"])
def test_catchment_map_headline_equals_summary_json(solved, name):
    d = solved[name]
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    html = (d / "map.html").read_text(encoding="utf-8")
    got = headline_of(html)["catchments"]
    m, ref = s["metrics"], s["table_b1"]
    assert got["mean_minutes"]["value"] == m["mean_minutes"]
    assert got["max_minutes"]["value"] == m["max_minutes"] and got["max_minutes"]["detail"] == m["max_kommune"]
    assert got["outside_band"]["value"] == len(m["outside_band"])
    if name == "baseline":  # Table B.1 itself: no reference beside it, no 'moved' tile
        assert "moves" not in got and got["mean_minutes"]["reference"] is None
    else:
        assert got["mean_minutes"]["reference"] == ref["mean_minutes"]
        assert got["moves"]["value"] == m["moves_vs_baseline"]
        assert got["outside_band"]["reference"] == len(ref["outside_band"])
    # the moved list on the map and the moved count in summary.json are one number (was 16 vs 14)
    moved = pd.read_csv(d / "assignment.csv")["moved"].sum()
    assert moved == m["moves_vs_baseline"]
    if moved:
        assert f"Flyttede kommuner ({moved})" in html
    shown = re.search(r"data-key='mean_minutes'><div class='hl-val'>([^<]*)<", html).group(1)
    assert shown == f"{m['mean_minutes']:.1f} min".replace(".", ",")


@pytest.mark.slow
def test_closed_hospital_kommuner_count_as_moved(solved):
    s = json.loads((solved["thisted"] / "summary.json").read_text(encoding="utf-8"))
    t = pd.read_csv(solved["thisted"] / "assignment.csv").set_index("kommune")
    assert t.loc[["Thisted", "Morsø"], "moved"].all()  # their hospital closed: they must move
    d = json.loads((solved["default"] / "summary.json").read_text(encoding="utf-8"))
    assert s["metrics"]["moves_vs_baseline"] >= 2 and d["metrics"]["moves_vs_baseline"] >= 1
    assert s["table_b1"]["outside_band"] == d["table_b1"]["outside_band"]  # same Table B.1 reference


@pytest.mark.slow
@pytest.mark.parametrize("model,sub", [("houses", "houses"), ("akutbiler", "akutbiler")])
def test_model_map_headline_equals_summary_json(solved, model, sub):
    d = solved["chain"] / sub
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    got = headline_of((d / "map.html").read_text(encoding="utf-8"))[model]
    want = {f.key: f for f in figures_for(model, s)}
    assert set(got) == set(want)
    for k, f in want.items():
        assert got[k]["value"] == f.value and got[k]["reference"] == f.reference, k
    if model == "houses":
        assert got["coverage"]["value"] == s["covered_share_after"] and got["new_houses"]["value"] == s["n_new_houses"]
    else:
        assert got["share"]["value"] == s["share_after"] and got["new_units"]["value"] == s["n_new"] == 3


@pytest.mark.slow
def test_xlsx_one_row_per_kommune_with_names_and_danish_headers(solved):
    from openpyxl import load_workbook

    wb = load_workbook(solved["chain"] / "results.xlsx")
    assert {
        "Hovedtal",
        "Kommuner",
        "Sundhedsfællesskaber",
        "Sundhedshuse",
        "Huse pr. kommune",
        "Nye akutbiler",
        "Akutbiler pr. region",
    } <= set(wb.sheetnames)
    rows = list(wb["Kommuner"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Kommune", "Kommunekode", "Sundhedsfællesskab")
    assert len(rows) - 1 == 98 and len({r[1] for r in rows[1:]}) == 98
    assert ("København", 101) in {(r[0], r[1]) for r in rows[1:]}
    hk = list(wb["Huse pr. kommune"].iter_rows(values_only=True))
    assert hk[0][:2] == ("Kommunekode", "Kommune") and all(isinstance(r[1], str) for r in hk[1:])
    s = json.loads((solved["chain"] / "summary.json").read_text(encoding="utf-8"))
    head = {r[1]: r[2] for r in wb["Hovedtal"].iter_rows(min_row=2, values_only=True)}
    assert head["Gns. rejsetid til akutsygehus"] == s["metrics"]["mean_minutes"]


@pytest.mark.slow
def test_gpkg_has_98_kommuner_and_every_new_site_as_a_point(solved):
    import geopandas as gpd
    import pyogrio

    g = solved["chain"] / "results.gpkg"
    layers = dict(pyogrio.list_layers(g))
    assert {"kommuner", "akutsygehuse", "nye_sundhedshuse", "nye_akutbiler"} <= set(layers)
    kom = gpd.read_file(g, layer="kommuner")
    assert len(kom) == 98 and kom["sundhedsfaellesskab"].notna().all() and kom["farve"].str.startswith("#").all()
    units = pd.read_csv(solved["chain"] / "akutbiler" / "new_units.csv")
    pts = gpd.read_file(g, layer="nye_akutbiler")
    assert len(pts) == len(units) == 3 and {"lat", "lon"} <= set(units.columns)
    nord = kom[kom["region"] == "Nordjylland"].union_all().buffer(2000)
    assert pts.within(nord).all()  # regions = Nordjylland: every new unit lies in it
    houses = pd.read_csv(solved["chain"] / "houses" / "sites.csv")
    assert len(gpd.read_file(g, layer="nye_sundhedshuse")) == (~houses["existing"]).sum() > 0
    assert len(gpd.read_file(solved["baseline"] / "results.gpkg", layer="kommuner")) == 98


@pytest.mark.slow
def test_compare_baseline_to_default(solved, tmp_path):
    assert main(["compare", str(solved["baseline"]), str(solved["default"]), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "compare.html").read_text(encoding="utf-8")
    t = pd.read_csv(solved["default"] / "assignment.csv")
    moved = t[t["moved"]]
    assert f"{len(moved)} kommuner med" in html
    for name in moved["kommune"]:
        assert name in html
    assert re.search(r"flytter fra \w+ til \w+: [\d.]+ indbyggere", html)
    # side-by-side table: Table B.1 (A) and the plan (B), mean minutes as on the maps
    s = json.loads((solved["default"] / "summary.json").read_text(encoding="utf-8"))
    assert f"{s['metrics']['mean_minutes']:.1f} min".replace(".", ",") in html


@pytest.mark.slow
def test_compare_chains_names_added_and_removed_units(solved, tmp_path):
    assert main(["compare", str(solved["default"]), str(solved["chain"]), "--out", str(tmp_path), "--lang", "en"]) == 0
    html = (tmp_path / "compare.en.html").read_text(encoding="utf-8")
    assert "Health houses exist only in B." in html and "Municipalities moved" in html


@pytest.mark.slow
def test_lang_en_writes_map_en_beside_the_danish(solved):
    d = solved["default"]
    da = (d / "map.html").read_bytes()
    assert main(["map", str(d), "--lang", "en"]) == 0
    assert (d / "map.html").read_bytes() == da
    en = (d / "map.en.html").read_text(encoding="utf-8")
    assert "<title>Health-care communities</title>" in en and "Mean travel time" in en
    assert "Sundhedsfællesskaber</h3>" not in en


def test_report_pdf_without_chromium_says_how(solved_baseline_only, monkeypatch, capsys):
    monkeypatch.setenv("SUNDHED_CHROMIUM", "/nonexistent/chromium")
    assert main(["report", str(solved_baseline_only), "--pdf"]) == 6
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err and "print it to PDF" in err
    assert (solved_baseline_only / "summary.html").exists() and not (solved_baseline_only / "summary.pdf").exists()


@pytest.fixture(scope="module")
def solved_baseline_only(tmp_path_factory):
    d = tmp_path_factory.mktemp("b1") / "baseline"
    assert main(["map", "baseline", "--out", str(d)]) == 0
    return d


@pytest.mark.browser
def test_report_pdf_is_one_a4_page(solved_baseline_only, tmp_path):
    chromium_or_skip()
    d = solved_baseline_only
    assert main(["report", str(d), "--pdf"]) == 0
    pdf = d / "summary.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    if info.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    assert re.search(r"Pages:\s+1\n", info.stdout), info.stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout).groups())
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4 portrait
    html = (d / "summary.html").read_text(encoding="utf-8")
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert headline_of(html)["catchments"]["mean_minutes"]["value"] == s["metrics"]["mean_minutes"]


@pytest.mark.browser
def test_layer_panel_collapsed_at_1280x720(solved_baseline_only, tmp_path):
    exe = chromium_or_skip()
    url = (solved_baseline_only / "map.html").resolve().as_uri()
    small = chromium(exe, tmp_path, "--dump-dom", url, window="1280,720", timeout=300).stdout
    big = chromium(exe, tmp_path, "--dump-dom", url, window="1920,1080", timeout=300).stdout
    expanded = re.compile(r'class="[^"]*leaflet-control-layers-expanded')
    assert re.search(r'class="[^"]*leaflet-control-layers', small) and not expanded.search(small)
    assert expanded.search(big)
