"""`sundhed`: command line for the planning models.

    sundhed solve CONFIG [--out DIR] [--no-map]   solve one scenario (catchments, houses, akutbiler or a chain)
    sundhed evaluate PLAN [--out DIR]             score a plan (CSV with kommune code + catchment, or 'baseline')
    sundhed map RESULT_DIR|baseline|sundhedsraad-2027   re-render the maps of a result / map a real structure
    sundhed report RESULT_DIR [--pdf]             one-page A4 summary.html (and summary.pdf via headless Chromium)
    sundhed compare A B [--out DIR]               compare.html: what changes from result A to result B
    sundhed sweep SWEEP [--jobs N] [--scheduler tcp://…|local]   many scenarios + report.html
    sundhed config schema|defaults                print the config's JSON Schema / a full default TOML
    sundhed data check                            print the data report; exit 1 on any inconsistency
    sundhed simulate RESULT_DIR [--json]          a year of A-calls on a solved akutbil plan (sundhed/cli_reality.py)
    sundhed validate response-times|bases         the akutbil model against observed data
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_INFEASIBLE, EXIT_PARTIAL, EXIT_NO_PDF, EXIT_IO = 0, 2, 3, 4, 5, 6, 7


def _err(msg: str) -> None:
    print(f"sundhed: error: {msg}", file=sys.stderr)


def _infeasible_errors() -> tuple[type[Exception], ...]:
    from sundhed.solvers.akutbiler import EMSInfeasibleError
    from sundhed.solvers.catchments import CatchmentInfeasible
    from sundhed.solvers.councils import CouncilInfeasible
    from sundhed.solvers.houses import HousePlanInfeasible

    return CatchmentInfeasible, CouncilInfeasible, HousePlanInfeasible, EMSInfeasibleError


def cmd_solve(args) -> int:
    from sundhed.config import load_config
    from sundhed.safe_io import OutputDir
    from sundhed.scenario import render_maps, run_scenario, write_run
    from sundhed.steps import MapInfo

    if args.quiet:
        from sundhed.solvers.highs import set_progress

        set_progress(False)
    cfg = load_config(args.config)
    # checked, created and tested for writing before anything is solved (sundhed/safe_io.py)
    target = OutputDir.prepare(args.out or cfg.output.dir, explicit=args.out is not None,
                               allow_outside=args.allow_outside_cwd)
    print(f"[1/3] scenario '{cfg.scenario}': models {' -> '.join(cfg.models)} (config hash {cfg.hash()}; "
          f"population 1 Jan {cfg.data.population_year}, 2,141 sogn demand points)", flush=True)
    t0 = time.perf_counter()
    try:
        try:
            run = run_scenario(cfg, config_file=str(args.config), log=lambda m: print(f"[2/3] {m}", flush=True))
        except _infeasible_errors() as exc:
            target.abort()
            _err(f"scenario '{cfg.scenario}' is infeasible: {exc}")
            return EXIT_INFEASIBLE
        print(f"      solved in {time.perf_counter() - t0:.1f} s", flush=True)
        for line in run.report_lines():
            print(f"      {line}")
        out = target.stage()  # every file is written to a staging folder, then moved into place atomically
        paths = write_run(run, out, str(args.config))
        if cfg.output.map and not args.no_map:
            print("[3/3] rendering maps", flush=True)
            paths.update(render_maps(run.ds, run.plans, out, MapInfo(cfg.scenario, cfg.hash(), cfg.output.lang)))
        from sundhed.reports import finish_folder

        for p in finish_folder(out, cfg.output.lang, ds=run.ds, page=cfg.output.map and not args.no_map):
            paths[p.name] = p
        report = target.commit()
    except BaseException:
        target.abort()
        raise
    for k, p in paths.items():
        print(f"      wrote {k}: {target.final(p)}")
    for line in report.lines(target.path):
        print(f"      {line}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    import pandas as pd
    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.errors import DataError
    from sundhed.model.catchments import CatchmentRules
    from sundhed.model.evaluate import evaluate_plan
    from sundhed.model.national import catchment_instance

    if args.plan == "sundhedsraad-2027":
        from sundhed.councils_run import print_real_councils

        return print_real_councils(tuple(args.band) if args.band else None, args.json, args.out)
    ds = load_dataset(population_year=args.population_year)
    inst = catchment_instance(ds)
    if args.plan == "baseline":
        plan = dict(inst.baseline)
        gp = dict(zip(ds.baseline_table["catchment"], ds.baseline_table["almen_praksis_kapaciteter"]))
    else:
        p = Path(args.plan)
        if not p.exists():
            _err(f"{p}: plan file not found")
            return EXIT_USAGE
        from sundhed.plan_csv import read_plan_csv

        try:
            plan = read_plan_csv(p, inst.kommuner, inst.hospitals)
        except DataError as exc:  # a user's plan: a usage error (exit 2), not a bad shipped file
            _err(str(exc))
            return EXIT_USAGE
        gp = None
    rules = CatchmentRules(band=tuple(args.band or (200_000, 400_000)), band_exceptions=tuple(args.exceptions))
    try:
        score = evaluate_plan(inst, plan, rules, gp)
    except ValueError as exc:
        _err(f"{args.plan}: {exc}")
        return EXIT_USAGE
    table = score.per_catchment.rename(columns={"befolkning": f"befolkning_{ds.population_year}"})
    if args.plan == "baseline":
        from sundhed.model.evaluate import with_table_b1_population

        table = with_table_b1_population(score.per_catchment, ds.baseline_table, ds.population_year)
        print(f"Table B.1 (2019) with its own population of 1 Jan 2018 beside the model's 1 Jan {ds.population_year}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    print(json.dumps({**score.summary(), "population_year": ds.population_year}, ensure_ascii=False, indent=2))
    if args.out:
        from sundhed.safe_io import OutputDir

        target = OutputDir.prepare(args.out, explicit=True)
        try:
            stage = target.stage()
            table.to_csv(stage / "catchments.csv", index=False)
            score.per_kommune.to_csv(stage / "assignment.csv", index=False)
            for line in target.commit().lines(target.path):
                print(line)
        except BaseException:
            target.abort()
            raise
    return EXIT_OK


def cmd_map(args) -> int:
    """Re-render every map of a result folder from its stored plans (never re-solves), with its summary.html,
    results.xlsx and results.gpkg; or write and map a real structure (Table B.1, the 2027 councils)."""
    from sundhed.reports import STRUCTURES, dataset_for, finish_folder
    from sundhed.scenario import read_result, render_maps
    from sundhed.steps import MapInfo

    if args.result in STRUCTURES and not Path(args.result).is_dir():
        d = STRUCTURES[args.result](Path(args.out or f"results/{args.result}"))
        args.result = str(d)
    d = Path(args.result)
    try:
        cfg, plans = read_result(d)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    info = MapInfo(cfg.get("scenario", d.name), cfg.get("config_hash", ""),
                   args.lang or cfg.get("output", {}).get("lang", "da"))
    ds = dataset_for(cfg)
    for p in [*render_maps(ds, plans, d, info).values(), *finish_folder(d, info.lang, ds=ds)]:
        print(f"wrote {p}")
    return EXIT_OK


def cmd_report(args) -> int:
    from sundhed.reports import print_pdf, write_summary_page

    d = Path(args.result)
    if not d.is_dir():
        _err(f"{d}: no such result folder")
        return EXIT_USAGE
    html = write_summary_page(d, args.lang or "da")
    print(f"wrote {html}")
    if args.pdf:
        try:
            print(f"wrote {print_pdf(html, html.with_suffix('.pdf'))}")
        except RuntimeError as exc:
            _err(str(exc))
            return EXIT_NO_PDF
    return EXIT_OK


def cmd_compare(args) -> int:
    from sundhed.reports import compare_folders

    for d in (args.a, args.b):
        if not Path(d).is_dir():
            _err(f"{d}: no such result folder")
            return EXIT_USAGE
    out = Path(args.out or Path(args.b) / f"compare-{Path(args.a).resolve().name}")
    print(f"wrote {compare_folders(Path(args.a), Path(args.b), out, args.lang or 'da')}")
    return EXIT_OK


def cmd_data_check(args) -> int:
    from sundhed.geodata.check import CheckFailed, report, report_json
    from sundhed.geodata.dataset import build_dataset

    ds = build_dataset(population_year=args.population_year)
    if args.json:
        obj = report_json(ds, travel=not args.no_travel)
        print(json.dumps(obj, ensure_ascii=False))
        return EXIT_OK if obj["ok"] else 1
    try:
        print(report(ds, travel=not args.no_travel))
    except CheckFailed as exc:
        print(str(exc))
        return 1
    return EXIT_OK


def cmd_config(args) -> int:
    from sundhed.config_docs import defaults_toml, json_schema

    sys.stdout.write(json_schema() if args.config_command == "schema" else defaults_toml())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from sundhed.config import config_reference

    p = argparse.ArgumentParser(prog="sundhed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve one scenario from a TOML/YAML config",
                       description="Solve one scenario: catchments, houses, akutbiler or a chain of them, and write "
                                   "tables, summary.json, scenario.json and HTML maps. Config keys (all optional; "
                                   "default and meaning from the schema in sundhed/config.py; see configs/):\n\n"
                                   + config_reference(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("config", help="path to a .toml or .yaml config file")
    s.add_argument("--out", help="output folder (default: output.dir of the config)")
    s.add_argument("--no-map", action="store_true", help="skip the HTML map")
    s.add_argument("--quiet", action="store_true",
                   help="no solver progress lines on stderr (by default a solve over 5 s reports every 10 s)")
    s.add_argument("--allow-outside-cwd", action="store_true",
                   help="allow output.dir outside the working directory (absolute or with '..')")
    s.set_defaults(func=cmd_solve)
    e = sub.add_parser("evaluate", help="score a plan: 'baseline' (Table B.1), 'sundhedsraad-2027' (the 17 real "
                                        "councils, 2027 regions) or a CSV with kode/code + catchment")
    e.add_argument("plan")
    e.add_argument("--band", nargs=2, type=int, default=None, metavar=("LOW", "HIGH"),
                   help="population band in inhabitants (default 200000 400000; sundhedsraad-2027: 150000 800000)")
    e.add_argument("--json", action="store_true", help="sundhedsraad-2027: print one JSON object with a list 'units'")
    e.add_argument("--exceptions", nargs="*", default=["Bornholm", "Thisted", "Nykøbing F"],
                   help="catchments exempt from the band")
    e.add_argument("--out", help="write catchments.csv and assignment.csv here")
    e.add_argument("--population-year", type=int, choices=[2020, 2021], default=2021,
                   help="DST kommune populations of 1 January of this year (config key data.population_year)")
    e.set_defaults(func=cmd_evaluate)
    m = sub.add_parser("map", help="render the maps of a result folder, or map a real structure",
                       description="RESULT is a folder written by `sundhed solve` (maps, summary.html, results.xlsx "
                                   "and results.gpkg are written again from its stored plans, no solve), or "
                                   "'baseline' (Table B.1, the 2019 structure) or 'sundhedsraad-2027' (the 2027 "
                                   "councils), written as a result folder (--out, default results/NAME) and mapped.")
    m.add_argument("result", help="folder written by `sundhed solve`, or baseline | sundhedsraad-2027")
    m.add_argument("--lang", choices=["da", "en"], help="label language (default: the config's); 'en' writes "
                                                         "map.en.html beside the Danish map.html")
    m.add_argument("--out", help="output folder for baseline / sundhedsraad-2027 (default results/NAME)")
    m.set_defaults(func=cmd_map)
    r = sub.add_parser("report", help="one-page A4 summary.html of a result folder, optionally printed to PDF",
                       description="Write summary.html (print CSS: map, headline figures, table) in RESULT_DIR; "
                                   "with --pdf also summary.pdf, printed by headless Chromium (exit 6 with "
                                   "instructions when Chromium is not installed; $SUNDHED_CHROMIUM names it).")
    r.add_argument("result", help="folder written by `sundhed solve` or `sundhed map baseline`")
    r.add_argument("--pdf", action="store_true", help="also print summary.pdf with headless Chromium")
    r.add_argument("--lang", choices=["da", "en"], help="page language (default da; en writes summary.en.html)")
    r.set_defaults(func=cmd_report)
    c = sub.add_parser("compare", help="compare two result folders (any model): compare.html",
                       description="Write compare.html: a difference map (kommuner that change catchment, houses "
                                   "and akutbiler added or removed), the headline figures of A and B side by side, "
                                   "and sentences saying what changes and for whom.")
    c.add_argument("a", help="result folder A (e.g. results/baseline)")
    c.add_argument("b", help="result folder B")
    c.add_argument("--out", help="output folder (default B/compare-<name of A>)")
    c.add_argument("--lang", choices=["da", "en"], help="page language (default da)")
    c.set_defaults(func=cmd_compare)
    from sundhed.cli_sweep import register as register_sweep

    register_sweep(sub)
    c = sub.add_parser("config", help="documents generated from the config schema")
    csub = c.add_subparsers(dest="config_command", required=True)
    csub.add_parser("schema", help="print the JSON Schema of a config file").set_defaults(func=cmd_config)
    csub.add_parser("defaults", help="print a full config (TOML) with every key at its default"
                    ).set_defaults(func=cmd_config)
    d = sub.add_parser("data", help="data commands")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dc = dsub.add_parser("check", help="print the data report; exit 1 on any inconsistency")
    dc.add_argument("--no-travel", action="store_true", help="skip the travel-time checks")
    dc.add_argument("--json", action="store_true", help="print one JSON object (demand_points, population_total, "
                                                        "population_year, demand_source, checks, failures, ...)")
    dc.add_argument("--population-year", type=int, choices=[2020, 2021], default=2021,
                    help="population year to check (config key data.population_year; default 2021)")
    dc.set_defaults(func=cmd_data_check)
    from sundhed.cli_reality import register

    register(sub)  # sundhed simulate, sundhed validate response-times|bases
    return p


def main(argv: list[str] | None = None) -> int:
    from sundhed.geodata.errors import DataError
    from sundhed.config import ConfigError
    from sundhed.dask_client import SchedulerError
    from sundhed.safe_io import OutputError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, OutputError, SchedulerError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    except DataError as exc:
        _err(str(exc))
        return EXIT_DATA
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except OSError as exc:  # e.g. a full disk while writing: the staged files are dropped, earlier ones intact
        _err(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}; nothing was changed in the "
             "output folder")
        return EXIT_IO


def entry(argv: list[str] | None = None) -> int:
    """The ``sundhed`` console script: :func:`main`, then a frozen heap for the interpreter's teardown, which
    otherwise walks every object the run left (about 0.3 s after a sweep; :mod:`sundhed.heap`)."""
    rc = main(argv)
    from sundhed.heap import freeze_for_exit

    freeze_for_exit()
    return rc


if __name__ == "__main__":
    sys.exit(entry())
