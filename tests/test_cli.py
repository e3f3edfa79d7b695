"""Command line: a real scenario end to end, and every error path."""
import json

import pandas as pd
import pytest

from sundhed.cli import EXIT_INFEASIBLE, EXIT_PARTIAL, EXIT_USAGE, main


def test_solve_end_to_end_writes_tables_summary_and_map(tmp_path, capsys):
    cfg = tmp_path / "s.toml"
    cfg.write_text('scenario = "Test"\n[catchments]\nobjective = { travel = 1.0 }\n[output]\ndir = "x"\n')
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == 0
    table = pd.read_csv(out / "assignment.csv")
    assert len(table) == 98 and table["catchment"].nunique() == 21
    assert list(table.columns[:6]) == ["kommune", "code", "catchment", "region", "population", "travel_minutes"]
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "optimal" and s["gap"] is not None and s["runtime_s"] > 0
    assert s["config"]["scenario"] == "Test" and len(s["config"]["config_hash"]) == 12
    html = (out / "map.html").read_text()
    assert "Sundhedsfællesskaber" in html and s["config"]["config_hash"] in html


def test_evaluate_baseline(capsys):
    assert main(["evaluate", "baseline"]) == 0
    out = capsys.readouterr().out
    assert "Bispebjerg" in out and '"disconnected": []' in out


@pytest.mark.parametrize("content,needle", [
    (None, "config file not found"),
    ("scenario = [unclosed", "cannot be parsed"),
    ('scenaro = "typo"', "unknown key 'scenaro'"),
    ("[catchments]\nband = [500000, 100000]", "key 'catchments.band'"),
    ('[catchments]\nobjective = { speed = 1.0 }', "unknown objective 'speed'"),
    ('[solver]\ntime_limit = "soon"', "key 'solver.time_limit' has value 'soon'"),
    ('[catchments]\nfixed = { "Atlantis" = "Kolding" }', "unknown kommune 'Atlantis'"),
    ('[catchments]\nclose = ["Narnia"]', "cannot close unknown akutsygehus"),
])
def test_config_errors_one_line(tmp_path, capsys, content, needle):
    cfg = tmp_path / "c.toml"
    if content is not None:
        cfg.write_text(content)
    assert main(["solve", str(cfg), "--no-map"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_infeasible_scenario_names_rule(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[catchments]\nband_hard = true\n")
    assert main(["solve", str(cfg), "--no-map", "--out", str(tmp_path / "o")]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "hard population band" in err and "Bispebjerg" in err


def test_missing_plan_and_result(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.csv")]) == EXIT_USAGE
    assert main(["map", str(tmp_path)]) == EXIT_USAGE
    assert "not found" in capsys.readouterr().err


def test_shipped_configs_validate():
    from pathlib import Path
    from sundhed.config import load_config
    import tomllib
    from sundhed.config import Config
    from sundhed.sweep import expand
    files = sorted((Path(__file__).parents[1] / "configs").glob("*.toml"))
    configs = [f for f in files if not f.name.startswith("sweep_")]
    sweeps = [f for f in files if f.name.startswith("sweep_")]
    assert len(configs) >= 5 and sweeps
    for f in configs:
        load_config(f)
    for f in sweeps:  # every scenario a sweep expands to is a valid config
        spec = tomllib.loads(f.read_text())
        spec.pop("out_dir", None)
        spec.pop("title", None)
        for params in expand(spec):
            Config.model_validate(params)


def test_sweep_cli_records_errors_and_skips_on_rerun(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text('[base]\nscenario = "t"\n[[scenarios]]\n"catchments.band" = [200000, 400000]\n'
                     '[[scenarios]]\n"catchments.band" = [500000, 100000]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == EXIT_PARTIAL  # one scenario failed
    df = pd.read_csv(out / "results.csv")
    assert sorted(df["status"]) == ["error", "ok"]
    assert "band" in df.loc[df["status"] == "error", "error"].iloc[0]
    assert df.loc[df["status"] == "ok", "metric.catchments"].iloc[0] == 21
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == EXIT_PARTIAL
    assert "computed 1, skipped 1" in capsys.readouterr().out  # the ok one is not recomputed
    bad = tmp_path / "b.toml"
    bad.write_text("[base]\n[gird]\nx = [1]\n")
    assert main(["sweep", str(bad), "--out", str(out)]) == EXIT_USAGE


def test_config_extends_a_base(tmp_path, capsys):
    (tmp_path / "base.toml").write_text('scenario = "Base"\n[catchments]\nregion_rule = false\nclose = ["Thisted"]\n'
                                        '[solver]\ntime_limit = 50\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    child = tmp_path / "sub" / "child.toml"
    child.write_text('extends = "../base.toml"\nscenario = "Child"\n[catchments]\nregion_rule = true\n',
                     encoding="utf-8")
    from sundhed.config import load_config
    cfg = load_config(child)
    assert cfg.scenario == "Child" and cfg.catchments.region_rule is True
    assert cfg.catchments.close == ["Thisted"] and cfg.solver.time_limit == 50  # kept from the base
    assert load_config(tmp_path.parent / tmp_path.name / "base.toml").catchments.region_rule is False
    # a missing base and a loop are one-line errors
    child.write_text('extends = "nope.toml"\n', encoding="utf-8")
    assert main(["solve", str(child), "--no-map"]) == EXIT_USAGE
    assert "nope.toml: config file not found (extended by" in capsys.readouterr().err
    child.write_text('extends = "child.toml"\n', encoding="utf-8")
    assert main(["solve", str(child), "--no-map"]) == EXIT_USAGE
    assert "loops back" in capsys.readouterr().err


def test_shipped_scenarios_are_overrides_on_the_default():
    from pathlib import Path
    from sundhed.config import load_config
    d = Path(__file__).parents[1] / "configs"
    base = load_config(d / "default.toml")
    th = load_config(d / "thisted_closes.toml")
    assert th.catchments.close == ["Thisted"] and th.catchments.objective == base.catchments.objective
    assert load_config(d / "kl_2023.toml").models == ["catchments", "houses"]


def test_console_script_is_entry_and_freezes_the_heap_for_exit(tmp_path, capsys):
    """The installed ``sundhed`` command runs :func:`sundhed.cli.entry`: main's exit code, then a frozen heap so
    the interpreter's teardown does not walk it (sundhed/heap.py)."""
    import gc
    import tomllib
    from pathlib import Path

    from sundhed.cli import entry

    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["sundhed"] == "sundhed.cli:entry"
    assert gc.get_freeze_count() == 0
    try:
        assert entry(["solve", str(tmp_path / "missing.toml")]) == EXIT_USAGE
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "missing.toml" in capsys.readouterr().err
