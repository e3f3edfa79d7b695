"""Reading a user's catchment plan (``sundhed evaluate PLAN.csv``), strictly.

Columns ``kode`` (or ``code``): a kommune code, a whole number; ``catchment``: an akutsygehus short name.
Every problem is an error naming the data rows (1-based, header excluded): a duplicated kommune (never
"the last row wins"), an unknown kommune code or akutsygehus, a code that is not a whole number (101.5
is never read as 101), an empty cell, and kommuner the plan leaves out.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sundhed.config import MAX_CONFIG_BYTES
from sundhed.geodata.errors import DataError

#: A plan has 98 rows; anything past 1 MB is not a plan.
MAX_PLAN_BYTES = MAX_CONFIG_BYTES


def _rows(mask) -> str:
    idx = [int(i) + 1 for i in mask.to_numpy().nonzero()[0]]
    shown = ", ".join(map(str, idx[:10])) + (f" and {len(idx) - 10} more" if len(idx) > 10 else "")
    return f"row{'s' if len(idx) > 1 else ''} {shown}"


def read_plan_csv(path: str | Path, kommune_codes, hospitals) -> dict[int, str]:
    """``{kommune code: catchment}`` from a plan CSV; DataError (one line, naming rows) on any problem."""
    from sundhed.geodata.io import read_csv_checked

    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_PLAN_BYTES:
        raise DataError(path, f"{path.stat().st_size:,} bytes; a plan file is at most {MAX_PLAN_BYTES:,} bytes")
    df = read_csv_checked(path, [], dtype=str, keep_default_na=False)
    code_col = "kode" if "kode" in df.columns else "code"
    if not {code_col, "catchment"} <= set(df.columns):
        raise DataError(path, f"needs columns 'kode' (or 'code') and 'catchment'; found {list(df.columns)}")
    raw = df[code_col].str.strip()
    cat = df["catchment"].str.strip()
    empty = (raw == "") | (cat == "")
    if empty.any():
        raise DataError(path, f"empty '{code_col}' or 'catchment' in {_rows(empty)}")
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() | (num != num.round())
    if bad.any():
        first = raw[bad].iloc[0]
        raise DataError(path, f"'{code_col}' must be a whole kommune code; {_rows(bad)} ({first!r})")
    codes = num.astype("int64")
    known = set(int(k) for k in kommune_codes)
    unknown = ~codes.isin(known)
    if unknown.any():
        raise DataError(path, f"unknown kommune code(s) {sorted(set(codes[unknown]))} in {_rows(unknown)}")
    dup = codes.duplicated(keep=False)
    if dup.any():
        first = int(codes[dup].iloc[0])
        raise DataError(path, f"kommune {first} appears more than once: {_rows(codes == first)}"
                        + (f"; {codes[dup].nunique()} kommuner are duplicated" if codes[dup].nunique() > 1 else ""))
    hosp = set(hospitals)
    unknown_h = ~cat.isin(hosp)
    if unknown_h.any():
        raise DataError(path, f"unknown akutsygehus {sorted(set(cat[unknown_h]))} in {_rows(unknown_h)}; "
                        f"known: {', '.join(sorted(hosp))}")
    missing = sorted(known - set(codes))
    if missing:
        raise DataError(path, f"{len(missing)} kommune(r) missing from the plan: {missing[:10]}"
                        + (" ..." if len(missing) > 10 else ""))
    return dict(zip(codes.tolist(), cat.tolist()))
