"""Post-processing of a schedule tree (schedule stage, after pluto.py / isl_scheduler.py).

Top-down over the tree, for every band:

1. tile it when it is permutable and has depth >= 2 (tile loops ``s*floor(h/s)`` over point loops
   ``h``, so partial tiles need no special case); with ``tile=True`` the innermost point loop of an
   innermost band gets a longer tile (:data:`SIMD_TILE`) when it will be a SIMD loop;
2. when no tile loop is parallel (time-iterated stencils) and no enclosing loop is parallel, replace
   the first tile loop by the wavefront ``floor(h1/s1) + floor(h2/s2)``, which makes the second
   tile loop parallel;
3. in an innermost permutable band, move to the innermost position the point loop with stride-1
   (or invariant) accesses that carries no dependence, when there is one; then, when that loop is
   shared by statements it cannot vectorize (a dependence between them) or needs guards for (their
   rows are shifted differently), distribute it: a sequence of one copy per statement, in dependence order;
4. decide every loop's kind from the dependences it carries: the first loop that carries none and
   has no parallel loop around it is PARALLEL, the innermost loop that carries none is SIMD, a
   wavefront loop is PIPELINED, every other loop is SERIAL with the reason (the dependence, a
   reduction, or the parallel loop around it).

The dependences a loop carries are computed exactly on the final loops: the pairs not yet ordered
by the enclosing loops and sequences that get different values at this loop.
"""

from __future__ import annotations

from dataclasses import replace

import islpy as isl

from ..analysis.dependences import Dependences, uniform_distances
from ..analysis.legality import example_pair
from ..frontend import syntax as sx
from .access import access_matrices, along, directions, multi_aff, streams
from .options import ScheduleOptions
from .schedule import PARALLEL, PIPELINED, SERIAL, SIMD, BandInfo, LoopInfo
from .tree import (
    NARROW_EXTENT,
    Band,
    Expr,
    IslBuilder,
    Leaf,
    Member,
    Node,
    Sequence,
    aff_to_expr,
    has_band,
    rows_of,
)

# Default (tile=True) size of the innermost point loop's tile when that loop is a SIMD candidate;
# the other loops keep options.DEFAULT_TILE.
SIMD_TILE = 128
# Default (tile=True) sizes in bands of depth >= 4 tiled for wavefronts: the two wavefront loops, and
# the innermost loop when it is a SIMD candidate; the loops between get SIMD_TILE (see
# PostProcessor._default_sizes).
WAVEFRONT_TILE = 8
# Default (tile=True) size of both tile loops of a 2-deep band tiled for wavefronts: square tiles,
# since non-square ones make isl's code generation explode (see _needs_wavefront).
SQUARE_WAVEFRONT_TILE = 128
WAVEFRONT_SIMD_TILE = 1024
# Role of the copies of a loop moved below a filter's taps (see PostProcessor._sink_innermost).
SUNK = "sunk"
# Taps with fixed bounds inside a SIMD loop are unrolled when they run at most this many times in all.
MAX_UNROLL = 64
# At most this many dependence-free tile loops share one OpenMP parallel loop (collapse clause).
MAX_COLLAPSE = 2


class PostProcessor:
    """Tiling, wavefront, intra-tile order and loop kinds for one schedule tree."""

    def __init__(self, deps: Dependences, options: ScheduleOptions):
        self.deps = deps
        self.scop = deps.scop
        self.options = options
        self.isl = IslBuilder(self.scop)
        self.access = {s.name: access_matrices(s) for s in self.scop.statements}
        self.reductions = {s.name: reduction_elements(s) for s in self.scop.statements}
        self.bands: list[BandInfo] = []
        self.decisions: list[str] = []
        self._mupa: dict[tuple, isl.MultiUnionPwAff] = {}
        self._in_simd = False  # visiting taps inside a SIMD loop: no SIMD marks, unrolled

    def run(self, tree: Node) -> Node:
        active = tuple((e, e.relation.to_union_map()) for e in self.deps.edges if not e.relation.is_empty())
        rows = {s.name: () for s in self.scop.statements}
        return self._visit(tree, active, None, rows)

    # ------------------------------------------------------------ traversal

    def _visit(self, node: Node, active, parallel_above: str | None, rows) -> Node:
        if isinstance(node, Leaf):
            return node
        if isinstance(node, Sequence):
            children = []
            for names, child in node.children:
                filt = self.isl.filter(names)
                inside = tuple((e, r) for e, r in ((e, rel.intersect_domain(filt).intersect_range(filt))
                                                     for e, rel in active) if not r.is_empty())
                children.append((names, self._visit(child, inside, parallel_above, rows)))
            return Sequence(tuple(children))
        return self._band(node, active, parallel_above, rows)

    def _band(self, band: Band, active, parallel_above, rows) -> Node:
        members = list(band.members)
        n = len(members)
        stmts = members[0].statements
        innermost = not has_band(band.child)
        number = f" {band.band_id}" if band.band_id >= 0 else ""
        label = f"band{number} ({', '.join(stmts)})"
        sizes, note = None, ""
        if not band.permutable:
            note = "not permutable: not tiled"
        elif n < 2:
            note = "depth 1: not tiled"
        else:
            sizes = self.options.tile_sizes(n)
            note = "" if sizes else "tiling disabled"
        # Only loops of a few iterations below (a filter's taps): order and size this band's tiles as
        # an innermost band's, then sink its innermost loop below the taps (see _sink_innermost).
        outer = {st: [Expr(r) for r in rows[st]] + [m.expr(st) for m in members] for st in stmts}
        taps_below = not innermost and band.permutable and self._narrow_subtree(band.child, outer)
        # Taps with the same constant bounds everywhere: gcc unrolls them, so the loop around them
        # is in effect innermost (it stays there, and is distributed and marked like one).
        fixed_taps = taps_below and all(
            (self.isl.fixed_count(st, outer[st], rows_of(band.child, st)) or MAX_UNROLL + 1) <= MAX_UNROLL
            for st in stmts)
        if band.permutable and n >= 2 and (innermost or taps_below):
            members = self._intra_tile_order(members, active, rows, label, tiled=bool(sizes))
            if sizes and self.options.tile is True:
                sizes = self._default_sizes(band, members, sizes, active, parallel_above)
        tiles: list[Member] = []
        if sizes:
            tiles = _tile_members(band.members, sizes)
            self.decisions.append(f"{label} tiled {'x'.join(map(str, sizes))}")
            if self.options.parallel and parallel_above is None and not self._has_parallel(tiles, active):
                # The tile loops follow the point loops' order here, so the wavefront runs over the
                # outer two and the tiles' innermost loop is the long (SIMD) one: fdtd-2d's
                # (t, t + j, t + i) band ran 2.8x slower with its tile loops left in band order.
                size_of = dict(zip(band.members, sizes))
                ordered = [size_of[m] for m in members]
                tiles = _tile_members(members, ordered)
                tiles = _wavefront(tiles, members, ordered)
                self.decisions.append(f"{label}: no tile loop is parallel; wavefront {tiles[0].name} "
                                      f"makes {tiles[1].name} parallel")
        elif note:
            self.decisions.append(f"{label} {note}")
        child_tree = band.child
        if taps_below and not fixed_taps and self.options.vectorize:
            sunk = self._sink_innermost(members, band.child, active, label)
            if sunk is not None:
                members, child_tree = members[:-1], sunk
        slot = len(self.bands)  # this band's record goes before those of the loops inside it
        self.bands.append(None)
        split = None
        vector_last = innermost or fixed_taps
        if vector_last and len(stmts) > 1 and len(members) > 1 and self.options.vectorize:
            split = self._distribute_innermost(tiles + members, active, label)
        last = members.pop() if split else None
        nested = any(rows[st] for st in stmts)  # loops around this band
        tile_infos, active, parallel_above = self._kinds(tiles, active, parallel_above, False, nested)
        point_infos, active, parallel_above = self._kinds(members, active, parallel_above,
                                                          vector_last and not split, nested or bool(tiles))
        if split:
            child, info = self._distributed(last, split, active, parallel_above, band.band_id, band.child)
            point_infos.append(info)
            members_all = members + [last]
        else:
            members_all = members
        new_rows = {s: rows[s] + tuple(m.expr(s).coeffs for m in members_all if m.expr(s).is_affine)
                    for s in stmts}
        self.bands[slot] = BandInfo(stmts, tuple(point_infos), band.permutable,
                                    tuple(sizes) if sizes else None, tuple(tile_infos), note)
        if not split:
            simd = point_infos[-1] if point_infos and fixed_taps else None
            child = self._visit_below(child_tree, active, parallel_above, simd, {**rows, **new_rows})
        point_infos = point_infos[:len(members)]
        inner = Band(tuple(members), child, band.permutable, infos=tuple(point_infos),
                     band_id=band.band_id) if members else child
        if not tiles:
            return inner
        return Band(tuple(tiles), inner, band.permutable, tile_sizes=tuple(sizes), infos=tuple(tile_infos),
                    band_id=band.band_id)

    def _visit_below(self, node: Node, active, parallel_above, above: LoopInfo | None, rows=None) -> Node:
        """``_visit`` of the loops below a loop ``above``.  When ``above`` is a SIMD loop, these are
        taps with fixed bounds: none of them is a SIMD loop (OpenMP simd regions do not nest) and
        all are unrolled in the generated code, so that the SIMD loop's body is straight-line code
        (gcc 12 fully unrolls stencil3d27's 3x3x3 taps inside a loop only with simple subscripts;
        without that its SIMD loop was not vectorized, 6x slower than the original loops)."""
        if rows is None:
            rows = {s.name: () for s in self.scop.statements}
        saved = self._in_simd
        self._in_simd = saved or (above is not None and above.kind == SIMD)
        try:
            return self._visit(node, active, parallel_above, rows)
        finally:
            self._in_simd = saved

    # ------------------------------------------------------------ dependences carried by loops

    def _mupa_of(self, member: Member) -> isl.MultiUnionPwAff:
        key = (member.exprs, member.role)
        if key not in self._mupa:
            self._mupa[key] = self.isl.mupa(member)
        return self._mupa[key]

    def _split(self, member: Member, active):
        """(carried pairs per dependence, pairs left for the inner loops) at ``member``."""
        mupa = self._mupa_of(member)
        carried, rest = [], []
        for e, rel in active:
            same = rel.eq_at_multi_union_pw_aff(mupa)
            if not rel.is_subset(same):
                carried.append((e, rel.subtract(same)))
            if not same.is_empty():
                rest.append((e, same))
        return carried, tuple(rest)

    def _needs_wavefront(self, band, sizes, active, parallel_above) -> bool:
        """Whether the band's tile loops will need a wavefront to get a parallel loop.

        Used to keep square tiles on 2-deep wavefronted bands: with a 32x128 tile, isl's AST
        generation for jacobi-1d's (t, 2t + i) band took 40 s (16x128: 12 s, 32x32: 0.2 s); the
        wavefront's two floors with very different divisors are what it struggles with.
        """
        if not self.options.parallel or parallel_above is not None:
            return False
        return not self._has_parallel(_tile_members(band.members, sizes), active)

    def _default_sizes(self, band: Band, members: list[Member], sizes, active, parallel_above):
        """The tile sizes of an innermost band under ``tile=True`` (explicit sizes are kept as given).

        * The innermost point loop, when it will be a SIMD loop, gets a longer tile
          (:data:`SIMD_TILE`): whole vectors for longer (gemm, lu, jacobi-2d, fdtd-2d: 1.1-1.5x
          single-threaded).  2-deep wavefronted bands keep square tiles (see _needs_wavefront).
        * A band of depth >= 4 whose tiles will run in wavefronts gets small tiles along the two
          wavefront loops (the first two point loops), long ones (:data:`SIMD_TILE`) along the
          loops between, and a very long innermost tile.  A
          wavefront ``T1 + T2`` over a skewed band holds about ``E / (s2 + skew * s1)`` tiles for a
          spatial extent ``E``; 3-D grids have small extents (heat-3d at LARGE: E = 118, skew 2), so
          32-wide tiles left two tiles per wavefront and 2 threads ran 1.3x faster than one.  The
          skewed innermost rows are cut at every tile boundary into two short SIMD loops; a long
          innermost tile cuts them rarely.  heat-3d at LARGE, 2 threads, against the original
          loops: 32x32x32x128 1.5-1.9x, 8x8x32x128 2.0x, 8x8x32x1024 1.9-2.1x, 8x8x128x1024 2.2x.  3-deep bands
          (jacobi-2d, fdtd-2d) were insensitive to both changes and keep the first rule.
        * A 2-deep wavefronted band gets square :data:`SQUARE_WAVEFRONT_TILE` tiles: jacobi-1d at LARGE
          ran 2.5x faster single-threaded with 128x128 tiles than with 32x32 (longer SIMD rows, fewer
          wavefronts), and isl generates their code in about a second.
        """
        n = len(members)
        simd = self.options.vectorize and self._vector_candidate(members, active)
        wavefront = self._needs_wavefront(band, sizes, active, parallel_above)
        out = list(sizes)
        last = band.members.index(members[-1])
        if simd and not (n <= 2 and wavefront):
            out[last] = SIMD_TILE
        if n == 2 and wavefront:
            out = [SQUARE_WAVEFRONT_TILE] * 2
        if n >= 4 and wavefront:
            for m in members[2:-1]:
                out[band.members.index(m)] = SIMD_TILE
            for m in members[:2]:
                out[band.members.index(m)] = WAVEFRONT_TILE
            if simd:
                out[last] = WAVEFRONT_SIMD_TILE
        return tuple(out)

    def _has_parallel(self, members: list[Member], active) -> bool:
        for m in members:
            carried, active = self._split(m, active)
            if not carried:
                return True
        return False

    def _kinds(self, members: list[Member], active, parallel_above, innermost: bool, nested: bool):
        """The LoopInfo of each of ``members`` (outermost first); ``nested``: loops are around them."""
        infos = []
        opened = None  # index of a parallel tile loop that later tile loops may be collapsed into
        for k, m in enumerate(members):
            before = active
            carried, active = self._split(m, active)
            last = innermost and k == len(members) - 1
            if opened is not None and m.role == "tile" and not carried \
                    and infos[opened].collapse < MAX_COLLAPSE \
                    and self._private_temporaries(m, before, infos[opened]).kind == PARALLEL:
                # Collapsing dependence-free tile loops multiplies the parallel iterations: conv2d's
                # batch loop has a single 32-tile at batch size 8, so one thread did all the work.
                head = infos[opened]
                infos[opened] = replace(head, collapse=head.collapse + 1)
                infos.append(LoopInfo(m.name, SERIAL, f"carries no dependence; collapsed into parallel loop "
                                                      f"{head.name}"))
                continue
            opened = None
            info = self._decide(m, carried, parallel_above, last, nested or k > 0)
            if info.kind in (PARALLEL, SIMD):
                info = self._private_temporaries(m, before, info)
            if self._in_simd:
                info = replace(info, unroll=True, reason=f"{info.reason}; unrolled inside a SIMD loop")
            if info.kind == PARALLEL:
                parallel_above = m.name
                opened = k if m.role == "tile" else None
            infos.append(info)
        return infos, active, parallel_above

    def _private_temporaries(self, m: Member, active, info: LoopInfo) -> LoopInfo:
        """``info``, or SERIAL when a value of a temporary written under ``m`` may cross its iterations.

        Code generation makes a temporary private to a parallel / simd loop only when every value
        of it is written and read in the same iteration of that loop and of all enclosing ones, in
        the generated code (see :mod:`polyopt.codegen.printer`); otherwise the temporary is shared,
        which code generation refuses under a pragma.  So the loop stays serial when

        * an enclosing loop or sequence carries a value of it (written in one wavefront of tiles,
          read in the next), or
        * a statement that writes or reads a value of it runs at a single iteration of ``m`` (its
          row has no iterator) while ``m`` loops for another statement: isl's AST generation may
          then put that statement outside the loop, before or after it or in a branch of its own
          (``s0 = 0.0`` hoisted above a parallel loop whose first iteration accumulates into
          ``s0``), and the value crosses the loop's boundary.
        """
        stmts = set(m.statements)
        loops = any(not _iterator_free(e) for _, e in m.exprs)
        for e in self.deps.edges:
            if e.kind != "RAW" or not self._is_local(e.array) or not (e.source in stmts or e.sink in stmts):
                continue
            if not any(e.array in (w.array for w in self.scop.statement(s).writes) for s in stmts):
                continue
            live = isl.UnionMap.empty(e.relation.get_space())
            for e2, rel in active:
                if e2 is e:
                    live = live.union(rel)
            single = [s for s in (e.source, e.sink) if s in stmts and _iterator_free(m.expr(s))]
            if not e.relation.to_union_map().is_subset(live):
                reason = f"temporary '{e.array}' carries a value across an enclosing loop or sequence"
            elif loops and single and not live.is_empty():
                reason = (f"temporary '{e.array}' is {'written' if single[0] == e.source else 'read'} by "
                          f"{single[0]}, which runs at a single iteration of {m.name} and may be generated "
                          f"outside the loop")
            else:
                continue
            self.decisions.append(f"{m.name} not {info.kind}: {reason}")
            return LoopInfo(m.name, SERIAL, reason)
        return info

    def _is_local(self, name: str) -> bool:
        return any(a.name == name and a.is_local for a in self.scop.arrays)

    def _decide(self, m: Member, carried, parallel_above, last: bool, nested: bool = True) -> LoopInfo:
        opts = self.options
        if m.role == "wavefront":
            return LoopInfo(m.name, PIPELINED, "wavefront over tiles: in order, makes the next loop parallel")
        if not carried:
            # An innermost loop inside a serial loop would open a parallel region per outer iteration
            # for one row of work: durbin's two such loops ran 2.5x slower than serial code.
            small = nested and last
            if opts.parallel and parallel_above is None and not small:
                return LoopInfo(m.name, PARALLEL, "carries no dependence")
            if last and opts.vectorize and not self._in_simd:
                why = "; not parallel: an innermost loop inside a serial loop" \
                    if small and opts.parallel and parallel_above is None else ""
                return LoopInfo(m.name, SIMD, f"innermost, carries no dependence{why}")
            if parallel_above is not None:
                return LoopInfo(m.name, SERIAL,
                                f"carries no dependence; inside parallel loop {parallel_above}")
            return LoopInfo(m.name, SERIAL, "carries no dependence; parallel=False")
        reductions = self._reduction(carried)
        if reductions:
            reason = (f"reduction on {', '.join(reductions)} along {m.name}: kept serial "
                      f"(parallel reductions are not generated yet)")
            if parallel_above is None:
                self.decisions.append(f"{m.name} not parallel: {reason}")
            return LoopInfo(m.name, SERIAL, reason, reductions)
        what = self.describe(*carried[0])
        if parallel_above is None or last:
            self.decisions.append(f"{m.name} not {'parallel' if parallel_above is None else 'simd'}: {what}")
        return LoopInfo(m.name, SERIAL, f"carries {what}")

    def _reduction(self, carried) -> tuple[str, ...]:
        """The reduction elements when every carried dependence is a self-dependence of a reduction."""
        out = set()
        for e, _ in carried:
            elem = self.reductions[e.source].get(e.array) if e.source == e.sink else None
            if elem is None:
                return ()
            out.add(elem)
        return tuple(sorted(out))

    def describe(self, edge, rel: isl.UnionMap) -> str:
        """``RAW on C from S1[i, j, k] to S1[i, j, k + 1]`` (symbolic when the distance is uniform)."""
        m = isl.Map.from_union_map(rel)
        src, dst = self.scop.statement(edge.source), self.scop.statement(edge.sink)
        head = f"{edge.kind} on {edge.array}"
        if src is dst:
            vecs = uniform_distances(m, src, dst)
            if vecs and len(vecs) == 1 and len(vecs[0]) == src.depth:
                sink = [_shifted(it, d) for it, d in zip(src.iterators, vecs[0])]
                return f"{head} from {src.name}[{', '.join(src.iterators)}] to {src.name}[{', '.join(sink)}]"
        a, b, _ = example_pair(m)
        return f"{head} from {src.name}[{', '.join(map(str, a))}] to {dst.name}[{', '.join(map(str, b))}]"

    def _vector_candidate(self, members: list[Member], active) -> bool:
        """Whether the innermost point loop will be a SIMD loop: it carries no dependence of a
        statement on itself once the outer point loops are fixed (dependences between statements
        are removed by :meth:`_distribute_innermost`)."""
        rest = active
        for m in members[:-1]:
            _, rest = self._split(m, rest)
        carried, _ = self._split(members[-1], rest)
        return all(e.source != e.sink for e, _ in carried)

    # ------------------------------------------------------------ loops of a few iterations

    def _narrow_subtree(self, node: Node, rows: dict) -> bool:
        """Whether every loop in ``node`` runs fewer than NARROW_EXTENT iterations (given ``rows``,
        the rows of the enclosing loops per statement) and every leaf holds one statement."""
        if isinstance(node, Leaf):
            return len(node.statements) == 1
        if isinstance(node, Sequence):
            return all(self._narrow_subtree(child, rows) for _, child in node.children)
        if any(m.role == SUNK for m in node.members):
            return False  # already sunk here: a loop moves below the taps once
        for m in node.members:
            for st, e in m.exprs:
                if not e.is_constant and not self.isl.narrow(st, rows[st], e, NARROW_EXTENT):
                    return False
        inner = {st: rows[st] + [m.expr(st) for m in node.members] for st in node.members[0].statements}
        return self._narrow_subtree(node.child, {**rows, **inner})

    def _sink_innermost(self, members: list[Member], child: Node, active, label) -> Node | None:
        """``child`` with a copy of the last of ``members`` innermost above every statement, or None.

        stencil3d27's and conv2d's point loops enclose 3x3 filter taps; gcc vectorizes neither the
        taps nor a loop around them, so the original loops (whose taps gcc unrolls, leaving the
        stride-1 loop innermost) ran 7x faster.  The copy of the loop below the taps is a SIMD
        loop.  Done only when the new order of the subtree respects every dependence not ordered
        by the outer loops, and no copy carries a dependence of its statement on itself."""
        last = members[-1]
        sunk = _sink(child, last)
        rest = Band(tuple(members[:-1]), sunk, True) if len(members) > 1 else sunk
        order = self.isl.flat_order(rest, last.statements)
        if any(not rel.is_subset(order) for _, rel in active):
            return None
        stmts = last.statements
        flat = self.isl.flat_map(rest, stmts, drop_last=True)
        same = flat.apply_range(flat.reverse())  # pairs left to the copies of the sunk loop
        if any(e.source == e.sink and not rel.intersect(same).is_empty() for e, rel in active):
            return None  # a copy would carry a dependence of its statement: no SIMD loop
        self.decisions.append(f"{label}: loop {last.name} moved below the loops of a few iterations inside it, "
                              f"one copy per statement")
        return sunk

    # ------------------------------------------------------------ innermost loop distribution

    def _distribute_innermost(self, loops: list[Member], active, label) -> tuple[str, ...] | None:
        """The statement order for distributing the innermost loop of a fused band, or None.

        A fused innermost loop that carries a dependence between statements (stencils skewed for
        time tiling: ``S1`` at column ``c`` reads what ``S0`` wrote at ``c - 1``) cannot be
        vectorized; one whose statements' rows are shifted differently by fusion needs guards
        inside the loop body.  Putting the statements in sequence *around* copies of that loop keeps every
        dependence satisfied when the pairs still unordered by the outer loops all go forward in
        the sequence (a topological order of the statements exists); each copy then carries only
        its statement's own dependences, and is a SIMD loop when it carries none.
        """
        rest = active
        for m in loops[:-1]:
            _, rest = self._split(m, rest)
        carried, _ = self._split(loops[-1], rest)
        stmts = loops[-1].statements
        # Rows shifted by different constants (S1 at column c + 1) need guards in a shared loop.
        shifts = {loops[-1].expr(s).const for s in stmts}
        if not carried and len(shifts) == 1:
            return None  # already dependence-free and without guards: keep the statements fused
        after = {s: set() for s in stmts}
        for e, _ in rest:
            if e.source != e.sink:
                after[e.source].add(e.sink)
        order: list[str] = []
        ready = [s for s in stmts if not any(s in after[t] for t in stmts)]
        while ready:
            s = ready.pop(0)
            order.append(s)
            for t in sorted(after[s], key=stmts.index):
                if all(t not in after[u] for u in stmts if u not in order):
                    ready.append(t)
            ready.sort(key=stmts.index)
        if len(order) != len(stmts):
            return None  # a cycle between statements: they must stay in one loop
        self_carried = {e.source for e, _ in carried if e.source == e.sink}
        if all(s in self_carried for s in stmts):
            return None  # every copy would still carry a dependence: nothing to vectorize
        why = "it carries no dependence between statements" if carried else "it needs no guards"
        self.decisions.append(f"{label}: innermost loop {loops[-1].name} distributed over "
                              f"({', '.join(order)}) so that {why}")
        return tuple(order)

    def _distributed(self, last: Member, order, active, parallel_above, band_id, below: Node):
        """The sequence of per-statement copies of the innermost loop ``last`` (in ``order``), and
        one LoopInfo summarising them for the band's record; ``below`` (leaves, or taps with fixed
        bounds) goes below each copy, restricted to its statement."""
        children, infos = [], []
        for s in order:
            filt = self.isl.filter((s,))
            mine = tuple((e, r) for e, r in ((e, rel.intersect_domain(filt).intersect_range(filt))
                                             for e, rel in active) if not r.is_empty())
            member = Member(((s, last.expr(s)),), last.name, last.role)
            carried, _ = self._split(member, mine)
            info = self._decide(member, carried, parallel_above, True)
            if info.kind in (PARALLEL, SIMD):
                info = self._private_temporaries(member, mine, info)
            infos.append(info)
            inner = _restrict(below, s)
            if has_band(inner):
                inner = self._visit_below(inner, mine, parallel_above, info)
            children.append(((s,), Band((member,), inner, True, infos=(info,), band_id=band_id)))
        kinds = {i.kind for i in infos}
        kind = kinds.pop() if len(kinds) == 1 else SERIAL
        reasons = "; ".join(dict.fromkeys(f"{i.kind} ({i.reason})" if len(infos) > 1 else i.reason
                                          for i in infos))
        reductions = tuple(sorted({r for i in infos for r in i.reductions}))
        summary = LoopInfo(last.name, kind, f"distributed over ({', '.join(order)}): {reasons}", reductions)
        return Sequence(tuple(children)), summary

    # ------------------------------------------------------------ intra-tile order

    def _intra_tile_order(self, members: list[Member], active, rows, label, tiled=False) -> list[Member]:
        n = len(members)
        scores = []
        dirs = {}  # statement -> the direction of each band loop in its iteration space (or None)
        for s in members[0].statements:
            exprs = [m.expr(s) for m in members]
            if all(e.is_affine for e in exprs):
                dirs[s] = directions(rows[s], [e.coeffs for e in exprs], self.scop.statement(s).depth)
        for p in range(n):
            good = bad = stream = 0
            for s, vs in dirs.items():
                if vs[p] is None:
                    continue
                for f in self.access[s]:
                    step = along(f, vs[p])
                    if not any(step):
                        continue
                    if not any(step[:-1]) and abs(step[-1]) == 1:
                        good += 1
                    else:
                        bad += 1
                        stream += streams(f, vs, p)
            carries = self._carries_when_innermost(members, p, active)
            # In a tile, strided accesses with reuse hit the cache while a carried dependence (a
            # reduction) serialises the loop: a stride-1 loop carrying nothing goes first (syrk: j,
            # not k).  Strided accesses without reuse stream through memory (gesummv with i
            # innermost walked A and B by columns: 0.6x of the original loops), whatever is carried.
            clean = 0 if tiled and good and not carries else 1
            scores.append((stream, clean, bad, carries, -good, -p))
        best = min(range(n), key=lambda p: scores[p])
        if best == n - 1:
            return members
        order = [m for q, m in enumerate(members) if q != best] + [members[best]]
        _, _, bad, carries, good, _ = scores[best]
        why = f"{-good} stride-1 and {bad} strided accesses" + ("" if carries else ", carries no dependence")
        self.decisions.append(f"{label}: point loops ordered ({', '.join(m.name for m in order)}): "
                              f"{members[best].name} innermost ({why})")
        return order

    def _carries_when_innermost(self, members, p, active) -> bool:
        rest = active
        for q, m in enumerate(members):
            if q != p:
                _, rest = self._split(m, rest)
        carried, _ = self._split(members[p], rest)
        return bool(carried)


def _restrict(node: Node, stmt: str) -> Node:
    """The part of ``node`` that runs ``stmt``."""
    if isinstance(node, Leaf):
        return Leaf((stmt,))
    if isinstance(node, Sequence):
        return _restrict(next(child for names, child in node.children if stmt in names), stmt)
    members = tuple(Member(((stmt, m.expr(stmt)),), m.name, m.role) for m in node.members)
    return Band(members, _restrict(node.child, stmt), node.permutable, node.tile_sizes, node.infos, node.band_id)


def _sink(node: Node, loop: Member) -> Node:
    """``node`` with a one-statement copy of ``loop`` directly above each (one-statement) leaf."""
    if isinstance(node, Leaf):
        st = node.statements[0]
        return Band((Member(((st, loop.expr(st)),), loop.name, SUNK),), node, True)
    if isinstance(node, Sequence):
        return Sequence(tuple((names, _sink(child, loop)) for names, child in node.children))
    return Band(node.members, _sink(node.child, loop), node.permutable, node.tile_sizes, node.infos,
                node.band_id)


def _tile_members(members: list[Member], sizes) -> list[Member]:
    """The tile loops of ``members`` with the given sizes, in the same order."""
    return [Member(tuple((s, e.tile(size)) for s, e in m.exprs), f"T({m.name})", "tile")
            for m, size in zip(members, sizes)]


def _wavefront(tiles: list[Member], loops: list[Member], sizes) -> list[Member]:
    """Replace the first tile loop by ``floor(h1/s1) + floor(h2/s2)`` (legal in a permutable band:
    all dependence components are non-negative, so their sum is zero only when both are)."""
    exprs = tuple((s, loops[0].expr(s).tile_index(sizes[0]).add(loops[1].expr(s).tile_index(sizes[1])))
                  for s in loops[0].statements)
    front = Member(exprs, f"wavefront({tiles[0].name}, {tiles[1].name})", "wavefront")
    return [front] + tiles[1:]


def _iterator_free(e: Expr) -> bool:
    """Whether a row takes one value over its statement's whole domain (``0``, ``N``,
    ``32*floor(N/32)``): no iterator occurs in it."""
    return not any(e.coeffs) and all(_iterator_free(inner) for _, inner, _ in e.floors)


def _shifted(it: str, d: int) -> str:
    return it if d == 0 else f"{it} + {d}" if d > 0 else f"{it} - {-d}"


def reduction_elements(stmt) -> dict[str, str]:
    """``{array: "y[i]"}`` when ``stmt`` is a reduction ``y[i] op= e`` / ``y[i] = y[i] op e`` with an
    associative ``op`` (``+ - *``) and ``e`` not reading the array."""
    body = stmt.body
    if body is None or not stmt.writes:
        return {}
    write = stmt.writes[0]
    same = [r for r in stmt.reads if r.array == write.array]
    # exactly one read of the array, of the written element: x = x op e with e free of x
    if len(same) != 1 or not same[0].relation.is_equal(write.relation):
        return {}
    ok = body.op in ("+", "-", "*")
    value = body.value
    if body.op is None and isinstance(value, sx.BinOp):
        ok = (value.op in ("+", "*") and body.target in (value.left, value.right)) or \
             (value.op == "-" and value.left == body.target)
    if not ok:
        return {}
    return {write.array: element_text(write.relation, stmt)}


def element_text(relation: isl.Map, stmt) -> str:
    """``A[i, j + 1]`` for an access relation of ``stmt`` (``A`` for a scalar)."""
    name = relation.get_tuple_name(isl.dim_type.out)
    n = relation.dim(isl.dim_type.out)
    if n == 0:
        return name
    ma = multi_aff(relation)
    if ma is None:
        return name
    subs = [aff_to_expr(ma.get_at(k), stmt.depth).text(stmt.iterators) for k in range(n)]
    return f"{name}[{', '.join(subs)}]"
