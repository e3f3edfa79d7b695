"""`sundhed data check`: a printed data report that fails loudly on any inconsistency."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from sundhed.geodata.adjacency import subgraph_by_types
from sundhed.geodata.dataset import Dataset
from sundhed.geodata.population import DST_TOTALS, POPULATION_SOURCES
from sundhed.geodata.sogne import DST_TOTAL_2014, SOGNE_FILE

EXPECTED_KOMMUNER = 98
EXPECTED_REGIONS = 5
EXPECTED_HOSPITALS = 21


class CheckFailed(AssertionError):
    """One or more data checks failed; the message lists them all."""


def demand_facts(ds: Dataset) -> dict:
    """Headline facts of the demand (for ``sundhed data check --json``): counts in points, inhabitants."""
    d, k = ds.demand, ds.kommuner
    pop = int(d["befolkning"].sum())
    return {
        "demand_points": int(len(d)),
        "population_total": pop,
        "population_year": int(ds.population_year),
        "population_source": POPULATION_SOURCES[ds.population_year],
        "demand_source": (f"{len(d):,} sogne (DST SOGNE1 2021 via dagir, visual-centre points), scaled to the DST "
                          f"kommune populations of 1 Jan {ds.population_year}"),
        "demand_file": SOGNE_FILE.name,
        "sogn_population_2021": int(d["befolkning_sogn_2021"].sum()),
        "kommuner": int(len(k)),
        "elderly_65plus_estimeret": round(float(d["aeldre_65plus_estimeret"].sum())),
        "elderly_80plus_estimeret": round(float(d["aeldre_80plus_estimeret"].sum())),
        "share_65plus_estimeret": round(float(d["aeldre_65plus_estimeret"].sum()) / pop, 4),
        "share_80plus_estimeret": round(float(d["aeldre_80plus_estimeret"].sum()) / pop, 4),
        "sogne_with_kommune_age_shares": int((d["aldersandel_kilde"] == "kommune 2014").sum()),
        "points_moved_into_kommune": int((d["flyttet_m"] > 0).sum()),
        "attribution": "Kilde: Danmarks Statistik; indeholder data fra SDFI/DAGI; via dagir (MIT)",
    }


def run_checks(ds: Dataset, travel: bool = True, facts: dict | None = None) -> tuple[list[str], list[str]]:
    """Run every check. Returns ``(report_lines, failures)``; never raises on a failed check.

    ``facts``, when given, receives the measured figures by name (for the JSON report)."""
    lines: list[str] = []
    fails: list[str] = []
    facts = {} if facts is None else facts
    facts.update(demand_facts(ds))

    def check(ok: bool, text: str) -> None:
        lines.append(("  ok    " if ok else "  FAIL  ") + text)
        if not ok:
            fails.append(text)

    k = ds.kommuner
    lines.append("Kommuner, regions, population")
    check(len(k) == EXPECTED_KOMMUNER, f"kommuner: {len(k)} (expected {EXPECTED_KOMMUNER})")
    check(k["kode"].is_unique, "kommune codes unique")
    check(k["region"].nunique() == EXPECTED_REGIONS, f"regions: {k['region'].nunique()} (expected {EXPECTED_REGIONS})")
    total = int(k["befolkning"].sum())
    year = ds.population_year
    check(total == DST_TOTALS[year], f"population 1 Jan {year}: {total:,} (DST total {DST_TOTALS[year]:,}; "
                                     f"{POPULATION_SOURCES[year]})")
    p22 = k["befolkning_2022"]
    check(p22.notna().all(),
          f"2022 population joined for {int(p22.notna().sum())}/98 kommuner, total {int(p22.sum()):,}")
    check((k.geometry.is_valid & ~k.geometry.is_empty).all(), "all geometries valid and non-empty")
    lines.append(f"  info  area {k['areal_km2'].sum():,.0f} km²")
    for region, g in k.groupby("region"):
        lines.append(f"  info  {region:12s} {len(g):3d} kommuner  {int(g['befolkning'].sum()):>9,} inhabitants {year}")

    lines.append("Akutsygehuse and Table B.1")
    h = ds.hospitals
    check(len(h) == EXPECTED_HOSPITALS, f"akutsygehuse: {len(h)} (expected {EXPECTED_HOSPITALS})")
    host_region = k.set_index("kode").loc[h["kode"], "region"].to_numpy()
    check((host_region == h["region"].to_numpy()).all(), "every hospital lies in a kommune of its own region")
    b = ds.baseline
    check(len(b) == EXPECTED_KOMMUNER and b["kode"].is_unique, f"Table B.1 assigns {len(b)} kommuner, each once")
    orphans = sorted(set(k["kode"]) - set(b["kode"]))
    check(not orphans, f"kommuner without a baseline catchment: {orphans or 'none'}")
    counts = b.groupby("catchment").size()
    t = ds.baseline_table.set_index("catchment")
    check((counts.reindex(t.index) == t["antal_kommuner"]).all(), "kommune count per catchment equals Table B.1")
    pop = k.set_index("kode")["befolkning"]
    ours = b.assign(p=b["kode"].map(pop)).groupby("catchment")["p"].sum()
    regions_ok = (b.assign(r=b["kode"].map(k.set_index("kode")["region"]))
                  .groupby("catchment")["r"].nunique().eq(1).all())
    check(regions_ok, "every baseline catchment lies inside one region")
    lines.append(f"  info  {'catchment':12s} {'B.1 nr':>6s} {'kommuner':>8s} {'B.1 pop 2018':>13s} "
                 f"{'our pop ' + str(year):>13s} {'diff %':>7s}")
    for c, r in t.sort_values("b1_nr").iterrows():
        diff = 100 * (ours[c] - r["befolkning_2018_01_01"]) / r["befolkning_2018_01_01"]
        lines.append(f"  info  {c:12s} {r['b1_nr']:6d} {r['antal_kommuner']:8d} {r['befolkning_2018_01_01']:13,} "
                     f"{ours[c]:13,} {diff:7.2f}")
    check(int(t["befolkning_2018_01_01"].sum()) == 5_781_190,
          f"Table B.1 total 2018: {int(t['befolkning_2018_01_01'].sum()):,} (table states 5,781,190)")

    lines.append("Demand points (sogne)")
    d = ds.demand
    f = facts
    per_k = d.groupby("kode")["befolkning"].sum()
    check(set(per_k.index) == set(k["kode"]), f"every kommune has ≥ 1 sogn point ({d['kode'].nunique()} of 98)")
    check((per_k.reindex(pop.index) == pop).all(), "demand sums equal kommune totals to the person")
    check(d["sognekode"].is_unique and (d["befolkning"] >= 0).all(), "sogn codes unique, no negative population")
    inside = d.geometry.within(k.set_index("kode").geometry.reindex(d["kode"]).set_axis(d.index))
    check(bool(inside.all()), f"every sogn point lies inside its kommune's polygon ({int(inside.sum())} of {len(d)}; "
                              f"{f['points_moved_into_kommune']} moved in from just off the generalised coast)")
    ages = int(round(float(ds.sogn_ages_2014[["pop_0_64", "pop_65_79", "pop_80p"]].sum().sum())))
    check(ages == DST_TOTAL_2014, f"2014 sogn age bands sum to {ages:,} (DST national 1 Jan 2014: {DST_TOTAL_2014:,})")
    lines.append(f"  info  {len(d):,} sogn points, {f['sogn_population_2021']:,} inhabitants in the 2021 sogne "
                 f"(scaled to {f['population_total']:,}, DST 1 Jan {year})")
    lines.append(f"  info  ESTIMATED 65+ {f['elderly_65plus_estimeret']:,} "
                 f"({100 * f['share_65plus_estimeret']:.1f} %), "
                 f"80+ {f['elderly_80plus_estimeret']:,} ({100 * f['share_80plus_estimeret']:.1f} %): 2014 age shares "
                 f"applied to {year}; {f['sogne_with_kommune_age_shares']} sogne without a 2014 match use their "
                 "kommune's 2014 shares")
    lines.append(f"  info  {len(ds.towns)} GeoNames towns kept (candidate sites, labels), "
                 f"{len(ds.towns_dropped)} dropped:")
    for r in ds.towns_dropped.itertuples():
        lines.append(f"          - {r.name} ({r.geonames_befolkning:,}): {r.reason}")

    lines.append("Adjacency (land borders, bridges, ferries)")
    g = ds.adjacency
    types = pd.Series([t for _, _, dd in g.edges(data=True) for t in dd["types"]]).value_counts()
    lines.append(f"  info  {g.number_of_edges()} edges: " + ", ".join(f"{n} {t}" for t, n in types.items()))
    check(nx.is_connected(g), "kommune graph connected with all link types")
    land_bridge = subgraph_by_types(g, {"land", "bridge"})
    islands = sorted(g.nodes[n]["navn"] for n in g if g.nodes[n]["ferry_only"])
    lines.append(f"  info  reached only by ferry: {', '.join(islands)}")
    comps = list(nx.connected_components(land_bridge))
    check(len(comps) == 1 + len(islands),
          f"without ferries: {len(comps)} pieces = mainland + {len(islands)} ferry islands")

    lines.append("Prehospital bases (partial, dated 2014-2024; geodata/data/project/prehospital_bases.csv)")
    from sundhed.geodata.bases import load_bases

    b = load_bases()
    check(b["kode"].isin(k["kode"]).all(), f"{len(b)} geocoded (base, town) rows, each in a kommune")

    lines.append("Plausibility (published totals, provenance counts, coverage)")
    from sundhed.geodata.plausibility import plausibility_checks

    for ok, text in plausibility_checks(ds):
        check(ok, text)

    if travel:
        lines.append("Travel times (embedded network)")
        tm = ds.demand_to_hospitals()
        check(np.isfinite(tm.minutes).all(), "every demand point reaches every akutsygehus")
        region_of_point = d["kode"].map(k.set_index("kode")["region"]).to_numpy()
        hosp_region = h["region"].to_numpy()
        own = np.where(region_of_point[:, None] == hosp_region[None, :], tm.minutes, np.inf).min(1)
        check(np.isfinite(own).all(),
              f"every demand point reaches its own region's akutsygehus (max {own.max():.0f} min)")
        nearest = tm.minutes.min(1)
        w = d["befolkning"].to_numpy(float)
        facts["mean_minutes_to_nearest_akutsygehus"] = round(float(np.average(nearest, weights=w)), 2)
        lines.append(f"  info  population-weighted minutes to nearest akutsygehus: "
                     f"mean {np.average(nearest, weights=w):.1f}, max {nearest.max():.0f}")
    return lines, fails


def report_json(ds: Dataset, travel: bool = True) -> dict:
    """The check as one JSON-ready object: the demand facts, every check line and the failures."""
    facts: dict = {}
    lines, fails = run_checks(ds, travel, facts)
    checks = [{"ok": ln.startswith("  ok"), "check": ln[8:]} for ln in lines if ln.startswith(("  ok", "  FAIL"))]
    info = [ln[8:] for ln in lines if ln.startswith("  info")]
    return {**facts, "ok": not fails, "failures": fails, "checks": checks, "info": info}


def report(ds: Dataset, travel: bool = True) -> str:
    """The report text; raises :class:`CheckFailed` listing every failure after printing them."""
    lines, fails = run_checks(ds, travel)
    text = "\n".join(lines)
    if fails:
        raise CheckFailed(text + "\n\n" + f"{len(fails)} check(s) failed:\n" + "\n".join(f"  - {f}" for f in fails))
    return text + "\n\nAll data checks passed."


def validate(ds: Dataset) -> None:
    """The checks of ``sundhed data check`` (without travel times), run on every load of the data:
    raises DataError (one line, listing the failed checks) so nothing is solved on implausible data."""
    from sundhed.geodata.errors import DataError
    from sundhed.geodata.io import DATA_DIR

    _, fails = run_checks(ds, travel=False)
    if fails:
        shown = "; ".join(fails[:3]) + (f"; and {len(fails) - 3} more" if len(fails) > 3 else "")
        raise DataError(DATA_DIR, f"{len(fails)} data check(s) failed (see `sundhed data check`): {shown}")
