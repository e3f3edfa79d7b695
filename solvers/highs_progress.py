"""Progress lines on stderr for long HiGHS solves (:class:`SolveProgress`), used by
:func:`sundhed.solvers.highs.solve_with_highs` and the houses' local search."""
from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from sundhed.solvers.highs import SolveStats


def _fmt(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.6g}"


class SolveProgress:
    """Progress lines for one HiGHS run.

    HiGHS's MIP callbacks (interrupt checks, improving solutions, log lines) record the best plan's objective,
    the bound, the gap and the node count; a ticker thread writes a line when ``after_s`` seconds have passed
    and then every ``every_s`` seconds, so a long root LP or presolve still reports its elapsed time. Lines go to
    the stderr the process had when the solve started (Pyomo redirects file descriptors 1 and 2 while HiGHS runs,
    so the line is written to a duplicate of the descriptor). ``lines`` keeps what was written.
    """

    def __init__(self, label: str = "", after_s: float = 5.0, every_s: float = 10.0,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.perf_counter,
                 t0: float | None = None):
        self.label = label
        self.after_s = float(after_s)
        self.every_s = max(0.05, float(every_s))
        self._clock = clock
        self._t0 = clock() if t0 is None else t0
        self._stream = stream if stream is not None else sys.stderr
        self._fd: int | None = None
        if stream is None:
            try:
                self._fd = os.dup(self._stream.fileno())
            except (AttributeError, OSError, ValueError):  # e.g. pytest's capture object: write to it directly
                self._fd = None
        self.best = math.nan
        self.bound = math.nan
        self.gap = math.inf
        self.nodes = 0
        self.unit = "nodes"  # what ``nodes`` counts in the line (the houses' local search: "neighbourhoods")
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- HiGHS callback (called from the solver's thread)
    def on_event(self, e) -> None:
        d = e.data_out
        if d is None:
            return
        self.best, self.bound, self.gap = float(d.mip_primal_bound), float(d.mip_dual_bound), float(d.mip_gap)
        self.nodes = int(d.mip_node_count)

    def start(self) -> None:
        """Start the ticker (before the model is handed over, which can itself take seconds)."""
        self._thread = threading.Thread(target=self._tick, name="highs-progress", daemon=True)
        self._thread.start()

    def attach(self, highs) -> None:
        """Subscribe to the MIP callbacks of ``highs`` (a highspy.Highs)."""
        for cb in (highs.cbMipInterrupt, highs.cbMipImprovingSolution, highs.cbMipLogging):
            cb.subscribe(self.on_event)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def detach(self, highs) -> None:
        self.stop()
        for cb in (highs.cbMipInterrupt, highs.cbMipImprovingSolution, highs.cbMipLogging):
            try:
                cb.unsubscribe(self.on_event)
            except Exception:  # noqa: BLE001 - never let progress reporting break a solve
                pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- output
    def elapsed(self) -> float:
        return self._clock() - self._t0

    def line(self) -> str:
        """The current progress line."""
        t = self.elapsed()
        head = f"highs{(' ' + self.label) if self.label else ''}: {t:.1f} s" if t < 10 else \
            f"highs{(' ' + self.label) if self.label else ''}: {t:.0f} s"
        if not math.isfinite(self.best):
            if math.isfinite(self.bound):
                return f"{head}, no plan yet, bound {_fmt(self.bound)}"
            return f"{head}, no plan yet (presolve / root LP)"
        gap = f"{100 * self.gap:.3f} %" if math.isfinite(self.gap) else "-"
        return f"{head}, best plan {_fmt(self.best)}, bound {_fmt(self.bound)}, gap {gap}, {self.nodes:,} {self.unit}"

    def write(self, text: str) -> None:
        self.lines.append(text)
        data = text + "\n"
        try:
            if self._fd is not None:
                os.write(self._fd, data.encode("utf-8", "replace"))
            else:
                self._stream.write(data)
                self._stream.flush()
        except (OSError, ValueError):
            pass

    def _tick(self) -> None:
        next_at = self.after_s
        while not self._stop.wait(min(0.25, self.every_s / 2)):
            if self.elapsed() >= next_at:
                self.write(self.line())
                next_at = self.elapsed() + self.every_s

    def finish(self, stats: SolveStats) -> None:
        """A closing line, only when progress lines were written."""
        if self.lines:
            proof = "proven optimal" if stats.optimal else f"NOT proven optimal ({stats.status})"
            gap = f"{100 * stats.gap:.3f} %" if math.isfinite(stats.gap) else "-"
            self.write(f"highs{(' ' + self.label) if self.label else ''}: done in {stats.runtime_s:.1f} s, "
                       f"{proof}, objective {_fmt(stats.objective)}, bound {_fmt(stats.bound)}, gap {gap}")
