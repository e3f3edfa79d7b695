"""The akutbil reality checks on the command line (registered by :func:`sundhed.cli.build_parser`):

    sundhed simulate RESULT_DIR [--json]            a year of A-calls on a solved akutbil plan, before/after
    sundhed validate response-times [--json]        modelled vs observed response per postcode (TV2 files)
    sundhed validate bases [--json]                 real bases within 5 km of a modelled station
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _config(path: str | None):
    from sundhed.config import Config, load_config

    if not path:
        return Config(model="akutbiler"), None
    return load_config(path), Path(path).parent


def cmd_simulate(args) -> int:
    from sundhed.simulate import simulate_result_dir
    from sundhed.steps import STEPS, MapInfo

    log = (lambda m: print(m, file=sys.stderr, flush=True)) if args.json else (lambda m: print(m, flush=True))
    res, cfg, plan, ds = simulate_result_dir(args.result, replications=args.replications, seed=args.seed, log=log)
    step = STEPS["akutbiler"]
    paths = res.write(step.folder(args.result))
    if not args.no_map and cfg.output.map:  # from the stored plan: no solve
        lang = args.lang or cfg.output.lang
        paths[step.map_key] = step.render(ds, plan, step.map_path(args.result, lang),
                                          MapInfo(cfg.scenario, cfg.hash(), lang))
    if args.json:
        print(json.dumps(res.summary, ensure_ascii=False, indent=2))
    else:
        s = res.summary
        T = s["T"]
        print(f"{s['calls_per_year']:,.0f} A-calls a year, {s['replications']} replications (seed {s['seed']}), "
              f"units {s['units']['before']} -> {s['units']['after']}; share within {T:g} min "
              "(static model | simulated, 95 % half-width):")
        print(f"{'':13s} {'static before':>13s} {'static after':>12s} {'sim before':>11s} {'sim after':>10s} "
              f"{'change':>14s} {'mean resp.':>11s} {'util.':>6s}")
        for _, r in res.regions.iterrows():
            print(f"{r['region']:13s} {_pct(r['static_before']):>13s} {_pct(r['static_after']):>12s} "
                  f"{_pct(r['sim_before']):>11s} {_pct(r['sim_after']):>10s} "
                  f"{100 * r['sim_change']:+6.2f} ± {100 * r['sim_change_ci']:.2f} "
                  f"{r['mean_response_after_min']:8.1f} min {100 * r['utilisation_after']:5.1f} %")
        for k, p in paths.items():
            print(f"wrote {k}: {p}")
    return EXIT_OK


def cmd_validate_response(args) -> int:
    from sundhed.geodata.observed import default_postcodes_file, default_tv2_dir
    from sundhed.validate import response_times

    data = Path(args.data) if args.data else default_tv2_dir()
    if data is None or not data.exists():
        print("sundhed: error: no TV2 response-time files: give --data DIR (the folder with "
              "A_priority_response_by_postnummer_2021-2025.csv; not shipped with the project, no licence stated); "
              "looked for ../shared/data/raw/tv2-ambulance-responsetimes beside the clone", file=sys.stderr)
        return EXIT_USAGE
    pc = Path(args.postcodes) if args.postcodes else default_postcodes_file()
    if pc is None or not pc.exists():
        print("sundhed: error: no postcode polygons: give --postcodes FILE (DAGI postnumre.geojson; looked for "
              "../shared/data/raw/dagi-neogeografen/postnumre.geojson)", file=sys.stderr)
        return EXIT_USAGE
    delay = args.delay
    if delay not in ("source", "fit"):
        try:
            delay = float(delay)
        except ValueError:
            print(f"sundhed: error: --delay must be 'source', 'fit' or minutes, got {args.delay!r}", file=sys.stderr)
            return EXIT_USAGE
    cfg, base_dir = _config(args.config)
    summary, table = response_times(cfg, data, pc, delay=delay, min_trips=args.min_trips, base_dir=base_dir)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "response_times_by_postcode.csv", index=False)
        (out / "response_times.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return EXIT_OK
    c = summary["calibration"]
    print(f"fleet: {summary['fleet']['existing']} ({summary['fleet']['stations']} stations); delay "
          f"{summary['delay_min']:.2f} min ({summary['delay_rule']})")
    print(f"calibration (Nordjylland + Syddanmark): modelled drive {c['modelled_drive_min']:.1f} min against the "
          f"source's 7–8; observed mean {c['observed_mean_min']:.1f} min; fitted delay {c['fitted_delay_min']:.1f} min")
    print(f"{'':13s} {'postcodes':>9s} {'Spearman':>9s} {'median |err|':>12s} {'mean err':>9s} {'observed':>9s} "
          f"{'modelled':>9s}")
    rows = list(summary["by_region"].items()) + [("(total)", summary)]
    for name, r in rows:
        f = (lambda v, d=2: "–" if v is None else f"{v:.{d}f}")
        print(f"{name:13s} {r['postcodes']:9d} {f(r['spearman']):>9s} {f(r['median_abs_error_min'], 1):>8s} min "
              f"{f(r['mean_error_min'], 1):>5s} min {f(r['observed_mean_min'], 1):>5s} min "
              f"{f(r['modelled_mean_min'], 1):>5s} min")
    j = summary["join"]
    print(f"joined {j['tv2_postcodes_in_a_polygon']} of {j['tv2_postcodes']} TV2 postcodes to {j['polygons']} "
          f"polygons; {j['polygons_with_min_trips']} with at least {j['min_trips']} trips compared")
    return EXIT_OK


def cmd_validate_bases(args) -> int:
    from sundhed.validate import bases_report

    cfg, base_dir = _config(args.config)
    rep = bases_report(cfg, radius_km=args.radius_km, base_dir=base_dir)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"real bases within {rep['radius_km']:g} km of one of {rep['stations']} existing stations:")
    for r, v in rep["by_region"].items():
        print(f"  {r:13s} {v['within']:3d} of {v['bases']:3d} ({_pct(v['share'])})")
    return EXIT_OK


def register(sub) -> None:
    """Add ``simulate`` and ``validate`` to the ``sundhed`` subcommands."""
    s = sub.add_parser("simulate", help="simulate a year of A-calls on a solved akutbil plan (before/after)",
                       description="Replay a year of urgent calls (Poisson, proportional to population; "
                                   "simulation.calls_per_year, default 175,000, an estimate) on the plan's fleet "
                                   "before and after the new units: nearest free unit, busy for drive + on-scene "
                                   "(+ transport and return for ambulances). Writes akutbiler/simulation.json, "
                                   "simulation_regions.csv, simulation_kommuner.csv and redraws the akutbil map "
                                   "with the simulated share per kommune. Assumptions: the config's [simulation] "
                                   "table (see `sundhed solve --help`).")
    s.add_argument("result", help="folder written by `sundhed solve` with an akutbil plan")
    s.add_argument("--json", action="store_true", help="print one JSON object (national, regions) to stdout")
    s.add_argument("--replications", type=int, help="override simulation.replications")
    s.add_argument("--seed", type=int, help="override simulation.seed")
    s.add_argument("--no-map", action="store_true", help="do not redraw the map")
    s.add_argument("--lang", choices=["da", "en"], help="map language (default: the config's)")
    s.set_defaults(func=cmd_simulate)

    v = sub.add_parser("validate", help="check the akutbil model against observed data")
    vs = v.add_subparsers(dest="validate_command", required=True)
    r = vs.add_parser("response-times", help="modelled vs observed A-priority response per postcode (TV2)",
                      description="Modelled response (dispatch delay + drive from the nearest existing unit) per "
                                  "postcode against the observed mean 2021-2025 (TV2 files, validation only, "
                                  "never shipped). Reports matched postcodes, Spearman correlation and median "
                                  "absolute error (minutes), per region.")
    r.add_argument("--data", help="folder with the TV2 files (default ../shared/data/raw/tv2-ambulance-"
                                  "responsetimes beside the clone, if present)")
    r.add_argument("--postcodes", help="DAGI postnumre.geojson (default ../shared/data/raw/dagi-neogeografen/)")
    r.add_argument("--config", help="config whose akutbiler fleet (and regions) to validate (default: the "
                                    "modelled national fleet)")
    r.add_argument("--delay", default="source", help="dispatch delay: 'source' (2 min, the TV2 split for "
                                                      "Nordjylland + Syddanmark), 'fit', or minutes")
    r.add_argument("--min-trips", type=int, default=50, help="leave out postcodes with fewer trips (default 50)")
    r.add_argument("--out", help="also write response_times_by_postcode.csv and response_times.json here")
    r.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    r.set_defaults(func=cmd_validate_response)
    b = vs.add_parser("bases", help="real prehospital bases within 5 km of a modelled station, per region")
    b.add_argument("--config", help="config whose existing fleet to compare (default: the modelled fleet)")
    b.add_argument("--radius-km", type=float, default=5.0, help="distance, km (straight line; default 5)")
    b.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    b.set_defaults(func=cmd_validate_bases)
