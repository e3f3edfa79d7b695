"""Stable colours: one colour per akutsygehus catchment (and per sundhedsråd) in every map and scenario.

The colours are a fixed, shipped table (:data:`HOSPITAL_COLOURS`), not a function of list position, so closing
Nykøbing F recolours nothing but the kommuner that actually move. The table was made once by
:func:`design_colours` on the Table B.1 catchments: hospitals whose catchments lie within two kommune steps of
each other (land, bridge or ferry; one step more than touching, so a catchment that grows by a kommune still
differs from its new neighbours) are "neighbours"; they are coloured in DSATUR order, each taking the unused
palette colour farthest (CIE76 ΔE in CIELAB) from its coloured neighbours. ``python -m sundhed.maps.colours``
prints the table again from the data; ``tests/test_reports.py`` checks the shipped table still matches it.
The sundhedsråd table (:data:`COUNCIL_COLOURS`) is made the same way on the 17 real 2027 councils
(``tests/test_council_reports.py`` checks it).

A hospital that is not in the table (e.g. the 22nd root of ``configs/22_catchments.toml``) gets a reserve
colour by :func:`catchment_colours` (:data:`RESERVE` first, then unused palette colours): the one farthest from
the colours of the catchments it borders in that plan; the map also marks it as an added site.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

#: Qualitative palette (24): Kelly's colours of maximum contrast without white, black, grey and dark olive
#: (grey is kept for "not in use"), plus light tints; all light enough for black kommune outlines to show.
PALETTE: tuple[str, ...] = (
    "#f3c300",
    "#875692",
    "#f38400",
    "#a1caf1",
    "#be0032",
    "#c2b280",
    "#008856",
    "#e68fac",
    "#0067a5",
    "#f99379",
    "#604e97",
    "#f6a600",
    "#b3446c",
    "#dcd300",
    "#882d17",
    "#8db600",
    "#654522",
    "#e25822",
    "#17becf",
    "#98df8a",
    "#c5b0d5",
    "#ff9896",
    "#9edae5",
    "#dbdb8d",
)

#: The shipped table: akutsygehus short name -> fill colour (see the module docstring for how it was made).
HOSPITAL_COLOURS: dict[str, str] = {
    "Holbæk": "#f3c300",
    "Køge": "#604e97",
    "Slagelse": "#008856",
    "Hillerød": "#be0032",
    "Hvidovre": "#17becf",
    "Herlev": "#654522",
    "Bornholm": "#882d17",
    "Aarhus": "#0067a5",
    "Bispebjerg": "#dcd300",
    "Horsens": "#ff9896",
    "Randers": "#98df8a",
    "Viborg": "#f6a600",
    "Gødstrup": "#a1caf1",
    "Kolding": "#8db600",
    "Esbjerg": "#875692",
    "Odense": "#b3446c",
    "Aalborg": "#f99379",
    "Thisted": "#dbdb8d",
    "Nykøbing F": "#f38400",
    "Aabenraa": "#9edae5",
    "Hjørring": "#c5b0d5",
}

#: Sundhedsråd (the 17 real 2027 councils) -> fill colour, made by :func:`design_council_table` the same way as
#: the hospital table (DSATUR over councils within two kommune steps). A solved plan names its councils after the
#: real council with the same root akutsygehus (``model.councils.council_names``), so a council keeps its colour
#: in every map and scenario; a council without a real namesake ("Sundhedsråd <hospital>") gets a reserve colour.
COUNCIL_COLOURS: dict[str, str] = {
    "Sundhedsråd Midt- og Vestsjælland": "#f3c300",
    "Sundhedsråd Horsens": "#604e97",
    "Sundhedsråd Kronjylland": "#008856",
    "Sundhedsråd Aarhus": "#be0032",
    "Sundhedsråd Midt": "#dcd300",
    "Sundhedsråd Vestjylland": "#e25822",
    "Sundhedsråd Lillebælt": "#17becf",
    "Sundhedsråd Sydvestjylland": "#8db600",
    "Sundhedsråd Limfjorden": "#875692",
    "Sundhedsråd Nordsjælland": "#0067a5",
    "Sundhedsråd Østsjælland og Øerne": "#882d17",
    "Sundhedsråd Københavns Omegn Nord": "#98df8a",
    "Sundhedsråd Amager og Vestegnen": "#9edae5",
    "Sundhedsråd Hovedstaden": "#e68fac",
    "Sundhedsråd Fyn": "#c2b280",
    "Sundhedsråd Sønderjylland": "#b3446c",
    "Sundhedsråd Vendsyssel": "#f6a600",
}

#: Reserve colours for a hospital that is not in the table (an added site): far (ΔE >= 41) from every colour of
#: the table, so an added catchment never looks like an existing one (magenta, ultramarine, spring green).
RESERVE: tuple[str, ...] = ("#ff00ff", "#3f00ff", "#00ff7f")

#: Colour of a hospital that is shown but has no catchment in the plan.
UNUSED = "#bbbbbb"


# ------------------------------------------------------------------------------------------- colour maths
def hex_to_lab(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` -> CIELAB (D65)."""
    c = colour.lstrip("#")
    rgb = [int(c[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """CIE76 colour difference of two hex colours (about 2.3 = just noticeable; > 25 = clearly different)."""
    return math.dist(hex_to_lab(a), hex_to_lab(b))


# ------------------------------------------------------------------------------------------- the design
def neighbours_from_assignment(
    assignment: Mapping[int, str], edges: Iterable[tuple[int, int]], hops: int = 1
) -> dict[str, set[str]]:
    """Catchment -> catchments within ``hops`` kommune steps (``hops=1``: they share a border, bridge or ferry)."""
    import networkx as nx

    g = nx.Graph([(int(a), int(b)) for a, b in edges])
    g.add_nodes_from(int(k) for k in assignment)
    out: dict[str, set[str]] = {str(h): set() for h in assignment.values()}
    for k, h in assignment.items():
        near = nx.single_source_shortest_path_length(g, int(k), cutoff=hops) if int(k) in g else {int(k): 0}
        for k2 in near:
            h2 = assignment.get(k2)
            if h2 is not None and h2 != h:
                out[str(h)].add(str(h2))
    return out


def design_colours(
    names: Iterable[str], neighbours: Mapping[str, set[str]], palette: tuple[str, ...] = PALETTE
) -> dict[str, str]:
    """DSATUR-ordered colouring with ``palette``: each name takes the unused colour farthest (ΔE) from its
    already coloured neighbours, so neighbours differ as much as the palette allows; names reuse a colour only
    once the palette is exhausted, and never one a neighbour has."""
    names = list(dict.fromkeys(str(n) for n in names))
    nb = {n: {m for m in neighbours.get(n, set()) if m in names and m != n} for n in names}
    for n in names:  # make symmetric
        for m in nb[n]:
            nb[m].add(n)
    colour: dict[str, str] = {}
    used: list[str] = []
    while len(colour) < len(names):
        todo = [n for n in names if n not in colour]
        n = max(todo, key=lambda v: (len({colour[m] for m in nb[v] if m in colour}), len(nb[v]), -names.index(v)))
        taken = [colour[m] for m in nb[n] if m in colour]
        cands = [c for c in palette if c not in used] or [c for c in palette if c not in taken] or list(palette)
        colour[n] = max(cands, key=lambda c: (min((delta_e(c, t) for t in taken), default=100.0), -palette.index(c)))
        used.append(colour[n])
    return colour


def design_hospital_table(ds) -> dict[str, str]:
    """The table :data:`HOSPITAL_COLOURS` is made from: Table B.1 catchments, two-step neighbours."""
    assignment = dict(zip(ds.baseline["kode"].astype(int), ds.baseline["catchment"].astype(str)))
    order = [str(h) for h in ds.hospitals.sort_values("akut_id")["navn"]]
    return design_colours(order, neighbours_from_assignment(assignment, ds.adjacency.edges(), hops=2))


def design_council_table(ds) -> dict[str, str]:
    """The table :data:`COUNCIL_COLOURS` is made from: the real 2027 councils (in order of their first kommune
    code), two-step neighbours, as :func:`design_hospital_table`."""
    from sundhed.geodata.councils import load_councils

    c = load_councils(ds.kommuner)
    assignment = dict(zip(c["kode"].astype(int), c["sundhedsraad"].astype(str)))
    order = list(dict.fromkeys(c.sort_values("kode")["sundhedsraad"].astype(str)))
    return design_colours(order, neighbours_from_assignment(assignment, ds.adjacency.edges(), hops=2))


# ------------------------------------------------------------------------------------------- use
def catchment_colours(
    catchments: Iterable[str],
    assignment: Mapping[int, str] | None = None,
    edges: Iterable[tuple[int, int]] | None = None,
    table: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Colour of every catchment: the shipped table for known names; for a name not in the table, the spare
    palette colour farthest from the colours of the catchments it borders in ``assignment`` (kommune code ->
    catchment) over ``edges``, or the first spare when no plan is given. Deterministic: same plan, same
    colours."""
    table = dict(HOSPITAL_COLOURS if table is None else table)
    names = list(dict.fromkeys(str(c) for c in catchments))
    out = {n: table[n] for n in names if n in table}
    extra = [n for n in names if n not in table]
    if not extra:
        return out
    nb = neighbours_from_assignment(assignment, edges or ()) if assignment is not None else {}
    spare = list(RESERVE) + [c for c in PALETTE if c not in set(table.values())]
    for n in extra:
        near = [out[m] for m in nb.get(n, set()) if m in out]
        free = [c for c in spare if c not in out.values()] or spare

        def score(c: str, near: list[str] = near) -> tuple[float, float, int]:
            # first: far from the catchments it borders; then: far from every colour on the map
            return (
                min((delta_e(c, t) for t in near), default=100.0),
                min((delta_e(c, t) for t in out.values()), default=100.0),
                -spare.index(c),
            )

        out[n] = max(free, key=score)
    return out


def council_colours(councils: Iterable[str], assignment: Mapping[int, str] | None = None,
                    edges: Iterable[tuple[int, int]] | None = None) -> dict[str, str]:
    """:func:`catchment_colours` with the council table :data:`COUNCIL_COLOURS` (kommune code -> council)."""
    return catchment_colours(councils, assignment, edges, table=COUNCIL_COLOURS)


def colour_rows(colours: Mapping[str, str]) -> list[dict[str, str]]:
    """``[{"catchment": name, "colour": hex}, ...]`` for CSV/JSON output."""
    return [{"catchment": k, "colour": v} for k, v in colours.items()]


if __name__ == "__main__":  # print both tables from the data (to ship new ones when Table B.1 / the councils change)
    from sundhed.geodata.dataset import load_dataset

    _ds = load_dataset()
    for table in (design_hospital_table(_ds), design_council_table(_ds)):
        for name, col in table.items():
            print(f'    "{name}": "{col}",')
        print()
