"""Model 3 (akutbiler) on the national dataset: instance building, MCLP / LSCP solves and reports.

Existing units = one per akutsygehus site (ASSUMED_EXISTING, an assumption). Candidates = towns with at
least 1000 inhabitants (default) + the 21 hospital sites. Times in minutes, demand in inhabitants.
"""
from __future__ import annotations

import numpy as np
import pytest

from model.national_akutbiler import ASSUMED_EXISTING, candidate_stations, ems_instance
from solvers.akutbiler import TOTAL_LABEL, solve_ems
from solvers.highs import SolveOptions

OPTS = SolveOptions(mip_gap=1e-6, time_limit=300)
REGIONS = {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"}
ISLANDS = (741, 825)  # Samsø, Læsø: reached from the mainland only by ferry
TRANEBJERG = "T2611311"  # Samsø's main town (839 inhabitants in GeoNames)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("tt")


@pytest.fixture(scope="module")
def inst(ds, cache):
    return ems_instance(ds, cache_dir=cache)


@pytest.fixture(scope="module")
def plan12(inst):
    return solve_ems(inst, "mclp", OPTS, k=12)


def test_instance_shape_and_existing(ds, inst):
    st = candidate_stations(ds)
    assert inst.n_demand == len(ds.demand) and inst.n_stations == len(st)
    assert (ds.towns["geonames_befolkning"] >= 1000).sum() + 21 == inst.n_stations
    assert [inst.station_ids[j] for j in inst.existing] == [f"H{a}" for a in range(1, 22)]
    assert "assumption" in ASSUMED_EXISTING
    assert np.isclose(inst.total_weight, ds.kommuner["befolkning_2020"].sum())
    assert set(inst.demand_region) == REGIONS
    assert set(inst.demand_catchment) <= set(ds.baseline["catchment"])
    old = ems_instance(ds, weight="elderly", cache_dir=None)
    assert np.isclose(old.total_weight, ds.kommuner["aeldre_65plus_estimeret"].sum(), rtol=1e-3)


def test_mclp_k12(inst, plan12):
    p = plan12
    assert p.stats.optimal and p.stats.status == "optimal"
    assert 0 < len(p.new) <= 12
    assert not set(p.new) & set(inst.existing.tolist())
    assert set(p.existing) == set(inst.existing.tolist())
    assert all(s.startswith(("T", "H")) for s in p.new_station_ids)
    rep = p.region_report.set_index("region")
    assert set(rep.index) - {TOTAL_LABEL} == REGIONS
    for t in (5, 10, 15):
        b, a = rep[f"before_{t}"], rep[f"after_{t}"]
        assert ((b >= 0) & (a <= 1 + 1e-12)).all()
        assert (a >= b - 1e-12).all(), t
    assert np.isclose(rep.loc[TOTAL_LABEL, "after_15"], p.covered_after / p.total_demand)
    assert p.covered_after > p.covered_before


def test_coverage_non_decreasing_in_k(inst):
    cov = []
    for k in (0, 5, 10, 15):
        p = solve_ems(inst, "mclp", OPTS, k=k)
        assert p.stats.optimal and len(p.new) <= k
        cov.append(p.covered_after)
    assert cov[0] == pytest.approx(solve_ems(inst, "mclp", OPTS, k=0).covered_before)
    assert all(b >= a - 1e-6 for a, b in zip(cov, cov[1:])), cov
    assert cov[-1] > cov[0]


def _on_island(ds, inst):
    st = candidate_stations(ds, 0).set_index("id")["kode"]
    return np.array([int(st[s]) for s in inst.station_ids])


def test_ferry_islands_only_covered_from_island(ds, inst, plan12, cache):
    kode = ds.demand["kode"].to_numpy(int)
    skode = _on_island(ds, inst)
    A = inst.covers(15.0)
    for isl in ISLANDS:
        rows = kode == isl
        assert rows.any()
        # every mainland station reaches the island only by ferry, so never covers it
        assert not A[np.ix_(rows, skode != isl)].any()
        assert inst.uses_ferry[np.ix_(rows, np.flatnonzero(skode != isl))].all()
        after = inst.existing.tolist() + plan12.new
        covered = A[np.ix_(rows, after)].any(axis=1)
        assert not covered.any() or (skode[after] == isl).any()
    # with a unit on Samsø (Tranebjerg, needs min_town_pop <= 839), Samsø is covered, Læsø still not
    small = ems_instance(ds, min_town_pop=800, existing=[f"H{a}" for a in range(1, 22)] + [TRANEBJERG],
                         cache_dir=cache)
    p = solve_ems(small, "mclp", OPTS, k=0)
    A = small.covers(15.0)[:, small.existing]
    assert A[kode == 741].any(axis=1).any()
    assert not A[kode == 825].any()
    assert p.covered_after >= p.covered_before


def test_lscp_meets_95_percent_of_reachable(inst):
    p = solve_ems(inst, "lscp", OPTS, target_share=0.95)
    assert p.stats.optimal
    reach = inst.covers(15.0).any(axis=1)
    reachable = float(inst.demand_weight[reach].sum())
    assert p.covered_after >= 0.95 * reachable - 1e-6
    assert not set(p.new) & set(inst.existing.tolist())


def test_unknown_existing_id_raises(ds, cache):
    with pytest.raises(ValueError, match="T999"):
        ems_instance(ds, existing=["H1", "T999"], cache_dir=cache)
    with pytest.raises(ValueError, match="existing"):
        ems_instance(ds, existing="stations", cache_dir=cache)
    with pytest.raises(ValueError, match="weight"):
        ems_instance(ds, weight="calls", cache_dir=cache)
