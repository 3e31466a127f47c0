"""Which bands are contractions, and the loops of their register tiles (see :mod:`.registers`).

Shared by the ``tile`` pass (a contraction's default tile sizes) and the ``registers`` pass.
"""

from __future__ import annotations

from dataclasses import replace

from ..access import linear_part
from .work import BandWork, Env


def default_loops(work: BandWork, found: tuple, env: Env) -> tuple[str, str] | str:
    """The row and column loops of a contraction's default register tile: the innermost loop as
    the column (the order pass put the stride-1 loop there), and the innermost other loop that
    moves the element as the row, when the two move it independently; else why not.  Where their
    bounds depend on the reduction loops (symm's ``k < i``), code generation holds the block in
    the tiles where they do not (the full tiles off the diagonal) and prints the others as they
    are, with a note."""
    array, _, target, _ = found
    col = work.members[-1].name
    rows = [m.name for m in work.members[:-1] if m.name in target]
    if col not in target or not rows:
        return f"its innermost loop {col} and another one do not both move the element of {array}"
    if not independent(work, env, rows[-1], col):
        return f"loops {rows[-1]} and {col} do not move the element of {array} independently"
    return rows[-1], col


def contraction(work: BandWork, env: Env) -> tuple | str:
    """``(array, statement, target loops, reduction loops)`` of a band that is a contraction (the
    loops as member names, in the band's order), or why it is not one."""
    if len(work.statements) != 1:
        return "more than one statement"
    if not work.band.permutable:
        return "not permutable"
    if not work.innermost:
        return "loops below it"
    stmt = env.scop.statement(work.statements[0])
    if len(stmt.writes) != 1 or env.scop.array(stmt.writes[0].array).is_local:
        return "not one write of an argument array"
    write = stmt.writes[0]
    same = [a for a in stmt.reads if a.array == write.array]
    if not any(a.relation.is_equal(write.relation) for a in same):
        return f"it does not accumulate into one element of {write.array}"
    others = [a for a in same if not a.relation.is_equal(write.relation)]
    if others and not reads_precede_writes(stmt, write, others):
        return f"it reads an element of {write.array} after writing it"
    matrix = linear_part(write.relation, stmt.depth)
    if matrix is None:
        return f"the subscripts of {write.array} are not affine"
    loops = {}
    for m in work.members:
        e = m.expr(stmt.name)
        moved = [k for k, c in enumerate(e.coeffs) if c]
        if not e.is_affine or len(moved) != 1:
            return f"loop {m.name} does not follow one iterator"
        loops[m.name] = moved[0]
    target = tuple(name for name, it in loops.items() if any(row[it] for row in matrix))
    reduce = tuple(name for name in loops if name not in target)
    if not reduce:
        return f"every loop moves the element of {write.array}"
    if len(target) < 2:
        return f"fewer than two loops move the element of {write.array}"
    return write.array, stmt.name, target, reduce


def reads_precede_writes(stmt, write, reads) -> bool:
    """Whether, in the original order, every instance that reads an element through one of
    ``reads`` (accesses of the array ``write`` writes, at other elements: trmm's ``B[k, j]`` in
    ``B[i, j] += A[k, i] * B[k, j]``) runs before every instance that writes it.  A block held in
    registers, or a panel copied before the reads, then gives the reads what memory held: the
    conflicting pairs are all write-after-read, the dependences keep them in that order, and no
    write to the element comes before the read in any legal schedule."""
    domain = stmt.domain
    order = stmt.schedule.intersect_domain(domain)
    before = order.lex_lt_map(order)  # x -> y: x runs before y
    for read in reads:
        # x writes the element y reads
        pairs = write.relation.intersect_domain(domain).apply_range(
            read.relation.intersect_domain(domain).reverse())
        if not pairs.intersect(before).is_empty():
            return False
    return True


def reduction_tile(work: BandWork, env: Env) -> tuple[str, str, int] | str:
    """``(statement, reduction loop, its tile size)`` of a tiled contraction band with one reduction
    loop (the panels of :mod:`.packing` and :mod:`.row_panel` are per reduction tile), or why it has
    none."""
    found = contraction(replace(work, members=work.band.members), env)
    if isinstance(found, str) or not work.sizes:
        return "the band is not tiled"
    _, stmt_name, _, reduce = found
    if len(reduce) != 1:
        return "more than one reduction loop"
    names = [m.name for m in work.band.members]
    return stmt_name, reduce[0], work.sizes[names.index(reduce[0])]


def independent(work: BandWork, env: Env, row: str, col: str) -> bool:
    """Whether the two loops move the written element along independent directions (distinct
    (row, column) pairs, the other loops fixed, write distinct elements)."""
    stmt = env.scop.statement(work.statements[0])
    matrix = linear_part(stmt.writes[0].relation, stmt.depth)
    by_name = {m.name: m for m in work.members}
    a, b = (next(k for k, c in enumerate(by_name[n].expr(stmt.name).coeffs) if c) for n in (row, col))
    return any(matrix[p][a] * matrix[q][b] - matrix[p][b] * matrix[q][a]
               for p in range(len(matrix)) for q in range(len(matrix)))


def accumulates(work: BandWork, env: Env) -> bool:
    """Whether the band is one statement, innermost, that reads an array it writes along a loop
    that leaves the written element in place (a reduction that might have been a contraction:
    worth saying why it has no register tile)."""
    if len(work.statements) != 1 or not work.innermost:
        return False
    stmt = env.scop.statement(work.statements[0])
    for write in stmt.writes:
        if env.scop.array(write.array).is_local or not any(r.array == write.array for r in stmt.reads):
            continue
        matrix = linear_part(write.relation, stmt.depth)
        if matrix is None:
            return True
        for m in work.members:
            coeffs = m.expr(stmt.name).coeffs
            if all(sum(c * r for c, r in zip(coeffs, row)) == 0 for row in matrix):
                return True
    return False
