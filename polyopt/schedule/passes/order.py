"""Pass ``order``: the order of a band's point loops, chosen for the innermost (SIMD) loop.

In an innermost permutable band (or one with only a filter's taps below) the point loop with
stride-1 or invariant accesses that carries no dependence goes innermost.  Scores, best first:

1. no strided access that streams (each element used once in the band: every step fetches a new
   cache line) -- gesummv with ``i`` innermost walked A and B by columns: 0.6x of the original loops;
2. in a tile, a stride-1 loop that carries nothing: strided accesses with reuse hit the cache while
   a carried dependence (a reduction) serialises the loop (syrk: ``j``, not ``k``);
3. fewer strided accesses, no carried dependence, more stride-1 accesses, the later loop.

Given a plan's ``order``, the band takes it when it is permutable.
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import ScheduleError
from ..access import along, directions, streams
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    band = work.band
    given = work.given_value("order")
    if given is not None:
        members = _given_order(work, tuple(given))
    elif band.permutable and len(band.members) >= 2 and (work.innermost or work.taps_below):
        members = tuple(_intra_tile_order(work, ctx, env))
    else:
        members = work.members
    return replace(work, members=members, order=tuple(m.name for m in members))


def _given_order(work: BandWork, order: tuple[str, ...]):
    by_name = {m.name: m for m in work.band.members}
    if sorted(order) != sorted(by_name):
        raise ScheduleError(f"{work.label}: the plan's order ({', '.join(order)}) is not a permutation of its "
                            f"loops ({', '.join(by_name)})")
    if order != tuple(by_name) and not work.band.permutable:
        raise ScheduleError(f"{work.label} is not permutable: its loops stay in the order "
                            f"({', '.join(by_name)})", hint="change the order of a permutable band only")
    return tuple(by_name[n] for n in order)


def _intra_tile_order(work: BandWork, ctx: Context, env: Env) -> list:
    members = list(work.members)
    n = len(members)
    scores = []
    dirs = {}  # statement -> the direction of each band loop in its iteration space (or None)
    for s in members[0].statements:
        exprs = [m.expr(s) for m in members]
        if all(e.is_affine for e in exprs):
            dirs[s] = directions(ctx.rows[s], [e.coeffs for e in exprs], env.scop.statement(s).depth)
    for p in range(n):
        good = bad = stream = 0
        for s, vs in dirs.items():
            if vs[p] is None:
                continue
            for f in env.access[s]:
                step = along(f, vs[p])
                if not any(step):
                    continue
                if not any(step[:-1]) and abs(step[-1]) == 1:
                    good += 1
                else:
                    bad += 1
                    stream += streams(f, vs, p)
        carries = bool(env.carried.when_innermost(members, p, ctx.active))
        clean = 0 if work.tiled and good and not carries else 1
        scores.append((stream, clean, bad, carries, -good, -p))
    best = min(range(n), key=lambda p: scores[p])
    if best == n - 1:
        return members
    order = [m for q, m in enumerate(members) if q != best] + [members[best]]
    _, _, bad, carries, good, _ = scores[best]
    why = f"{-good} stride-1 and {bad} strided accesses" + ("" if carries else ", carries no dependence")
    env.note(f"{work.label}: point loops ordered ({', '.join(m.name for m in order)}): "
             f"{members[best].name} innermost ({why})")
    return order
