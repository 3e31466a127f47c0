"""Row panels of register tiles: a factor of the product computed once per row strip and tile.

The scheduler records the panel on the row strip loop (:attr:`LoopInfo.rows`, see
:mod:`polyopt.schedule.passes.row_panel`): the statement, the path to the factor in its value
(``alpha * A[i, k]``), and the sizes.  At the top of each iteration of the row strip loop (``ir``)
the factor is computed for rows ``ir .. ir+mr`` and reduction steps ``kt .. kt+kc`` (``kt``: the
reduction tile loop), clipped to the extents of the array it reads, into a local array: value
(i, k) goes to slot ``(k - kt) * mr + (i - ir)``, so the ``mr`` values of one step are adjacent.
The statement is printed again with the factor replaced by the read of its slot -- the same
expression of the same operands, so the results do not change by a bit.  The emitted-code check
proves that each instance reads the slot filled at its row and step (:mod:`.verify_blocks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cgen as c

from ..frontend import syntax as sx
from . import cexpr as ce
from .body import BodyBuilder, Value
from .packing import clipped_box
from .printer import Loop, Stmt, loops_within, walk_items


@dataclass(eq=False)
class RowPanel:
    """What a row strip loop prints at the top of its body, and what the check needs."""

    ctype: str
    name: str
    size: int
    fill: object  # cgen node
    array: str  # the array the factor reads
    statement: str
    iterators: tuple[int, int]  # the row and reduction iterators' positions in the statement
    loops: tuple[str, str]  # the C variables of the row strip and reduction tile loops
    mr: int
    kc: int
    bounds: tuple  # (low, high) of the row and the reduction iterator the fill covers (C)
    slots: dict  # id(Stmt) -> the slot expression its read uses

    def nodes(self) -> list:
        return [c.Line(f"{self.ctype} {self.name}[{self.size}];"), self.fill]


def place_rows(items: list, bodies: BodyBuilder, scop) -> set[str]:
    """Fill ``Loop.rows`` of the loops of ``items`` that hold a row panel and print the statements
    below them again, reading it; a loop whose panel cannot be printed gets a note.  Returns the C
    helpers used."""
    counter = iter(range(1 << 30))
    helpers: set[str] = set()
    for loop, around in loops_within(items):
        if loop.info is not None and loop.info.rows and loop.cond is not None:
            why = _fill(loop, around, bodies, scop, counter, helpers)
            if why:
                loop.note = f"row panel not computed: {why}"
    return helpers


def _fill(loop: Loop, around, bodies: BodyBuilder, scop, counter, helpers: set) -> str:
    stmt_name, path, (row_it, k_it), mr, kc, k_tile, subscripts = loop.info.rows
    if not bodies.prints_model:
        return "the statement keeps its C text"
    tiles = {x.name: x for x in around}
    if k_tile not in tiles:
        return f"isl printed no loop for {k_tile}"
    leaves = [x for x in walk_items(loop.body) if isinstance(x, Stmt)]
    if not leaves or any(leaf.name != stmt_name for leaf in leaves):
        return f"it runs more than statement {stmt_name}"
    stmt = scop.statement(stmt_name)
    factor = stmt.body.value
    for step in path:
        factor = getattr(factor, step)
    for leaf in leaves:  # printed as the body builder prints it: nothing rewrote it yet
        if leaf.emitted.text != bodies.statement(stmt.body, dict(zip(stmt.iterators, leaf.iterators))).text:
            return "the statement was printed differently"
    pi, pk = ce.Var("polyopt_pi"), ce.Var("polyopt_pk")
    fresh = {it: ce.IntLit(0) for it in stmt.iterators}
    fresh.update({stmt.iterators[row_it]: pi, stmt.iterators[k_it]: pk})
    element = bodies.expression(factor, fresh)
    array = next(a for a in _arrays(factor))
    ir, kt = ce.Var(loop.var), ce.Var(tiles[k_tile].var)
    name = f"polyopt_rows{next(counter)}"
    slots = {}
    for leaf in leaves:
        slot = _slot(leaf.iterators[row_it], leaf.iterators[k_it], ir, kt, mr)
        read = Value(ce.Index(ce.Var(name), slot), element.vt, element.cty)
        leaf.emitted = bodies.statement(stmt.body, dict(zip(stmt.iterators, leaf.iterators)), {id(factor): read})
        slots[id(leaf)] = slot
    shape = scop.array(array).shape
    extents = tuple(bodies.extent(shape[d]) for d in subscripts)  # along the row and reduction iterators
    fill, bounds = clipped_box(c.Line(f"{name}[{ce.to_c(_slot(pi, pk, ir, kt, mr))}] = {ce.to_c(element.expr)};"),
                               ((pi, ir, mr, extents[0]), (pk, kt, kc, extents[1])))
    helpers.update(("min", "max"), ce.used_helpers(element.expr))
    loop.rows = RowPanel(element.cty, name, mr * kc, fill, array, stmt_name, (row_it, k_it), (ir.name, kt.name),
                         mr, kc, (bounds[pi.name], bounds[pk.name]), slots)
    return ""


def _slot(i: ce.CExpr, k: ce.CExpr, ir: ce.CExpr, kt: ce.CExpr, mr: int) -> ce.CExpr:
    """The panel slot of row ``i`` and reduction step ``k``: the rows of one step adjacent."""
    return ce.add(ce.mul(ce.Binary("-", k, kt), ce.IntLit(mr)), ce.Binary("-", i, ir))


def _arrays(e):
    """The arrays ``e`` reads (a factor: products of elements, constants and scalars)."""
    if isinstance(e, sx.Access):
        yield e.array
    elif isinstance(e, sx.BinOp):
        yield from _arrays(e.left)
        yield from _arrays(e.right)
