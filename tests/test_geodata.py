"""Acceptance of the foundation: real data, counts, totals, joins, adjacency, bad input."""
import networkx as nx
import pytest

from sundhed.geodata.adjacency import subgraph_by_types
from sundhed.geodata.check import report
from sundhed.geodata.errors import DataError
from sundhed.geodata.population import DST_TOTAL_2021, load_population_2020
from sundhed.geodata.io import data_path


def test_counts_and_population(ds):
    assert len(ds.kommuner) == 98
    assert ds.kommuner["region"].nunique() == 5
    assert len(ds.hospitals) == 21
    assert ds.population_year == 2021
    assert int(ds.kommuner["befolkning"].sum()) == DST_TOTAL_2021 == 5_840_045
    assert 411 not in set(ds.kommuner["kode"])  # Christiansø folded into Bornholm
    assert ds.kommuner.crs.to_epsg() == 25832 and ds.kommuner_map().crs.to_epsg() == 4326
    assert ds.kommuner.geometry.has_z.sum() == 0
    assert "aeldre_65plus_estimeret" in ds.kommuner  # estimates say so in their name


def test_demand_points_sum_to_kommune_totals(ds):
    per_k = ds.demand.groupby("kode")["befolkning"].sum()
    pop = ds.kommuner.set_index("kode")["befolkning"]
    assert set(per_k.index) == set(pop.index)
    assert (per_k.loc[pop.index] == pop).all()
    assert (ds.demand["befolkning"] > 0).all()


def test_bad_geonames_entries_dropped_with_reason(ds):
    dropped = ds.towns_dropped.set_index("name")
    assert "Klinteby Frihed" in dropped.index and "Avedøre" in dropped.index
    assert dropped["reason"].str.len().gt(5).all()


def test_table_b1_counts_and_population(ds):
    counts = ds.baseline.groupby("catchment").size()
    table = ds.baseline_table.set_index("catchment")
    assert len(table) == 21 and len(ds.baseline) == 98
    assert (counts.loc[table.index] == table["antal_kommuner"]).all()
    assert int(table["befolkning_2018_01_01"].sum()) == 5_781_190
    # Brønderslev belongs to Aalborg in the official table (the compiled file guessed Hjørring)
    assert ds.baseline.set_index("navn").loc["Brønderslev", "catchment"] == "Aalborg"
    # 8 catchments outside 200k–400k by Table B.1's own 2018 figures
    outside = table[(table["befolkning_2018_01_01"] < 200_000) | (table["befolkning_2018_01_01"] > 400_000)]
    assert sorted(outside.index) == sorted(["Bispebjerg", "Herlev", "Bornholm", "Holbæk", "Nykøbing F",
                                            "Odense", "Thisted", "Hjørring"])


def test_adjacency_typed_links(ds):
    g = ds.adjacency
    code = {d["navn"]: n for n, d in g.nodes(data=True)}
    assert nx.is_connected(g)
    no_ferry = subgraph_by_types(g, {"land", "bridge"})
    mainland = max(nx.connected_components(no_ferry), key=len)
    for island in ["Samsø", "Læsø", "Fanø", "Ærø", "Bornholm"]:
        assert g.nodes[code[island]]["ferry_only"]
        assert code[island] not in mainland
    land = subgraph_by_types(g, {"land"})
    # Funen–Jutland and Zealand–Funen only by bridges
    assert not nx.has_path(land, code["Middelfart"], code["Fredericia"])
    assert nx.has_path(no_ferry, code["Middelfart"], code["Fredericia"])
    assert not nx.has_path(land, code["Nyborg"], code["Slagelse"])
    assert "bridge" in g.edges[code["Nyborg"], code["Slagelse"]]["types"]


def test_data_check_report_passes(ds):
    text = report(ds)
    assert "All data checks passed" in text and "Bispebjerg" in text


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        load_population_2020(tmp_path / "nope.csv")


def test_non_numeric_population_names_file_and_row(tmp_path):
    src = data_path("ssi", "Municipality_test_pos_2020-11-10.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = src[3].split(";")
    cells[4] = "mange"
    src[3] = ";".join(cells)
    bad = tmp_path / "pop.csv"
    bad.write_text("\n".join(src), encoding="utf-8")
    with pytest.raises(DataError, match=r"pop.csv, row 3: column 'Befolkningstal' has a non-numeric value"):
        load_population_2020(bad)


def test_corrupt_and_unknown_code(tmp_path):
    from sundhed.geodata.kommuner import load_kommuner
    corrupt = tmp_path / "k.geojson"
    corrupt.write_text("{ this is not json")
    with pytest.raises(DataError, match="k.geojson: cannot be read"):
        load_kommuner(corrupt)
    from sundhed.geodata.population import load_population_2022
    bad = tmp_path / "p22.csv"
    bad.write_text('"Kommunenavn";"Antal borgere"\nAtlantis;1000\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"p22.csv, row 1: unknown kommune name 'Atlantis'"):
        load_population_2022({"København": 101}, bad)


def test_real_links_and_via_port_leaves(ds):
    from sundhed.geodata.adjacency import via_port_links

    g = ds.adjacency
    code = {d["navn"]: n for n, d in g.nodes(data=True)}
    # Bornholm's main link: Rønne-Ystad + the Øresund bridge, landing in Tårnby (Kastrup)
    assert "Ystad-Rønne" in g.edges[code["Bornholm"], code["Tårnby"]]["links"][0]
    # Rudkøbing-Marstal (ÆrøXpressen since 2019) is a real Ærø-Langeland link
    assert g.has_edge(code["Ærø"], code["Langeland"])
    # no "ferry hinterland" edges in the graph any more: Samsø-Aarhus only as a via-port leaf
    assert not g.has_edge(code["Samsø"], code["Aarhus"])
    leaves = set(via_port_links(g))
    assert (code["Samsø"], code["Aarhus"]) in leaves and (code["Bornholm"], code["København"]) in leaves
    assert all(g.nodes[i]["ferry_only"] for i, _ in leaves)
