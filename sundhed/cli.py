"""`sundhed`: command line for the planning models.

    sundhed solve CONFIG [--out DIR] [--no-map]   solve one scenario (catchments, houses, akutbiler or a chain)
    sundhed evaluate PLAN [--out DIR]             score a plan (CSV with kommune code + catchment, or 'baseline')
    sundhed map RESULT_DIR                        (re)render the map of a solved scenario
    sundhed sweep SWEEP [--jobs N] [--scheduler tcp://…|local]   many scenarios + report.html
    sundhed data check                            print the data report; exit 1 on any inconsistency
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_INFEASIBLE, EXIT_PARTIAL = 0, 2, 3, 4, 5


def _err(msg: str) -> None:
    print(f"sundhed: error: {msg}", file=sys.stderr)


def _render_map(ds, result_dir: Path, scenario: str, config_hash: str, band, exceptions, lang: str) -> Path:
    import pandas as pd
    from sundhed.maps.catchments import render_catchment_map

    table = pd.read_csv(result_dir / "assignment.csv")
    assignment = table.rename(columns={"code": "kode", "travel_minutes": "minutter"})[["kode", "catchment", "minutter"]]
    return render_catchment_map(ds, assignment, result_dir / "map.html", title="Sundhedsfællesskaber",
                                scenario=scenario, config_hash=config_hash, band=band,
                                exceptions=tuple(exceptions), baseline=ds.baseline, lang=lang)


def _render_model_maps(run, out: Path, lang: str) -> dict[str, Path]:
    """Maps of the houses and akutbil parts of a run (the catchment map is rendered from its CSV)."""
    paths: dict[str, Path] = {}
    cfg = run.cfg
    if run.houses is not None:
        from sundhed.maps.houses import render_house_map

        paths["houses_map"] = render_house_map(run.ds, run.house_instance, run.houses, out / "houses" / "map.html",
                                               sites=run.house_sites, scenario=cfg.scenario,
                                               config_hash=cfg.hash(), lang=lang)
    if run.ems is not None:
        from sundhed.maps.akutbiler import render_ems_map

        paths["ems_map"] = render_ems_map(run.ds, run.ems_instance, run.ems, out / "akutbiler" / "map.html",
                                          stations=run.ems_stations, scenario=cfg.scenario,
                                          config_hash=cfg.hash(), lang=lang, notes=run.ems_notes.get(lang, []))
    return paths


def _print_run(run) -> None:
    if run.catchments is not None:
        res, s = run.catchments, run.catchments.final_stats
        print(f"      catchments: status {s.status}, objective {s.objective:.4f}, gap {100 * s.gap:.4f} %; "
              f"mean travel {res.score.mean_minutes:.2f} min, {res.score.moves} kommuner moved vs Table B.1, "
              f"outside band: {', '.join(res.score.band_violations) or 'none'}")
    if run.houses is not None:
        p = run.houses
        print(f"      houses: status {p.stats.status}; within {run.house_instance.coverage_minutes:g} min "
              f"{100 * p.covered_before / p.total_weight:.1f} % -> {100 * p.covered_after / p.total_weight:.1f} %; "
              f"{len(p.new_sites)} new houses, state {p.state_spend_mio_kr:,.0f} of {p.budget_mio_kr:,.0f} mio. kr.")
    if run.ems is not None:
        e = run.ems
        T = e.params.T
        print(f"      akutbiler: status {e.stats.status}; within {T:g} min {100 * e.covered_before / e.total_demand:.1f} %"
              f" -> {100 * e.covered_after / e.total_demand:.1f} % with {len(e.new)} new units")


def cmd_solve(args) -> int:
    from sundhed.solvers.akutbiler import EMSInfeasibleError
    from sundhed.solvers.catchments import CatchmentInfeasible
    from sundhed.solvers.houses import HousePlanInfeasible
    from sundhed.config import load_config
    from sundhed.scenario import run_scenario, write_ems, write_houses

    cfg = load_config(args.config)
    out = Path(args.out or cfg.output.dir)
    print(f"[1/3] scenario '{cfg.scenario}': models {' -> '.join(cfg.models)} (config hash {cfg.hash()})", flush=True)
    t0 = time.perf_counter()
    try:
        run = run_scenario(cfg, config_file=str(args.config), log=lambda m: print(f"[2/3] {m}", flush=True))
    except (CatchmentInfeasible, HousePlanInfeasible, EMSInfeasibleError) as exc:
        _err(f"scenario '{cfg.scenario}' is infeasible: {exc}")
        return EXIT_INFEASIBLE
    print(f"      solved in {time.perf_counter() - t0:.1f} s", flush=True)
    _print_run(run)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if run.catchments is not None:
        paths.update(run.catchments.write(out))
    if run.houses is not None:
        paths.update(write_houses(run, out, str(args.config)))
    if run.ems is not None:
        paths.update(write_ems(run, out, str(args.config)))
    scen = out / "scenario.json"
    scen.write_text(json.dumps({"config": cfg.model_dump(mode="json"), "config_hash": cfg.hash(),
                                "config_file": str(Path(args.config).resolve()), "metrics": run.metrics()},
                               ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    paths["scenario"] = scen
    if cfg.output.map and not args.no_map:
        print("[3/3] rendering maps", flush=True)
        if run.catchments is not None:
            c = cfg.catchments
            paths["map"] = _render_map(run.ds, out, cfg.scenario, cfg.hash(), c.band or (0, 10**9),
                                       c.band_exceptions, cfg.output.lang)
        paths.update(_render_model_maps(run, out, cfg.output.lang))
    for k, p in paths.items():
        print(f"      wrote {k}: {p}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    import pandas as pd
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.catchments import CatchmentRules
    from sundhed.model.evaluate import evaluate_plan
    from sundhed.model.national import catchment_instance

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
    from sundhed.geodata.dataset import load_dataset

    d = Path(args.result)
    scen, summary = d / "scenario.json", d / "summary.json"
    if not scen.exists() and not summary.exists():
        _err(f"{d}: no scenario.json or summary.json (run `sundhed solve` first)")
        return EXIT_USAGE
    cfg_dict = json.loads((scen if scen.exists() else summary).read_text(encoding="utf-8")).get("config", {})
    models = cfg_dict.get("model", "catchments")
    models = models if isinstance(models, list) else [models]
    c = cfg_dict.get("catchments", {})
    lang = args.lang or cfg_dict.get("output", {}).get("lang", "da")
    stored = json.loads(scen.read_text(encoding="utf-8")) if scen.exists() else {}
    config_hash = stored.get("config_hash") or cfg_dict.get("config_hash", "")
    written = []
    if "catchments" in models:
        written.append(_render_map(load_dataset(c.get("hospital_sites", "current")), d,
                                   cfg_dict.get("scenario", d.name), config_hash,
                                   c.get("band") or (0, 10**9), c.get("band_exceptions", []), lang))
    if {"houses", "akutbiler"} & set(models):
        # the house and akutbil plans are not stored in full: re-solve the stored config (seconds), then draw
        from sundhed.config import Config
        from sundhed.scenario import run_scenario

        cfg = Config.model_validate({k: v for k, v in cfg_dict.items() if k not in ("config_hash", "config_file")})
        print(f"re-solving scenario '{cfg.scenario}' (hash {cfg.hash()}) to draw the house / akutbil maps")
        written += list(_render_model_maps(run_scenario(cfg, config_file=stored.get("config_file")), d,
                                           lang).values())
    for p in written:
        print(f"wrote {p}")
    return EXIT_OK


def cmd_sweep(args) -> int:
    import tomllib

    from sundhed.config import ConfigError
    from sundhed.sweep import expand, run_sweep
    from sundhed.tasks import scenario_task

    path = Path(args.sweep)
    if not path.exists():
        raise ConfigError(f"{path}: sweep file not found")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise ConfigError(f"{path}: cannot be parsed: {str(exc).splitlines()[0]}") from None
    out = Path(args.out or spec.pop("out_dir", f"results/sweep-{path.stem}"))
    spec.pop("out_dir", None)
    title = spec.pop("title", None)
    try:
        scenarios = expand(spec)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    print(f"{len(scenarios)} scenarios -> {out} (jobs={args.jobs}, scheduler={args.scheduler or 'none'})")
    df = run_sweep(scenarios, scenario_task, out, jobs=args.jobs, scheduler=args.scheduler,
                   progress=not args.quiet)
    a = df.attrs
    print(f"computed {a.get('computed')}, skipped {a.get('skipped')} (already done), ok {a.get('ok')}, "
          f"errors {a.get('errors')}; wrote {out / 'results.csv'} and {out / 'results.parquet'}")
    if a.get("ok"):
        from sundhed.maps.sweep_report import render_sweep_report

        lang = args.lang or spec.get("base", {}).get("output", {}).get("lang", "da")
        try:
            print(f"wrote {render_sweep_report(df, out / 'report.html', title=title, lang=lang)}")
        except ValueError as exc:  # e.g. nothing varies among the ok scenarios
            print(f"no report written: {exc}")
    else:
        print("no scenario succeeded: no report written")
    return EXIT_OK if not a.get("errors") else EXIT_PARTIAL


def cmd_data_check(args) -> int:
    from sundhed.geodata.check import CheckFailed, report
    from sundhed.geodata.dataset import build_dataset

    try:
        print(report(build_dataset(), travel=not args.no_travel))
    except CheckFailed as exc:
        print(str(exc))
        return 1
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from sundhed.config import config_reference

    p = argparse.ArgumentParser(prog="sundhed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    w = sub.add_parser("sweep", help="run many scenarios from a sweep file (base + grid or scenarios)",
                       description="Sweep file (TOML): [base] a config (any model or chain); [grid] dotted keys -> "
                                   "lists of values (cartesian product), or [[scenarios]] tables of dotted "
                                   "overrides; optional out_dir and title. Finished scenarios are skipped on "
                                   "re-runs; a failing scenario is recorded with its error and the rest go on. "
                                   "Writes results.csv, results.parquet and report.html. Exit code 5 when some "
                                   "scenarios failed.")
    w.add_argument("sweep", help="path to a sweep .toml file")
    w.add_argument("--jobs", type=int, default=1, help="parallel processes on this machine (default 1)")
    w.add_argument("--scheduler", help="Dask scheduler address tcp://host:port, or 'local' for a local cluster")
    w.add_argument("--out", help="output folder (default: out_dir of the sweep file)")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.add_argument("--lang", choices=["da", "en"], help="report language (default: the base config's output.lang)")
    w.set_defaults(func=cmd_sweep)
    d = sub.add_parser("data", help="data commands")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dc = dsub.add_parser("check", help="print the data report; exit 1 on any inconsistency")
    dc.add_argument("--no-travel", action="store_true", help="skip the travel-time checks")
    dc.set_defaults(func=cmd_data_check)
    return p


def main(argv: list[str] | None = None) -> int:
    from sundhed.geodata.errors import DataError
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
