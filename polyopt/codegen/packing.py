"""Packed panels of register tiles: the copy at the top of a reduction tile, and the reads of it.

The scheduler records the panel on the reduction tile loop (:attr:`LoopInfo.pack`, see
:mod:`polyopt.schedule.passes.packing`).  At the top of each iteration of that loop the panel --
reduction steps ``kt .. kt+kc`` by columns ``jt .. jt+nc`` (``kt``, ``jt``: the reduction and column
tile loops), clipped to the array -- is copied to a local array of ``kc * nc`` elements in strips
of ``nr`` columns: element (k, j) goes to ``((j - jt) / nr) * kc * nr + (k - kt) * nr + (j - jt) % nr``
(a panel whose columns are contiguous in the array is copied strip by strip, a strip's ``nr``
columns in the innermost loop).
The statement then reads slot ``(jr - jt) * kc + (k - kt) * nr + (j - jr)`` instead, ``jr`` being
the column strip loop (``nr * floord(j, nr)`` where isl printed no loop for it): the same slot,
and within a strip the micro-kernel's ``nr`` columns are consecutive and each step is ``nr``
further on.  Where the strip loop is printed, the read goes through a pointer to the strip's part,
``&panel[(jr - jt) * kc]``, set at the top of the strip loop's body.  The emitted-code check proves
it (:mod:`.verify_blocks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import cgen as c

from . import cexpr as ce
from .body import BodyBuilder
from .printer import Guard, Loop, Stmt, loops_within, names_in, unprinted_strip


@dataclass(eq=False)
class Packed:
    """What a reduction tile loop prints at the top of its body, and what its reads need."""

    ctype: str
    name: str
    size: int
    copy: object  # cgen node
    statement: str
    iterators: tuple[int, int]  # the reduction and column iterators' positions in the statement
    tiles: tuple[str, str]  # the C variables of the reduction and column tile loops
    kc: int
    nc: int
    nr: int
    bounds: tuple  # (low, high) of the reduction and the column iterator the copy covers (C)
    strips: dict  # id(Stmt) -> the column strip expression used in its read

    def nodes(self) -> list:
        return [c.Line(f"{self.ctype} {self.name}[{self.size}];"), self.copy]


def place_packs(items: list, bodies: BodyBuilder, scop) -> set[str]:
    """Fill ``Loop.packed`` of the loops of ``items`` that pack a panel and rewrite the reads below
    them; a loop whose panel cannot be printed gets a note.  Returns the C helpers used."""
    counter = iter(range(1 << 30))
    helpers: set[str] = set()
    for loop, around in loops_within(items):
        if loop.info is not None and loop.info.pack and loop.cond is not None:
            why = _pack(loop, list(around), bodies, scop, counter, helpers)
            if why:
                loop.note = f"panel not packed: {why}"
    return helpers


def _pack(loop: Loop, around: list, bodies: BodyBuilder, scop, counter, helpers: set) -> str:
    array, stmt_name, read, (k_it, j_it), kc, nc, nr, (col_tile, col_strip), subscripts = loop.info.pack
    tiles = {x.name: x for x in around}
    if col_tile not in tiles:
        return f"isl printed no loop for {col_tile}"
    leaves = list(_leaves(loop.body, ()))
    if not leaves or any(leaf.name != stmt_name for leaf, _ in leaves):
        return f"it runs more than statement {stmt_name}"
    stmt = scop.statement(stmt_name)
    model = [r for r in stmt.reads if r.array == array]
    position = next(p for p, r in enumerate(model) if r is stmt.reads[read])
    pk, pj = ce.Var("polyopt_pk"), ce.Var("polyopt_pj")
    fresh = {it: ce.IntLit(0) for it in stmt.iterators}
    fresh.update({stmt.iterators[k_it]: pk, stmt.iterators[j_it]: pj})
    element = _nth_read(bodies.statement(stmt.body, fresh), array, position, len(model))
    if element is None:
        return f"the read of {array} is not printed in the reduction and column iterators alone"
    # a C region's own text of the element (ce.Text): its access is one of the reduction and column
    # iterators alone in the model (the scheduler packs no other), so the other iterators, printed
    # as 0, do not change it
    if not isinstance(element, ce.Text) and names_in(element) - {
            pk.name, pj.name, bodies.arrays[array].c_name, *bodies.params.values()}:
        return f"the read of {array} is not printed in the reduction and column iterators alone"
    shape = bodies.array_extents(array, scop)
    if shape is None:
        return f"the extents of {array} are not known"
    render = bodies.render
    kt, jt = ce.Var(loop.var), ce.Var(tiles[col_tile].var)
    name = f"polyopt_pack{next(counter)}"
    ctype = scop.array(array).dtype.c
    strips: dict = {}
    pointers: dict = {}  # id(strip loop) -> the name of its pointer to its strip of the panel
    texts: list = []  # (statement, its text reading the panel)
    prologues: list = []  # (strip loop, its pointer's declaration)
    for leaf, path in leaves:
        printed = _nth_read(leaf.emitted, array, position, len(model))
        if printed is None:
            return f"the read of {array} is not found in the printed statement"
        k, j = leaf.iterators[k_it], leaf.iterators[j_it]
        strip_loop = next((x for x in path if x.name == col_strip), None)
        if strip_loop is not None:
            # The strip's part of the panel through a pointer set once per strip: indexing the panel
            # itself in the micro-kernel made gcc 12 keep the register block in memory (float32
            # gemm with B transposed, N = 2048, AMD EPYC Zen 3: every FMA loaded and stored it)
            strip = ce.Var(strip_loop.var)
            if id(strip_loop) not in pointers:
                pointers[id(strip_loop)] = f"{name}_strip{len(pointers)}"
                start = ce.mul(_minus(strip, jt), ce.IntLit(kc))
                prologues.append((strip_loop, c.Line(
                    f"const {ctype} *{pointers[id(strip_loop)]} = &{name}[{render(start)}];")))
            within = _sum(ce.mul(_minus(k, kt), ce.IntLit(nr)), _minus(j, strip))
            read = f"{pointers[id(strip_loop)]}[{render(within)}]"
        else:  # isl printed no loop for the strip: its value, by its definition
            strip = unprinted_strip(j, path, nr)
            helpers.add("floord")
            slot = _sum(ce.mul(_minus(strip, jt), ce.IntLit(kc)), ce.mul(_minus(k, kt), ce.IntLit(nr)),
                        _minus(j, strip))
            read = f"{name}[{render(slot)}]"
        pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(render(printed)))
        text, count = pattern.subn(read, leaf.emitted.text)
        if not count:
            return f"the read of {array} is not found in the printed statement"
        texts.append((leaf, text))
        strips[id(leaf)] = strip
    # only once every read was found: no statement reads a panel that is not there
    for leaf, text in texts:
        leaf.emitted = replace(leaf.emitted, text=text)
    for strip_loop, line in prologues:
        strip_loop.prologue.append(line)
    extents = tuple(shape[d] for d in subscripts)  # along the two iterators
    if subscripts[0] > subscripts[1]:
        # the reduction iterator indexes the later (contiguous) dimension, as in B[j, k]: copy
        # along it innermost, reading rows, not across them (the suite's float32 linear layer at
        # LARGE: 1.24x, side by side, AMD EPYC Zen 3; a column's strip and slot stay in the outer loop)
        dst = _sum(ce.mul(ce.Binary("/", _minus(pj, jt), ce.IntLit(nr)), ce.IntLit(kc * nr)),
                   ce.mul(_minus(pk, kt), ce.IntLit(nr)), ce.Binary("%", _minus(pj, jt), ce.IntLit(nr)))
        dims = ((pk, kt, kc, extents[0]), (pj, jt, nc, extents[1]))  # innermost first
        copy, bounds = clipped_box(c.Line(f"{name}[{render(dst)}] = {render(element)};"), dims, render)
    else:
        copy, bounds = _strip_copy(name, element, (pk, kt, kc, extents[0]), (pj, jt, nc, extents[1]), nr, render)
    helpers.update(("min", "max"))
    loop.packed = Packed(ctype, name, kc * nc, copy, stmt_name, (k_it, j_it),
                         (loop.var, jt.name), kc, nc, nr, (bounds[pk.name], bounds[pj.name]), strips)
    return ""


def clipped_box(body, dims, render=ce.to_c) -> tuple:
    """``body`` in loops over ``dims`` -- ``(variable, start, size, extent)`` each, innermost first --
    from ``max(start, 0)`` to ``min(start + size, extent)``; and those ``(low, high)`` bounds by
    variable name.  ``render`` prints an expression (a C region renames loop variables and helpers)."""
    bounds = {}
    for var, start, size, extent in dims:
        low = ce.Call("max", (start, ce.IntLit(0)))
        high = ce.Call("min", (ce.add(start, ce.IntLit(size)), extent))
        bounds[var.name] = (low, high)
        body = c.For(f"long {var.name} = {render(low)}", f"{var.name} < {render(high)}", f"{var.name} += 1",
                     body)
    return body, bounds


def _strip_copy(name: str, element: ce.CExpr, k_dim: tuple, j_dim: tuple, nr: int, render) -> tuple:
    """The copy of a panel whose columns are contiguous in the array (``B[k, j]``): strip by strip,
    each reduction step's ``nr`` columns in a loop of their own, so that both sides are contiguous
    and gcc copies whole vectors.  The slot of (k, j) is the one the micro-kernel reads,
    ``(strip - jt) * kc + (k - kt) * nr + (j - strip)``.  Printed with the slot as one expression
    in ``(j - jt) / nr`` and ``% nr`` it became a scatter per vector (gemm N = 2000, 8x16 register
    tiles in 192x256x128 tiles, 2 threads, AMD EPYC Zen 4: 68 GFLOP/s, strip by strip 79).  Returns
    the copy and the box's ``(low, high)`` bounds by variable name, as :func:`clipped_box`."""
    pk, kt, kc, k_extent = k_dim
    pj, jt, nc, j_extent = j_dim
    ps = ce.Var("polyopt_ps")
    dst = _sum(ce.mul(_minus(ps, jt), ce.IntLit(kc)), ce.mul(_minus(pk, kt), ce.IntLit(nr)), _minus(pj, ps))
    j_high = ce.Call("min", (ce.add(jt, ce.IntLit(nc)), j_extent))
    inner = c.For(f"long {pj.name} = {render(ce.Call('max', (ps, ce.IntLit(0))))}",
                  f"{pj.name} < {render(ce.Call('min', (ce.add(ps, ce.IntLit(nr)), j_high)))}",
                  f"{pj.name} += 1", c.Line(f"{name}[{render(dst)}] = {render(element)};"))
    body, bounds = clipped_box(inner, ((pk, kt, kc, k_extent),), render)
    copy = c.For(f"long {ps.name} = {render(jt)}", f"{ps.name} < {render(j_high)}", f"{ps.name} += {nr}", body)
    bounds[pj.name] = (ce.Call("max", (jt, ce.IntLit(0))), j_high)
    return copy, bounds


def _leaves(items, path: tuple):
    """(statement, loops between ``items``' owner and it) for every statement below ``items``."""
    for item in items:
        if isinstance(item, Stmt):
            yield item, path
        elif isinstance(item, Guard):
            yield from _leaves(item.then, path)
            yield from _leaves(item.orelse or [], path)
        elif isinstance(item, Loop):
            yield from _leaves(item.body, path + (item,))


def _nth_read(emitted, array: str, position: int, count: int):
    reads = [e for a, e in emitted.reads if a == array]
    return reads[position] if len(reads) == count else None


def _minus(a: ce.CExpr, b: ce.CExpr) -> ce.CExpr:
    return ce.Binary("-", a, b)


def _sum(*terms: ce.CExpr) -> ce.CExpr:
    out = terms[0]
    for t in terms[1:]:
        out = ce.Binary("+", out, t)
    return out
