"""Road classes on the skeleton: the compiled motorway list, its classification, one speed per class."""
import numpy as np
import pandas as pd
import pytest

from sundhed.geodata import network
from sundhed.geodata.errors import DataError
from sundhed.geodata.network import load_skeleton
from sundhed.geodata.roadclass import (classify_skeleton, load_motorways, load_road_supplement,
                                       skeleton_motorway_mask)


def test_motorway_list_classifies_the_published_length():
    """Every listed stretch lies on the skeleton, and the classified length is close to the 1,298 km
    of Danish motorway published for 2021 (da.wikipedia 'Motorveje i Danmark')."""
    mw = load_motorways()
    assert mw["stretch_id"].is_unique and len(mw) >= 20
    assert {"E20", "E45", "E39", "E47/E55", "21", "18", "15", "17", "8", "9"} <= set(mw["route"])
    _, _, km, mask = skeleton_motorway_mask()
    total = float(km[mask].sum() * network.SKELETON_DETOUR)
    assert 1_100 <= total <= 1_450, total
    assert 0.2 < mask.mean() < 0.4


def test_misplaced_waypoint_is_an_error(tmp_path):
    nodes, edges = load_skeleton()
    bad = load_motorways().head(1).copy()
    wp = [("Anholt", 56.70, 11.55), ("Grenaa", 56.41, 10.88)]
    bad["waypoint_list"] = pd.Series([wp], index=bad.index)
    bad["waypoint_chains"] = pd.Series([[wp]], index=bad.index)
    with pytest.raises(DataError, match="from the skeleton"):
        classify_skeleton(nodes["node_id"].to_numpy(), nodes[["x", "y"]].to_numpy(), edges["u"].to_numpy(),
                          edges["v"].to_numpy(), edges["length_km"].to_numpy(), bad)
    f = tmp_path / "m.csv"
    pd.DataFrame({"stretch_id": ["X"], "route": ["E1"], "name": ["x"], "from_place": ["a"], "to_place": ["b"],
                  "waypoints": ["Vejle 55.7"], "source": ["s"], "confidence": ["low"]}).to_csv(f, index=False)
    with pytest.raises(DataError, match="name lat lon"):
        load_motorways(f)


def test_speeds_by_class_and_urbanity(ds):
    """Every skeleton/local edge runs at its class-and-urbanity speed; motorways keep their speed in towns."""
    pts = ds.hospital_points_frame()
    net = ds.embedded_source().network_for(pts)
    real = net.edge_km > 1e-3
    speed = np.where(real, 60 * net.edge_km / np.maximum(net.edge_min, 1e-9), np.nan)
    classes = {}
    for cls in ("motorway", "main", "local"):
        sel = (net.edge_class == cls) & real
        got = set(np.round(speed[sel], 6))
        allowed = {round(network.SPEED_KMH[f"{cls}_rural"], 6), round(network.SPEED_KMH[f"{cls}_urban"], 6)}
        assert got <= allowed, (cls, got - allowed)
        classes[cls] = sel.sum()
    assert min(classes.values()) > 100
    assert network.SPEED_KMH["motorway_urban"] >= 0.9 * network.SPEED_KMH["motorway_rural"]
    assert network.SPEED_KMH["motorway_urban"] > 2 * network.SPEED_KMH["main_urban"]


def test_supplement_roads_are_routable(ds):
    """Each compiled road missing from the skeleton carries the route between its two ends: the network's
    time end to end is at most its own polyline at the main-road speed (+5 %), and its edges are class main."""
    from sundhed.geodata.network import SKELETON_DETOUR, SPEED_KMH, _to_xy
    from sundhed.geodata.traveltimes import points_frame, travel_times

    roads = load_road_supplement()
    assert roads["road_id"].is_unique and set(roads["road_class"]) <= {"main", "motorway"}
    assert {"16", "59"} <= set(roads["route"]) and roads["found_by"].str.len().gt(0).all()
    ends, limit = [], {}
    for r in roads.itertuples():
        xy = _to_xy([w[1] for w in r.waypoint_list], [w[2] for w in r.waypoint_list])
        km = np.hypot(*np.diff(xy, axis=0).T).sum() / 1000 * SKELETON_DETOUR
        ends += [(f"{r.road_id}a", *xy[0]), (f"{r.road_id}b", *xy[-1])]
        limit[r.road_id] = 1.05 * 60 * km / SPEED_KMH["main_rural"]
    pf = points_frame([e[0] for e in ends], [e[1] for e in ends], [e[2] for e in ends])
    tm = travel_times(ds.embedded_source(), pf, pf, cache_dir=None)
    for k, rid in enumerate(limit):
        assert tm.minutes[2 * k, 2 * k + 1] <= limit[rid], (rid, tm.minutes[2 * k, 2 * k + 1], limit[rid])
    net = ds.embedded_source().network_for(pf)
    sup = net.edge_kind == "supplement"
    assert sup.sum() >= len(roads) and set(net.edge_class[sup]) <= {"main", "motorway"}


@pytest.mark.parametrize("column,value,match", [("road_class", "track", "road_class"),
                                                ("waypoints", "Auning 56.43 10.38", "two waypoints"),
                                                ("found_by", "", "found_by")])
def test_bad_supplement_row_is_an_error(tmp_path, column, value, match):
    from sundhed.geodata.roadclass import ROADS_FILE

    df = pd.read_csv(ROADS_FILE, dtype=str)
    df.loc[0, column] = value
    f = tmp_path / "roads.csv"
    df.to_csv(f, index=False)
    with pytest.raises(DataError, match=match):
        load_road_supplement(f)
