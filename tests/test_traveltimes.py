"""Travel times on the embedded network: shortest paths, symmetry, reachability, published times."""
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sundhed.geodata.errors import DataError
from sundhed.geodata.traveltimes import MatrixFileSource, points_frame, travel_times

REF = Path(__file__).parent / "data" / "published_drive_times.csv"


@pytest.fixture(scope="module")
def towns_matrix(ds):
    ref = pd.read_csv(REF)
    towns = pd.read_csv(Path("geodata/data/geonames/dk_places_pop500.csv").resolve() if Path("geodata").exists()
                        else Path(__file__).parents[1] / "geodata/data/geonames/dk_places_pop500.csv")
    towns = towns.drop_duplicates("name").set_index("name")
    names = sorted(set(ref["from_town"]) | set(ref["to_town"]))
    g = gpd.GeoSeries(gpd.points_from_xy(towns.loc[names, "longitude"], towns.loc[names, "latitude"]), crs=4326).to_crs(25832)
    pf = points_frame(names, g.x, g.y)
    return ref, names, travel_times(ds.embedded_source(), pf, pf, cache_dir=None)


def test_symmetric_and_triangle(towns_matrix):
    _, _, tm = towns_matrix
    m = tm.minutes
    assert np.allclose(m, m.T, rtol=1e-9, atol=1e-6)
    assert np.allclose(np.diag(m), 0)
    # shortest paths: no detour through a third town is faster
    assert (m[:, None, :] <= m[:, :, None] + m[None, :, :] + 1e-6).all()


@pytest.fixture(scope="module")
def pair_errors(ds):
    from sundhed.geodata.fit_speeds import model_points, pair_errors

    return pair_errors(ds.kommuner, ds.towns, ds.fixed_links, ds.ferries, extra_points=model_points(ds))


def test_published_drive_times(pair_errors):
    """Fit half and held-back half reported; the held-back half is held to the issue-19 target: median
    |error| at most 10 % and no pair beyond 25 %. The blind-check group (pairs written down before the
    model was run on them, after the network fixes found on held-back pairs) is held to the same target."""
    for split in ("fit", "heldback"):
        s = pair_errors.summary(split)
        print(f"\nembedded network vs {s['n']} published drive times ({split}): median |error| "
              f"{s['median_abs_pct']:.1f} %, mean {s['mean_pct']:+.1f} %, max |error| {s['max_abs_pct']:.1f} %, "
              f"{s['over_25_pct']} beyond 25 %; km median |error| {s['km_median_abs_pct']:.1f} %")
    held = pair_errors.summary("heldback")
    assert held["n"] >= 30
    assert held["median_abs_pct"] <= 10.0
    t = pair_errors.table()
    beyond = t[(t["split"] == "heldback") & (t["err_pct"].abs() > 25)]
    assert beyond.empty, beyond.to_string()
    blind = t[t["group"] == "blind_i19"]
    print(f"blind check ({len(blind)} pairs): median |error| {blind['err_pct'].abs().median():.1f} %, "
          f"max {blind['err_pct'].abs().max():.1f} %")
    assert len(blind) >= 10 and blind["err_pct"].abs().median() <= 10 and (blind["err_pct"].abs() <= 25).all()
    assert pair_errors.summary("fit")["median_abs_pct"] <= 10.0
    # km along the fastest route (road pairs; ferry pairs are mostly sailing distance)
    road = (pair_errors.pairs["ferry"] == "no").to_numpy()
    assert np.median(np.abs(pair_errors.km_err[road])) <= 0.12


def test_km_along_fastest_route(towns_matrix):
    """km is the length of the path whose minutes are reported: symmetric, zero on the diagonal,
    at least the straight line, and consistent with the minutes (no route averages over 130 km/h)."""
    _, names, tm = towns_matrix
    assert np.allclose(tm.km, tm.km.T, rtol=1e-6, atol=1e-6)
    assert np.allclose(np.diag(tm.km), 0)
    pf = tm.origin_ids
    towns = pd.read_csv(Path(__file__).parents[1] / "geodata/data/geonames/dk_places_pop500.csv")
    towns = towns.drop_duplicates("name").set_index("name").loc[list(pf)]
    g = gpd.GeoSeries(gpd.points_from_xy(towns["longitude"], towns["latitude"]), crs=4326).to_crs(25832)
    xy = np.c_[g.x, g.y]
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 1000
    off = ~np.eye(len(pf), dtype=bool)
    assert (tm.km[off] >= straight[off] * 0.999).all()
    assert (tm.km[off] / (tm.minutes[off] / 60) <= 130).all()
    same = ~tm.uses_ferry & off
    assert np.array_equal(tm.km_no_ferry[same], tm.km[same]) and same.sum() >= 0.5 * off.sum()
    assert np.isnan(tm.km_no_ferry[tm.uses_ferry & np.isfinite(tm.minutes_no_ferry)]).all()
    frame = tm.to_frame()
    assert "km" in frame and np.isfinite(frame["km"]).all()


def test_every_demand_point_reaches_own_region_hospital(ds):
    tm = ds.demand_to_hospitals()
    reg = ds.demand["kode"].map(ds.kommuner.set_index("kode")["region"]).to_numpy()
    own = np.where(reg[:, None] == ds.hospitals["region"].to_numpy()[None, :], tm.minutes, np.inf).min(1)
    assert np.isfinite(own).all()


def test_island_ferry_flags(ds):
    tm = ds.demand_to_hospitals()
    d = ds.demand.reset_index(drop=True)
    col = list(tm.destination_ids).index(f"H{int(ds.hospitals.set_index('navn').loc['Aarhus', 'akut_id'])}")
    samsoe = d.index[d["kode"] == 741]
    aarhus = d.index[d["kode"] == 751]
    assert tm.uses_ferry[samsoe, col].all() and np.isinf(tm.minutes_no_ferry[samsoe, col]).all()
    assert not tm.uses_ferry[aarhus, col].any()


def test_cache_hit_and_matrix_file(ds, tmp_path):
    o = points_frame(["a", "b"], [720000, 575000], [6170000, 6225000])
    d = points_frame(["x"], [590000], [6140000])
    t1 = travel_times(ds.embedded_source(), o, d, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("tt-*.npz"))) == 1
    t2 = travel_times(ds.embedded_source(), o, d, cache_dir=tmp_path)
    assert np.array_equal(t1.minutes, t2.minutes)
    f = tmp_path / "m.csv"
    t1.to_frame().to_csv(f, index=False)
    t3 = travel_times(MatrixFileSource(f), o, d, cache_dir=None)
    assert np.allclose(t3.minutes, t1.minutes)
    with pytest.raises(DataError, match="requested pair"):
        MatrixFileSource(f).compute(points_frame(["zzz"], [1], [1]), d)


def test_split_follows_the_recorded_rule():
    """The fit/held-back split is the committed rule's output; no pair can be moved by hand."""
    from sundhed.geodata.fit_speeds import assign_split, load_pairs

    pairs = load_pairs(REF)
    assert len(pairs) >= 60 and not pairs.duplicated(["from_town", "to_town"]).any()
    assert list(pairs["split"]) == assign_split(pairs)
    assert set(pairs.loc[pairs["split"] == "heldback", "group"]) == set(pairs["group"])
    assert (pairs["source"].str.len() > 0).all()


def test_cache_never_returns_stale_minutes(ds, tmp_path, monkeypatch):
    """A changed speed table gives a new cache key (so new minutes), and km survive the cache."""
    from sundhed.geodata import network

    o = points_frame(["a", "b"], [720000, 575000], [6170000, 6225000])
    d = points_frame(["x"], [590000], [6140000])
    src = ds.embedded_source()
    t1 = travel_times(src, o, d, cache_dir=tmp_path)
    t1b = travel_times(src, o, d, cache_dir=tmp_path)
    assert np.array_equal(t1.km, t1b.km) and np.isfinite(t1.km).all()
    key = src.fingerprint()
    monkeypatch.setitem(network.SPEED_KMH, "motorway_rural", network.SPEED_KMH["motorway_rural"] + 20)
    assert src.fingerprint() != key
    t2 = travel_times(src, o, d, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("tt-*.npz"))) == 2
    assert (t2.minutes < t1.minutes).any()
