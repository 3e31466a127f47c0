"""Hand transformations of a Schedule: Schedule -> Schedule, each step checked for legality.

A schedule is viewed as one row of quasi-affine expressions per statement and *dimension*, exactly
the ``T(S)`` rows that ``print(schedule)`` shows: band members are loops, the position inside a
sequence is a constant row (Pluto's scalar dimensions).  Dimensions are addressed by their index in
those rows or by a loop's stable name (``"i"``, ``"j_tile"``: :mod:`.names`), which does not shift
when a step inserts rows; ``stmts=`` restricts a step to some statements (default: all).  Each step rewrites the
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

from dataclasses import fields, replace
from typing import TYPE_CHECKING

import islpy as isl

from ..analysis.legality import check_legal
from ..errors import IllegalScheduleError, ScheduleError
from .loops import PARALLEL, SERIAL, SIMD, LoopInfo
from .options import ScheduleOptions
from .rows import (
    Rows,
    band_at,
    bands_of,
    build_tree,
    carried_at,
    check_dims,
    loop_group,
    map_rows,
    read_rows,
    resolve_dim,
    scaled,
    sequence_group,
    swap,
)
from .tree import Expr, fusion_groups, to_isl

if TYPE_CHECKING:  # Schedule's methods call these functions
    from .schedule import Schedule

# ---------------------------------------------------------------- public transformations


def interchange(schedule: Schedule, d1: int | str, d2: int | str, *, stmts=None) -> Schedule:
    """Swap dimensions ``d1`` and ``d2``: ``for i: for j: S`` -> ``for j: for i: S``."""
    def step(r: Rows, sel, a, b):
        return map_rows(r, sel, lambda rows, kinds: (swap(rows, a, b), swap(kinds, a, b)))
    return _apply(schedule, f"interchange({d1!r}, {d2!r}{_stmts_arg(stmts)})", stmts, step, (d1, d2))


def skew(schedule: Schedule, d: int | str, source: int | str, factor: int = 1, *, stmts=None) -> Schedule:
    """Add ``factor`` times dimension ``source`` to dimension ``d``: rows ``(t, i)`` -> ``(t, i + t)``."""
    def step(r: Rows, sel, dd, src):
        if dd == src or not isinstance(factor, int) or factor == 0:
            raise ScheduleError(f"skew({d!r}, {source!r}, {factor}): needs two different dimensions and a "
                                "non-zero integer factor")

        def f(rows, kinds):
            rows = list(rows)
            rows[dd] = rows[dd].add(scaled(rows[src], factor))
            return tuple(rows), kinds
        return map_rows(r, sel, f)
    return _apply(schedule, f"skew({d!r}, {source!r}, {factor}{_stmts_arg(stmts)})", stmts, step, (d, source))


def reverse(schedule: Schedule, d: int | str, *, stmts=None) -> Schedule:
    """Run dimension ``d`` backwards: row ``i`` -> ``-i``."""
    def step(r: Rows, sel, dd):
        def f(rows, kinds):
            rows = list(rows)
            rows[dd] = scaled(rows[dd], -1)
            return tuple(rows), kinds
        return map_rows(r, sel, f)
    return _apply(schedule, f"reverse({d!r}{_stmts_arg(stmts)})", stmts, step, (d,))


def shift(schedule: Schedule, d: int | str, amount, *, stmts=None) -> Schedule:
    """Add a constant to dimension ``d``: ``amount`` is an int or ``{"S1": 1, ...}`` per statement."""
    def step(r: Rows, sel, dd):
        per = amount if isinstance(amount, dict) else {s: amount for s in sel}
        if not all(isinstance(v, int) for v in per.values()) or set(per) - set(r.rows):
            raise ScheduleError(f"shift: bad amount {amount!r}", hint="an int, or a dict statement -> int")
        rows = dict(r.rows)
        for s, v in per.items():
            row = list(rows[s])
            row[dd] = row[dd].add(Expr((), v))
            rows[s] = tuple(row)
        return Rows(rows, r.kinds)
    return _apply(schedule, f"shift({d!r}, {amount!r}{_stmts_arg(stmts)})", stmts, step, (d,))


def tile(schedule: Schedule, d: int | str, sizes, *, stmts=None) -> Schedule:
    """Tile dimensions ``d .. d+len(sizes)-1``: insert tile rows ``size*floor(row/size)`` before them.

    ``for i: for j: S`` with ``tile("i", (32, 32))`` -> ``for i_tile: for j_tile: for i: for j: S``
    (tile loops serial, named after their point loops; the point loops keep their kinds if still legal).
    """
    sizes = (sizes,) if isinstance(sizes, int) else tuple(sizes)

    def step(r: Rows, sel, dd):
        if not sizes or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in sizes):
            raise ScheduleError(f"tile: bad sizes {sizes!r}", hint="positive ints, one per tiled dimension")
        check_dims(r, dd + len(sizes) - 1)
        rows, kinds = {}, {}
        for s in r.rows:
            row, kind = r.rows[s], r.kinds[s]
            if s in sel:
                new = tuple(row[dd + k].tile(t) for k, t in enumerate(sizes))
            else:
                new = tuple(Expr(()) for _ in sizes)
            rows[s] = row[:dd] + new + row[dd:]
            named = tuple(LoopInfo(f"{kind[dd + k].name}_tile", SERIAL) if kind[dd + k] is not None else None
                          for k in range(len(sizes)))
            kinds[s] = kind[:dd] + named + kind[dd:]
        return Rows(rows, kinds)
    return _apply(schedule, f"tile({d!r}, {sizes!r}{_stmts_arg(stmts)})", stmts, step, (d,))


def fuse(schedule: Schedule, d: int, *, stmts=None) -> Schedule:
    """Fuse the loops at ``d + 1`` of the children of the sequence at ``d`` (``stmts``: the children
    to fuse, as statements; default the whole sequence)::

        for i: S0          for i:
        for i: S1    ->      S0
                             S1
    """
    def step(r: Rows, sel, dd):
        check_dims(r, dd + 1)
        group = sequence_group(r, dd, sel, "fuse")
        cmin = min(r.rows[s][dd].const for s in group)
        rows, kinds = {}, {}
        for s in r.rows:
            row, kind = r.rows[s], r.kinds[s]
            if s in group:
                rows[s] = row[:dd] + (Expr((), cmin), row[dd + 1], row[dd]) + row[dd + 2:]
                kinds[s] = kind[:dd] + (None, kind[dd + 1], None) + kind[dd + 2:]
            else:
                rows[s] = row[:dd + 1] + (Expr(()),) + row[dd + 1:]
                kinds[s] = kind[:dd + 1] + (None,) + kind[dd + 1:]
        return Rows(rows, kinds)
    return _apply(schedule, f"fuse({d!r}{_stmts_arg(stmts)})", stmts, step, (d,))


def distribute(schedule: Schedule, d: int | str, *, stmts=None) -> Schedule:
    """Split the loop at ``d`` around the sequence at ``d + 1`` (the inverse of :func:`fuse`)::

        for i:            for i: S0
          S0        ->    for i: S1
          S1
    """
    def step(r: Rows, sel, dd):
        check_dims(r, dd + 1)
        group = loop_group(r, dd, sel)
        if not all(r.rows[s][dd + 1].is_constant for s in group):
            raise ScheduleError(f"distribute({d!r}): dimension {dd + 1} is not a sequence for "
                                f"{', '.join(group)}", hint="interchange the sequence up to dimension d + 1 first")
        return map_rows(r, group, lambda rows, kinds: (swap(rows, dd, dd + 1), swap(kinds, dd, dd + 1)))
    return _apply(schedule, f"distribute({d!r}{_stmts_arg(stmts)})", stmts, step, (d,))


def parallelize(schedule: Schedule, d: int | str, *, stmts=None) -> Schedule:
    """Mark the loop at ``d`` ``omp parallel for``; refused when it carries a dependence."""
    return _mark(schedule, d, stmts, PARALLEL, f"parallelize({d!r}{_stmts_arg(stmts)})")


def vectorize(schedule: Schedule, d: int | str, *, stmts=None) -> Schedule:
    """Mark the innermost loop at ``d`` ``omp simd``; refused when it carries a dependence."""
    return _mark(schedule, d, stmts, SIMD, f"vectorize({d!r}{_stmts_arg(stmts)})")


def trace_code(schedule: Schedule) -> str:
    """The Python code reproducing ``schedule`` from the automatic one (its ``trace``)."""
    return "\n".join(schedule.trace)


# ---------------------------------------------------------------- helpers


def _apply(schedule: Schedule, call: str, stmts, step, dims) -> Schedule:
    """Run ``step(rows, selection, *dimensions)`` on the rows of the selected statements (``dims``
    resolved from names to indices), rebuild, check, and record ``call``."""
    try:
        r = read_rows(schedule)
        sel = _selection(schedule.scop, stmts)
        new = step(r, sel, *(resolve_dim(r, d, sel) for d in dims))
        return _finish(schedule, new, call)
    except isl.Error as exc:
        raise ScheduleError(f"{call} failed in isl: {exc}") from exc


def _finish(schedule: Schedule, r: Rows, call: str, note: str = "") -> Schedule:
    scop, deps = schedule.scop, schedule.dependences
    names = tuple(s.name for s in scop.statements)
    node = build_tree(r, scop, names, 0)
    tree = to_isl(node, scop, marks=True)
    try:
        check_legal(deps, tree)
    except IllegalScheduleError as exc:
        raise IllegalScheduleError(f"{call} is illegal: {exc.message}", violation=exc.violation,
                                   hint=exc.hint) from None
    r, demoted = _reverify(r, scop, deps)
    if demoted:
        node = build_tree(r, scop, names, 0)
        tree = to_isl(node, scop, marks=True)
    trace = schedule.trace or (_origin(schedule),)
    decisions = schedule.decisions + (f"hand: {call}" + (f" ({note})" if note else ""),) + demoted
    return replace(schedule, tree=tree, bands=bands_of(node),
                   transforms={s: tuple(e.text(scop.statement(s).iterators) for e in r.rows[s]) for s in names},
                   fusion=fusion_groups(node), decisions=decisions, trace=trace + (f"s = s.{call}",))


def _reverify(r: Rows, scop, deps) -> tuple[Rows, tuple[str, ...]]:
    """Demote parallel/simd loops that now carry a dependence."""
    kinds = dict(r.kinds)
    notes = []
    for d in range(r.ndim):
        for group in band_at(r, d, tuple(r.rows)):
            marked = [kinds[s][d] for s in group
                      if kinds[s][d] is not None and kinds[s][d].kind in (PARALLEL, SIMD)]
            if not marked:
                continue
            why = carried_at(deps, r, scop, d, group)
            if why is None:
                continue
            name = marked[0].name or f"dimension {d}"
            notes.append(f"loop {name} (dimension {d}) is no longer {marked[0].kind}: it carries {why}")
            for s in group:
                k = list(kinds[s])
                k[d] = LoopInfo(name, SERIAL, f"carries {why}")
                kinds[s] = tuple(k)
    return Rows(r.rows, kinds), tuple(notes)


def _mark(schedule: Schedule, d: int | str, stmts, kind: str, call: str) -> Schedule:
    try:
        r = read_rows(schedule)
        sel = _selection(schedule.scop, stmts)
        d = resolve_dim(r, d, sel)
        groups = band_at(r, d, sel)
        if not groups:
            raise ScheduleError(f"{call}: dimension {d} is not a loop of {', '.join(sel)}",
                                hint="print(schedule) shows the rows T(S); constant rows are sequences")
        kinds = dict(r.kinds)
        for group in groups:
            if kind == SIMD and any(not e.is_constant for s in group for e in r.rows[s][d + 1:]):
                raise ScheduleError(f"{call}: dimension {d} is not the innermost loop of {', '.join(group)}",
                                    hint="omp simd goes on innermost loops")
            why = carried_at(schedule.dependences, r, schedule.scop, d, group)
            if why is not None:
                raise IllegalScheduleError(f"{call} is illegal: the loop carries {why}",
                                           hint="only a loop that carries no dependence can run in parallel")
            for s in group:
                k = list(kinds[s])
                name = k[d].name if k[d] is not None else ""
                k[d] = LoopInfo(name, kind, f"hand: {call}")
                kinds[s] = tuple(k)
        return _finish(schedule, Rows(r.rows, kinds), call)
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
