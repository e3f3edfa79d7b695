"""Model 4 on the national instance and its command line: the real 17 councils reproduced exactly when
minimising changes, the optimum proven and feasible, `sundhed evaluate sundhedsraad-2027`, regions_year,
and bad input (one line, no output)."""
import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from sundhed.cli import EXIT_DATA, EXIT_USAGE, main
from sundhed.geodata.councils import UNVERIFIED, load_councils, with_regions
from sundhed.model.councils import CouncilRules, evaluate_councils
from sundhed.model.national_councils import council_instance
from sundhed.solvers.councils import solve_councils
from sundhed.solvers.highs import SolveOptions

CONFIGS = Path(__file__).parent.parent / "configs"
EXACT = SolveOptions(mip_gap=0.0, time_limit=300)


@pytest.fixture(scope="module")
def inst(ds):
    return council_instance(with_regions(ds, 2027))


def partition(council_of: dict) -> set:
    groups: dict = {}
    for k, c in council_of.items():
        groups.setdefault(c, set()).add(k)
    return {frozenset(v) for v in groups.values()}


def test_real_councils_scored_like_table_b1(inst):
    units, _kom = evaluate_councils(inst, inst.reference, CouncilRules(), UNVERIFIED)
    assert len(units) == 17 and units["population"].sum() == int(inst.population.sum())
    assert units["hospitals"].map(len).sum() == 21
    two = {n for n, h in zip(units["name"], units["hospitals"]) if len(h) == 2}
    assert two == {"Sundhedsråd Limfjorden", "Sundhedsråd Østsjælland og Øerne", "Sundhedsråd Midt- og Vestsjælland",
                   "Sundhedsråd Hovedstaden"}
    u = units.set_index("name")
    # Hovedstaden (København, Frederiksberg, Bornholm) is connected through Rønne-Ystad + the Øresund bridge
    assert u.loc["Sundhedsråd Hovedstaden", "contiguous"]
    # Østsjælland og Øerne is split by Præstø Fjord (Faxe-Vordingborg: water, no link)
    assert not u.loc["Sundhedsråd Østsjælland og Øerne", "contiguous"]
    assert u.loc["Sundhedsråd Østsjælland og Øerne", "cut_off"] == ["Guldborgsund", "Lolland", "Vordingborg"]
    assert u["contiguous"].sum() == 16 and set(u["region"]) == {"Østdanmark", "Syddanmark", "Midtjylland",
                                                               "Nordjylland"}
    assert u.loc["Sundhedsråd Midt- og Vestsjælland", "unverified"] == ["Lejre"]
    assert u.loc["Sundhedsråd Københavns Omegn Nord", "unverified"] == ["Rudersdal"]


@pytest.mark.slow
def test_minimising_changes_reproduces_the_real_councils_exactly(inst):
    code = {v: k for k, v in inst.names.items()}
    gap = dataclasses.replace(inst, edges=inst.edges + ((code["Faxe"], code["Vordingborg"]),))
    res = solve_councils(gap, CouncilRules(), "changes", EXACT)
    assert all(s.optimal for s in res.stats) and res.terms["changes"] == 0
    assert partition(res.council_of) == partition(inst.reference)
    assert res.council_of == inst.reference  # names too
    # strict (no Præstø Fjord exception): one kommune moves, Næstved joins Østsjælland og Øerne
    strict = solve_councils(inst, CouncilRules(), "changes", EXACT)
    moved = strict.kommuner[strict.kommuner["moved"]]
    assert list(moved["kommune"]) == ["Næstved"] and moved["council"].iloc[0] == "Sundhedsråd Østsjælland og Øerne"


@pytest.mark.slow
def test_national_optimum_proven_and_feasible(inst):
    res = solve_councils(inst, CouncilRules(), "travel", SolveOptions(mip_gap=0.0, time_limit=300, threads=2))
    assert all(s.optimal and s.gap <= 1e-9 for s in res.stats)
    u = res.units
    assert len(u) == 17 and u["contiguous"].all() and (u["hospitals"].map(len) >= 1).all()
    assert not u["region"].str.contains("/").any()
    assert u["population"].between(150_000, 800_000).all()
    # every kommune is served by the nearest akutsygehus of its own council
    for r in res.kommuner.itertuples():
        own = u.set_index("name").loc[r.council, "hospitals"]
        j = {h: i for i, h in enumerate(inst.hospitals)}
        assert r.travel_minutes == pytest.approx(min(inst.minutes[inst.k_index[r.code], j[h]] for h in own))
    assert res.terms["travel"] < 18.44  # the real councils: 18.449 min (sogn demand 2021, road classes)


def test_evaluate_cli_json(capsys):
    assert main(["evaluate", "sundhedsraad-2027", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["units"]) == 17
    for u in d["units"]:
        assert {"name", "population", "hospitals", "contiguous", "region"} <= set(u)
    assert sum(u["population"] for u in d["units"]) == 5_840_045  # DST 1 Jan 2021 (the default population_year)
    assert "Lejre" in d["note"] and "Rudersdal" in d["note"]


def test_evaluate_cli_table(capsys):
    assert main(["evaluate", "sundhedsraad-2027"]) == 0
    out = capsys.readouterr().out
    assert "Sundhedsråd Fyn" in out and "unverified" in out and "Rudersdal" in out


def _council_file(tmp_path, ds, edit) -> Path:
    df = pd.read_csv(Path(__file__).parent.parent / "geodata/data/sundhedsraad_2027/sundhedsraad_kommuner.csv")
    df = edit(df)
    p = tmp_path / "councils.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.parametrize("edit,needle", [
    (lambda d: pd.concat([d, d.iloc[[0]].assign(kommunekode=9999)]), "unknown kommune code 9999"),
    (lambda d: pd.concat([d, d.iloc[[0]].assign(sundhedsraad="Sundhedsråd X")]), "is in two councils"),
    (lambda d: d.iloc[1:], "in no council: Samsø (741)"),
])
def test_bad_council_file_one_line_no_output(tmp_path, ds, capsys, edit, needle):
    p = _council_file(tmp_path, ds, edit)
    with pytest.raises(Exception, match=needle.replace("(", r"\(").replace(")", r"\)")):
        load_councils(ds.kommuner, p)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'model = "councils"\nregions_year = 2027\n[councils]\nreference_file = "{p}"\n')
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == EXIT_DATA
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not out.exists()


def test_p_above_hospitals_one_line_no_output(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('model = "councils"\nregions_year = 2027\n[councils]\np = 22\n')
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "p = 22 councils but only 21 akutsygehuse" in err[0]
    assert not out.exists()


def test_regions_year_2027_scope_and_region_rule(ds, tmp_path, capsys):
    from sundhed.config import Config
    from sundhed.geodata.kommuner import scope_codes
    from sundhed.steps import STEPS, StepContext

    cfg = Config.model_validate({"regions_year": 2027, "regions": ["Østdanmark"]})
    d27 = with_regions(ds, 2027)
    assert len(scope_codes(d27.kommuner, cfg.regions)) == 46
    inst = STEPS["catchments"].build(cfg, d27, StepContext())[0]
    assert set(inst.region) == {"Østdanmark", "Syddanmark", "Midtjylland", "Nordjylland"}
    assert set(inst.hospital_region) == set(inst.region)
    bad = tmp_path / "b.toml"
    bad.write_text('regions = ["Østdanmark"]\n')
    assert main(["solve", str(bad)]) == EXIT_USAGE
    assert "not a region of regions_year = 2019" in capsys.readouterr().err


@pytest.mark.slow
def test_reform_2027_config_end_to_end(tmp_path):
    out = tmp_path / "reform"
    assert main(["solve", str(CONFIGS / "reform_2027.toml"), "--out", str(out)]) == 0
    a = pd.read_csv(out / "assignment.csv")
    assert len(a) == 98 and {"code", "kommune", "catchment"} <= set(a.columns)
    assert a["catchment"].nunique() == 17 and a["catchment"].str.startswith("Sundhedsråd").all()
    s = json.loads((out / "summary.json").read_text())
    assert s["model"] == "councils" and s["optimal"] and s["gap"] == 0
    html = (out / "map.html").read_text()
    assert "Kommuner flyttet fra 2027-rådene" in html and "uverificeret" in html and "Lejre" in html


def test_catchment_map_draws_2027_regions(ds, tmp_path):
    from sundhed.maps.catchments import render_catchment_map

    d27 = with_regions(ds, 2027)
    asg = ds.baseline[["kode", "catchment"]]
    html = render_catchment_map(d27, asg, tmp_path / "m.html", title="T", scenario="S").read_text()
    assert "Hovedstaden" not in html  # popups and region borders of the 2027 set
    html19 = render_catchment_map(ds, asg, tmp_path / "m19.html", title="T", scenario="S").read_text()
    assert "Hovedstaden" in html19
