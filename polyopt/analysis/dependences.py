"""Exact dependences of a Scop.

Value-based flow dependences (RAW: each read is linked to the last write of the same element
before it) come from isl's dataflow analysis; memory-based anti (WAR) and output (WAW)
dependences link every pair of conflicting accesses in the original order.  Together they are
the constraints every legal schedule must respect.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import islpy as isl

from ..errors import ModelError
from ..poly.scop import Scop

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

    @property
    def is_loop_carried_self(self) -> bool:
        return self.source == self.sink

    def describe(self) -> str:
        d = f" distance ({', '.join(map(str, self.distance))})" if self.distance is not None else ""
        return f"{self.kind} on {self.array}: {self.source} -> {self.sink}{d}"


@dataclass(frozen=True, eq=False)
class Dependences:
    """All dependences of a Scop, as UnionMaps per kind and as per-edge records."""

    scop: Scop
    raw: isl.UnionMap
    war: isl.UnionMap
    waw: isl.UnionMap
    edges: tuple[Dependence, ...]

    @property
    def all(self) -> isl.UnionMap:
        return self.raw.union(self.war).union(self.waw).coalesce()

    def of_kind(self, kind: str) -> tuple[Dependence, ...]:
        return tuple(e for e in self.edges if e.kind == kind)

    def summary(self) -> str:
        if not self.edges:
            return f"{self.scop.name}: no dependences"
        lines = [f"{self.scop.name}: {len(self.edges)} dependence edge(s)"]
        lines += ["  " + e.describe() for e in self.edges]
        return "\n".join(lines)

    __str__ = summary


def _union(maps, space):
    return functools.reduce(isl.UnionMap.union, maps, isl.UnionMap.empty(space))


def compute_dependences(scop: Scop) -> Dependences:
    """Compute RAW (value-based), WAR and WAW (memory-based) dependences of ``scop``."""
    try:
        return _compute(scop)
    except isl.Error as exc:  # translate at the layer boundary
        raise ModelError(f"dependence analysis of '{scop.name}' failed in isl: {exc}") from exc


def _compute(scop: Scop) -> Dependences:
    space = scop.context.get_space()
    order = scop.original_schedule()
    reads, writes = scop.reads(), scop.writes()
    raw = (
        isl.UnionAccessInfo.from_sink(reads)
        .set_must_source(writes)
        .set_schedule_map(order)
        .compute_flow()
        .get_may_dependence()
    )
    # Memory-based: every earlier access to the same element.  lex_lt on the shared schedule space.
    before = order.lex_lt_union_map(order)
    waw = writes.apply_range(writes.reverse()).intersect(before)
    war = reads.apply_range(writes.reverse()).intersect(before)
    raw, war, waw = (m.intersect_params(scop.context).coalesce() for m in (raw, war, waw))
    edges = []
    for kind, umap, src_acc, dst_acc in (
        (RAW, raw, writes, reads),
        (WAR, war, reads, writes),
        (WAW, waw, writes, writes),
    ):
        edges.extend(_split_edges(scop, kind, umap, src_acc, dst_acc))
    return Dependences(scop, raw, war, waw, tuple(edges))


def _split_edges(scop, kind, umap, src_acc, dst_acc):
    """Split a dependence UnionMap by (source, sink, array)."""
    out = []
    for src in scop.statements:
        for dst in scop.statements:
            pair = umap.intersect_domain(src.domain.to_union_set()).intersect_range(dst.domain.to_union_set())
            if pair.is_empty():
                continue
            arrays = sorted({a.array for a in (src.writes if kind != WAR else src.reads)}
                            & {a.array for a in (dst.reads if kind == RAW else dst.writes)})
            for array in arrays:
                rel = _through_array(pair, src, dst, array, kind)
                if rel is None or rel.is_empty():
                    continue
                out.append(Dependence(kind, src.name, dst.name, array, rel.coalesce(),
                                      uniform_distance(rel, src, dst)))
    return out


def _through_array(pair: isl.UnionMap, src, dst, array, kind) -> isl.Map | None:
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
    return isl.Map.from_union_map(pair).intersect(same) if not pair.is_empty() else None


def shared_loops(src, dst) -> int:
    """How many enclosing loops two statements share (the same ``For`` nodes, outermost first)."""
    n = 0
    for a, b in zip(src.loops, dst.loops):
        if a is not b:
            break
        n += 1
    return n


def uniform_distance(rel: isl.Map, src, dst) -> tuple[int, ...] | None:
    """The constant distance vector over the loops ``src`` and ``dst`` share, if it is uniform."""
    n = shared_loops(src, dst)
    if n == 0:
        return ()
    try:
        m = rel
        if src.depth > n:
            m = m.project_out(isl.dim_type.in_, n, src.depth - n)
        if dst.depth > n:
            m = m.project_out(isl.dim_type.out, n, dst.depth - n)
        m = m.set_tuple_name(isl.dim_type.in_, None).set_tuple_name(isl.dim_type.out, None)
        deltas = m.deltas()
        if deltas.is_empty():
            return None
        vals = []
        for k in range(n):
            lo, hi = deltas.dim_min_val(k), deltas.dim_max_val(k)
            if not (lo.is_int() and hi.is_int()) or lo.to_python() != hi.to_python():
                return None
            vals.append(lo.to_python())
        return tuple(vals)
    except isl.Error:
        return None
