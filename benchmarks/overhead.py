"""Pyomo overhead: model construction and hand-over to HiGHS vs time inside HiGHS, per model.

For each model the project's own path is timed in three parts: ``build`` (the model builder in
``model/``), ``hand-over`` (``solve_with_highs`` wall time minus the time inside ``highspy.Highs.run``:
APPSI's translation of the Pyomo model into highspy, option setting, status and loading the solution
back) and ``HiGHS`` (inside ``run()``).

Where the overhead is a large share (the dense p-median, 150,000 rows), faster paths are timed on the
same model (they are kept here as demonstrations; ``model/`` and ``solvers/`` are not changed):

* ``fast build`` - :func:`benchmarks.pmedian.build_pmedian_fast` (rows handed to Pyomo as ready-made
  ``LinearExpression`` objects from numpy index arrays) + the same APPSI solve;
* ``SolverFactory('highs')`` - Pyomo's newer ``pyomo.contrib.solver`` HiGHS interface instead of APPSI;
* ``LP file`` - Pyomo's LP writer + ``highspy.Highs.readModel`` (solution not read back into Pyomo);
* ``highspy direct`` - no modelling layer: the constraint matrix built with numpy/scipy and passed to
  ``highspy.Highs.passModel`` (the floor any Pyomo path can reach).
"""
from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import MIP_GAP, TIME_LIMIT_S, Timing, highs_time, objectives_match, table


def _project_solve(mdl, time_limit: float = TIME_LIMIT_S):
    from sundhed.solvers.highs import SolveOptions, solve_with_highs

    with highs_time() as hc:
        t0 = time.perf_counter()
        st = solve_with_highs(mdl, SolveOptions(time_limit=time_limit, mip_gap=MIP_GAP))
        solve = time.perf_counter() - t0
    return solve, hc.seconds, st


def catchments_national() -> Timing:
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.catchments import CatchmentRules, build_catchment_model
    from sundhed.model.national import catchment_instance

    inst = catchment_instance(load_dataset())
    t0 = time.perf_counter()
    mdl = build_catchment_model(inst, CatchmentRules(), {"travel": 1.0, "band": 0.01})
    build = time.perf_counter() - t0
    solve, hs, st = _project_solve(mdl)
    return Timing(build, solve, hs, st.objective, st.status)


def ems_mclp_national(k: int = 30, T: float = 15.0) -> tuple[Timing, str]:
    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.akutbiler import build_ems_model
    from sundhed.model.national_akutbiler import ems_instance

    inst = ems_instance(load_dataset(), existing=[])  # no existing fleet: the plain covering model
    t0 = time.perf_counter()
    mdl = build_ems_model(inst, "mclp", T=T, k=k)
    build = time.perf_counter() - t0
    solve, hs, st = _project_solve(mdl)
    size = (f"{inst.n_demand:,} x {inst.n_stations:,}, {len(inst.existing)} existing, k={k}, T={T:g}; "
            f"{mdl.ems_info.n_groups:,} demand groups")
    return Timing(build, solve, hs, st.objective, st.status), size


def pmedian_variants(n: int = 500, m: int = 300) -> list[tuple[str, Timing]]:
    import highspy

    from benchmarks.instances import make_instance
    from benchmarks.pmedian import build_pmedian_fast, build_pmedian_rules, solve_pmedian_highspy

    ri = make_instance(n, m)
    out = []
    for label, builder in (("project path: rules + APPSI (solve_with_highs)", build_pmedian_rules),
                           ("fast build (LinearExpression) + APPSI", build_pmedian_fast)):
        t0 = time.perf_counter()
        mdl = builder(ri.cost, ri.weight, ri.p_median)
        build = time.perf_counter() - t0
        solve, hs, st = _project_solve(mdl)
        out.append((label, Timing(build, solve, hs, st.objective, st.status)))

    # pyomo.contrib.solver (SolverFactory('highs'))
    from pyomo.contrib.solver.solvers.highs import Highs as HighsV2

    t0 = time.perf_counter()
    mdl = build_pmedian_rules(ri.cost, ri.weight, ri.p_median)
    build = time.perf_counter() - t0
    with highs_time() as hc:
        t0 = time.perf_counter()
        res = HighsV2().solve(mdl, rel_gap=MIP_GAP, time_limit=TIME_LIMIT_S)
        solve = time.perf_counter() - t0
    out.append(("rules + SolverFactory('highs') (pyomo.contrib.solver)",
                Timing(build, solve, hc.seconds, float(res.incumbent_objective), str(res.termination_condition))))

    # LP file
    t0 = time.perf_counter()
    mdl = build_pmedian_rules(ri.cost, ri.weight, ri.p_median)
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp, highs_time() as hc:
        t0 = time.perf_counter()
        fn = os.path.join(tmp, "pmedian.lp")
        mdl.write(fn, format="lp", io_options={"symbolic_solver_labels": False})
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", MIP_GAP)
        h.setOptionValue("time_limit", TIME_LIMIT_S)
        h.readModel(fn)
        h.run()
        obj = float(h.getInfo().objective_function_value)
        solve = time.perf_counter() - t0
    out.append(("rules + LP file + highspy.readModel (no read-back)",
                Timing(build, solve, hc.seconds, obj, h.modelStatusToString(h.getModelStatus()))))

    # no modelling layer
    with highs_time() as hc:
        t0 = time.perf_counter()
        obj, _ = solve_pmedian_highspy(ri.cost, ri.weight, ri.p_median, mip_gap=MIP_GAP, time_limit=TIME_LIMIT_S)
        total = time.perf_counter() - t0
    out.append(("highspy direct (numpy matrix, no Pyomo)", Timing(0.0, total, hc.seconds, obj, "")))
    return out


def run(quick: bool = False, log=print) -> tuple[str, list[dict]]:
    rows, recs = [], []

    def add(model, size, label, t: Timing):
        hand = t.solve - t.highs
        share = (t.build + hand) / t.total if t.total > 0 else float("nan")
        rows.append([model, size, label, t.build, hand, t.highs, t.total, f"{100 * share:.0f}%", t.objective])
        recs.append({"model": model, "variant": label, "handover": hand, "overhead_share": share, **t.__dict__})

    log("  overhead: catchments (national) ...")
    t = catchments_national()
    add("catchments (98 kommuner)", "national", "project path", t)
    log("  overhead: akutbil MCLP (national) ...")
    t, size = ems_mclp_national()
    add("akutbil MCLP", size, "project path", t)
    log("  overhead: p-median 500x300, five paths ...")
    variants = pmedian_variants()
    ref = variants[0][1].objective
    for label, t in variants:
        add("p-median (dense)", "500 x 300, p=30, 150,000 pairs", label, t)
        if not objectives_match(t.objective, ref):
            rows[-1][2] += " **MISMATCH**"
    headers = ["model", "size", "path", "build s", "hand-over s", "HiGHS s", "total s", "overhead share",
               "objective"]
    notes = ["'hand-over' = solve wall time minus the time inside highspy's run(): translating the model into "
             "HiGHS, options, status, and (APPSI / contrib.solver) loading the solution back. 'overhead share' "
             "= (build + hand-over) / total. HiGHS time on the same model varies between paths by run-to-run "
             "noise (branch-and-bound on a shared machine); compare the build and hand-over columns."]
    return table("Pyomo overhead: build / hand-over / HiGHS", headers, rows, notes), recs
