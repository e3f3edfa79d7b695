"""Connectivity of a group of kommuner under the leaf rule (pure graph check, no solver): direct links connect;
a ferry-only island may hang on as a leaf through a via-port link (geodata.adjacency.via_port_links)."""
from __future__ import annotations


def connected_with_leaves(members, root: int, edges, leaf_links) -> bool:
    """Is ``members`` (kommune codes, with ``root``) connected by direct links, where a kommune not
    reached that way may still belong as a leaf through a via-port link to a kommune that is?

    Independent of the models' flow formulation: breadth-first search over direct links from the root,
    then every member left over must be an island with a via-port link to the reached part.
    """
    import networkx as nx  # here, not at import: a houses or akutbil solve never needs it

    members = set(members)
    if root not in members:
        return False
    g = nx.Graph()
    g.add_nodes_from(members)
    g.add_edges_from((a, b) for a, b in edges if a in members and b in members)
    reached = nx.node_connected_component(g, root)
    anchors: dict[int, set] = {}
    for island, anchor in leaf_links:
        anchors.setdefault(island, set()).add(anchor)
    return all(anchors.get(k, set()) & reached for k in members - reached)
