"""One place where Pyomo models meet HiGHS (through Pyomo's APPSI interface to highspy).

Every model in the project is solved through :func:`solve_with_highs`, which returns a
:class:`SolveStats` with the status, objective, best bound, relative gap and wall time in
seconds, so every report can state whether a plan is proven optimal.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers import Highs


class SolverError(RuntimeError):
    """Raised when HiGHS ends without a usable solution (infeasible, unbounded, error)."""

    def __init__(self, message: str, status: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS settings. time_limit in seconds; mip_gap relative (0.0 = prove optimality)."""

    time_limit: float = 600.0
    mip_gap: float = 1e-6
    threads: int | None = None
    verbose: bool = False


@dataclass(frozen=True)
class SolveStats:
    """What the solver reported. objective/bound in the model's own units."""

    status: str
    optimal: bool
    objective: float
    bound: float
    gap: float
    runtime_s: float

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("objective", "bound", "gap"):
            if d[k] is not None and not math.isfinite(d[k]):
                d[k] = None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SolveStats":
        """Inverse of :meth:`to_dict` (None read back as NaN)."""
        nan = float("nan")
        return cls(status=str(d["status"]), optimal=bool(d["optimal"]),
                   objective=nan if d.get("objective") is None else float(d["objective"]),
                   bound=nan if d.get("bound") is None else float(d["bound"]),
                   gap=nan if d.get("gap") is None else float(d["gap"]), runtime_s=float(d.get("runtime_s") or 0.0))


_OK = {TerminationCondition.optimal, TerminationCondition.maxTimeLimit,
       TerminationCondition.maxIterations, TerminationCondition.objectiveLimit,
       TerminationCondition.interrupted}


def _relative_gap(obj: float, bound: float) -> float:
    if obj is None or bound is None or not (math.isfinite(obj) and math.isfinite(bound)):
        return math.inf
    return abs(obj - bound) / max(1e-9, abs(obj))


_scheduler_threads: list[int | None] = [None]  # thread count the process-wide HiGHS scheduler was set up with


def _match_scheduler(threads: int | None) -> None:
    """HiGHS keeps one task scheduler per process, sized by the first solve; a later solve that asks for another
    thread count fails (status 'unknown'). Reset the scheduler whenever the requested count changes."""
    if threads != _scheduler_threads[0]:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = threads


def solve_with_highs(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveStats:
    """Solve ``model`` with HiGHS and load the solution into its variables.

    Raises :class:`SolverError` with the termination condition when no feasible solution exists
    (callers turn that into a message naming the binding rule).
    """
    options = options or SolveOptions()
    opt = Highs()
    if not opt.available():
        raise SolverError("HiGHS (highspy) is not available; install it with 'pip install highspy'", "unavailable")
    opt.config.time_limit = float(options.time_limit)
    opt.config.mip_gap = float(options.mip_gap)
    opt.config.stream_solver = bool(options.verbose)
    opt.config.load_solution = False
    if options.threads:
        opt.highs_options = {"threads": int(options.threads)}
    _match_scheduler(int(options.threads) if options.threads else None)
    t0 = time.perf_counter()
    res = opt.solve(model)
    runtime = time.perf_counter() - t0
    tc = res.termination_condition
    if tc not in _OK or res.best_feasible_objective is None:
        raise SolverError(f"HiGHS ended with status '{tc.name}' and no feasible solution", tc.name)
    res.solution_loader.load_vars()
    obj = float(res.best_feasible_objective)
    bound = res.best_objective_bound
    bound = float(bound) if bound is not None else math.nan
    if tc == TerminationCondition.optimal:
        # HiGHS proves optimality within mip_gap; report its own bound.
        gap = _relative_gap(obj, bound) if math.isfinite(bound) else 0.0
    else:
        gap = _relative_gap(obj, bound)
    return SolveStats(status=tc.name, optimal=tc == TerminationCondition.optimal,
                      objective=obj, bound=bound, gap=gap, runtime_s=runtime)
