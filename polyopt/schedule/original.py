"""scheduler="none": the original loop order as a schedule tree (Scop -> schedule tree).

Each statement's original schedule is the 2d+1 vector ``[b0, l1, b1, l2, ...]`` of textual
positions and loop iterators.  The tree mirrors the loop nest: a dimension that is a textual
position for every statement of a subtree becomes a sequence of filters (one child per distinct
position, in order), a loop dimension becomes a one-member band.  Flattened, the tree is exactly
the original schedule, so the generated code is the untransformed baseline.
"""

from __future__ import annotations

import islpy as isl

from ..errors import ScheduleError
from ..poly.scop import Scop
from .tree import Band, Expr, Leaf, Member, Node, Sequence, aff_to_expr, member_name


def original_tree(scop: Scop, only: tuple[str, ...] | None = None) -> Node:
    """The schedule tree of the original program order (of the statements ``only``, if given)."""
    stmts = [s for s in scop.statements if only is None or s.name in only]
    rows = {s.name: original_rows(s) for s in stmts}
    width = max((len(r) for r in rows.values()), default=0)
    names = tuple(s.name for s in stmts)
    return _build(names, 0, width, rows, scop)


def original_rows(stmt) -> list[Expr]:
    """The rows of ``stmt``'s original 2d+1 schedule."""
    pieces = []
    isl.PwMultiAff.from_map(stmt.schedule).foreach_piece(lambda _, ma: pieces.append(ma))
    if len(pieces) != 1:
        raise ScheduleError(f"the original schedule of {stmt.name} is not affine")
    ma = pieces[0]
    return [aff_to_expr(ma.get_at(k), stmt.depth) for k in range(ma.dim(isl.dim_type.out))]


def _build(names, k, width, rows, scop) -> Node:
    if k == width:
        return Leaf(names)
    exprs = [(n, rows[n][k]) for n in names]
    if all(e.is_constant for _, e in exprs):
        values = sorted({e.const for _, e in exprs})
        if len(values) == 1:
            return _build(names, k + 1, width, rows, scop)
        children = []
        for v in values:
            group = tuple(n for n, e in exprs if e.const == v)
            children.append((group, _build(group, k + 1, width, rows, scop)))
        return Sequence(tuple(children))
    member = Member(tuple(exprs), member_name(exprs, scop))
    return Band((member,), _build(names, k + 1, width, rows, scop), permutable=False)
