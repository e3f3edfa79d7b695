"""A dispatch simulation of urgent (A) calls on a fleet of units: who answers, how fast, how busy.

Pure and generic over arrays (no data loading here; ``sundhed/simulate.py`` builds the inputs from a
solved akutbil plan). Units throughout: minutes (times), calls a year (rates), shares in [0, 1].

**Calls.** Calls arrive as a Poisson process over ``horizon_days`` with ``calls_per_year`` calls a year in
all; each call falls on a demand point with probability proportional to its weight (inhabitants), so each
point sees its own Poisson process. Every replication draws its own calls from a seeded, independent
stream (``numpy.random.SeedSequence(seed).spawn``); runs with the same seed and the same number of
calls on the same points therefore see the same calls (common random numbers), which makes a *before/after*
comparison far sharper than two independent runs.

**Dispatch.** The nearest *free* unit by response time (``delay_min`` + drive) answers. If every unit is
busy, the call goes to the unit that can be there first (earliest time free + response); with one station
and zero drive times that is first-come-first-served M/M/c. A unit is busy from the call (or from when it
becomes free, if the call waited) until it is back at its station:

* ambulance (``transports``), no transport: delay + drive + on-scene + drive back;
* ambulance with transport (probability ``transport_share``): delay + drive + on-scene + drive to the
  patient's nearest hospital + ``handover_min`` + drive from that hospital back to its station;
* akutbil (cannot transport): delay + drive + on-scene (``akutbil_on_scene_min``) + drive back; if the call
  needs transport, the nearest free ambulance is dispatched as well (its arrival does not change the
  response time, which is that of the first unit on scene, as in the regions' own figures; the
  ambulance's busy time starts at the call).

On-scene times are exponential (``on_scene="exponential"``, the M/M/c assumption) or fixed at their mean.
Drive times are the network's, back the same way as out (symmetric). A call whose fastest path from the
answering unit uses a ferry never counts as reached within T (as in the covering model), but its
response is still the real (ferry) time.

**Event loop.** Every unit's release time is fixed the moment it is dispatched, so the only events that
change a decision are call arrivals: the simulation is one pass over the calls in time order with an array
of "free at" times — a discrete-event simulation whose event list never needs a heap. The nearest free
unit is found by walking the point's units in response-time order (pre-sorted once with numpy) until one
is free; at the low utilisations of a real fleet that is one or two steps. SimPy would model the same with
one generator process per call and a ``Resource`` per unit; its per-event overhead is what this avoids
(``benchmarks/dispatch_sim.py`` measures both).

Longer than 400 lines: the event loop (:func:`run_calls`), its parameter and fleet types and the statistics
of its runs belong together; split, each part would need the others' internals.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

MIN_PER_DAY = 1440.0
#: Slack when comparing a response with T (minutes), as in model/akutbiler.py.
TIME_TOL_MIN = 1e-9


@dataclass(frozen=True)
class SimParams:
    """Assumptions of the dispatch simulation (minutes, calls a year, shares in [0, 1]).

    The defaults are planning assumptions, not data: ``calls_per_year`` 175,000 national A-calls is an
    *estimate* (about 875,000 A-priority trips 2021–2025 in the TV2 data = five years); ``on_scene_min`` 20,
    ``akutbil_on_scene_min`` 20, ``transport_share`` 0.7 and ``handover_min`` 15 are round assumptions to
    be replaced by a region's own figures. ``background_calls_per_year``: other calls (e.g. B-priority) that
    occupy the nearest free *ambulance* like an A-call but are not counted in any figure (load only; default
    none; the TV2 data hold about 835,000 B-trips 2021–2025, about 167,000 a year).
    """

    calls_per_year: float = 175_000.0
    horizon_days: float = 365.0
    T: float = 15.0
    delay_min: float = 3.0
    on_scene_min: float = 20.0
    akutbil_on_scene_min: float = 20.0
    transport_share: float = 0.7
    handover_min: float = 15.0
    on_scene: Literal["exponential", "fixed"] = "exponential"
    replications: int = 10
    seed: int = 1
    background_calls_per_year: float = 0.0

    def __post_init__(self) -> None:
        for name in ("calls_per_year", "horizon_days", "T"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a positive, finite number, got {getattr(self, name)!r}")
        for name in ("delay_min", "on_scene_min", "akutbil_on_scene_min", "handover_min",
                     "background_calls_per_year"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be finite, non-negative minutes, got {getattr(self, name)!r}")
        if not 0.0 <= float(self.transport_share) <= 1.0:
            raise ValueError(f"transport_share must be a share in [0, 1], got {self.transport_share!r}")
        if self.on_scene not in ("exponential", "fixed"):
            raise ValueError(f"on_scene must be 'exponential' or 'fixed', got {self.on_scene!r}")
        if isinstance(self.replications, bool) or int(self.replications) != self.replications or self.replications < 1:
            raise ValueError(f"replications must be a positive integer, got {self.replications!r}")


@dataclass(frozen=True, eq=False)
class Fleet:
    """Units and what they need to answer calls at ``n`` demand points.

    drive_min: (n, U) drive minutes from each unit's station to each point (``inf`` = no road).
    uses_ferry: (n, U) bool, the fastest path crosses a ferry (such a response never counts within T).
    transports: (U,) bool, the unit is an ambulance (can take the patient to hospital).
    station: (U,) station index of each unit (for reports), any integer labels.
    to_hospital_min: (n,) drive from each point to its nearest hospital (ambulance transport), minutes.
    hospital_to_station_min: (n, U) drive from point i's nearest hospital back to unit u's station, minutes.
    """

    drive_min: np.ndarray
    uses_ferry: np.ndarray
    transports: np.ndarray
    station: np.ndarray
    to_hospital_min: np.ndarray
    hospital_to_station_min: np.ndarray

    def __post_init__(self) -> None:
        d = np.asarray(self.drive_min, dtype=float)
        if d.ndim != 2 or d.shape[1] == 0:
            raise ValueError(f"drive_min must be (n_points, n_units) with at least one unit, got shape {d.shape}")
        n, u = d.shape
        if np.isnan(d).any() or (d < 0).any():
            raise ValueError("drive_min must be non-negative minutes (inf = unreachable), no NaN")
        f = np.asarray(self.uses_ferry, dtype=bool)
        tr = np.asarray(self.transports, dtype=bool)
        st = np.asarray(self.station)
        th = np.asarray(self.to_hospital_min, dtype=float)
        hs = np.asarray(self.hospital_to_station_min, dtype=float)
        for name, arr, shape in (("uses_ferry", f, (n, u)), ("transports", tr, (u,)), ("station", st, (u,)),
                                 ("to_hospital_min", th, (n,)), ("hospital_to_station_min", hs, (n, u))):
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if np.isnan(th).any() or np.isnan(hs).any() or (th < 0).any() or (hs < 0).any():
            raise ValueError("hospital drive times must be non-negative minutes, no NaN")
        for k, v in (("drive_min", d), ("uses_ferry", f), ("transports", tr), ("station", st),
                     ("to_hospital_min", th), ("hospital_to_station_min", hs)):
            object.__setattr__(self, k, v)

    @property
    def n_points(self) -> int:
        return self.drive_min.shape[0]

    @property
    def n_units(self) -> int:
        return self.drive_min.shape[1]


@dataclass
class SimRun:
    """One replication: per call (arrival order) and per unit.

    ``call_time`` (minutes from the start), ``call_point`` (demand index), ``response_min`` (minutes from
    the call to the first unit on scene; ``inf`` if no unit can reach the point), ``within_T`` (bool),
    ``waited`` (bool: no unit was free), ``unit`` (answering unit); ``busy_min`` (U,) minutes each unit was
    busy inside the horizon; ``horizon_min``.
    """

    call_time: np.ndarray
    call_point: np.ndarray
    response_min: np.ndarray
    within_T: np.ndarray
    waited: np.ndarray
    unit: np.ndarray
    busy_min: np.ndarray
    horizon_min: float

    @property
    def utilisation(self) -> np.ndarray:
        """(U,) share of the horizon each unit was busy."""
        return self.busy_min / self.horizon_min


def draw_calls(weights: np.ndarray, p: SimParams, rng: np.random.Generator):
    """Arrival times (sorted, minutes), points, on-scene minutes, transport flags and the uniform draw that
    decides an akutbil's on-scene time, for one replication."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) == 0 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be non-negative, finite, with a positive sum (one per demand point)")
    horizon = p.horizon_days * MIN_PER_DAY
    n_calls = int(rng.poisson(p.calls_per_year * p.horizon_days / 365.0))
    times = np.sort(rng.uniform(0.0, horizon, n_calls))
    points = rng.choice(len(w), size=n_calls, p=w / w.sum())
    if p.on_scene == "exponential":
        e1 = rng.exponential(1.0, n_calls)
    else:
        e1 = np.ones(n_calls)
    transport = rng.uniform(size=n_calls) < p.transport_share
    counted = np.ones(n_calls, dtype=bool)
    if p.background_calls_per_year > 0:  # drawn after the A-calls, so the A-calls stay the same
        nb = int(rng.poisson(p.background_calls_per_year * p.horizon_days / 365.0))
        tb = rng.uniform(0.0, horizon, nb)
        pb = rng.choice(len(w), size=nb, p=w / w.sum())
        eb = rng.exponential(1.0, nb) if p.on_scene == "exponential" else np.ones(nb)
        trb = rng.uniform(size=nb) < p.transport_share
        order = np.argsort(np.r_[times, tb], kind="stable")
        times, points, e1 = np.r_[times, tb][order], np.r_[points, pb][order], np.r_[e1, eb][order]
        transport, counted = np.r_[transport, trb][order], np.r_[counted, np.zeros(nb, bool)][order]
    return times, points, e1, transport, horizon, counted


def simulate_once(fleet: Fleet, weights: np.ndarray, p: SimParams, rng: np.random.Generator,
                  pref: np.ndarray | None = None) -> SimRun:
    """One replication of a year of calls (see the module docstring). ``pref``: the (n, U) unit order by
    response per point (from :func:`unit_order`; computed here when not given)."""
    times, points, e1, transport, horizon, counted = draw_calls(weights, p, rng)
    return run_calls(fleet, p, times, points, e1, transport, horizon, pref, counted)


def run_calls(fleet: Fleet, p: SimParams, times: np.ndarray, points: np.ndarray, e1: np.ndarray,
              transport: np.ndarray, horizon: float, pref: np.ndarray | None = None,
              counted: np.ndarray | None = None) -> SimRun:
    """Dispatch a given list of calls: ``times`` (sorted minutes), ``points`` (demand indices), ``e1`` (on-scene
    time as a multiple of its mean), ``transport`` (bool), over ``horizon`` minutes (busy time is cut there).
    ``counted`` (bool, default all): False marks a background call, answered by the nearest free ambulance
    and left out of the returned calls (its busy time stays)."""
    times = np.asarray(times, dtype=float)
    points = np.asarray(points, dtype=np.int64)
    if len(times) > 1 and (np.diff(times) < 0).any():
        raise ValueError("call times must be sorted")
    resp = p.delay_min + fleet.drive_min
    if pref is None:
        pref = unit_order(fleet)
    pref_l = [row.tolist() for row in pref]
    resp_l = resp.tolist()
    drive_l = fleet.drive_min.tolist()
    ferry = fleet.uses_ferry
    tr = fleet.transports.tolist()
    amb_units = [u for u in range(fleet.n_units) if tr[u]]
    to_h = fleet.to_hospital_min.tolist()
    h_back = fleet.hospital_to_station_min.tolist()
    free_at = [0.0] * fleet.n_units
    busy = [0.0] * fleet.n_units
    n = len(times)
    out_resp = np.empty(n)
    out_unit = np.empty(n, dtype=np.int64)
    out_wait = np.zeros(n, dtype=bool)
    inf = math.inf
    on_amb, on_akut, hand, delay = p.on_scene_min, p.akutbil_on_scene_min, p.handover_min, p.delay_min

    def first_free(order, t, only_amb):
        for u in order:
            if free_at[u] <= t and (not only_amb or tr[u]):
                return u
        return -1

    def earliest(row_r, t, units):
        best, bu = inf, -1
        for u in units:
            a = max(free_at[u], t) + row_r[u]
            if a < best:
                best, bu = a, u
        return bu

    def occupy(u, t, i, scene, carries):
        start = max(free_at[u], t)
        d = drive_l[i][u]
        if carries:
            dur = delay + d + scene + to_h[i] + hand + h_back[i][u]
        else:
            dur = delay + d + scene + d
        end = start + dur
        free_at[u] = end
        busy[u] += max(0.0, min(end, horizon) - start)
        return start

    all_units = range(fleet.n_units)
    counted = np.ones(n, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    for k in range(n):
        t = float(times[k])
        i = int(points[k])
        order = pref_l[i]
        row_r = resp_l[i]
        if not counted[k]:
            if amb_units:
                v = first_free(order, t, True)
                if v < 0:
                    v = earliest(row_r, t, amb_units)
                if row_r[v] < inf:
                    occupy(v, t, i, on_amb * e1[k], bool(transport[k]))
            out_resp[k], out_unit[k] = inf, -1
            continue
        u = first_free(order, t, False)
        if u < 0:
            u = earliest(row_r, t, all_units)
            out_wait[k] = True
        if row_r[u] == inf:
            out_resp[k] = inf
            out_unit[k] = u
            continue
        needs = bool(transport[k])
        if tr[u]:
            start = occupy(u, t, i, on_amb * e1[k], needs)
        else:
            start = occupy(u, t, i, on_akut * e1[k], False)
            if needs and amb_units:
                v = first_free(order, t, True)
                if v < 0:
                    v = earliest(row_r, t, amb_units)
                if row_r[v] < inf:
                    occupy(v, t, i, on_amb * e1[k], True)
        out_resp[k] = start - t + row_r[u]
        out_unit[k] = u
    c = counted
    times, points, out_resp, out_unit, out_wait = times[c], points[c], out_resp[c], out_unit[c], out_wait[c]
    within = (out_resp <= p.T + TIME_TOL_MIN) & ~ferry[points, out_unit] if len(times) else np.zeros(0, bool)
    return SimRun(call_time=times, call_point=points, response_min=out_resp, within_T=within, waited=out_wait,
                  unit=out_unit, busy_min=np.asarray(busy), horizon_min=horizon)


def unit_order(fleet: Fleet) -> np.ndarray:
    """(n, U) unit indices per point, fastest first (stable: ties keep unit order)."""
    return np.argsort(fleet.drive_min, axis=1, kind="stable")


def replication_rngs(p: SimParams) -> list[np.random.Generator]:
    """One independent generator per replication, from ``p.seed`` (reproducible)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(p.seed).spawn(p.replications)]


def simulate(fleet: Fleet, weights: np.ndarray, p: SimParams) -> list[SimRun]:
    """``p.replications`` seeded replications (common random numbers across fleets with the same points)."""
    pref = unit_order(fleet)
    return [simulate_once(fleet, weights, p, rng, pref) for rng in replication_rngs(p)]


# --------------------------------------------------------------------------------------------- summaries
def t_halfwidth(values: Sequence[float], level: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean of ``values`` (0 for one value)."""
    from scipy.stats import t as student_t

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return 0.0
    return float(student_t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))


@dataclass
class GroupStats:
    """Per replication, for one group of points and units: share of calls reached within T, mean response
    (minutes, over calls some unit can reach), mean utilisation of the group's units, calls."""

    share_within_T: list[float] = field(default_factory=list)
    mean_response_min: list[float] = field(default_factory=list)
    utilisation: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    waited_share: list[float] = field(default_factory=list)

    def mean(self) -> dict:
        f = lambda v: float(np.mean(v)) if len(v) else float("nan")
        return {"share_within_T": f(self.share_within_T), "mean_response_min": f(self.mean_response_min),
                "utilisation": f(self.utilisation), "calls": f(self.calls), "waited_share": f(self.waited_share)}

    def halfwidth(self) -> dict:
        return {"share_within_T": t_halfwidth(self.share_within_T),
                "mean_response_min": t_halfwidth(self.mean_response_min),
                "utilisation": t_halfwidth(self.utilisation)}


def group_stats(runs: Sequence[SimRun], point_group: np.ndarray, unit_group: np.ndarray,
                groups: Sequence) -> dict:
    """:class:`GroupStats` per group label (points and units labelled by ``point_group`` / ``unit_group``)."""
    point_group = np.asarray(point_group, dtype=object)
    unit_group = np.asarray(unit_group, dtype=object)
    out = {g: GroupStats() for g in groups}
    for run in runs:
        cg = point_group[run.call_point]
        util = run.utilisation
        for g in groups:
            sel = cg == g
            nc = int(sel.sum())
            r = run.response_min[sel]
            fin = np.isfinite(r)
            st = out[g]
            st.calls.append(nc)
            st.share_within_T.append(float(run.within_T[sel].mean()) if nc else float("nan"))
            st.mean_response_min.append(float(r[fin].mean()) if fin.any() else float("nan"))
            st.waited_share.append(float(run.waited[sel].mean()) if nc else float("nan"))
            us = unit_group == g
            st.utilisation.append(float(util[us].mean()) if us.any() else float("nan"))
    return out


def paired_change(before: GroupStats, after: GroupStats) -> tuple[float, float]:
    """Mean and 95 % half-width of the per-replication change in share within T (after - before)."""
    d = np.asarray(after.share_within_T) - np.asarray(before.share_within_T)
    return float(np.nanmean(d)) if len(d) else float("nan"), t_halfwidth(d)


# ----------------------------------------------------------------------------------------- queueing
def erlang_c(c: int, offered_load: float) -> float:
    """Erlang-C probability that an arriving call waits in M/M/c with ``offered_load`` a = lambda / mu
    (erlangs) and ``c`` servers; 1 if a >= c."""
    if c < 1:
        raise ValueError("c must be at least 1")
    a = float(offered_load)
    if a >= c:
        return 1.0
    term, s = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        s += term
    last = term * a / c * c / (c - a)
    return last / (s + last)


def with_params(p: SimParams, **kw) -> SimParams:
    return replace(p, **kw)
