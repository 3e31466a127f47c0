"""The loop tree -> cgen nodes, and where gcc 12.2 needs the C printed otherwise.

Part of code generation (Schedule -> isl AST -> **cgen tree -> C text**): :mod:`.printer` builds
the loop tree, :class:`CgenEmitter` prints it.  Two loop shapes that gcc 12.2 -O3 miscompiles get
extra text: a serial in-order sum of several terms per iteration is kept out of the vectorizer
(:func:`keeps_order`), and a serial loop around a SIMD loop that rewrites its own stores ends
with a compiler barrier (:func:`keeps_stores`).
"""

from __future__ import annotations

import cgen as c

from ..errors import CodegenError
from ..schedule.loops import SIMD
from . import cexpr as ce
from .printer import Guard, Loop, Stmt, walk_items

IN_ORDER_PRAGMA = "omp simd if(0)"
# gcc completely unrolls inner loops of at most 16 iterations (--param max-completely-peel-times);
# a margin above that
_UNROLLED = 64


STORE_BARRIER = '__asm__ volatile ("" ::: "memory");  /* keeps gcc from vectorizing this loop */'


def keeps_stores(loop: Loop) -> bool:
    """Whether ``loop``'s body ends with :data:`STORE_BARRIER` (no memory access moves across it).

    gcc 12.2 -O3 vectorizes a loop whose body is one ``omp simd`` loop as an outer loop without
    checking a store against itself: where an iteration writes again an element an earlier one
    wrote (``B[k, j]``, ``j`` in ``i - 2 .. i + 2``, in a loop over ``i``), the earlier value may
    stay (fuzz seed 5533, benchmarks/results/gcc12_outer_loop_stores).  Only such loops get it."""
    return (not loop.kind and loop.info is not None and loop.info.rewrites and len(loop.body) == 1
            and isinstance(loop.body[0], Loop) and loop.body[0].kind == SIMD)


def keeps_order(loop: Loop) -> bool:
    """Whether ``loop`` is printed with :data:`IN_ORDER_PRAGMA`, out of gcc's loop vectorizer.

    gcc 12.2 at -O3 miscompiles a loop that accumulates a floating-point sum in order (a reduction
    the scheduler kept serial) when the body adds several terms per iteration -- two statements, or
    an inner loop of a few iterations it unrolls completely -- read in an order other than memory
    order (a reversed loop): it vectorizes the sum as an in-order reduction chain, merges the load
    permutation into it, and counts terms twice (fuzz seed 3081; GCC PR 110381;
    benchmarks/results/gcc12_fold_left).  Those loops are kept scalar.  Not every serial reduction
    loop: where gcc's in-order vectorization is right it pays (conv1d 1.7x, layer norm 1.6x, ludcmp
    1.25x faster than with every serial reduction loop kept scalar; LARGE, Xeon Sapphire Rapids).
    A simd construct may not hold another, so a loop with a pragma inside is left alone.
    """
    if loop.kind or loop.info is None or not loop.info.reductions:
        return False
    inner = list(x for x in walk_items(loop.body) if isinstance(x, Loop))
    if any(x.kind for x in inner):
        return False
    terms = _terms(loop.body)
    return terms is not None and 2 <= terms


def _terms(items) -> int | None:
    """Statement instances per execution of ``items`` when every loop among them has a constant
    trip count and there are at most :data:`_UNROLLED` of them; else None."""
    total = 0
    for item in items:
        if isinstance(item, Stmt):
            total += 1
        elif isinstance(item, Guard):
            branches = [_terms(item.then), _terms(item.orelse or [])]
            if None in branches:
                return None
            total += max(branches)
        elif isinstance(item, Loop):
            trips, inside = _trip_count(item), _terms(item.body)
            if trips is None or inside is None:
                return None
            total += trips * inside
        if total > _UNROLLED:
            return None
    return total


def _trip_count(loop: Loop) -> int | None:
    """The number of iterations of ``loop`` when its bound minus its start is a constant."""
    if loop.cond is None:
        return 1
    cond, step = loop.cond, _linear(loop.inc) if loop.inc is not None else None
    if not (isinstance(cond, ce.Binary) and cond.op in ("<", "<=") and cond.left == ce.Var(loop.var)):
        return None
    bound, start = _linear(cond.right), _linear(loop.init)
    if bound is None or start is None or step is None or set(step) != {""} or step[""] <= 0:
        return None
    span = {k: bound.get(k, 0) - start.get(k, 0) for k in set(bound) | set(start)}
    if any(v for k, v in span.items() if k):
        return None
    last = span.get("", 0) - (1 if cond.op == "<" else 0)
    return max(0, last // step[""] + 1)


def _linear(e: ce.CExpr) -> dict[str, int] | None:
    """``e`` as {variable: coefficient, "": constant} when it is affine in integer variables."""
    if isinstance(e, ce.IntLit):
        return {"": e.value}
    if isinstance(e, ce.Var):
        return {e.name: 1}
    if isinstance(e, ce.Unary) and e.op == "-":
        inner = _linear(e.operand)
        return None if inner is None else {k: -v for k, v in inner.items()}
    if isinstance(e, ce.Binary) and e.op in ("+", "-", "*"):
        a, b = _linear(e.left), _linear(e.right)
        if a is None or b is None:
            return None
        if e.op == "*":
            if set(a) == {""}:
                return {k: a[""] * v for k, v in b.items()}
            return {k: b[""] * v for k, v in a.items()} if set(b) == {""} else None
        sign = 1 if e.op == "+" else -1
        return {k: a.get(k, 0) + sign * b.get(k, 0) for k in set(a) | set(b)}
    return None


# ---------------------------------------------------------------- loop tree -> cgen


class CgenEmitter:
    """Turns the loop tree into cgen nodes."""

    def __init__(self, local_decl, outliner=None, private=None):
        self.local_decl = local_decl  # name -> cgen declaration node
        self.outliner = outliner  # turns parallel loop bodies into functions (see .outline)
        self.private = private  # prints the private copies of argument arrays (see .private_arrays)

    def items(self, items: list, loop_vars: list[str] | None = None) -> list:
        """cgen nodes for ``items``; ``loop_vars`` are the loop variables in scope around them."""
        out = []
        for item in items:
            out.extend(self.item(item, loop_vars or []))
        return out

    def item(self, item, loop_vars: list[str]) -> list:
        if isinstance(item, Stmt):
            return [c.Line(f"{item.emitted.text};  /* {item.name} */")]
        if isinstance(item, Guard):
            then = c.Block(self.items(item.then, loop_vars))
            orelse = c.Block(self.items(item.orelse, loop_vars)) if item.orelse is not None else None
            return [c.If(ce.to_c(item.cond), then, orelse)]
        decls = [self.local_decl(n) for n in item.decls]
        inside = loop_vars + [item.var]
        if item.cond is None:  # degenerate loop: one iteration, the iterator is a constant
            return [c.Block([c.Line(f"const long {item.var} = {ce.to_c(item.init)};"), *decls,
                             *self.items(item.body, inside)])]
        if self.outliner is not None and self.outliner.wants(item):
            return self.copies(item, self.outliner.emit(item, loop_vars, self))
        out = []
        if item.note:
            out.append(c.Comment(item.note))
        out += [c.Line(f"{ctype} {name} = {element};") for ctype, name, element in item.accumulators]
        if item.pragma:
            out.append(c.Pragma(item.pragma))
        elif keeps_order(item):  # gcc takes no unroll pragma on an OpenMP loop: unroll_by is dropped
            out.append(c.Pragma(IN_ORDER_PRAGMA))
        elif item.unroll_by:
            out.append(c.Pragma(f"GCC unroll {item.unroll_by}"))
        out.append(c.For(f"long {item.var} = {ce.to_c(item.init)}", ce.to_c(item.cond),
                         f"{item.var} += {ce.to_c(item.inc)}",
                         c.Block([*decls, *(item.packed.nodes() if item.packed is not None else ()),
                                  *(item.rows.nodes() if item.rows is not None else ()), *item.prologue,
                                  *self.body(item, self.items(item.body, inside)),
                                  *([c.Line(STORE_BARRIER)] if keeps_stores(item) else [])])))
        if item.accumulators:  # a block of its own: sibling loops may use the same names
            out += [c.Line(f"{element} = {name};") for _, name, element in item.accumulators]
            out = [c.Block(out)]
        if item.held is not None:
            out = item.held.around(out)
        return self.copies(item, out)

    def copies(self, loop: Loop, nodes: list) -> list:
        """``nodes``, the parallel ``loop`` as printed, with its argument arrays' copies allocated
        around it."""
        if not loop.buffers:
            return nodes
        if self.private is None:
            raise CodegenError(f"loop {loop.var} privatises arrays, which this code generator cannot print")
        return self.private.around_loop(loop, nodes)

    def body(self, loop: Loop, nodes: list) -> list:
        """``nodes``, the printed body of ``loop``, with the thread's copies of argument arrays
        declared before and copied back after (when ``loop`` holds them)."""
        if not loop.private_arrays:
            return nodes
        if self.private is None:
            raise CodegenError(f"loop {loop.var} privatises arrays, which this code generator cannot print")
        return self.private.in_body(loop, loop.copy_chain, nodes)
