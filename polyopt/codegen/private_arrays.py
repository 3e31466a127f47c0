"""Private copies of argument arrays in parallel loops: where they go, and their C.

The scheduler decides which argument arrays a parallel loop privatises, and proves it legal
(:mod:`polyopt.schedule.private_arrays`): each iteration writes the whole array before it reads
it, so a copy per thread serves, and the copy of the last iteration holds what the original order
leaves in the array.  Here:

* before the parallel loop, one buffer of ``omp_get_max_threads()`` copies is allocated; the loop's
  ``if`` clause requires it, so if the allocation fails the loop runs on one thread, in order, on
  the array itself (correct, only slower);
* at the top of the body of the innermost loop the parallel loop collapses, the array's name is
  declared again as the thread's copy -- statements, and the arguments of an outlined body, use
  it unchanged;
* at the end of that body, in the loop's last iteration (every collapsed loop at its last value),
  the copy is copied back into the array;
* after the loop the buffer is freed.

The emitted-code check (:mod:`.verify`) proves the copies right on the printed loop nest.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace

import cgen as c

from ..errors import CodegenError
from ..schedule.loops import PARALLEL
from . import cexpr as ce
from .printer import Loop, walk_items

# Declarations the generated code needs when it has private copies (OpenMP's thread queries, with
# one thread when compiled without OpenMP; malloc; memcpy).
PROLOGUE = ("#ifdef _OPENMP", "#include <omp.h>", "#else",
            "static inline int omp_get_max_threads(void) { return 1; }",
            "static inline int omp_get_thread_num(void) { return 0; }", "#endif",
            "#include <stdlib.h>", "#include <string.h>")


GAP = 16  # elements between two threads' copies: 64 bytes or more (float: 4 bytes)


def place_private_arrays(items: list, scop, allowed: bool) -> bool:
    """Mark the parallel loops of ``items`` that privatise argument arrays (``Loop.buffers``) and the
    loops whose bodies hold the copies (``Loop.private_arrays``: the innermost loop each collapses);
    returns whether there is any.  ``allowed``: the printer can name the copies (a C region's
    cannot: a privatising loop there is an error, never a race)."""
    local = {a.name for a in scop.arrays if a.is_local}
    found = False
    for loop in [x for x in walk_items(items) if isinstance(x, Loop)]:
        if loop.info is None or loop.kind != PARALLEL or loop.cond is None:
            continue
        names = [n for n in loop.info.private if n not in local]
        if not names:
            continue
        if not allowed:
            raise CodegenError(f"loop {loop.var} privatises argument arrays {', '.join(names)}, which this code "
                               "generator cannot print", hint="schedule with private_arrays=False")
        found = True
        loop.buffers = names
        chain = loop.chain()
        chain[-1].private_arrays = names
        chain[-1].copy_chain = chain
        allocated = ce.Binary("!=", ce.Var(copies_name(names[0])), ce.IntLit(0))
        for name in names[1:]:
            allocated = ce.Binary("&&", allocated, ce.Binary("!=", ce.Var(copies_name(name)), ce.IntLit(0)))
        loop.when = allocated if loop.when is None else ce.Binary("&&", allocated, loop.when)
    return found


def copies_name(name: str) -> str:
    return f"polyopt_copies_{name}"


def _shared_name(name: str) -> str:
    return f"polyopt_shared_{name}"


class PrivateArrays:
    """The C of the copies, for the emitter: ``array(name)`` gives ``(C name, C type, extent)`` of
    an argument array (its element count as a C expression)."""

    def __init__(self, array):
        self.array = array

    def around_loop(self, loop: Loop, nodes: list) -> list:
        """``nodes`` (the parallel loop as printed) with the buffers allocated before and freed after."""
        if not loop.buffers:
            return nodes
        before, after = [], []
        for name in loop.buffers:
            cname, ctype, extent = self.array(name)
            before += [c.Line(f"{ctype} *const {_shared_name(cname)} = {cname};"),
                       c.Line(f"{ctype} *{copies_name(cname)} = ({ctype} *)malloc((size_t)omp_get_max_threads() "
                              f"* (size_t)({_stride(extent)}) * sizeof({ctype}));")]
            after.append(c.Line(f"free({copies_name(cname)});"))
        return [c.Block(before + nodes + after)]

    def in_body(self, loop: Loop, chain: list[Loop], nodes: list) -> list:
        """``nodes`` (the body of ``loop``, the innermost of the collapsed ``chain``) with the thread's
        copies declared first and copied back after the last iteration."""
        if not loop.private_arrays:
            return nodes
        last = None
        for x in chain:
            if x.cond is None:  # one iteration: always the last
                continue
            test = ce.Unary("!", _substitute(x.cond, x.var, ce.add(ce.Var(x.var), x.inc)))
            last = test if last is None else ce.Binary("&&", last, test)
        before, after = [], []
        for name in loop.private_arrays:
            cname, ctype, extent = self.array(name)
            copies, shared, n = copies_name(cname), _shared_name(cname), ce.to_c(extent)
            before.append(c.Line(f"{ctype} *restrict {cname} = {copies} ? {copies} + (long)omp_get_thread_num() "
                                 f"* ({_stride(extent)}) : {shared};"))
            when = copies if last is None else f"{copies} && {ce.to_c(last)}"
            after.append(c.If(when,
                              c.Line(f"memcpy({shared}, {cname}, (size_t)({n}) * sizeof({ctype}));")))
        return before + nodes + after


def _stride(extent: ce.CExpr) -> str:
    """Elements from one thread's copy to the next: the array and a gap of at least a cache line, so
    that no two threads write one line."""
    return ce.to_c(ce.add(extent, ce.IntLit(GAP)))


def _substitute(e: ce.CExpr, name: str, value: ce.CExpr) -> ce.CExpr:
    """``e`` with variable ``name`` replaced by ``value``."""
    if isinstance(e, ce.Var):
        return value if e.name == name else e
    if not is_dataclass(e):
        return e
    changes = {}
    for f in fields(e):
        v = getattr(e, f.name)
        if isinstance(v, ce.CExpr):
            changes[f.name] = _substitute(v, name, value)
        elif isinstance(v, tuple) and any(isinstance(x, ce.CExpr) for x in v):
            changes[f.name] = tuple(_substitute(x, name, value) if isinstance(x, ce.CExpr) else x for x in v)
    return replace(e, **changes) if changes else e
