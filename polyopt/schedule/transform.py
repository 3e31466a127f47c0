"""Hand transformations of a Schedule: Schedule -> Schedule, each step checked for legality.

A schedule is viewed as one row of quasi-affine expressions per statement and *dimension*, exactly
the ``T(S)`` rows that ``print(schedule)`` shows: band members are loops, the position inside a
sequence is a constant row (Pluto's scalar dimensions).  Dimensions are addressed by their index in
those rows; ``stmts=`` restricts a step to some statements (default: all).  Each step rewrites the
rows, rebuilds the isl schedule tree following the codegen contract of
:mod:`polyopt.schedule.schedule` (single-member bands below ``LOOP_MARK`` marks), checks it with
:func:`polyopt.analysis.legality.check_legal` and returns a new Schedule (``dataclasses.replace``)
whose ``trace`` holds Python code reproducing the steps.  An illegal step raises
:class:`~polyopt.errors.IllegalScheduleError` naming the violated dependence and a pair of
iterations.  Loops marked parallel/simd are re-verified after each step and demoted to serial
when the step made them carry a dependence (never wrong code).

Example, on ``for i: for j: S0`` (rows ``(i, j)``)::

    s = kernel.schedule(scheduler="none")
    s = s.interchange(0, 1)          # rows (j, i):            for j: for i: S0
    s = s.skew(1, 0, 1)              # rows (j, i + j)
    s = s.tile(0, (16, 16))          # rows (16*floor(j/16), 16*floor((i + j)/16), j, i + j)
    s = s.parallelize(1)             # refused unless dimension 1 carries no dependence
    print("\\n".join(s.trace))
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import islpy as isl

from ..analysis.legality import check_legal, example_pair
from ..errors import IllegalScheduleError, ScheduleError
from .options import ScheduleOptions
from .schedule import LOOP_MARK, PARALLEL, SERIAL, SIMD, BandInfo, LoopInfo, Schedule
from .tree import (
    Band,
    Expr,
    IslBuilder,
    Leaf,
    Member,
    Sequence,
    from_isl,
    member_name,
    rows_of,
    statements_of,
    to_isl,
)


@dataclass(frozen=True)
class _Rows:
    """Per statement: its rows (all of one length) and the LoopInfo decided for each (or None)."""

    rows: dict  # stmt -> tuple[Expr, ...]
    kinds: dict  # stmt -> tuple[LoopInfo | None, ...]

    @property
    def ndim(self) -> int:
        return len(next(iter(self.rows.values()))) if self.rows else 0


# ---------------------------------------------------------------- public transformations


def interchange(schedule: Schedule, d1: int, d2: int, *, stmts=None) -> Schedule:
    """Swap dimensions ``d1`` and ``d2``: ``for i: for j: S`` -> ``for j: for i: S``."""
    def step(r: _Rows, sel):
        _check_dims(r, d1, d2)
        return _map_rows(r, sel, lambda rows, kinds: (_swap(rows, d1, d2), _swap(kinds, d1, d2)))
    return _apply(schedule, f"interchange({d1}, {d2}{_stmts_arg(stmts)})", stmts, step)


def skew(schedule: Schedule, d: int, source: int, factor: int = 1, *, stmts=None) -> Schedule:
    """Add ``factor`` times dimension ``source`` to dimension ``d``: rows ``(t, i)`` -> ``(t, i + t)``."""
    def step(r: _Rows, sel):
        _check_dims(r, d, source)
        if d == source or not isinstance(factor, int) or factor == 0:
            raise ScheduleError(f"skew({d}, {source}, {factor}): needs two different dimensions and a "
                                "non-zero integer factor")

        def f(rows, kinds):
            rows = list(rows)
            rows[d] = rows[d].add(_scaled(rows[source], factor))
            return tuple(rows), kinds
        return _map_rows(r, sel, f)
    return _apply(schedule, f"skew({d}, {source}, {factor}{_stmts_arg(stmts)})", stmts, step)


def reverse(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Run dimension ``d`` backwards: row ``i`` -> ``-i``."""
    def step(r: _Rows, sel):
        _check_dims(r, d)

        def f(rows, kinds):
            rows = list(rows)
            rows[d] = _scaled(rows[d], -1)
            return tuple(rows), kinds
        return _map_rows(r, sel, f)
    return _apply(schedule, f"reverse({d}{_stmts_arg(stmts)})", stmts, step)


def shift(schedule: Schedule, d: int, amount, *, stmts=None) -> Schedule:
    """Add a constant to dimension ``d``: ``amount`` is an int or ``{"S1": 1, ...}`` per statement."""
    def step(r: _Rows, sel):
        _check_dims(r, d)
        per = amount if isinstance(amount, dict) else {s: amount for s in sel}
        if not all(isinstance(v, int) for v in per.values()) or set(per) - set(r.rows):
            raise ScheduleError(f"shift: bad amount {amount!r}", hint="an int, or a dict statement -> int")
        rows = dict(r.rows)
        for s, v in per.items():
            row = list(rows[s])
            row[d] = row[d].add(Expr((), v))
            rows[s] = tuple(row)
        return _Rows(rows, r.kinds)
    return _apply(schedule, f"shift({d}, {amount!r}{_stmts_arg(stmts)})", stmts, step)


def tile(schedule: Schedule, d: int, sizes, *, stmts=None) -> Schedule:
    """Tile dimensions ``d .. d+len(sizes)-1``: insert tile rows ``size*floor(row/size)`` before them.

    ``for i: for j: S`` with ``tile(0, (32, 32))`` -> ``for ti: for tj: for i: for j: S`` (tile loops
    serial; the point loops keep their kinds if still legal).
    """
    sizes = (sizes,) if isinstance(sizes, int) else tuple(sizes)

    def step(r: _Rows, sel):
        if not sizes or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in sizes):
            raise ScheduleError(f"tile: bad sizes {sizes!r}", hint="positive ints, one per tiled dimension")
        _check_dims(r, d, d + len(sizes) - 1)
        rows, kinds = {}, {}
        for s in r.rows:
            row, kind = r.rows[s], r.kinds[s]
            if s in sel:
                new = tuple(row[d + k].tile(t) for k, t in enumerate(sizes))
            else:
                new = tuple(Expr(()) for _ in sizes)
            rows[s] = row[:d] + new + row[d:]
            kinds[s] = kind[:d] + (None,) * len(sizes) + kind[d:]
        return _Rows(rows, kinds)
    return _apply(schedule, f"tile({d}, {sizes!r}{_stmts_arg(stmts)})", stmts, step)


def fuse(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Fuse the loops at ``d + 1`` of the children of the sequence at ``d`` (``stmts``: the children
    to fuse, as statements; default the whole sequence)::

        for i: S0          for i:
        for i: S1    ->      S0
                             S1
    """
    def step(r: _Rows, sel):
        _check_dims(r, d, d + 1)
        group = _sequence_group(r, d, sel, "fuse")
        cmin = min(r.rows[s][d].const for s in group)
        rows, kinds = {}, {}
        for s in r.rows:
            row, kind = r.rows[s], r.kinds[s]
            if s in group:
                rows[s] = row[:d] + (Expr((), cmin), row[d + 1], row[d]) + row[d + 2:]
                kinds[s] = kind[:d] + (None, kind[d + 1], None) + kind[d + 2:]
            else:
                rows[s] = row[:d + 1] + (Expr(()),) + row[d + 1:]
                kinds[s] = kind[:d + 1] + (None,) + kind[d + 1:]
        return _Rows(rows, kinds)
    return _apply(schedule, f"fuse({d}{_stmts_arg(stmts)})", stmts, step)


def distribute(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Split the loop at ``d`` around the sequence at ``d + 1`` (the inverse of :func:`fuse`)::

        for i:            for i: S0
          S0        ->    for i: S1
          S1
    """
    def step(r: _Rows, sel):
        _check_dims(r, d, d + 1)
        group = _loop_group(r, d, sel)
        if not all(r.rows[s][d + 1].is_constant for s in group):
            raise ScheduleError(f"distribute({d}): dimension {d + 1} is not a sequence for "
                                f"{', '.join(group)}", hint="interchange the sequence up to dimension d + 1 first")
        return _map_rows(r, group, lambda rows, kinds: (_swap(rows, d, d + 1), _swap(kinds, d, d + 1)))
    return _apply(schedule, f"distribute({d}{_stmts_arg(stmts)})", stmts, step)


def parallelize(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Mark the loop at ``d`` ``omp parallel for``; refused when it carries a dependence."""
    return _mark(schedule, d, stmts, PARALLEL, f"parallelize({d}{_stmts_arg(stmts)})")


def vectorize(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Mark the innermost loop at ``d`` ``omp simd``; refused when it carries a dependence."""
    return _mark(schedule, d, stmts, SIMD, f"vectorize({d}{_stmts_arg(stmts)})")


def trace_code(schedule: Schedule) -> str:
    """The Python code reproducing ``schedule`` from the automatic one (its ``trace``)."""
    return "\n".join(schedule.trace)


# ---------------------------------------------------------------- rows <-> tree


def read_rows(schedule: Schedule) -> _Rows:
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
    return _Rows(out_rows, out_kinds)


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


def _build(r: _Rows, scop, stmts: tuple[str, ...], d: int):
    """Our tree for the rows: constant rows become sequences (or vanish), others single-member bands."""
    if d == r.ndim:
        return Leaf(stmts)
    exprs = [r.rows[s][d] for s in stmts]
    if all(e.is_constant for e in exprs):
        values = sorted({e.const for e in exprs})
        if len(values) == 1:
            return _build(r, scop, stmts, d + 1)
        groups = [tuple(s for s in stmts if r.rows[s][d].const == v) for v in values]
        return Sequence(tuple((g, _build(r, scop, g, d + 1)) for g in groups))
    member = Member(tuple((s, r.rows[s][d]) for s in stmts), "")
    member = replace(member, name=member_name(member.exprs, scop))
    infos = [r.kinds[s][d] for s in stmts]
    info = infos[0] if infos[0] is not None and all(i == infos[0] for i in infos) else None
    info = info if info is not None else LoopInfo(member.name, SERIAL)
    return Band((member,), _build(r, scop, stmts, d + 1), False, infos=(replace(info, name=member.name),))


def _flat_map(r: _Rows, scop, stmts=None) -> isl.UnionMap:
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


def carried(deps, r: _Rows, scop, d: int, stmts) -> str | None:
    """A description of a dependence among ``stmts`` carried at dimension ``d`` (outer dims equal,
    dimension ``d`` different), with a concrete pair of iterations; None when there is none."""
    f = _flat_map(r, scop, stmts)
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


# ---------------------------------------------------------------- helpers


def _apply(schedule: Schedule, call: str, stmts, step) -> Schedule:
    """Run ``step`` on the rows of the selected statements, rebuild, check, and record ``call``."""
    try:
        r = read_rows(schedule)
        sel = _selection(schedule.scop, stmts)
        new = step(r, sel)
        return _finish(schedule, new, call)
    except isl.Error as exc:
        raise ScheduleError(f"{call} failed in isl: {exc}") from exc


def _finish(schedule: Schedule, r: _Rows, call: str, note: str = "") -> Schedule:
    scop, deps = schedule.scop, schedule.dependences
    names = tuple(s.name for s in scop.statements)
    node = _build(r, scop, names, 0)
    tree = to_isl(node, scop, marks=True)
    try:
        check_legal(deps, tree)
    except IllegalScheduleError as exc:
        raise IllegalScheduleError(f"{call} is illegal: {exc.message}", violation=exc.violation,
                                   hint=exc.hint) from None
    r, demoted = _reverify(r, scop, deps)
    if demoted:
        node = _build(r, scop, names, 0)
        tree = to_isl(node, scop, marks=True)
    trace = schedule.trace or (_origin(schedule),)
    decisions = schedule.decisions + (f"hand: {call}" + (f" ({note})" if note else ""),) + demoted
    return replace(schedule, tree=tree, bands=_bands(node),
                   transforms={s: tuple(e.text(scop.statement(s).iterators) for e in r.rows[s]) for s in names},
                   fusion=_fusion(node), decisions=decisions, trace=trace + (f"s = s.{call}",))


def _reverify(r: _Rows, scop, deps) -> tuple[_Rows, tuple[str, ...]]:
    """Demote parallel/simd loops that now carry a dependence."""
    kinds = dict(r.kinds)
    notes = []
    for d in range(r.ndim):
        for group in _band_at(r, d, tuple(r.rows)):
            marked = [kinds[s][d] for s in group
                      if kinds[s][d] is not None and kinds[s][d].kind in (PARALLEL, SIMD)]
            if not marked:
                continue
            why = carried(deps, r, scop, d, group)
            if why is None:
                continue
            name = marked[0].name or f"dimension {d}"
            notes.append(f"loop {name} (dimension {d}) is no longer {marked[0].kind}: it carries {why}")
            for s in group:
                k = list(kinds[s])
                k[d] = LoopInfo(name, SERIAL, f"carries {why}")
                kinds[s] = tuple(k)
    return _Rows(r.rows, kinds), tuple(notes)


def _paths(r: _Rows) -> dict:
    """Per statement, the key of its group at each dimension, grouping as :func:`_build` does."""
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


def _groups_at(r: _Rows, d: int) -> list[tuple[str, ...]]:
    groups: dict = {}
    for s, path in _paths(r).items():
        groups.setdefault(path[d], []).append(s)
    return [tuple(g) for g in groups.values()]


def _band_at(r: _Rows, d: int, sel) -> list[tuple[str, ...]]:
    """The groups of statements sharing the loop at dimension ``d`` that contain a selected statement."""
    return [g for g in _groups_at(r, d)
            if set(g) & set(sel) and not all(r.rows[s][d].is_constant for s in g)]


def _mark(schedule: Schedule, d: int, stmts, kind: str, call: str) -> Schedule:
    try:
        r = read_rows(schedule)
        sel = _selection(schedule.scop, stmts)
        _check_dims(r, d)
        groups = _band_at(r, d, sel)
        if not groups:
            raise ScheduleError(f"{call}: dimension {d} is not a loop of {', '.join(sel)}",
                                hint="print(schedule) shows the rows T(S); constant rows are sequences")
        kinds = dict(r.kinds)
        for group in groups:
            if kind == SIMD and any(not e.is_constant for s in group for e in r.rows[s][d + 1:]):
                raise ScheduleError(f"{call}: dimension {d} is not the innermost loop of {', '.join(group)}",
                                    hint="omp simd goes on innermost loops")
            why = carried(schedule.dependences, r, schedule.scop, d, group)
            if why is not None:
                raise IllegalScheduleError(f"{call} is illegal: the loop carries {why}",
                                           hint="only a loop that carries no dependence can run in parallel")
            for s in group:
                k = list(kinds[s])
                k[d] = LoopInfo("", kind, f"hand: {call}")
                kinds[s] = tuple(k)
        return _finish(schedule, _Rows(r.rows, kinds), call)
    except isl.Error as exc:
        raise ScheduleError(f"{call} failed in isl: {exc}") from exc


def _selection(scop, stmts) -> tuple[str, ...]:
    names = [s.name for s in scop.statements]
    if stmts is None:
        return tuple(names)
    stmts = (stmts,) if isinstance(stmts, str) else tuple(stmts)
    unknown = [s for s in stmts if s not in names]
    if unknown:
        raise ScheduleError(f"unknown statement {unknown[0]!r}", hint=f"statements are {', '.join(names)}")
    return tuple(s for s in names if s in stmts)


def _check_dims(r: _Rows, *dims: int) -> None:
    for d in dims:
        if not isinstance(d, int) or not 0 <= d < r.ndim:
            raise ScheduleError(f"dimension {d} is out of range: the schedule has {r.ndim} dimension(s)",
                                hint="print(schedule) shows the rows T(S) the dimensions index")


def _map_rows(r: _Rows, sel, f) -> _Rows:
    rows, kinds = dict(r.rows), dict(r.kinds)
    for s in sel:
        rows[s], kinds[s] = f(r.rows[s], r.kinds[s])
    return _Rows(rows, kinds)


def _swap(t: tuple, a: int, b: int) -> tuple:
    t = list(t)
    t[a], t[b] = t[b], t[a]
    return tuple(t)


def _scaled(e: Expr, f: int) -> Expr:
    return Expr(tuple(c * f for c in e.coeffs), e.const * f, tuple((p, c * f) for p, c in e.params),
                tuple((s * f, inner, div) for s, inner, div in e.floors))


def _sequence_group(r: _Rows, d: int, sel, what: str) -> tuple[str, ...]:
    """The selected statements at a sequence at dimension ``d``, completed to whole children."""
    if not all(r.rows[s][d].is_constant for s in sel):
        raise ScheduleError(f"{what}({d}): dimension {d} is a loop, not a sequence, for some of "
                            f"{', '.join(sel)}", hint="pass stmts= to choose the statements")
    paths = _paths(r)
    keys = {paths[s][d] for s in sel}
    if len(keys) != 1:
        raise ScheduleError(f"{what}({d}): {', '.join(sel)} are not in one sequence",
                            hint="pass stmts= naming statements of one sequence")
    key = keys.pop()
    values = {r.rows[s][d].const for s in sel}
    return tuple(s for s in r.rows if paths[s][d] == key and r.rows[s][d].const in values)


def _loop_group(r: _Rows, d: int, sel) -> tuple[str, ...]:
    groups = _band_at(r, d, sel)
    if len(groups) != 1:
        raise ScheduleError(f"dimension {d} is {'not a loop' if not groups else 'several loops'} for "
                            f"{', '.join(sel)}", hint="pass stmts= naming statements of one loop")
    return groups[0]


def _stmts_arg(stmts) -> str:
    if stmts is None:
        return ""
    stmts = (stmts,) if isinstance(stmts, str) else tuple(stmts)
    return f", stmts={stmts!r}"


def _origin(schedule: Schedule) -> str:
    opts = schedule.options
    default = ScheduleOptions()
    args = ", ".join(f"{f.name}={getattr(opts, f.name)!r}" for f in fields(opts)
                     if getattr(opts, f.name) != getattr(default, f.name))
    return f"s = {schedule.scop.name}.schedule({args})"


def _bands(node) -> tuple[BandInfo, ...]:
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


def _fusion(node) -> tuple[tuple[str, ...], ...]:
    if isinstance(node, Sequence):
        groups = []
        for names, child in node.children:
            groups += list(_fusion(child)) if isinstance(child, Sequence) else [tuple(names)]
        return tuple(groups)
    if isinstance(node, Band):
        return (node.members[0].statements,)
    return (node.statements,)
