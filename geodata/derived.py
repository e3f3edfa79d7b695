"""The slow geometry steps of loading the shipped data, done once per data version and cached on disk.

Two derived tables:

* the 98 kommune polygons of :func:`sundhed.geodata.kommuner.load_kommuner` (read the 311 DAGI polygons,
  reproject, ``make_valid``, dissolve: about 0.3 CPU s), and
* their shared land borders, :func:`sundhed.geodata.adjacency.land_border_pairs` (buffered boundary
  intersections: about 0.55 CPU s),

which together were about 80 % of :func:`sundhed.geodata.dataset.build_dataset`. Each is stored under the
travel-time cache folder (``$SUNDHED_CACHE``) as Parquet (GeoParquet for the polygons; never pickle), named by a
sha256 of the input files' bytes, the source of the code that derives it and the versions of pandas, geopandas,
shapely/GEOS and pyproj, so a changed input, code or geometry library never hits an old entry. Every entry is
checked on read (columns, CRS, a sha256 checksum of its values stored in the file); an entry that fails is
rebuilt and replaced, with one warning line. ``cache_dir=None`` disables the cache.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sundhed.geodata.hashing import FORMAT_VERSION, hash_file, source_hash
from sundhed.geodata.io import atomic_replace

if TYPE_CHECKING:
    import pandas as pd

#: Parquet key-value metadata entry that holds the checksum of an entry's values.
_CHECKSUM_KEY = b"sundhed_checksum"
KOMMUNER_COLUMNS = ["kode", "navn", "region", "areal_km2", "geometry"]
BORDER_COLUMNS = ["a", "b", "shared_m"]


class DerivedEntryInvalid(ValueError):
    """A cached derived table failed its checks (unreadable, columns, CRS or checksum)."""


def _library_versions() -> str:
    import geopandas
    import pandas
    import pyproj
    import shapely

    return f"pandas {pandas.__version__}; geopandas {geopandas.__version__}; shapely {shapely.__version__} " \
           f"(GEOS {shapely.geos_version_string}); pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str})"


def entry_key(name: str, inputs: list[Path], code: list, extra: str = "") -> str:
    """sha256 (24 hex chars) of the entry name, the input files' bytes, the source of the ``code`` modules,
    the library versions and ``extra`` (e.g. the checksum of an input table)."""
    blob = json.dumps({"name": name, "format": FORMAT_VERSION, "inputs": [hash_file(p) for p in inputs],
                       "code": source_hash(*code), "libs": _library_versions(), "extra": extra}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def frame_checksum(df: pd.DataFrame) -> str:
    """sha256 over the column names, the text of every non-geometry value and the WKB of every geometry."""
    import pandas as pd

    h = hashlib.sha256(json.dumps([str(c) for c in df.columns]).encode())
    cols = [c for c in df.columns if c != "geometry"]
    h.update(pd.util.hash_pandas_object(df[cols].astype(str), index=False).to_numpy().tobytes())
    if "geometry" in df:
        import shapely

        h.update(b"".join(shapely.to_wkb(df.geometry.values, hex=False, output_dimension=2)))
    return h.hexdigest()


def _write(path: Path, df: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_replace(path) as tmp:
        if "geometry" in df:  # GeoParquet as geopandas writes it, then the checksum added to its metadata
            df.to_parquet(tmp, index=False)
            table = pq.read_table(tmp)
        else:
            table = pa.Table.from_pandas(df, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_CHECKSUM_KEY] = frame_checksum(df).encode()
        pq.write_table(table.replace_schema_metadata(meta), tmp)


def _read(path: Path, columns: list[str], crs: int | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        stored = (pq.read_schema(path).metadata or {}).get(_CHECKSUM_KEY)
        if crs is not None:
            import geopandas as gpd

            df = gpd.read_parquet(path)
        else:
            import pandas as pd

            df = pd.read_parquet(path)
    except Exception as exc:
        raise DerivedEntryInvalid(f"unreadable ({type(exc).__name__})") from None
    if stored is None:
        raise DerivedEntryInvalid("no checksum")
    if list(df.columns) != columns:
        raise DerivedEntryInvalid(f"columns {list(df.columns)}, expected {columns}")
    if crs is not None and (df.crs is None or df.crs.to_epsg() != crs):
        raise DerivedEntryInvalid(f"CRS {df.crs}, expected EPSG:{crs}")
    if frame_checksum(df) != stored.decode():
        raise DerivedEntryInvalid("checksum mismatch (altered values)")
    return df


def cached_table(name: str, inputs: list[Path], code: list, build: Callable[[], pd.DataFrame],
                 columns: list[str], crs: int | None = None, extra: str = "",
                 cache_dir: str | Path | None = None) -> pd.DataFrame:
    """``build()``, or its cached copy. ``inputs``: the files it reads; ``code``: the modules whose source
    decides its result; ``extra``: anything else it depends on; ``columns``/``crs``: what a valid entry holds
    (``crs`` for a GeoDataFrame). ``cache_dir``: default ``$SUNDHED_CACHE`` (the travel-time cache folder)."""
    if cache_dir is None:
        from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR

        cache_dir = DEFAULT_CACHE_DIR
    path = Path(cache_dir) / f"{name}-{entry_key(name, inputs, code, extra)}.parquet"
    if path.exists():
        try:
            return _read(path, columns, crs)
        except DerivedEntryInvalid as exc:
            warnings.warn(f"derived-data cache entry {path.name} is invalid ({exc}); rebuilding it",
                          RuntimeWarning, stacklevel=2)
    df = build()
    if list(df.columns) != columns:
        raise ValueError(f"{name}: built columns {list(df.columns)}, expected {columns}")
    _write(path, df)
    return df


def kommuner():
    """:func:`sundhed.geodata.kommuner.load_kommuner` of the shipped files, from the cache when it holds them."""
    from sundhed.geodata import io, names
    from sundhed.geodata import kommuner as k

    return cached_table("kommuner", [k.KOMMUNER_FILE, k.REGIONS_FILE], [k, names, io], k.load_kommuner,
                        KOMMUNER_COLUMNS, crs=k.CRS_METRIC)


def land_borders(kommuner_gdf) -> pd.DataFrame:
    """:func:`sundhed.geodata.adjacency.land_border_pairs` of ``kommuner_gdf``, from the cache when it holds
    them (keyed by the polygons' checksum and the source of adjacency.py)."""
    from sundhed.geodata import adjacency

    return cached_table("land-borders", [], [adjacency], lambda: adjacency.land_border_pairs(kommuner_gdf),
                        BORDER_COLUMNS, extra=frame_checksum(kommuner_gdf[KOMMUNER_COLUMNS]))
