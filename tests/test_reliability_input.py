"""Issue 17, hostile input: config validation holes (case 4), `sundhed evaluate PLAN.csv` (case 6),
unbounded inputs (case 7), infeasible LSCP (case 10). Every case: one line on stderr, no traceback, the
right exit code, nothing written."""
from __future__ import annotations

import time

import numpy as np
import pytest

from sundhed.cli import EXIT_INFEASIBLE, EXIT_USAGE, main


def _solve_fails(tmp_path, capsys, text: str, name: str = "c.toml", code: int = EXIT_USAGE) -> str:
    cfg = tmp_path / name
    cfg.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--no-map", "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists(), "nothing may be written for a refused scenario"
    return err


# ------------------------------------------------------------------------------------------ case 4
@pytest.mark.parametrize("text,needle", [
    ("[catchments]\nobjective = { travel = nan }\n", "key 'catchments.objective.travel'"),
    ("[catchments]\nobjective = { travel = 1.0, band = inf }\n", "key 'catchments.objective.band'"),
    ("[houses]\nbudget_mio_kr = inf\n", "key 'houses.budget_mio_kr'"),
    ("[akutbiler]\nT = nan\n", "key 'akutbiler.T'"),
    ('[catchments]\nband_exceptions = ["Bornholmm"]\n', "unknown akutsygehus 'Bornholmm' (did you mean 'Bornholm'?)"),
    ('[catchments]\nfixed = { Aalborg = "Odense" }\n', "Aalborg hosts akutsygehus 'Aalborg'"),
    ('[catchments]\nforbidden = [["Odense", "Odense"]]\n', "the pair cannot be forbidden"),
    ('model = "houses"\n[houses]\nhouse_types = []\n', "key 'houses.house_types'"),
    ("[solver]\nthreads = 100000\n", "key 'solver.threads' has value 100000"),
    ("[solver]\ntime_limit = 1e-9\n", "key 'solver.time_limit' has value 1e-09"),
    ("[solver]\ntime_limit = 1e12\n", "key 'solver.time_limit'"),
])
def test_validation_holes_are_one_line_errors(tmp_path, capsys, text, needle):
    t0 = time.process_time()
    err = _solve_fails(tmp_path, capsys, text)
    assert needle in err
    assert time.process_time() - t0 < 30  # refused before any solve (the NaN weight ran past time_limit)


def test_closed_hospital_may_stay_in_band_exceptions(ds):
    """The default band_exceptions name Thisted; closing Thisted must not make it an error."""
    from sundhed.config import Config
    from sundhed.steps import StepContext, steps_of

    (step,) = steps_of(["catchments"])
    inst, rules, *_ = step.build(Config.model_validate({"catchments": {"close": ["Thisted"]}}), ds, StepContext())
    assert "Thisted" not in inst.hospitals and "Thisted" in rules.band_exceptions


def test_extends_pointing_at_a_folder(tmp_path, capsys):
    (tmp_path / "base").mkdir()
    err = _solve_fails(tmp_path, capsys, 'extends = "base"\n')
    assert "is a folder" in err and "extended by" in err


def test_config_that_is_a_folder(tmp_path, capsys):
    (tmp_path / "d.toml").mkdir()
    assert main(["solve", str(tmp_path / "d.toml"), "--no-map"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "is a folder" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------ case 7
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_yaml_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path, capsys):
    assert len(BOMB) < 1024
    t0 = time.process_time()
    err = _solve_fails(tmp_path, capsys, BOMB, name="bomb.yaml")
    assert time.process_time() - t0 < 5 and len(err) < 400
    assert "values once YAML aliases are expanded" in err


def test_many_yaml_aliases_refused(tmp_path, capsys):
    text = "x: &x 1\nscenario_list: [" + ", ".join(["*x"] * 150) + "]\n"
    assert "YAML aliases" in _solve_fails(tmp_path, capsys, text, name="al.yaml")


def test_recursive_yaml_alias_refused(tmp_path, capsys):
    assert "values once YAML aliases" in _solve_fails(tmp_path, capsys, "a: &a [*a]\n", name="r.yaml")


def test_oversized_config_file_refused(tmp_path, capsys):
    from sundhed.config import MAX_CONFIG_BYTES

    err = _solve_fails(tmp_path, capsys, "# " + "x" * MAX_CONFIG_BYTES + "\n")
    assert "the limit is 1,000,000 bytes" in err


def test_huge_value_is_not_echoed(tmp_path, capsys):
    err = _solve_fails(tmp_path, capsys, 'scenario = "' + "x" * 200_000 + '"\nbogus = 1\n')
    assert len(err) < 400 and "unknown key 'bogus'" in err


def test_grid_above_the_limit_refused_with_the_count_and_nothing_written(tmp_path, capsys):
    grid = "\n".join(f'"catchments.objective.travel{i}" = [1.0, 2.0]' for i in range(20))
    sweep = tmp_path / "big.toml"
    sweep.write_text(f'out_dir = "x"\n[grid]\n{grid}\n', encoding="utf-8")
    out = tmp_path / "out"
    t0 = time.process_time()
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "1,048,576 scenarios" in err and "limit of 10,000" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and time.process_time() - t0 < 5


def test_grid_limit_is_configurable(tmp_path, capsys):
    from sundhed.sweep import TooManyScenarios, expand

    spec = {"base": {}, "grid": {"a": [1, 2, 3], "b": [1, 2]}}
    assert len(expand(spec, max_scenarios=6)) == 6
    with pytest.raises(TooManyScenarios, match="6 scenarios, more than the limit of 5"):
        expand(spec, max_scenarios=5)
    sweep = tmp_path / "s.toml"
    sweep.write_text('max_scenarios = 2\n[grid]\n"catchments.region_rule" = [true, false]\n'
                     '"catchments.band_hard" = [true, false]\n', encoding="utf-8")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "o"), "--quiet"]) == EXIT_USAGE
    assert "4 scenarios, more than the limit of 2" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ case 6
def _plan(tmp_path, ds, edit) -> str:

    b = ds.baseline[["kode", "catchment"]].copy()
    b["kode"] = b["kode"].astype(object)
    b = edit(b)
    p = tmp_path / "plan.csv"
    b.to_csv(p, index=False)
    return str(p)


@pytest.mark.parametrize("edit,needles", [
    (lambda b: pd_concat(b, b.iloc[[3]].assign(catchment="Herlev")), ["appears more than once", "rows 4, 99"]),
    (lambda b: pd_concat(b, b.iloc[[0]].assign(kode=9999)), ["unknown kommune code(s) [9999]", "row 99"]),
    (lambda b: b.assign(kode=[101.5] + list(b["kode"][1:])), ["whole kommune code", "row 1 ('101.5')"]),
    (lambda b: b.assign(kode=["abc"] + list(b["kode"][1:])), ["whole kommune code", "row 1 ('abc')"]),
    (lambda b: b.assign(catchment=["Narnia"] + list(b["catchment"][1:])), ["unknown akutsygehus ['Narnia']",
                                                                           "row 1"]),
    (lambda b: b.iloc[1:], ["1 kommune(r) missing from the plan"]),
])
def test_evaluate_plan_errors_name_rows(tmp_path, capsys, ds, edit, needles):
    path = _plan(tmp_path, ds, edit)
    assert main(["evaluate", path]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    for n in needles:
        assert n in err, err


def pd_concat(a, b):
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def test_evaluate_plan_csv_roundtrip_equals_baseline(tmp_path, capsys, ds):
    """A valid plan (Table B.1 written out) scores exactly like `evaluate baseline`."""
    import json

    path = _plan(tmp_path, ds, lambda b: b)
    assert main(["evaluate", path]) == 0
    from_csv = json.loads(capsys.readouterr().out.split("\n{", 1)[1].join(["{", ""]))
    assert main(["evaluate", "baseline"]) == 0
    base = json.loads(capsys.readouterr().out.split("\n{", 1)[1].join(["{", ""]))
    assert from_csv["mean_minutes"] == base["mean_minutes"] and from_csv["moves_vs_baseline"] == 0


# ------------------------------------------------------------------------------------------ case 10
def test_lscp_with_nothing_coverable_is_infeasible():
    from sundhed.model.akutbiler import EMSInstance
    from sundhed.solvers.akutbiler import EMSInfeasibleError, solve_ems

    inst = EMSInstance(demand_ids=["a", "b"], demand_weight=np.array([10.0, 5.0]),
                       demand_region=np.array(["Nordjylland"] * 2), demand_catchment=np.array(["Aalborg"] * 2),
                       station_ids=["s0", "s1"], drive_min=np.array([[30.0, 40.0], [35.0, 50.0]]),
                       uses_ferry=np.zeros((2, 2), bool), existing=[])
    with pytest.raises(EMSInfeasibleError, match="can cover anything"):
        solve_ems(inst, "lscp", T=15.0)
    assert len(solve_ems(inst, "lscp", T=45.0).new) == 1  # one unit at s0 covers both within 45 min


def test_cli_lscp_nothing_coverable_exit_4(tmp_path, capsys):
    err = _solve_fails(tmp_path, capsys, 'model = "akutbiler"\nregions = ["Nordjylland"]\n'
                                         '[akutbiler]\nkind = "lscp"\nT = 2.0\n', code=EXIT_INFEASIBLE)
    assert "is infeasible" in err and "within T = 2 min" in err
