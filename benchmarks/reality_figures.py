"""The README's "akutbiler against reality" figures, re-run from scratch (about 1–2 minutes).

    SUNDHED_CACHE=... python benchmarks/reality_figures.py [--replications 10]

1. the 12-unit plan (configs/akutbiler.toml): static MCLP shares within 15 min against the dispatch
   simulation (mean and 95 % half-width over seeded replications), per region;
2. `sundhed validate response-times` on the modelled national fleet and on Region Syddanmark's 41 real
   stations (configs/akutbiler_syddanmark.toml); needs ../shared (the TV2 files are never shipped);
3. real bases within 5 km of a modelled station, per region;
4. Syddanmark's 15-minute share with the real stations, the modelled fleet and the observed proxy.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def main() -> None:
    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.observed import default_postcodes_file, default_tv2_dir

    from sundhed.config import load_config
    from sundhed.scenario import run_scenario
    from sundhed.validate import bases_report, response_times

    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=10)
    a = ap.parse_args()
    ds = load_dataset()

    cfg = load_config(ROOT / "configs" / "akutbiler.toml")
    cfg = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"run": True, "replications": a.replications})})
    run = run_scenario(cfg, ds=ds)
    r = run.ems.simulation.regions
    print(f"1. 12 new akutbiler (MCLP, 15 min), {a.replications} replications, "
          f"{run.ems.simulation.summary['calls_per_year']:,.0f} A-calls a year:")
    print(f"   {'':12s} {'static':>16s} {'simulated':>26s} {'sim change':>16s} {'util.':>6s}")
    for _, x in r.iterrows():
        print(f"   {x['region']:12s} {pct(x['static_before']):>7s} → {pct(x['static_after']):>7s} "
              f"{pct(x['sim_before']):>7s} → {pct(x['sim_after']):>7s} (± {100 * x['sim_after_ci']:.2f}) "
              f"{100 * (x['static_after'] - x['static_before']):+.2f} / {100 * x['sim_change']:+.2f} ± "
              f"{100 * x['sim_change_ci']:.2f} {100 * x['utilisation_after']:5.1f} %")

    bg = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(update={"background_calls_per_year": 167_000})})
    x = run_scenario(bg, ds=ds).ems.simulation.regions.set_index("region").loc["(total)"]
    print(f"   with 167,000 B-calls a year as load: simulated {pct(x['sim_before'])} → {pct(x['sim_after'])}, "
          f"change {100 * x['sim_change']:+.2f} ± {100 * x['sim_change_ci']:.2f}, utilisation "
          f"{100 * x['utilisation_after']:.1f} %")

    sd = load_config(ROOT / "configs" / "akutbiler_syddanmark.toml")
    if default_tv2_dir() and default_postcodes_file():
        print("2. validate response-times (delay 2 min from the source's split; Spearman, median |error|, "
              "mean error modelled - observed):")
        for name, c, bd in (("modelled fleet", cfg, None), ("Syddanmark, 41 real stations", sd, ROOT / "configs")):
            s, _ = response_times(c, default_tv2_dir(), default_postcodes_file(), base_dir=bd)
            cal = s["calibration"]
            print(f"   {name}: {s['postcodes']} postcodes, Spearman {s['spearman']:.2f}, median |error| "
                  f"{s['median_abs_error_min']:.1f} min, mean error {s['mean_error_min']:+.1f} min; drive in "
                  f"Nordjylland + Syddanmark {cal['modelled_drive_min']:.1f} min (source: 7–8), fitted delay "
                  f"{cal['fitted_delay_min']:.1f} min (source: about 2)")
            for reg, v in s["by_region"].items():
                print(f"      {reg:12s} {v['postcodes']:4d} postcodes, Spearman {v['spearman']:.2f}, median |error| "
                      f"{v['median_abs_error_min']:.1f} min, mean error {v['mean_error_min']:+.1f} min; "
                      f"15-min proxy observed {pct(s['share_within_15'][reg]['observed_proxy'])}, "
                      f"modelled {pct(s['share_within_15'][reg]['modelled'])}")
    else:
        print("2. (no ../shared: TV2 files absent, validation skipped)")

    b = bases_report(cfg)
    print(f"3. real bases within 5 km of a modelled station ({b['stations']} stations): " + "; ".join(
        f"{k} {v['within']}/{v['bases']}" for k, v in b["by_region"].items()))

    with tempfile.TemporaryDirectory():
        sdr = run_scenario(sd, ds=ds, config_file=str(ROOT / "configs" / "akutbiler_syddanmark.toml"))
    rep = sdr.ems.region_report.set_index("region")
    mod = run.ems.region_report.set_index("region")
    print(f"4. Syddanmark within 15 min: 41 real stations (2015) {pct(rep.loc['Syddanmark', 'before_15'])} "
          f"(+3 akutbiler: {pct(rep.loc['Syddanmark', 'after_15'])}); modelled fleet "
          f"{pct(mod.loc['Syddanmark', 'before_15'])}")


if __name__ == "__main__":
    main()
