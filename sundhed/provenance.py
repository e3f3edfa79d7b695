"""Provenance of a result: data version, code version, solver and package versions, git commit.

* :func:`data_version`: sha256 over the relative path and bytes of every file under ``geodata/data``
  (the shipped inputs), 16 hex chars. Any changed, added or removed data file changes it.
* :func:`code_version`: the package version and a sha256 over the source of every module of the
  installed ``sundhed`` namespace (so an edited model or loader never reuses old sweep results).
* :func:`provenance`: both, plus solver/package versions and the git commit when the code is in a checkout;
  written into every summary.json and scenario.json beside the config hash.

Hashes are memoised per process on (path, size, mtime) so a sweep does not rehash 3 MB per scenario.
"""
from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

#: Bump when a cache or result format changes in a way the source hash cannot see.
FORMAT_VERSION = 1

PACKAGES = ("sundhed-planner", "highspy", "pyomo", "numpy", "pandas", "scipy", "geopandas", "shapely",
            "networkx", "pydantic", "folium", "pyarrow")


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


def _package_roots() -> list[Path]:
    import sundhed
    import sundhed.geodata
    import sundhed.maps
    import sundhed.model
    import sundhed.solvers

    return [Path(m.__file__).parent for m in (sundhed, sundhed.geodata, sundhed.model, sundhed.solvers, sundhed.maps)]


def source_hash(*modules) -> str:
    """sha256 (16 hex chars) of the source files of the given modules (objects with ``__file__``)."""
    h = hashlib.sha256(str(FORMAT_VERSION).encode())
    for m in modules:
        p = Path(m.__file__)
        h.update(p.name.encode() + b"\0" + hash_file(p).encode())
    return h.hexdigest()[:16]


def code_version() -> str:
    """Package version + hash of every ``.py`` file of the sundhed namespace, e.g. ``0.1.0+3f2a...``."""
    h = hashlib.sha256(str(FORMAT_VERSION).encode())
    for root in _package_roots():
        h.update(hash_tree(root, "*.py").encode())
    return f"{_version('sundhed-planner')}+{h.hexdigest()[:12]}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The checkout's commit (with ``-dirty`` when files differ), or None outside a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def provenance() -> dict:
    """What produced a result: ``data_version``, ``code_version``, ``git_commit``, ``solver`` and ``packages``."""
    return {"data_version": data_version(), "code_version": code_version(), "git_commit": git_commit(),
            "solver": f"HiGHS (highspy {_version('highspy')})", "packages": {p: _version(p) for p in PACKAGES}}
