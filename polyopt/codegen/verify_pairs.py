"""Conditions on pairs of time vectors, for the emitted-code check (:mod:`.verify`).

The check maps each statement instance to the *time vector* of its execution, in a space of its
leaf's own (``L3[...]``): entries that are positions among siblings (constants) or loop values.
A pair of instances is then a point of a map from one leaf's space to another's.  The conditions
here are written for one such pair of leaves, as a disjunction of conjunctions of atoms
``(left, op, right)`` with ``op`` ``"="`` or ``">"`` and terms that are constants, ``("t", k)``
(the source's entry ``k``) or ``("u", k)`` (the sink's).  Entries that are constants on both
sides are compared here, in Python, so isl only sees the loop values that matter: the lexicographic
order of two leaves in different nests needs no isl at all.  The atoms are built into isl maps
directly (parsing their text cost more than intersecting with them: 2.1 s of the suite's check).
"""

from __future__ import annotations

import islpy as isl

from .printer import Loop


def entry(leaf, k: int, side: str):
    """Entry ``k`` of ``leaf``'s time vectors as a term (a shorter vector reads as padded with 0)."""
    if k >= len(leaf.entries):
        return 0
    value = leaf.entries[k]
    return value if isinstance(value, int) else (side, k)


def out_of_order(a, b) -> list[list[tuple]]:
    """Pairs from leaf ``a`` to leaf ``b`` whose source does not run before the sink (the
    complement of the lexicographic order).  A constant entry on both sides decides the order
    where the entries before it are equal."""
    out: list[list[tuple]] = []
    equal: list[tuple] = []
    for k in range(max(len(a.entries), len(b.entries))):
        x, y = entry(a, k, "t"), entry(b, k, "u")
        if isinstance(x, int) and isinstance(y, int):
            if x == y:
                continue
            return out + [equal] if x > y else out
        out.append(equal + [(x, ">", y)])
        equal = equal + [(x, "=", y)]
    return out + [equal]


def crossing(sites: dict[int, int], loop: Loop, a, b) -> list[list[tuple]]:
    """Pairs from leaf ``a`` to ``b`` in one execution of ``loop`` but different iterations of it
    or of the loops it collapses (none unless both leaves lie below it).  The entries before the
    loop's are the same path for both, so only its loop values need to be equal."""
    if not (any(x is loop for x in a.loops) and any(x is loop for x in b.loops)):
        return []
    index, last = sites[id(loop)], sites[id(loop.chain()[-1])]
    equal = [(("t", k), "=", ("u", k)) for k in range(index) if isinstance(a.entries[k], Loop)]
    return [equal + [(("t", k), op, ("u", k))] if op == ">" else equal + [(("u", k), ">", ("t", k))]
            for k in range(index, last + 1) if isinstance(a.entries[k], Loop) for op in (">", "<")]


def declaration(name: str, leaf) -> Loop | None:
    """The loop whose declaration of temporary ``name`` ``leaf`` uses: the innermost one around it
    that declares it (None: the one at function scope)."""
    return next((x for x in reversed(leaf.loops) if name in x.decls or name in x.private_arrays), None)


def same_storage(sites: dict[int, int], name: str, a, b) -> list[list[tuple]]:
    """Pairs from leaf ``a`` to ``b`` that use the same declaration of temporary ``name``: none if
    the leaves use different ones, else those in one iteration of the loop declaring it."""
    loop = declaration(name, a)
    if loop is not declaration(name, b):
        return []
    if loop is None:
        return [[]]
    return [[(("t", k), "=", ("u", k)) for k in range(sites[id(loop)] + 1) if isinstance(a.entries[k], Loop)]]


def other_storage(sites: dict[int, int], name: str, a, b) -> list[list[tuple]]:
    """The complement of :func:`same_storage`."""
    same = same_storage(sites, name, a, b)
    if not same:
        return [[]]
    return [[atom] for x, _, y in same[0] for atom in ((x, ">", y), (y, ">", x))]


def condition_map(space: isl.Space, disjuncts: list[list[tuple]]) -> isl.Map:
    """The map of ``space`` (a pair of leaves' time vectors) where ``disjuncts`` hold."""
    ls = isl.LocalSpace.from_space(space)
    out = isl.Map.empty(space)
    for conjunction in disjuncts:
        piece = isl.BasicMap.universe(space)
        for atom in conjunction:
            piece = piece.add_constraint(_constraint(ls, *atom))
        out = out.union(piece)
    return out


def _constraint(ls: isl.LocalSpace, left, op: str, right) -> isl.Constraint:
    """``left = right`` or ``left > right`` (``left - right - 1 >= 0``)."""
    c = isl.Constraint.equality_alloc(ls) if op == "=" else isl.Constraint.inequality_alloc(ls)
    constant = -1 if op == ">" else 0
    for term, sign in ((left, 1), (right, -1)):
        if isinstance(term, int):
            constant += sign * term
        else:
            side, k = term
            c = c.set_coefficient_val(isl.dim_type.in_ if side == "t" else isl.dim_type.out, k, sign)
    return c.set_constant_val(constant)
