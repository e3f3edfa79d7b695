"""Checked readers: every file read by geodata goes through here so errors name file and row."""
from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from sundhed.geodata.errors import DataError

if TYPE_CHECKING:  # pandas and geopandas are imported where used: `sundhed --help` needs neither
    import geopandas as gpd
    import pandas as pd

#: The shipped data folder; ``$SUNDHED_DATA_DIR`` points the loaders at a copy (tests of damaged data).
DATA_DIR = Path(os.environ.get("SUNDHED_DATA_DIR") or Path(__file__).resolve().parent / "data")


def data_path(*parts: str) -> Path:
    """Path of a file shipped in geodata/data/."""
    return DATA_DIR.joinpath(*parts)


def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "file is empty")


def read_csv_checked(path: str | Path, required: Iterable[str], **kwargs) -> pd.DataFrame:
    """Read a CSV and check that the ``required`` columns are there.

    pandas/parser errors are turned into :class:`DataError` naming the file (and the line when the
    parser reports it).
    """
    import pandas as pd

    path = Path(path)
    _require_file(path)
    try:
        df = pd.read_csv(path, **kwargs)
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not valid text in the expected encoding ({exc.reason})") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise DataError(path, f"cannot be parsed as CSV: {str(exc).splitlines()[0]}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}; found {list(df.columns)}")
    return df


def numeric_column(df: pd.DataFrame, column: str, path: str | Path, *, integer: bool = False,
                   allow_missing: bool = False, minimum: float | None = None) -> pd.Series:
    """Return ``df[column]`` as numbers; a non-numeric cell raises DataError naming its row."""
    import pandas as pd

    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & (raw.notna() if allow_missing else True)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(path, f"column '{column}' has a non-numeric value {raw.iloc[i]!r}", row=i + 1)
    if minimum is not None:
        low = values < minimum
        if low.any():
            i = int(low.to_numpy().nonzero()[0][0])
            raise DataError(path, f"column '{column}' value {raw.iloc[i]!r} is below {minimum}", row=i + 1)
    if integer:
        frac = values.notna() & (values != values.round())
        if frac.any():
            i = int(frac.to_numpy().nonzero()[0][0])
            raise DataError(path, f"column '{column}' value {raw.iloc[i]!r} is not a whole number", row=i + 1)
        return values.astype("Int64" if allow_missing else "int64")
    return values.astype(float)


def read_vector_checked(path: str | Path, required: Iterable[str]) -> gpd.GeoDataFrame:
    """Read a GeoJSON/vector file; a corrupt file raises DataError naming it."""
    import geopandas as gpd

    path = Path(path)
    _require_file(path)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several error classes for corrupt files
        raise DataError(path, f"cannot be read as a vector file: {str(exc).splitlines()[0]}") from None
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise DataError(path, f"missing field(s) {missing}; found {list(gdf.columns)}")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf


@contextmanager
def atomic_replace(path: str | Path) -> Iterator[Path]:
    """Yield a uniquely named temporary path beside ``path``; on success it replaces ``path`` with
    ``os.replace`` (atomic; two processes never share a temporary file), on any error it is removed and
    ``path`` is untouched. The one atomic-write mechanism of the project (cache entries, output files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
