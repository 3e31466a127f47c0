"""Pass ``registers``: the register tile (micro-kernel) of a contraction band.

A contraction is a band of one statement that accumulates into one element of an array
(``C[i, j] += A[i, k] * B[k, j]``, any operand order and transposition, a batch loop, a triangular
domain): the element's subscripts depend on some of the band's loops and not on the others (the
reduction loops).  Its register tile strip-mines a *row* loop by ``mr`` and the innermost, vector
*column* loop by ``nr`` and orders the point loops

    batch loops, row strip, column strip, reduction loops, row (mr iterations), column (nr, SIMD)

-- any order of a permutable band's members, strip-mined ones included, respects the dependences.
Around the outermost reduction loop code generation then holds the ``mr`` x ``nr`` block of the
result in a local array (loaded before, stored after, kept in vector registers by gcc) and the row
loop is unrolled: each loaded vector of the column operand feeds ``mr`` accumulators, each broadcast
element of the row operand ``nr / vector width`` of them.  This is the register level of BLIS's
structure (Goto's algorithm, also Polly's matmul optimisation): gcc keeps one scalar accumulator
in a register but never a block (gemm N = 2000, one thread, 32x128x32 tiles, Xeon Sapphire Rapids:
the block of C in place 9-12 GFLOP/s, in a local array 19-22, 12-15 without a register tile;
``benchmarks/results/gemm_register_tiles_2026-12-06.md``).

The scheduler decides it (a plan's ``registers``: ``(row, mr, column, nr)``, ``()`` for none) and
records the block on the reduction loop (:attr:`LoopInfo.block`); code generation only prints it,
and the emitted-code check proves the printed block exact (:mod:`polyopt.codegen.verify`).
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import ScheduleError
from ..loops import PARALLEL, SERIAL, SIMD
from ..tree import Member
from .contraction import accumulates, contraction, default_loops, independent
from .tile import vector_candidate
from .work import BandWork, Context, Env

MAX_ROWS = 16  # rows of a register tile: each is an unrolled copy of the column loop
MAX_COLUMNS = 256


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    given = work.given_value("registers")
    if given == ():
        return work
    found = contraction(work, env)
    if given is None:
        if isinstance(found, str) and accumulates(work, env):
            env.note(f"{work.label}: no register tile: {found}")
        if not (work.tiled and env.options.tile is True and env.options.vectorize and not work.jammed
                and env.options.register_tiles is not False
                and not work.split and isinstance(found, tuple)
                and vector_candidate(work.members, ctx.active, env)):
            return work
        loops = default_loops(work, found, env)
        if isinstance(loops, str):
            env.note(f"{work.label}: no register tile: {loops}")
            return work
        row, col = loops
        shape = env.policy.register_tile()
        mr, nr = shape.rows, shape.column_bytes // _itemsize(env, found[0])
    else:
        row, mr, col, nr = _checked(work, given, found, env)
    array, stmt, target, reduce = found
    by_name = {m.name: m for m in work.members}
    batch = [m for m in work.members if m.name in target and m.name not in (row, col)]
    strips = [_strip(by_name[row], mr), _strip(by_name[col], nr)]
    members = (*batch, *strips, *(by_name[n] for n in reduce), by_name[row], by_name[col])
    env.note(f"{work.label}: register tile {mr}x{nr} over ({row}, {col}): a {mr}x{nr} block of {array} "
             f"held across {', '.join(reduce)}")
    block = (array, stmt, ((strips[0].name, row, mr), (strips[1].name, col, nr)))
    return replace(work, members=members, registers=(row, mr, col, nr), block=(block, reduce[0]))


def hold(work: BandWork, ctx: Context, env: Env) -> BandWork:
    """After the kinds pass: record the block on the outermost reduction loop and unroll the row
    loop by ``mr``; the block is not held when a plan made any of its loops parallel."""
    if not work.block:
        return work
    block, outer = work.block
    row, mr, col, _ = work.registers
    infos = {i.name: i for i in work.point_infos}
    inside = [n for n in (m.name for m in work.members) if n not in (row, col)]
    inside = inside[inside.index(outer):] + [row]
    if any(infos[n].kind != SERIAL for n in inside) or infos[col].kind == PARALLEL:
        env.note(f"{work.label}: the register block is not held: a plan made one of its loops "
                 f"{next(infos[n].kind for n in inside + [col] if infos[n].kind in (PARALLEL, SIMD))}")
        return work
    array, _, ((_, _, rows), (_, _, cols)) = block
    held = f"holds the {rows}x{cols} block of {array} in registers"
    changed = []
    for info in work.point_infos:
        if info.name == outer:
            info = replace(info, block=block, reason=f"{info.reason}; {held}" if info.reason else held)
        elif info.name == row and not info.unroll and not info.unroll_by and mr > 1:
            info = replace(info, unroll_by=mr)
        changed.append(info)
    return replace(work, point_infos=tuple(changed))


def _checked(work: BandWork, given, found, env: Env) -> tuple:
    if work.jammed or work.split:
        raise ScheduleError(f"{work.label}: a register tile cannot be combined with "
                            f"{'unroll-and-jam' if work.jammed else 'a distributed innermost loop'}")
    if not isinstance(found, tuple):
        raise ScheduleError(f"{work.label} has no register tile: {found}")
    if not isinstance(given, tuple) or len(given) != 4:
        raise ScheduleError(f"{work.label}: registers must be (row loop, mr, column loop, nr), not {given!r}")
    row, mr, col, nr = given
    target = found[2]
    if row not in target or col not in target or row == col:
        raise ScheduleError(f"{work.label}: the register tile's loops must be two of {', '.join(target)}, "
                            f"not {row!r} and {col!r}")
    for what, v, top in (("mr", mr, MAX_ROWS), ("nr", nr, MAX_COLUMNS)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= top:
            raise ScheduleError(f"{work.label}: register tile {what} {v!r} is not an int from 1 to {top}")
    if not independent(work, env, row, col):
        raise ScheduleError(f"{work.label}: loops {row} and {col} do not move the element of {found[0]} "
                            "independently: a block of it would hold one element twice")
    return row, mr, col, nr


def _strip(m: Member, size: int) -> Member:
    return Member(tuple((s, e.tile(size)) for s, e in m.exprs), f"{m.name}_reg")


def _itemsize(env: Env, array: str) -> int:
    return env.scop.array(array).dtype.np_dtype.itemsize
