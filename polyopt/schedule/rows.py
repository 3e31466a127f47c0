"""A schedule as rows: one quasi-affine row per statement and dimension (hand transformations' view).

Exactly the ``T(S)`` rows ``print(schedule)`` shows: band members are loops, the position inside a
sequence is a constant row (Pluto's scalar dimensions).  :func:`read_rows` reads them (and each
loop's LoopInfo) back from an isl schedule tree, :func:`build_tree` turns rows into our tree (one
single-member band per loop), and the helpers group statements by the loops and sequences they
share.  Dimensions are indices into the rows; a loop's stable name resolves to one
(:func:`resolve_dim`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import islpy as isl

from ..analysis.legality import example_pair
from ..errors import ScheduleError
from .loops import LOOP_MARK, SERIAL, BandInfo, LoopInfo
from .tree import Band, Expr, IslBuilder, Leaf, Member, Sequence, from_isl, member_name, rows_of, statements_of


@dataclass(frozen=True)
class Rows:
    """Per statement: its rows (all of one length) and the LoopInfo decided for each (or None)."""

    rows: dict  # stmt -> tuple[Expr, ...]
    kinds: dict  # stmt -> tuple[LoopInfo | None, ...]

    @property
    def ndim(self) -> int:
        return len(next(iter(self.rows.values()))) if self.rows else 0


def read_rows(schedule) -> Rows:
    """The rows of every statement (padded with zeros to one length) and their loop kinds."""
    scop = schedule.scop
    node = from_isl(schedule.tree, scop)
    kinds: dict = {s.name: [] for s in scop.statements}
    _collect_kinds(schedule.tree.get_root(), scop, None, kinds)
    present = statements_of(node)  # a statement whose domain is empty is in no node: no rows
    rows = {s.name: tuple(rows_of(node, s.name)) if s.name in present else () for s in scop.statements}
    n = max((len(r) for r in rows.values()), default=0)
    out_rows, out_kinds = {}, {}
    for s in scop.statements:
        row, kind = rows[s.name], tuple(kinds[s.name])
        kind = kind + (None,) * (len(row) - len(kind))
        out_rows[s.name] = row + (Expr(()),) * (n - len(row))
        out_kinds[s.name] = kind[:len(row)] + (None,) * (n - len(row))
    return Rows(out_rows, out_kinds)


def _stmts_at(node: isl.ScheduleNode, scop) -> list[str]:
    dom = node.get_domain()
    return [s.name for s in scop.statements if not dom.extract_set(s.domain.get_space()).is_empty()]


def _collect_kinds(node: isl.ScheduleNode, scop, info, kinds: dict) -> None:
    """Mirror of :func:`tree.rows_of` on the isl tree: one entry per row, the mark's LoopInfo or None."""
    kind = node.get_type()
    if kind == isl.schedule_node_type.mark:
        mark = node.mark_get_id()
        _collect_kinds(node.child(0), scop, mark.get_user() if mark.get_name() == LOOP_MARK else None, kinds)
        return
    if kind == isl.schedule_node_type.band:
        for s in _stmts_at(node, scop):
            kinds[s] += [info] + [None] * (node.band_n_member() - 1)
        _collect_kinds(node.child(0), scop, None, kinds)
        return
    if kind in (isl.schedule_node_type.sequence, isl.schedule_node_type.set):
        children = [node.child(k) for k in range(node.n_children()) if _stmts_at(node.child(k), scop)]
        if len(children) > 1:
            for s in _stmts_at(node, scop):
                kinds[s].append(None)
        for child in children:
            _collect_kinds(child, scop, None, kinds)
        return
    if kind == isl.schedule_node_type.leaf:
        return
    for k in range(node.n_children()):
        _collect_kinds(node.child(k), scop, None, kinds)


def build_tree(r: Rows, scop, stmts: tuple[str, ...], d: int):
    """Our tree for the rows: constant rows become sequences (or vanish), others single-member bands."""
    if d == r.ndim:
        return Leaf(stmts)
    exprs = [r.rows[s][d] for s in stmts]
    if all(e.is_constant for e in exprs):
        values = sorted({e.const for e in exprs})
        if len(values) == 1:
            return build_tree(r, scop, stmts, d + 1)
        groups = [tuple(s for s in stmts if r.rows[s][d].const == v) for v in values]
        return Sequence(tuple((g, build_tree(r, scop, g, d + 1)) for g in groups))
    exprs = tuple((s, r.rows[s][d]) for s in stmts)
    row = member_name(exprs, scop)
    infos = [r.kinds[s][d] for s in stmts]
    info = infos[0] if infos[0] is not None and all(i == infos[0] for i in infos) else None
    # a loop keeps its stable name through every step; a loop no step named gets its row as a name
    name = next((i.name for i in infos if i is not None and i.name), row)
    info = replace(info, name=name, row=row) if info is not None else LoopInfo(name, SERIAL, row=row)
    return Band((Member(exprs, name),), build_tree(r, scop, stmts, d + 1), False, infos=(info,))


def flat_map(r: Rows, scop, stmts=None) -> isl.UnionMap:
    """``{ S[i..] -> [row_0, .., row_n] }`` over the statements' domains."""
    b = IslBuilder(scop)
    out = isl.UnionMap.empty(scop.context.get_space())
    for s in scop.statements:
        if stmts is not None and s.name not in stmts:
            continue
        ph = [f"__i{k}" for k in range(s.depth)]
        text = ", ".join(f"({e.text(ph)})" for e in r.rows[s.name]) if r.ndim else ""
        m = isl.UnionMap(f"{b.pdecl}{{ {b.tuples[s.name]} -> [{text}] }}").intersect_domain(
            s.domain.to_union_set())
        out = out.union(m)
    return out


def carried_at(deps, r: Rows, scop, d: int, stmts) -> str | None:
    """A description of a dependence among ``stmts`` carried_at at dimension ``d`` (outer dims equal,
    dimension ``d`` different), with a concrete pair of iterations; None when there is none."""
    f = flat_map(r, scop, stmts)
    space = isl.Space.create_from_names(isl.DEFAULT_CONTEXT, set=[f"t{k}" for k in range(r.ndim)],
                                        params=list(scop.params))
    same = isl.Map.universe(space.map_from_set())
    for k in range(d):
        same = same.equate(isl.dim_type.in_, k, isl.dim_type.out, k)
    differ = same.subtract(same.equate(isl.dim_type.in_, d, isl.dim_type.out, d))
    pairs = f.apply_range(differ.to_union_map()).apply_range(f.reverse())
    for edge in deps.edges:
        if edge.source not in stmts or edge.sink not in stmts:
            continue
        bad = edge.relation.to_union_map().intersect(pairs)
        if bad.is_empty():
            continue
        src, dst, params = example_pair(isl.Map.from_union_map(bad))
        where = f" (with {', '.join(f'{p} = {v}' for p, v in params)})" if params else ""
        return (f"{edge.kind} on {edge.array} from {edge.source}[{', '.join(map(str, src))}] "
                f"to {edge.sink}[{', '.join(map(str, dst))}]{where}")
    return None


def paths(r: Rows) -> dict:
    """Per statement, the key of its group at each dimension, grouping as :func:`build_tree` does."""
    paths: dict = {s: [] for s in r.rows}

    def assign(stmts, d, key):
        if d == r.ndim:
            return
        for s in stmts:
            paths[s].append(key)
        if all(r.rows[s][d].is_constant for s in stmts):
            for v in sorted({r.rows[s][d].const for s in stmts}):
                assign([s for s in stmts if r.rows[s][d].const == v], d + 1, key + (v,))
        else:
            assign(stmts, d + 1, key + ("L",))
    assign(list(r.rows), 0, ())
    return paths


def groups_at(r: Rows, d: int) -> list[tuple[str, ...]]:
    groups: dict = {}
    for s, path in paths(r).items():
        groups.setdefault(path[d], []).append(s)
    return [tuple(g) for g in groups.values()]


def band_at(r: Rows, d: int, sel) -> list[tuple[str, ...]]:
    """The groups of statements sharing the loop at dimension ``d`` that contain a selected statement."""
    return [g for g in groups_at(r, d)
            if set(g) & set(sel) and not all(r.rows[s][d].is_constant for s in g)]


def resolve_dim(r: Rows, d: int | str, sel) -> int:
    """The index of dimension ``d``: an index, or the stable name of a loop of the statements ``sel``."""
    if isinstance(d, str):
        dims = {k for s in sel for k, info in enumerate(r.kinds[s]) if info is not None and info.name == d}
        if len(dims) == 1:
            return dims.pop()
        names = sorted({info.name for s in sel for info in r.kinds[s] if info is not None and info.name})
        if not dims:
            raise ScheduleError(f"no loop named {d!r} here", hint=f"loops: {', '.join(names)}")
        raise ScheduleError(f"loop name {d!r} is at several dimensions ({', '.join(map(str, sorted(dims)))})",
                            hint="pass stmts= to choose the statements of one loop")
    check_dims(r, d)
    return d


def check_dims(r: Rows, *dims: int) -> None:
    for d in dims:
        if not isinstance(d, int) or not 0 <= d < r.ndim:
            raise ScheduleError(f"dimension {d} is out of range: the schedule has {r.ndim} dimension(s)",
                                hint="print(schedule) shows the rows T(S) the dimensions index")


def map_rows(r: Rows, sel, f) -> Rows:
    rows, kinds = dict(r.rows), dict(r.kinds)
    for s in sel:
        rows[s], kinds[s] = f(r.rows[s], r.kinds[s])
    return Rows(rows, kinds)


def swap(t: tuple, a: int, b: int) -> tuple:
    t = list(t)
    t[a], t[b] = t[b], t[a]
    return tuple(t)


def scaled(e: Expr, f: int) -> Expr:
    return Expr(tuple(c * f for c in e.coeffs), e.const * f, tuple((p, c * f) for p, c in e.params),
                tuple((s * f, inner, div) for s, inner, div in e.floors))


def sequence_group(r: Rows, d: int, sel, what: str) -> tuple[str, ...]:
    """The selected statements at a sequence at dimension ``d``, completed to whole children."""
    if not all(r.rows[s][d].is_constant for s in sel):
        raise ScheduleError(f"{what}({d}): dimension {d} is a loop, not a sequence, for some of "
                            f"{', '.join(sel)}", hint="pass stmts= to choose the statements")
    by_statement = paths(r)
    keys = {by_statement[s][d] for s in sel}
    if len(keys) != 1:
        raise ScheduleError(f"{what}({d}): {', '.join(sel)} are not in one sequence",
                            hint="pass stmts= naming statements of one sequence")
    key = keys.pop()
    values = {r.rows[s][d].const for s in sel}
    return tuple(s for s in r.rows if by_statement[s][d] == key and r.rows[s][d].const in values)


def loop_group(r: Rows, d: int, sel) -> tuple[str, ...]:
    groups = band_at(r, d, sel)
    if len(groups) != 1:
        raise ScheduleError(f"dimension {d} is {'not a loop' if not groups else 'several loops'} for "
                            f"{', '.join(sel)}", hint="pass stmts= naming statements of one loop")
    return groups[0]


def bands_of(node) -> tuple[BandInfo, ...]:
    """One BandInfo per chain of directly nested loops."""
    out = []

    def visit(n):
        if isinstance(n, Band):
            loops = []
            stmts = n.members[0].statements
            while isinstance(n, Band):
                loops.append(n.infos[0])
                n = n.child
            out.append(BandInfo(stmts, tuple(loops), False, note="hand-transformed"))
            visit(n)
        elif isinstance(n, Sequence):
            for _, child in n.children:
                visit(child)
    visit(node)
    return tuple(out)
