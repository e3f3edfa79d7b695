"""The population year: one config key (data.population_year), named by every output; data check --json."""
import json

import pandas as pd

from sundhed.cli import EXIT_USAGE, main


def test_evaluate_baseline_shows_table_b1_population_beside_the_model_year(capsys):
    assert main(["evaluate", "baseline"]) == 0
    out = capsys.readouterr().out
    assert "befolkning_2018_tabel_b1" in out and "befolkning_2021" in out
    total = next(line for line in out.splitlines() if line.strip().startswith("I alt")).split()
    assert total[2:6] == ["98", "5781190", "5840045", "58855"]  # Table B.1 as printed, 2021, difference
    bisp = next(line for line in out.splitlines() if line.strip().startswith("Bispebjerg")).split()
    assert bisp[3] == "717698"  # Table B.1's own 2018 figure for Bispebjerg
    assert '"population_year": 2021' in out
    assert main(["evaluate", "baseline", "--population-year", "2020"]) == 0
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if line.strip().startswith("I alt")).split()
    assert total[2:5] == ["98", "5781190", "5822763"] and "befolkning_2020" in out


def test_solve_names_the_population_year_in_every_output(tmp_path, capsys):
    cfg = tmp_path / "s.toml"
    cfg.write_text('scenario = "År"\n[catchments]\nobjective = { travel = 1.0 }\n[data]\npopulation_year = 2020\n')
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == 0
    assert "population 1 Jan 2020" in capsys.readouterr().out
    s = json.loads((out / "summary.json").read_text())
    assert s["config"]["population_year"] == 2020 and s["config"]["data"] == {"population_year": 2020}
    scen = json.loads((out / "scenario.json").read_text())
    assert scen["metrics"]["population_year"] == 2020
    assert int(pd.read_csv(out / "assignment.csv")["population"].sum()) == 5_822_763
    html = (out / "map.html").read_text()
    assert "DST 1.1.2020" in html and "Befolkning 2020" in html


def test_population_year_is_validated(tmp_path, capsys):
    cfg = tmp_path / "s.toml"
    cfg.write_text("[data]\npopulation_year = 2019\n")
    assert main(["solve", str(cfg), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "key 'data.population_year' has value 2019" in err


def test_data_check_json_is_one_object(capsys):
    assert main(["data", "check", "--json", "--no-travel"]) == 0
    out = capsys.readouterr().out
    obj = json.loads(out)  # exactly one JSON document
    assert obj["demand_points"] == 2_141 and obj["population_total"] == 5_840_045
    assert obj["population_year"] == 2021 and "sogne" in obj["demand_source"]
    assert obj["ok"] is True and obj["failures"] == [] and len(obj["checks"]) >= 20
    assert any("Table B.1 total 2018: 5,781,190" in c["check"] for c in obj["checks"])
    assert obj["share_65plus_estimeret"] == 0.1813
