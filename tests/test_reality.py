"""Akutbiler against reality: geocoded bases, observed response times, and the simulate / validate commands.

The TV2 files and the DAGI postcode polygons live in ../shared beside the clone (never shipped); tests that
need them skip when they are absent, the rest use tiny synthetic files."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from sundhed.geodata.bases import (
    BASES_FILE,
    geocode_bases,
    load_bases,
    syddanmark_station_list,
)
from sundhed.geodata.errors import DataError
from sundhed.geodata.observed import (
    default_postcodes_file,
    default_tv2_dir,
    join_postcodes,
    load_tv2_a,
    shared_raw_dir,
)
from sundhed.model.response_validation import (
    bases_matched,
    compare,
    fit_delay,
    share_within,
)

from sundhed.cli import EXIT_OK, EXIT_USAGE, main
from sundhed.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
RAW_BASES = (shared_raw_dir() / "compiled-prehospital-bases" / "prehospital_bases_compiled.csv"
             if shared_raw_dir() else None)
needs_raw_bases = pytest.mark.skipif(RAW_BASES is None or not RAW_BASES.exists(), reason="../shared not present")
needs_tv2 = pytest.mark.skipif(default_tv2_dir() is None or default_postcodes_file() is None,
                               reason="TV2 files / postcode polygons (../shared) not present")

FAILED_NAMES = ["Vester Hjermitslev", "Kirke Hyllinge", "Djursland", "Balling", "Fjellerup", "Havndal",
                "Sdr. Felding", "Gjesing", "Vilsund", "Thy-Mors", "Himmerland", "Øster Jølby"]


# ------------------------------------------------------------------------------------------- bases
def test_geocoding_rules_on_a_tiny_source(tmp_path, ds):
    raw = tmp_path / "b.csv"
    raw.write_text("region,unit_type,town,detail,as_of,source_url\n"
                   "Syddanmark,ambulancestation,Nr. Nebel;Odense S (Dalum);Ærø;Fåborg,,2015-09,u\n"
                   "Midtjylland,akutbil,Aarhus,,2018,u\n"
                   "Nordjylland,akutbil,Nowhere-by,,2020,u\n", encoding="utf-8")
    df, failed = geocode_bases(raw, ds.kommuner)
    got = dict(zip(df["town"], zip(df["geonames_navn"], df["match"])))
    assert got == {"Nr. Nebel": ("Nørre Nebel", "spelling"), "Odense S (Dalum)": ("Odense", "spelling"),
                   "Ærø": ("Marstal", "kommune"), "Fåborg": ("Faaborg", "name"), "Aarhus": ("Århus", "name")}
    assert failed == [{"region": "Nordjylland", "unit_type": "akutbil", "town": "Nowhere-by", "as_of": "2020"}]
    # every geocoded point lies in the kommune it names
    assert df.loc[df["town"] == "Ærø", "kode"].item() == 492


@needs_raw_bases
def test_shipped_bases_are_the_geocoded_source(ds):
    df, failed = geocode_bases(RAW_BASES, ds.kommuner)
    shipped = pd.read_csv(BASES_FILE, dtype=str).fillna("")
    assert df.astype(str).replace("None", "").reset_index(drop=True).equals(
        shipped[df.columns].astype(str).reset_index(drop=True))
    assert [f["town"] for f in failed] == FAILED_NAMES


def test_syddanmark_station_list_is_the_2015_tender_list():
    bases = load_bases()
    st = syddanmark_station_list(bases)
    assert len(st) == 41 and st["enheder"].sum() == 42  # 42 towns; Odense C and Odense S share a place
    assert st.loc[st["enheder"] == 2, "navn"].item() == "Odense C / Odense S (Dalum)"
    shipped = pd.read_csv(ROOT / "configs" / "stations_syddanmark_2015.csv")
    pd.testing.assert_frame_equal(st.reset_index(drop=True), shipped, check_dtype=False)
    cfg = load_config(ROOT / "configs" / "akutbiler_syddanmark.toml")
    assert cfg.regions == ["Syddanmark"] and cfg.akutbiler.existing == "stations"


def test_bases_matched_by_hand():
    bases = pd.DataFrame({"region": ["A", "A", "B"], "x": [0.0, 10_000.0, 0.0], "y": [0.0, 0.0, 4_999.0]})
    st = pd.DataFrame({"x": [3_000.0], "y": [4_000.0]})  # 5.0 km from (0, 0); 8.06 km from (10 km, 0)
    tab = bases_matched(bases, st, 5.0).set_index("region")
    assert tab.loc["A", ["bases", "within"]].tolist() == [2, 1]
    assert tab.loc["B", "within"] == 1  # (0, 4999) is 3.16 km away
    assert tab.loc["(total)", "share"] == pytest.approx(2 / 3)


# ------------------------------------------------------------------------------------------ observed
def test_tv2_loader_and_join(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("Postnummer,Gennemsnit_minutter,Antal_ture,Region,Kategori,Note\n1050,8.5,182,Hovedstaden,Grøn,\n"
                 "9000,8.0,9680,Nordjylland,Grøn,\n2640,12.3,1930,Hovedstaden,Gul,\n2640,14.7,11,Sjælland,Gul,*\n"
                 "4000,9.0,10,Sjælland,Grøn,\n", encoding="utf-8")
    obs = load_tv2_a(f)
    assert len(obs) == 5 and obs["trips"].sum() == 182 + 9680 + 1930 + 11 + 10
    polys = gpd.GeoDataFrame({"postnr_txt": ["1000-1499", "9000", "2640"], "lo": [1000, 9000, 2640],
                              "hi": [1499, 9000, 2640], "navn": ["København K", "Aalborg", "Hedehusene"]},
                             geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3), box(4, 4, 5, 5)], crs=25832)
    j = join_postcodes(obs, polys)
    assert j["polygon"].tolist() == [0, 1, 2, 2, -1]
    # the network's outlier scan (check_ambulance) reads the same file through the same loader: one row per
    # postcode, a postcode of two regions at its trip-weighted mean
    from sundhed.geodata import check_ambulance

    tv2 = tmp_path / "raw" / "tv2-ambulance-responsetimes"
    tv2.mkdir(parents=True)
    (tv2 / "A_priority_response_by_postnummer_2021-2025.csv").write_bytes(f.read_bytes())
    per = check_ambulance.observed(tmp_path / "raw").set_index("postnummer")
    assert per.loc[2640, "ture"] == 1941 and per.loc[2640, "region"] == "Hovedstaden/Sjælland"
    assert per.loc[2640, "observeret_min"] == pytest.approx((12.3 * 1930 + 14.7 * 11) / 1941)
    assert per.loc[9000, "observeret_min"] == 8.0 and len(per) == 4
    f.write_text(f.read_text(encoding="utf-8") + "9000,9.0,5,Nordjylland,Grøn,\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicate postcode 9000"):
        load_tv2_a(f)
    (tv2 / "A_priority_response_by_postnummer_2021-2025.csv").write_bytes(f.read_bytes())
    with pytest.raises(DataError, match="duplicate postcode 9000"):
        check_ambulance.observed(tmp_path / "raw")


def test_statistics_by_hand():
    df = pd.DataFrame({"observed_min": [8.0, 10.0, 12.0, 20.0], "modelled_min": [7.0, 11.0, 11.5, 14.0],
                       "trips": [100, 100, 100, 100]})
    s = compare(df)
    assert s["postcodes"] == 4 and s["spearman"] == pytest.approx(1.0)
    assert s["median_abs_error_min"] == pytest.approx(1.0)  # |err| sorted: 0.5, 1, 1, 6
    assert s["mean_error_min"] == pytest.approx((-1 + 1 - 0.5 - 6) / 4)
    assert fit_delay(np.array([10.0, 12.0]), np.array([7.0, 8.0]), np.array([1, 3])) == pytest.approx(3.75)
    assert share_within(np.array([8.0, 15.0, 16.0]), np.array([1, 1, 2])) == pytest.approx(0.5)


def test_validate_without_tv2_files_says_where(tmp_path, capsys):
    assert main(["validate", "response-times", "--data", str(tmp_path / "nope")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--data DIR" in err and "not shipped" in err


@needs_tv2
@pytest.mark.slow
def test_validate_response_times_json(capsys):
    assert main(["validate", "response-times", "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert {"postcodes", "spearman", "median_abs_error_min", "by_region"} <= set(out)
    assert set(out["by_region"]) == {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"}
    assert out["postcodes"] == sum(r["postcodes"] for r in out["by_region"].values()) > 500
    assert out["join"]["tv2_postcodes"] == 1095 and out["join"]["tv2_trips"] == 874_554
    # the modelled response rises with the observed one (weakly: see README for the figures)
    assert 0.2 < out["spearman"] < 1 and 0 < out["median_abs_error_min"] < 10
    assert out["delay_min"] == 2.0 and out["calibration"]["fitted_delay_min"] > 0


@pytest.mark.slow
def test_validate_bases_json(capsys):
    assert main(["validate", "bases", "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["bases"] == 108 and out["by_region"]["(total)"]["bases"] == 108
    assert sum(v["within"] for k, v in out["by_region"].items() if k != "(total)") == \
        out["by_region"]["(total)"]["within"]


# ----------------------------------------------------------------------------------------- simulation
def test_simulation_section_enters_the_hash_only_when_it_runs():
    a = Config(model="akutbiler")
    b = Config.model_validate({"model": "akutbiler", "simulation": {"calls_per_year": 100_000}})
    assert a.hash() == b.hash()
    c = Config.model_validate({"model": "akutbiler", "simulation": {"run": True}})
    d = Config.model_validate({"model": "akutbiler", "simulation": {"run": True, "calls_per_year": 100_000}})
    assert a.hash() != c.hash() != d.hash()


@pytest.fixture(scope="module")
def nj_sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("sim")
    cfg = d / "c.toml"
    cfg.write_text('scenario = "NJ-sim"\nmodel = "akutbiler"\nregions = ["Nordjylland"]\n[akutbiler]\nk = 2\n'
                   '[simulation]\nrun = true\nreplications = 3\nseed = 5\n', encoding="utf-8")
    out = d / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == EXIT_OK
    return out


@pytest.mark.slow
def test_solve_with_simulation_writes_it_and_the_map_layer(nj_sim):
    s = json.loads((nj_sim / "akutbiler" / "simulation.json").read_text(encoding="utf-8"))
    assert set(s) >= {"national", "regions"} and set(s["regions"]) == {"Nordjylland"}
    for part in [s["national"], s["regions"]["Nordjylland"]]:
        assert {"before", "after", "ci_halfwidth"} <= set(part)
        assert 0 < part["before"]["share_within_T"] <= part["after"]["share_within_T"] <= 1
        assert 0 < part["after"]["utilisation"] < 1
        # busy units: the simulated share is never above the static share (a unit is free in the static model)
        assert part["after"]["share_within_T"] <= part["static_share_within_T"]["after"] + 0.005  # + sampling noise
    # Nordjylland's population share of 175,000 calls
    assert 15_000 < s["calls_per_year"] < 20_000
    k = pd.read_csv(nj_sim / "akutbiler" / "simulation_kommuner.csv")
    assert len(k) == 11 and k["share_after"].between(0, 1).all()
    scen = json.loads((nj_sim / "scenario.json").read_text(encoding="utf-8"))
    assert scen["metrics"]["sim_share_after"] == pytest.approx(s["national"]["after"]["share_within_T"])
    html = (nj_sim / "akutbiler" / "map.html").read_text(encoding="utf-8")
    assert "Simulering: et år med A-kald" in html and "Kendte baser (kilder 2022)" in html


@pytest.mark.slow
def test_simulate_command_json_is_reproducible(nj_sim, capsys):
    before = json.loads((nj_sim / "akutbiler" / "simulation.json").read_text(encoding="utf-8"))
    assert main(["simulate", str(nj_sim), "--json", "--no-map"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out == before  # same config, same seed: the same calls and the same figures
    assert main(["simulate", str(nj_sim), "--json", "--no-map", "--seed", "6"]) == EXIT_OK
    other = json.loads(capsys.readouterr().out)
    assert other["national"]["after"] != out["national"]["after"]


def test_simulate_without_a_plan_is_a_usage_error(tmp_path, capsys):
    assert main(["simulate", str(tmp_path)]) == EXIT_USAGE
    assert "akutbiler/summary.json" in capsys.readouterr().err
