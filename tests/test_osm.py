"""OSM PBF source: a tiny synthetic extract written with pyosmium, routed and checked by hand."""
import numpy as np
import pytest

osmium = pytest.importorskip("osmium")

from sundhed.geodata.errors import DataError
from sundhed.geodata.osm import FERRY_WAIT_MIN, OsmPbfSource
from sundhed.geodata.traveltimes import points_frame
from pyproj import Transformer


def write_pbf(path):
    """Three nodes on a 10 km east-west line: motorway A-B, residential B-C; a ferry C-D of 30 min."""
    # ~10 km apart at 56° N: 0.1607° longitude
    coords = {1: (10.0, 56.0), 2: (10.1607, 56.0), 3: (10.3214, 56.0), 4: (10.3214, 56.2)}
    w = osmium.SimpleWriter(str(path))
    for i, (lon, lat) in coords.items():
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), version=1))
    w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2], tags={"highway": "motorway", "maxspeed": "120"}))
    w.add_way(osmium.osm.mutable.Way(id=11, nodes=[2, 3], tags={"highway": "residential"}))
    w.add_way(osmium.osm.mutable.Way(id=12, nodes=[3, 4], tags={"route": "ferry", "duration": "00:30"}))
    w.add_way(osmium.osm.mutable.Way(id=13, nodes=[1, 3], tags={"highway": "footway"}))  # not drivable
    w.close()
    return coords


def test_routes_by_hand(tmp_path):
    coords = write_pbf(tmp_path / "dk.osm.pbf")
    t = Transformer.from_crs(4326, 25832, always_xy=True)
    x, y = t.transform([c[0] for c in coords.values()], [c[1] for c in coords.values()])
    pts = points_frame(["A", "B", "C", "D"], x, y)
    tm = OsmPbfSource(tmp_path / "dk.osm.pbf").compute(pts, pts)
    km_ab = np.hypot(x[1] - x[0], y[1] - y[0]) / 1000
    km_bc = np.hypot(x[2] - x[1], y[2] - y[1]) / 1000
    ab = 60 * km_ab / 120
    bc = 60 * km_bc / 30
    assert tm.minutes[0, 1] == pytest.approx(ab, rel=1e-6)
    assert tm.minutes[0, 2] == pytest.approx(ab + bc, rel=1e-6)  # the footway shortcut is not used
    assert tm.minutes[0, 3] == pytest.approx(ab + bc + 30 + FERRY_WAIT_MIN, rel=1e-6)
    assert tm.uses_ferry[0, 3] and not tm.uses_ferry[0, 2]
    assert np.isinf(tm.minutes_no_ferry[0, 3])
    assert np.allclose(tm.minutes, tm.minutes.T)


def test_bad_files(tmp_path):
    with pytest.raises(DataError, match="OSM file not found"):
        OsmPbfSource(tmp_path / "none.pbf").fingerprint()
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf")
    pts = points_frame(["A"], [500000], [6200000])
    with pytest.raises(DataError, match="bad.osm.pbf"):
        OsmPbfSource(bad).compute(pts, pts)
