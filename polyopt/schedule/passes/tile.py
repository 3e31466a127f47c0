"""Pass ``tile``: the tile sizes of a permutable band and its tile loops.

A tile loop is ``s*floor(h/s)`` over its point loop ``h``, so partial tiles need no special case.
Explicit ``tile=`` sizes are used as given; under ``tile=True`` an innermost band (or one with only
a filter's taps below) gets the sizes of :class:`~polyopt.schedule.policy.TilePolicy`:

* the innermost point loop, when it will be a SIMD loop, gets the longer ``simd`` tile;
* a band whose tiles will run in wavefronts (no tile loop parallel and none around) of depth 2 gets
  square ``wavefront_square`` tiles, of depth >= 4 ``wavefront`` tiles along the two wavefront loops,
  ``simd`` between and ``wavefront_simd`` on the innermost SIMD loop;
* a contraction that will get a register tile (:mod:`.registers`) gets the sizes of the machine's
  :class:`~polyopt.schedule.policy.RegisterTile` for its row, column, reduction and batch loops;
* every other loop the ``default`` size;
* a row-order matrix-vector product (:func:`streams_only`) is not tiled: the ``jam`` pass gives it
  several rows at once instead.

Tile loops follow the scheduler's member order (the wavefront pass reorders them); a plan's
``tile`` gives sizes in that order, ``()`` for a band left untiled.
"""

from __future__ import annotations

from dataclasses import replace

import islpy as isl

from ...errors import ScheduleError
from ..access import linear_part, multi_aff
from ..farkas import rank_and_nullspace
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
            found = streams_only(work, ctx, env)
            if found:
                why, sums = found
                env.note(f"{work.label} not tiled: {why}")
                return replace(work, tiled=False, note=f"not tiled: {why}", streams=sums)
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
            shape = policy.register_tile()
            roles = {row: shape.tile_rows, col: shape.columns}
            roles.update({name: shape.depth for name in found[3]})
            out = [roles.get(m.name, shape.batch) for m in band.members]
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


def streams_only(work: BandWork, ctx: Context, env: Env) -> tuple[str, int] | None:
    """(why, the number of sums a row has) for an innermost band that is a matrix-vector product in
    row order that tiles would not help; else None.

    Such a band's innermost loop is a sum kept in order (it carries its statements' dependences
    on themselves) and its every access, along that loop, stays on one element (``tmp[i]``, the
    sum: a register), reads a vector not written in the band (``x[j]``, a few KiB: it stays in
    cache untiled), or streams (``A[i][j]``: stride 1, each element touched by one iteration of the
    band and by no other access).  Tiles would keep no reuse: they cut the streams into short
    pieces, which the hardware prefetcher follows worse, and what they did bring, several rows'
    sums in flight at once, unroll-and-jam of the row loop brings without cutting the streams (the
    ``jam`` pass, :attr:`TilePolicy.sums_in_flight`).  gesummv at PolyBench LARGE through ``polyopt cc``
    (caches flushed, 2 threads, Intel Xeon Sapphire Rapids class, against LLVM Polly in the same
    run): 32x32 tiles 0.91x Polly, untiled 1.21x, untiled with rows jammed by 4 1.69x (by 8:
    1.77x).  The outermost loop must carry no dependence (once temporaries are private), so the
    band stays parallel untiled, and the sum must stay in order (not a SIMD reduction).
    """
    members = work.members
    if not work.innermost or len(members) < 2 or vector_candidate(members, ctx.active, env):
        return None
    if ctx.parallel_above is None and _carries(members[0], ctx, env):
        return None
    opts = env.options
    threads = opts.parallel or ctx.parallel_above is not None
    if opts.reassociate or opts.reassociate is None and opts.vectorize and not threads:
        return None  # the sum will be a SIMD reduction (polyopt.schedule.passes.kinds), tiled as before
    written = {a.array for s in work.statements for a in env.scop.statement(s).writes}
    streamed: dict[str, set] = {}
    sums = set()
    for s in work.statements:
        stmt = env.scop.statement(s)
        steps = []  # per band loop: (iterator, its step per iteration of the loop)
        for m in members:
            e = m.expr(s)
            moved = [k for k, c in enumerate(e.coeffs) if c]
            if not e.is_affine or len(moved) != 1 or abs(e.coeffs[moved[0]]) != 1:
                return None
            steps.append((moved[0], e.coeffs[moved[0]]))
        for acc in stmt.accesses:
            rows = linear_part(acc.relation, stmt.depth)
            if rows is None:
                return None
            band = [tuple(row[k] * c for k, c in steps) for row in rows]
            if not any(r[-1] for r in band):
                if acc.is_write:
                    sums.add(s)
                continue  # one element along the innermost loop
            if acc.array not in written and not any(any(r[:-1]) for r in band):
                continue  # a vector read along the innermost loop only
            inner = [r[-1] for r in band]
            if any(inner[:-1]) or abs(inner[-1]) != 1 or _rank(band) < len(members):
                return None
            streamed.setdefault(acc.array, set()).add((tuple(band), _offsets(acc.relation)))
    if not streamed or not sums:
        return None
    if any(len(forms) > 1 for forms in streamed.values()):
        return None  # two accesses to one array at different elements: reuse between them
    return (f"a sum along {members[-1].name} that streams {', '.join(sorted(streamed))}, every other access "
            "held or a vector read: tiles would keep no reuse"), len(sums)


def _carries(member: Member, ctx: Context, env: Env) -> bool:
    carried, _ = env.carried.split(member, ctx.active)
    left, _ = env.carried.privatised(member, carried, ctx.active)
    return bool(left)


def _offsets(relation: isl.Map) -> tuple:
    """The constant and parameter terms of each subscript of a one-piece affine access."""
    ma = multi_aff(relation)
    out = []
    for k in range(ma.dim(isl.dim_type.out)):
        aff = ma.get_at(k)
        params = tuple(aff.get_coefficient_val(isl.dim_type.param, p).to_python()
                       for p in range(aff.dim(isl.dim_type.param)))
        out.append((aff.get_constant_val().to_python(), params))
    return tuple(out)


def _rank(rows) -> int:
    """The rank of an integer matrix (each element of the access at most once in the band when it
    equals the number of band loops)."""
    return rank_and_nullspace([tuple(r) for r in rows], len(rows[0]))[0]
