"""Connected means connected: via-port links only as leaves, and the nearness rule — MIP against brute force
on small instances with islands, and the independent checker on hand-made cases."""
import networkx as nx
import numpy as np
import pytest

from sundhed.geodata.adjacency import via_port_links
from sundhed.model.connectivity import connected_with_leaves
from sundhed.model.catchments import CatchmentInstance, CatchmentRules, allowed_pairs
from sundhed.solvers.bruteforce_catchments import catchments_bruteforce, catchments_feasible, catchments_objective_terms
from sundhed.solvers.catchments import CatchmentInfeasible, solve_catchments
from sundhed.solvers.highs import SolveOptions

EXACT = SolveOptions(mip_gap=0.0, time_limit=60)


def island_graph() -> nx.Graph:
    """A 3×2 mainland grid 1..6 (land), island 7 by ferry from port 2, island 8 by ferry from 7 and from
    port 6 (so 7-8 is a real ferry between two islands)."""
    g = nx.Graph()
    for n in range(1, 9):
        g.add_node(n, navn=f"K{n}")
    for a, b in [(1, 2), (2, 3), (4, 5), (5, 6), (1, 4), (2, 5), (3, 6)]:
        g.add_edge(a, b, types=("land",))
    for a, b in [(7, 2), (8, 7), (8, 6)]:
        g.add_edge(a, b, types=("ferry",))
    for n in g.nodes:
        g.nodes[n]["ferry_only"] = {t for _, _, d in g.edges(n, data=True) for t in d["types"]} == {"ferry"}
    return g


def island_instance(seed: int) -> CatchmentInstance:
    g = island_graph()
    rng = np.random.default_rng(seed)
    codes = tuple(range(1, 9))
    hosp_k = (1, 3, 4)
    minutes = rng.uniform(5, 60, (8, 3))
    for j, k in enumerate(hosp_k):
        minutes[k - 1, j] = 1.0
    pop = rng.integers(20, 120, 8).astype(float) * 1000
    return CatchmentInstance(codes, pop, ("A",) * 8, ("H1", "H2", "H3"), ("A",) * 3, hosp_k, minutes,
                             tuple((int(a), int(b)) for a, b in g.edges()), leaf_links=via_port_links(g))


def test_via_port_links_are_leaf_pairs_only():
    g = island_graph()
    links = set(via_port_links(g))
    # island 7's port is 2 -> anchors 1, 3, 5; island 8's ports 6 (-> 3, 5) and 7 (an island: no land)
    assert links == {(7, 1), (7, 3), (7, 5), (8, 3), (8, 5)}


def test_checker_leaf_cannot_carry():
    edges = tuple(island_graph().edges())
    leaves = via_port_links(island_graph())
    assert connected_with_leaves({1, 7}, 1, edges, leaves)             # island joins through port 2's neighbour
    assert connected_with_leaves({1, 7, 8}, 1, edges, leaves) is False  # 8 reached only through the leaf 7
    assert connected_with_leaves({3, 7, 8}, 3, edges, leaves)           # both islands are leaves of 3
    assert connected_with_leaves({1, 2, 7, 8}, 1, edges, leaves)       # port 2 -> 7 -> 8 over direct ferries
    assert connected_with_leaves({1, 4, 7, 8}, 1, edges, leaves) is False  # 7 is a leaf of 1: 8 may not hang on it
    assert connected_with_leaves({1, 4, 7, 8}, 1, edges + ((8, 1),), leaves)  # a direct link would do


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weights", [{"travel": 1.0}, {"max_travel": 1.0, "travel": 0.01}], ids=["travel", "max"])
@pytest.mark.parametrize("nearness", [None, 15.0], ids=["no-nearness", "nearness15"])
def test_leaf_rule_and_nearness_match_bruteforce(seed, weights, nearness):
    inst = island_instance(seed)
    rules = CatchmentRules(region_rule=False, band=None, nearness_min=nearness)
    best, _ = catchments_bruteforce(inst, rules, weights)
    if best is None:
        with pytest.raises(CatchmentInfeasible):
            solve_catchments(inst, rules, weights, EXACT)
        return
    res = solve_catchments(inst, rules, weights, EXACT)
    assert catchments_feasible(inst, rules, res.assignment)
    terms = catchments_objective_terms(inst, rules, res.assignment)
    assert sum(w * terms[n] for n, w in weights.items()) == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert not res.score.disconnected


def chain_minutes() -> np.ndarray:
    """Islands 7 and 8 nearest to H1 (kommune 1); 7's port 2 and every other mainland kommune far from H1."""
    minutes = np.full((8, 3), 40.0)
    minutes[:, 0] = [1.0, 90.0, 90.0, 90.0, 90.0, 90.0, 10.0, 10.0]
    minutes[[1, 2, 5], 1] = [5.0, 1.0, 5.0]     # 2, 3, 6 -> H2 (host 3)
    minutes[[3, 4], 2] = [1.0, 5.0]             # 4, 5 -> H3 (host 4)
    return minutes


def test_island_may_not_hang_on_a_leaf():
    """7 joins H1 as a leaf (anchor 1, port 2 is H2's); 8 would like H1 too but could reach it only through
    the leaf 7: the optimum sends it to H2 (direct ferry to 6) — never H1."""
    inst = island_instance(0)
    inst = CatchmentInstance(inst.kommuner, np.full(8, 1000.0), inst.region, inst.hospitals, inst.hospital_region,
                             inst.hospital_kommune, chain_minutes(), inst.edges, leaf_links=inst.leaf_links)
    res = solve_catchments(inst, CatchmentRules(region_rule=False, band=None), {"travel": 1.0}, EXACT)
    a = res.assignment
    assert a[7] == "H1" and a[2] == "H2" and a[8] == "H2"


def test_nearness_filters_pairs():
    inst = island_instance(1)
    rules = CatchmentRules(region_rule=False, band=None, nearness_min=0.0)
    allowed = allowed_pairs(inst, rules)
    for k in inst.kommuner:
        if k in inst.hospital_kommune:
            continue
        row = inst.minutes[k - 1]
        assert allowed[k] == [inst.hospitals[int(np.argmin(row))]]
