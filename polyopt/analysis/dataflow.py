"""The dependence relations of a Scop: exact where isl can compute them, safe everywhere.

Part of the analysis stage (Scop -> Dependences).  Three relations, each ``{ source -> sink }``
over statement instances:

* RAW, value-based: each read linked to the last write of the same element before it (isl's
  dataflow analysis, must-sources only);
* WAW: each write linked to the previous write of the same element (the same analysis with the
  writes as sinks);
* WAR: each read linked to the *next* write of the same element.  That is the last write before
  the read in the reversed program order, so it is computed like RAW on the negated schedule.  (The
  same set as "the reads since the previous write", computed with the reads as may-sources killed
  by the writes, but isl's may-source analysis is exponential in the existentials that ``//``
  subscripts and parity conditions bring: 212 s against 2 s on a fuzzed kernel.)

Every chain of conflicting accesses is ordered through these edges, so a schedule that respects
them respects all memory-based dependences.

Each computation runs under an isl operation budget.  When the whole analysis is too hard for isl
(budget, or an isl failure such as its "affine expression involves some of the domain dimensions"
on a scalar written under a parity condition), it is redone array by array, and an array whose
exact analysis still fails gets *memory-based* dependences: every earlier conflicting access, by
composition of the access relations.  That over-approximates the value-based relation -- more
pairs to keep in order, never fewer -- so schedules stay legal; the arrays concerned are reported.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import islpy as isl

from ..errors import BudgetExceeded
from ..poly import budget
from ..poly.scop import Scop


@dataclass(frozen=True, eq=False)
class Relations:
    """The three dependence relations, and the arrays whose relations are memory-based."""

    raw: isl.UnionMap
    war: isl.UnionMap
    waw: isl.UnionMap
    approximate: tuple[str, ...] = ()  # arrays with memory-based (over-approximated) relations


def _union(maps, space) -> isl.UnionMap:
    return functools.reduce(isl.UnionMap.union, maps, isl.UnionMap.empty(space))


def _negated(schedule: isl.UnionMap) -> isl.UnionMap:
    """``schedule`` with every output dimension negated: the program order reversed."""
    maps: list[isl.Map] = []
    schedule.foreach_map(maps.append)
    out = []
    for m in maps:
        n = m.dim(isl.dim_type.out)
        names = [f"x{k}" for k in range(n)]
        neg = isl.Map(f"{{ [{', '.join(names)}] -> [{', '.join('-' + x for x in names)}] }}")
        out.append(m.apply_range(neg).to_union_map())
    return _union(out, schedule.get_space())


def _last_before(sinks: isl.UnionMap, sources: isl.UnionMap, order: isl.UnionMap) -> isl.UnionMap:
    """``{ source -> sink }``: for each sink access, the last source access of its element before it."""
    info = isl.UnionAccessInfo.from_sink(sinks).set_must_source(sources).set_schedule_map(order)
    return info.compute_flow().get_may_dependence()


def _identity(scop: Scop) -> isl.UnionMap:
    return _union((isl.Map.identity(s.domain.get_space().map_from_set()).to_union_map()
                   for s in scop.statements), scop.context.get_space())


def _exact(scop: Scop, reads: isl.UnionMap, writes: isl.UnionMap, what: str) -> Relations:
    """Value-based RAW, WAW and next-write WAR, each under its own budget."""
    order = scop.original_schedule()
    with budget.isl_budget(budget.DEPENDENCES, f"RAW analysis of {what}"):
        raw = _last_before(reads, writes, order)
    with budget.isl_budget(budget.DEPENDENCES, f"WAW analysis of {what}"):
        waw = _last_before(writes, writes, order)
    with budget.isl_budget(budget.DEPENDENCES, f"WAR analysis of {what}"):
        # next write after each read: the last write before it in the reversed order
        war = _last_before(reads, writes, _negated(order)).reverse()
    # Pairs already ordered as WAW (a statement that reads and writes an element, as in x += ...)
    # are left to that edge, and an instance that reads and writes an element has no edge to itself.
    return Relations(raw, war.subtract(waw).subtract(_identity(scop)), waw)


def memory_based(scop: Scop, reads: isl.UnionMap, writes: isl.UnionMap,
                 before: isl.UnionMap | None = None) -> Relations:
    """Every pair of conflicting accesses in program order (no kills): a safe over-approximation.
    ``before`` is the program order on instances, when the caller has it already."""
    if before is None:
        order = scop.original_schedule()
        before = order.lex_lt_union_map(order)
    raw = writes.apply_range(reads.reverse()).intersect(before)
    war = reads.apply_range(writes.reverse()).intersect(before)
    waw = writes.apply_range(writes.reverse()).intersect(before)
    return Relations(raw, war, waw)


def accesses_of(umap: isl.UnionMap, array: str) -> isl.UnionMap:
    """The part of an access relation ``umap`` that accesses ``array``."""
    maps: list[isl.Map] = []
    umap.foreach_map(maps.append)
    return _union((m.to_union_map() for m in maps if m.get_tuple_name(isl.dim_type.out) == array),
                  umap.get_space())


def dependence_relations(scop: Scop) -> Relations:
    """The RAW, WAR and WAW relations of ``scop`` (see the module docstring), simplified under its
    context.  Raises :class:`BudgetExceeded` only when even the memory-based relations of an array
    are beyond the budget."""
    reads, writes = scop.reads(), scop.writes()
    try:
        rel = _exact(scop, reads, writes, f"'{scop.name}'")
    except (BudgetExceeded, isl.Error):
        rel = _per_array(scop, reads, writes)
    with budget.isl_budget(budget.DEPENDENCES, f"simplifying the dependences of '{scop.name}'"):
        raw, war, waw = (m.intersect_params(scop.context).coalesce() for m in (rel.raw, rel.war, rel.waw))
    return Relations(raw, war, waw, rel.approximate)


def _per_array(scop: Scop, reads: isl.UnionMap, writes: isl.UnionMap) -> Relations:
    space = scop.context.get_space()
    parts: list[Relations] = []
    approximate = []
    for array in scop.arrays:
        r, w = accesses_of(reads, array.name), accesses_of(writes, array.name)
        if w.is_empty():
            continue  # read-only: no dependence through it
        try:
            parts.append(_exact(scop, r, w, f"array {array.name} of '{scop.name}'"))
        except (BudgetExceeded, isl.Error):
            with budget.isl_budget(budget.DEPENDENCES, f"memory-based dependences on {array.name} of "
                                   f"'{scop.name}'"):
                parts.append(memory_based(scop, r, w))
            approximate.append(array.name)
    return Relations(_union((p.raw for p in parts), space), _union((p.war for p in parts), space),
                     _union((p.waw for p in parts), space), tuple(approximate))
