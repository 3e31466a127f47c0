"""Pass ``jam``: unroll-and-jam of one point loop of a permutable band, when a plan asks for it.

The loop is strip-mined by the factor: a strip loop ``f*floor(i/f)`` takes its place, and the loop
itself, now of at most ``f`` iterations, moves inside the loops that followed it -- just outside the
innermost loop when that one will be a SIMD loop (or is distributed over the statements), else
innermost -- and is unrolled completely.  Each value the loops in between load then feeds ``f``
independent statement instances: Pluto's register tiling, which on gesummv keeps 8 row sums in
registers across the column loop.  Any order of a permutable band's members, strip-mined ones
included, respects the dependences.

By default only a row-order matrix-vector product left untiled by the ``tile`` pass is jammed: its
loop outside the sum, so that :attr:`~polyopt.schedule.policy.TilePolicy.sums_in_flight` sums (one
dependence chain each; a row has one per statement that sums) are in flight at once.  The autotuner
searches factors per machine for every permutable band (a plan's ``jam`` names the loop and the
factor).
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import ScheduleError
from ..tree import Member
from .tile import vector_candidate
from .work import BandWork, Context, Env

MAX_FACTOR = 16  # beyond this, unrolling costs more in code size and registers than it brings


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    given = work.given_value("jam")
    chosen = given is None  # by the row-streams rule, not by a plan: skipped where it cannot apply
    if given is None and work.streams:
        factor = min(MAX_FACTOR, -(-env.policy.sums_in_flight // work.streams))
        given = ((work.members[-2].name, factor),) if factor > 1 else ()
    if not given:
        return work
    if len(given) != 1:
        raise ScheduleError(f"{work.label}: the plan jams {len(given)} loops; one per band at most")
    name, factor = given[0]
    members = list(work.members)
    names = [m.name for m in members]
    if not work.band.permutable:
        raise ScheduleError(f"{work.label} is not permutable: none of its loops can be jammed")
    if isinstance(factor, bool) or not isinstance(factor, int) or not 2 <= factor <= MAX_FACTOR:
        raise ScheduleError(f"{work.label}: jam factor {factor!r} is not an int from 2 to {MAX_FACTOR}")
    if name not in names[:-1]:
        outer = ", ".join(names[:-1]) or "none"
        raise ScheduleError(f"{work.label}: cannot jam loop {name!r}",
                            hint=f"jam one of its point loops outside the innermost: {outer}")
    k = names.index(name)
    loop = members[k]
    members[k] = Member(tuple((s, e.tile(factor)) for s, e in loop.exprs), f"{name}_jam")
    keep_last = bool(work.split) or (env.options.vectorize and vector_candidate(work.members, ctx.active, env))
    members.insert(len(members) - 1 if keep_last else len(members), loop)
    inside = [m.name for m in members[k + 1:members.index(loop)]]
    if not inside:
        if chosen:  # the innermost loop is no SIMD loop that could stay inside (fuzz seed 4829)
            return work
        raise ScheduleError(f"{work.label}: no loop lies between {name} and the innermost loop to jam it into")
    env.note(f"{work.label}: {name} unrolled by {factor} and jammed inside {', '.join(inside)}")
    return replace(work, members=tuple(members), jammed=(name, factor))
