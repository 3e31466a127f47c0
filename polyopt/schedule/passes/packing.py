"""Pass ``pack``: the column operand of a register tile copied to a local panel per tile.

The register tile's micro-kernel (:mod:`.registers`) loads, at each reduction step, ``nr``
consecutive elements of the column operand (``B[k, j..j+nr)`` of ``C[i, j] += A[i, k] * B[k, j]``).
In the array those rows lie a whole row of B apart, and for a transposed operand (``B[j, k]``, a
linear layer) the ``nr`` elements are not even consecutive: no vector load reads them.  BLIS's
answer is packing: at the top of each reduction tile, the panel of B the tile reads -- ``kc``
reduction steps by ``nc`` columns -- is copied to a local buffer laid out as the micro-kernel
reads it, ``nr`` columns by ``kc`` steps at a time, and the statement reads the buffer.

The scheduler decides it (a plan's ``pack``: the arrays packed, ``()`` for none) and records the
panel on the reduction tile loop (:attr:`LoopInfo.pack`); code generation prints the copy and the
reads of the buffer (:mod:`polyopt.codegen.packing`) and the emitted-code check proves that every
instance reads the element it read before (:mod:`polyopt.codegen.verify_blocks`).  A panel is
packed when the band is tiled with one reduction loop, the operand is read at plain iterators
across memory order (``B[j, k]``: a transposed operand) -- or along it (``B[k, j]``, whose ``nr``
elements are consecutive already, but whose strip of ``kc`` rows lies a row of B apart each) where
the machine's register tile says so (``RegisterTile.pack_contiguous``) -- the column tile is a
whole number of strips and the panel fits ``TilePolicy.max_pack_bytes``.  The same decision
(``"row:A"`` in ``pack``) holds the row panel of :mod:`.row_panel`, which this pass records too.
"""

from __future__ import annotations

from dataclasses import replace

import islpy as isl

from ...errors import ScheduleError
from ..access import linear_part, multi_aff
from . import row_panel
from .contraction import reduction_tile
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    given = work.given_value("pack")
    if given == ():
        return work
    if not work.registers or not work.block:
        if given:
            raise ScheduleError(f"{work.label}: only the operands of a held register tile can be packed")
        return work
    wanted = None if given is None else set(given)
    packed: list[str] = []
    columns = None if wanted is None else {a for a in wanted if not a.startswith(row_panel.PREFIX)}
    # a plan that names the operand packs it even where this machine's default would not (a plan
    # tuned on another machine, or by hand): packing a contiguous operand is a matter of speed
    found = operand(work, env, contiguous=bool(columns) or env.policy.register_tile().pack_contiguous)
    if isinstance(found, str):
        if columns:
            raise ScheduleError(f"{work.label}: {', '.join(sorted(columns))} cannot be packed: {found}")
        if wanted is None:
            env.note(f"{work.label}: nothing packed: {found}")
    elif columns is None or found[0] in columns:
        if columns is not None and columns != {found[0]}:
            raise ScheduleError(f"{work.label}: only {found[0]} can be packed, not {', '.join(sorted(columns))}")
        array, stmt, read, iterators, kc, nc, nr, k, col, subscripts = found
        pack = (array, stmt, read, iterators, kc, nc, nr, (f"{col}_tile", f"{col}_reg"), subscripts)
        work = replace(work, tile_infos=tuple(replace(i, pack=pack) if i.name == f"{k}_tile" else i
                                              for i in work.tile_infos))
        env.note(f"{work.label}: {array} packed per {k} tile: {kc}x{nc} panels, {nr} columns at a time")
        packed.append(array)
    elif columns:
        raise ScheduleError(f"{work.label}: only {found[0]} can be packed, not {', '.join(sorted(columns))}")
    rows_wanted = None if wanted is None else wanted - (columns or set())
    # a C region's statement keeps its own text: no factor of it can be computed apart
    factor = ("register_tiles='blocks': a C region's statements keep their own text"
              if env.options.register_tiles == "blocks" else row_panel.row_operand(work, env))
    if isinstance(factor, str):
        if rows_wanted:
            raise ScheduleError(f"{work.label}: {', '.join(sorted(rows_wanted))} cannot be packed: {factor}")
        if wanted is None:
            env.note(f"{work.label}: no row panel: {factor}")
    elif factor[0] in packed:
        # the column panel's reads are found in the printed statement by their number
        if rows_wanted:
            raise ScheduleError(f"{work.label}: {factor[0]} cannot have both a column panel and a row panel")
        if wanted is None:
            env.note(f"{work.label}: no row panel: {factor[0]} has a column panel")
    else:
        array, rows = factor
        name = row_panel.PREFIX + array
        if rows_wanted and rows_wanted != {name}:
            raise ScheduleError(f"{work.label}: the row panel reads {array} ({name!r}), not "
                                f"{', '.join(sorted(rows_wanted))}")
        if rows_wanted is None or rows_wanted:
            row = work.registers[0]
            work = replace(work, point_infos=tuple(replace(i, rows=rows) if i.name == f"{row}_reg" else i
                                                   for i in work.point_infos))
            env.note(f"{work.label}: row panel: {row_panel.text(env.scop.statement(rows[0]), rows[1])} computed "
                     f"once per {row} and {rows[5].removesuffix('_tile')} per tile ({rows[3]}x{rows[4]} values)")
            packed.append(name)
    return replace(work, packed=tuple(packed)) if packed else work


def operand(work: BandWork, env: Env, contiguous: bool) -> tuple | str:
    """``(array, statement, read index, (reduction iterator, column iterator), kc, nc, nr,
    reduction loop, column loop, (the subscripts they are))`` of the operand to pack, or why there
    is none; ``contiguous``: also an operand whose columns are consecutive in memory already."""
    row, mr, col, nr = work.registers
    found = reduction_tile(work, env)
    if isinstance(found, str):
        return found
    stmt_name, k, kc = found
    nc = work.sizes[[m.name for m in work.band.members].index(col)]
    if nc % nr:
        return f"the {col} tile ({nc}) is not a whole number of {nr}-column strips"
    stmt = env.scop.statement(stmt_name)
    by_name = {m.name: m for m in work.band.members}
    k_it, col_it = (next(p for p, c in enumerate(by_name[n].expr(stmt_name).coeffs) if c) for n in (k, col))
    written = {w.array for w in stmt.writes}
    across = [a.array for a in stmt.reads if a.array not in written and _across(a, stmt.depth, col_it)]
    if len(across) > 1:
        # one panel would leave the others strided, and the copy then cost more than it brought
        # (syr2k at LARGE, A packed but not B: 0.62x, 2 threads, Xeon SPR)
        return f"{' and '.join(across)} are both read across memory order along {col}: one panel would not do"
    for index, access in enumerate(stmt.reads):
        if access.array in written or env.scop.array(access.array).is_local:
            continue
        subscripts = _plain_subscripts(access.relation, stmt.depth)
        if subscripts is None or sorted(subscripts) != sorted((k_it, col_it)):
            continue
        if subscripts[-1] == col_it and not contiguous:
            # its nr columns are consecutive already: with this machine's register tile the copy
            # cost more than it brought (gemm, N = 2000, 32x128x32 tiles, 2 threads, Xeon SPR:
            # 0.45x; batched 16 x 512^3: 0.89x; benchmarks/results/register_tiles_2026-12-07)
            return f"{access.array} is read along {col} in memory order already"
        size = kc * nc * env.scop.array(access.array).dtype.np_dtype.itemsize
        if size > env.policy.max_pack_bytes:
            return f"a {kc}x{nc} panel of {access.array} ({size // 1024} KiB) is larger than a thread's buffer"
        return (access.array, stmt_name, index, (k_it, col_it), kc, nc, nr, k, col,
                (subscripts.index(k_it), subscripts.index(col_it)))
    return f"no operand is read at ({k}, {col}) alone"


def _across(access, depth: int, col_it: int) -> bool:
    """Whether ``access`` moves with the column iterator in a subscript other than its last (its
    elements along the column loop are not consecutive)."""
    matrix = linear_part(access.relation, depth)
    return matrix is not None and any(row[col_it] for row in matrix[:-1]) and not matrix[-1][col_it]


def _plain_subscripts(relation: isl.Map, depth: int) -> list[int] | None:
    """The iterator each subscript of ``relation`` is, when every subscript is one iterator
    (coefficient 1, no constant, no size parameter); else None."""
    ma = multi_aff(relation)
    if ma is None:
        return None
    out = []
    for p in range(ma.dim(isl.dim_type.out)):
        aff = ma.get_at(p)
        if aff.dim(isl.dim_type.div) or not aff.get_constant_val().is_zero():
            return None
        if any(not aff.get_coefficient_val(isl.dim_type.param, q).is_zero()
               for q in range(aff.dim(isl.dim_type.param))):
            return None
        coeffs = [aff.get_coefficient_val(isl.dim_type.in_, j).to_python() for j in range(depth)]
        if sorted(coeffs) != [0] * (depth - 1) + [1]:
            return None
        out.append(coeffs.index(1))
    return out
