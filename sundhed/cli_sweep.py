"""`sundhed sweep SWEEP`: many scenarios from a sweep file (kept apart from :mod:`sundhed.cli` so each file
stays short; registered by :func:`sundhed.cli.build_parser`)."""
from __future__ import annotations

from pathlib import Path


def cmd_sweep(args) -> int:
    from sundhed.cli import EXIT_OK, EXIT_PARTIAL
    from sundhed.config import ConfigError, parse_config_file
    from sundhed.safe_io import OutputDir, atomic_output
    from sundhed.sweep import MAX_SCENARIOS, expand, run_sweep
    from sundhed.tasks import scenario_task, sweep_key

    path = Path(args.sweep)
    spec = parse_config_file(path, what="sweep file")
    out_key = spec.pop("out_dir", None)
    title = spec.pop("title", None)
    limit = spec.pop("max_scenarios", MAX_SCENARIOS)
    if args.max_scenarios is not None:
        limit = args.max_scenarios
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError(f"{path}: key 'max_scenarios' has value {limit!r}: must be a whole number ≥ 1")
    try:
        scenarios = expand(spec, max_scenarios=limit)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    security = None
    if args.scheduler and args.scheduler.startswith("tls://"):
        from sundhed.dask_client import security_for

        security = security_for(args.tls_ca_file, args.tls_cert, args.tls_key)
    elif args.scheduler:
        from sundhed.dask_client import check_scheduler

        check_scheduler(args.scheduler, allow_insecure=args.allow_insecure_scheduler)
    target = OutputDir.prepare(args.out or out_key or f"results/sweep-{path.stem}", explicit=args.out is not None,
                               allow_outside=args.allow_outside_cwd, subdirs=("runs",))
    out = target.path
    print(f"{len(scenarios)} scenarios -> {out} (jobs={args.jobs}, scheduler={args.scheduler or 'none'})")
    df = run_sweep(scenarios, scenario_task, out, jobs=args.jobs, scheduler=args.scheduler,
                   progress=not args.quiet, key=sweep_key(), security=security,
                   allow_insecure_scheduler=args.allow_insecure_scheduler)
    a = df.attrs
    print(f"computed {a.get('computed')}, skipped {a.get('skipped')} (already done), ok {a.get('ok')}, "
          f"errors {a.get('errors')}; wrote {out / 'results.csv'} and {out / 'results.parquet'}")
    if a.get("ok"):
        from sundhed.maps.sweep_report import render_sweep_report

        lang = args.lang or spec.get("base", {}).get("output", {}).get("lang", "da")
        try:
            with atomic_output(out / "report.html") as tmp:
                render_sweep_report(df, tmp, title=title, lang=lang)
            print(f"wrote {out / 'report.html'}")
        except ValueError as exc:  # e.g. nothing varies among the ok scenarios
            print(f"no report written: {exc}")
    else:
        print("no scenario succeeded: no report written")
    return EXIT_OK if not a.get("errors") else EXIT_PARTIAL


def register(sub) -> None:
    """Add ``sweep`` to the ``sundhed`` subcommands."""
    w = sub.add_parser("sweep", help="run many scenarios from a sweep file (base + grid or scenarios)",
                       description="Sweep file (TOML): [base] a config (any model or chain); [grid] dotted keys -> "
                                   "lists of values (cartesian product), or [[scenarios]] tables of dotted "
                                   "overrides; optional out_dir and title. Finished scenarios are skipped on "
                                   "re-runs; a failing scenario is recorded with its error and the rest go on. "
                                   "Writes results.csv, results.parquet and report.html. Exit code 5 when some "
                                   "scenarios failed.")
    w.add_argument("sweep", help="path to a sweep .toml file")
    w.add_argument("--jobs", type=int, default=1, help="parallel processes on this machine (default 1)")
    w.add_argument("--scheduler", help="Dask scheduler: 'local' (a cluster on this machine), tls://host:port "
                                       "(with --tls-ca-file/--tls-cert) or tcp://127.0.0.1:port")
    w.add_argument("--out", help="output folder (default: out_dir of the sweep file)")
    w.add_argument("--quiet", action="store_true", help="no progress bar and no solver progress lines")
    w.add_argument("--lang", choices=["da", "en"], help="report language (default: the base config's output.lang)")
    w.add_argument("--max-scenarios", type=int, help="refuse sweeps with more scenarios (default: the sweep "
                                                     "file's max_scenarios, else 10000)")
    w.add_argument("--allow-outside-cwd", action="store_true",
                   help="allow out_dir outside the working directory (absolute or with '..')")
    w.add_argument("--tls-ca-file", help="tls:// scheduler: CA certificate (PEM) that signed the scheduler's")
    w.add_argument("--tls-cert", help="tls:// scheduler: this client's certificate (PEM)")
    w.add_argument("--tls-key", help="tls:// scheduler: this client's private key (PEM; omit if in --tls-cert)")
    w.add_argument("--allow-insecure-scheduler", action="store_true",
                   help="accept an unencrypted tcp:// scheduler on another machine (trusted network only)")
    w.set_defaults(func=cmd_sweep)
