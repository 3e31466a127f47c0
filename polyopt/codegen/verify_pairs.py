"""Conditions on pairs of time vectors, for the emitted-code check (:mod:`.verify`).

The check maps each statement instance to the *time vector* of its execution: the positions among
siblings (constants) and loop values on its path.  Only the loop values are dimensions of isl's
space for it, one space per leaf (``L3[...]``); the positions are known per leaf.  A pair of
instances is then a point of a map from one leaf's space to another's.  The conditions here are
written for one such pair of leaves, as a disjunction of conjunctions of atoms
``(left, op, right)`` with ``op`` ``"="`` or ``">"`` and terms that are constants, ``("t", k)``
(the value of the source's loop at depth ``k``) or ``("u", k)`` (the sink's).  Entries that are
constants on both sides are compared here, in Python, so isl only sees the loop values that
matter: the order of two leaves in different nests needs no isl at all.  The atoms are built into
isl maps directly (parsing their text cost more than intersecting with them: 2.1 s of the suite's
check).
"""

from __future__ import annotations

import itertools

import islpy as isl

from .printer import Loop


def out_of_order(a, b) -> list[list[tuple]]:
    """Pairs from leaf ``a`` to leaf ``b`` whose source does not run before the sink (the
    complement of the lexicographic order of their entries, a shorter one read as padded with
    zeros).  A constant entry on both sides decides the order where the entries before it are
    equal; a loop entry is its loop's dimension."""
    out: list[list[tuple]] = []
    equal: list[tuple] = []
    terms = _terms(a, "t"), _terms(b, "u")
    for x, y in itertools.zip_longest(*terms, fillvalue=0):
        if isinstance(x, int) and isinstance(y, int):
            if x == y:
                continue
            return out + [equal] if x > y else out
        out.append(equal + [(x, ">", y)])
        equal = equal + [(x, "=", y)]
    return out + [equal]


def _terms(leaf, side: str) -> list:
    """``leaf``'s entries: the constants, and ``(side, dimension)`` for its loops."""
    out, depth = [], 0
    for e in leaf.entries:
        if isinstance(e, int):
            out.append(e)
        else:
            out.append((side, depth))
            depth += 1
    return out


def crossing(sites: dict[int, int], loop: Loop, a, b) -> list[list[tuple]]:
    """Pairs from leaf ``a`` to ``b`` in one execution of ``loop`` but different iterations of it
    or of the loops it collapses (none unless both leaves lie below it).  The loops around it are
    the same for both, so their values need to be equal."""
    if not (any(x is loop for x in a.loops) and any(x is loop for x in b.loops)):
        return []
    depth, last = sites[id(loop)], sites[id(loop.chain()[-1])]
    equal = [(("t", k), "=", ("u", k)) for k in range(depth)]
    return [equal + [(("t", k), ">", ("u", k))] for k in range(depth, last + 1)] + \
        [equal + [(("u", k), ">", ("t", k))] for k in range(depth, last + 1)]


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
    return [[(("t", k), "=", ("u", k)) for k in range(sites[id(loop)] + 1)]]


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
