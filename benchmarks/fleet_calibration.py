"""Calibration of the modelled akutbil fleet: regional 15-minute shares for several town-size thresholds.

    python benchmarks/fleet_calibration.py [--population-year 2021]

The modelled default fleet (``akutbiler.existing = "modelled"``, model/national_akutbiler.py) is every
akutsygehus, the largest GeoNames town of each kommune and every town of at least ``threshold`` inhabitants.
The threshold is chosen so that the share of inhabitants reached within 15 minutes (3 min dispatch and
turnout + drive, ferry legs never count) matches the two published regional figures for the second half of
2023 (../shared/docs/domain.md): Hovedstaden 98 %, Nordjylland about 89 %. This prints, per threshold, the
number of sites and the share per region on the sogn demand points (one point per sogn), and the squared
distance to the two targets. Not a timed test; the figures go in README.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THRESHOLDS = (1000, 1500, 2000, 2400, 2500, 3000, 3500, 4000, 5000, 6000, 8000)
TARGETS = {"Hovedstaden": 0.98, "Nordjylland": 0.89}
REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")


def shares(population_year: int = 2021, thresholds=THRESHOLDS) -> list[dict]:
    """One row per threshold: ``threshold``, ``sites``, the 15-min share per region and nationally, ``error``."""
    import numpy as np

    from sundhed.geodata.dataset import load_dataset
    from sundhed.model.national_akutbiler import ems_instance, modelled_fleet_ids

    ds = load_dataset(population_year=population_year)
    all_ids = sorted({i for t in thresholds for i in modelled_fleet_ids(ds, t)})
    inst = ems_instance(ds, existing=all_ids)  # one instance (one travel matrix) holding every candidate fleet
    reach = inst.covers(15.0)
    col = {s: j for j, s in enumerate(inst.station_ids)}
    w = np.asarray(inst.demand_weight, float)
    region = np.asarray(inst.demand_region)
    rows = []
    for t in thresholds:
        fleet = [col[i] for i in modelled_fleet_ids(ds, t)]
        covered = reach[:, fleet].any(axis=1)
        row = {"threshold": t, "sites": len(fleet), "Danmark": float(w[covered].sum() / w.sum())}
        for r in REGIONS:
            m = region == r
            row[r] = float(w[m & covered].sum() / w[m].sum())
        row["error"] = sum((row[r] - v) ** 2 for r, v in TARGETS.items()) ** 0.5
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--population-year", type=int, default=2021, choices=[2020, 2021])
    args = ap.parse_args(argv)
    rows = shares(args.population_year)
    head = ["threshold", "sites", *REGIONS, "Danmark", "error"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for r in rows:
        cells = [f"{r['threshold']:,}", str(r["sites"]), *(f"{100 * r[x]:.1f} %" for x in (*REGIONS, "Danmark")),
                 f"{100 * r['error']:.2f}"]
        print("| " + " | ".join(cells) + " |")
    best = min(rows, key=lambda r: r["error"])
    print(f"closest to Hovedstaden 98 % / Nordjylland 89 %: threshold {best['threshold']:,} "
          f"(Hovedstaden {100 * best['Hovedstaden']:.1f} %, Nordjylland {100 * best['Nordjylland']:.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
