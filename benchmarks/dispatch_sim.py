"""Speed of the dispatch simulation (model/dispatch_sim.py) against the same model written in SimPy.

    python benchmarks/dispatch_sim.py [--calls N] [--units U] [--points P]

Both simulate the same calls (Poisson arrivals, demand points drawn by weight, exponential on-scene times)
on U units at random stations with random drive times: nearest free unit by response time, else the unit
that can be there first; busy for delay + drive + on-scene + drive back. The SimPy version uses one process
per call and a plain list of unit "free at" times for the choice (a SimPy ``Resource`` per unit cannot pick
the nearest free unit by itself), so it measures SimPy's event overhead on top of the same decision rule.
Prints CPU seconds (``time.process_time``) and microseconds per call, and checks both give identical
responses.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from sundhed.model.dispatch_sim import (
    Fleet,
    SimParams,
    draw_calls,
    run_calls,
    unit_order,
)


def simpy_run(fleet: Fleet, p: SimParams, times, points, e1) -> np.ndarray:
    import simpy

    env = simpy.Environment()
    resp = (p.delay_min + fleet.drive_min).tolist()
    order = unit_order(fleet).tolist()
    drive = fleet.drive_min.tolist()
    free_at = [0.0] * fleet.n_units
    out = np.empty(len(times))

    def call(k, t, i):
        yield env.timeout(t - env.now)
        u = next((u for u in order[i] if free_at[u] <= env.now), -1)
        if u < 0:
            u = min(range(fleet.n_units), key=lambda v: max(free_at[v], env.now) + resp[i][v])
        start = max(free_at[u], env.now)
        out[k] = start - env.now + resp[i][u]
        free_at[u] = start + p.delay_min + 2 * drive[i][u] + p.on_scene_min * e1[k]
        yield env.timeout(free_at[u] - env.now)  # the unit's job ends (an event, as SimPy would model it)

    for k, (t, i) in enumerate(zip(times.tolist(), points.tolist())):
        env.process(call(k, t, i))
    env.run()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--units", type=int, default=360)
    ap.add_argument("--points", type=int, default=1_000)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    n, u = a.points, a.units
    drive = rng.uniform(0, 40, (n, u))
    fleet = Fleet(drive_min=drive, uses_ferry=np.zeros((n, u), bool), transports=np.ones(u, bool),
                  station=np.arange(u), to_hospital_min=np.zeros(n), hospital_to_station_min=np.zeros((n, u)))
    p = SimParams(calls_per_year=a.calls, transport_share=0.0)
    times, points, e1, transport, horizon, _ = draw_calls(rng.uniform(1, 100, n), p, rng)
    pref = unit_order(fleet)
    t0 = time.process_time()
    ours = run_calls(fleet, p, times, points, e1, transport, horizon, pref)
    t_ours = time.process_time() - t0
    t0 = time.process_time()
    theirs = simpy_run(fleet, p, times, points, e1)
    t_simpy = time.process_time() - t0
    same = bool(np.allclose(ours.response_min, theirs))
    k = len(times)
    print(f"{k:,} calls, {u} units, {n} points")
    print(f"  model/dispatch_sim.py : {t_ours:6.2f} s CPU  ({1e6 * t_ours / k:5.1f} µs per call)")
    print(f"  SimPy 4 (same rule)   : {t_simpy:6.2f} s CPU  ({1e6 * t_simpy / k:5.1f} µs per call)")
    print(f"  identical responses: {same}")


if __name__ == "__main__":
    main()
