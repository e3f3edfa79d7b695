"""Safe output: checked output folders, atomic files, no writes through symlinks, stale files reported.

Rules (README, "Output folders"):

* ``output.dir`` from a config (or ``out_dir`` from a sweep file) must be a relative path inside the working
  directory with no ``..``; ``--allow-outside-cwd`` lifts that. A folder typed with ``--out`` on the command
  line is the user's explicit choice and may be anywhere.
* No symlink is followed: the output folder, its subfolders and the files in them must not be symlinks
  (a file that is a symlink is replaced by a plain file, never written through).
* The folder is created and tested for writing *before* anything is solved.
* Every file is first written to a staging folder inside the output folder and moved into place with
  ``os.replace`` (atomic on one file system): a full disk or a crash leaves the earlier files intact,
  never a truncated map.html or a 0-byte summary.json.
* After a run, files written by an earlier run that this run did not write (listed in ``.sundhed-files.json``,
  or known result names) are removed; other files are kept. Both are reported.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sundhed.geodata.io import atomic_replace

MANIFEST = ".sundhed-files.json"
STAGING_PREFIX = ".sundhed-staging-"
#: Files `sundhed solve` writes (relative to output.dir): an earlier run's copy that this run does not
#: rewrite is stale and removed even without a manifest (results of older versions).
KNOWN_OUTPUTS = frozenset({
    "assignment.csv", "catchments.csv", "summary.json", "map.html", "map.en.html", "scenario.json",
    "houses/sites.csv", "houses/kommuner.csv", "houses/catchments.csv", "houses/summary.json", "houses/map.html",
    "houses/demand.csv", "houses/assignment.csv",
    "akutbiler/new_units.csv", "akutbiler/regions.csv", "akutbiler/catchments.csv", "akutbiler/summary.json",
    "akutbiler/map.html", "akutbiler/demand.csv", "akutbiler/stations.csv", "akutbiler/simulation.json",
    "akutbiler/simulation_regions.csv", "akutbiler/simulation_kommuner.csv",
})


class OutputError(ValueError):
    """An output folder is refused or not writable; the message is one printable line."""


def _no_symlink_below(base: Path, rel: Path) -> None:
    cur = base
    for part in rel.parts:
        cur = cur / part
        if cur.is_symlink():
            raise OutputError(f"{cur}: is a symlink; sundhed never writes through symlinks (use a real folder)")


def resolve_output_dir(path: str | Path, *, explicit: bool = False, allow_outside: bool = False,
                       cwd: Path | None = None) -> Path:
    """The absolute output folder for ``path``, or OutputError.

    ``explicit``: the path was typed on the command line (``--out``), so it may be anywhere.
    ``allow_outside``: ``--allow-outside-cwd``, the same for ``output.dir`` / ``out_dir`` from a file."""
    cwd = Path.cwd() if cwd is None else cwd
    raw = Path(path)
    if str(path).strip() == "":
        raise OutputError("output folder is empty; give a folder name")
    free = explicit or allow_outside
    if not free:
        if ".." in raw.parts:
            raise OutputError(f"output folder {str(path)!r} contains '..'; output.dir must stay inside the "
                              "working directory (or pass --allow-outside-cwd, or --out DIR)")
        if raw.is_absolute():
            try:
                raw.resolve().relative_to(cwd.resolve())
            except ValueError:
                raise OutputError(f"output folder {str(path)!r} is outside the working directory {cwd}; pass "
                                  "--allow-outside-cwd to allow it, or --out DIR") from None
    out = raw if raw.is_absolute() else cwd / raw
    try:
        rel = out.relative_to(cwd)
    except ValueError:  # outside the working directory: the folder itself must not be a symlink
        rel = None
    if rel is not None:
        _no_symlink_below(cwd, rel)
    elif out.is_symlink():
        raise OutputError(f"{out}: is a symlink; sundhed never writes through symlinks (use a real folder)")
    return Path(os.path.abspath(out))


@dataclass
class CommitReport:
    """What one run did to its output folder (paths relative to it)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def lines(self, out: Path, limit: int = 8) -> list[str]:
        def few(xs: list[str]) -> str:
            return ", ".join(xs[:limit]) + (f" and {len(xs) - limit} more" if len(xs) > limit else "")

        msg = []
        if self.removed:
            msg.append(f"removed {len(self.removed)} file(s) of an earlier run from {out}: {few(self.removed)}")
        if self.kept:
            msg.append(f"kept {len(self.kept)} other file(s) in {out} (not written by sundhed): {few(self.kept)}")
        return msg


class OutputDir:
    """An output folder checked before solving and written through a staging folder.

    >>> out = OutputDir.prepare("results/x")      # before the solve: refuses bad folders
    >>> stage = out.stage()                        # writers write here (same layout as the output)
    >>> report = out.commit()                      # atomic moves, stale files removed, manifest written
    """

    def __init__(self, path: Path, created: list[Path]):
        self.path = path
        self._created = created
        self._staging: Path | None = None
        self._last_staging: Path | None = None

    @classmethod
    def prepare(cls, path: str | Path, *, explicit: bool = False, allow_outside: bool = False,
                subdirs: tuple[str, ...] = ("houses", "akutbiler")) -> "OutputDir":
        """Resolve, check, create and test for writing (a probe file is written and removed)."""
        out = resolve_output_dir(path, explicit=explicit, allow_outside=allow_outside)
        for sub in subdirs:
            if (out / sub).is_symlink():
                raise OutputError(f"{out / sub}: is a symlink; sundhed never writes through symlinks")
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        created: list[Path] = []
        p = out
        while not p.exists():
            created.append(p)
            p = p.parent
        try:
            out.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=out, prefix=".sundhed-probe-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            for d in created:
                try:
                    d.rmdir()
                except OSError:
                    pass
            raise OutputError(f"{out}: cannot write to the output folder ({exc.strerror or exc})") from None
        return cls(out, created[::-1])

    def stage(self) -> Path:
        """A fresh staging folder inside the output folder (removed by commit or abort)."""
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(dir=self.path, prefix=STAGING_PREFIX))
            self._last_staging = self._staging
        return self._staging

    def final(self, staged: str | Path) -> Path:
        """Where a file written in the staging folder ends up."""
        p = Path(staged)
        if self._last_staging is not None:
            try:
                return self.path / p.relative_to(self._last_staging)
            except ValueError:
                pass
        return p

    def abort(self) -> None:
        """Drop the staging folder, and the output folder itself when this run created it and it is empty."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        for d in reversed(self._created):
            try:
                d.rmdir()
            except OSError:
                break

    def _previous(self) -> set[str]:
        try:
            listed = json.loads((self.path / MANIFEST).read_text(encoding="utf-8")).get("files", [])
        except (OSError, ValueError, AttributeError):
            listed = []
        return {str(x) for x in listed if isinstance(x, str)}

    def commit(self, remove_stale: bool = True) -> CommitReport:
        """Move every staged file into place (atomically, never through a symlink), remove the earlier
        run's files that were not rewritten, write the manifest and report. ``remove_stale=False`` only adds
        files (``sundhed map`` re-rendering maps beside the stored plans)."""
        if self._staging is None:
            raise RuntimeError("nothing staged")
        stage = self._staging
        rel_files = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
        try:
            for rel in rel_files:
                dest = self.path / rel
                _no_symlink_below(self.path, Path(rel).parent)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, dest)  # replaces a symlink itself, never its target
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            self._staging = None
        report = CommitReport(written=rel_files)
        if not remove_stale:
            return report
        new = set(rel_files)
        stale_candidates = self._previous() | KNOWN_OUTPUTS
        for rel in sorted(stale_candidates - new):
            p = self.path / rel
            if p.is_file() or p.is_symlink():
                try:
                    _no_symlink_below(self.path, Path(rel).parent)
                    p.unlink()
                    report.removed.append(rel)
                except (OSError, OutputError):
                    report.kept.append(rel)
        for p in sorted(self.path.rglob("*")):
            rel = str(p.relative_to(self.path))
            if (p.is_file() and rel not in new and rel != MANIFEST and rel not in report.removed
                    and not rel.startswith((STAGING_PREFIX, ".sundhed-probe-"))):
                report.kept.append(rel)
        write_text_atomic(self.path / MANIFEST, json.dumps({"files": rel_files}, indent=1))
        return report


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a unique temporary path beside ``path``; on success it replaces ``path`` atomically (a symlink
    at ``path`` is replaced, not followed); on any error it is removed and ``path`` is untouched."""
    path = Path(path)
    if path.parent.is_symlink():
        raise OutputError(f"{path.parent}: is a symlink; sundhed never writes through symlinks")
    with atomic_replace(path) as tmp:
        yield tmp


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text through :func:`atomic_output` (fsync'ed before the rename)."""
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)
