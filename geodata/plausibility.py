"""Plausibility of the shipped data: totals against published figures, row counts, coverage.

The expected figures come from the data's provenance (each constant names its PROVENANCE.md or module), so
a file cut in half, a population cut from 64,155 to 644 or a lost kommune fails. Used by
:func:`sundhed.geodata.check.run_checks`, i.e. by ``sundhed data check`` *and* by every solve (through
:func:`sundhed.geodata.dataset.load_dataset`).

Rebasing onto new data: change the constants here together with the file and its PROVENANCE.md.
Counts of files that other work may extend (roads, towns) are lower bounds (``MIN_SHARE`` of the figure).
"""
from __future__ import annotations

from sundhed.geodata.population import DST_TOTALS

#: Published national populations (DST, 1 January of each shipped year) the kommune populations of that year must
#: sum to exactly (geodata/population.py, from the files' provenance).
PUBLISHED_POPULATION_TOTALS = DST_TOTALS
#: geonames/PROVENANCE.md: dk_places_pop500.csv has 505 rows summing to 5,429,528 inhabitants.
GEONAMES_ROWS = 505
GEONAMES_POPULATION = 5_429_528
#: osm_skeleton/PROVENANCE.md: 807 nodes, 1,026 edges, about 4,105 km.
ROAD_NODES = 807
ROAD_EDGES = 1_026
ROAD_KM = 4_105
#: Share of a provenance count a file must keep (a truncated file falls far below; an extended one passes).
MIN_SHARE = 0.95


def plausibility_checks(ds) -> list[tuple[bool, str]]:
    """``[(ok, text), ...]`` for the dataset ``ds`` and the raw GeoNames and road files."""
    import pandas as pd

    from sundhed.geodata.network import load_skeleton
    from sundhed.geodata.towns import TOWNS_FILE

    out: list[tuple[bool, str]] = []
    k = ds.kommuner
    total = int(k["befolkning"].sum())
    published = PUBLISHED_POPULATION_TOTALS[ds.population_year]
    out.append((total == published,
                f"population total {total:,} ({ds.population_year}) equals the published national figure "
                f"{published:,}"))
    empty = sorted(k.loc[~(k["befolkning"] > 0), "navn"])
    out.append((not empty, f"every kommune has inhabitants ({', '.join(empty) or 'all 98'})"))
    raw = pd.read_csv(TOWNS_FILE)
    n, pop = len(raw), int(pd.to_numeric(raw["population"], errors="coerce").fillna(0).sum())
    out.append((n >= MIN_SHARE * GEONAMES_ROWS,
                f"GeoNames places: {n} rows (provenance {GEONAMES_ROWS}; at least {MIN_SHARE:.0%})"))
    out.append((pop >= MIN_SHARE * GEONAMES_POPULATION,
                f"GeoNames population {pop:,} (provenance {GEONAMES_POPULATION:,}; at least {MIN_SHARE:.0%})"))
    nodes, edges = load_skeleton()
    km = float(edges["length_km"].sum())
    out.append((len(nodes) >= MIN_SHARE * ROAD_NODES,
                f"road skeleton nodes: {len(nodes)} (provenance {ROAD_NODES}; at least {MIN_SHARE:.0%})"))
    out.append((len(edges) >= MIN_SHARE * ROAD_EDGES and km >= MIN_SHARE * ROAD_KM,
                f"road skeleton edges: {len(edges)}, {km:,.0f} km (provenance {ROAD_EDGES:,}, {ROAD_KM:,} km; "
                f"at least {MIN_SHARE:.0%})"))
    known = set(nodes["node_id"])
    dangling = int((~edges["u"].isin(known) | ~edges["v"].isin(known)).sum())
    out.append((dangling == 0, f"every road edge ends at known nodes ({dangling} do not)"))
    covered = set(ds.demand["kode"])
    missing = sorted(set(k["kode"]) - covered)
    out.append((not missing, f"every kommune has demand points (missing: {missing or 'none'})"))
    return out
