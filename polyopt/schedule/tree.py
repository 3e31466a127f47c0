"""The scheduler's own schedule tree, and its conversion to and from isl schedule trees.

Every scheduler (Pluto-style, isl's, the original order) produces a :class:`Band` / :class:`Sequence`
tree whose band members are per-statement quasi-affine :class:`Expr` rows.  The passes
(:mod:`polyopt.schedule.passes`: tiling, loop order, wavefront, loop kinds) rewrite this tree; :func:`to_isl` then
builds the final ``isl.Schedule`` following the contract in :mod:`polyopt.schedule.schedule`.
Keeping the rows as small Python values makes the printed ``T(S)`` transformations exact and lets
the post-processing reason about strides without round trips through isl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import islpy as isl

from ..errors import ScheduleError
from .loops import LOOP_MARK, LoopInfo


@dataclass(frozen=True)
class Expr:
    """``sum(coeffs[k] * iter_k) + sum(p * param) + const + sum(scale * floor(inner / div))``."""

    coeffs: tuple[int, ...]
    const: int = 0
    params: tuple[tuple[str, int], ...] = ()
    floors: tuple[tuple[int, Expr, int], ...] = ()  # (scale, inner, divisor)

    @property
    def is_affine(self) -> bool:
        return not self.floors

    @property
    def is_constant(self) -> bool:
        return not any(self.coeffs) and not any(c for _, c in self.params) and not self.floors

    @property
    def varies(self) -> bool:
        """Whether an iterator occurs in the row; if not (``0``, ``N``, ``32*floor(N/32)``) it takes one
        value over its statement's domain: the statement runs at a single iteration of the loop."""
        return any(self.coeffs) or any(inner.varies for _, inner, _ in self.floors)

    def text(self, names) -> str:
        """Readable (and isl-parsable) text with iterator ``names``: ``2*t + i``, ``32*floor(i/32)``."""
        terms = [(c, n) for c, n in zip(self.coeffs, names) if c]
        terms += [(c, p) for p, c in self.params if c]
        terms += [(s, f"floor({_paren(inner.text(names))}/{d})") for s, inner, d in self.floors if s]
        out = ""
        for c, v in terms:
            mag = abs(c)
            piece = v if mag == 1 else f"{mag}*{v}"
            if not out:
                out = piece if c > 0 else f"-{piece}"
            else:
                out += f" + {piece}" if c > 0 else f" - {piece}"
        if self.const or not out:
            if not out:
                out = str(self.const)
            else:
                out += f" + {self.const}" if self.const > 0 else f" - {-self.const}"
        return out

    def add(self, other: Expr) -> Expr:
        n = max(len(self.coeffs), len(other.coeffs))
        a = self.coeffs + (0,) * (n - len(self.coeffs))
        b = other.coeffs + (0,) * (n - len(other.coeffs))
        params = dict(self.params)
        for p, c in other.params:
            params[p] = params.get(p, 0) + c
        return Expr(tuple(x + y for x, y in zip(a, b)), self.const + other.const,
                    tuple(sorted((p, c) for p, c in params.items() if c)), self.floors + other.floors)

    def tile(self, size: int) -> Expr:
        """``size * floor(self / size)``: the start of the tile containing the point."""
        if self.is_constant:
            return Expr((0,) * len(self.coeffs), size * (self.const // size))
        return Expr((0,) * len(self.coeffs), floors=((size, self, size),))

    def tile_index(self, size: int) -> Expr:
        """``floor(self / size)``: the tile number."""
        if self.is_constant:
            return Expr((0,) * len(self.coeffs), self.const // size)
        return Expr((0,) * len(self.coeffs), floors=((1, self, size),))


def _paren(text: str) -> str:
    return text if text.replace("_", "").isalnum() else f"({text})"


@dataclass(frozen=True)
class Member:
    """One band member (one loop): a row per statement of the band, and a readable name."""

    exprs: tuple[tuple[str, Expr], ...]  # (statement name, row), in statement order
    name: str
    role: str = "loop"  # "loop", "tile", "wavefront" or "sunk" (see polyopt.schedule.passes)

    def expr(self, stmt: str) -> Expr:
        for name, e in self.exprs:
            if name == stmt:
                return e
        raise KeyError(stmt)

    @property
    def statements(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.exprs)


@dataclass(frozen=True)
class Band:
    """A band of loops over ``statements``; ``permutable`` when any member order is legal."""

    members: tuple[Member, ...]
    child: Node
    permutable: bool
    tile_sizes: tuple[int, ...] | None = None  # set on the tile band of a tiled band
    infos: tuple[LoopInfo, ...] = ()  # one per member once post-processing has decided
    band_id: int = -1  # index of the scheduler band this band comes from


@dataclass(frozen=True)
class Sequence:
    """Children executed one after the other; each child covers a set of whole statements."""

    children: tuple[tuple[tuple[str, ...], Node], ...]


@dataclass(frozen=True)
class Leaf:
    statements: tuple[str, ...] = field(default=())


Node = Band | Sequence | Leaf


def statements_of(node: Node) -> tuple[str, ...]:
    """The statements executed in a subtree, in statement order."""
    if isinstance(node, Band):
        return node.members[0].statements if node.members else statements_of(node.child)
    if isinstance(node, Sequence):
        return tuple(s for names, _ in node.children for s in names)
    return node.statements


def fusion_groups(tree: Node) -> tuple[tuple[str, ...], ...]:
    """Groups of statements sharing their outermost loop (one group per top-level loop nest)."""
    if isinstance(tree, Sequence):
        groups = []
        for names, child in tree.children:
            groups += list(fusion_groups(child)) if isinstance(child, Sequence) else [tuple(names)]
        return tuple(groups)
    return (statements_of(tree),)


def walk(node: Node):
    """Every node of a subtree, top-down."""
    yield node
    if isinstance(node, Band):
        yield from walk(node.child)
    elif isinstance(node, Sequence):
        for _, child in node.children:
            yield from walk(child)


def has_band(node: Node) -> bool:
    return any(isinstance(n, Band) for n in walk(node))


# ---------------------------------------------------------------- to isl


class IslBuilder:
    """Text and objects in isl for one Scop: statement tuples use placeholder iterator names so
    that no user name can clash with isl's keywords."""

    def __init__(self, scop):
        self.scop = scop
        self.pdecl = f"[{', '.join(scop.params)}] -> " if scop.params else ""
        self.tuples = {s.name: f"{s.name}[{', '.join(_placeholders(s.depth))}]" for s in scop.statements}
        self.depth = {s.name: s.depth for s in scop.statements}

    def member_text(self, member: Member) -> str:
        pieces = [f"{self.tuples[s]} -> [({e.text(_placeholders(self.depth[s]))})]" for s, e in member.exprs]
        return "{ " + "; ".join(pieces) + " }"

    def mupa(self, member: Member) -> isl.MultiUnionPwAff:
        """The member as a one-dimensional MultiUnionPwAff."""
        return isl.MultiUnionPwAff(self.pdecl + "[" + self.member_text(member) + "]")

    def filter(self, names) -> isl.UnionSet:
        return isl.UnionSet(self.pdecl + "{ " + "; ".join(self.tuples[n] for n in names) + " }")

    def flat_map(self, node: Node, stmts, drop_last: bool = False) -> isl.UnionMap:
        """``{ S[i..] -> [rows of S in node] }`` for ``stmts``, padded with zeros to one length
        (``drop_last``: without each statement's innermost row)."""
        rows = {st: rows_of(node, st)[:-1] if drop_last else rows_of(node, st) for st in stmts}
        length = max(len(r) for r in rows.values())
        pieces = []
        for st, rs in rows.items():
            names = _placeholders(self.depth[st])
            texts = [f"({e.text(names)})" for e in rs] + ["0"] * (length - len(rs))
            pieces.append(f"{self.tuples[st]} -> [{', '.join(texts)}]")
        return isl.UnionMap(self.pdecl + "{ " + "; ".join(pieces) + " }")

    def flat_order(self, node: Node, stmts) -> isl.UnionMap:
        """Pairs of instances of ``stmts`` that ``node`` runs in that order (strictly)."""
        flat = self.flat_map(node, stmts)
        return flat.lex_lt_union_map(flat)

    def fixed_count(self, stmt: str, outer: list[Expr], inner: list[Expr]) -> int | None:
        """The number of values of the ``inner`` rows over ``stmt``'s domain when they form the same
        set for every value of the ``outer`` rows and every parameter value (a filter's taps that
        no boundary cuts), else None."""
        names = _placeholders(self.depth[stmt])
        dom = self.scop.statement(stmt).domain

        def image(rows):
            text = ", ".join(f"({e.text(names)})" for e in rows)
            return isl.Map(f"{self.pdecl}{{ {self.tuples[stmt]} -> [{text}] }}").intersect_domain(dom)

        o, i = image(outer), image(inner)
        taps = i.range()
        if not o.flat_range_product(i).range().is_equal(o.range().flat_product(taps)):
            return None
        fixed = taps.project_out(isl.dim_type.param, 0, taps.dim(isl.dim_type.param))
        if not fixed.is_bounded() or not taps.is_equal(fixed.align_params(taps.get_space()).intersect_params(
                taps.params())):
            return None
        return fixed.count_val().to_python()

    def rows_map(self, stmt: str, rows) -> isl.Map:
        """``{ S[i..] -> [rows] }`` over ``stmt``'s domain."""
        names = _placeholders(self.depth[stmt])
        text = ", ".join(f"({e.text(names)})" for e in rows)
        return isl.Map(f"{self.pdecl}{{ {self.tuples[stmt]} -> [{text}] }}").intersect_domain(
            self.scop.statement(stmt).domain)

    def narrow(self, stmt: str, outer: list[Expr], row: Expr, limit: int) -> bool:
        """Whether ``row`` takes at most ``limit`` values over ``stmt``'s domain once the ``outer``
        rows are fixed, for every value of the parameters (a 3-tap filter loop: 3 values)."""
        if self.scop.statement(stmt).domain.is_empty():
            return False  # a statement that never runs has no loops to judge
        names = _placeholders(self.depth[stmt])
        fixed = ", ".join(f"({e.text(names)})" for e in outer)
        outer_map = isl.Map(f"{self.pdecl}{{ {self.tuples[stmt]} -> [{fixed}] }}").intersect_domain(
            self.scop.statement(stmt).domain)
        value = isl.Map(f"{self.pdecl}{{ {self.tuples[stmt]} -> [({row.text(names)})] }}")
        # pairs of instances with the same outer rows, as differences of the row's values
        spread = outer_map.apply_range(outer_map.reverse()).apply_domain(value).apply_range(value).deltas()
        wide = isl.Set(f"{self.pdecl}{{ [x] : x >= {limit} }}")
        return spread.intersect(wide).is_empty()


    def invariant(self, stmt: str, outer: list[Expr], access: isl.Map) -> bool:
        """Whether ``access`` (a relation of ``stmt``) names one element once the ``outer`` rows are
        fixed: the element a reduction loop and the loops inside it update."""
        return self.same_element((stmt, outer, access), (stmt, outer, access))

    def same_element(self, a: tuple, b: tuple) -> bool:
        """Whether two accesses, each ``(stmt, outer rows, relation)``, name one and the same element
        for all instances whose ``outer`` rows have equal values."""
        (outer_a, element_a), (outer_b, element_b) = self._fixed(*a), self._fixed(*b)
        pairs = outer_a.apply_range(outer_b.reverse())
        return pairs.is_subset(element_a.apply_range(element_b.reverse()))

    def _fixed(self, stmt: str, outer: list[Expr], access: isl.Map) -> tuple[isl.Map, isl.Map]:
        dom = self.scop.statement(stmt).domain
        names = _placeholders(self.depth[stmt])
        fixed = ", ".join(f"({e.text(names)})" for e in outer)
        outer_map = isl.Map(f"{self.pdecl}{{ {self.tuples[stmt]} -> [{fixed}] }}").intersect_domain(dom)
        return outer_map, access.intersect_domain(dom)


def _placeholders(n: int) -> list[str]:
    return [f"__i{k}" for k in range(n)]


def to_isl(node: Node, scop, marks: bool) -> isl.Schedule:
    """The isl schedule tree of ``node``: one single-member band per loop, each below a
    ``LOOP_MARK`` mark carrying its LoopInfo when ``marks`` is true."""
    builder = IslBuilder(scop)
    root = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
    return _build(root, node, builder, marks).get_schedule()


def _build(handle: isl.ScheduleNode, node: Node, builder: IslBuilder, marks: bool) -> isl.ScheduleNode:
    """Insert ``node`` at the leaf ``handle``; return a handle at the top of the inserted subtree."""
    if isinstance(node, Leaf):
        return handle
    if isinstance(node, Band):
        inner = _build(handle, node.child, builder, marks)
        for k in reversed(range(len(node.members))):
            inner = inner.insert_partial_schedule(builder.mupa(node.members[k]))
            if marks and node.infos:
                inner = inner.insert_mark(isl.Id(LOOP_MARK, user=node.infos[k]))
        return inner
    filters = isl.UnionSetList.alloc(isl.DEFAULT_CONTEXT, len(node.children))
    for names, _ in node.children:
        filters = filters.add(builder.filter(names))
    seq = handle.insert_sequence(filters)
    for k, (_, child) in enumerate(node.children):
        top = _build(seq.child(k).child(0), child, builder, marks)
        seq = top.parent().parent()
    return seq


# ---------------------------------------------------------------- from isl


def from_isl(schedule: isl.Schedule, scop) -> Node:
    """Our tree for an isl schedule tree made of bands, sequences/sets and statement filters."""
    return _convert(schedule.get_root().child(0), scop)


def _convert(node: isl.ScheduleNode, scop) -> Node:
    kind = node.get_type()
    if kind == isl.schedule_node_type.leaf:
        return Leaf(_node_statements(node, scop))
    if kind == isl.schedule_node_type.band:
        mupa = node.band_get_partial_schedule()
        stmts = _node_statements(node, scop)
        members = []
        for k in range(node.band_n_member()):
            upa = mupa.get_at(k)
            exprs = tuple((s, expr_of(upa, scop.statement(s))) for s in stmts)
            members.append(Member(exprs, member_name(exprs, scop)))
        child = _convert(node.child(0), scop)
        return Band(tuple(members), child, bool(node.band_get_permutable()))
    if kind in (isl.schedule_node_type.sequence, isl.schedule_node_type.set):
        children = []
        for k in range(node.n_children()):
            filt = node.child(k)
            children.append((_node_statements(filt.child(0), scop), _convert(filt.child(0), scop)))
        children = [c for c in children if c[0]]
        return Sequence(tuple(children)) if len(children) != 1 else children[0][1]
    if kind in (isl.schedule_node_type.filter, isl.schedule_node_type.mark):
        return _convert(node.child(0), scop)
    raise ScheduleError(f"unsupported isl schedule node {kind.name}")


def _node_statements(node: isl.ScheduleNode, scop) -> tuple[str, ...]:
    dom = node.get_domain()
    names = []
    for s in scop.statements:
        part = dom.extract_set(s.domain.get_space())
        if part.is_empty():
            continue
        if not s.domain.is_subset(part):
            raise ScheduleError(f"isl's schedule splits the instances of {s.name}; not supported")
        names.append(s.name)
    return tuple(names)


def expr_of(upa: isl.UnionPwAff, stmt) -> Expr:
    """The row of ``stmt`` in a band member, simplified on the statement's domain."""
    space = stmt.domain.get_space().from_domain().add_dims(isl.dim_type.out, 1)
    pieces = upa.extract_pw_aff(space).gist(stmt.domain).get_pieces()
    if len(pieces) != 1:
        raise ScheduleError(f"the schedule of {stmt.name} is piecewise; not supported")
    return aff_to_expr(pieces[0][1], stmt.depth)


def aff_to_expr(aff: isl.Aff, depth: int) -> Expr:
    """An isl Aff as an Expr (floor divisions nest).  A rational row, as isl's scheduler gives a
    strided loop (``(i - 1)/3`` for ``range(1, N, 3)``), takes integer values on the domain it was
    computed for, where it equals its floor: ``floor((i - 1)/3)``."""
    denom = aff.get_denominator_val().to_python()
    if denom != 1:
        inner = aff_to_expr(aff.scale_val(isl.Val(denom)), depth)
        return Expr((0,) * depth, floors=((1, inner, denom),))
    coeffs = tuple(aff.get_coefficient_val(isl.dim_type.in_, k).to_python() for k in range(depth))
    params = tuple((aff.get_dim_name(isl.dim_type.param, k),
                    aff.get_coefficient_val(isl.dim_type.param, k).to_python())
                   for k in range(aff.dim(isl.dim_type.param)))
    floors = []
    for k in range(aff.dim(isl.dim_type.div)):
        scale = aff.get_coefficient_val(isl.dim_type.div, k).to_python()
        if not scale:
            continue
        div = aff.get_div(k)
        d = div.get_denominator_val().to_python()
        inner = aff_to_expr(div.scale_val(isl.Val(d)), depth)
        floors.append((scale, inner, d))
    const = aff.get_constant_val().to_python()
    return Expr(coeffs, const, tuple((p, c) for p, c in params if c), tuple(floors))


def member_name(exprs, scop) -> str:
    """A readable name for a band member: the row of its deepest statement with a non-constant
    row (the first such in program order), in that statement's iterator names."""
    best = None
    for s, e in exprs:
        stmt = scop.statement(s)
        if not e.is_constant and (best is None or stmt.depth > best[0].depth):
            best = (stmt, e)
    if best is None:
        return exprs[0][1].text(()) if exprs else "?"
    return best[1].text(best[0].iterators)


def rows_of(node: Node, stmt: str) -> list[Expr]:
    """The schedule rows of ``stmt`` from the root to its leaf; a sequence contributes the position
    of the child holding ``stmt`` as a constant row (Pluto's scalar dimensions)."""
    rows: list[Expr] = []
    while True:
        if isinstance(node, Band):
            rows += [m.expr(stmt) for m in node.members]
            node = node.child
        elif isinstance(node, Sequence):
            k = next(k for k, (names, _) in enumerate(node.children) if stmt in names)
            rows.append(Expr((), k))
            node = node.children[k][1]
        else:
            return rows
