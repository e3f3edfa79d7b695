"""Road classes on the skeleton: the compiled motorway list, its classification, one speed per class."""
import numpy as np
import pandas as pd
import pytest

from sundhed.geodata import network
from sundhed.geodata.errors import DataError
from sundhed.geodata.network import load_skeleton
from sundhed.geodata.roadclass import classify_skeleton, load_motorways, skeleton_motorway_mask


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
