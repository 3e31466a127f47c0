"""Exact dependences of a Scop, as per-edge records.

Value-based flow dependences (RAW: each read is linked to the last write of the same element
before it) come from isl's dataflow analysis.  The memory-based anti (WAR) and output (WAW)
dependences are kept in their transitively reduced form: each write depends on the previous write
of the same element (WAW) and each read is followed by the next write of it (WAR).  Every pair of
conflicting accesses is ordered by a chain of these edges, so a schedule that respects them
respects all memory-based dependences, while the scheduler sees far fewer (and more often uniform)
constraints.  The relations are computed in :mod:`.dataflow` (under an operation budget, with a
memory-based fallback per array); this module splits them into edges per (source, sink, array).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import islpy as isl

from ..errors import ModelError
from ..poly import budget
from ..poly.scop import Scop
from .dataflow import dependence_relations

RAW, WAR, WAW = "RAW", "WAR", "WAW"


@dataclass(frozen=True, eq=False)
class Dependence:
    """One dependence edge: all instance pairs of ``kind`` from ``source`` to ``sink`` through ``array``."""

    kind: str
    source: str  # statement name
    sink: str
    array: str
    relation: isl.Map  # { source[...] -> sink[...] }
    distance: tuple[int, ...] | None  # uniform distance over the common loops, when there is one
    distances: tuple[tuple[int, ...], ...] = ()  # every uniform distance, when the edge is a union of them
    direction: str = ""  # per common loop: exact distance, "k+" (at least k) or "*" (any)

    @property
    def is_loop_carried_self(self) -> bool:
        return self.source == self.sink

    def describe(self) -> str:
        if self.distance is not None:
            d = f" distance ({', '.join(map(str, self.distance))})"
        elif self.distances:
            d = " distances " + ", ".join(f"({', '.join(map(str, v))})" for v in self.distances)
        elif self.direction:
            d = f" direction ({self.direction})"
        else:
            d = ""
        return f"{self.kind} on {self.array}: {self.source} -> {self.sink}{d}"


@dataclass(frozen=True, eq=False)
class Dependences:
    """All dependences of a Scop, as UnionMaps per kind and as per-edge records."""

    scop: Scop
    raw: isl.UnionMap
    war: isl.UnionMap
    waw: isl.UnionMap
    edges: tuple[Dependence, ...]
    # Arrays whose dependences are memory-based (isl could not compute them exactly): every earlier
    # conflicting access, a safe over-approximation (see polyopt.analysis.dataflow).
    approximate: tuple[str, ...] = ()
    # Results later stages derive from these dependences alone, kept so that they are computed once
    # per kernel (the schedulers' trees per fusion policy: every tiling option starts from them).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def all(self) -> isl.UnionMap:
        return self.raw.union(self.war).union(self.waw).coalesce()

    def of_kind(self, kind: str) -> tuple[Dependence, ...]:
        return tuple(e for e in self.edges if e.kind == kind)

    def summary(self) -> str:
        if not self.edges:
            return f"{self.scop.name}: no dependences"
        lines = [f"{self.scop.name}: {len(self.edges)} dependence edge(s)"]
        if self.approximate:
            lines.append(f"  memory-based (not exact) on {', '.join(self.approximate)}: isl's dataflow "
                         "analysis gave up there")
        lines += ["  " + e.describe() for e in self.edges]
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        """One line: the number of edges per kind and the arrays they go through (``str()``: every edge)."""
        kinds = ", ".join(f"{k} {n}" for k in (RAW, WAR, WAW) if (n := len(self.of_kind(k))))
        names = list(dict.fromkeys(e.array for e in self.edges))
        arrays = ", ".join(names[:8]) + (f", ... ({len(names)} arrays)" if len(names) > 8 else "")
        through = f" ({kinds}) through {arrays}" if self.edges else ""
        return f"<Dependences of {self.scop.name}: {len(self.edges)} edge(s){through}>"

    def _repr_html_(self) -> str:
        from .. import views
        return views.html_of("dependences", self)


def compute_dependences(scop: Scop) -> Dependences:
    """Compute RAW (value-based), WAR and WAW (memory-based) dependences of ``scop``."""
    try:
        return _compute(scop)
    except isl.Error as exc:  # translate at the layer boundary
        raise ModelError(f"dependence analysis of '{scop.name}' failed in isl: {exc}") from exc


def _compute(scop: Scop) -> Dependences:
    rel = dependence_relations(scop)
    reads, writes = scop.reads(), scop.writes()
    edges = []
    with budget.isl_budget(budget.DEPENDENCES, f"splitting the dependences of '{scop.name}'"):
        for kind, umap, src_acc, dst_acc in (
            (RAW, rel.raw, writes, reads),
            (WAR, rel.war, reads, writes),
            (WAW, rel.waw, writes, writes),
        ):
            edges.extend(_split_edges(scop, kind, umap, src_acc, dst_acc))
    return Dependences(scop, rel.raw, rel.war, rel.waw, tuple(edges), rel.approximate)


def _split_edges(scop, kind, umap, src_acc, dst_acc):
    """Split a dependence UnionMap by (source, sink, array)."""
    out = []
    # The union map holds one map per pair of statement spaces: visit those (restricting the whole
    # union to every pair of statements cost 1.0 s of deriche's 1.4 s of dependences, AMD EPYC Zen 3)
    statements = {s.name: s for s in scop.statements}
    order = {s.name: k for k, s in enumerate(scop.statements)}
    maps: list[isl.Map] = []
    umap.foreach_map(maps.append)
    maps.sort(key=lambda m: (order[m.get_tuple_name(isl.dim_type.in_)], order[m.get_tuple_name(isl.dim_type.out)]))
    for m in maps:
        src = statements[m.get_tuple_name(isl.dim_type.in_)]
        dst = statements[m.get_tuple_name(isl.dim_type.out)]
        pair = m.intersect_domain(src.domain).intersect_range(dst.domain)
        if pair.is_empty():
            continue
        arrays = sorted({a.array for a in (src.writes if kind != WAR else src.reads)}
                        & {a.array for a in (dst.reads if kind == RAW else dst.writes)})
        for array in arrays:
            rel = _through_array(pair, src, dst, array, kind)
            if rel is None or rel.is_empty():
                continue
            rel = rel.coalesce()
            vectors = uniform_distances(rel, src, dst)
            out.append(Dependence(kind, src.name, dst.name, array, rel,
                                  vectors[0] if vectors and len(vectors) == 1 else None,
                                  tuple(vectors or ()), direction(rel, src, dst)))
    return out


def _through_array(pair: isl.Map, src, dst, array, kind) -> isl.Map | None:
    """The part of ``pair`` whose instances touch the same element of ``array``."""
    src_acc = [a.relation for a in (src.reads if kind == WAR else src.writes) if a.array == array]
    dst_acc = [a.relation for a in (dst.reads if kind == RAW else dst.writes) if a.array == array]
    same = None
    for sa in src_acc:
        for da in dst_acc:
            m = sa.apply_range(da.reverse())
            same = m if same is None else same.union(m)
    if same is None:
        return None
    return pair.intersect(same)


def shared_loops(src, dst) -> int:
    """How many enclosing loops two statements share (the same ``For`` nodes, outermost first)."""
    n = 0
    for a, b in zip(src.loops, dst.loops):
        if a is not b:
            break
        n += 1
    return n


def _common_deltas(rel: isl.Map, src, dst) -> isl.Set | None:
    """Distances over the loops the two statements share, or None when they share none."""
    n = shared_loops(src, dst)
    if n == 0:
        return None
    m = rel
    if src.depth > n:
        m = m.project_out(isl.dim_type.in_, n, src.depth - n)
    if dst.depth > n:
        m = m.project_out(isl.dim_type.out, n, dst.depth - n)
    return m.reset_tuple_id(isl.dim_type.in_).reset_tuple_id(isl.dim_type.out).deltas()


def uniform_distances(rel: isl.Map, src, dst) -> list[tuple[int, ...]] | None:
    """The distance vectors over shared loops when the edge is a finite union of uniform ones."""
    deltas = _common_deltas(rel, src, dst)
    if deltas is None or deltas.is_empty():
        return None
    vectors = []
    for bset in deltas.coalesce().get_basic_sets():
        bset = isl.Set.from_basic_set(bset)
        vec = []
        for k in range(bset.dim(isl.dim_type.set)):
            lo, hi = bset.dim_min_val(k), bset.dim_max_val(k)
            if not (lo.is_int() and hi.is_int()) or lo.to_python() != hi.to_python():
                return None
            vec.append(lo.to_python())
        vectors.append(tuple(vec))
    return sorted(set(vectors))


def direction(rel: isl.Map, src, dst) -> str:
    """A per-loop summary of the distances: the exact value, "k+" when at least k, else "*"."""
    deltas = _common_deltas(rel, src, dst)
    if deltas is None or deltas.is_empty():
        return ""
    parts = []
    for k in range(deltas.dim(isl.dim_type.set)):
        lo, hi = deltas.dim_min_val(k), deltas.dim_max_val(k)
        if lo.is_int() and hi.is_int() and lo.to_python() == hi.to_python():
            parts.append(str(lo.to_python()))
        elif lo.is_int() and not hi.is_int():
            parts.append(f"{lo.to_python()}+")
        else:
            parts.append("*")
    return ", ".join(parts)
