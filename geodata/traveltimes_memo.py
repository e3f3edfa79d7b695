"""Travel-time cache entries kept in memory by the process that read (or wrote) them (#14): a sweep asks for
the same two or three matrices in every scenario, and reading and checking one costs about 0.06 s. Used by
:func:`sundhed.geodata.traveltimes.travel_times`; an entry is read again when its file changes."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sundhed.geodata.traveltimes import TravelMatrix


#: Entries this process has read and checked (or written): path -> (file signature, matrix). A sweep reads
#: the same two or three entries for every scenario; reading and checking one costs about 0.06 s (#14).
_MEMO: dict[Path, tuple[tuple[int, int, int], TravelMatrix]] = {}
_MEMO_MAX = 16


def _signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime in ns) of ``path``, or None when it is gone: a replaced or altered file has another."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def memo_get(path: Path) -> TravelMatrix | None:
    """The matrix read from ``path`` earlier in this process, if the file is still the one read."""
    hit = _MEMO.get(path)
    if hit is None or hit[0] != _signature(path):
        _MEMO.pop(path, None)
        return None
    return hit[1]


def memo_put(path: Path, tm: TravelMatrix) -> TravelMatrix:
    """Remember ``tm`` (checked, just read or written at ``path``) with read-only arrays: every caller shares
    them, so one that wrote into a matrix would change the next scenario's input; it gets an error instead."""
    sig = _signature(path)
    if sig is None:
        return tm
    for a in (tm.minutes, tm.minutes_no_ferry, tm.km, tm.km_no_ferry):
        a.flags.writeable = False
    while len(_MEMO) >= _MEMO_MAX:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[path] = (sig, tm)
    return tm
