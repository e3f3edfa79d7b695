"""Benchmark row for Model 4 (sundhedsråd), national: 98 kommuner, 21 akutsygehuse, p = 17, 2027 regions,
band 150,000-800,000, proven optimal (mip_gap 0) on 2 HiGHS threads.

    python benchmarks/councils_bench.py

Prints one row per objective: wall seconds, CPU seconds of this process (HiGHS threads included), the status
and gap of every stage, and the model size. Not a timed test: the target (proven optimal in under a minute on
2 cores) is read off this output.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    import pyomo.environ as pyo

    from sundhed.geodata.councils import with_regions
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.councils import CouncilRules, build_council_model
    from sundhed.model.national_councils import council_instance
    from sundhed.solvers.councils import solve_councils
    from sundhed.solvers.highs import SolveOptions

    inst = council_instance(with_regions(load_dataset(), 2027))
    rules = CouncilRules()
    m = build_council_model(inst, rules)
    nbin = sum(1 for v in m.component_data_objects(pyo.Var) if v.is_binary())
    ncon = sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True))
    print(f"national council model: {len(inst.kommuner)} kommuner, {len(inst.hospitals)} akutsygehuse, p = {rules.p}; "
          f"{nbin} binaries, {ncon} constraints")
    print("| objective | stages (status, gap) | wall s | CPU s | mean minutes | changes vs 2027 |")
    print("|---|---|---:|---:|---:|---:|")
    for objective in ("travel", "changes"):
        t0, c0 = time.perf_counter(), time.process_time()
        r = solve_councils(inst, rules, objective, SolveOptions(mip_gap=0.0, threads=2, time_limit=600))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        stages = "; ".join(f"{s.status} {s.gap:.1e}" for s in r.stats)
        print(f"| {objective} | {stages} | {wall:.1f} | {cpu:.1f} | {r.terms['travel']:.3f} "
              f"| {int(r.terms['changes'])} |")
    # the figures README.md quotes: the real councils and the 2019 catchments on the same travel times
    from sundhed.config import load_config
    from sundhed.councils_run import evaluate_real_councils
    from sundhed.model.evaluate import evaluate_plan
    from sundhed.model.national import catchment_instance
    from sundhed.steps import STEPS, StepContext

    ds = load_dataset()
    _units, _kom, mt = evaluate_real_councils(ds=ds)
    print(f"real 2027 councils: mean {mt['mean_minutes']:.2f} min, max {mt['max_minutes']:.1f} min, "
          f"not contiguous: {', '.join(mt['not_contiguous']) or 'none'}")
    inst1 = catchment_instance(ds)
    b1 = evaluate_plan(inst1, dict(inst1.baseline))
    cfg = load_config(ROOT / "configs" / "default.toml")
    step = STEPS["catchments"]
    built = step.build(cfg, ds, StepContext())
    plan = step.solve(cfg, built, StepContext())
    print(f"2019 catchments: Table B.1 mean {b1.mean_minutes:.2f} min (max {b1.max_minutes:.1f}); "
          f"default plan (2019 rules) mean {plan.score.mean_minutes:.2f} min (max {plan.score.max_minutes:.1f}), "
          f"{plan.score.moves} kommuner moved from Table B.1")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
