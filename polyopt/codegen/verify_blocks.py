"""Rule 5 of the emitted-code check (:mod:`.verify`): the blocks, packed panels and row panels of
register tiles.

A loop that holds a block (:mod:`.register_blocks`) replaces the element its statement updates by
a slot of a local array, loaded before the loop and stored after it.  That is exact when, in each
execution of the loop, the statement is the only one below it and touches the array at that one
element, no two elements share a slot, every slot lies inside the block, and the load and the
store visit exactly the (row, column) pairs the statement runs at -- so nothing is loaded or
stored that the loop does not update itself, and other threads' elements are never touched.

A loop that packs a panel (:mod:`.packing`) copies part of an array to a local buffer at the top of
each iteration and its statement reads the buffer instead.  That is exact when the statement is
the only one below the loop and does not write the array, and each instance's (reduction, column)
pair lies in the copied part (the tile's box, inside the array) with the column strip its read
uses at the strip's start: then the slot it reads is the one the copy filled with its element.
"""

from __future__ import annotations

import functools

import islpy as isl

from . import cexpr as ce
from . import verify_pairs as vp
from .c_to_isl import EmittedOrderError
from .printer import Loop


def check_blocks(checker) -> None:
    """Raise :class:`EmittedOrderError` unless every loop of ``checker``'s tree that holds a block
    satisfies rule 5 of :mod:`.verify`."""
    for loop in {id(x): x for leaf in checker.leaves for x in leaf.loops if x.held is not None}.values():
        held = loop.held
        under = [leaf for leaf in checker.leaves if any(x is loop for x in leaf.loops)]
        if [leaf.stmt for leaf in under] != [held.statement]:
            raise EmittedOrderError(f"loop {loop.var} holds a block of {held.element} but runs other statements")
        leaf = under[0]
        stmt = checker.scop.statement(leaf.stmt.name)
        write = stmt.writes[0] if len(stmt.writes) == 1 else None
        if write is None or any(a.array == write.array and not a.relation.is_equal(write.relation)
                                for a in stmt.writes):
            raise EmittedOrderError(f"{stmt.name} writes the array of its block at other elements")
        outer = leaf.path[:leaf.path.index(loop)]
        _reads_see_memory(checker, loop, leaf, write, [a for a in stmt.reads if a.array == write.array
                                                       and not a.relation.is_equal(write.relation)])
        values = checker._where(leaf.path)
        for index, size in zip(held.indices, (held.rows, held.cols)):
            at = checker.conv.pw(index, values)
            zero = isl.PwAff.zero_on_domain(isl.LocalSpace.from_space(checker.space))
            if not values.is_subset(at.ge_set(zero).intersect(at.lt_set(zero + size))):
                raise EmittedOrderError(f"loop {loop.var}: a slot of its block lies outside it")
        element = checker._instances(leaf.stmt, values).apply_range(write.relation)
        same = element.apply_range(element.reverse())
        fixed = [x.var for x in outer if isinstance(x, Loop)]
        kept = [held.row.var, held.col.var]
        pairs = _same_vars(checker, fixed)
        if not same.intersect(pairs).is_subset(_same_vars(checker, fixed + kept)):
            raise EmittedOrderError(f"loop {loop.var}: two slots of its block hold one element")
        around = checker._where(outer)
        copied = around.intersect(checker.conv.cond(held.guard, around))
        for x in (held.row, held.col):
            copied = copied.intersect(checker.conv.loop_values(x, copied))
        chain = [x.var for x in held.chain]
        if not _without(checker, values, chain).is_equal(_without(checker, copied, chain)):
            raise EmittedOrderError(f"loop {loop.var}: its block is loaded or stored where the statement "
                                    "does not run")


def _reads_see_memory(checker, loop: Loop, leaf, write, reads: list) -> None:
    """Raise unless, in each execution of ``loop`` (which holds a block), no instance reads an
    element through ``reads`` (the statement's other accesses of the block's array, which read
    memory, not the block) after an instance wrote it to the block: memory then holds what the
    read would have seen had the block not been held (trmm's ``B[k, j]``, read before row k is
    updated)."""
    if not reads:
        return
    times = checker.per_leaf[checker.leaves.index(leaf)]
    depth = checker.sites[id(loop)]  # the loop values outside the holding loop: one execution
    written = times.reverse().apply_range(write.relation)
    n = times.dim(isl.dim_type.out)
    # the writer's time vector t before the reader's u, with the values outside the loop equal
    later = [[(("t", k), "=", ("u", k)) for k in range(m)] + [(("u", m), ">", ("t", m))] for m in range(depth, n)]
    for read in reads:
        pairs = written.apply_range(times.reverse().apply_range(read.relation).reverse())
        bad = pairs.intersect(vp.condition_map(pairs.get_space(), later))
        if not bad.is_empty():
            raise EmittedOrderError(f"loop {loop.var} holds a block of {write.array}, but {leaf.stmt.name} reads "
                                    "an element of it from memory after writing it to the block")


def _names(checker) -> list[str]:
    return [checker.space.get_dim_name(isl.dim_type.set, k) for k in range(checker.space.dim(isl.dim_type.set))]


def _same_vars(checker, names: list[str]) -> isl.Map:
    """``{ [v] -> [w] : v and w agree on the loop variables ``names`` }``."""
    all_names = _names(checker)
    w = [f"{n}_" for n in all_names]
    equal = " and ".join(f"{n} = {n}_" for n in names) or "0 = 0"
    return isl.Map(f"{checker._pdecl()}{{ [{', '.join(all_names)}] -> [{', '.join(w)}] : {equal} }}")


def _without(checker, values: isl.Set, names: list[str]) -> isl.Set:
    for name in names:
        values = values.eliminate(isl.dim_type.set, checker.space.find_dim_by_name(isl.dim_type.set, name), 1)
    return values


def _panels(checker, attr: str, what: str):
    """``(loop, its panel, the leaves below it, the statement)`` for every loop of ``checker``'s
    tree whose ``attr`` holds a panel; raises unless the panel's statement is all it runs."""
    for loop in {id(x): x for leaf in checker.leaves for x in leaf.loops if getattr(x, attr) is not None}.values():
        panel = getattr(loop, attr)
        under = [leaf for leaf in checker.leaves if any(x is loop for x in leaf.loops)]
        if any(leaf.stmt.name != panel.statement for leaf in under):
            raise EmittedOrderError(f"loop {loop.var} {what} for {panel.statement} but runs other statements")
        yield loop, panel, under, checker.scop.statement(panel.statement)


def check_packs(checker) -> None:
    """Raise :class:`EmittedOrderError` unless every loop of ``checker``'s tree that packs a panel
    satisfies rule 5 of :mod:`.verify`."""
    for loop, packed, under, stmt in _panels(checker, "packed", "packs a panel"):
        array = stmt.reads[loop.info.pack[2]].array
        if any(w.array == array for w in stmt.writes):
            raise EmittedOrderError(f"{stmt.name} writes '{array}', which loop {loop.var} packs")
        for leaf, values, pw, (k, j), (kt, jt) in _read_at(checker, under, packed.iterators, packed.tiles):
            strip = pw(packed.strips[id(leaf.stmt)])
            (k_low, k_high), (j_low, j_high) = packed.bounds
            inside = _in(k, kt, packed.kc, pw(k_low), pw(k_high)).intersect(_in(j, jt, packed.nc, pw(j_low),
                                                                                   pw(j_high)))
            offset = j - jt
            start = (offset.scale_down_val(isl.Val.int_from_si(isl.DEFAULT_CONTEXT, packed.nr)).floor()
                     .scale_val(isl.Val.int_from_si(isl.DEFAULT_CONTEXT, packed.nr)))
            inside = inside.intersect((strip - jt).eq_set(start))
            if not values.is_subset(inside):
                raise EmittedOrderError(f"loop {loop.var}: {stmt.name} reads a slot of its packed panel of "
                                        f"'{array}' that the copy did not fill with its element")


def check_rows(checker) -> None:
    """Raise :class:`EmittedOrderError` unless every loop of ``checker``'s tree that computes a row
    panel (:mod:`.row_panels`) runs one statement, which does not write the array the factor reads,
    and each of its instances lies in the rows and reduction steps the fill covered, reading the
    slot the fill wrote at its row and step."""
    for loop, panel, under, stmt in _panels(checker, "rows", "computes a row panel"):
        if any(w.array == panel.array for w in stmt.writes):
            raise EmittedOrderError(f"{stmt.name} writes '{panel.array}', which loop {loop.var}'s row panel reads")
        for leaf, values, pw, (i, k), (ir, kt) in _read_at(checker, under, panel.iterators, panel.loops):
            (i_low, i_high), (k_low, k_high) = panel.bounds
            inside = _in(i, ir, panel.mr, pw(i_low), pw(i_high)).intersect(_in(k, kt, panel.kc, pw(k_low),
                                                                                 pw(k_high)))
            filled = (k - kt).scale_val(isl.Val.int_from_si(isl.DEFAULT_CONTEXT, panel.mr)) + (i - ir)
            inside = inside.intersect(pw(panel.slots[id(leaf.stmt)]).eq_set(filled))
            if not values.is_subset(inside):
                raise EmittedOrderError(f"loop {loop.var}: {stmt.name} reads a slot of its row panel that the "
                                        "fill did not compute at its row and reduction step")


def _read_at(checker, under: list, iterators: tuple[int, int], loops: tuple[str, str]):
    """Per leaf of ``under``: the leaf, where it runs, a reader of C expressions there, the two
    statement ``iterators`` (positions) and the two loop variables ``loops`` a panel is indexed by."""
    for leaf in under:
        values = checker._where(leaf.path)
        pw = functools.partial(_pw, checker, values)
        yield (leaf, values, pw, tuple(pw(leaf.stmt.iterators[p]) for p in iterators),
               tuple(pw(ce.Var(v)) for v in loops))


def _in(x: isl.PwAff, start: isl.PwAff, size: int, low: isl.PwAff, high: isl.PwAff) -> isl.Set:
    """Where ``start <= x < start + size`` and ``low <= x < high`` (a panel's box along one iterator,
    clipped)."""
    return x.ge_set(start).intersect(x.lt_set(start + size)).intersect(x.ge_set(low)).intersect(x.lt_set(high))


def _pw(checker, values: isl.Set, e: ce.CExpr) -> isl.PwAff:
    return checker.conv.pw(e, values)
