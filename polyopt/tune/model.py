"""A cost model that ranks candidate plans before anything is measured.

It predicts the seconds of a plan at concrete sizes on a :class:`~.machine.Machine` from three
effects, per statement, in the statement's innermost tiled band:

* **cache footprint and reuse**: the bytes one tile touches (per access, the span of each array
  subscript over the iterator ranges of one tile, capped by the array's extent), against the L1 and
  L2 sizes read from the machine.  A tile that fits in L2 loads its footprint once per tile
  execution; one that does not streams every access that varies along the innermost loop, a
  whole cache line per element when that access is strided;
* **vector width**: the innermost loop runs ``vector_bytes / element size`` lanes at a time when its
  accesses are unit-stride (or invariant) and its tile holds at least two vectors;
* **parallel grain**: the tiles along the band's outermost loop split over the machine's threads;
  a remainder leaves threads idle (``n / (threads * ceil(n / threads))``).

The constants are orders of magnitude (a few GB/s per level, one operation per lane per cycle at
3 GHz), not measurements: the tuner calibrates the model on the default plan's measured time and
corrects its ranking with every candidate it measures (:mod:`.search`).  Iterator ranges inside a
tile come from the band's rows (the inverse of the band's coefficient matrix), so skewed bands are
estimated too; non-affine parts (``floor``) are left out, which only blurs the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import islpy as isl
import numpy as np

from ..schedule.policy import DEFAULT_POLICY
from ..schedule.tree import Band, Node, Sequence, statements_of
from .machine import Machine

CLOCK_HZ = 3.0e9
BANDWIDTH = {"L2": 64e9, "L3": 24e9, "memory": 10e9}  # bytes/s per core, orders of magnitude
LINE_BYTES = 64


@dataclass(frozen=True)
class _Access:
    array: str
    rows: tuple[tuple[int, ...], ...]  # subscript coefficients per array dimension over the iterators
    itemsize: int
    extents: tuple[int, ...]  # the array's extent per dimension at these sizes


@dataclass(frozen=True)
class _Stmt:
    name: str
    extents: tuple[int, ...]  # iterator ranges over the whole domain
    instances: float
    accesses: tuple[_Access, ...]


class CostModel:
    """Predicted seconds of plans of one kernel at ``sizes`` on ``machine``."""

    def __init__(self, scop, sizes: dict[str, int], machine: Machine):
        self.machine = machine
        self.stmts = {s.name: _statement(scop, s, sizes) for s in scop.statements}
        self._paths: dict[int, tuple] = {}  # id(tree) -> (tree, bands above each statement)
        self._bands: dict[tuple, tuple] = {}  # (id(band), statement) -> (band, what _band_facts says)

    def predict(self, plan) -> float:
        """Seconds for ``plan`` (a :class:`~polyopt.schedule.plan.Plan`; undecided fields are read
        as the passes' defaults would leave them: untiled band order, no tiling)."""
        return sum(self.per_statement(plan).values())

    def per_statement(self, plan, only=None) -> dict[str, float]:
        """Predicted seconds per statement of ``plan`` (of the statements in ``only``, if given:
        a change to one band changes only its statements' times)."""
        paths = self.per_statement_paths(plan.tree)
        decided = {(b.statements, b.loops): b for b in plan.bands}
        return {name: self._statement_time(stmt, paths.get(name, []), decided, plan.options)
                for name, stmt in self.stmts.items() if only is None or name in only}

    def per_statement_paths(self, tree) -> dict[str, list[Band]]:
        """Per statement, the bands of ``tree`` above it, outermost first (computed once per tree)."""
        cached = self._paths.get(id(tree))
        if cached is None or cached[0] is not tree:
            cached = self._paths[id(tree)] = (tree, _band_paths(tree))
        return cached[1]

    # ------------------------------------------------------------ one statement

    def _statement_time(self, stmt: _Stmt, bands, decided, options) -> float:
        n = len(stmt.extents)
        ranges = np.array(stmt.extents, dtype=float)  # iterator ranges inside the innermost tile
        order_last = None
        parallel_tiles = 1.0
        fixed = np.zeros(n, dtype=bool)
        for depth, band in enumerate(bands):
            facts = self._band_facts(band, stmt.name, n)
            if facts is None:
                continue
            rows, absrows, used, inverse, key, names = facts
            bp = decided.get(key)
            tile = _tile_of(bp, options, len(names))
            order = list(bp.order) if bp is not None and bp.order else names
            spans = absrows @ np.maximum(ranges, 1.0)
            sizes = np.array([min(t, s) if t else s for t, s in zip(tile, spans)], dtype=float)
            inner = ranges.copy()
            if used.any():
                inner[used] = np.minimum(np.abs(inverse) @ np.maximum(sizes - 1, 0) + 1, ranges[used])
            if depth == 0 and any(tile):
                parallel_tiles = max(1.0, spans[0] / max(sizes[0], 1.0))
            elif depth == 0:
                parallel_tiles = max(1.0, spans[0])
            if depth < len(bands) - 1 and not any(tile):
                # an untiled outer band: its iterators are fixed for the bands inside it
                fixed |= used
            else:
                ranges = np.where(fixed, 1.0, inner)
            order_last = rows[names.index(order[-1])] if order[-1] in names else rows[-1]
        tile_points = float(np.prod(np.maximum(ranges, 1.0)))
        tiles = max(1.0, stmt.instances / tile_points)
        footprint = sum(_footprint(a, ranges) for a in _distinct(stmt.accesses))
        lanes, strided = self._vector(stmt, order_last, ranges, options)
        ops = len(stmt.accesses) + 1
        compute = stmt.instances * ops / (lanes * CLOCK_HZ)
        if footprint <= self.machine.cache("L2") / 2:
            level = "L3" if footprint * tiles > self.machine.cache("L3") else "L2"
            memory = tiles * footprint / BANDWIDTH[level]
            if footprint > self.machine.cache("L1"):
                memory += stmt.instances * len(stmt.accesses) * 8 / BANDWIDTH["L2"] / lanes
        else:
            per_point = sum(a.itemsize * (LINE_BYTES / a.itemsize if s else 1)
                            for a, s in zip(stmt.accesses, strided))
            memory = stmt.instances * per_point / BANDWIDTH["memory"] / max(1.0, lanes / 2)
        threads = self.machine.threads if options.get("parallel", True) else 1
        grain = parallel_tiles / (threads * math.ceil(parallel_tiles / threads))
        return (compute + memory) / (threads * grain)

    def _band_facts(self, band: Band, stmt: str, n: int):
        """What the model needs of a band for one statement, computed once: its rows, their
        absolute values, the iterators it uses, the pseudo-inverse of its rows on them (to turn
        tile sizes into iterator ranges), its plan key and its loop names; None if the statement
        is not in the band."""
        key = (id(band), stmt)
        cached = self._bands.get(key)
        if cached is None or cached[0] is not band:
            rows = _rows(band, stmt, n)
            facts = None
            if rows is not None:
                used = np.abs(rows).sum(axis=0) > 0
                inverse = np.linalg.pinv(rows[:, used]) if used.any() else None
                names = [m.name for m in band.members]
                facts = (rows, np.abs(rows), used, inverse, (statements_of(band), tuple(names)), names)
            cached = self._bands[key] = (band, facts)
        return cached[1]

    def _vector(self, stmt: _Stmt, last_row, ranges, options) -> tuple[float, list[bool]]:
        """Lanes the innermost loop runs at once, and which accesses it walks with a stride."""
        if last_row is None or not stmt.extents:
            return 1.0, [False] * len(stmt.accesses)
        which = np.nonzero(last_row)[0]
        it = int(which[-1]) if len(which) else len(stmt.extents) - 1
        strided = []
        for a in stmt.accesses:
            coeffs = [row[it] if it < len(row) else 0 for row in a.rows]
            strided.append(any(coeffs[:-1]) or (bool(coeffs) and abs(coeffs[-1]) > 1))
        if not options.get("vectorize", True) or any(strided) or ranges[it] < 2:
            return 1.0, strided
        itemsize = max((a.itemsize for a in stmt.accesses), default=8)
        lanes = self.machine.vector_bytes / itemsize
        if ranges[it] < 2 * lanes:
            lanes = max(1.0, ranges[it] / 2)
        return lanes, strided


def _tile_of(bp, options, depth: int) -> tuple[int, ...]:
    """Tile sizes of a band (0: not tiled) as decided, or as the option says when undecided."""
    if bp is not None and bp.tile is not None:
        return tuple(bp.tile) if bp.tile else (0,) * depth
    tile = options.get("tile", True)
    if tile is False:
        return (0,) * depth
    if tile is True:  # the tile policy's sizes, its SIMD size on the innermost loop
        return DEFAULT_POLICY.sizes(depth)[:-1] + (DEFAULT_POLICY.simd,)
    sizes = tuple(tile) if isinstance(tile, (list, tuple)) else (tile,)
    return tuple(sizes[min(k, len(sizes) - 1)] for k in range(depth))


def _band_paths(tree: Node) -> dict[str, list[Band]]:
    """Per statement, the bands above it, outermost first."""
    paths: dict[str, list[Band]] = {}

    def walk(node, above):
        if isinstance(node, Band):
            walk(node.child, above + [node])
        elif isinstance(node, Sequence):
            for _, child in node.children:
                walk(child, above)
        else:
            for s in node.statements:
                paths[s] = [b for b in above if s in statements_of(b)]

    walk(tree, [])
    return paths


def _rows(band: Band, stmt: str, n: int):
    rows = []
    for m in band.members:
        try:
            e = m.expr(stmt)
        except KeyError:
            return None
        rows.append(list(e.coeffs) + [0] * (n - len(e.coeffs)))
    return np.array(rows, dtype=float).reshape(len(rows), n)


def _distinct(accesses):
    seen = {}
    for a in accesses:
        seen.setdefault((a.array, a.rows), a)
    return seen.values()


def _footprint(a: _Access, ranges) -> float:
    elements = 1.0
    for row, extent in zip(a.rows, a.extents):
        span = sum(abs(c) * (r - 1) for c, r in zip(row, ranges)) + 1
        elements *= min(span, max(extent, 1))
    return elements * a.itemsize


# ------------------------------------------------------------ reading the model


def _statement(scop, stmt, sizes: dict[str, int]) -> _Stmt:
    dom = _fix(stmt.domain, sizes)
    n = dom.dim(isl.dim_type.set)
    extents = []
    for k in range(n):
        if dom.is_empty():
            extents.append(1)
            continue
        lo, hi = dom.dim_min_val(k), dom.dim_max_val(k)
        extents.append(int(hi.to_python()) - int(lo.to_python()) + 1 if lo.is_int() and hi.is_int() else 1)
    instances = float(np.prod(extents)) if n else 1.0
    accesses = tuple(a for a in (_access(scop, acc, n, sizes) for acc in stmt.accesses) if a is not None)
    return _Stmt(stmt.name, tuple(extents), instances, accesses)


def _access(scop, acc, n: int, sizes) -> _Access | None:
    array = scop.array(acc.array)
    if array.is_local:
        return None
    itemsize = array.dtype.np_dtype.itemsize
    extents = []
    for s in array.shape:
        try:
            extents.append(s.value(sizes))
        except KeyError:
            extents.append(1 << 30)  # unknown: never the limit of a footprint
    rows = []
    try:
        pma = acc.relation.as_pw_multi_aff()
        for d in range(pma.dim(isl.dim_type.out)):
            pieces = pma.get_pw_aff(d).get_pieces()
            aff = pieces[0][1] if pieces else None
            rows.append(tuple(int(aff.get_coefficient_val(isl.dim_type.in_, k).to_python()) if aff else 0
                              for k in range(n)))
    except isl.Error:
        rows = [(0,) * n for _ in extents]
    return _Access(acc.array, tuple(rows), itemsize, tuple(extents))


def _fix(dom: isl.Set, sizes: dict[str, int]) -> isl.Set:
    for k in range(dom.dim(isl.dim_type.param)):
        name = dom.get_dim_name(isl.dim_type.param, k)
        if name in sizes:
            dom = dom.fix_val(isl.dim_type.param, k, isl.Val(int(sizes[name])))
    return dom


def band_spans(model: CostModel, plan) -> dict[int, list[float]]:
    """Per band of ``plan`` (by index), each loop's extent: the largest over its statements."""
    paths = model.per_statement_paths(plan.tree)
    trees = {(statements_of(b), tuple(m.name for m in b.members)): b for bands in paths.values() for b in bands}
    spans: dict[int, list[float]] = {}
    for index, bp in enumerate(plan.bands):
        band = trees.get((bp.statements, bp.loops))
        if band is None:
            continue
        best = np.ones(len(bp.loops))
        for s in bp.statements:
            stmt = model.stmts.get(s)
            facts = model._band_facts(band, s, len(stmt.extents)) if stmt is not None else None
            if facts is not None:
                best = np.maximum(best, facts[1] @ np.maximum(np.array(stmt.extents, dtype=float), 1.0))
        spans[index] = [float(v) for v in best]
    return spans
