"""Shared helpers for the benchmarks: clocks, solver settings, table printing, machine info.

Timing vocabulary used in every table (wall-clock seconds, ``time.perf_counter``):

* ``build``  building the model object in Python (Pyomo for this project, PuLP inside spopt);
* ``solve``  everything after the model exists until the solution is back in Python: the hand-over
  to HiGHS (Pyomo APPSI / PuLP's ``buildSolverModel``), HiGHS itself and reading the solution;
* ``highs``  time inside ``highspy.Highs.run()`` only (measured by wrapping that method, so the same
  clock is used for Pyomo and PuLP, which both call highspy);
* ``total``  build + solve.
"""
from __future__ import annotations

import contextlib
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field

import highspy

#: HiGHS settings used on both sides of every comparison.
MIP_GAP = 1e-6
TIME_LIMIT_S = 600.0
#: Objectives of the two sides must agree within this relative tolerance.
OBJ_RTOL = 1e-5


class HighsClock:
    """Accumulates the wall time spent inside ``highspy.Highs.run`` while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


_CLOCK = HighsClock()
_ORIG_RUN = highspy.Highs.run


def _timed_run(self, *args, **kwargs):
    t0 = time.perf_counter()
    try:
        return _ORIG_RUN(self, *args, **kwargs)
    finally:
        _CLOCK.seconds += time.perf_counter() - t0
        _CLOCK.calls += 1


def install_highs_clock() -> HighsClock:
    """Wrap ``highspy.Highs.run`` (idempotent) and return the global clock."""
    if highspy.Highs.run is not _timed_run:
        highspy.Highs.run = _timed_run
    return _CLOCK


@contextlib.contextmanager
def highs_time():
    """``with highs_time() as c: ...`` then ``c.seconds`` = time inside HiGHS during the block."""
    clock = install_highs_clock()
    before, calls = clock.seconds, clock.calls
    box = HighsClock()
    try:
        yield box
    finally:
        box.seconds = clock.seconds - before
        box.calls = clock.calls - calls


@contextlib.contextmanager
def stopwatch():
    """``with stopwatch() as sw: ...`` then ``sw.seconds``."""
    box = HighsClock()
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box.seconds = time.perf_counter() - t0


@dataclass
class Timing:
    build: float = math.nan
    solve: float = math.nan
    highs: float = math.nan
    objective: float = math.nan
    status: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.build + self.solve

    @property
    def overhead(self) -> float:
        """Everything that is not HiGHS: build + hand-over + solution read-back (seconds)."""
        return self.total - self.highs


def objectives_match(a: float, b: float, rtol: float = OBJ_RTOL) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def fmt(v, nd: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        if 0 < abs(v) < 0.1:
            return f"{v:.3f}"
        return f"{v:.{nd}f}"
    return str(v)


def table(title: str, headers: list[str], rows: list[list], notes: list[str] | None = None) -> str:
    """A GitHub-markdown table (also readable in a terminal)."""
    cells = [[fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    out = [f"### {title}", ""]
    out.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        out.append("| " + " | ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths)) + " |")
    for n in notes or []:
        out.append("")
        out.append(n)
    out.append("")
    return "\n".join(out)


def _numeric(s: str) -> bool:
    s = s.replace(",", "").replace("x", "").replace("%", "").strip()
    try:
        float(s)
        return True
    except ValueError:
        return False


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version
        return version(mod)
    except Exception:  # noqa: BLE001
        return "not installed"


def machine_info() -> dict:
    """CPU, cores, memory, OS and package versions."""
    info = {"python": sys.version.split()[0], "platform": platform.platform()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in lscpu.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor", "L3 cache"):
                info["cpu " + k.strip()] = v.strip()
    except OSError:
        pass
    info["nproc"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
        info["memory_GiB"] = round(kb / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    for pkg in ("pyomo", "highspy", "spopt", "pulp", "numpy", "scipy", "networkx", "pandas", "geopandas"):
        info[pkg] = _version(pkg)
    return info
