"""The Pluto-style scheduler: Dependences -> schedule tree of permutable bands (before tiling).

The search follows Pluto's driver.  For a group of statements and the dependences among them that
outer loops have not yet satisfied, hyperplanes are found one at a time (:mod:`.farkas`): each
weakly satisfies every such dependence, so all hyperplanes of a band can be permuted and tiled, and
each is linearly independent of the statement's hyperplanes so far.  When no further hyperplane
exists the band ends; the dependences it satisfied strongly are dropped, and the search continues
below it.  When even the first hyperplane of a band cannot be found, the statements are cut between
the strongly connected components of the remaining dependence graph (a sequence node, i.e. a scalar
dimension), in topological order.

Fusion policy (``options.fuse``) decides where to cut before that is forced:

* ``"none"``: every SCC gets its own loop nest, as early as possible;
* ``"max"``: cut only when no common hyperplane exists, then merge SCCs greedily (in topological
  order, each into the latest group it may join) as long as the merged group has a common loop;
* ``"smart"``: merge only parts that share an array (or, without a reduction loop, run over the
  same domain), when the merged group's band is as deep as
  the band of each part, gives every statement a loop of its own in each member (no constant row,
  so no guard inside the tiles), keeps a parallel loop when either part had one, and keeps an
  innermost loop along which no statement walks an array across its rows (when each part had one).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import islpy as isl

from ..analysis.dependences import Dependences
from ..errors import ScheduleError
from . import access, farkas
from .fusion import NO_COMMON_LOOP, Cut, Fused
from .original import original_rows
from .policy import DEFAULT_POLICY
from .tree import Band, Expr, IslBuilder, Leaf, Member, Node, Sequence, member_name


class PlutoStuck(ScheduleError):
    """No hyperplane exists for one strongly connected component (outside Pluto's search space)."""


@dataclass(frozen=True, eq=False)
class DepPart:
    """The part of a dependence edge not yet satisfied by outer loops, split into simple pieces."""

    edge: object  # the analysis Dependence
    pieces: tuple[isl.Map, ...]  # one per pair of accesses; their union is the unsatisfied relation

    @property
    def source(self) -> str:
        return self.edge.source

    @property
    def sink(self) -> str:
        return self.edge.sink


@dataclass(frozen=True)
class Found:
    """A hyperplane and what it does to the dependences active in its band."""

    plane: farkas.Hyperplane
    satisfied: frozenset  # DepParts with phi_T - phi_S >= 1 on every pair
    zero: frozenset  # DepParts with phi_T - phi_S == 0 on every pair


class PlutoScheduler:
    """One run of the search over all statements of a Scop."""

    def __init__(self, deps: Dependences, fuse: str, pairs: tuple[tuple[str, str, str], ...] = ()):
        self.scop = deps.scop
        self.fuse = fuse
        names = {s.name for s in self.scop.statements}
        for a, b, _ in pairs:
            for name in (a, b):
                if name not in names:
                    raise ScheduleError(f"fuse_pairs names {name}, which '{self.scop.name}' does not have",
                                        hint=f"its statements are {', '.join(sorted(names))}")
        self.pairs = pairs
        self.order = {s.name: k for k, s in enumerate(self.scop.statements)}
        self.local = frozenset(a.name for a in self.scop.arrays if a.is_local)
        self.shapes = {s.name: farkas.StmtShape(s.name, s.depth, _loop_signs(s))
                       for s in self.scop.statements}
        self.isl = IslBuilder(self.scop)
        self.access = {s.name: access.access_matrices(s) for s in self.scop.statements}
        # per statement, its loops of fewer than the policy's narrow_extent iterations (outer ones fixed)
        self.narrow = {s.name: frozenset(k for k in range(s.depth)
                                         if self.isl.narrow(s.name, [_unit(j, s.depth) for j in range(k)],
                                                            _unit(k, s.depth), DEFAULT_POLICY.narrow_extent))
                       for s in self.scop.statements}
        self.parts = tuple(DepPart(e, tuple(farkas.dependence_pieces(e, self.scop)))
                           for e in deps.edges if not e.relation.is_empty())
        self.decisions: list = []  # lines, and Cuts (located once the passes are done: .fusion)
        self._farkas: dict[DepPart, tuple] = {}
        self._cons: dict[tuple, isl.BasicSet] = {}
        self._layouts: dict[tuple, farkas.Layout] = {}
        self._bands: dict[tuple, list[Found]] = {}
        self._stops: dict[tuple, str] = {}  # band key -> the narrow hyperplane it stopped before
        self._phi_cache: dict[tuple, isl.Map] = {}
        self._n_bands = 0

    # ------------------------------------------------------------ driver

    def schedule(self) -> Node:
        names = tuple(s.name for s in self.scop.statements)
        rows = {n: () for n in names}
        return self._group(names, self.parts, rows)

    def _group(self, stmts: tuple[str, ...], edges: tuple[DepPart, ...], rows: dict) -> Node:
        full = all(self._full_rank(s, rows) for s in stmts)
        if full and not edges:
            return Leaf(stmts)
        sccs = self._sccs(stmts, edges)
        if full:
            if len(sccs) == 1:
                raise PlutoStuck(f"dependences among {_names(stmts)} remain after all their loops")
            return self._sequence(sccs, edges, rows, "every loop is scheduled; order by dependences")
        if len(sccs) > 1:
            groups, refusals = self._partition(sccs, edges, rows)
            if len(groups) > 1:
                return self._sequence(groups, edges, rows, f"fuse={self.fuse}", refusals)
        band = self._band(stmts, edges, rows)
        if not band:
            if len(sccs) > 1:
                return self._sequence(sccs, edges, rows, "no common hyperplane")
            raise PlutoStuck(f"no legal hyperplane for {_names(stmts)} within the coefficient bounds")
        band_id = self._n_bands
        self._n_bands += 1
        remaining = self._unsatisfied(edges, band)
        new_rows = {s: rows[s] + tuple(f.plane.row(s)[0] for f in band) for s in stmts}
        members = tuple(self._member(f, stmts) for f in band)
        self.decisions.append(
            f"band {band_id} ({_names(stmts)}): hyperplanes {', '.join(m.name for m in members)}")
        stop = self._stops.get((stmts, edges, tuple(rows[s] for s in stmts)))
        if stop:
            self.decisions.append(f"band {band_id} stops before {stop}: it would only add loops of fewer "
                                  f"than {DEFAULT_POLICY.narrow_extent} iterations")
        child = self._group(stmts, remaining, new_rows)
        return Band(members, child, permutable=True, band_id=band_id)

    def _sequence(self, groups, edges, rows, why: str, refusals=()) -> Sequence:
        self.decisions.append(Cut(tuple(groups), why, tuple(refusals), self.fuse))
        children = []
        for g in groups:
            inside = tuple(e for e in edges if self._inside(e, g))
            children.append((g, self._group(g, inside, rows)))
        return Sequence(tuple(children))

    def _member(self, found: Found, stmts) -> Member:
        exprs = tuple((s, Expr(*found.plane.row(s))) for s in stmts)
        return Member(exprs, member_name(exprs, self.scop))

    # ------------------------------------------------------------ fusion policy

    def _partition(self, sccs, edges, rows) -> tuple[list[tuple[str, ...]], list[tuple]]:
        """The groups of SCCs that share their next loop, and the merges refused on the way."""
        refusals: list[tuple] = []  # (SCC, group, reason)
        if self.fuse == "none" and not any(how == "fuse" for _, _, how in self.pairs):
            return list(sccs), refusals
        if self.fuse == "max" and not any(how == "apart" for _, _, how in self.pairs):
            whole = tuple(sorted((s for g in sccs for s in g), key=self.order.get))
            if self._band(whole, edges, rows):
                return [whole], refusals
        # Greedy, in topological order: each SCC joins the latest group it may join (one holding or
        # following all SCCs it depends on, so the order of the groups stays legal), else starts a
        # new group.  2mm's two initialisations are fused this way, its two products are not.
        groups: list[tuple[str, ...]] = []
        for nxt in sccs:
            preds = {e.source for e in edges if e.sink in nxt and e.source not in nxt}
            first = max((k for k, g in enumerate(groups) if preds & set(g)), default=0)
            joined = False
            for k in reversed(range(first, len(groups))):
                reason = self._merge_refused(groups[k], nxt, edges, rows)
                if not reason:
                    self.decisions.append(Fused(nxt, groups[k], self.fuse))
                    groups[k] = tuple(sorted(groups[k] + nxt, key=self.order.get))
                    joined = True
                    break
                if k == len(groups) - 1:
                    refusals.append((nxt, groups[k], reason))
            if not joined:
                groups.append(nxt)
        return groups, refusals

    def _merge_refused(self, cur, nxt, edges, rows) -> str:
        """Why ``cur`` and ``nxt`` must not share their next band, or "" to fuse them.

        The refusals that need no band come first, then those that need only the fused band; the
        bands of ``cur`` and ``nxt`` alone are computed last (on adi, a refusal found after them
        cost 0.35 s of a 2 s compile, AMD EPYC Zen 3)."""
        both = tuple(sorted(cur + nxt, key=self.order.get))
        chosen = {how for a, b, how in self.pairs if {a, b} <= set(both) and not {a, b} <= set(cur)
                  and not {a, b} <= set(nxt)}
        if "apart" in chosen:
            return "kept apart by fuse_pairs"
        forced = "fuse" in chosen or self.fuse == "max"
        if not forced and self.fuse == "none":
            return "fuse=none"
        # No data to reuse.  Their domains may differ, and the guards cost (3mm's two independent
        # products fused ran 8x slower than apart); nests over the same domain without a reduction
        # loop (initialisations) still fuse: one pass, one parallel region, no guard.
        unshared = not forced and not self._arrays(cur) & self._arrays(nxt)
        if unshared and not self._same_domain(both):
            return "they share no array"
        fused = self._band(both, self._inside_all(edges, both), rows)
        if not fused:
            return NO_COMMON_LOOP
        if forced:
            return ""
        if unshared and len(fused) > 2:
            return "they share no array"
        for s in both:
            # A constant (or repeated) row runs the statement under a guard inside the others' tiles
            # and keeps isl from separating full tiles: gemm with C *= beta fused into its product
            # ran 1.8x slower than with a loop nest of its own (at PolyBench's LARGE size).
            depth = self.shapes[s].depth
            band_rows = [f.plane.row(s)[0] for f in fused]
            gain = farkas.rank(list(rows[s]) + band_rows, depth) - farkas.rank(list(rows[s]), depth)
            if gain < len(fused):
                return f"{s} would not get a loop of its own in every member of the fused band"
        a = self._band(cur, self._inside_all(edges, cur), rows)
        b = self._band(nxt, self._inside_all(edges, nxt), rows)
        if len(fused) < max(len(a), len(b)):
            # Pluto's smartfuse keeps SCCs of different dimensionality apart: fusing matmul_bias_relu's
            # 2-deep bias and relu loops with its 3-deep product pushed k inside j (no SIMD loop,
            # column accesses): 50x slower than the original loops.
            return f"the fused band would have depth {len(fused)} instead of {max(len(a), len(b))}"
        inside = self._inside_all
        local = self.local
        apart = _has_parallel(a, inside(edges, cur), local) or _has_parallel(b, inside(edges, nxt), local)
        if apart and not _has_parallel(fused, inside(edges, both), local):
            return "the fused band would have no parallel loop"
        if self._stream_free(a, cur, rows) and self._stream_free(b, nxt, rows) \
                and not self._stream_free(fused, both, rows):
            # bicg's two products fused with transposed loops: one of them walked A by columns
            return "every innermost loop of the fused band would walk an array across its rows"
        return ""

    def _same_domain(self, stmts) -> bool:
        """Whether all of ``stmts`` have the same iteration domain (up to the statement name)."""
        doms = [self.scop.statement(s).domain.reset_tuple_id() for s in stmts]
        return all(d.get_space().is_equal(doms[0].get_space()) and d.is_equal(doms[0]) for d in doms[1:])

    def _arrays(self, stmts) -> set[str]:
        return {a.array for s in stmts for a in self.scop.statement(s).accesses}

    def _stream_free(self, band: list[Found], stmts, rows) -> bool:
        """Whether some loop of ``band`` could go innermost without any statement streaming through
        an array by strided steps (see :func:`.access.streams`)."""
        if not band:
            return True
        dirs = {s: access.directions(rows[s], [f.plane.row(s)[0] for f in band], self.shapes[s].depth)
                for s in stmts}
        return any(not any(access.streams(f, dirs[s], p) for s in stmts if dirs[s][p] is not None
                           for f in self.access[s])
                   for p in range(len(band)))

    # ------------------------------------------------------------ bands and hyperplanes

    def _band(self, stmts, edges, rows) -> list[Found]:
        key = (stmts, edges, tuple(rows[s] for s in stmts))
        if key not in self._bands:
            found: list[Found] = []
            cur = {s: rows[s] for s in stmts}
            while not all(self._full_rank(s, cur) for s in stmts):
                f = self._hyperplane(stmts, edges, cur)
                if f is None:
                    break
                if found and self._narrow_member(f, stmts, cur):
                    self._stops[key] = self._member(f, stmts).name
                    break
                found.append(f)
                cur = {s: cur[s] + (f.plane.row(s)[0],) for s in stmts}
            self._bands[key] = found
        return self._bands[key]

    def _narrow_zero(self, stmt: str, rows) -> tuple[farkas.LinearConstraint, ...]:
        """Constraints keeping ``stmt``'s narrow loops (a 3x3 filter's taps) out of its hyperplanes
        until its other loops are all scheduled, so they stay innermost and unskewed.

        Pluto's cost function otherwise happily schedules stencil3d27's ``i + a`` (the tap ``a``
        shifts the row that ``i`` reads): the taps end up split across tiles and the sweep lost its
        SIMD loop, 7x slower than the original loops.  When no hyperplane exists under these
        constraints the search runs again without them."""
        narrow = self.narrow[stmt]
        if not narrow:
            return ()
        depth = self.shapes[stmt].depth
        wide = [k for k in range(depth) if k not in narrow]
        if farkas.rank([tuple(r[k] for k in wide) for r in rows], len(wide)) == len(wide):
            return ()
        return farkas.fixed_zero(stmt, sorted(narrow))

    def _narrow_member(self, found: Found, stmts, rows) -> bool:
        """Whether ``found`` would only bring loops of a few iterations into the band.

        A reduction over a 3-tap filter (conv2d's ``c, r``) admits ``2*c + r`` as the next band
        member, and a fixed 3x3x3 filter's ``a`` joins the ``i, j, k`` band as it is; tiling the taps
        gains nothing, the skew costs guards and short, misaligned loops, and the taps then sit
        between the point loops and the SIMD loop.  Ending the band there gives each tap a band of
        its own below (where Pluto would skew and tile)."""
        narrow = False
        for s in stmts:
            coeffs, const = found.plane.row(s)
            if not any(coeffs) or farkas.rank(list(rows[s]) + [coeffs], len(coeffs)) == farkas.rank(
                    list(rows[s]), len(coeffs)):
                continue  # no new loop for this statement
            narrow_extent = DEFAULT_POLICY.narrow_extent
            if not self.isl.narrow(s, [Expr(r) for r in rows[s]], Expr(coeffs, const), narrow_extent):
                return False
            narrow = True
        return narrow

    def _hyperplane(self, stmts, edges, rows) -> Found | None:
        layout = self._layout(stmts)
        independence = {s: farkas.independence_constraints(s, list(rows[s]), self.shapes[s].depth,
                                                           self.shapes[s].signs)
                        for s in stmts}
        constraints = [self._constraints(e, stmts, layout) for e in edges]
        narrow = {s: self._narrow_zero(s, rows[s]) for s in stmts}
        plane = None
        if any(narrow.values()):
            plane = farkas.solve(layout.base({s: independence[s] + narrow[s] for s in stmts}), constraints,
                                 layout)
        if plane is None:
            plane = farkas.solve(layout.base(independence), constraints, layout)
        if plane is None:
            return None
        satisfied, zero = set(), set()
        for e in edges:
            d = self._distances(e, plane)
            if d.is_subset(_positive(d)):
                satisfied.add(e)
            elif d.is_subset(_zero(d)):
                zero.add(e)
        return Found(plane, frozenset(satisfied), frozenset(zero))

    def _constraints(self, e: DepPart, stmts, layout) -> isl.BasicSet:
        key = (e, stmts)
        if key not in self._cons:
            if e not in self._farkas:
                self._farkas[e] = farkas.dependence_constraints(
                    self.scop.params, list(e.pieces), self.shapes[e.source], self.shapes[e.sink])
            self._cons[key] = layout.embed(self._farkas[e])
        return self._cons[key]

    def _layout(self, stmts) -> farkas.Layout:
        if stmts not in self._layouts:
            self._layouts[stmts] = farkas.Layout(self.scop.params, tuple(self.shapes[s] for s in stmts))
        return self._layouts[stmts]

    def _unsatisfied(self, edges, band: list[Found]) -> tuple[DepPart, ...]:
        """What a band leaves of each dependence: the pairs at distance zero on all its hyperplanes
        (every other pair is ordered by the first hyperplane with a positive distance)."""
        out = []
        for e in edges:
            if all(e in f.zero for f in band):
                out.append(e)  # untouched: keep the object (and its cached constraints)
                continue
            pieces = []
            for piece in e.pieces:
                for f in band:
                    same = self._phi(e.source, f.plane.row(e.source)).apply_range(
                        self._phi(e.sink, f.plane.row(e.sink)).reverse())
                    piece = piece.intersect(same)
                if not piece.is_empty():
                    pieces.append(piece)
            if pieces:
                out.append(DepPart(e.edge, tuple(pieces)))
        return tuple(out)

    def _phi(self, stmt: str, row) -> isl.Map:
        key = (stmt, row)
        if key not in self._phi_cache:
            text = Expr(*row).text([f"__i{k}" for k in range(self.shapes[stmt].depth)])
            self._phi_cache[key] = isl.Map(f"{self.isl.pdecl}{{ {self.isl.tuples[stmt]} -> [({text})] }}")
        return self._phi_cache[key]

    def _distances(self, e: DepPart, plane: farkas.Hyperplane) -> isl.Set:
        src = self._phi(e.source, plane.row(e.source))
        dst = self._phi(e.sink, plane.row(e.sink))
        out = None
        for piece in e.pieces:
            d = piece.apply_domain(src).apply_range(dst).deltas()
            out = d if out is None else out.union(d)
        return out

    # ------------------------------------------------------------ graph helpers

    def _full_rank(self, stmt: str, rows: dict) -> bool:
        depth = self.shapes[stmt].depth
        return farkas.rank(list(rows[stmt]), depth) == depth

    def _inside(self, e: DepPart, group) -> bool:
        return e.source in group and e.sink in group

    def _inside_all(self, edges, group) -> tuple[int, ...]:
        return tuple(e for e in edges if self._inside(e, group))

    def _sccs(self, stmts, edges) -> list[tuple[str, ...]]:
        """Strongly connected components in topological order (ties: program order)."""
        succ = {s: set() for s in stmts}
        for e in edges:
            succ[e.source].add(e.sink)
        comps = _tarjan(stmts, succ)
        comp_of = {s: k for k, c in enumerate(comps) for s in c}
        preds = {k: set() for k in range(len(comps))}
        for s in stmts:
            for t in succ[s]:
                if comp_of[s] != comp_of[t]:
                    preds[comp_of[t]].add(comp_of[s])
        done: list[int] = []
        while len(done) < len(comps):
            ready = [k for k in range(len(comps)) if k not in done and preds[k] <= set(done)]
            done.append(min(ready, key=lambda k: min(self.order[s] for s in comps[k])))
        return [tuple(sorted(comps[k], key=self.order.get)) for k in done]


def _unit(k: int, depth: int) -> Expr:
    return Expr(tuple(int(j == k) for j in range(depth)))


def _loop_signs(stmt) -> tuple[int, ...]:
    """Per iterator, -1 when its loop counts down in the original schedule (the row is ``-i``)."""
    rows = original_rows(stmt)
    signs = []
    for k in range(stmt.depth):
        coeff = next((r.coeffs[k] for r in rows if k < len(r.coeffs) and r.coeffs[k]), 1)
        signs.append(-1 if coeff < 0 else 1)
    return tuple(signs)


def _tarjan(nodes, succ) -> list[set]:
    index, low, stack, on_stack, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            comps.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return comps


def _has_parallel(band: list[Found], edges, local=frozenset()) -> bool:
    """Whether some hyperplane of the band has distance zero on every dependence it must order, but
    the anti and output dependences on a temporary (of ``local``) whose RAW dependences it keeps
    at distance zero: the kinds pass gives such a temporary a copy per iteration.  (ludcmp's two
    row sweeps, the second parallel with ``w`` private, were fused into one serial loop.)"""
    done: set = set()
    for f in band:
        crossing = {e.edge.array for e in edges if e.edge.kind == "RAW" and (e in done or e not in f.zero)}
        if all(e in done or e in f.zero or e.edge.kind != "RAW" and e.edge.array in local - crossing
               for e in edges):
            return True
        done |= f.satisfied
    return False


def _positive(d: isl.Set) -> isl.Set:
    return _distance_set("{ [x] : x >= 1 }", tuple(d.get_space().get_var_names(isl.dim_type.param)))


def _zero(d: isl.Set) -> isl.Set:
    return _distance_set("{ [0] }", tuple(d.get_space().get_var_names(isl.dim_type.param)))


@functools.lru_cache(maxsize=64)  # parsed once per parameter list, not per hyperplane and dependence
def _distance_set(text: str, params: tuple[str, ...]) -> isl.Set:
    return isl.Set(f"[{', '.join(params)}] -> {text}")


def _names(group) -> str:
    return ", ".join(group)
