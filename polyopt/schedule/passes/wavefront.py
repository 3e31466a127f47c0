"""Pass ``wavefront``: tiles in wavefronts when no tile loop is parallel (time-iterated stencils).

When no tile loop carries a dependence-free iteration and no loop around the band is parallel,
the first tile loop is replaced by the wavefront ``floor(h1/s1) + floor(h2/s2)``, which makes the
second tile loop parallel: legal in a permutable band, where every dependence component is
non-negative, so the sum is zero only when both are.  The tile loops then follow the point loops'
order, so the wavefront runs over the outer two and the tiles' innermost loop is the long (SIMD)
one: fdtd-2d's ``(t, t + j, t + i)`` band ran 2.8x slower with its tile loops left in band order.
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import ScheduleError
from ..tree import Member
from .kinds import parallel_obstacle
from .tile import tile_members
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    if not work.tiles:
        if work.given_value("wavefront"):
            raise ScheduleError(f"{work.label} is not tiled: its tiles cannot run in wavefronts")
        return work
    given = work.given_value("wavefront")
    if given is None:
        given = (env.options.parallel and ctx.parallel_above is None
                 and not env.carried.any_free(work.tiles, ctx.active))
    if not given:
        return work
    if len(work.tiles) < 2:
        raise ScheduleError(f"{work.label} has one tile loop: a wavefront needs two")
    size_of = dict(zip(work.band.members, work.sizes))
    ordered = [size_of[m] for m in work.members]
    tiles = _wavefront(tile_members(work.members, ordered), work.members, ordered)
    if work.given_value("wavefront") is None:
        # skewed tiles are worth their cost only for the parallel loop they bring; without one
        # they only make isl's code generation harder (fuzz seed ~3330: a wavefront whose next
        # loop a temporary kept serial sent isl's AST generator past its operation budget)
        _, rest = env.carried.split(tiles[0], ctx.active)
        why = parallel_obstacle(tiles[1], rest, env)
        if why:
            env.note(f"{work.label}: no wavefront: {tiles[1].name} would not be parallel in it ({why})")
            return work
    env.note(f"{work.label}: no tile loop is parallel; wavefront {tiles[0].name} makes {tiles[1].name} parallel")
    return replace(work, tiles=tuple(tiles), wavefront=True)


def _wavefront(tiles: list[Member], loops, sizes) -> list[Member]:
    """Replace the first tile loop by ``floor(h1/s1) + floor(h2/s2)``, named after both loops
    (``t_t_i_wave`` for the tiles of ``t`` and ``t_i``)."""
    exprs = tuple((s, loops[0].expr(s).tile_index(sizes[0]).add(loops[1].expr(s).tile_index(sizes[1])))
                  for s in loops[0].statements)
    return [Member(exprs, f"{loops[0].name}_{loops[1].name}_wave", "wavefront")] + tiles[1:]
