"""The blocks of register tiles: a contraction's result held in a local array across its
reduction loops.

The scheduler records the block on the outermost reduction loop of a register tile
(:attr:`~polyopt.schedule.loops.LoopInfo.block`, see :mod:`polyopt.schedule.passes.registers`).
Code generation prints it where the loop nest isl generated has the shape the block needs:

* below the loop, only the other reduction loops (one inside the other), then the row loop, the
  column loop and the one statement;
* the row and column loops' bounds name none of the reduction loops, and every reduction loop's
  bounds name none of the reduction loops outside it (so each execution of the loop runs the
  statement at every (row, column) of the block for every reduction step);
* the statement's target is printed.

The element the statement writes is then replaced by ``block[row - row strip][column - column
strip]`` (a strip isl printed no loop for is its one value, :func:`~.printer.unprinted_strip`);
before the loop the block is loaded from the array, after it stored back, both over the row and
column loops' own bounds, and only when the reduction loops run at least once (so nothing is
loaded or stored that the loop does not update itself).  Elsewhere the loop is printed as it is,
with a note.  The emitted-code check proves every printed block exact (:mod:`.verify`, rule 5).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import cgen as c

from . import cexpr as ce
from .printer import Loop, Stmt, loops_within, names_in, unprinted_strip


@dataclass(eq=False)
class Held:
    """What a loop holding a block prints around itself."""

    ctype: str
    name: str  # the local array
    rows: int
    cols: int
    row: Loop  # the row and column loops, whose headers the load and store loops repeat
    col: Loop
    element: str  # the C text of the element of the array, in the row and column loop variables
    slot: str  # ``name[...][...]``
    indices: tuple  # the slot's row and column index expressions
    guard: ce.CExpr  # the reduction loops run at least once
    chain: tuple  # the reduction loops, outermost (the holding loop) first
    statement: Stmt
    render: Callable[[ce.CExpr], str]  # the C text of an expression in isl's loop variables

    def around(self, printed: list) -> list:
        """The cgen nodes of the holding loop (``printed``) with the block declared, loaded and
        stored."""
        load = _copy(self, f"{self.slot} = {self.element};")
        store = _copy(self, f"{self.element} = {self.slot};")
        inside = c.If(self.render(self.guard), c.Block([load, *printed, store]))
        return [c.Block([c.Line(f"{self.ctype} {self.name}[{self.rows}][{self.cols}];"), inside])]


def place_blocks(items: list, bodies, scop) -> set[str]:
    """Fill ``Loop.held`` of the loops of ``items`` whose decision holds a block, and rewrite the
    statement below each to use it; a loop where the block cannot be printed gets a note.  Returns
    the C helpers the blocks' indices use.  ``bodies`` printed the statements (its ``render``
    prints expressions the same way)."""
    counter = iter(range(1 << 30))
    helpers: set[str] = set()
    for loop, around in loops_within(items):
        if loop.info is not None and loop.info.block and loop.cond is not None:
            why = _hold(loop, list(around), bodies.render, scop, counter)
            if why:
                loop.note = f"register block not held: {why}"
            else:
                helpers.update(*(ce.used_helpers(e) for e in loop.held.indices))
    return helpers


def _hold(loop: Loop, around: list, render, scop, counter) -> str:
    array, stmt_name, ((row_strip, row_name, rows), (col_strip, col_name, cols)) = loop.info.block
    strips = {x.name: x for x in around}
    chain, node = [loop], loop
    while len(node.body) == 1 and isinstance(node.body[0], Loop) and node.body[0].name != row_name:
        node = node.body[0]
        if node.cond is None:
            return f"reduction loop {node.var} is printed as one iteration"
        chain.append(node)
    if not (len(node.body) == 1 and isinstance(node.body[0], Loop) and node.body[0].name == row_name):
        return "the loops below it are not the register tile's"
    row = node.body[0]
    if not (len(row.body) == 1 and isinstance(row.body[0], Loop) and row.body[0].name == col_name):
        return "the loops below it are not the register tile's"
    col = row.body[0]
    if not (len(col.body) == 1 and isinstance(col.body[0], Stmt) and col.body[0].name == stmt_name):
        return f"the column loop holds more than statement {stmt_name}"
    stmt = col.body[0]
    variables = [x.var for x in chain]
    for k, x in enumerate(chain):
        if _header_names(x) & set(variables[:k]):
            return f"the bounds of reduction loop {x.var} depend on an outer reduction loop"
    if (_header_names(row) | _header_names(col)) & set(variables):
        return "the row or column loop's bounds depend on a reduction loop"
    if stmt.emitted.target is None:
        return "the statement's target is not printed"
    element = render(stmt.emitted.target)
    name = f"polyopt_blk{next(counter)}"
    inside = [*chain, row, col]
    indices = (_offset(row, strips.get(row_strip), rows, inside),
               _offset(col, strips.get(col_strip), cols, inside))
    slot = f"{name}[{render(indices[0])}][{render(indices[1])}]"
    pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(element))
    text, count = pattern.subn(slot, stmt.emitted.text)
    if not count:
        return "the statement's target is not found in its text"
    stmt.emitted = replace(stmt.emitted, text=text)
    guard = None
    for x in chain:
        first = ce.substitute(x.cond, {x.var: x.init})
        guard = first if guard is None else ce.Binary("&&", guard, first)
    loop.held = Held(scop.array(array).dtype.c, name, rows, cols, row, col, element, slot, indices, guard,
                     tuple(chain), stmt, render)
    return ""


def _offset(point: Loop, strip: Loop | None, size: int, inside: list) -> ce.CExpr:
    """A point loop's distance from its strip: ``i - i_reg``; where isl printed no loop for the
    strip (one value there) the strip is :func:`~.printer.unprinted_strip` (which needs the
    ``floord`` helper); ``inside``: the loops below the strip's place."""
    if strip is not None:
        return ce.Binary("-", ce.Var(point.var), ce.Var(strip.var))
    return ce.Binary("-", ce.Var(point.var), unprinted_strip(ce.Var(point.var), inside, size))


def _header_names(loop: Loop) -> set[str]:
    names = names_in(loop.init)
    if loop.cond is not None:
        names |= names_in(loop.cond) - {loop.var}
    return names


def _copy(held: Held, line: str):
    node = c.Line(line)
    for loop in (held.col, held.row):
        var = held.render(ce.Var(loop.var))
        if loop.cond is None:
            node = c.Block([c.Line(f"const long {var} = {held.render(loop.init)};"), node])
        else:
            node = c.For(f"long {var} = {held.render(loop.init)}", held.render(loop.cond),
                         f"{var} += {held.render(loop.inc)}", node)
    return node
