"""Travel times: one interface, three sources, cached on disk.

``TravelTimeSource.compute(origins, destinations) -> TravelMatrix`` (minutes, and km along the fastest
route where the source knows them). Sources:

1. :class:`EmbeddedNetworkSource` — the default, built from the shipped data (geodata/network.py);
2. :class:`OsmPbfSource` — a Denmark OSM extract (``.osm.pbf``) a user downloads (geodata/osm.py);
3. :class:`MatrixFileSource` — a CSV/Parquet matrix from any router.

:func:`travel_times` wraps any source with an on-disk cache keyed by a hash of the source's
fingerprint and the exact origin/destination ids and coordinates.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sundhed.geodata.errors import DataError
from sundhed.geodata.io import atomic_replace
from sundhed.geodata.traveltimes_memo import memo_get, memo_put

#: Directory for cached matrices (override with the SUNDHED_CACHE environment variable).
DEFAULT_CACHE_DIR = Path(os.environ.get("SUNDHED_CACHE", Path.home() / ".cache" / "sundhed"))


def points_frame(ids, x, y) -> pd.DataFrame:
    """Points for a travel-time query: ``id`` (str), ``x``, ``y`` (EPSG:25832 metres)."""
    df = pd.DataFrame({"id": [str(i) for i in ids], "x": np.asarray(x, float), "y": np.asarray(y, float)})
    if df["id"].duplicated().any():
        raise ValueError(f"duplicate point ids: {df.loc[df['id'].duplicated(), 'id'].tolist()[:5]}")
    if not np.isfinite(df[["x", "y"]].to_numpy()).all():
        raise ValueError("point coordinates must be finite numbers (EPSG:25832 metres)")
    return df


@dataclass(frozen=True)
class TravelMatrix:
    """Origins × destinations in minutes.

    ``minutes``: fastest time, ferries allowed (``inf`` = unreachable).
    ``minutes_no_ferry``: fastest time without any ferry leg (``inf`` where only a ferry reaches);
    the akutbil model uses it, since a 15-minute response never crosses a ferry.
    ``km``: distance (km) along the fastest route of ``minutes`` (ferry legs count their sailing
    distance); ``km_no_ferry`` likewise for ``minutes_no_ferry`` where that is the same route (the
    embedded network leaves it ``nan`` where the no-ferry route differs). ``nan`` where the source has
    no distances (a matrix file without a ``km`` column), ``inf`` where unreachable.
    """

    origin_ids: tuple[str, ...]
    destination_ids: tuple[str, ...]
    minutes: np.ndarray
    minutes_no_ferry: np.ndarray
    source: str
    km: np.ndarray = field(default_factory=lambda: np.empty(0))
    km_no_ferry: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        for name in ("km", "km_no_ferry"):   # not given (or None): nan, the source has no distances
            value = getattr(self, name)
            if value is None or (np.size(value) == 0 and np.size(self.minutes) > 0):
                object.__setattr__(self, name, np.full(np.shape(self.minutes), np.nan))

    @property
    def uses_ferry(self) -> np.ndarray:
        """True where the fastest path crosses a ferry (or a modelled island crossing)."""
        return self.minutes_no_ferry > self.minutes + 1e-6

    def to_frame(self) -> pd.DataFrame:
        """Long table: ``origin_id``, ``destination_id``, ``minutes``, ``uses_ferry``, ``km``."""
        o, d = np.meshgrid(np.arange(len(self.origin_ids)), np.arange(len(self.destination_ids)), indexing="ij")
        return pd.DataFrame({
            "origin_id": np.asarray(self.origin_ids, object)[o.ravel()],
            "destination_id": np.asarray(self.destination_ids, object)[d.ravel()],
            "minutes": self.minutes.ravel(),
            "uses_ferry": self.uses_ferry.ravel(),
            "km": self.km.ravel(),
        })

    def subset(self, origin_ids=None, destination_ids=None) -> "TravelMatrix":
        oi = [self.origin_ids.index(i) for i in origin_ids] if origin_ids is not None else slice(None)
        di = [self.destination_ids.index(i) for i in destination_ids] if destination_ids is not None else slice(None)
        return TravelMatrix(tuple(np.asarray(self.origin_ids)[oi]), tuple(np.asarray(self.destination_ids)[di]),
                            self.minutes[oi][:, di], self.minutes_no_ferry[oi][:, di], self.source,
                            self.km[oi][:, di], self.km_no_ferry[oi][:, di])


class TravelTimeSource(ABC):
    """Something that turns origins × destinations into minutes."""

    name: str = "abstract"

    @abstractmethod
    def fingerprint(self) -> str:
        """A string that changes whenever the source's answers may change (for the cache key)."""

    @abstractmethod
    def compute(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> TravelMatrix:
        """Minutes from each origin to each destination (frames from :func:`points_frame`)."""


def shortest_path_minutes_km(csgraph, km_graph, sources: np.ndarray,
                            targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dijkstra on minutes from ``sources``; returns minutes and the km along those fastest paths.

    Both graphs are symmetric (RoadNetwork.csgraphs), so Dijkstra runs on them as directed graphs
    (same answer, no symmetrising pass). ``km_graph`` has the pattern of ``csgraph`` and holds each
    edge's length; the km are summed up each shortest-path tree by pointer doubling (about
    log2(depth) vectorised steps over a sources x nodes array).
    """
    if len(sources) == 0 or len(targets) == 0:
        z = np.zeros((len(sources), len(targets)))
        return z, z.copy()
    from scipy.sparse.csgraph import dijkstra  # here, not at the top: a warm-cache run never imports scipy

    d, pred = dijkstra(csgraph, directed=True, indices=np.asarray(sources), return_predecessors=True)
    ns, n = pred.shape
    node = np.broadcast_to(np.arange(n), (ns, n))
    root = pred < 0                       # the source itself and unreachable nodes
    parent = np.where(root, node, pred)
    acc = np.zeros((ns, n))
    acc[~root] = np.asarray(km_graph[parent[~root], node[~root]]).ravel()
    # flat indices into the (ns, n) arrays: parent of row r, node v at r * n + parent[r, v]
    itype = np.int32 if ns * n < 2**31 else np.int64
    flat = (parent.astype(itype) + (np.arange(ns, dtype=itype) * n)[:, None]).ravel()
    acc = acc.ravel()
    while True:
        grand = flat[flat]
        if np.array_equal(grand, flat):
            break
        acc = acc + acc[flat]
        flat = grand
    acc = acc.reshape(ns, n)
    acc[~np.isfinite(d)] = np.inf
    t = np.asarray(targets)
    return d[:, t], acc[:, t]


def shortest_path_minutes(csgraph, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Dijkstra (scipy) from ``sources`` to ``targets``; returns (len(sources), len(targets)) minutes."""
    if len(sources) == 0 or len(targets) == 0:
        return np.zeros((len(sources), len(targets)))
    from scipy.sparse.csgraph import dijkstra

    d = dijkstra(csgraph, directed=True, indices=np.asarray(sources))  # symmetric graph: same as undirected
    return d[:, np.asarray(targets)]


class EmbeddedNetworkSource(TravelTimeSource):
    """The shipped road network (OSM skeleton + local links + fixed links + ferries)."""

    name = "embedded"

    def __init__(self, kommuner, towns, fixed_links, ferries, ferry_wait_min: float | None = None):
        from sundhed.geodata import network

        self.kommuner, self.towns, self.fixed_links, self.ferries = kommuner, towns, fixed_links, ferries
        self.ferry_wait_min = network.FERRY_WAIT_MIN if ferry_wait_min is None else float(ferry_wait_min)
        self._table_hashes: dict | None = None

    def fingerprint(self) -> str:
        """Changes with any shipped data file (road edges and nodes, links, ferries, supplements, motorways,
        towns, boundaries: the data version), the network code and constants, and the tables this source was
        given. The tables' hashes (about 0.15 CPU s) are computed once per source: its tables are not changed
        after it is made; the rest is re-read on every call."""
        from sundhed.geodata import hashing, network, roadclass

        if self._table_hashes is None:
            self._table_hashes = self._hash_tables()
        blob = json.dumps({
            "v": 6, "code": _NETWORK_CODE_HASH, "motorways": _file_hash(roadclass.MOTORWAYS_FILE),
            "data": hashing.data_version(), "code_files": hashing.source_hash(network, sys.modules[__name__]),
            **self._table_hashes,
            "speeds": network.SPEED_KMH, "skel": network.SKELETON_DETOUR, "local": network.LOCAL_DETOUR,
            "k": network.LOCAL_K, "max": network.LOCAL_MAX_KM, "bay": network.AROUND_BAY_DETOUR,
            "urban": [network.URBAN_MIN_POP, network.URBAN_BASE_KM, network.URBAN_PER_SQRT_KINH],
            "wait": self.ferry_wait_min, "foreign": network.FOREIGN_ROAD_MIN, "land": network.LAND_TOLERANCE_M,
        }, sort_keys=True, default=str)
        return "embedded:" + hashlib.sha256(blob.encode()).hexdigest()[:16]

    def _hash_tables(self) -> dict:
        def frame_hash(df) -> str:
            cols = [c for c in df.columns if c != "geometry"]
            h = hashlib.sha256(pd.util.hash_pandas_object(df[cols].astype(str), index=False).to_numpy().tobytes())
            if "geometry" in df:
                h.update(b"".join(g.wkb for g in df.geometry))
            return h.hexdigest()[:16]

        return {
            "frames": [frame_hash(self.towns), frame_hash(self.fixed_links), frame_hash(self.ferries)],
            "links": pd.util.hash_pandas_object(self.fixed_links.astype(str)).sum().item(),
            "ferries": pd.util.hash_pandas_object(self.ferries.astype(str)).sum().item(),
            "towns": int(self.towns["geonames_befolkning"].sum()), "ntowns": len(self.towns),
        }

    def network_for(self, points: pd.DataFrame):
        from sundhed.geodata.network import build_network

        pts = {str(pid): np.array([x, y], dtype=float) for pid, x, y in zip(points["id"], points["x"], points["y"])}
        return build_network(self.kommuner, self.towns, pts, self.fixed_links, self.ferries,
                             ferry_wait_min=self.ferry_wait_min)

    def compute(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> TravelMatrix:
        allpts = pd.concat([origins, destinations]).drop_duplicates("id")
        clash = allpts["id"].duplicated()
        if clash.any():
            raise ValueError("an id names two different points")
        net = self.network_for(allpts)
        index = {lab: i for i, lab in enumerate(net.node_label)}
        o = np.array([index[f"pt:{i}"] for i in origins["id"]])
        d = np.array([index[f"pt:{i}"] for i in destinations["id"]])
        # Dijkstra from the smaller side; the graph is undirected, so times are symmetric
        flip = len(d) < len(o)
        src, dst = (d, o) if flip else (o, d)
        g_min, g_km = net.csgraphs()
        full, km = shortest_path_minutes_km(g_min, g_km, src, dst)
        # no-ferry minutes by plain Dijkstra; its km only where the fastest route sails no ferry (the
        # same route), nan elsewhere: tracing the no-ferry trees too would cost ~10 % more per matrix
        nof = shortest_path_minutes(net.csgraph(exclude_ferries=True), src, dst)
        km_nof = np.where(np.isclose(nof, full, rtol=1e-9, atol=1e-9), km, np.where(np.isfinite(nof), np.nan, np.inf))
        if flip:
            full, nof, km, km_nof = full.T, nof.T, km.T, km_nof.T
        return TravelMatrix(tuple(origins["id"]), tuple(destinations["id"]), full, nof, self.name, km, km_nof)


class MatrixFileSource(TravelTimeSource):
    """A matrix from any router, as CSV or Parquet in long form.

    Columns: ``origin_id``, ``destination_id``, ``minutes`` and optionally ``uses_ferry`` (bool) or
    ``minutes_no_ferry``, and ``km`` (distance along the route). Every requested pair must be present.
    """

    name = "matrix-file"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def fingerprint(self) -> str:
        if not self.path.exists():
            raise DataError(self.path, "travel-time matrix file not found")
        h = hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]
        return f"file:{self.path.name}:{h}"

    def _read(self) -> pd.DataFrame:
        from sundhed.geodata.io import numeric_column, read_csv_checked

        if not self.path.exists():
            raise DataError(self.path, "travel-time matrix file not found")
        if self.path.suffix.lower() in (".parquet", ".pq"):
            try:
                df = pd.read_parquet(self.path)
            except Exception as exc:
                raise DataError(self.path, f"cannot be read as Parquet: {str(exc).splitlines()[0]}") from None
            missing = [c for c in ("origin_id", "destination_id", "minutes") if c not in df.columns]
            if missing:
                raise DataError(self.path, f"missing column(s) {missing}")
        else:
            df = read_csv_checked(self.path, ["origin_id", "destination_id", "minutes"],
                                  dtype={"origin_id": str, "destination_id": str})
        df["origin_id"] = df["origin_id"].astype(str)
        df["destination_id"] = df["destination_id"].astype(str)
        df["minutes"] = numeric_column(df, "minutes", self.path, minimum=0)
        if "minutes_no_ferry" in df:
            df["minutes_no_ferry"] = numeric_column(df, "minutes_no_ferry", self.path, minimum=0,
                                                    allow_missing=True).fillna(np.inf)
        elif "uses_ferry" in df:
            ferry = df["uses_ferry"].astype(str).str.lower().isin(["true", "1", "yes"])
            df["minutes_no_ferry"] = np.where(ferry, np.inf, df["minutes"])
        else:
            df["minutes_no_ferry"] = df["minutes"]
        df["km"] = numeric_column(df, "km", self.path, minimum=0, allow_missing=True) if "km" in df else np.nan
        return df

    def compute(self, origins: pd.DataFrame, destinations: pd.DataFrame) -> TravelMatrix:
        df = self._read().drop_duplicates(["origin_id", "destination_id"]).set_index(["origin_id", "destination_id"])
        idx = pd.MultiIndex.from_product([origins["id"], destinations["id"]])
        missing = idx.difference(df.index)
        if len(missing):
            o, d = missing[0]
            raise DataError(self.path, f"{len(missing)} requested pair(s) missing, e.g. {o!r} -> {d!r}")
        sub = df.loc[idx]
        shape = (len(origins), len(destinations))
        return TravelMatrix(tuple(origins["id"]), tuple(destinations["id"]),
                            sub["minutes"].to_numpy(float).reshape(shape),
                            sub["minutes_no_ferry"].to_numpy(float).reshape(shape), self.name,
                            sub["km"].to_numpy(float).reshape(shape))


def _file_hash(path) -> str:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16] if p.exists() else "missing"


#: Hash of the network-building code (network.py, roadclass.py, this file): a code change that moves
#: minutes can never hit a cached matrix made by the old code.
_NETWORK_CODE_HASH = hashlib.sha256(b"".join(
    (Path(__file__).parent / f).read_bytes() for f in ("network.py", "roadclass.py", "skeleton.py", "traveltimes.py")
)).hexdigest()[:16]


def cache_key(source: TravelTimeSource, origins: pd.DataFrame, destinations: pd.DataFrame) -> str:
    h = hashlib.sha256(source.fingerprint().encode())
    for df in (origins, destinations):
        h.update(pd.util.hash_pandas_object(df[["id", "x", "y"]].round(1), index=False).to_numpy().tobytes())
    return h.hexdigest()[:24]


class CacheEntryInvalid(ValueError):
    """A cached matrix failed its checks (shape, ids, values or checksum)."""


def _checksum(o, d, m, n) -> str:
    h = hashlib.sha256()
    for a in (np.asarray(o).astype(str), np.asarray(d).astype(str)):
        h.update("\0".join(a.tolist()).encode() + b"\1")
    for a in (m, n):
        a = np.ascontiguousarray(a, dtype=np.float64)
        h.update(str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def _read_entry(path: Path, origins: pd.DataFrame, destinations: pd.DataFrame) -> TravelMatrix:
    """Load a cache entry and check it fully: ids equal the request, both matrices have the request's
    shape, no NaN or negative minutes, ``minutes <= minutes_no_ferry``, and the stored sha256 checksum."""
    try:
        with np.load(path, allow_pickle=False) as z:
            o, d, m, n, s = z["o"], z["d"], z["m"], z["n"], str(z["s"])
            k, kn = z["k"], z["kn"]
            checksum = str(z["c"]) if "c" in z.files else None
    except Exception as exc:
        raise CacheEntryInvalid(f"unreadable ({type(exc).__name__})") from None
    shape = (len(origins), len(destinations))
    if checksum is None:
        raise CacheEntryInvalid("no checksum (older cache format)")
    if tuple(o.tolist()) != tuple(origins["id"]) or tuple(d.tolist()) != tuple(destinations["id"]):
        raise CacheEntryInvalid("point ids differ from the request")
    if m.shape != shape or n.shape != shape:
        raise CacheEntryInvalid(f"shape {m.shape}/{n.shape}, expected {shape}")
    if m.dtype.kind != "f" or n.dtype.kind != "f":
        raise CacheEntryInvalid("minutes are not floating-point numbers")
    if np.isnan(m).any() or np.isnan(n).any() or (m < 0).any() or (n < 0).any():
        raise CacheEntryInvalid("NaN or negative minutes")
    if (m > n + 1e-6).any():
        raise CacheEntryInvalid("a ferry-free time is shorter than the fastest time")
    if _checksum(o, d, m, n) != checksum:
        raise CacheEntryInvalid("checksum mismatch (altered values)")
    if k.shape != shape or kn.shape != shape:
        raise CacheEntryInvalid(f"km shape {k.shape}/{kn.shape}, expected {shape}")
    return TravelMatrix(tuple(o.tolist()), tuple(d.tolist()), m, n, s, k, kn)


def _write_entry(path: Path, tm: TravelMatrix) -> None:
    """Write a cache entry atomically: a uniquely named temporary file in the cache folder, then
    ``os.replace`` (two processes filling one cold cache never share a temporary file)."""
    with atomic_replace(path) as tmp, open(tmp, "wb") as f:
        o, d = np.array(tm.origin_ids), np.array(tm.destination_ids)
        np.savez(f, o=o, d=d, m=tm.minutes, n=tm.minutes_no_ferry, s=np.array(tm.source),
                 k=tm.km, kn=tm.km_no_ferry,
                 c=np.array(_checksum(o, d, tm.minutes, tm.minutes_no_ferry)))


def travel_times(source: TravelTimeSource, origins: pd.DataFrame, destinations: pd.DataFrame,
                 cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> TravelMatrix:
    """Compute (or load from the cache) the matrix origins × destinations in minutes.

    ``cache_dir=None`` disables caching. A cache file is an ``.npz`` named by the hash of the
    source fingerprint (for the embedded network: the content hash of every shipped data file and of the
    network code) and the exact point ids and coordinates, so changed inputs never hit a stale matrix.
    Every entry is checked on read (ids, shape, values, sha256 checksum); a bad entry is recomputed and
    replaced, with one warning line.
    """
    if cache_dir is not None:
        path = Path(cache_dir) / f"tt-{cache_key(source, origins, destinations)}.npz"
        if (tm := memo_get(path)) is not None:
            return tm
        if path.exists():
            try:
                return memo_put(path, _read_entry(path, origins, destinations))
            except CacheEntryInvalid as exc:
                warnings.warn(f"travel-time cache entry {path.name} is invalid ({exc}); recomputing it",
                              RuntimeWarning, stacklevel=2)
    tm = source.compute(origins, destinations)
    if cache_dir is not None:
        _write_entry(path, tm)  # uncompressed: loading is faster than inflating (#13)
        tm = memo_put(path, tm)
    return tm

