"""The README's "Python API" block runs as written and does what it says."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def _api_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Python API section has one python block"
    return blocks[0]


def test_readme_python_api_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(_api_block(), "README.md#python-api", "exec"), ns)
    out = capsys.readouterr().out
    plan, same = ns["plan"], ns["same"]
    assert len(plan.new) == 3 and plan.covered_after >= plan.covered_before
    regions = pd.read_csv(tmp_path / "nordjylland" / "regions.csv")
    assert set(regions["region"]) == {"Nordjylland", "(total)"}
    assert same.covered_after == plan.covered_after and same.new_station_ids == plan.new_station_ids
    assert "Andel inden for 15 min efter" in out
    html = (tmp_path / "nordjylland" / "map.html").read_text(encoding="utf-8")
    assert "Akutbiler: stationer og responstid" in html
