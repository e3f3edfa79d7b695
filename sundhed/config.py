"""The one config schema (pydantic), validated once at the edge.

Config files are TOML (``.toml``) or YAML (``.yaml``/``.yml``). Unknown keys, wrong types and
out-of-range values give one line per problem naming the key, the value and what is allowed.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

OBJECTIVE_NAMES = ("travel", "max_travel", "moves", "band")


class ConfigError(ValueError):
    """A config file is missing, unparsable or invalid; the message is ready to print."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewHospital(Strict):
    navn: str
    lat: float = Field(ge=54.5, le=57.8, description="latitude, WGS84")
    lon: float = Field(ge=8.0, le=15.2, description="longitude, WGS84")
    region: str | None = None


class CatchmentConfig(Strict):
    """Model 1 settings. Population in inhabitants, minutes in minutes."""

    region_rule: bool = Field(True, description="a catchment stays inside one region")
    band: tuple[int, int] | None = Field((200_000, 400_000), description="population band per catchment")
    band_hard: bool = Field(False, description="hard band instead of a penalty")
    band_exceptions: list[str] = Field(["Bornholm", "Thisted", "Nykøbing F"],
                                       description="catchments exempt from the band (island-like)")
    objective: dict[str, float] = Field({"travel": 1.0, "band": 0.01},
                                        description="weights: travel (mean minutes), max_travel (minutes), "
                                                    "moves (kommuner), band (1,000 inhabitants outside)")
    lexicographic: list[str] | None = Field(None, description="objective names in priority order (overrides weights)")
    close: list[str] = Field([], description="akutsygehuse to close (short names)")
    add: list[NewHospital] = Field([], description="new akutsygehuse")
    fixed: dict[str, str] = Field({}, description="kommune name -> akutsygehus it must join")
    forbidden: list[tuple[str, str]] = Field([], description="(kommune, akutsygehus) pairs not allowed")
    hospital_sites: Literal["current", "2018"] = "current"

    @field_validator("band")
    @classmethod
    def _band(cls, v):
        if v is not None and not (0 <= v[0] <= v[1]):
            raise ValueError(f"band must be [low, high] with 0 ≤ low ≤ high, got {list(v)}")
        return v

    @field_validator("objective")
    @classmethod
    def _objective(cls, v):
        for k, w in v.items():
            if k not in OBJECTIVE_NAMES:
                raise ValueError(f"unknown objective {k!r}; allowed: {', '.join(OBJECTIVE_NAMES)}")
            if w < 0:
                raise ValueError(f"weight of {k!r} must be ≥ 0, got {w}")
        if not any(v.values()):
            raise ValueError("at least one objective weight must be positive")
        return v

    @field_validator("lexicographic")
    @classmethod
    def _lex(cls, v):
        if v is not None:
            bad = [x for x in v if x not in OBJECTIVE_NAMES]
            if bad or not v:
                raise ValueError(f"lexicographic needs names from {', '.join(OBJECTIVE_NAMES)}, got {v}")
        return v


class SolverConfig(Strict):
    time_limit: float = Field(600.0, gt=0, description="seconds")
    mip_gap: float = Field(1e-6, ge=0, le=1, description="relative gap at which HiGHS stops")
    threads: int | None = Field(None, ge=1)


class OutputConfig(Strict):
    dir: str = Field("results", description="output folder (relative to the working directory)")
    map: bool = Field(True, description="write an HTML map")
    lang: Literal["da", "en"] = "da"


class Config(Strict):
    scenario: str = Field("Standard", description="scenario name shown on maps and in summaries")
    model: Literal["catchments"] = "catchments"
    catchments: CatchmentConfig = CatchmentConfig()
    solver: SolverConfig = SolverConfig()
    output: OutputConfig = OutputConfig()

    def hash(self) -> str:
        """Short hash of the validated config (printed on every map)."""
        blob = json.dumps(self.model_dump(mode="json", exclude={"output"}), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _format(err: ValidationError, path: Path) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "<root>"
        if e["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key '{key}' (value {e.get('input')!r}); see `sundhed solve --help` for allowed keys")
        else:
            lines.append(f"{path}: key '{key}' has value {e.get('input')!r}: {e['msg']}")
    return "\n".join(lines)


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML or YAML config; raises ConfigError with a printable message."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            data = yaml.safe_load(text) or {}
        else:
            data = tomllib.loads(text)
    except Exception as exc:
        raise ConfigError(f"{path}: cannot be parsed: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a table of keys")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc, path)) from None
