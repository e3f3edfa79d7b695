"""Issue 17, case 5: `sundhed solve` runs the checks of `sundhed data check` on every load, including
plausibility (published totals, provenance counts, every kommune covered). Damaged copies of the shipped data
(``$SUNDHED_DATA_DIR``) in fresh processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _copy(tmp_path) -> Path:
    from sundhed.geodata import io

    dst = tmp_path / "data"
    shutil.copytree(io.DATA_DIR, dst)
    return dst


def _cut_population(data: Path) -> None:
    """Hjørring 64,155 -> 644 in the population file the loader reads (DST 2021Q1, the default year)."""
    from sundhed.geodata import io, population

    f = data / Path(population.POP_2021_FILE).relative_to(io.DATA_DIR)
    text = f.read_text(encoding="utf-8")
    assert text.count('"Hjørring","Region Nordjylland",64155,') == 1
    f.write_text(text.replace('"Hjørring","Region Nordjylland",64155,', '"Hjørring","Region Nordjylland",644,'),
                 encoding="utf-8")


def _halve_lines(f: Path) -> None:
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    f.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")


def _halve_geonames(data: Path) -> None:
    _halve_lines(data / "geonames" / "dk_places_pop500.csv")


def _halve_roads(data: Path) -> None:
    f = data / "osm_skeleton" / "dk_highways_edges.geojson"
    gj = json.loads(f.read_text(encoding="utf-8"))
    gj["features"] = gj["features"][: len(gj["features"]) // 2]
    f.write_text(json.dumps(gj), encoding="utf-8")


def _run(args, data: Path, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SUNDHED_DATA_DIR": str(data), "SUNDHED_CACHE": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "sundhed.cli", *args], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)


@pytest.mark.parametrize("damage,needle", [
    (_cut_population, "population total 5,776,534 (2021) equals the published national figure 5,840,045"),
    (_halve_geonames, "GeoNames places: 252 rows (provenance 505"),
    (_halve_roads, "road skeleton edges: 513"),
])
def test_solve_refuses_implausible_data_like_data_check(tmp_path, damage, needle):
    data = _copy(tmp_path)
    damage(data)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[output]\ndir = "out"\n', encoding="utf-8")
    solve = _run(["solve", str(cfg), "--no-map"], data, tmp_path)
    assert solve.returncode == 3, solve.stdout + solve.stderr
    assert needle in solve.stderr and "Traceback" not in solve.stderr
    assert len(solve.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    check = _run(["data", "check", "--no-travel"], data, tmp_path)
    assert check.returncode == 1 and "FAIL  " + needle.split(" (")[0] in check.stdout


def test_plausibility_passes_on_the_shipped_data(ds):
    from sundhed.geodata.plausibility import plausibility_checks

    results = plausibility_checks(ds)
    assert len(results) >= 8 and all(ok for ok, _ in results), [t for ok, t in results if not ok]
