"""`sundhed config schema|defaults` come from the one schema, and the shipped copies do not drift."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from sundhed.cli import EXIT_OK, main
from sundhed.config import Config, load_config
from sundhed.config_docs import defaults_toml, json_schema

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_shipped_schema_and_defaults_are_the_generated_ones():
    assert (CONFIGS / "schema.json").read_text(encoding="utf-8") == json_schema(), \
        "configs/schema.json drifted: run `sundhed config schema > configs/schema.json`"
    assert (CONFIGS / "defaults.toml").read_text(encoding="utf-8") == defaults_toml(), \
        "configs/defaults.toml drifted: run `sundhed config defaults > configs/defaults.toml`"


def test_defaults_toml_is_the_default_config_with_every_key():
    cfg = load_config(CONFIGS / "defaults.toml")
    assert cfg == Config() and cfg.hash() == Config().hash()
    raw = tomllib.loads(defaults_toml())
    dumped = Config().model_dump(mode="json")
    for section, values in dumped.items():
        if isinstance(values, dict):
            # every key is written, except those whose default is none (TOML has no null): commented out
            assert set(raw[section]) == {k for k, v in values.items() if v is not None}, section
            assert {k for k, v in values.items() if v is None} <= {
                line.split()[1] for line in defaults_toml().splitlines() if line.startswith("# ") and
                line.endswith("= none")}
        else:
            assert raw[section] == values


def test_schema_lists_every_key_with_its_default(capsys):
    assert main(["config", "schema"]) == EXIT_OK
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    houses = schema["$defs"]["HousesConfig"]["properties"]
    assert houses["budget_mio_kr"]["default"] == 3000.0 and houses["budget_mio_kr"]["minimum"] == 0
    assert set(schema["properties"]) == set(Config.model_fields)
    assert main(["config", "defaults"]) == EXIT_OK
    assert capsys.readouterr().out == defaults_toml()
