"""Argument arrays a parallel loop gives a private copy per thread, with the last iteration's
values copied back: the scratch-buffer pattern.

doitgen fills ``sum_[p]`` and consumes it in every iteration of ``r, q``: the anti and output
dependences on ``sum_`` keep ``r`` and ``q`` serial, and each of their iterations opened a parallel
region over ``p`` (21,000 regions at LARGE; beside a busy process on the 2 cores they collapsed,
issue 17).  With a copy of ``sum_`` per thread, ``r`` is parallel: one region.

A loop may privatise argument array ``X`` when, over the statements it runs,

1. every dependence on ``X`` it carries is an anti or output dependence, and every value of ``X``
   that one of its statements reads was written in the same iteration of the loop and of the
   loops and sequences around it (each RAW pair on ``X`` touching these statements is still
   active here and not carried);
2. no instance reads a value of ``X`` from before the loop: for every read access, an instance of
   the kernel wrote the element before (in the original order; by 1 the last such write is in the
   same iteration);
3. every iteration of the loop, the loops around it fixed, writes every element of ``X``: the
   copy of the last iteration is then wholly written, and holds the values the original order
   leaves in ``X`` -- code generation copies it back, after the loop's last iteration.

The copies are per thread (iterations run on one thread reuse it: by 1 and 2 no iteration reads
a value another left).  Arrays whose dependences are memory-based (isl could not compute them
exactly) are not privatised, nor 0-d arrays, nor arrays whose extents isl cannot read as affine
expressions, nor any array in a loop whose schedule rows, or those of the loops around it, have
floor divisions (a tile or wavefront loop): condition 3 then asks isl to reason about the floors of
the tiles' iterators, where it does not count its operations (fuzz seed 4609 spent minutes in one
subset test for a wavefront loop), and no suite kernel privatises an array there (only doitgen's
``r``, untiled, at LARGE under every scheduler and fusion policy).  Code generation checks all three
conditions again on the code it prints (:mod:`polyopt.codegen.verify`).
"""

from __future__ import annotations

import islpy as isl

from .carried import Carried
from .tree import Expr, Member

RAW = "RAW"


def privatisable(carried_deps: Carried, member: Member, outer: dict[str, list[Expr]], carried,
                 active) -> tuple[list, tuple[str, ...]]:
    """``(the pairs of carried left, the argument arrays privatised)`` for loop ``member``.

    ``outer`` gives per statement the rows of the loops around ``member`` (outermost first);
    ``carried`` are the pairs ``member`` carries, ``active`` the pairs left by the loops around it.
    """
    scop = carried_deps.scop
    deps = carried_deps.deps
    names = {e.array for e, _ in carried if e.kind in ("WAR", "WAW")}
    names -= {e.array for e, _ in carried if e.kind == RAW}
    names -= set(deps.approximate)
    stmts = set(member.statements)
    if any(e.floors for st in stmts for e in [*outer[st], member.expr(st)]):
        return list(carried), ()
    private = []
    for name in sorted(names):
        array = scop.array(name)
        if array.is_local or not array.shape:
            continue
        if not carried_deps.values_stay(stmts, active, name):
            continue
        if _reads_covered(scop, stmts, name) and _fills(carried_deps, member, outer, stmts, array):
            private.append(name)
    return [(e, r) for e, r in carried if e.array not in private], tuple(private)


def _reads_covered(scop, stmts: set[str], name: str) -> bool:
    """Condition 2 of the module docstring."""
    return all(uncovered_reads(scop, scop.statement(st), name).is_empty() for st in sorted(stmts))


def uncovered_reads(scop, stmt, name: str) -> isl.Set:
    """The instances of ``stmt`` that read an element of array ``name`` no instance of the kernel
    wrote before them (in the original order): they read what the caller passed."""
    order = scop.original_schedule()
    before = order.lex_lt_union_map(order)  # { a -> b : a runs before b }
    writes = None
    for s in scop.statements:
        for w in s.writes:
            if w.array == name:
                m = w.relation.to_union_map()
                writes = m if writes is None else writes.union(m)
    out = isl.Set.empty(stmt.domain.get_space())
    for r in stmt.reads:
        if r.array != name:
            continue
        reading = r.relation.intersect_domain(stmt.domain)
        if writes is None:
            out = out.union(reading.domain())
            continue
        earlier = reading.to_union_map().apply_range(writes.reverse()).intersect(before.reverse())
        covered = earlier.domain().extract_set(stmt.domain.get_space())
        out = out.union(reading.domain().subtract(covered))
    return out.intersect_params(scop.context)


def _fills(carried_deps: Carried, member: Member, outer: dict[str, list[Expr]], stmts: set[str], array) -> bool:
    """Condition 3 of the module docstring."""
    scop = carried_deps.scop
    builder = carried_deps.isl
    extent = array_extent(scop, array)
    if extent is None:
        return False
    iterations = written = None
    depth = None
    for st in sorted(stmts):
        rows = list(outer[st]) + [member.expr(st)]
        if depth is not None and len(rows) != depth:
            return False
        depth = len(rows)
        at = builder.rows_map(st, rows)  # { S[i] -> [loop values] }
        here = at.range()
        iterations = here if iterations is None else iterations.union(here)
        for w in scop.statement(st).writes:
            if w.array == array.name:
                part = at.reverse().apply_range(w.relation)
                written = part if written is None else written.union(part)
    if written is None:
        return False
    need = isl.Map.from_domain_and_range(iterations, extent).intersect_params(scop.context)
    return need.is_subset(written)


def array_extent(scop, array) -> isl.Set | None:
    """``{ X[e0, e1, ..] : 0 <= ek < extent k }`` in the Scop's parameters, or None when an extent
    is not affine."""
    for extent in array.shape:
        if extent.degree > 1 or any(s not in scop.params for s in extent.free_symbols):
            return None
    names = [f"e{k}" for k in range(len(array.shape))]
    bounds = " and ".join(f"0 <= {n} < {extent}" for n, extent in zip(names, array.shape))
    params = f"[{', '.join(scop.params)}] -> " if scop.params else ""
    try:  # a placeholder tuple name: the array's own may be a word of isl's syntax
        extent_set = isl.Set(f"{params}{{ X[{', '.join(names)}] : {bounds} }}")
    except isl.Error:
        return None
    return extent_set.set_tuple_name(array.name)
