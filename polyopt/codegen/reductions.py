"""The OpenMP reduction clauses of the loops the scheduler made parallel or SIMD reductions.

A reduced temporary gets ``reduction(+:s)``.  A reduced array element (``out[0]``, ``tmp[i]`` in a
loop over ``j``) is held in a scalar for the duration of the loop -- loaded before it, reduced as
``reduction(+:polyopt_acc0)``, stored after it -- rather than named as an array section: OpenMP
privatises a section by pointing the array's pointer at a private buffer, which gcc 12 also gets
wrong under ``omp simd`` (the sums were lost), and a scalar is what lets gcc keep the partial sums
in vector registers (gesummv's row loop, N = 400: 1.5x faster than the same loop without the
clause, Xeon Sapphire Rapids, 2 threads).

The element is read off the statements below the loop: it must be printed the same at each and in
the variables of the loops around the loop and the sizes only -- the scheduler proved it one
element for the whole loop, but the text must show it.  Otherwise the loop is printed without the
pragma, with a note.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import cexpr as ce
from .body import ArrayInfo
from .printer import Guard, Loop, Stmt, names_in, walk_items


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
        info = arrays.get(array)
        if info is None:
            return False
        targets = {_text(leaf.emitted.target) for leaf in leaves[stmt]}
        if len(targets) != 1:
            return False
        target = leaves[stmt][0].emitted.target
        if info.is_local and isinstance(target, ce.Var):
            names.setdefault(op, []).append(target.name)
            continue
        if not (isinstance(target, ce.Index) and names_in(target.index) <= known):
            return False
        element = _text(target)
        if any(element == e for e, _ in replaced.values()):
            name = next(n for e, n in replaced.values() if e == element)
        else:
            name = f"polyopt_acc{next(counter)}"
            accumulators.append((info.dtype.c, name, element))
            names.setdefault(op, []).append(name)
        replaced[stmt] = (element, name)
    for stmt, (element, name) in replaced.items():
        pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(element))
        for leaf in leaves[stmt]:
            leaf.emitted = replace(leaf.emitted, text=pattern.sub(name, leaf.emitted.text))
    loop.clauses = tuple(f"reduction({op}:{', '.join(sorted(set(ns)))})" for op, ns in sorted(names.items()))
    loop.accumulators = tuple(accumulators)
    return True


def _text(target) -> str:
    return ce.to_c(target) if target is not None else ""


def _statements(items):
    return (x for x in walk_items(items) if isinstance(x, Stmt))
