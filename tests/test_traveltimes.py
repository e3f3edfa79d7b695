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


def test_published_drive_times(towns_matrix):
    ref, names, tm = towns_matrix
    M = pd.DataFrame(tm.minutes, index=names, columns=names)
    err = np.array([(M.loc[a, b] - t) / t for a, b, t in zip(ref["from_town"], ref["to_town"], ref["minutes"])])
    median = float(np.median(np.abs(err)))
    print(f"\nembedded network vs {len(ref)} published drive times: median |error| {100 * median:.1f} %, "
          f"mean error {100 * err.mean():+.1f} %")
    assert median <= 0.15


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
