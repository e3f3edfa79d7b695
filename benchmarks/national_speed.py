"""National solves before and after a change, in one run: CPU seconds of this tree vs a git commit.

    python benchmarks/national_speed.py --ref b46b3f1          # this tree vs commit b46b3f1 (issue #13: sogne)
    python benchmarks/national_speed.py --ref b46b3f1 --json out.json

Each tree runs in its own subprocess with a fresh, empty travel-time cache, so both pay for their travel
matrices. The older tree is extracted with ``git archive`` into a temporary folder and imported through a
small ``sundhed`` shim (the repository's top-level folders are the subpackages of ``sundhed``). Timed with
``time.process_time`` (CPU seconds of the process, all threads, HiGHS included) and, beside it, wall seconds.

Steps timed per tree (the shipped defaults, solver settings of the config schema):

* ``dataset``: loading and validating every shipped file and building the demand points;
* ``matrix``: demand points x 21 akutsygehuse on the embedded network (cold cache);
* ``catchments``: ``configs/default.toml`` (2019 rules), instance + solve;
* ``houses``: 3 mia. kr., coverage within 20 min, no capacities (instance incl. its travel matrix + solve);
* ``akutbiler``: 12 new units, MCLP, 15 min, modelled fleet (instance incl. its travel matrix + solve);
* ``*_warm``: the same three once more in the same process, the travel matrices now read from the cache.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("geodata", "model", "solvers", "maps")

_CHILD = textwrap.dedent("""
    import json, logging, os, sys, time, warnings
    warnings.filterwarnings("ignore"); logging.getLogger("pyomo").setLevel(logging.ERROR)
    shim = sys.argv[1]
    if shim:
        sys.path.insert(0, shim)
    import sundhed
    out = {"tree": os.path.dirname(os.path.dirname(os.path.realpath(sundhed.__file__)))}
    def clock(name, fn):
        c0, w0 = time.process_time(), time.perf_counter()
        r = fn()
        out[name] = {"cpu_s": round(time.process_time() - c0, 2), "wall_s": round(time.perf_counter() - w0, 2)}
        return r
    from sundhed.geodata.dataset import build_dataset
    from sundhed.config import Config
    from sundhed.scenario import run_scenario   # the `sundhed solve` path, present in every tree compared
    ds = clock("dataset", build_dataset)
    out["demand_points"] = len(ds.demand)
    clock("matrix", lambda: ds.demand_to_hospitals(cache_dir=os.environ["SUNDHED_CACHE"]))
    CFG = {"catchments": {"model": "catchments"}, "houses": {"model": "houses", "houses": {"capacity": False}},
           "akutbiler": {"model": "akutbiler"}}
    def instance(run, name):
        inst = getattr(run, "instances", {}).get(name)
        old = {"houses": "house_instance", "akutbiler": "ems_instance"}[name]  # before the Plan refactor
        inst = inst if inst is not None else getattr(run, old)
        return inst[0] if isinstance(inst, tuple) else inst  # some trees store (instance, sites)
    def step(name):
        run = run_scenario(Config.model_validate(CFG[name]), ds=ds)
        m = run.metrics()
        if name == "catchments":
            out["catchments_result"] = {"mean_minutes": round(m["mean_minutes"], 3), "status": m["status"]}
        elif name == "houses":
            i = instance(run, name)
            out["houses_result"] = {"n_demand": i.n_demand, "n_sites": i.n_sites,
                                    "coverage_after": round(m["coverage_after"], 4)}
        else:
            i = instance(run, name)
            out["akutbiler_result"] = {"n_demand": i.n_demand, "n_stations": i.n_stations,
                                       "share_after": round(m["share_after"], 4)}
    for name in CFG:
        clock(name, lambda: step(name))
    # the same three again: travel matrices now come from the disk cache (a re-run, a sweep scenario)
    for name in CFG:
        clock(name + "_warm", lambda: step(name))
    print(json.dumps(out))
""")


def _shim_for(tree: Path, shim: Path) -> Path:
    """The folder to put first on ``sys.path`` so that ``import sundhed`` imports ``tree``: the tree itself when
    its ``sundhed/`` already links the subpackages (newer trees), else a shim holding a copy of ``sundhed/``
    whose subpackages link to ``tree``'s top-level folders."""
    if all((tree / "sundhed" / sub).is_dir() for sub in SUBPACKAGES):
        return tree
    pkg = shim / "sundhed"
    shim.mkdir(parents=True)
    subprocess.run(["cp", "-r", str(tree / "sundhed"), str(pkg)], check=True)
    for sub in SUBPACKAGES:
        (pkg / sub).symlink_to(tree / sub)
    return shim


def _measure(shim: str, cache: str) -> dict:
    env = dict(os.environ, SUNDHED_CACHE=cache)
    proc = subprocess.run([sys.executable, "-c", _CHILD, shim], capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(ref: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="sundhed-speed-") as tmp:
        tmp = Path(tmp)
        old = tmp / "old"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        shim_old = _shim_for(old, tmp / "shim_old")
        shim_new = _shim_for(ROOT, tmp / "shim_new")
        res = {"ref": ref}
        res["before"] = _measure(str(shim_old), str(tmp / "cache_old"))
        res["after"] = _measure(str(shim_new), str(tmp / "cache_new"))
    return res


def table(res: dict) -> str:
    b, a = res["before"], res["after"]
    rows = [f"| step | before ({res['ref']}, {b['demand_points']:,} points) CPU s | after (this tree, "
            f"{a['demand_points']:,} points) CPU s | after / before |", "|---|---:|---:|---:|"]
    for step in ("dataset", "matrix", "catchments", "houses", "akutbiler", "catchments_warm", "houses_warm",
                 "akutbiler_warm"):
        rows.append(f"| {step} | {b[step]['cpu_s']:.1f} | {a[step]['cpu_s']:.1f} | "
                    f"{a[step]['cpu_s'] / max(b[step]['cpu_s'], 1e-9):.2f} |")
    tb = sum(b[s]["cpu_s"] for s in ("catchments", "houses", "akutbiler"))
    ta = sum(a[s]["cpu_s"] for s in ("catchments", "houses", "akutbiler"))
    rows.append(f"| three national solves (cold cache) | {tb:.1f} | {ta:.1f} | {ta / tb:.2f} |")
    tb = sum(b[s]["cpu_s"] for s in ("catchments_warm", "houses_warm", "akutbiler_warm"))
    ta = sum(a[s]["cpu_s"] for s in ("catchments_warm", "houses_warm", "akutbiler_warm"))
    rows.append(f"| three national solves (warm cache) | {tb:.1f} | {ta:.1f} | {ta / tb:.2f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True, help="git commit (or branch) to compare against")
    ap.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = ap.parse_args(argv)
    res = run(args.ref)
    print(table(res))
    for side in ("before", "after"):
        r = res[side]
        print(f"{side}: catchments {r['catchments_result']}, houses {r['houses_result']}, "
              f"akutbiler {r['akutbiler_result']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
