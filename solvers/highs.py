"""One place where Pyomo models meet HiGHS (through Pyomo's APPSI interface to highspy).

Every model in the project is solved through :func:`solve_with_highs`, which returns a
:class:`SolveStats` with the status, objective, best bound, relative gap and wall time in
seconds, so every report can state whether a plan is proven optimal.

Progress: a solve that runs longer than ``SolveOptions.progress_after_s`` (5 s) prints one line on stderr at
least every ``progress_every_s`` (10 s) with the elapsed time, the best plan's objective, the bound and the gap,
fed by HiGHS's MIP callbacks (:class:`SolveProgress`). ``SolveOptions(progress=False)`` or
:func:`set_progress` ``(False)`` (the CLI's ``--quiet``) turns it off.

Time limit: a solve that stops at ``time_limit`` with a plan returns it with ``optimal=False`` and the gap
HiGHS proved (``status`` 'maxTimeLimit'); only a solve without any feasible plan raises :class:`SolverError`.
Callers that can always name a feasible plan pass it as a MIP start (``start=``), so even a tiny time limit
returns a plan.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from sundhed.solvers.highs_progress import SolveProgress, _fmt  # noqa: F401 (re-exported)

if TYPE_CHECKING:  # pyomo is imported lazily: `sundhed solve` should not pay for it before it needs it
    import pyomo.environ as pyo


class SolverError(RuntimeError):
    """Raised when HiGHS ends without a usable solution (infeasible, unbounded, error)."""

    def __init__(self, message: str, status: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS settings.

    time_limit: seconds; mip_gap: relative (0.0 = prove optimality); threads: HiGHS threads (None = its default);
    verbose: stream HiGHS's own log to stdout; mip_heuristic_effort: HiGHS's share of effort on primal heuristics
    (None = HiGHS's default 0.05); progress: print progress lines on stderr for long solves (see the module
    docstring), after ``progress_after_s`` seconds and then every ``progress_every_s`` seconds; label: names the
    solve in those lines (e.g. "houses: cheapest plan"); extra: further HiGHS options, (name, value) pairs.
    """

    time_limit: float = 600.0
    mip_gap: float = 1e-6
    threads: int | None = None
    verbose: bool = False
    mip_heuristic_effort: float | None = None
    progress: bool = True
    progress_after_s: float = 5.0
    progress_every_s: float = 10.0
    label: str = ""
    extra: tuple[tuple[str, object], ...] = ()  # further HiGHS options as (name, value) pairs


@dataclass(frozen=True)
class SolveStats:
    """What the solver reported. objective/bound in the model's own units; optimal = proven within mip_gap."""

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
    def from_dict(cls, d: dict) -> SolveStats:
        """Inverse of :meth:`to_dict` (None read back as NaN)."""
        nan = float("nan")
        return cls(status=str(d["status"]), optimal=bool(d["optimal"]),
                   objective=nan if d.get("objective") is None else float(d["objective"]),
                   bound=nan if d.get("bound") is None else float(d["bound"]),
                   gap=nan if d.get("gap") is None else float(d["gap"]), runtime_s=float(d.get("runtime_s") or 0.0))


def _relative_gap(obj: float, bound: float) -> float:
    if obj is None or bound is None or not (math.isfinite(obj) and math.isfinite(bound)):
        return math.inf
    return abs(obj - bound) / max(1e-9, abs(obj))


_SESSION_UPDATES = ("check_for_new_or_removed_constraints", "check_for_new_objective")
_scheduler_threads: list[int | None] = [None]  # thread count the process-wide HiGHS scheduler was set up with
_progress_enabled: list[bool] = [True]  # process-wide switch (the CLI's --quiet)
_default_threads: list[int | None] = [None]  # process-wide HiGHS threads when SolveOptions.threads is None
_has_run: list[bool] = [False]  # whether this process has started HiGHS's task scheduler (any solve)


def highs_has_run() -> bool:
    """Whether any solve in this process has started HiGHS's task scheduler. A process forked after that
    inherits the scheduler without its threads and hangs in its first solve (sundhed/sweep_pool.py)."""
    return _has_run[0]


def note_run() -> None:
    """Record that HiGHS runs in this process: every ``Highs.run`` outside :func:`solve_with_highs` calls it."""
    _has_run[0] = True


def prepare_raw_run(threads: int | None) -> None:
    """Call before ``run()`` of a highspy.Highs built outside :func:`solve_with_highs` (e.g. the houses' local
    search) with ``threads`` set on it: records the run and sizes the process's task scheduler to match."""
    note_run()
    _match_scheduler(int(threads) if threads else None)


def solve_threads(options: SolveOptions) -> int | None:
    """HiGHS threads a solve with ``options`` uses (None = HiGHS's own default)."""
    return options.threads or _default_threads[0]


def set_default_threads(threads: int | None) -> None:
    """HiGHS threads for every later solve in this process whose options leave ``threads`` unset (None = HiGHS's
    own default). Sweep workers use 1, so two workers on two cores do not fight over them."""
    _default_threads[0] = int(threads) if threads else None


def set_progress(enabled: bool) -> None:
    """Turn the progress lines of every later solve in this process on or off (``--quiet`` = off)."""
    _progress_enabled[0] = bool(enabled)


def progress_enabled() -> bool:
    """Whether solves in this process print progress lines (see :func:`set_progress`)."""
    return _progress_enabled[0]


def _match_scheduler(threads: int | None) -> None:
    """HiGHS keeps one task scheduler per process, sized by the first solve; a later solve that asks for another
    thread count fails (status 'unknown'). Reset the scheduler whenever the requested count changes."""
    if threads != _scheduler_threads[0]:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = threads


class HighsSession:
    """Keeps one model's HiGHS instance between solves (pass the same object as ``session=``).

    The first solve hands the whole model to HiGHS; a later solve of the *same* model hands over only what was
    added since (new constraints, a new active objective), not every row again (about 0.1-0.2 s per national
    house model). Only for changes of that kind: an edited constraint, bound or fixed variable is not seen. A solve
    stopped by its ``stop_when`` leaves the session empty (HiGHS would stop the next solve at once)."""

    def __init__(self) -> None:
        self.solver = None  # the appsi Highs object, after the first solve
        self.model_id: int | None = None  # id() of the model it holds


def _interrupted(opt, highs, runtime: float, progress: SolveProgress | None) -> SolveStats:
    """Stats of a solve stopped by its ``stop_when``, with HiGHS's best plan loaded into the model."""
    opt.load_vars()
    info = highs.getInfo()
    obj, bound = float(info.objective_function_value), float(info.mip_dual_bound)
    stats = SolveStats(status="interrupted", optimal=False, objective=obj, bound=bound,
                       gap=_relative_gap(obj, bound), runtime_s=runtime)
    if progress is not None:
        progress.finish(stats)
    return stats


def solve_with_highs(model: pyo.ConcreteModel, options: SolveOptions | None = None, *,
                     start: Iterable[tuple] | None = None, session: HighsSession | None = None,
                     stop_when: Callable[[float, float], bool] | None = None) -> SolveStats:
    """Solve ``model`` with HiGHS and load the solution into its variables.

    ``start``: a MIP start, (Pyomo variable, value) pairs, for all or some of the variables (e.g. only the binaries:
    HiGHS then completes the rest with the integers fixed). HiGHS keeps it as its first incumbent when it is
    feasible and ignores it otherwise.

    ``session``: reuse the HiGHS instance of an earlier solve of this model (:class:`HighsSession`).
    ``stop_when(elapsed s, relative gap)``: checked at HiGHS's MIP interrupt points; True stops the solve with
    its best plan so far (status 'interrupted').

    Raises :class:`SolverError` with the termination condition when no feasible solution exists or none was
    found within the time limit (callers turn that into a message naming the binding rule).
    """
    import numpy as np
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers import Highs

    ok = {TerminationCondition.optimal, TerminationCondition.maxTimeLimit,
          TerminationCondition.maxIterations, TerminationCondition.objectiveLimit,
          TerminationCondition.interrupted}
    options = options or SolveOptions()
    prior = session.solver if session is not None and session.model_id == id(model) else None
    reuse = prior is not None
    opt: Highs = prior if prior is not None else Highs()
    if not opt.available():
        raise SolverError("HiGHS (highspy) is not available; install it with 'pip install highspy'", "unavailable")
    opt.config.time_limit = float(options.time_limit)
    opt.config.mip_gap = float(options.mip_gap)
    opt.config.stream_solver = bool(options.verbose)
    opt.config.load_solution = False
    hopts: dict = {}
    threads = options.threads or _default_threads[0]
    if threads:
        hopts["threads"] = int(threads)
    if options.mip_heuristic_effort is not None:
        hopts["mip_heuristic_effort"] = float(options.mip_heuristic_effort)
    hopts.update(dict(options.extra))
    opt.highs_options = hopts
    note_run()
    _match_scheduler(int(threads) if threads else None)
    t0 = time.perf_counter()
    progress = None
    if options.progress and progress_enabled():
        progress = SolveProgress(options.label, options.progress_after_s, options.progress_every_s, t0=t0)
        progress.start()
    try:
        if not reuse:
            opt.set_instance(model)
    except BaseException:
        if progress is not None:
            progress.stop()
            progress.close()
        raise
    # right after set_instance nothing has changed, so skip solve()'s scan for changes; a session's later
    # solve scans only for new constraints and a new objective (HighsSession)
    for flag in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                 "update_vars", "update_params", "update_named_expressions", "update_objective"):
        setattr(opt.update_config, flag, reuse and flag in _SESSION_UPDATES)
    if session is not None:
        session.solver, session.model_id = opt, id(model)
    if reuse:
        opt.update()  # before the MIP start below, so that it sees the new rows
        opt.update_config.check_for_new_or_removed_constraints = False
        opt.update_config.check_for_new_objective = False
    highs = opt._solver_model
    if start:
        col = opt._pyomo_var_to_solver_var_map
        items = [(col[id(v)], float(x)) for v, x in start if id(v) in col and x is not None]
        if items:
            idx = np.array([i for i, _ in items], dtype=np.int32)
            val = np.array([x for _, x in items], dtype=float)
            highs.setSolution(len(items), idx, val)
    if progress is not None:
        progress.attach(highs)

    stopped = [False]

    def _check(e) -> None:
        if e.data_out is not None and stop_when is not None and stop_when(time.perf_counter() - t0,
                                                                          float(e.data_out.mip_gap)):
            stopped[0] = True
            e.interrupt()

    if stop_when is not None:
        highs.cbMipInterrupt.subscribe(_check)
    appsi_log = logging.getLogger("pyomo.contrib.appsi.solvers.highs")  # it warns of HiGHS's kInterrupt
    level = appsi_log.level
    try:
        if stop_when is not None:
            appsi_log.setLevel(logging.ERROR)
        res = opt.solve(model)
    finally:
        appsi_log.setLevel(level)
        if progress is not None:
            progress.detach(highs)
        if stop_when is not None:
            highs.cbMipInterrupt.unsubscribe(_check)
    runtime = time.perf_counter() - t0
    try:
        tc = res.termination_condition
        if stopped[0] and session is not None:  # an interrupted instance would stop again at once: not kept
            session.solver, session.model_id = None, None
        if stopped[0] and tc == TerminationCondition.unknown and highs.getSolution().value_valid:
            return _interrupted(opt, highs, runtime, progress)  # appsi does not know HiGHS's kInterrupt
        if tc not in ok or res.best_feasible_objective is None:
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
        stats = SolveStats(status=tc.name, optimal=tc == TerminationCondition.optimal,
                           objective=obj, bound=bound, gap=gap, runtime_s=runtime)
        if progress is not None:
            progress.finish(stats)
        return stats
    finally:
        if progress is not None:
            progress.close()
