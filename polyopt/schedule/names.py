"""Stable names for loops, as loopy's inames: ``i``, ``t_i`` (a skewed row), ``i_tile``, ``wave``.

A loop is named after the iterators its row moves (the row of the deepest statement of its band,
as the printed ``T(S)`` rows show it); a name is unique among the loops around and inside its loop
(a second ``t_i`` below a first is ``t_i_1``), while separate loop nests may each have an ``i``
(``stmts=`` tells them apart).  Hand transformations, plans and the printed schedule all address
loops by these names, which do not shift when a pass inserts loops the way positions do.
"""

from __future__ import annotations

from dataclasses import replace

from .tree import Expr, Leaf, Member, Node, Sequence


def name_loops(tree: Node, scop) -> Node:
    """``tree`` with every band member given a stable name, unique along each path."""

    def visit(node: Node, taken: frozenset[str]) -> Node:
        if isinstance(node, Leaf):
            return node
        if isinstance(node, Sequence):
            return Sequence(tuple((names, visit(child, taken)) for names, child in node.children))
        used = set(taken)
        members = tuple(replace(m, name=unique(_base(m, scop), used)) for m in node.members)
        return replace(node, members=members, child=visit(node.child, frozenset(used)))

    return visit(tree, frozenset())


def unique(base: str, taken: set[str]) -> str:
    """``base``, or ``base_1``, ``base_2`` ... if taken; the result is added to ``taken``."""
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def _base(member: Member, scop) -> str:
    best = None
    for s, e in member.exprs:
        stmt = scop.statement(s)
        if not e.is_constant and (best is None or stmt.depth > best[0].depth):
            best = (stmt, e)
    if best is None:
        return "c"
    used = _iterators(best[1])
    return "_".join(it for k, it in enumerate(best[0].iterators) if k in used) or "c"


def _iterators(e: Expr) -> set[int]:
    out = {k for k, c in enumerate(e.coeffs) if c}
    for _, inner, _ in e.floors:
        out |= _iterators(inner)
    return out
