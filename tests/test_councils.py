"""Model 4 (sundhedsråd): MIP optimum equals brute force over every set partition on small instances with
islands and two regions; scoring; bad input."""
import networkx as nx
import pandas as pd
import numpy as np
import pytest

from sundhed.geodata.adjacency import via_port_links
from sundhed.model.councils import CouncilInstance, CouncilRules, evaluate_councils
from sundhed.solvers.bruteforce_councils import council_plan_value, councils_bruteforce
from sundhed.solvers.councils import CouncilInfeasible, solve_councils
from sundhed.solvers.highs import SolveOptions

EXACT = SolveOptions(mip_gap=0.0, time_limit=60)


def graph() -> nx.Graph:
    """Mainland 1..6 (2×3 grid), island 7 by ferry from port 2, island 8 by ferry from 7 and port 6."""
    g = nx.Graph()
    g.add_nodes_from(range(1, 9))
    for a, b in [(1, 2), (2, 3), (4, 5), (5, 6), (1, 4), (2, 5), (3, 6)]:
        g.add_edge(a, b, types=("land",))
    for a, b in [(7, 2), (8, 7), (8, 6)]:
        g.add_edge(a, b, types=("ferry",))
    for n in g.nodes:
        g.nodes[n]["ferry_only"] = {t for _, _, d in g.edges(n, data=True) for t in d["types"]} == {"ferry"}
    return g


def instance(seed: int, regions=("A",) * 8, hosts=(1, 3, 5, 7)) -> CouncilInstance:
    rng = np.random.default_rng(seed)
    g = graph()
    nh = len(hosts)
    minutes = rng.uniform(5, 60, (8, nh))
    for j, k in enumerate(hosts):
        minutes[k - 1, j] = 1.0
    pop = rng.integers(20, 120, 8).astype(float) * 1000
    ref = {k: ("R1" if k in (1, 2, 4, 7) else "R2") for k in range(1, 9)}
    return CouncilInstance(tuple(range(1, 9)), pop, tuple(regions), tuple(f"H{j + 1}" for j in range(nh)), hosts,
                           minutes, tuple(g.edges()), via_port_links(g), reference=ref)


CASES = [
    (CouncilRules(p=2, band=None), ("A",) * 8),
    (CouncilRules(p=3, band=None), ("A",) * 8),
    (CouncilRules(p=2, band=(150_000, 400_000)), ("A",) * 8),
    (CouncilRules(p=2, band=None), ("A", "A", "B", "A", "A", "B", "A", "B")),
    (CouncilRules(p=3, band=(60_000, 300_000)), ("A", "A", "B", "A", "A", "B", "A", "B")),
    (CouncilRules(p=4, band=None), ("A",) * 8),
    (CouncilRules(p=1, band=None, region_rule=False), ("A", "A", "B", "A", "A", "B", "A", "B")),
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("objective", ["travel", "changes"])
def test_councils_match_bruteforce(seed, case, objective):
    rules, regions = CASES[case]
    inst = instance(seed, regions)
    best, _ = councils_bruteforce(inst, rules, objective)
    if best is None:
        with pytest.raises(CouncilInfeasible):
            solve_councils(inst, rules, objective, EXACT)
        return
    res = solve_councils(inst, rules, objective, EXACT)
    assert all(s.optimal for s in res.stats)
    blocks = {}
    for k, c in res.council_of.items():
        blocks.setdefault(c, []).append(k)
    v = council_plan_value(inst, rules, list(blocks.values()))
    assert v is not None, "the MIP's plan breaks a rule"
    got = (v[1], v[0]) if objective == "changes" else v[0]
    assert got == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert res.units["contiguous"].all()
    assert res.terms["travel"] == pytest.approx(v[0], rel=1e-6)


def test_reference_reproduced_when_minimising_changes():
    inst = instance(0)
    res = solve_councils(inst, CouncilRules(p=2, band=None), "changes", EXACT)
    assert res.terms["changes"] == 0
    assert {frozenset(k for k, c in res.council_of.items() if c == n) for n in set(res.council_of.values())} == \
        {frozenset({1, 2, 4, 7}), frozenset({3, 5, 6, 8})}
    assert set(res.council_of.values()) == {"R1", "R2"}


def test_leaf_cannot_carry_in_councils():
    """Council {1, 4, 7, 8} would need 8 to hang on leaf 7: never chosen, and scored not contiguous."""
    inst = instance(0)
    units, _ = evaluate_councils(inst, {1: "X", 4: "X", 7: "X", 8: "X", 2: "Y", 3: "Y", 5: "Y", 6: "Y"},
                                 CouncilRules(p=2, band=None))
    assert dict(zip(units["name"], units["contiguous"])) == {"X": False, "Y": True}


def test_leaf_chain_never_chosen():
    """Two councils: H1's (1, 4 and island 7 as a leaf: its port 2 is in H2's) and H2's (2, 3, 5, 6); island 8
    prefers H1 but could reach it only through the leaf 7, so it must join H2's council (ferry to 6)."""
    inst = instance(0, hosts=(1, 3))
    minutes = np.full((8, 2), 40.0)
    minutes[[0, 3, 6, 7], 0] = [1.0, 5.0, 10.0, 10.0]
    minutes[[1, 2, 4, 5], 1] = [5.0, 1.0, 5.0, 5.0]
    minutes[[1, 2, 4, 5], 0] = 90.0
    inst = CouncilInstance(inst.kommuner, np.full(8, 1000.0), inst.region, inst.hospitals, inst.hospital_kommune,
                           minutes, inst.edges, inst.leaf_links)
    res = solve_councils(inst, CouncilRules(p=2, band=None), "travel", EXACT)
    c = res.council_of
    assert c[7] == c[1] == c[4] and c[2] == c[8] == c[3] != c[1]


def test_scoring_minutes_are_nearest_own_hospital():
    inst = instance(2)
    plan = {k: ("X" if k in (1, 2, 4, 7) else "Y") for k in inst.kommuner}
    units, kom = evaluate_councils(inst, plan, CouncilRules(p=2, band=None))
    for r in kom.itertuples():
        own = [j for j, h in enumerate(inst.hospital_kommune) if plan[h] == r.council]
        assert r.travel_minutes == pytest.approx(min(inst.minutes[r.code - 1, j] for j in own))
    x = units.set_index("name").loc["X"]
    assert x["hospitals"] == ["H1", "H4"] and x["population"] == int(sum(inst.population[[0, 1, 3, 6]]))


def test_p_larger_than_hospitals_is_one_line():
    with pytest.raises(ValueError, match="p = 5 councils but only 4 akutsygehuse"):
        solve_councils(instance(0), CouncilRules(p=5, band=None))


def test_plan_written_and_read_back(tmp_path):
    from sundhed.model.plan import Plan, flat_metrics
    from sundhed.solvers.councils import CouncilResult

    res = solve_councils(instance(1), CouncilRules(p=2, band=None), "travel", EXACT)
    assert isinstance(res, Plan)
    res.write(tmp_path)
    back = CouncilResult.read(tmp_path)
    assert back.council_of == res.council_of
    assert list(back.units["name"]) == list(res.units["name"])
    assert list(back.units["hospitals"]) == list(res.units["hospitals"])
    assert flat_metrics(back) == flat_metrics(res)
    a = pd.read_csv(tmp_path / "assignment.csv")
    assert list(a.columns[:3]) == ["code", "kommune", "catchment"] and set(a["catchment"]) == {"R1", "R2"}
