"""The one config schema (pydantic), validated once at the edge.

Config files are TOML (``.toml``) or YAML (``.yaml``/``.yml``). Unknown keys, wrong types and
out-of-range values give one line per problem naming the key, the value and what is allowed.

Longer than 400 lines: the one schema is one file by design (every section, its bounds and descriptions), plus
the capped file reader (size, YAML alias and value caps) that every config and sweep file goes through.
"""
from __future__ import annotations

import hashlib
import json
import reprlib
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

OBJECTIVE_NAMES = ("travel", "max_travel", "moves", "band")


class ConfigError(ValueError):
    """A config file is missing, unparsable or invalid; the message is ready to print."""


#: Largest config or sweep file read, in bytes (a config is a few KB; this stops a runaway file early).
MAX_CONFIG_BYTES = 1_000_000
#: Most YAML aliases (``*name``) and most values after expanding them: a few-KB "alias bomb" cannot
#: blow up into gigabytes of nested lists.
MAX_YAML_ALIASES = 100
MAX_CONFIG_VALUES = 100_000
#: Bounds of the solver settings: HiGHS runs on one machine (threads) and a limit below 0.1 s cannot
#: even build the model; a week is the longest solve anyone means.
MAX_THREADS = 256
TIME_LIMIT_RANGE_S = (0.1, 7 * 24 * 3600.0)


class Strict(BaseModel):
    # NaN and inf are never meaningful config values (a NaN weight made HiGHS run past its time limit)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


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
    nearness_min: float | None = Field(
        20.0, ge=0, description="nearness rule (2019 criteria): a kommune may join only akutsygehuse within this many "
                                "minutes of the nearest one it may join; none = off. 20: the smallest round value that "
                                "admits every Table B.1 assignment (largest excess 17.7 min, Vejen -> Esbjerg)")
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
    hospital_sites: Literal["current", "2018"] = Field(
        "current", description="current: GISCO 2018 sites with the four relocated hospitals moved (see "
                               "geodata/hospitals.py); 2018: GISCO 2018 coordinates as they were")

    def instance_args(self) -> dict:
        """Arguments of :func:`sundhed.model.national.catchment_instance`."""
        return {"close": tuple(self.close), "add": tuple(a.model_dump() for a in self.add)}

    def rules_args(self) -> dict:
        """Arguments of :func:`sundhed.model.national.catchment_rules` (names as written in the config)."""
        return {"region_rule": self.region_rule, "band": self.band, "band_hard": self.band_hard,
                "band_exceptions": tuple(self.band_exceptions), "fixed": dict(self.fixed),
                "forbidden": [tuple(p) for p in self.forbidden], "nearness_min": self.nearness_min}

    def objective_spec(self) -> dict[str, float] | list[str]:
        """Weights, or the lexicographic order when one is given."""
        return list(self.lexicographic) if self.lexicographic else dict(self.objective)

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


HOUSE_OBJECTIVES = ("coverage", "median", "maxmin")
EMS_KINDS = ("lscp", "mclp", "mexclp", "dsm")
REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland", "Østdanmark")
#: region names by ``regions_year`` (same as geodata.councils.REGIONS_BY_YEAR; config stays import-light)
REGIONS_BY_YEAR = {2019: ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"),
                   2027: ("Nordjylland", "Midtjylland", "Syddanmark", "Østdanmark")}
MODEL_ORDER = ("catchments", "councils", "houses", "akutbiler")


class HouseTypeConfig(Strict):
    name: str = Field(min_length=1)
    cost_mio_kr: float = Field(gt=0, description="total building cost, mio. kr.")
    capacity: float = Field(gt=0, description="patients (inhabitants) served")


class HousesConfig(Strict):
    """Model 2 (sundhedshuse) settings. Money in mio. kr., time in minutes, population in inhabitants."""

    objective: Literal["coverage", "median", "maxmin"] = Field(
        "coverage", description="coverage: inhabitants within coverage_minutes; median: inhabitant-minutes; "
                                "maxmin: the worst catchment's covered share")
    budget_mio_kr: float = Field(3000.0, ge=0, description="state money for houses (Nærhedsfonden: 3,000)")
    coverage_minutes: float = Field(20.0, gt=0, description="a house or hospital within this many minutes covers")
    min_town_pop: float = Field(2000, ge=0, description="smallest GeoNames town that is a candidate site")
    include_hospital_sites: bool = Field(True, description="akutsygehus sites are candidates too")
    weight: Literal["population", "elderly", "80plus"] = Field(
        "population", description="demand weight: population, elderly (65+) or 80plus; the elderly weights are "
                                  "estimates (2014 sogn age shares applied to the population year)")
    existing: list[str] = Field([], description="existing houses: town names or ids (T<geonameid>, H<akut_id>)")
    house_types: list[HouseTypeConfig] | None = Field(
        None, min_length=1, description="default: stort sundhedshus 80 mio. kr. / "
                                        "40,000 patients and lægehus 20 mio. kr. / 10,000 (assumptions)")
    weak_kommuner: list[str] = Field([], description="kommuner with 10 % instead of 25 % co-financing")
    cap_kbh_frb: bool = Field(True, description="at most 150 mio. kr. for København + Frederiksberg")
    capacity: bool = Field(False, description="houses have a patient capacity")
    min_one_per_catchment: bool = Field(False, description="every catchment gets a house")
    min_one_per_kommune: bool = Field(False, description="every kommune with a candidate site gets a house (KL 2023)")

    def instance_args(self) -> dict:
        """Arguments of :func:`sundhed.model.national_houses.house_instance` (names as in the config)."""
        from sundhed.model.houses import HouseType

        types = None if self.house_types is None else [HouseType(t.name, t.cost_mio_kr, t.capacity)
                                                        for t in self.house_types]
        return {"min_town_pop": self.min_town_pop, "include_hospital_sites": self.include_hospital_sites,
                "house_types": types, "budget_mio_kr": self.budget_mio_kr, "coverage_minutes": self.coverage_minutes,
                "weight": self.weight, "existing": list(self.existing), "weak_kommuner": list(self.weak_kommuner),
                "cap_kbh_frb": self.cap_kbh_frb}

    def solve_args(self) -> dict:
        """Keyword arguments of :func:`sundhed.solvers.houses.solve_houses` (besides instance and options)."""
        return {"objective": self.objective, "capacity": self.capacity,
                "min_one_per_catchment": self.min_one_per_catchment, "min_one_per_kommune": self.min_one_per_kommune}


class AkutbilerConfig(Strict):
    """Model 3 (akutbiler) settings. Time in minutes, shares in [0, 1], money in mio. kr. a year."""

    kind: Literal["lscp", "mclp", "mexclp", "dsm"] = Field("mclp", description="covering model")
    k: int | None = Field(12, ge=0, description="new units (domain: 10–15); lscp ignores it")
    T: float = Field(15.0, gt=0, description="response-time target, minutes")
    delay_min: float = Field(3.0, ge=0, description="dispatch + turnout minutes added to every drive")
    target_share: float | None = Field(None, gt=0, le=1, description="lscp: share of reachable demand to cover")
    busy_fraction: float = Field(0.3, gt=0, lt=1, description="mexclp: probability that a unit is busy")
    T1: float | None = Field(None, gt=0, description="dsm: first (short) target, minutes")
    T2: float | None = Field(None, gt=0, description="dsm: second (long) target, minutes")
    alpha: float | None = Field(None, gt=0, le=1, description="dsm: share that must be covered within T1")
    region_targets: dict[str, float] = Field({}, description="region -> minimum share within T after the plan")
    budget_mio_kr: float | None = Field(None, ge=0, description="money for new units, mio. kr. a year")
    unit_cost_mio_kr: float = Field(4.3, gt=0, description="cost of one unit, mio. kr. a year (2022 agreement: "
                                                           "65 mio. kr. for 15 units)")
    existing: Literal["modelled", "hospitals", "stations"] | list[str] = Field(
        "modelled", description="existing fleet: modelled (calibrated default), hospitals, stations "
                                "(= station_list), or a list of town names / ids")
    station_list: str | None = Field(None, description="CSV of real stations (navn, lat, lon[, id, enheder])")
    min_town_pop: float = Field(1000, ge=0, description="smallest GeoNames town that is a candidate station")
    weight: Literal["population", "elderly", "80plus"] = Field(
        "population", description="call weight: population, elderly (65+) or 80plus; the elderly weights are "
                                  "estimates (2014 sogn age shares applied to the population year)")

    def instance_args(self) -> dict:
        """Arguments of :func:`sundhed.model.national_akutbiler.ems_setup` (names and paths as in the config)."""
        return {"min_town_pop": self.min_town_pop,
                "existing": self.existing if isinstance(self.existing, str) else list(self.existing),
                "station_list": self.station_list, "delay_min": self.delay_min, "weight": self.weight,
                "unit_cost_mio_kr": self.unit_cost_mio_kr}

    def model_args(self) -> dict:
        """The model arguments of this ``kind`` for :func:`sundhed.model.akutbiler.resolve_params`."""
        kw: dict = {"T": self.T, "region_targets": self.region_targets or None, "budget_mio_kr": self.budget_mio_kr}
        if self.kind == "lscp":
            kw["target_share"] = self.target_share
        else:
            kw["k"] = self.k
        if self.kind == "mexclp":
            kw["busy_fraction"] = self.busy_fraction
        if self.kind == "dsm":
            kw.update(T1=self.T1, T2=self.T2, alpha=self.alpha)
        return kw

    @field_validator("region_targets")
    @classmethod
    def _regions(cls, v):
        for r, t in v.items():
            if r not in REGIONS:
                raise ValueError(f"unknown region {r!r}; allowed: {', '.join(REGIONS)}")
            if not 0 < t <= 1:
                raise ValueError(f"target of {r} must be a share in (0, 1], got {t}")
        return v


class SimulationConfig(Strict):
    """Dispatch simulation of an akutbil plan (``sundhed simulate``; model/dispatch_sim.py). Minutes, calls a
    year, shares in [0, 1]. The defaults are stated assumptions, not data."""

    run: bool = Field(False, description="simulate a year of calls after every akutbil solve")
    calls_per_year: float = Field(175_000, gt=0, description="national A-calls a year, an estimate (about "
                                  "875,000 A-priority trips 2021-2025 in the TV2 data / 5 years); a region "
                                  "scope gets its population share")
    replications: int = Field(10, ge=2, le=1000, description="seeded replications (95 % interval over them)")
    seed: int = Field(1, ge=0, description="random seed (same seed = same calls)")
    on_scene_min: float = Field(20.0, ge=0, description="ambulance minutes on scene (mean; assumption)")
    akutbil_on_scene_min: float = Field(20.0, ge=0, description="akutbil minutes on scene (mean; assumption)")
    on_scene: Literal["exponential", "fixed"] = Field("exponential", description="on-scene time distribution")
    transport_share: float = Field(0.7, ge=0, le=1, description="share of A-calls taken to hospital by "
                                   "ambulance (assumption)")
    handover_min: float = Field(15.0, ge=0, description="minutes at the hospital before driving back (assumption)")
    background_calls_per_year: float = Field(0, ge=0, description="other calls (e.g. B-priority; TV2: about "
                                             "167,000 a year) that occupy the nearest free ambulance but are "
                                             "not counted; national, scaled like calls_per_year")
    units_per_site: int = Field(1, ge=1, description="ambulances per modelled / hospital site (a station list "
                                "gives its own 'enheder'); every new unit is one akutbil")


class DataConfig(Strict):
    """Input data settings."""

    population_year: Literal[2020, 2021] = Field(
        2021, description="DST kommune populations of 1 January of this year weight the demand (2021: FOLK1A "
                          "2021K1 via dagir, 5,840,045; 2020: FOLK1A 2020K1 via SSI, 5,822,763); the 2,141 sogn "
                          "points are scaled to them")


class CouncilsConfig(Strict):
    """Model 4 (sundhedsråd) settings. Population in inhabitants."""

    p: int = Field(17, ge=1, description="number of councils (2027 reform: 17); at most the number of akutsygehuse")
    band: tuple[int, int] | None = Field(
        (150_000, 800_000), description="hard population band per council; default: the range of the 17 real "
                                        "councils (161,135-781,454 inhabitants, 1 Jan 2021) rounded outward")
    region_rule: bool = Field(True, description="a council stays inside one region (of regions_year)")
    objective: Literal["travel", "changes"] = Field(
        "travel", description="travel: population-weighted minutes to the nearest akutsygehus of the own council "
                              "(ties: fewest changes from the reference); changes: fewest kommuner moved from the "
                              "reference councils, then travel")
    reference_file: str | None = Field(None, description="CSV of reference councils (sundhedsraad, kommunekode, "
                                                         "region_2027); default: the real 2027 councils")
    extra_links: list[tuple[str, str]] = Field(
        [], description="kommune pairs counted as adjacent although no real link joins them (an exception you "
                        "name, e.g. [[\"Faxe\", \"Vordingborg\"]] across Præstø Fjord)")

    @field_validator("band")
    @classmethod
    def _band(cls, v):
        if v is not None and not (0 <= v[0] <= v[1]):
            raise ValueError(f"band must be [low, high] with 0 ≤ low ≤ high, got {list(v)}")
        return v


class SolverConfig(Strict):
    time_limit: float = Field(600.0, ge=TIME_LIMIT_RANGE_S[0], le=TIME_LIMIT_RANGE_S[1],
                              description="seconds (0.1 to 604,800 = one week)")
    mip_gap: float = Field(1e-6, ge=0, le=1, description="relative gap at which HiGHS stops")
    threads: int | None = Field(None, ge=1, le=MAX_THREADS,
                                description=f"HiGHS threads, 1 to {MAX_THREADS} (none = HiGHS's default)")


class OutputConfig(Strict):
    dir: str = Field("results", description="output folder (relative to the working directory)")
    map: bool = Field(True, description="write an HTML map")
    lang: Literal["da", "en"] = Field("da", description="map language: da (Danish) or en (English)")


class Config(Strict):
    scenario: str = Field("Standard", description="scenario name shown on maps and in summaries")
    model: Literal["catchments", "councils", "houses", "akutbiler"] | list[
        Literal["catchments", "councils", "houses", "akutbiler"]] = Field(
        "catchments", description="one model or a chain, e.g. [\"catchments\", \"houses\", \"akutbiler\"]: "
                                  "the solved catchments (or councils) then feed the later models")
    regions_year: Literal[2019, 2027] = Field(
        2019, description="region set: 2019 = five regions; 2027 = four (Østdanmark = Hovedstaden + Sjælland). "
                          "Used by the region rules of catchments and councils, the regions scope and the maps")
    regions: list[Literal["Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland", "Østdanmark"]] = Field(
        [], description="limit the house and akutbil models to these regions of regions_year (demand and sites); "
                        "empty = all Denmark. Catchments and councils are always national")
    catchments: CatchmentConfig = CatchmentConfig()
    councils: CouncilsConfig = CouncilsConfig()
    houses: HousesConfig = HousesConfig()
    akutbiler: AkutbilerConfig = AkutbilerConfig()
    simulation: SimulationConfig = SimulationConfig()
    data: DataConfig = DataConfig()
    solver: SolverConfig = SolverConfig()
    output: OutputConfig = OutputConfig()

    @field_validator("model")
    @classmethod
    def _chain(cls, v):
        if isinstance(v, list):
            if not v or len(set(v)) != len(v):
                raise ValueError(f"model chain must list each model at most once and not be empty, got {v}")
            if list(v) != sorted(v, key=MODEL_ORDER.index):
                raise ValueError(f"model chain must be in the order {', '.join(MODEL_ORDER)}; got {v}")
            if "catchments" in v and "councils" in v:
                raise ValueError("model chain holds catchments or councils, not both (either feeds the later models)")
        return v

    @model_validator(mode="after")
    def _regions_of_year(self):
        allowed = REGIONS_BY_YEAR[self.regions_year]
        targets = list(self.akutbiler.region_targets)
        for key, names in (("regions", self.regions), ("akutbiler.region_targets", targets)):
            bad = [r for r in names if r not in allowed]
            if bad:
                raise ValueError(f"{key}: {bad} not a region of regions_year = {self.regions_year}; "
                                 f"allowed: {', '.join(allowed)}")
        return self

    @property
    def models(self) -> list[str]:
        """The models to run, in chain order."""
        return list(self.model) if isinstance(self.model, list) else [self.model]

    def hash(self) -> str:
        """Short hash of the validated config (printed on every map). Output settings and the sections of
        models that are not run do not enter it."""
        unused = {m for m in MODEL_ORDER if m not in self.models}
        if self.models != ["catchments"]:
            unused.discard("catchments")  # its hospital_sites and the Table B.1 catchments still matter
        if not (self.simulation.run and "akutbiler" in self.models):
            unused.add("simulation")  # it changes no solve; only when it runs do its metrics enter the record
        blob = json.dumps(self.model_dump(mode="json", exclude={"output", *unused}), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _short_repr(value, limit: int = 120) -> str:
    """``repr`` cut to ``limit`` characters (an error line never prints a huge value)."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 3, 8, 8, 80, 80
    text = r.repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _format(err: ValidationError, path: Path) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "<root>"
        if not e["loc"]:
            lines.append(f"{path}: {e['msg'].removeprefix('Value error, ')}")
        elif e["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key '{key}' (value {_short_repr(e.get('input'))}); "
                         "see `sundhed solve --help` for allowed keys")
        else:
            lines.append(f"{path}: key '{key}' has value {_short_repr(e.get('input'))}: {e['msg']}")
    return "\n".join(lines)


def read_text_capped(path: Path, what: str = "config file", extended_by: Path | None = None,
                     max_bytes: int | None = None) -> str:
    """The UTF-8 text of a small input file; one-line ConfigError when it is missing, a folder, too large
    (more than ``max_bytes``, default :data:`MAX_CONFIG_BYTES`) or not text."""
    limit = MAX_CONFIG_BYTES if max_bytes is None else max_bytes
    via = f" (extended by {extended_by})" if extended_by else ""
    if not path.exists():
        raise ConfigError(f"{path}: {what} not found{via}")
    if not path.is_file():
        raise ConfigError(f"{path}: {what} is a folder or special file, not a file{via}")
    size = path.stat().st_size
    if size > limit:
        raise ConfigError(f"{path}: {what} is {size:,} bytes; the limit is {limit:,} bytes")
    try:
        with path.open("rb") as f:
            raw = f.read(limit + 1)
        if len(raw) > limit:
            raise ConfigError(f"{path}: {what} is larger than the limit of {limit:,} bytes")
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {what} cannot be read: {exc.strerror or exc}") from None


def _yaml_loader():
    """A yaml SafeLoader that refuses more than :data:`MAX_YAML_ALIASES` aliases."""
    import yaml

    class CappedLoader(yaml.SafeLoader):
        aliases_seen = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases_seen += 1
                if self.aliases_seen > MAX_YAML_ALIASES:
                    raise ConfigError(f"more than {MAX_YAML_ALIASES} YAML aliases (*name); "
                                      "write the values out instead")
            return super().compose_node(parent, index)

    return CappedLoader


def _count_values(data, limit: int) -> int:
    """Values in ``data`` with shared (aliased) lists and tables counted every time they appear; stops at
    ``limit`` + 1."""
    n, stack = 0, [data]
    while stack:
        v = stack.pop()
        n += 1
        if n > limit:
            return n
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return n


def parse_config_file(path: Path, what: str = "config file", extended_by: Path | None = None) -> dict:
    """Parse a TOML or YAML file (size-capped, alias-capped) into its top-level table."""
    text = read_text_capped(path, what, extended_by)
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            data = yaml.load(text, Loader=_yaml_loader()) or {}  # noqa: S506 - a SafeLoader subclass
        else:
            data = tomllib.loads(text)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except Exception as exc:
        raise ConfigError(f"{path}: cannot be parsed: {str(exc).splitlines()[0]}") from None
    if _count_values(data, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(f"{path}: more than {MAX_CONFIG_VALUES:,} values once YAML aliases are expanded; "
                          "a config is a few hundred")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a table of keys")
    return data


def _read_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The raw key table of a config file, with ``extends = "base.toml"`` (a path relative to the file)
    resolved: the file's keys override the base's, table by table."""
    if path.resolve() in seen:
        raise ConfigError(f"{path}: 'extends' loops back to itself ({' -> '.join(str(p) for p in seen)})")
    data = parse_config_file(path, what="config file", extended_by=seen[-1] if seen else None)
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(f"{path}: key 'extends' has value {base!r}: must be the path of a base config file")
    return _merge(_read_raw(path.parent / base, seen + (path.resolve(),)), data)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML or YAML config; raises ConfigError with a printable message.

    A config may start from another with ``extends = "default.toml"`` (relative to its own folder): a
    named scenario is then just its overrides on the base."""
    path = Path(path)
    data = _read_raw(path)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc, path)) from None


def config_reference() -> str:
    """Every config key with its default and description, from the schema (for ``--help`` and the README)."""
    lines: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            ann = f.annotation
            sub = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if sub is not None and sub not in (NewHospital, HouseTypeConfig):
                lines.append(f"[{prefix}{name}]")
                walk(sub, f"{prefix}{name}.")
                continue
            default = f.default
            if isinstance(default, BaseModel):
                default = default.model_dump()
            shown = json.dumps(default, ensure_ascii=False) if default is not None else "none"
            desc = f" - {f.description}" if f.description else ""
            lines.append(f"  {prefix}{name} = {shown}{desc}")

    walk(Config, "")
    return "\n".join(lines)
