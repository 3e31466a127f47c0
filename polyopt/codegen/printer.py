"""isl AST -> cgen tree -> C text: the generated translation unit of one kernel.

Part of code generation (Schedule -> isl AST -> **cgen tree -> C text**).  The printer walks the
isl AST built by :mod:`.ast_build` into a small tree of loops, guards and statements and decides
where each local temporary is declared; :mod:`.emit` then prints it as cgen nodes:

* loops use ``long`` iterators declared in the ``for`` (so they are private in OpenMP loops);
* ``#pragma omp parallel for`` / ``#pragma omp simd`` go exactly on the outermost loops generated
  inside a ``LOOP_MARK`` mark whose LoopInfo kind is PARALLEL / SIMD (see
  :mod:`polyopt.schedule.loops`); nothing else gets a pragma.  A parallel loop with a ``min_work``
  gets ``if(<work> >= <min_work>)`` (the estimate is :mod:`.work`'s).  The one other pragma is
  ``#pragma omp simd if(0)`` -- "run these iterations one at a time", OpenMP's way of saying
  "do not vectorize" -- on a serial loop that carries a reduction where gcc 12.2 miscompiles it
  (see :func:`.emit.keeps_order`);
* what was printed for every marked loop is reported (:func:`emitted_loops`), with the reason
  wherever it is not what the schedule decided;
* a temporary is declared in the innermost loop body that contains a use of it and across whose
  iterations (and those of every enclosing loop) no value of it flows -- computed from the RAW
  dependences on it and the schedule of each instance; see :mod:`.temporaries` -- so temporaries
  assigned inside a parallel loop are private to each iteration.  A parallel loop that would have
  to share a temporary is an error rather than a data race.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import islpy as isl

from ..errors import CodegenError
from ..schedule.loops import LOOP_MARK, PARALLEL, SERIAL, SIMD, EmittedLoop, LoopInfo
from . import cexpr as ce
from .ast_build import LOOP_CHAIN_MARK, AstResult, LoopChain, isl_expr
from .body import BodyBuilder, EmittedStatement

_PRAGMAS = {PARALLEL: "omp parallel for", SIMD: "omp simd"}


@dataclass(eq=False)
class Loop:
    var: str
    dim: int  # position in the schedule
    init: ce.CExpr
    cond: ce.CExpr | None  # None for a degenerate (single-iteration) loop
    inc: ce.CExpr | None
    body: list
    kind: str = ""  # PARALLEL or SIMD when the loop carries that OpenMP pragma, else ""
    collapse: int = 1  # loops the scheduler allows to share this parallel loop's iterations
    collapsed: int = 1  # loops that do share them (this one and the ones perfectly nested in it)
    outline: bool = False  # the scheduler asks for this parallel loop's body in a function of its own
    note: str = ""  # printed as a comment above the loop: why it is not what the schedule decided
    decls: list[str] = field(default_factory=list)  # temporaries declared at the top of the body
    reduce: tuple = ()  # the scheduler's (array, operator, statement) of a reduction loop
    clauses: tuple[str, ...] = ()  # OpenMP reduction clauses (see .reductions)
    dynamic: bool = False  # iterations handed out one at a time (``schedule(dynamic)``)
    # Reduced array elements held in a scalar around the loop: (C type, scalar, element) each
    accumulators: tuple[tuple[str, str, str], ...] = ()
    info: LoopInfo | None = None  # the decision of the mark the loop was generated for
    when: ce.CExpr | None = None  # a parallel loop's if clause: enough work for threads
    short: str = ""  # why fewer loops are collapsed than the schedule allows
    unroll_by: int = 0  # the scheduler's unroll factor for this loop without a pragma (0: none)
    # Argument arrays with a copy per thread (see .private_arrays): allocated around this parallel
    # loop (``buffers``); declared at the top of this loop's body, the innermost loop of the
    # collapsed ``copy_chain``, and copied back in its last iteration (``private_arrays``)
    buffers: list[str] = field(default_factory=list)
    private_arrays: list[str] = field(default_factory=list)
    copy_chain: list = field(default_factory=list)
    name: str = ""  # the scheduler's name of the loop (its mark's), degenerate loops included
    # A register tile's block held around this loop (see .register_blocks), or None
    held: object = None
    packed: object = None  # a panel copied at the top of this loop's body (see .packing), or None
    rows: object = None  # a row panel computed at the top of this loop's body (see .row_panels), or None
    prologue: list = field(default_factory=list)  # cgen lines printed at the top of the body, after those

    @property
    def pragma(self) -> str:
        """The OpenMP pragma text of this loop ("" for none)."""
        if not self.kind:
            return ""
        text = _PRAGMAS[self.kind]
        if self.collapsed > 1:
            text += f" collapse({self.collapsed})"
        if self.dynamic:
            text += " schedule(dynamic)"
        text = " ".join((text, *self.clauses))
        if self.when is not None:
            text += f" if({ce.to_c(self.when)})"
        return text

    def chain(self) -> list[Loop]:
        """This loop and the loops collapsed into it, outermost first."""
        out = [self]
        while len(out) < self.collapsed:
            out.append(out[-1].body[0])
        return out


@dataclass(eq=False)
class Guard:
    cond: ce.CExpr
    then: list
    orelse: list | None


@dataclass(eq=False)
class Stmt:
    name: str
    emitted: EmittedStatement
    iterators: tuple[ce.CExpr, ...] = ()  # the statement's original iterators, in the loop variables
    key: str = ""  # its entry in AstResult.instances


# ---------------------------------------------------------------- isl AST -> loop tree

_ITERATOR = re.compile(r"c(\d+)")  # isl's name of the loop at schedule depth k (see ast_build.LoopChain)


class TreeBuilder:
    """Walks the isl AST into Loop/Guard/Stmt items."""

    def __init__(self, ast: AstResult, bodies: BodyBuilder, statements: dict, rename: dict[str, str],
                 conditions: dict | None = None):
        self.ast = ast
        self.bodies = bodies
        self.statements = statements  # name -> poly.scop.Statement
        self.rename = rename
        self.conditions = conditions or {}  # id(LoopInfo) -> its if clause's condition (see .work)
        self.helpers: set[str] = set()

    def expr(self, e: isl.AstExpr) -> ce.CExpr:
        out = isl_expr(e, self.rename)
        self.helpers |= ce.used_helpers(out)
        return out

    def walk(self, node: isl.AstNode, mark: LoopInfo | None = None, chain: LoopChain | None = None) -> list:
        """Items for ``node``; ``mark``: a loop mark no for loop took yet; ``chain``: its merged band's."""
        t = node.get_type()
        if t == isl.ast_node_type.block:
            children = node.block_get_children()
            return [item for k in range(len(children)) for item in self.walk(children.get_at(k), mark, chain)]
        if t == isl.ast_node_type.mark:
            ident = node.mark_get_id()
            if ident.get_name() == LOOP_MARK:
                info = ident.get_user()
                if not isinstance(info, LoopInfo):
                    raise CodegenError(f"loop mark without a LoopInfo (got {type(info).__name__})")
                mark = info
            elif ident.get_name() == LOOP_CHAIN_MARK:
                chain = ident.get_user()
                if not isinstance(chain, LoopChain):
                    raise CodegenError(f"loop chain mark without a LoopChain (got {type(chain).__name__})")
            return self.walk(node.mark_get_node(), mark, chain)
        if t == isl.ast_node_type.for_:
            return [self._loop(node, mark, chain)]
        if t == isl.ast_node_type.if_:
            then = self.walk(node.if_get_then_node(), mark, chain)
            orelse = self.walk(node.if_get_else_node(), mark, chain) if node.if_has_else_node() else None
            return [Guard(self.expr(node.if_get_cond()), then, orelse)]
        if t == isl.ast_node_type.user:
            return [self._statement(node)]
        raise CodegenError(f"unexpected isl AST node {t}")

    def _loop(self, node: isl.AstNode, mark: LoopInfo | None, chain: LoopChain | None) -> Loop:
        var = node.for_get_iterator().get_id().get_name()
        dim = self.ast.loop_dims[node.get_annotation().get_name()]
        depth = _ITERATOR.fullmatch(var)
        if chain is not None and depth is not None and int(depth[1]) in chain.infos:
            mark = chain.infos[int(depth[1])]
        init = self.expr(node.for_get_init())
        body = self.walk(node.for_get_body(), None, chain)
        name = mark.name if mark is not None else ""
        if node.for_is_degenerate():
            return Loop(var, dim, init, None, None, body, name=name)
        loop = Loop(var, dim, init, self.expr(node.for_get_cond()), self.expr(node.for_get_inc()), body,
                    info=mark, unroll_by=mark.unroll_by if mark is not None else 0, name=name)
        if mark is not None and mark.kind in _PRAGMAS:
            if not _canonical_test(loop.cond, var):
                loop.note = f"{mark.kind} loop printed serial: its test is not in OpenMP canonical form"
            elif mark.reductions and not mark.reduce:
                loop.note = (f"{mark.kind} loop printed serial: reduction on "
                             f"{', '.join(mark.reductions)} has no OpenMP clause here")
            else:
                loop.kind = mark.kind
                loop.reduce = mark.reduce
                loop.collapse = mark.collapse if mark.kind == PARALLEL else 1
                loop.outline = mark.outline and mark.kind == PARALLEL
                loop.dynamic = mark.kind == PARALLEL and mark.dynamic
                if mark.kind == PARALLEL and mark.min_work:
                    loop.when = self.conditions.get(id(mark))
                    if loop.when is None:
                        loop.note = "parallel whatever its work: isl could not estimate the work"
                    else:
                        self.helpers |= ce.used_helpers(loop.when)
        return loop

    def _statement(self, node: isl.AstNode) -> Stmt:
        inst = self.ast.instances[node.get_annotation().get_name()]
        stmt = self.statements[inst.statement]
        emitted = self.bodies.statement(stmt.body, dict(zip(stmt.iterators, inst.iterators)))
        self.helpers |= emitted.helpers
        return Stmt(inst.statement, emitted, inst.iterators, node.get_annotation().get_name())


def _canonical_test(cond: ce.CExpr, var: str) -> bool:
    """Whether ``cond`` is ``var <op> bound`` with a bound that does not involve ``var``."""
    if not (isinstance(cond, ce.Binary) and cond.op in ("<", "<=", ">", ">=")):
        return False
    return cond.left == ce.Var(var) and var not in names_in(cond.right)


def names_in(e: ce.CExpr) -> set[str]:
    out: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ce.Var):
            out.add(x.name)
        elif isinstance(x, ce.Binary):
            stack += [x.left, x.right]
        elif isinstance(x, (ce.Unary, ce.Cast)):
            stack.append(x.operand)
        elif isinstance(x, ce.Ternary):
            stack += [x.cond, x.then, x.orelse]
        elif isinstance(x, ce.Call):
            stack.extend(x.args)
        elif isinstance(x, ce.Index):
            stack += [x.base, x.index]
    return out


def unprinted_strip(point: ce.CExpr, loops, size: int) -> ce.CExpr:
    """The start of the strip of ``size`` holding ``point`` where isl printed no loop for the strip
    (its one value there), ``size * floord(point, size)`` by the schedule's definition of it.

    ``loops`` are the loops below where the strip loop would be.  When ``point`` is the variable of
    one of them whose start names none of them, the strip is taken at that start: the same value
    (the strip is one), but one gcc sees does not change in the loop, so a slot ``point - strip``
    moves with the point.  Printed in the loop's own variable, the leftover strip of gemm's register
    tile read its packed panel by gathers (gemm 200x220x240, AMD EPYC Zen 4: most of the kernel's
    time went to the 12 leftover columns)."""
    below = {x.var for x in loops}
    if isinstance(point, ce.Var):
        loop = next((x for x in loops if x.var == point.name and x.cond is not None), None)
        if loop is not None and not names_in(loop.init) & below:
            point = loop.init
    return ce.mul(ce.IntLit(size), ce.Call("floord", (point, ce.IntLit(size))))


# ---------------------------------------------------------------- temporaries


def collapse_parallel(items: list) -> None:
    """Add ``collapse(n)`` to parallel loops whose allowed inner loops are perfectly nested in them
    (no declaration, guard or statement between), have OpenMP canonical tests, and have bounds that
    do not depend on the loops they are collapsed with (OpenMP's rectangular nests)."""
    for loop in _loops(items):
        if loop.collapse < 2 or loop.kind != PARALLEL:
            continue
        chain = [loop]
        while len(chain) < loop.collapse:
            loop.short = _not_collapsible(chain)
            if loop.short:
                break
            chain.append(chain[-1].body[0])
        loop.collapsed = len(chain)


def _not_collapsible(chain: list[Loop]) -> str:
    """Why the loop inside ``chain[-1]`` cannot join the collapsed ``chain`` ("" if it can)."""
    outer = chain[-1]
    inner = outer.body[0] if len(outer.body) == 1 else None
    if not isinstance(inner, Loop) or inner.cond is None or inner.kind:
        return f"the body of loop {outer.var} is not a single loop"
    if outer.decls:
        return f"temporaries are declared in loop {outer.var}"
    depths = [_ITERATOR.fullmatch(x.var) for x in (outer, inner)]
    if all(depths) and int(depths[1][1]) != int(depths[0][1]) + 1:
        # isl printed no loop for the schedule's loop between them (its one tile: a tile size at
        # least the loop's extent), so the one inside is another loop than the schedule collapses
        return f"loop {inner.var} is not the next loop of the schedule"
    used = names_in(inner.init) | names_in(inner.cond.right) | names_in(inner.inc)
    if not _canonical_test(inner.cond, inner.var):
        return f"the test of loop {inner.var} is not in OpenMP canonical form"
    if used & {x.var for x in chain}:
        return f"the bounds of loop {inner.var} depend on the loops it would join"
    return ""


def check_private(items: list) -> None:
    """Raise if a temporary written inside a pragma loop is declared outside it (a data race), unless
    the loop reduces it."""
    for loop in _loops(items):
        if not loop.kind:
            continue
        inside = {d for inner in [loop, *_loops(loop.body)] for d in inner.decls}
        inside |= {array for array, _, _ in loop.reduce}
        written = {w for s in _statements(loop.body) for w in s.emitted.locals_written}
        shared = sorted(written - inside)
        if shared:
            raise CodegenError(
                f"loop {loop.var} is marked {loop.pragma!r} but temporary '{shared[0]}' carries a "
                "value across its iterations", hint="this is a scheduler bug; please report the kernel")


def emitted_loops(items: list) -> tuple[EmittedLoop, ...]:
    """What was printed for every loop generated from a loop mark, in the order of the loop tree (a
    loop isl prints as its single iteration, a block, is no loop of the C and has no record)."""
    out = []
    for loop in _loops(items):
        if loop.info is None:
            continue
        kind = loop.kind or SERIAL
        short = loop.short and f"collapse({loop.collapse}) printed as collapse({loop.collapsed}): {loop.short}"
        rolled = "printed as a loop, not unrolled" if loop.info.unroll else ""
        notes = [n for n in (loop.note, short, rolled) if n]
        out.append(EmittedLoop(loop.info, kind, loop.collapsed if kind == PARALLEL else 1,
                               loop.info.min_work if loop.when is not None else 0,
                               tuple(dict.fromkeys(x.name for x in _statements(loop.body))), "; ".join(notes)))
    return tuple(out)


def walk_items(items):
    """Every item of a loop tree, top-down (through guards and loop bodies)."""
    for item in items:
        yield item
        if isinstance(item, Guard):
            yield from walk_items(item.then)
            yield from walk_items(item.orelse or [])
        elif isinstance(item, Loop):
            yield from walk_items(item.body)


def loops_within(items, around: tuple = ()):
    """``(loop, the loops around it)`` for every loop of a loop tree, top-down."""
    for item in items:
        if isinstance(item, Guard):
            yield from loops_within(item.then, around)
            yield from loops_within(item.orelse or [], around)
        elif isinstance(item, Loop):
            yield item, around
            yield from loops_within(item.body, around + (item,))


def _statements(items):
    return (x for x in walk_items(items) if isinstance(x, Stmt))


def _loops(items):
    return (x for x in walk_items(items) if isinstance(x, Loop))
