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

from sundhed.geodata.hashing import FORMAT_VERSION, data_version, hash_file, hash_tree, source_hash

__all__ = ["FORMAT_VERSION", "code_version", "data_version", "git_commit", "hash_file", "hash_tree", "provenance",
           "source_hash"]

PACKAGES = ("sundhed-planner", "highspy", "pyomo", "numpy", "pandas", "scipy", "geopandas", "shapely",
            "networkx", "pydantic", "folium", "pyarrow")


def _package_roots() -> list[Path]:
    """The folders of the sundhed namespace, found without executing the packages' ``__init__`` (importing
    ``sundhed.maps`` would load folium, 0.3 CPU s, before a solve that may never draw a map)."""
    from importlib.util import find_spec

    roots = []
    for name in ("sundhed", "sundhed.geodata", "sundhed.model", "sundhed.solvers", "sundhed.maps"):
        spec = find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(f"package {name} not found")
        roots.append(Path(list(spec.submodule_search_locations)[0]))
    return roots


def code_version() -> str:
    """Package version + hash of every ``.py`` file of the sundhed namespace, e.g. ``0.1.0+3f2a...``."""
    h = hashlib.sha256(str(FORMAT_VERSION).encode())
    for root in _package_roots():
        h.update(hash_tree(root, "*.py").encode())
    return f"{_version('sundhed-planner')}+{h.hexdigest()[:12]}"


@lru_cache(maxsize=None)
def _version(dist: str) -> str:
    """The installed version of distribution ``dist`` (read once per process: about 6 ms a lookup)."""
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
