"""Documents generated from the one config schema (:class:`sundhed.config.Config`): the JSON Schema
(``sundhed config schema``) and a full default config in TOML (``sundhed config defaults``).

The shipped copies ``configs/schema.json`` and ``configs/defaults.toml`` are these outputs verbatim;
``tests/test_config_docs.py`` fails when they drift from the schema. Regenerate them with
``sundhed config schema > configs/schema.json`` and ``sundhed config defaults > configs/defaults.toml``.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from sundhed.config import Config

HEADER = ("# Every config key with its default, generated from the schema in sundhed/config.py by\n"
          "# `sundhed config defaults` (do not edit: tests/test_config_docs.py checks it). Keys whose default is\n"
          "# 'none' are commented out: TOML has no null. A scenario only needs the keys it changes.\n")


def json_schema() -> str:
    """The JSON Schema of a config file, pretty-printed (keys in schema order), ending in a newline."""
    return json.dumps(Config.model_json_schema(), ensure_ascii=False, indent=2) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}" if v else "{}"
    raise TypeError(f"no TOML form for {v!r}")


def _toml_key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k, ensure_ascii=False)


def _section(model: type[BaseModel], values: dict, lines: list[str]) -> list[tuple[str, type[BaseModel]]]:
    """Write the plain keys of ``model``; return its sub-tables (name, model) to write after them."""
    subs = []
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            subs.append((name, ann))
            continue
        if f.description:
            lines.append(f"# {f.description}")
        v = values[name]
        lines.append(f"# {name} = none" if v is None else f"{name} = {_toml_value(v)}")
    return subs


def defaults_toml() -> str:
    """A complete config in TOML with every key at its default and its description as a comment."""
    values = Config().model_dump(mode="json")
    lines = [HEADER.rstrip("\n")]
    for name, sub in _section(Config, values, lines):
        lines += ["", f"[{name}]"]
        doc = (sub.__doc__ or "").strip().splitlines()
        if doc:
            lines.append(f"# {doc[0]}")
        _section(sub, values[name], lines)
    return "\n".join(lines) + "\n"
