"""Pass ``sink``: the innermost point loop moved below a filter's taps or a reduction.

stencil3d27's and conv2d's point loops enclose 3x3 filter taps (loops of fewer than the policy's
``narrow_extent`` iterations); gcc vectorizes neither the taps nor a loop around them, so the
original loops (whose taps gcc unrolls, leaving the stride-1 loop innermost) ran 7x faster.  When
the taps' bounds vary (conv2d's padding) the innermost point loop gets a copy above each statement
below the taps, a SIMD loop; when their bounds are fixed (stencil3d27) the loop stays around them
and they are unrolled instead (the kinds pass).  Loops below the band that move no element their
statements write (a reduction, of any extent: conv1d's ``r in range(R)``) count as taps too: they
offer no SIMD loop, and left innermost they kept conv1d's stride-1 ``x`` outside, scalar (5.4 s at
LARGE, 3.6 GFLOP/s, AMD EPYC Zen 4 VM).  The move is made only when the new order respects
every dependence not ordered by the outer loops and no copy carries a dependence of its statement
on itself.
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import IllegalScheduleError
from ..access import along, in_step, linear_part
from ..tree import Band, Expr, Leaf, Member, Node, Sequence, has_band, rows_of
from .work import BandWork, Context, Env

SUNK = "sunk"  # the role of the copies of a loop moved below the taps


def taps(band: Band, ctx: Context, env: Env) -> tuple[bool, bool]:
    """(only taps below ``band``, and their bounds fixed everywhere) for a permutable band."""
    if not band.permutable or not has_band(band.child):
        return False, False
    stmts = band.members[0].statements
    outer = {st: [Expr(r) for r in ctx.rows[st]] + [m.expr(st) for m in band.members] for st in stmts}
    if not (_narrow_subtree(band.child, outer, env, reductions=False)
            or (len(stmts) == 1 and any(_unit_stride(m, env) for m in band.members)
                and _narrow_subtree(band.child, outer, env, reductions=True))):
        return False, False
    limit = env.policy.max_unroll
    fixed = all((env.isl.fixed_count(st, outer[st], rows_of(band.child, st)) or limit + 1) <= limit
                for st in stmts)
    return True, fixed


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    given = work.given_value("sink")
    wanted = given if given is not None else (work.taps_below and not work.fixed_taps and env.options.vectorize)
    if not wanted:
        return work
    sunk = _sink_innermost(work, ctx, env)
    if sunk is None:
        if given:
            raise IllegalScheduleError(f"{work.label}: loop {work.members[-1].name} cannot move below the "
                                       "taps: the new order would break a dependence or a copy would carry one")
        return work
    return replace(work, members=work.members[:-1], child=sunk, sunk=True)


def _sink_innermost(work: BandWork, ctx: Context, env: Env) -> Node | None:
    members = work.members
    last = members[-1]
    outer = {st: [Expr(r) for r in ctx.rows[st]] + [m.expr(st) for m in members] for st in last.statements}
    if not _unit_stride(last, env) and not _narrow_subtree(work.child, outer, env, reductions=False):
        return None  # below a reduction only a loop that makes a SIMD loop is worth moving
    # Below the taps the loop's trip count is taken with the taps fixed: a window that moves with
    # the loop (a tridiagonal product's j in i-1..i+1) makes the loop itself a few iterations long
    # there -- the move would put a full-length serial loop outside and a 3-iteration SIMD loop
    # walking the matrix by columns inside.
    extent = env.policy.narrow_extent
    if all(env.isl.narrow(st, [Expr(r) for r in ctx.rows[st]] + [m.expr(st) for m in members[:-1]]
                          + rows_of(work.child, st), last.expr(st), extent) for st in last.statements):
        env.note(f"{work.label}: loop {last.name} stays above the loops of a few iterations inside it: "
                 f"below them it would run fewer than {extent} iterations too")
        return None
    sunk = _sink(work.child, last)
    rest = Band(tuple(members[:-1]), sunk, True) if len(members) > 1 else sunk
    order = env.isl.flat_order(rest, last.statements)
    if any(not rel.is_subset(order) for _, rel in ctx.active):
        return None
    flat = env.isl.flat_map(rest, last.statements, drop_last=True)
    same = flat.apply_range(flat.reverse())  # pairs left to the copies of the sunk loop
    if any(e.source == e.sink and not rel.intersect(same).is_empty() for e, rel in ctx.active):
        return None  # a copy would carry a dependence of its statement: no SIMD loop
    env.note(f"{work.label}: loop {last.name} moved below the loops of a few iterations or reductions inside "
             f"it, one copy per statement")
    return sunk


def _unit_stride(member: Member, env: Env) -> bool:
    """Whether ``member`` follows one iterator of each of its statements, along which every access
    of the statement stays in place or steps by one element of its last subscript (a SIMD loop)."""
    for st, e in member.exprs:
        stmt = env.scop.statement(st)
        if not e.is_affine or sorted(abs(c) for c in e.coeffs if c) != [1]:
            return False
        step = [1 if c else 0 for c in e.coeffs]
        for access in stmt.accesses:
            matrix = linear_part(access.relation, stmt.depth)
            if matrix is None or not in_step(along(matrix, step)):
                return False
    return True


def _sink(node: Node, loop: Member) -> Node:
    """``node`` with a one-statement copy of ``loop`` directly above each (one-statement) leaf."""
    if isinstance(node, Leaf):
        st = node.statements[0]
        return Band((Member(((st, loop.expr(st)),), loop.name, SUNK),), node, True)
    if isinstance(node, Sequence):
        return Sequence(tuple((names, _sink(child, loop)) for names, child in node.children))
    return replace(node, child=_sink(node.child, loop))


def _narrow_subtree(node: Node, rows: dict, env: Env, reductions: bool) -> bool:
    """Whether every loop in ``node`` runs fewer than ``narrow_extent`` iterations -- or, with
    ``reductions``, leaves the elements its statements write in place -- (given ``rows``, the rows
    of the enclosing loops per statement), and every leaf holds one statement."""
    if isinstance(node, Leaf):
        return len(node.statements) == 1
    if isinstance(node, Sequence):
        return all(_narrow_subtree(child, rows, env, reductions) for _, child in node.children)
    if any(m.role == SUNK for m in node.members):
        return False  # already sunk here: a loop moves below the taps once
    reduces = reductions and all(env.isl.invariant(st, rows[st], w.relation) for st in node.members[0].statements
                                 for w in env.scop.statement(st).writes)
    for m in node.members:
        for st, e in m.exprs:
            if not (e.is_constant or reduces or env.isl.narrow(st, rows[st], e, env.policy.narrow_extent)):
                return False
    inner = {st: rows[st] + [m.expr(st) for m in node.members] for st in node.members[0].statements}
    return _narrow_subtree(node.child, {**rows, **inner}, env, reductions)
