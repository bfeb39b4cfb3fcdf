"""Connected components of an undirected graph given by its edges (union-find)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def components(edges: Iterable[tuple[Node, Node]]) -> list[set[Node]]:
    """The node sets joined by the edges (nodes without an edge are left out)."""
    parent: dict[Node, Node] = {}

    def root(node: Node) -> Node:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in edges:
        parent[root(first)] = root(second)
    groups: dict[Node, set[Node]] = defaultdict(set)
    for node in list(parent):
        groups[root(node)].add(node)
    return list(groups.values())
