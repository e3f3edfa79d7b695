"""Reports of a result folder: maps per model and language, the one-page print summary, the PDF, xlsx/gpkg
exports, and the comparison of two folders. Functions over the folder's tables and summary.json files (the
numbers every report shows come from there), so `sundhed map`, `sundhed report` and `sundhed compare` never
re-solve a catchment plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def _model_dirs() -> dict[str, str]:
    from sundhed.steps import STEPS

    return {name: step.subdir for name, step in STEPS.items()}


#: Model -> the sub-folder of a result folder holding its plan ('' = the folder itself), from the step table.
MODEL_DIRS = _model_dirs()


def map_filename(lang: str) -> str:
    """``map.html`` for Danish (the default), ``map.<lang>.html`` otherwise (never overwrites the Danish)."""
    return "map.html" if lang == "da" else f"map.{lang}.html"


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def result_config(d: Path) -> dict:
    """The config dict of a result folder (scenario.json, else a summary.json's ``config``)."""
    d = Path(d)
    for p in (d / "scenario.json", d / "summary.json", d / "houses" / "summary.json", d / "akutbiler" / "summary.json"):
        if p.exists():
            data = read_json(p)
            return data.get("config", {})
    raise ValueError(f"{d}: no scenario.json or summary.json (run `sundhed solve` first)")


#: Models the summary page, the exports and the compare page know.
REPORTED_MODELS = ("catchments", "councils", "houses", "akutbiler")


def result_models(d: Path) -> list[str]:
    """Models whose results are in folder ``d`` (by their summary.json files, whose ``model`` must match: the
    catchment and council plans share the top folder) and that the reports know."""
    d = Path(d)
    out = []
    for m, sub in MODEL_DIRS.items():
        p = d / sub / "summary.json"
        if m in REPORTED_MODELS and p.exists() and read_json(p).get("model", m) == m:
            out.append(m)
    return out


def model_summary(d: Path, model: str) -> dict:
    return read_json(Path(d) / MODEL_DIRS[model] / "summary.json")


def plan_colours(ds, assignment: dict[int, str], hospitals) -> dict[str, str]:
    """Stable colours (see :mod:`sundhed.maps.colours`) of ``hospitals`` for a plan (kommune code -> catchment)."""
    from sundhed.maps.colours import catchment_colours

    return catchment_colours(
        [str(h) for h in hospitals], {int(k): str(v) for k, v in assignment.items()}, ds.adjacency.edges()
    )


def summary_filename(lang: str) -> str:
    return "summary.html" if lang == "da" else f"summary.{lang}.html"


def dataset_for(cfg: dict):
    """The dataset a result folder's config was solved on: its hospital sites, population year and region set."""
    from sundhed.geodata.councils import with_regions
    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.population import DEFAULT_POPULATION_YEAR

    ds = load_dataset(cfg.get("catchments", {}).get("hospital_sites", "current"),
                      cfg.get("data", {}).get("population_year", DEFAULT_POPULATION_YEAR))
    return with_regions(ds, int(cfg.get("regions_year", 2019)))


def write_summary_page(d: Path, lang: str = "da", ds=None) -> Path:
    """``summary.html`` (A4 print page) of result folder ``d`` from its tables and summary.json files."""
    from sundhed.maps.summary_page import render_summary_page

    d = Path(d)
    cfg = result_config(d)
    models = result_models(d)
    if not models:
        raise ValueError(f"{d}: no summary.json of any model (run `sundhed solve` first)")
    ds = ds if ds is not None else dataset_for(cfg)
    scen = d / "scenario.json"
    config_hash = read_json(scen).get("config_hash", "") if scen.exists() else ""
    maps = tuple(
        str(Path(MODEL_DIRS[m]) / map_filename(lang))
        for m in models
        if (d / MODEL_DIRS[m] / map_filename(lang)).exists()
    )
    return render_summary_page(
        ds,
        d,
        {m: model_summary(d, m) for m in models},
        d / summary_filename(lang),
        scenario=cfg.get("scenario", d.name),
        config_hash=config_hash,
        lang=lang,
        map_files=maps,
    )


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_CHROMIUM = (
    "no headless Chromium found (looked for {names} on PATH and $SUNDHED_CHROMIUM); install it "
    "(Debian/Ubuntu: `apt-get install chromium`; macOS: `brew install --cask chromium`) or open {html} "
    "in a browser and print it to PDF (A4, the page's own margins)"
)


def find_chromium() -> str | None:
    import os
    import shutil

    env = os.environ.get("SUNDHED_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def print_pdf(html: Path, pdf: Path, timeout_s: int = 300) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (A4 from the page's @page rule, offline). RuntimeError
    with instructions when no Chromium is installed or printing fails."""
    import subprocess
    import tempfile

    exe = find_chromium()
    if exe is None:
        raise RuntimeError(NO_CHROMIUM.format(names=", ".join(CHROMIUM_NAMES), html=html))
    pdf = Path(pdf)
    tmp = pdf.with_name(pdf.name + ".part")
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as prof:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={prof}",
            "--proxy-server=127.0.0.1:9",
            "--no-pdf-header-footer",
            "--virtual-time-budget=3000",
            f"--print-to-pdf={tmp}",
            Path(html).resolve().as_uri(),
        ]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"Chromium ({exe}) did not finish printing {html} within {timeout_s} s; open it in "
                               "a browser and print it to PDF instead") from None
    if r.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(
            f"Chromium ({exe}) could not print {html}: exit {r.returncode}; "
            f"{(r.stderr or '').strip().splitlines()[-1:] or ''}"
        )
    tmp.replace(pdf)
    return pdf


def load_side(d: Path):
    """A result folder as :class:`sundhed.maps.compare.Side` (its summaries and the tables compare needs)."""
    from sundhed.maps.compare import Side

    d = Path(d)
    models = result_models(d)
    if not models:
        raise ValueError(f"{d}: no summary.json of any model (not a result folder of `sundhed solve`)")
    files = {
        "assignment": "assignment.csv",
        "houses_sites": "houses/sites.csv",
        "houses_catchments": "houses/catchments.csv",
        "ems_new_units": "akutbiler/new_units.csv",
    }
    tables = {
        k: pd.read_csv(d / f, dtype={"site_id": str, "station_id": str}) for k, f in files.items() if (d / f).exists()
    }
    for k in ("houses_sites", "ems_new_units"):
        if k in tables and not {"x", "y"} <= set(tables[k].columns):
            raise ValueError(f"{d / files[k]} has no coordinates (x, y): re-run `sundhed solve` with this version")
    return Side(result_config(d).get("scenario", d.name), d, {m: model_summary(d, m) for m in models}, tables)


def compare_folders(a: Path, b: Path, out: Path, lang: str = "da", ds=None) -> Path:
    """``compare.html`` (``compare.<lang>.html``) of result folders ``a`` and ``b`` in ``out``."""
    from sundhed.maps.compare import render_compare

    A, B = load_side(a), load_side(b)
    ds = ds if ds is not None else dataset_for(result_config(b))
    name = "compare.html" if lang == "da" else f"compare.{lang}.html"
    return render_compare(ds, A, B, Path(out) / name, lang=lang)


# ------------------------------------------------------------------------------------------- real structures
def write_baseline_result(out: Path, ds=None) -> Path:
    """Table B.1 (2019) as a stored catchment plan (assignment.csv, catchments.csv with colours, summary.json
    with status ``table``, scenario.json), so it is mapped, printed, exported and compared like a solved one."""
    from sundhed.config import Config
    from sundhed.model.national import catchment_instance, catchment_rules
    from sundhed.model.evaluate import evaluate_plan
    from sundhed.solvers.catchments import CatchmentResult
    from sundhed.solvers.highs import SolveStats

    ds = ds if ds is not None else dataset_for({})
    cfg = Config.model_validate({"scenario": "Tabel B.1 (2019): regeringens forslag", "output": {"dir": str(out)}})
    c = cfg.catchments
    inst = catchment_instance(ds)
    rules = catchment_rules(inst, **c.rules_args())
    gp = dict(zip(ds.baseline_table["catchment"], ds.baseline_table["almen_praksis_kapaciteter"]))
    score = evaluate_plan(inst, dict(inst.baseline), rules, gp)
    record = {**cfg.model_dump(mode="json"), "config_hash": cfg.hash()}
    nan = float("nan")
    plan = CatchmentResult(
        dict(inst.baseline),
        score,
        [SolveStats("table", True, nan, nan, nan, 0.0)],
        {},
        config=record,
        band=rules.band,
        band_exceptions=rules.band_exceptions,
        table_b1=score.summary(),
        colours=plan_colours(ds, dict(inst.baseline), inst.hospitals),
    )
    out = Path(out)
    plan.write(out)
    (out / "scenario.json").write_text(
        json.dumps(
            {
                "config": cfg.model_dump(mode="json"),
                "config_hash": cfg.hash(),
                "source": "Tabel B.1, regeringens udspil 2019",
                "metrics": score.summary(),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return out


def write_council_result(out: Path, ds=None) -> Path:
    """The 17 real sundhedsråd of the 2027 regions (geodata/data/sundhedsraad_2027/) as a stored council plan
    (assignment.csv, councils.csv with colours, summary.json with status ``table`` and the default council
    band, scenario.json), scored by the council model's own rule (each kommune to the nearest akutsygehus of
    its council, population-weighted minutes), so it is mapped, printed, exported and compared like a solved
    council plan."""
    from sundhed.config import Config
    from sundhed.geodata.councils import UNVERIFIED, with_regions
    from sundhed.maps.colours import council_colours
    from sundhed.model.councils import CouncilRules, evaluate_councils
    from sundhed.model.national_councils import council_instance
    from sundhed.solvers.councils import CouncilResult
    from sundhed.solvers.highs import SolveStats

    cfg = Config.model_validate({"scenario": "Sundhedsråd 2027: de vedtagne 17 råd", "model": "councils",
                                 "regions_year": 2027, "output": {"dir": str(out)}})
    ds = with_regions(ds if ds is not None else dataset_for({}), 2027)
    inst = council_instance(ds)
    band = (float(cfg.councils.band[0]), float(cfg.councils.band[1])) if cfg.councils.band else None
    units, kom = evaluate_councils(inst, inst.reference, CouncilRules(band=band), UNVERIFIED)
    kom["reference"] = kom["code"].map(inst.reference)
    nan = float("nan")
    record = {**cfg.model_dump(mode="json"), "config_hash": cfg.hash(), "population_year": ds.population_year}
    roots = {k: (hs[0] if hs else "") for name, hs in zip(units["name"], units["hospitals"])
             for k in kom.loc[kom["council"] == name, "code"]}
    plan = CouncilResult(roots, {hs[0]: n for n, hs in zip(units["name"], units["hospitals"]) if hs}, units, kom,
                         [SolveStats("table", True, nan, nan, nan, 0.0)], "table", {}, record, band=band,
                         colours=council_colours(sorted(set(units["name"])), inst.reference, inst.edges))
    out = Path(out)
    plan.write(out)
    (out / "scenario.json").write_text(
        json.dumps({"config": cfg.model_dump(mode="json"), "config_hash": cfg.hash(),
                    "source": "geodata/data/sundhedsraad_2027/sundhedsraad_kommuner.csv (see its PROVENANCE.md)",
                    "metrics": plan.summary()["metrics"]}, ensure_ascii=False, indent=2, default=str),
        encoding="utf-8")
    return out


#: `sundhed map NAME`: real structures that are mapped without a solve.
STRUCTURES = {"baseline": write_baseline_result, "sundhedsraad-2027": write_council_result}


def finish_folder(d: Path, lang: str, *, ds=None, page: bool = True) -> list[Path]:
    """summary.html (``page``) and results.xlsx + results.gpkg of a result folder whose maps are written."""
    from sundhed.exports import write_exports

    d = Path(d)
    if not result_models(d):
        return []
    ds = ds if ds is not None else dataset_for(result_config(d))
    written = [write_summary_page(d, lang, ds)] if page else []
    return written + list(write_exports(d, ds).values())
