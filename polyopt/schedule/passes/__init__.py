"""The passes of the schedule stage, after the scheduler: its tree -> the final tree and the plan.

Polly's shape: the scheduler computes hyperplanes and fusion once; then a fixed sequence of small
passes, each with one job, takes the decisions that turn bands into loops:

====================  ==========================================================================
``order``             the order of a band's point loops (:mod:`.order`)
``tile``              tile sizes and tile loops (:mod:`.tile`)
``wavefront``         tiles in wavefronts when no tile loop is parallel (:mod:`.wavefront`)
``sink``              the innermost loop moved below a filter's taps (:mod:`.sink`)
``distribute``        the innermost loop split over the statements (:mod:`.distribute`)
``jam``               a point loop unrolled and jammed, when the plan asks (:mod:`.jam`)
``registers``         a contraction's register tile (:mod:`.registers`)
``kinds``             parallel / pipelined / simd / serial, collapse, unrolling, outlining (:mod:`.kinds`)
``hold``              the register tile's block recorded on its reduction loop (:mod:`.registers`)
``pack``              the register tile's column operand packed per tile (:mod:`.packing`), and its
                      row panel (:mod:`.row_panel`)
====================  ==========================================================================

The bands are visited top-down (decisions depend on the loops around a band: a loop inside a
parallel one is not parallel again) and, at each band, the passes run in that order; each one's
time is reported under its name.  Every decision is recorded in the plan's :class:`BandPlan` for
the band; given a plan, each pass applies the decisions it finds there and takes the others.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ...errors import ScheduleError
from ..carried import Carried
from ..loops import SERIAL, SIMD, BandInfo, LoopInfo
from ..plan import BandPlan, LoopPlan
from ..policy import DEFAULT_POLICY, TilePolicy
from ..tree import Band, Leaf, Node, Sequence, has_band
from . import distribute, jam, kinds, order, packing, registers, sink, tile, wavefront
from .work import BandWork, Context, Env

PASSES = (("order", order.run), ("tile", tile.run), ("wavefront", wavefront.run), ("sink", sink.run),
          ("distribute", distribute.run), ("jam", jam.run), ("registers", registers.run), ("kinds", kinds.run),
          ("hold", registers.hold), ("pack", packing.run))


@dataclass(frozen=True)
class Result:
    """What the passes made of the scheduler's tree."""

    tree: Node
    bands: tuple[BandInfo, ...]  # per band, in visit order: what was decided, for the explanation
    plan: tuple[BandPlan, ...]  # the same decisions as the plan records them
    decisions: tuple[str, ...]  # explanation lines
    timings: tuple[tuple[str, float], ...]  # seconds per pass


def run_passes(tree: Node, deps, options, given: tuple[BandPlan, ...] | None = None,
               policy: TilePolicy = DEFAULT_POLICY) -> Result:
    """The final tree of ``tree`` (the scheduler's) for ``options``, applying ``given`` decisions."""
    env = Env(Carried(deps), options, policy, given)
    env.timings = {name: 0.0 for name, _ in PASSES}
    ctx = Context(env.carried.root(), None, {s.name: () for s in deps.scop.statements})
    final, records = _visit(tree, ctx, env, 0)
    if given is not None and len(given) != len(records):
        raise ScheduleError(f"the plan has {len(given)} band(s), this schedule {len(records)}",
                            hint="make the plan from this kernel's schedule: kernel.schedule().plan")
    return Result(final, tuple(r for r, _ in records), tuple(p for _, p in records), tuple(env.decisions),
                  tuple(env.timings.items()))


def _visit(node: Node, ctx: Context, env: Env, start: int):
    """(the processed ``node``, its bands' records) with band numbers from ``start``."""
    if isinstance(node, Leaf):
        return node, []
    if isinstance(node, Sequence):
        children, records = [], []
        for names, child in node.children:
            inside = replace(ctx, active=env.carried.inside(ctx.active, names))
            done, recs = _visit(child, inside, env, start + len(records))
            children.append((names, done))
            records += recs
        return Sequence(tuple(children)), records
    return _band(node, ctx, env, start)


def _band(band: Band, ctx: Context, env: Env, index: int):
    given = _given(band, env, index)
    work = _start(band, ctx, env, index, given)
    for name, run in PASSES:
        begin = time.perf_counter()
        work = run(work, ctx, env)
        env.timings[name] += time.perf_counter() - begin
    work = replace(work, tile_infos=_numbered(work.tile_infos, index),
                   point_infos=_numbered(work.point_infos, index), split_infos=_numbered(work.split_infos, index))
    records: list = []
    if work.split:
        child, summary = _copies(work, ctx, env, index + 1, records)
        point_infos = work.point_infos + (summary,)
    else:
        child, records = _visit(work.child, work.after, env, index + 1)
        point_infos = work.point_infos
    kept = work.members[:-1] if work.split else work.members
    inner = Band(kept, child, band.permutable, infos=work.point_infos, band_id=band.band_id) if kept else child
    out = inner
    if work.tiles:
        out = Band(work.tiles, inner, band.permutable, tile_sizes=work.sizes, infos=work.tile_infos,
                   band_id=band.band_id)
    info = BandInfo(work.statements, point_infos, band.permutable, work.sizes, work.tile_infos, work.note)
    return out, [(info, _plan(work))] + records


def _given(band: Band, env: Env, index: int) -> BandPlan | None:
    if env.given is None:
        return None
    names = tuple(m.name for m in band.members)
    stmts = band.members[0].statements
    if index >= len(env.given) or env.given[index].statements != stmts or env.given[index].loops != names:
        there = (f"({', '.join(env.given[index].statements)}) with loops {', '.join(env.given[index].loops)}"
                 if index < len(env.given) else "missing")
        raise ScheduleError(f"the plan does not fit this schedule: band {index} is ({', '.join(stmts)}) with "
                            f"loops {', '.join(names)} here, {there} in the plan",
                            hint="start from this kernel's plan (kernel.schedule().plan) and change decisions")
    return env.given[index]


def _start(band: Band, ctx: Context, env: Env, index: int, given: BandPlan | None) -> BandWork:
    """The band before any pass: what its structure and the options allow."""
    innermost = not has_band(band.child)
    taps_below, fixed = (False, False) if innermost else sink.taps(band, ctx, env)
    if given is not None and given.tile is not None:
        tiled, note = bool(given.tile), "" if given.tile else (given.note or "not tiled (plan)")
        if tiled and not band.permutable:
            raise ScheduleError(f"band {index} is not permutable: it cannot be tiled")
    elif not band.permutable:
        tiled, note = False, "not permutable: not tiled"
    elif len(band.members) < 2:
        tiled, note = False, "depth 1: not tiled"
    elif env.options.tile is False:
        tiled, note = False, "tiling disabled"
    else:
        tiled, note = True, ""
    return BandWork(band, index, given, innermost, taps_below, fixed, tiled, band.members, band.child,
                    tuple(m.name for m in band.members), note)


def _copies(work: BandWork, outer: Context, env: Env, start: int, records: list):
    """The sequence of per-statement copies of a distributed innermost loop, and one LoopInfo
    summarising them for the band's record; the taps below each copy are visited in its context."""
    last = work.members[-1]
    children = []
    after = work.after
    for stmt, info in zip(work.split, work.split_infos):
        inner = distribute.restrict(work.child, stmt)
        if has_band(inner):
            mine = env.carried.inside(after.active, (stmt,))
            ctx = Context(mine, after.parallel_above, {s.name: () for s in env.scop.statements},
                          outer.in_simd or info.kind == SIMD)
            inner, recs = _visit(inner, ctx, env, start + len(records))
            records += recs
        children.append(((stmt,), distribute.copy_of(last, stmt, inner, (info,), work.band.band_id)))
    infos = work.split_infos
    kinds_ = {i.kind for i in infos}
    kind = kinds_.pop() if len(kinds_) == 1 else SERIAL
    reasons = "; ".join(dict.fromkeys(f"{i.kind} ({i.reason})" if len(infos) > 1 else i.reason for i in infos))
    reductions = tuple(sorted({r for i in infos for r in i.reductions}))
    summary = LoopInfo(last.name, kind, f"distributed over ({', '.join(work.split)}): {reasons}", reductions,
                       row=infos[0].row if infos else "", band=work.index)
    return Sequence(tuple(children)), summary


def _plan(work: BandWork) -> BandPlan:
    loops = list(work.tile_infos) + list(work.point_infos)
    loops += [replace(i, name=kinds.copy_name(i.name, s)) for s, i in zip(work.split, work.split_infos)]
    return BandPlan(work.statements, tuple(m.name for m in work.band.members), work.band.permutable,
                    work.order, tuple(work.sizes) if work.sizes else (), work.wavefront, work.sunk,
                    tuple(work.split), tuple(_loop_plan(i) for i in loops), work.note,
                    (work.jammed,) if work.jammed else (), work.registers, work.packed)


def _numbered(infos, index: int) -> tuple[LoopInfo, ...]:
    """``infos`` of the band numbered ``index``, knowing it (what code generation reports names it)."""
    return tuple(replace(i, band=index) for i in infos)


def _loop_plan(info: LoopInfo) -> LoopPlan:
    return LoopPlan(info.name, info.kind, info.reason, info.collapse, info.unroll, info.outline, info.reductions,
                    info.private, info.reduce, info.min_work, info.unroll_by, info.dynamic)
