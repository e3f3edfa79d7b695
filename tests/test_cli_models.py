"""Command line for the house and akutbil models and chains: real solves on one region (Nordjylland keeps
them to seconds), the maps they write, `sundhed map` on their folders, error paths, and a real
budget x units sweep on processes and on a local Dask cluster."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from sundhed.maps.offline import external_refs
from sundhed.cli import EXIT_INFEASIBLE, EXIT_OK, EXIT_USAGE, build_parser, main
from sundhed.config import Config, load_config

NJ = 'regions = ["Nordjylland"]\n'


@pytest.fixture(scope="module")
def chain_out(tmp_path_factory):
    d = tmp_path_factory.mktemp("chain")
    (d / "stationer.csv").write_text("navn,lat,lon\nSkagen st.,57.7209,10.5839\nHjørring st.,57.4642,9.9823\n"
                                     "Aalborg st.,57.0480,9.9187\n", encoding="utf-8")
    cfg = d / "c.toml"
    cfg.write_text('scenario = "Nordjylland-test"\nmodel = ["houses", "akutbiler"]\n' + NJ +
                   '[houses]\nbudget_mio_kr = 300\nexisting = ["Skagen"]\n'
                   '[akutbiler]\nk = 3\nexisting = "stations"\nstation_list = "stationer.csv"\n', encoding="utf-8")
    out = d / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == EXIT_OK
    return cfg, out


def test_chain_writes_tables_summaries_and_maps(chain_out):
    cfg, out = chain_out
    scen = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    m = scen["metrics"]
    assert scen["config_hash"] == load_config(cfg).hash()
    assert 0 < m["coverage_before"] < m["coverage_after"] <= 1
    assert m["state_spend_mio_kr"] <= 300 + 1e-6 and m["new_houses"] == len(m["chosen_sites"]) > 0
    assert 0 < m["share_before"] <= m["share_after"] <= 1 and m["new_units"] <= 3
    sites = pd.read_csv(out / "houses" / "sites.csv")
    assert sites.loc[sites["existing"], "navn"].tolist() == ["Skagen"]
    assert len(sites) == m["new_houses"] + 1
    # every site and every demand point lies in Nordjylland
    hs = json.loads((out / "houses" / "summary.json").read_text(encoding="utf-8"))
    assert hs["config"]["regions"] == ["Nordjylland"]
    units = pd.read_csv(out / "akutbiler" / "new_units.csv")
    assert len(units) == m["new_units"] and units["navn"].notna().all()
    ems = json.loads((out / "akutbiler" / "summary.json").read_text(encoding="utf-8"))
    assert len(ems["existing"]) == 3  # exactly the three stations of the list
    regions = pd.read_csv(out / "akutbiler" / "regions.csv")
    assert set(regions["region"]) == {"Nordjylland", "(total)"}
    assert "stationslisten" in ems["notes"]["da"][0]
    for sub in ("houses", "akutbiler"):
        html = (out / sub / "map.html").read_text(encoding="utf-8")
        assert "Nordjylland-test" in html and scen["config_hash"] in html
        assert not external_refs(html)
    assert "Eksisterende beredskab: stationslisten" in (out / "akutbiler" / "map.html").read_text(encoding="utf-8")


def _strip_ids(html: str) -> str:
    """A map without folium's random element ids (32 hex digits), so two renders of one plan compare equal."""
    return re.sub(r"[0-9a-f]{32}", "#", html)


def test_map_command_redraws_from_stored_plans_without_solving(chain_out, capsys, monkeypatch):
    _, out = chain_out
    before = {sub: (out / sub / "map.html").read_text(encoding="utf-8") for sub in ("houses", "akutbiler")}
    for sub in ("houses", "akutbiler"):
        (out / sub / "map.html").unlink()

    def no_solve(*a, **k):
        raise AssertionError("sundhed map must not solve")

    import sundhed.solvers.highs as highs
    monkeypatch.setattr(highs, "solve_with_highs", no_solve)
    for mod in ("sundhed.solvers.houses", "sundhed.solvers.akutbiler"):
        monkeypatch.setattr(f"{mod}.solve_with_highs", no_solve)
    assert main(["map", str(out)]) == EXIT_OK  # the config's language: Danish, as `sundhed solve` drew them
    for sub in ("houses", "akutbiler"):
        assert _strip_ids((out / sub / "map.html").read_text(encoding="utf-8")) == _strip_ids(before[sub])
    assert main(["map", str(out), "--lang", "en"]) == EXIT_OK
    assert "re-solving" not in capsys.readouterr().out
    # --lang en writes map.en.html beside the Danish map, which stays as it was
    assert "Response time" in (out / "akutbiler" / "map.en.html").read_text(encoding="utf-8")
    assert "Health houses" in (out / "houses" / "map.en.html").read_text(encoding="utf-8")
    for sub in ("houses", "akutbiler"):
        assert _strip_ids((out / sub / "map.html").read_text(encoding="utf-8")) == _strip_ids(before[sub])


@pytest.mark.parametrize("body, needle", [
    ('regions = ["Jylland"]', "key 'regions.0'"),
    ('model = ["houses", "catchments"]', "order catchments, councils, houses, akutbiler"),
    ("[houses]\nbudget = 5", "unknown key 'houses.budget'"),
    ("[houses]\nbudget_mio_kr = -1", "key 'houses.budget_mio_kr'"),
    ('[akutbiler]\nkind = "pmedian"', "key 'akutbiler.kind'"),
    ('[akutbiler]\nregion_targets = { Fyn = 0.9 }', "unknown region 'Fyn'"),
    ('model = "houses"\n' + NJ + '[houses]\nexisting = ["Atlantis"]', "unknown existing sundhedshus 'Atlantis'"),
    ('model = "houses"\n' + NJ + '[houses]\nweak_kommuner = ["Atlantis"]', "unknown kommune(r) ['Atlantis']"),
    ('model = "houses"\n' + NJ + '[houses]\nexisting = ["Odense"]', "outside the kommuner in scope"),
    ('model = "akutbiler"\n' + NJ + '[akutbiler]\nexisting = "stations"', "needs a station_list"),
    ('model = "akutbiler"\n' + NJ + '[akutbiler]\nexisting = "stations"\nstation_list = "nope.csv"', "nope.csv"),
])
def test_model_config_errors_one_line(tmp_path, capsys, body, needle):
    cfg = tmp_path / "c.toml"
    cfg.write_text(body, encoding="utf-8")
    code = main(["solve", str(cfg), "--no-map", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code in (EXIT_USAGE, 3) and needle in err and "Traceback" not in err, err


def test_infeasible_house_and_akutbil_scenarios(tmp_path, capsys):
    cfg = tmp_path / "h.toml"
    cfg.write_text('model = "houses"\n' + NJ + "[houses]\nbudget_mio_kr = 0\nmin_one_per_kommune = true\n")
    assert main(["solve", str(cfg), "--no-map", "--out", str(tmp_path / "o")]) == EXIT_INFEASIBLE
    assert "min_one_per_kommune" in capsys.readouterr().err
    cfg.write_text('model = "akutbiler"\n' + NJ + "[akutbiler]\nk = 0\nregion_targets = { Nordjylland = 0.99 }\n")
    assert main(["solve", str(cfg), "--no-map", "--out", str(tmp_path / "o")]) == EXIT_INFEASIBLE
    assert "Nordjylland" in capsys.readouterr().err


def test_help_lists_every_config_key_with_its_default(capsys):
    text = build_parser()._subparsers._group_actions[0].choices["solve"].format_help()
    for section in ("catchments", "houses", "akutbiler", "solver", "output"):
        model = type(getattr(Config(), section))
        for name in model.model_fields:
            assert f"{section}.{name} = " in text, (section, name)
    assert 'houses.budget_mio_kr = 3000.0' in text and 'akutbiler.existing = "modelled"' in text


SWEEP = ('title = "Budget x enheder (test)"\n[base]\nscenario = "sweep"\nmodel = ["houses", "akutbiler"]\n'
         'regions = ["Nordjylland"]\n[base.output]\nmap = false\n[grid]\n'
         '"houses.budget_mio_kr" = [0, 60, 150, 300, 600]\n"akutbiler.k" = [0, 1, 2, 4]\n')


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    spec = d / "sweep_bu.toml"
    spec.write_text(SWEEP, encoding="utf-8")
    procs, dask = d / "procs", d / "dask"
    assert main(["sweep", str(spec), "--out", str(procs), "--jobs", "2", "--quiet"]) == EXIT_OK
    assert main(["sweep", str(spec), "--out", str(dask), "--scheduler", "local", "--quiet"]) == EXIT_OK
    return spec, procs, dask


def test_budget_units_sweep_processes_and_dask_agree(sweep_runs):
    _, procs, dask = sweep_runs
    a, b = pd.read_parquet(procs / "results.parquet"), pd.read_parquet(dask / "results.parquet")
    assert len(a) == 20 and (a["status"] == "ok").all()
    cols = ["hash", "houses.budget_mio_kr", "akutbiler.k", "metric.coverage_after", "metric.share_after",
            "metric.new_units", "metric.chosen_sites"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # more money never lowers house coverage; more units never lower the 15-minute share
    for _, g in a.groupby("akutbiler.k"):
        cov = g.sort_values("houses.budget_mio_kr")["metric.coverage_after"].to_numpy()
        assert (cov[1:] >= cov[:-1] - 1e-9).all()
    for _, g in a.groupby("houses.budget_mio_kr"):
        g = g.sort_values("akutbiler.k")
        share = g["metric.share_after"].to_numpy()
        assert (share[1:] >= share[:-1] - 1e-9).all()
        assert (g["metric.new_units"] <= g["akutbiler.k"]).all()
    assert (a.loc[a["houses.budget_mio_kr"] == 0, "metric.new_houses"] == 0).all()
    # one scenario recomputed directly gives the same figures as the sweep stored
    from sundhed.scenario import run_scenario
    row = a[(a["houses.budget_mio_kr"] == 150) & (a["akutbiler.k"] == 2)].iloc[0]
    cfg = Config.model_validate({"scenario": "sweep", "model": ["houses", "akutbiler"], "regions": ["Nordjylland"],
                                 "houses": {"budget_mio_kr": 150}, "akutbiler": {"k": 2}, "output": {"map": False}})
    m = run_scenario(cfg).metrics()
    assert m["coverage_after"] == pytest.approx(row["metric.coverage_after"])
    assert m["share_after"] == pytest.approx(row["metric.share_after"])
    assert m["config_hash"] == row["metric.config_hash"]


def test_sweep_report_and_rerun_does_no_work(sweep_runs, capsys):
    spec, procs, _ = sweep_runs
    html = (procs / "report.html").read_text(encoding="utf-8")
    assert "Budget x enheder (test)" in html and "Dækning efter (%)" in html and not external_refs(html)
    # each metric is drawn against the parameter it moves with: house coverage against the house budget,
    # the 15-minute share against the number of new akutbiler
    cards = {c.split("</h3>")[0]: c for c in html.split('<div class="card"><h3>')[1:]}
    assert "Budget til sundhedshuse (mio. kr.)" in cards["Dækning efter (%)"]
    assert "Nye akutbiler (antal)" in cards["Nået inden for 15 min efter (%)"]
    assert "Nye akutbiler" not in cards["Dækning efter (%)"]
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(procs), "--jobs", "2", "--quiet"]) == EXIT_OK
    assert "computed 0, skipped 20" in capsys.readouterr().out
