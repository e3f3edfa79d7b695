"""Benchmarks for issue #8: print figures (these are not timed tests).

    python benchmarks/run.py                      # everything (about 20-30 min on 2 cores)
    python benchmarks/run.py --quick              # no 5,000 x 1,000 instances, no 100-scenario sweep
    python benchmarks/run.py --only spopt overhead
    python benchmarks/run.py --markdown out.md --json out.json

Sections (``--only`` names): ``spopt`` (this project vs spopt on LSCP / MCLP / p-median),
``catchments`` (national model and the 2,141 sogne as units), ``traveltimes`` (scipy vs networkx),
``sweep`` (100 scenarios, 1 vs 2 processes), ``overhead`` (Pyomo build / hand-over / HiGHS, faster paths).
See benchmarks/RESULTS.md for the measured figures and what they mean.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTIONS = ("spopt", "catchments", "traveltimes", "sweep", "overhead")


def _warm_up(log) -> None:
    """Import everything and solve two tiny models once, so no timed row pays for imports."""
    import numpy as np

    from benchmarks.common import install_highs_clock
    from benchmarks.instances import make_instance
    from benchmarks import peers
    from sundhed.geodata.dataset import load_dataset

    install_highs_clock()
    t0 = time.perf_counter()
    load_dataset()
    ri = make_instance(30, 6)
    peers.ours(ri, "mclp")
    try:
        peers.spopt_run(ri, "mclp")
    except ImportError:
        log("  (spopt / pulp not installed: pip install -e '.[peers]')")
    np.zeros(1)
    log(f"warm-up (imports, dataset, two tiny solves): {time.perf_counter() - t0:.1f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 5,000 x 1,000 size and the 100-scenario sweep")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, metavar="NAME",
                    help=f"run only these sections: {', '.join(SECTIONS)}")
    ap.add_argument("--markdown", type=Path, help="also write the machine info and all tables to this file")
    ap.add_argument("--json", type=Path, help="also write the raw measurements to this file")
    args = ap.parse_args(argv)
    sections = args.only or list(SECTIONS)
    if args.quick and "sweep" in sections and not args.only:
        sections.remove("sweep")

    warnings.filterwarnings("ignore")
    logging.getLogger("pyomo").setLevel(logging.ERROR)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from benchmarks.common import machine_info

    info = machine_info()
    header = ["## Machine and versions", ""] + [f"- {k}: {v}" for k, v in info.items()]
    header += ["", f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}"
               f"{' --only ' + ' '.join(args.only) if args.only else ''}`", ""]
    print("\n".join(header), flush=True)
    _warm_up(log)

    out_md, out_json = list(header), {"machine": info, "args": vars(args) | {"markdown": str(args.markdown),
                                                                           "json": str(args.json)}}
    started = time.perf_counter()
    for name in sections:
        t0 = time.perf_counter()
        log(f"[{name}] ...")
        if name == "spopt":
            from benchmarks import peers
            text, rec = peers.run(quick=args.quick, log=log)
        elif name == "catchments":
            from benchmarks import catchment_units
            text, rec = catchment_units.run(quick=args.quick, log=log)
        elif name == "traveltimes":
            from benchmarks import traveltimes_bench
            text, rec = traveltimes_bench.run(quick=args.quick, log=log)
        elif name == "sweep":
            from benchmarks import sweep_bench
            text, rec = sweep_bench.run(quick=args.quick, log=log)
        else:
            from benchmarks import overhead
            text, rec = overhead.run(quick=args.quick, log=log)
        took = time.perf_counter() - t0
        text += f"\n_section wall time: {took:.0f} s_\n"
        print(text, flush=True)
        out_md.append(text)
        out_json[name] = rec
        log(f"[{name}] done in {took:.0f} s")
    total = time.perf_counter() - started
    tail = f"Total wall time of the timed sections: {total / 60:.1f} min."
    print(tail)
    out_md.append(tail + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(out_md))
    if args.json:
        def default(o):
            try:
                return o.item()
            except AttributeError:
                return str(o)
        args.json.write_text(json.dumps(out_json, indent=1, default=default,
                                        allow_nan=True))
    mism = "MISMATCH" in "\n".join(out_md)
    return 1 if mism else 0


if __name__ == "__main__":
    raise SystemExit(main())
