"""The council model (Model 4) from a validated config: instance, rules, solve — shared by `sundhed solve`
and sweeps; and the scoring of the real 2027 councils for `sundhed evaluate sundhedsraad-2027`."""
from __future__ import annotations

from pathlib import Path

from sundhed.config import Config


def council_setup(cfg: Config, ds, base_dir: Path | None = None):
    """(instance, rules, councils frame) for ``cfg.councils`` on ``ds`` (already in ``cfg.regions_year``'s
    regions). Bad reference files raise DataError, unknown kommune names and a too large p ValueError."""
    import dataclasses

    from sundhed.geodata.councils import COUNCILS_FILE, load_councils
    from sundhed.model.councils import CouncilRules, check_rules
    from sundhed.model.national_councils import council_instance

    c = cfg.councils
    path = COUNCILS_FILE
    if c.reference_file:
        path = Path(c.reference_file)
        if not path.exists() and base_dir is not None and (Path(base_dir) / path).exists():
            path = Path(base_dir) / path
    councils = load_councils(ds.kommuner, path)
    inst = council_instance(ds, councils)
    code_of = {v: k for k, v in inst.names.items()}
    extra = []
    for a, b in c.extra_links:
        for n in (a, b):
            if n not in code_of:
                raise ValueError(f"councils.extra_links: unknown kommune {n!r} (use official names)")
        extra.append((code_of[a], code_of[b]))
    if extra:
        inst = dataclasses.replace(inst, edges=inst.edges + tuple(extra))
    band = (float(c.band[0]), float(c.band[1])) if c.band else None
    rules = CouncilRules(p=c.p, band=band, region_rule=c.region_rule)
    check_rules(inst, rules)
    return inst, rules, councils


def solve_council_config(cfg: Config, inst, rules, record: dict | None = None):
    """Solve with the config's objective and solver settings; the plan carries the config record."""
    from sundhed.geodata.councils import UNVERIFIED
    from sundhed.solvers.councils import solve_councils
    from sundhed.solvers.highs import SolveOptions

    opts = SolveOptions(time_limit=cfg.solver.time_limit, mip_gap=cfg.solver.mip_gap, threads=cfg.solver.threads)
    return solve_councils(inst, rules, cfg.councils.objective, opts, unverified=UNVERIFIED, config=record or {})


def evaluate_real_councils(band=(150_000, 800_000), ds=None):
    """Score the real 17 councils (2027 regions) like Table B.1: (units, kommuner, metrics)."""
    from sundhed.geodata.councils import UNVERIFIED, load_councils, with_regions
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.councils import CouncilRules, council_metrics, evaluate_councils
    from sundhed.model.national_councils import council_instance

    ds = with_regions(ds if ds is not None else load_dataset(), 2027)
    councils = load_councils(ds.kommuner)
    inst = council_instance(ds, councils)
    units, kom = evaluate_councils(inst, inst.reference, CouncilRules(band=band), UNVERIFIED)
    return units, kom, council_metrics(units, kom)


def print_real_councils(band=None, as_json: bool = False, out: str | None = None) -> int:
    """`sundhed evaluate sundhedsraad-2027 [--json] [--out DIR]`: print (and optionally write) the scores."""
    import json

    import pandas as pd

    band = tuple(band) if band else (150_000, 800_000)
    units, kom, metrics = evaluate_real_councils(band)
    note = ("unverified placements: Lejre (Midt- og Vestsjælland), Rudersdal (Københavns Omegn Nord); see "
            "geodata/data/sundhedsraad_2027/PROVENANCE.md")
    if as_json:
        rows = json.loads(units.to_json(orient="records", force_ascii=False))
        for r in rows:
            r["minutes"] = None if r["minutes"] is None else round(r["minutes"], 3)
        print(json.dumps({"plan": "sundhedsraad-2027", "regions_year": 2027, "band": list(band), "units": rows,
                          "metrics": metrics, "note": note}, ensure_ascii=False, indent=2))
    else:
        t = units.copy()
        for c in ("hospitals", "unverified", "cut_off"):
            t[c] = t[c].map(lambda v: ", ".join(v) or "-")
        t["minutes"] = t["minutes"].round(2)
        with pd.option_context("display.width", 220, "display.max_columns", 20):
            print(t.to_string(index=False))
        print(note)
        print(json.dumps(metrics, ensure_ascii=False, indent=2))
    if out:
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        u = units.copy()
        for c in ("hospitals", "unverified", "cut_off"):
            u[c] = u[c].map(", ".join)
        u.to_csv(d / "councils.csv", index=False)
        kom.rename(columns={"council": "catchment"}).to_csv(d / "assignment.csv", index=False)
    return 0
