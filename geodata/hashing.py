"""Content hashes of files and folders (sha256, 16 hex chars), memoised per process on (path, size, mtime).

Used by the travel-time cache key (geodata/traveltimes.py) and by the provenance of results
(sundhed/provenance.py): the data version is :func:`data_version`, the content hash of ``geodata/data``.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: Bump when a cache or result format changes in a way the source hash cannot see.
FORMAT_VERSION = 1


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def _stamp(files: list[Path], root: Path) -> tuple:
    out = []
    for p in files:
        st = p.stat()
        out.append((str(p.relative_to(root)), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=32)
def _hash_files(root: str, stamp: tuple) -> str:
    h = hashlib.sha256()
    base = Path(root)
    for rel, _, _ in stamp:
        h.update(rel.encode() + b"\0")
        with open(base / rel, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()[:16]


def hash_tree(root: str | Path, pattern: str = "*") -> str:
    """sha256 (16 hex chars) of every file matching ``pattern`` under ``root``: names and contents."""
    root = Path(root)
    files = _files(root, pattern)
    return _hash_files(str(root), _stamp(files, root))


def hash_file(path: str | Path) -> str:
    """sha256 (16 hex chars) of one file's bytes; ``"missing"`` when it does not exist."""
    path = Path(path)
    if not path.is_file():
        return "missing"
    return _hash_files(str(path.parent), _stamp([path], path.parent))


def data_version() -> str:
    """Content hash of the shipped data folder (``geodata/data``, or ``$SUNDHED_DATA_DIR``)."""
    from sundhed.geodata import io

    return hash_tree(io.DATA_DIR)


def source_hash(*modules) -> str:
    """sha256 (16 hex chars) of the source files of the given modules (objects with ``__file__``)."""
    h = hashlib.sha256(str(FORMAT_VERSION).encode())
    for m in modules:
        p = Path(m.__file__)
        h.update(p.name.encode() + b"\0" + hash_file(p).encode())
    return h.hexdigest()[:16]
