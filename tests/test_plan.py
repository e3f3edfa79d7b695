"""The Plan interface: every model's result writes itself to a folder and reads back equal (tables, metrics,
summary) without a solver, and the step table covers every model the config schema knows."""
from __future__ import annotations

import json
import typing

import numpy as np
import pandas as pd
import pytest

from sundhed.config import Config
from sundhed.model.plan import Metric, Plan, jsonable
from sundhed.scenario import read_result, render_maps, run_scenario, write_run
from sundhed.steps import STEPS, MapInfo


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    cfg = Config.model_validate({"scenario": "plan-test", "model": ["catchments", "houses", "akutbiler"],
                                 "regions": ["Nordjylland"], "houses": {"budget_mio_kr": 300},
                                 "akutbiler": {"k": 3}})
    run = run_scenario(cfg)
    out = tmp_path_factory.mktemp("plan")
    write_run(run, out)
    return run, out


def _na(df: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as NaN whatever their kind (None in memory, empty in CSV)."""
    return df.reset_index(drop=True).where(df.reset_index(drop=True).notna(), np.nan)


def test_steps_cover_every_model_of_the_schema():
    names = typing.get_args(typing.get_args(Config.model_fields["model"].annotation)[0])
    assert tuple(STEPS) == names  # chain order = the schema's order
    for step in STEPS.values():
        assert isinstance(step.plan_type, type) and hasattr(step.plan_type, "read")


@pytest.mark.slow
def test_every_plan_round_trips_through_its_folder(chain, monkeypatch):
    run, out = chain
    import sundhed.solvers.highs as highs
    monkeypatch.setattr(highs, "solve_with_highs", lambda *a, **k: pytest.fail("read must not solve"))
    cfg, plans = read_result(out)
    assert cfg["scenario"] == "plan-test" and cfg["config_hash"] == run.cfg.hash()
    assert list(plans) == ["catchments", "houses", "akutbiler"]
    for name, plan in run.plans.items():
        back = plans[name]
        assert isinstance(plan, Plan) and isinstance(back, Plan) and type(back) is type(plan)
        assert back.model == name
        for (ta, a), (tb, b) in zip(plan.tables().items(), back.tables().items()):
            assert ta == tb
            pd.testing.assert_frame_equal(_na(a), _na(b), check_dtype=False, obj=f"{name}.{ta}")
        ma, mb = plan.metrics(), back.metrics()
        assert all(isinstance(m, Metric) and m.label_da and m.label_en for m in ma)
        assert [m.name for m in ma] == [m.name for m in mb]
        for x, y in zip(ma, mb):
            if isinstance(x.value, float) and np.isfinite(x.value):
                assert y.value == pytest.approx(x.value, rel=1e-12), x.name
            elif not (isinstance(x.value, float) and np.isnan(x.value)):
                assert x.value == y.value, x.name
        assert json.dumps(jsonable(back.summary()), sort_keys=True) == json.dumps(jsonable(plan.summary()),
                                                                                  sort_keys=True)
    # the sweep's metrics come from the plans: the same from the stored ones
    stored = json.loads((out / "scenario.json").read_text(encoding="utf-8"))["metrics"]
    assert stored == jsonable(run.metrics())


@pytest.mark.slow
def test_maps_from_read_plans_need_no_instance(chain, tmp_path):
    run, out = chain
    _, plans = read_result(out)
    paths = render_maps(run.ds, plans, tmp_path, MapInfo("plan-test", run.cfg.hash(), "da"))
    assert set(paths) == {"map", "houses_map", "ems_map"}
    ems = plans["akutbiler"]
    html = paths["ems_map"].read_text(encoding="utf-8")
    tot = ems.region_report.set_index("region").loc["(total)"]
    share = f"{100 * tot['after_15']:.1f}".replace(".", ",") + " %"
    assert f"efter <b>{share}</b>" in html
    # every new station of the plan is drawn under its name from the stored station table
    for sid in ems.new_station_ids:
        name = ems.stations.set_index("id").loc[str(sid), "navn"]
        assert json.dumps(str(name))[1:-1] in html  # in the map's script, non-ASCII is \u-escaped
    assert f"Nye stationer ({len(ems.new)})" in html


def test_read_errors_are_one_line(tmp_path):
    with pytest.raises(ValueError, match="no scenario.json"):
        read_result(tmp_path)
    (tmp_path / "scenario.json").write_text(json.dumps({"config": {"model": "houses"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="no stored houses plan"):
        read_result(tmp_path)
