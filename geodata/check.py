"""`sundhed data check`: a printed data report that fails loudly on any inconsistency."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from sundhed.geodata.adjacency import subgraph_by_types
from sundhed.geodata.dataset import Dataset
from sundhed.geodata.population import DST_TOTAL_2020

EXPECTED_KOMMUNER = 98
EXPECTED_REGIONS = 5
EXPECTED_HOSPITALS = 21


class CheckFailed(AssertionError):
    """One or more data checks failed; the message lists them all."""


def run_checks(ds: Dataset, travel: bool = True) -> tuple[list[str], list[str]]:
    """Run every check. Returns ``(report_lines, failures)``; never raises on a failed check."""
    lines: list[str] = []
    fails: list[str] = []

    def check(ok: bool, text: str) -> None:
        lines.append(("  ok    " if ok else "  FAIL  ") + text)
        if not ok:
            fails.append(text)

    k = ds.kommuner
    lines.append("Kommuner, regions, population")
    check(len(k) == EXPECTED_KOMMUNER, f"kommuner: {len(k)} (expected {EXPECTED_KOMMUNER})")
    check(k["kode"].is_unique, "kommune codes unique")
    check(k["region"].nunique() == EXPECTED_REGIONS, f"regions: {k['region'].nunique()} (expected {EXPECTED_REGIONS})")
    total = int(k["befolkning_2020"].sum())
    check(total == DST_TOTAL_2020, f"population 1 Jan 2020: {total:,} (DST total {DST_TOTAL_2020:,})")
    p22 = k["befolkning_2022"]
    check(p22.notna().all(),
          f"2022 population joined for {int(p22.notna().sum())}/98 kommuner, total {int(p22.sum()):,}")
    check((k.geometry.is_valid & ~k.geometry.is_empty).all(), "all geometries valid and non-empty")
    lines.append(f"  info  area {k['areal_km2'].sum():,.0f} km²; "
                 f"elderly 65+ (ESTIMATED) {int(k['aeldre_65plus_estimeret'].sum()):,}")
    for region, g in k.groupby("region"):
        lines.append(f"  info  {region:12s} {len(g):3d} kommuner  {int(g['befolkning_2020'].sum()):>9,} inhabitants")

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
    pop = k.set_index("kode")["befolkning_2020"]
    ours = b.assign(p=b["kode"].map(pop)).groupby("catchment")["p"].sum()
    regions_ok = (b.assign(r=b["kode"].map(k.set_index("kode")["region"]))
                  .groupby("catchment")["r"].nunique().eq(1).all())
    check(regions_ok, "every baseline catchment lies inside one region")
    lines.append(f"  info  {'catchment':12s} {'B.1 nr':>6s} {'kommuner':>8s} {'B.1 pop 2018':>13s} "
                 f"{'our pop 2020':>13s} {'diff %':>7s}")
    for c, r in t.sort_values("b1_nr").iterrows():
        diff = 100 * (ours[c] - r["befolkning_2018_01_01"]) / r["befolkning_2018_01_01"]
        lines.append(f"  info  {c:12s} {r['b1_nr']:6d} {r['antal_kommuner']:8d} {r['befolkning_2018_01_01']:13,} "
                     f"{ours[c]:13,} {diff:7.2f}")
    check(int(t["befolkning_2018_01_01"].sum()) == 5_781_190,
          f"Table B.1 total 2018: {int(t['befolkning_2018_01_01'].sum()):,} (table states 5,781,190)")

    lines.append("Demand points")
    d = ds.demand
    per_k = d.groupby("kode")["befolkning_modelleret"].sum()
    check(set(per_k.index) == set(k["kode"]), f"every kommune has ≥ 1 demand point ({d['kode'].nunique()} of 98)")
    check((per_k.reindex(pop.index) == pop).all(), "demand sums equal kommune totals to the person")
    lines.append(f"  info  {len(d)} demand points: {int((d['type'] == 'by').sum())} towns, "
                 f"{int((d['type'] == 'land').sum())} rural remainder points")
    lines.append(f"  info  {len(ds.towns)} GeoNames towns kept, {len(ds.towns_dropped)} dropped:")
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
        w = d["befolkning_modelleret"].to_numpy(float)
        lines.append(f"  info  population-weighted minutes to nearest akutsygehus: "
                     f"mean {np.average(nearest, weights=w):.1f}, max {nearest.max():.0f}")
    return lines, fails


def report(ds: Dataset, travel: bool = True) -> str:
    """The report text; raises :class:`CheckFailed` listing every failure after printing them."""
    lines, fails = run_checks(ds, travel)
    text = "\n".join(lines)
    if fails:
        raise CheckFailed(text + "\n\n" + f"{len(fails)} check(s) failed:\n" + "\n".join(f"  - {f}" for f in fails))
    return text + "\n\nAll data checks passed."
