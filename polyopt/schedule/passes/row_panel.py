"""The row panel of a register tile: a factor of the product computed once per tile.

In ``C[i, j] += alpha * A[i, k] * B[k, j]`` the micro-kernel (:mod:`.registers`) runs, for every
column strip of ``nr`` columns, ``kc`` reduction steps over ``mr`` rows; each step multiplies
``alpha * A[i, k]`` afresh for each of the ``mr`` rows, in every column strip.  Those scalar
multiplications share the FMA units with the ``mr * nr / lanes`` vector FMAs of the step: 6 of 12
for AVX2's 6x8 tile, a third of the throughput.  BLIS folds ``alpha`` into its packed copy of
A; here the factor -- the part of the product, as written, that depends on the row and reduction
iterators only -- is computed into a local panel of ``mr`` x ``kc`` values at the top of each row
strip, and the statement reads the panel.  Each value is the same expression of the same
operands, so the results are bitwise the same (gemm at N = 2000, AMD EPYC Zen 3, 2 threads: 34-35
GFLOP/s without the panel, 44-52 with it, hand-written C of the same nest).

The decision is part of the plan's ``pack`` (``"row:A"`` for a row panel of a factor that reads
A), recorded on the row strip loop (:attr:`LoopInfo.rows`); code generation prints the panel
(:mod:`polyopt.codegen.row_panels`) and the emitted-code check proves that each instance reads the
slot filled at its row and reduction step (:mod:`polyopt.codegen.verify_blocks`).  A factor
qualifies when it is a product (not a lone array element: copying that would cost more than it
saves), reads one argument array the statement does not write, at subscripts that are the row and
reduction iterators themselves, and is otherwise made of constants and scalar arguments.
"""

from __future__ import annotations

from ...frontend import syntax as sx
from .contraction import reduction_tile
from .work import BandWork, Env

PREFIX = "row:"


def row_operand(work: BandWork, env: Env) -> tuple | str:
    """``(array, LoopInfo.rows)`` of the band's row panel, or why it has none."""
    row, mr, _, _ = work.registers
    found = reduction_tile(work, env)
    if isinstance(found, str):
        return found
    stmt_name, k, kc = found
    if mr * kc * 8 > env.policy.max_pack_bytes:  # a local array of each thread, as a packed panel
        return f"a {mr}x{kc} panel is larger than a thread's buffer"
    stmt = env.scop.statement(stmt_name)
    by_name = {m.name: m for m in work.band.members}
    row_it, k_it = (next(p for p, c in enumerate(by_name[n].expr(stmt_name).coeffs) if c) for n in (row, k))
    body = stmt.body
    if not isinstance(body, sx.Assign) or body.op not in ("+", "-"):
        return "the statement does not accumulate a product"
    allowed = {stmt.iterators[row_it], stmt.iterators[k_it]}
    written = {w.array for w in stmt.writes}
    found_factor = _factor(body.value, (), allowed, written, env)
    if found_factor is None:
        return f"no factor of the product depends on {row} and {k} alone"
    path, array, subscripts = found_factor
    plain = [stmt.iterators.index(s) for s in subscripts]
    rows = (stmt_name, path, (row_it, k_it), mr, kc, f"{k}_tile", (plain.index(row_it), plain.index(k_it)))
    return array, rows


def _factor(e: sx.Expr, path: tuple, allowed: set, written: set, env: Env):
    """``(path, array, subscripts)`` of the largest product in the product chain ``e`` that reads
    one array at plain ``allowed`` iterators and nothing else that varies, or None."""
    if not (isinstance(e, sx.BinOp) and e.op == "*"):
        return None
    reads = _reads_if_invariant(e, allowed, env)
    if reads is not None and len(reads) == 1:
        array, subscripts = reads[0]
        if array not in written and sorted(subscripts) == sorted(allowed) and len(subscripts) == 2:
            return path, array, subscripts
    return (_factor(e.left, path + ("left",), allowed, written, env)
            or _factor(e.right, path + ("right",), allowed, written, env))


def _reads_if_invariant(e: sx.Expr, allowed: set, env: Env) -> list | None:
    """The array reads ``(array, subscript iterators)`` of ``e`` when it is made of products of
    constants, scalar arguments and argument-array elements at plain ``allowed`` iterators; else
    None."""
    if isinstance(e, sx.Const):
        return None if isinstance(e.value, bool) else []
    if isinstance(e, sx.Name):
        return [] if e.kind in (sx.Name.SCALAR, sx.Name.PARAM) else None
    if isinstance(e, sx.Access):
        if env.scop.array(e.array).is_local:
            return None
        subs = [x.name for x in e.indices if isinstance(x, sx.Name) and x.kind == sx.Name.ITER]
        if len(subs) != len(e.indices) or not set(subs) <= allowed or len(set(subs)) != len(subs):
            return None
        return [(e.array, tuple(subs))]
    if isinstance(e, sx.BinOp) and e.op == "*":
        left, right = _reads_if_invariant(e.left, allowed, env), _reads_if_invariant(e.right, allowed, env)
        return None if left is None or right is None else left + right
    return None


def text(stmt, path: tuple) -> str:
    """The factor at ``path`` in ``stmt``'s value, as written (``alpha * A[i, k]``)."""
    e = stmt.body.value
    for step in path:
        e = getattr(e, step)
    return _text(e)


def _text(e: sx.Expr) -> str:
    if isinstance(e, sx.Const):
        return repr(e.value)
    if isinstance(e, sx.Name):
        return e.name
    if isinstance(e, sx.Access):
        return f"{e.array}[{', '.join(_text(x) for x in e.indices)}]"
    return f"{_text(e.left)} * {_text(e.right)}"
