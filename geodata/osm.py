"""Travel times on a real OSM road network from a ``.osm.pbf`` extract a user downloads.

Reads drivable ways (``highway=*`` in :data:`OSM_SPEED_KMH`) and car ferries (``route=ferry``) with
pyosmium, builds an undirected graph (one-way streets are treated as two-way: the models need
symmetric area-level times, not turn-by-turn routes), snaps each query point to its nearest road
node (the snap distance is driven at ``SNAP_SPEED_KMH``) and runs scipy's Dijkstra.

Install the optional dependency with ``pip install -e ".[osm]"``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

from sundhed.geodata.errors import DataError
from sundhed.geodata.traveltimes import TravelMatrix, TravelTimeSource, shortest_path_minutes

#: Speeds (km/h) by OSM highway class, used where a way has no usable ``maxspeed``.
OSM_SPEED_KMH: dict[str, float] = {
    "motorway": 115, "motorway_link": 60, "trunk": 85, "trunk_link": 50, "primary": 70, "primary_link": 45,
    "secondary": 65, "secondary_link": 40, "tertiary": 55, "tertiary_link": 35, "unclassified": 45,
    "residential": 30, "living_street": 15, "service": 20, "road": 40,
}
SNAP_SPEED_KMH = 30.0
#: Ferry speed (km/h) where a route has no ``duration`` tag; waiting time is added per crossing.
FERRY_SPEED_KMH = 25.0
FERRY_WAIT_MIN = 20.0


def _duration_min(tag: str | None) -> float | None:
    """OSM ``duration`` ("HH:MM", "H:MM:SS" or minutes) in minutes."""
    if not tag:
        return None
    try:
        parts = [float(p) for p in tag.split(":")]
    except ValueError:
        return None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[0] * 60 + parts[1]
    return parts[0] * 60 + parts[1] + parts[2] / 60


def _maxspeed(tag: str | None) -> float | None:
    if not tag:
        return None
    try:
        v = float(tag.split()[0])
    except ValueError:
        return None
    return v if 5 <= v <= 140 else None


def read_osm_graph(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parse a PBF: returns node xy (EPSG:25832), edge u, v, minutes, is_ferry."""
    try:
        import osmium
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise DataError(path, "reading OSM files needs pyosmium: pip install -e \".[osm]\"") from None
    path = Path(path)
    if not path.exists():
        raise DataError(path, "OSM file not found")
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    ways: list[tuple[list[int], list[tuple[float, float]], float | None, float | None, bool]] = []

    class Handler(osmium.SimpleHandler):
        def way(self, w):
            hw = w.tags.get("highway")
            ferry = w.tags.get("route") == "ferry"
            if not ferry and hw not in OSM_SPEED_KMH:
                return
            try:
                ids = [n.ref for n in w.nodes]
                ll = [(n.lon, n.lat) for n in w.nodes]
            except osmium.InvalidLocationError:
                return
            speed = _maxspeed(w.tags.get("maxspeed")) or OSM_SPEED_KMH.get(hw or "", FERRY_SPEED_KMH)
            ways.append((ids, ll, speed, _duration_min(w.tags.get("duration")), ferry))

    try:
        Handler().apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise DataError(path, f"cannot be read as an OSM file: {exc}") from None
    if not ways:
        raise DataError(path, "no drivable ways (highway=*) or ferries found")
    index: dict[int, int] = {}
    lon, lat, eu, ev, emin, eferry = [], [], [], [], [], []
    for ids, ll, speed, duration, ferry in ways:
        for i, (x, y) in zip(ids, ll):
            if i not in index:
                index[i] = len(index)
                lon.append(x); lat.append(y)
        xs, ys = to_utm.transform([p[0] for p in ll], [p[1] for p in ll])
        seg_km = np.hypot(np.diff(xs), np.diff(ys)) / 1000
        if ferry:
            total = duration if duration is not None else 60 * seg_km.sum() / FERRY_SPEED_KMH
            eu.append(index[ids[0]]); ev.append(index[ids[-1]])
            emin.append(total + FERRY_WAIT_MIN); eferry.append(True)
            continue
        for a, b, km in zip(ids[:-1], ids[1:], seg_km):
            eu.append(index[a]); ev.append(index[b]); emin.append(60 * km / speed); eferry.append(False)
    x, y = to_utm.transform(lon, lat)
    return np.c_[x, y], np.array(eu), np.array(ev), np.array(emin), np.array(eferry)


class OsmPbfSource(TravelTimeSource):
    """Travel times on a Denmark OSM extract (``.osm.pbf``) downloaded by the user."""

    name = "osm-pbf"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._graph = None

    def fingerprint(self) -> str:
        if not self.path.exists():
            raise DataError(self.path, "OSM file not found")
        st = self.path.stat()
        h = hashlib.sha256(f"{self.path.resolve()}:{st.st_size}:{st.st_mtime_ns}:{OSM_SPEED_KMH}".encode())
        return "osm:" + h.hexdigest()[:16]

    def _csgraphs(self):
        if self._graph is None:
            xy, u, v, w, ferry = read_osm_graph(self.path)
            n = len(xy)

            def mat(keep):
                df = pd.DataFrame({"r": np.r_[u[keep], v[keep]], "c": np.r_[v[keep], u[keep]],
                                   "w": np.r_[w[keep], w[keep]].clip(1e-6)}
                                  ).groupby(["r", "c"], as_index=False)["w"].min()
                return coo_matrix((df["w"], (df["r"], df["c"])), shape=(n, n)).tocsr()

            self._graph = (xy, mat(np.ones(len(u), bool)), mat(~ferry))
        return self._graph

    def compute(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> TravelMatrix:
        xy, full_g, nof_g = self._csgraphs()
        tree = cKDTree(xy)
        do, io = tree.query(origins[["x", "y"]].to_numpy())
        dd, idd = tree.query(destinations[["x", "y"]].to_numpy())
        snap_o = 60 * do / 1000 / SNAP_SPEED_KMH
        snap_d = 60 * dd / 1000 / SNAP_SPEED_KMH
        full = shortest_path_minutes(full_g, io, idd) + snap_o[:, None] + snap_d[None, :]
        nof = shortest_path_minutes(nof_g, io, idd) + snap_o[:, None] + snap_d[None, :]
        return TravelMatrix(tuple(origins["id"]), tuple(destinations["id"]), full, nof, self.name)
