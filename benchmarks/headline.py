"""The headline figures of README.md ("Measured"), re-run from the shipped configs.

    python benchmarks/headline.py                 # every config below (the capacity run takes minutes)
    python benchmarks/headline.py --skip-capacity

Prints one line per config with the figures the README quotes, computed by the same path as
``sundhed solve`` (:func:`sundhed.scenario.run_scenario`), on the sogn demand of the default population year.
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
CONFIGS = ("default.toml", "houses_nocap", "houses.toml", "kl_2019.toml", "kl_2023.toml", "akutbiler.toml")


def _instance(run, name: str):
    """The model instance a run solved (steps store ``(instance, candidate frame)`` for houses / akutbiler)."""
    inst = run.instances[name]
    return inst[0] if isinstance(inst, tuple) else inst


def figures(name: str) -> dict:
    """Headline metrics of one shipped config (``houses_nocap`` = houses.toml with capacity = false)."""
    from sundhed.config import Config, load_config
    from sundhed.scenario import run_scenario

    if name == "houses_nocap":
        cfg = load_config(ROOT / "configs" / "houses.toml")
        cfg = Config.model_validate({**cfg.model_dump(), "houses": {**cfg.houses.model_dump(), "capacity": False}})
    else:
        cfg = load_config(ROOT / "configs" / name)
    t0 = time.perf_counter()
    run = run_scenario(cfg)
    m = run.metrics()
    out: dict = {"config": name, "wall_s": round(time.perf_counter() - t0, 1), "population_year": m["population_year"]}
    if run.catchments is not None:
        s = run.catchments.score
        out.update(mean_minutes=round(s.mean_minutes, 2), moves=s.moves, outside_band=s.band_violations,
                   status=m["status"], gap=m["gap"])
    if run.houses is not None:
        p = run.houses
        new = p.new_sites
        out.update(coverage_before=round(100 * m["coverage_before"], 1),
                   coverage_after=round(100 * m["coverage_after"], 1),
                   new_houses=len(new), by_type={str(k): int(v) for k, v in new["type"].value_counts().items()},
                   state_spend_mio_kr=round(p.state_spend_mio_kr, 1), houses_status=m["houses_status"])
    if run.ems is not None:
        out.update(share_before=round(100 * m["share_before"], 1), share_after=round(100 * m["share_after"], 1),
                   new_units=m["new_units"], existing_sites=len(_instance(run, "akutbiler").existing),
                   regions_after={k[len("share_after_"):]: round(100 * v, 1) for k, v in m.items()
                                  if k.startswith("share_after_")})
        rep = run.ems.region_report.set_index("region")
        out["regions_before"] = {r: round(100 * float(rep.loc[r, "before_15"]), 1) for r in rep.index}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-capacity", action="store_true", help="skip houses.toml (patient capacities, minutes)")
    ap.add_argument("--only", nargs="+", choices=CONFIGS)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.getLogger("pyomo").setLevel(logging.ERROR)
    names = args.only or [c for c in CONFIGS if not (args.skip_capacity and c == "houses.toml")]
    for name in names:
        print(json.dumps(figures(name), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
