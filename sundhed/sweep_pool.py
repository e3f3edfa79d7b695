"""Sweeps on this machine's cores: this process and ``jobs - 1`` worker processes share one queue.

Used by :func:`sundhed.sweep.run_sweep` for ``jobs > 1``. Workers load the solver stack and the dataset once
and serve many scenarios; they exit with the sweep process (sundhed/worker_guard.py). When it is safe
(:func:`start_method`), this process loads them first and forks its workers, which then start with everything
loaded; otherwise they are spawned and load it themselves (:func:`_worker_init`).
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from sundhed.heap import freeze_loaded


def _guarded_worker_init(parent_pid: int, solver_progress: bool, threads: int | None) -> None:
    """The worker's initializer: first tie its life to the parent's
    (:func:`sundhed.worker_guard.die_with_parent`), then load everything once (:func:`_worker_init`)."""
    from sundhed.worker_guard import die_with_parent

    die_with_parent(parent_pid)
    _worker_init(solver_progress, threads)


def _worker_init(solver_progress: bool, threads: int | None) -> None:
    """Runs once in every sweep worker, before its first scenario: the imports, the dataset and the solver
    set-up happen here once (a forked worker has them already), and the worker then serves scenario after
    scenario with them loaded (``load_dataset`` and the travel-time matrices are cached per process). HiGHS
    gets ``threads`` threads per worker (1 by default: one worker per core) and prints progress lines only when
    ``solver_progress``."""
    from sundhed.solvers.highs import set_default_threads, set_progress

    set_progress(solver_progress)
    set_default_threads(threads)
    if threads is not None:  # BLAS libraries loaded from now on read it; those loaded already: blas_threads
        os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    _warm_up()
    freeze_loaded()  # for the worker's life (sundhed/heap.py): its collections skip what it loaded
    if threads is not None:
        blas_threads(threads)  # for the worker's life: it exits with the sweep


def blas_threads(n: int):
    """Limit the threads of the BLAS libraries loaded in this process (numpy's and scipy's OpenBLAS) to ``n``;
    returns the ``threadpoolctl`` limiter, whose ``restore_original_limits()`` undoes it. Like HiGHS's threads:
    each process of a ``--jobs N`` sweep gets its share of the cores. OpenBLAS's threads busy-wait after every
    product, so with one process per core they take cycles from the other process (measured: 2.2 CPU s of
    spinning per 25 sweep scenarios, from the house greedy's products, which no longer call BLAS)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def start_method() -> str:
    """How to start sweep workers: ``"fork"`` when it is safe, else ``"spawn"``.

    A forked worker starts with this process's imports and dataset in memory (shared until written), so it
    serves its first scenario at once instead of after about 3 CPU s of start-up beside this process's work.
    Forking is safe only while no HiGHS solve has run in this process (a child would inherit HiGHS's task
    scheduler without its threads and hang in its first solve: :func:`sundhed.solvers.highs.highs_has_run`)
    and no other thread runs (a notebook kernel's, a progress thread: a lock held there stays held in the
    child). The sweep command meets both; a sweep started from a notebook after a solve spawns."""
    from sundhed.solvers.highs import highs_has_run

    if "fork" not in multiprocessing.get_all_start_methods() or highs_has_run() or threading.active_count() > 1:
        return "spawn"
    return "fork"


def _warm_up() -> None:
    """Import the solver stack and load the default dataset; a failure here shows up again, recorded, in the
    scenario that needs it."""
    try:
        from pyomo.contrib.appsi.solvers import Highs  # noqa: F401

        import sundhed.scenario
        import sundhed.solvers.akutbiler
        import sundhed.solvers.houses  # noqa: F401
        from sundhed.geodata.dataset import load_dataset

        load_dataset()
    except Exception:  # noqa: BLE001
        pass


def run_pool(todo: dict, func: Callable[[dict], dict], jobs: int, progress: bool,
              store: Callable[[str, dict], None]) -> None:
    """Run ``todo`` on ``jobs`` cores: this process serves scenarios itself, beside ``jobs - 1`` workers.

    This process has already paid for its imports, and it loads the dataset once either way. So it takes
    scenarios from the same queue as the workers instead of waiting for them. A forked worker starts with
    this process's imports and dataset; a spawned one's start-up (imports, dataset: about 3 CPU s) runs beside
    this process's first scenarios, not before them.
    Each scenario goes to whichever is free first. Every HiGHS solve gets ``cpu_count // jobs`` threads, here as
    in the workers. ``store`` is called from this thread only."""
    from sundhed.solvers.highs import _default_threads, progress_enabled, set_default_threads, set_progress
    from sundhed.sweep import run_one

    pending = deque(todo.items())
    lock = threading.Lock()
    done: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def take():
        with lock:
            return None if stop.is_set() or not pending else pending.popleft()

    per_worker = max(1, (os.cpu_count() or 1) // jobs)
    show = bool(progress and progress_enabled())
    # Each worker loads data once (_worker_init) and serves many scenarios, and exits when this process dies,
    # even by SIGKILL (no orphaned 300 MB solvers: sundhed/worker_guard.py). Forked only when start_method()
    # says it is safe, after loading here what the workers would each load again.
    method = start_method()
    if method == "fork":
        _warm_up()
        freeze_loaded()  # before the fork: no worker walks (or un-shares) the heap it inherits (sundhed/heap.py)
    ex = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context(method),
                             initializer=_guarded_worker_init, initargs=(os.getpid(), show, per_worker))

    def submit(p: dict) -> Future:
        try:
            return ex.submit(run_one, func, p)
        except Exception as e:  # noqa: BLE001 - a broken pool: the scenario's record says so (in feed)
            fut: Future = Future()
            fut.set_exception(e)
            return fut

    def feed(h: str, p: dict, fut: Future) -> None:  # one thread per worker: its next scenario when it is free
        while True:
            try:
                rec = fut.result()
            except Exception as e:  # noqa: BLE001 - e.g. pickling, a broken pool: recorded, sweep continues
                rec = {"params": p, "status": "error", "error": f"{type(e).__name__}: {e}"}
            done.put((h, rec))
            if (item := take()) is None:
                return
            h, p = item
            fut = submit(p)

    threads_were, progress_was = _default_threads[0], progress_enabled()
    blas = None
    stored = 0
    froze = False
    try:
        # The first scenario of every worker is submitted from this thread, so that the pool spawns all its
        # workers here: a worker's PR_SET_PDEATHSIG (worker_guard) fires when the *thread* that spawned it ends.
        feeders = []
        for i in range(jobs - 1):
            if (item := take()) is None:
                break
            feeders.append(threading.Thread(target=feed, args=(*item, submit(item[1])), name=f"sweep-feed-{i}",
                                            daemon=True))
        for t in feeders:
            t.start()
        set_default_threads(per_worker)
        set_progress(show)
        blas = blas_threads(per_worker)
        while (item := take()) is not None:  # this process's share
            h, p = item
            store(h, run_one(func, p))
            if not froze:  # what the scenarios share is loaded now (run_sweep unfreezes it after the sweep)
                freeze_loaded()
                froze = True
            stored += 1
            while not done.empty():
                store(*done.get())
                stored += 1
        while stored < len(todo):  # the workers' last scenarios
            store(*done.get())
            stored += 1
    finally:
        stop.set()
        set_default_threads(threads_were)
        set_progress(progress_was)
        if blas is not None:
            blas.restore_original_limits()
        ex.shutdown(wait=True, cancel_futures=True)
