"""The OpenMP reduction clauses of the loops the scheduler made parallel or SIMD reductions.

A reduced temporary gets ``reduction(+:s)``.  A reduced array element (``out[0]``, ``tmp[i]`` in a
loop over ``j``) is held in a scalar for the duration of the loop -- loaded before it, reduced as
``reduction(+:polyopt_acc0)``, stored after it -- rather than named as an array section: OpenMP
privatises a section by pointing the array's pointer at a private buffer, which gcc 12 also gets
wrong under ``omp simd`` (the sums were lost), and a scalar is what lets gcc keep the partial sums
in vector registers (gesummv's row loop, N = 400: 1.5x faster than the same loop without the
clause, Xeon Sapphire Rapids, 2 threads).

The element is read off the statements below the loop (a C region's from their text, its type by
``__typeof__``): it must be printed the same at each and in the variables of the loops around the
loop and the sizes only -- the scheduler proved it one
element for the whole loop, but the text must show it.  Otherwise the loop is printed without the
pragma, with a note.
"""

from __future__ import annotations

import re
from dataclasses import replace

import islpy as isl

from . import cexpr as ce
from .body import ArrayInfo
from .printer import Guard, Loop, Stmt, walk_items


def reduction_clauses(items: list, params: set[str], arrays: dict[str, ArrayInfo]) -> None:
    """Fill ``Loop.clauses`` and ``Loop.accumulators`` of the reduction loops of ``items`` and
    rewrite their reduction statements to use the accumulators (``params``: the C names of the
    sizes; ``arrays``: what the body printer knows of each array and temporary)."""
    counter = iter(range(1 << 30))

    def visit(items, outer: set[str]) -> None:
        for item in items:
            if isinstance(item, Guard):
                visit(item.then, outer)
                visit(item.orelse or [], outer)
            elif isinstance(item, Loop):
                if item.kind and item.reduce and not _rewrite(item, outer | params, arrays, counter):
                    item.kind, item.reduce = "", ()
                    item.note = "reduction printed serial: its element is not one expression of the outer loops"
                visit(item.body, outer | {item.var})

    visit(items, set())


def _rewrite(loop: Loop, known: set[str], arrays: dict[str, ArrayInfo], counter) -> bool:
    leaves = {stmt: [s for s in _statements(loop.body) if s.name == stmt] for _, _, stmt in loop.reduce}
    names: dict[str, list[str]] = {}  # operator -> reduced C names
    accumulators = []
    replaced: dict[str, tuple[str, str]] = {}  # statement -> (element text, accumulator)
    for array, op, stmt in loop.reduce:
        targets = {_target(leaf) for leaf in leaves[stmt]}
        if len(targets) != 1 or None in targets:
            return False
        (element,) = targets
        if _IDENTIFIER.fullmatch(element):  # a temporary: reduced as it is, declared outside the loop
            names.setdefault(op, []).append(element)
            continue
        identifiers = _IDENTIFIER.findall(element)
        if not set(identifiers[1:]) <= known:  # the array's name, then the subscripts' variables
            return False
        if any(e != element and e.startswith(f"{array}[") for e, _ in replaced.values()):
            # the scheduler proved one element per array; printed two ways, two scalars would each
            # hold a copy of it and one's updates would be lost
            return False
        if any(element == e for e, _ in replaced.values()):
            name = next(n for e, n in replaced.values() if e == element)
        else:
            name = f"polyopt_acc{next(counter)}"
            info = arrays.get(array)
            # a C region's statements keep their text, and their types are the C program's
            ctype = info.dtype.c if info is not None else f"__typeof__({element})"
            accumulators.append((ctype, name, element))
            names.setdefault(op, []).append(name)
        replaced[stmt] = (element, name)
    for stmt, (element, name) in replaced.items():
        pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(element))
        for leaf in leaves[stmt]:
            leaf.emitted = replace(leaf.emitted, text=pattern.sub(name, leaf.emitted.text))
    loop.clauses = tuple(f"reduction({op}:{', '.join(sorted(set(ns)))})" for op, ns in sorted(names.items()))
    loop.accumulators = tuple(accumulators)
    return True


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"\s*(.+?)\s*[-+*/]?=(?!=)")


def _target(leaf: Stmt) -> str | None:
    """The C text of the element or temporary ``leaf`` writes: printed from its target, or (a C
    region's statement, printed from its own text) the text left of its assignment."""
    if leaf.emitted.target is not None:
        return ce.to_c(leaf.emitted.target)
    match = _ASSIGNMENT.match(leaf.emitted.text)
    return match.group(1) if match else None


def _statements(items):
    return (x for x in walk_items(items) if isinstance(x, Stmt))


# ---------------------------------------------------------------- for the emitted-code check


def other_use_of_reduced(loop: Loop, statements: list[str], scop) -> str:
    """Why ``loop``'s reduction clause is wrong ("" if it is not): a reduction clause makes the
    reduced variable private inside the loop (an array section: the array's pointer), so no other
    of the ``statements`` below the loop may access that array."""
    for array, _, _ in loop.reduce:
        # the statements that reduce this array; one reducing another array counts as a user
        mine = {st for a, _, st in loop.reduce if a == array}
        for name in statements:
            if name in mine:
                continue
            stmt = scop.statement(name)
            if any(a.array == array for a in (*stmt.reads, *stmt.writes)):
                return (f"loop {loop.var} reduces '{array}' but {stmt.name} accesses it inside the loop too, "
                        "where the reduction makes it private")
    return ""


def without_reductions(conflicts: dict, loop: Loop, scop) -> dict:
    """``conflicts`` ({(kind, array): instance pairs}) without the pairs of instances of one reduction
    statement of ``loop`` on the array it reduces: the clause lets those run in any order."""
    out = dict(conflicts)
    for array, _, stmt in loop.reduce:
        domain = scop.statement(stmt).domain
        itself = isl.Map.from_domain_and_range(domain, domain).to_union_map()
        for kind in ("RAW", "WAR", "WAW"):
            if (kind, array) in out:
                out[kind, array] = out[kind, array].subtract(itself)
    return out
