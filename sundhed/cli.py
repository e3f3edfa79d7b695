"""`sundhed`: command line for the planning models.

    sundhed solve CONFIG [--out DIR] [--no-map]   solve one scenario, write tables, summary and map
    sundhed evaluate PLAN [--out DIR]             score a plan (CSV with kommune code + catchment, or 'baseline')
    sundhed map RESULT_DIR                        (re)render the map of a solved scenario
    sundhed sweep SWEEP [--jobs N] [--scheduler tcp://…|local]   many catchment scenarios
    sundhed data check                            print the data report; exit 1 on any inconsistency
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_INFEASIBLE = 0, 2, 3, 4


def _err(msg: str) -> None:
    print(f"sundhed: error: {msg}", file=sys.stderr)


def _render_map(ds, result_dir: Path, scenario: str, config_hash: str, band, exceptions, lang: str) -> Path:
    import pandas as pd
    from maps.catchments import render_catchment_map

    table = pd.read_csv(result_dir / "assignment.csv")
    assignment = table.rename(columns={"code": "kode", "travel_minutes": "minutter"})[["kode", "catchment", "minutter"]]
    return render_catchment_map(ds, assignment, result_dir / "map.html", title="Sundhedsfællesskaber",
                                scenario=scenario, config_hash=config_hash, band=band,
                                exceptions=tuple(exceptions), baseline=ds.baseline, lang=lang)


def cmd_solve(args) -> int:
    from geodata.dataset import load_dataset
    from solvers.catchments import CatchmentInfeasible
    from sundhed.config import load_config
    from sundhed.scenario import catchment_setup, objective_of, solve_config

    cfg = load_config(args.config)
    out = Path(args.out or cfg.output.dir)
    print(f"[1/4] loading data (hospital sites: {cfg.catchments.hospital_sites})", flush=True)
    ds = load_dataset(cfg.catchments.hospital_sites)
    print("[2/4] travel times and model instance", flush=True)
    inst, rules = catchment_setup(cfg, ds)
    c = cfg.catchments
    print(f"[3/4] solving with HiGHS: {len(inst.kommuner)} kommuner, {len(inst.hospitals)} akutsygehuse, "
          f"objective {objective_of(cfg)}", flush=True)
    t0 = time.perf_counter()
    try:
        res = solve_config(cfg, inst, rules, config_file=str(args.config))
    except CatchmentInfeasible as exc:
        _err(f"scenario '{cfg.scenario}': {exc}")
        return EXIT_INFEASIBLE
    paths = res.write(out)
    s = res.final_stats
    print(f"      status {s.status}, objective {s.objective:.4f}, gap {100 * s.gap:.4f} %, "
          f"{time.perf_counter() - t0:.1f} s; mean travel {res.score.mean_minutes:.2f} min, "
          f"{res.score.moves} kommuner moved vs Table B.1, outside band: {', '.join(res.score.band_violations) or 'none'}")
    if cfg.output.map and not args.no_map:
        print("[4/4] rendering map", flush=True)
        paths["map"] = _render_map(ds, out, cfg.scenario, cfg.hash(), c.band or (0, 10**9), c.band_exceptions,
                                   cfg.output.lang)
    for k, p in paths.items():
        print(f"      wrote {k}: {p}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    import pandas as pd
    from geodata.dataset import load_dataset
    from model.catchments import CatchmentRules
    from model.evaluate import evaluate_plan
    from model.national import catchment_instance

    ds = load_dataset()
    inst = catchment_instance(ds)
    if args.plan == "baseline":
        plan = dict(inst.baseline)
        gp = dict(zip(ds.baseline_table["catchment"], ds.baseline_table["almen_praksis_kapaciteter"]))
    else:
        p = Path(args.plan)
        if not p.exists():
            _err(f"{p}: plan file not found")
            return EXIT_USAGE
        df = pd.read_csv(p)
        cols = {"kode", "catchment"} if "kode" in df else {"code", "catchment"}
        if not cols <= set(df.columns):
            _err(f"{p}: needs columns 'kode' (or 'code') and 'catchment'; found {list(df.columns)}")
            return EXIT_USAGE
        plan = dict(zip(df[sorted(cols - {'catchment'})[0]].astype(int), df["catchment"].astype(str)))
        gp = None
    rules = CatchmentRules(band=tuple(args.band), band_exceptions=tuple(args.exceptions))
    try:
        score = evaluate_plan(inst, plan, rules, gp)
    except ValueError as exc:
        _err(f"{args.plan}: {exc}")
        return EXIT_USAGE
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(score.per_catchment.to_string(index=False))
    print(json.dumps(score.summary(), ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        score.per_catchment.to_csv(Path(args.out) / "catchments.csv", index=False)
        score.per_kommune.to_csv(Path(args.out) / "assignment.csv", index=False)
    return EXIT_OK


def cmd_map(args) -> int:
    from geodata.dataset import load_dataset

    d = Path(args.result)
    summary = d / "summary.json"
    if not summary.exists():
        _err(f"{summary}: not found (run `sundhed solve` first)")
        return EXIT_USAGE
    s = json.loads(summary.read_text())
    cfg = s.get("config", {})
    c = cfg.get("catchments", {})
    path = _render_map(load_dataset(c.get("hospital_sites", "current")), d, cfg.get("scenario", d.name),
                       cfg.get("config_hash", ""), c.get("band") or (0, 10**9),
                       c.get("band_exceptions", []), args.lang or cfg.get("output", {}).get("lang", "da"))
    print(f"wrote {path}")
    return EXIT_OK


def cmd_sweep(args) -> int:
    import tomllib

    from sundhed.config import ConfigError
    from sundhed.sweep import expand, run_sweep
    from sundhed.tasks import catchment_scenario

    path = Path(args.sweep)
    if not path.exists():
        raise ConfigError(f"{path}: sweep file not found")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise ConfigError(f"{path}: cannot be parsed: {str(exc).splitlines()[0]}") from None
    out = Path(args.out or spec.pop("out_dir", f"results/sweep-{path.stem}"))
    spec.pop("out_dir", None)
    try:
        scenarios = expand(spec)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    print(f"{len(scenarios)} scenarios -> {out} (jobs={args.jobs}, scheduler={args.scheduler or 'none'})")
    df = run_sweep(scenarios, catchment_scenario, out, jobs=args.jobs, scheduler=args.scheduler,
                   progress=not args.quiet)
    a = df.attrs
    print(f"computed {a.get('computed')}, skipped {a.get('skipped')} (already done), ok {a.get('ok')}, "
          f"errors {a.get('errors')}; wrote {out / 'results.csv'} and {out / 'results.parquet'}")
    return EXIT_OK


def cmd_data_check(args) -> int:
    from geodata.check import CheckFailed, report
    from geodata.dataset import build_dataset

    try:
        print(report(build_dataset(), travel=not args.no_travel))
    except CheckFailed as exc:
        print(str(exc))
        return 1
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sundhed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve one scenario from a TOML/YAML config",
                       description="Solve one scenario. Config keys (all optional): scenario, model, "
                                   "[catchments] region_rule, band, band_hard, band_exceptions, objective, "
                                   "lexicographic, close, add, fixed, forbidden, hospital_sites; [solver] "
                                   "time_limit, mip_gap, threads; [output] dir, map, lang. See configs/.")
    s.add_argument("config", help="path to a .toml or .yaml config file")
    s.add_argument("--out", help="output folder (default: output.dir of the config)")
    s.add_argument("--no-map", action="store_true", help="skip the HTML map")
    s.set_defaults(func=cmd_solve)
    e = sub.add_parser("evaluate", help="score a plan: 'baseline' (Table B.1) or a CSV with kode/code + catchment")
    e.add_argument("plan")
    e.add_argument("--band", nargs=2, type=int, default=[200_000, 400_000], metavar=("LOW", "HIGH"),
                   help="population band in inhabitants (default 200000 400000)")
    e.add_argument("--exceptions", nargs="*", default=["Bornholm", "Thisted", "Nykøbing F"],
                   help="catchments exempt from the band")
    e.add_argument("--out", help="write catchments.csv and assignment.csv here")
    e.set_defaults(func=cmd_evaluate)
    m = sub.add_parser("map", help="render the map of a solved scenario folder")
    m.add_argument("result", help="folder written by `sundhed solve`")
    m.add_argument("--lang", choices=["da", "en"], help="label language (default: the config's)")
    m.set_defaults(func=cmd_map)
    w = sub.add_parser("sweep", help="run many catchment scenarios from a sweep file (base + grid or scenarios)",
                       description="Sweep file (TOML): [base] a config; [grid] dotted keys -> lists of values "
                                   "(cartesian product), or [[scenarios]] tables of dotted overrides; optional "
                                   "out_dir. Finished scenarios are skipped on re-runs; a failing scenario is "
                                   "recorded with its error and the rest go on.")
    w.add_argument("sweep", help="path to a sweep .toml file")
    w.add_argument("--jobs", type=int, default=1, help="parallel processes on this machine (default 1)")
    w.add_argument("--scheduler", help="Dask scheduler address tcp://host:port, or 'local' for a local cluster")
    w.add_argument("--out", help="output folder (default: out_dir of the sweep file)")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.set_defaults(func=cmd_sweep)
    d = sub.add_parser("data", help="data commands")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dc = dsub.add_parser("check", help="print the data report; exit 1 on any inconsistency")
    dc.add_argument("--no-travel", action="store_true", help="skip the travel-time checks")
    dc.set_defaults(func=cmd_data_check)
    return p


def main(argv: list[str] | None = None) -> int:
    from geodata.errors import DataError
    from sundhed.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except DataError as exc:
        _err(str(exc))
        return EXIT_DATA
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
