"""The dispatch simulation (model/dispatch_sim.py) against queueing theory and hand-computed runs."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sundhed.model.dispatch_sim import (
    Fleet,
    SimParams,
    erlang_c,
    group_stats,
    paired_change,
    run_calls,
    simulate,
    t_halfwidth,
)


def one_station(c: int) -> Fleet:
    """c ambulances at one station, one demand point, zero drive times and no transport: M/M/c."""
    return Fleet(drive_min=np.zeros((1, c)), uses_ferry=np.zeros((1, c), bool), transports=np.ones(c, bool),
                 station=np.zeros(c, int), to_hospital_min=np.zeros(1), hospital_to_station_min=np.zeros((1, c)))


def mmc_params(lam_per_min: float, mean_service: float, days: float, reps: int, seed: int = 7) -> SimParams:
    return SimParams(calls_per_year=lam_per_min * 1440 * 365, horizon_days=days, T=1e-6, delay_min=0.0,
                     on_scene_min=mean_service, akutbil_on_scene_min=mean_service, transport_share=0.0,
                     handover_min=0.0, replications=reps, seed=seed)


def test_erlang_c_by_hand():
    # M/M/1: P(wait) = rho. M/M/2 with a = 1.2: a^2/2 * 2/(2-a) = 1.8; 1.8 / (1 + 1.2 + 1.8) = 0.45.
    assert erlang_c(1, 0.3) == pytest.approx(0.3)
    assert erlang_c(2, 1.2) == pytest.approx(0.45)
    # M/M/3 with a = 2: a^3/3! * 3/(3-2) = 4; 4 / (1 + 2 + 2 + 4) = 4/9
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(2, 2.5) == 1.0


@pytest.mark.parametrize("c,a", [(1, 0.5), (2, 1.2), (3, 2.0)])
def test_one_station_matches_mmc(c, a):
    """Waiting probability (Erlang C), utilisation a/c and mean wait C/(c mu - lambda) of M/M/c."""
    mean_service = 20.0
    mu = 1 / mean_service
    lam = a * mu
    p = mmc_params(lam, mean_service, days=400, reps=6)
    runs = simulate(one_station(c), np.ones(1), p)
    C = erlang_c(c, a)
    waited = [1 - r.within_T.mean() for r in runs]
    util = [r.utilisation.mean() for r in runs]
    wq = [r.response_min.mean() for r in runs]
    assert abs(np.mean(waited) - C) < max(3 * t_halfwidth(waited), 0.01)
    assert abs(np.mean(util) - a / c) < max(3 * t_halfwidth(util), 0.01)
    assert abs(np.mean(wq) - C / (c * mu - lam)) < max(3 * t_halfwidth(wq), 0.05 * C / (c * mu - lam))
    # the "waited" flag is exactly "no unit was free"
    assert all(np.array_equal(r.waited, r.response_min > 0) for r in runs)


def test_call_count_is_poisson_mean():
    p = SimParams(calls_per_year=36_500, horizon_days=365, replications=8, seed=3, on_scene="fixed")
    runs = simulate(one_station(50), np.ones(1), p)
    n = [len(r.call_time) for r in runs]
    assert abs(np.mean(n) - 36_500) < 3 * math.sqrt(36_500 / 8) + 1
    assert all((np.diff(r.call_time) >= 0).all() and r.call_time.max() <= 365 * 1440 for r in runs)


def two_stations() -> Fleet:
    """One point; station 0 is 2 minutes away, station 1 is 5 minutes away; hospital 10 min from the point,
    and 8 / 12 minutes from stations 0 / 1."""
    return Fleet(drive_min=np.array([[2.0, 5.0]]), uses_ferry=np.zeros((1, 2), bool), transports=np.ones(2, bool),
                 station=np.array([0, 1]), to_hospital_min=np.array([10.0]),
                 hospital_to_station_min=np.array([[8.0, 12.0]]))


def test_hand_computed_dispatch():
    """Three calls at t = 0, 3, 4 (minutes), on-scene fixed 10 min, delay 1 min, no transport.

    call 1: station 0 free -> response 1 + 2 = 3; busy 0 .. 0 + 1 + 2 + 10 + 2 = 15.
    call 2: station 0 busy, station 1 free -> response 1 + 5 = 6; busy 3 .. 3 + 1 + 5 + 10 + 5 = 24.
    call 3: both busy; station 0 arrives at 15 + 3 = 18, station 1 at 24 + 6 = 30 -> station 0, response 14;
            busy 15 .. 30.  Busy minutes within the 100-minute horizon: 15 + 15 = 30 and 21.
    """
    p = SimParams(delay_min=1.0, on_scene_min=10.0, on_scene="fixed", transport_share=0.0, T=6.0)
    run = run_calls(two_stations(), p, np.array([0.0, 3.0, 4.0]), np.zeros(3, int), np.ones(3),
                    np.zeros(3, bool), horizon=100.0)
    assert run.response_min.tolist() == [3.0, 6.0, 14.0]
    assert run.unit.tolist() == [0, 1, 0]
    assert run.waited.tolist() == [False, False, True]
    assert run.within_T.tolist() == [True, True, False]
    assert run.busy_min.tolist() == [30.0, 21.0]


def test_transport_busy_time_by_hand():
    """Transport: 1 + 2 + 10 on scene + 10 to hospital + 15 handover + 8 back = 46 minutes busy."""
    p = SimParams(delay_min=1.0, on_scene_min=10.0, on_scene="fixed", handover_min=15.0, T=15.0)
    run = run_calls(two_stations(), p, np.array([0.0, 40.0, 50.0]), np.zeros(3, int), np.ones(3),
                    np.array([True, False, False]), horizon=1000.0)
    # call 2 at t = 40: station 0 still busy (until 46) -> station 1; call 3 at t = 50: station 0 free again
    assert run.unit.tolist() == [0, 1, 0]
    assert run.busy_min.tolist() == [46.0 + 15.0, 1 + 5 + 10 + 5.0]


def test_akutbil_answers_and_ambulance_transports():
    """An akutbil 1 min away answers first; the call needs transport, so the ambulance 4 min away is sent too.

    akutbil busy 2 + 1 + 20 + 1 = 24; ambulance busy 2 + 4 + 20 + 10 + 15 + 6 = 57; response 2 + 1 = 3."""
    fl = Fleet(drive_min=np.array([[1.0, 4.0]]), uses_ferry=np.zeros((1, 2), bool),
               transports=np.array([False, True]), station=np.array([0, 1]), to_hospital_min=np.array([10.0]),
               hospital_to_station_min=np.array([[3.0, 6.0]]))
    p = SimParams(delay_min=2.0, on_scene_min=20.0, akutbil_on_scene_min=20.0, on_scene="fixed",
                  handover_min=15.0)
    run = run_calls(fl, p, np.array([0.0]), np.zeros(1, int), np.ones(1), np.array([True]), horizon=1000.0)
    assert run.response_min.tolist() == [3.0]
    assert run.unit.tolist() == [0]
    assert run.busy_min.tolist() == [24.0, 57.0]


def test_ferry_response_never_counts():
    fl = Fleet(drive_min=np.array([[3.0]]), uses_ferry=np.array([[True]]), transports=np.ones(1, bool),
               station=np.zeros(1, int), to_hospital_min=np.zeros(1), hospital_to_station_min=np.zeros((1, 1)))
    run = run_calls(fl, SimParams(on_scene="fixed"), np.array([0.0]), np.zeros(1, int), np.ones(1),
                    np.zeros(1, bool), horizon=100.0)
    assert run.response_min.tolist() == [6.0] and run.within_T.tolist() == [False]


def test_seeded_and_common_random_numbers():
    """Same seed: identical runs; a second fleet on the same points replays the same calls."""
    p = SimParams(calls_per_year=20_000, horizon_days=30, replications=3, seed=11)
    a, b = simulate(two_stations(), np.ones(1), p), simulate(two_stations(), np.ones(1), p)
    assert all(np.array_equal(x.response_min, y.response_min) for x, y in zip(a, b))
    one = Fleet(drive_min=np.array([[2.0]]), uses_ferry=np.zeros((1, 1), bool), transports=np.ones(1, bool),
                station=np.zeros(1, int), to_hospital_min=np.array([10.0]), hospital_to_station_min=np.array([[8.0]]))
    c = simulate(one, np.ones(1), p)
    assert all(np.array_equal(x.call_time, y.call_time) for x, y in zip(a, c))
    # adding a unit can only help here: every call reached at least as fast
    ga = group_stats(a, np.array(["x"], object), np.array(["x", "x"], object), ["x"])["x"]
    gc = group_stats(c, np.array(["x"], object), np.array(["x"], object), ["x"])["x"]
    change, hw = paired_change(gc, ga)
    assert change >= 0 and all(np.all(x.response_min <= y.response_min + 1e-9) for x, y in zip(a, c))
    assert hw >= 0


def test_bad_parameters():
    with pytest.raises(ValueError, match="transport_share"):
        SimParams(transport_share=1.5)
    with pytest.raises(ValueError, match="replications"):
        SimParams(replications=0)
    with pytest.raises(ValueError, match="shape"):
        Fleet(drive_min=np.zeros((2, 2)), uses_ferry=np.zeros((2, 2), bool), transports=np.ones(3, bool),
              station=np.zeros(2, int), to_hospital_min=np.zeros(2), hospital_to_station_min=np.zeros((2, 2)))


def test_background_call_occupies_an_ambulance_but_is_not_counted():
    """A background call at t = 0 takes station 0 (busy until 15); the A-call at t = 1 gets station 1."""
    p = SimParams(delay_min=1.0, on_scene_min=10.0, on_scene="fixed", transport_share=0.0, T=6.0)
    run = run_calls(two_stations(), p, np.array([0.0, 1.0]), np.zeros(2, int), np.ones(2), np.zeros(2, bool),
                    horizon=100.0, counted=np.array([False, True]))
    assert run.response_min.tolist() == [6.0] and run.unit.tolist() == [1]
    assert run.busy_min.tolist() == [15.0, 21.0]


def test_background_load_keeps_the_a_calls_and_raises_waiting():
    base = SimParams(calls_per_year=30 * 1440 * 365 / 60, horizon_days=60, T=1e-6, delay_min=0.0,
                     on_scene_min=20.0, transport_share=0.0, replications=3, seed=2)  # 0.5 calls/min, a = 10
    loaded = SimParams(**{**base.__dict__, "background_calls_per_year": base.calls_per_year / 2})
    a, b = simulate(one_station(14), np.ones(1), base), simulate(one_station(14), np.ones(1), loaded)
    assert all(np.array_equal(x.call_time, y.call_time) for x, y in zip(a, b))  # same A-calls
    # total load 15 erlangs on 14 servers would be unstable; here 10 + 5 = 15 > 14: waiting shoots up
    assert np.mean([r.waited.mean() for r in b]) > np.mean([r.waited.mean() for r in a]) + 0.2
    assert np.mean([r.utilisation.mean() for r in b]) > 0.95
