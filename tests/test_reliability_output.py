"""Issue 17, case 8: output safety. No writes outside the folder, never through a symlink, the folder is
checked before solving, every file atomic (a failed write leaves the earlier files intact), earlier files
removed or kept and reported."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from sundhed.cli import EXIT_IO, EXIT_USAGE, main
from sundhed.safe_io import MANIFEST, OutputDir, OutputError, atomic_output, resolve_output_dir


def _no_solve(monkeypatch):
    """Fail loudly if a scenario is solved (the folder must be refused first)."""
    import sundhed.scenario

    def boom(*a, **k):
        raise AssertionError("solved before the output folder was checked")

    monkeypatch.setattr(sundhed.scenario, "run_scenario", boom)


def _refused(tmp_path, capsys, monkeypatch, cfg_text: str, *extra: str) -> str:
    _no_solve(monkeypatch)
    cfg = tmp_path / "c.toml"
    cfg.write_text(cfg_text, encoding="utf-8")
    assert main(["solve", str(cfg), "--no-map", *extra]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_output_dir_with_dotdot_refused_before_solving(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    err = _refused(tmp_path, capsys, monkeypatch, '[output]\ndir = "../escaped"\n')
    assert "contains '..'" in err and not (tmp_path / "escaped").exists()


def test_absolute_output_dir_outside_cwd_refused(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    target = tmp_path / "etc" / "sundhed"
    err = _refused(tmp_path, capsys, monkeypatch, f'[output]\ndir = "{target}"\n')
    assert "outside the working directory" in err and "--allow-outside-cwd" in err
    assert not target.exists() and not target.parent.exists()


def test_allow_outside_cwd_and_explicit_out(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert resolve_output_dir(tmp_path / "x", allow_outside=True) == tmp_path / "x"
    assert resolve_output_dir(tmp_path / "x", explicit=True) == tmp_path / "x"
    assert resolve_output_dir("sub/dir") == work / "sub" / "dir"
    assert resolve_output_dir(work / "in") == work / "in"  # absolute but inside the working directory
    with pytest.raises(OutputError):
        resolve_output_dir("a/../../b")


def test_symlinked_output_dir_refused(tmp_path, capsys, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "results").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(work)
    err = _refused(tmp_path, capsys, monkeypatch, '[output]\ndir = "results/x"\n')
    assert "is a symlink" in err and list(outside.iterdir()) == []


def test_symlinked_subfolder_refused(tmp_path, capsys, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "houses").symlink_to(outside, target_is_directory=True)
    err = _refused(tmp_path, capsys, monkeypatch, "", "--out", str(out))
    assert "houses: is a symlink" in err and list(outside.iterdir()) == []


def test_symlinked_file_is_replaced_never_written_through(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "assignment.csv").symlink_to(victim)
    assert main(["evaluate", "baseline", "--out", str(out)]) == 0
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "assignment.csv").is_symlink() and len(pd.read_csv(out / "assignment.csv")) == 98


def test_unwritable_folder_fails_before_solving_in_one_line(tmp_path, capsys, monkeypatch):
    import tempfile

    real = tempfile.mkstemp

    def read_only(*a, **k):
        if str(k.get("prefix", "")).startswith(".sundhed-probe-"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*a, **k)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "ro" / "out"
    err = _refused(tmp_path, capsys, monkeypatch, "", "--out", str(out))
    assert "cannot write to the output folder (Permission denied)" in err
    assert not (tmp_path / "ro").exists()  # the folders this run created are removed again


def test_output_path_that_is_a_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "f").write_text("x")
    err = _refused(tmp_path, capsys, monkeypatch, "", "--out", str(tmp_path / "f"))
    assert "is not a folder" in err


def test_full_disk_leaves_earlier_files_intact(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert main(["evaluate", "baseline", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def full_disk(self, path=None, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file: half written, then the disk is full
            Path(path).write_text("kode,catch", encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    capsys.readouterr()
    assert main(["evaluate", "baseline", "--out", str(out)]) == EXIT_IO
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing truncated, no staging left


def test_atomic_output_failure_keeps_old_file(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text('{"old": true}', encoding="utf-8")
    with pytest.raises(OSError):
        with atomic_output(target) as tmp:
            tmp.write_text("{", encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text(encoding="utf-8") == '{"old": true}' and os.listdir(tmp_path) == ["summary.json"]


def test_earlier_files_removed_or_kept_and_reported(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "houses").mkdir(parents=True)
    (out / "houses" / "sites.csv").write_text("stale house plan", encoding="utf-8")  # another model's run
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # the user's own file
    assert main(["evaluate", "baseline", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "removed 1 file(s) of an earlier run" in printed and "houses/sites.csv" in printed
    assert "kept 1 other file(s)" in printed and "notes.txt" in printed
    assert not (out / "houses" / "sites.csv").exists() and (out / "notes.txt").read_text() == "mine"
    assert (out / MANIFEST).exists()


def test_manifest_removes_files_only_an_earlier_run_wrote(tmp_path):
    out = OutputDir.prepare(tmp_path / "o", explicit=True)
    s = out.stage()
    (s / "extra.csv").write_text("1")
    (s / "map.html").write_text("<html>")
    assert out.commit().written == ["extra.csv", "map.html"]
    out2 = OutputDir.prepare(tmp_path / "o", explicit=True)
    (out2.stage() / "map.html").write_text("<html>2")
    rep = out2.commit()
    assert rep.removed == ["extra.csv"] and rep.kept == [] and (tmp_path / "o" / "map.html").read_text() == "<html>2"


def test_solve_writes_every_file_through_the_staging_folder(tmp_path, capsys):
    """A real solve: every file lands in the folder, no staging or temporary file is left, manifest lists all."""
    import json

    cfg = tmp_path / "a.toml"
    cfg.write_text('model = "akutbiler"\nregions = ["Nordjylland"]\n[akutbiler]\nk = 1\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(cfg), "--out", str(out)]) == 0
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(listed + [MANIFEST]) == files
    assert {"scenario.json", "akutbiler/summary.json", "akutbiler/map.html", "akutbiler/new_units.csv"} <= set(files)
    assert not [f for f in files if ".tmp" in f or "staging" in f]
    printed = capsys.readouterr().out
    assert f"wrote ems_map: {out / 'akutbiler' / 'map.html'}" in printed
