"""Pass ``tile``: the tile sizes of a permutable band and its tile loops.

A tile loop is ``s*floor(h/s)`` over its point loop ``h``, so partial tiles need no special case.
Explicit ``tile=`` sizes are used as given; under ``tile=True`` an innermost band (or one with only
a filter's taps below) gets the sizes of :class:`~polyopt.schedule.policy.TilePolicy`:

* the innermost point loop, when it will be a SIMD loop, gets the longer ``simd`` tile;
* a band whose tiles will run in wavefronts (no tile loop parallel and none around) of depth 2 gets
  square ``wavefront_square`` tiles, of depth >= 4 ``wavefront`` tiles along the two wavefront loops,
  ``simd`` between and ``wavefront_simd`` on the innermost SIMD loop;
* a contraction that will get a register tile (:mod:`.registers`) gets the ``contraction_*`` sizes
  of its row, column, reduction and batch loops;
* every other loop the ``default`` size.

Tile loops follow the scheduler's member order (the wavefront pass reorders them); a plan's
``tile`` gives sizes in that order, ``()`` for a band left untiled.
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import ScheduleError
from ..tree import Member
from .contraction import contraction, default_loops
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    if not work.tiled:
        if work.note:
            env.note(f"{work.label} {work.note}")
        return work
    band = work.band
    n = len(band.members)
    given = work.given_value("tile")
    if given:
        if len(given) != n:
            raise ScheduleError(f"{work.label}: the plan gives {len(given)} tile size(s) for {n} loops")
        sizes = tuple(given)
    else:
        sizes = env.options.explicit_sizes(n) or env.policy.sizes(n)
        eligible = work.innermost or work.taps_below
        if eligible and env.options.tile is True:
            sizes = default_sizes(work, sizes, ctx, env)
    env.note(f"{work.label} tiled {'x'.join(map(str, sizes))}")
    return replace(work, sizes=sizes, tiles=tuple(tile_members(band.members, sizes)))


def default_sizes(work: BandWork, sizes, ctx: Context, env: Env) -> tuple[int, ...]:
    """The tile sizes of an innermost band under ``tile=True`` (see the module docstring)."""
    band, members, policy = work.band, list(work.members), env.policy
    n = len(members)
    simd = env.options.vectorize and vector_candidate(members, ctx.active, env)
    wavefront = needs_wavefront(band.members, sizes, ctx, env)
    out = list(sizes)
    last = band.members.index(members[-1])
    if simd and not (n <= 2 and wavefront):
        out[last] = policy.simd
    if n == 2 and wavefront:
        out = [policy.wavefront_square] * 2
    if n >= 4 and wavefront:
        for m in members[2:-1]:
            out[band.members.index(m)] = policy.simd
        for m in members[:2]:
            out[band.members.index(m)] = policy.wavefront
        if simd:
            out[last] = policy.wavefront_simd
    wanted = env.options.register_tiles is not False and work.given_value("registers") != ()
    found = contraction(work, env) if simd and not wavefront and wanted else None
    if isinstance(found, tuple) and not work.given_value("jam") and not work.given_value("distribute"):
        loops = default_loops(work, found, env)
        if isinstance(loops, tuple):  # the blocks of a register-tiled contraction (see .registers)
            row, col = loops
            roles = {row: policy.contraction_rows, col: policy.contraction_columns}
            roles.update({name: policy.contraction_depth for name in found[3]})
            out = [roles.get(m.name, policy.contraction_batch) for m in band.members]
    return tuple(out)


def vector_candidate(members, active, env: Env) -> bool:
    """Whether the innermost point loop will be a SIMD loop: it carries no dependence of a
    statement on itself once the outer point loops are fixed (dependences between statements are
    removed by the distribute pass)."""
    rest = env.carried.after(members[:-1], active)
    carried, _ = env.carried.split(members[-1], rest)
    return all(e.source != e.sink for e, _ in carried)


def needs_wavefront(members, sizes, ctx: Context, env: Env) -> bool:
    """Whether the band's tile loops will need a wavefront to get a parallel loop."""
    if not env.options.parallel or ctx.parallel_above is not None:
        return False
    return not env.carried.any_free(tile_members(members, sizes), ctx.active)


def tile_members(members, sizes) -> list[Member]:
    """The tile loops of ``members`` with the given sizes, in the same order."""
    return [Member(tuple((s, e.tile(size)) for s, e in m.exprs), f"{m.name}_tile", "tile")
            for m, size in zip(members, sizes)]
