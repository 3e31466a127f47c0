"""Schedule -> a checked loop tree (the step of code generation between the isl AST and cgen).

isl's AST generator turns the schedule tree into loops, guards and statement instances; the
printer (:mod:`.printer`) walks them into a small tree, places the temporaries and the OpenMP
decisions; the emitted-code check (:mod:`.verify`) then proves that this tree, exactly as it will
be printed, executes every instance once and respects every dependence.  When the check fails --
isl's AST generator can emit wrong code from a legal schedule -- the AST is built again another way:

1. as scheduled;
2. with a universe context node below every band: isl then skips the stride-shifting path
   (``generate_shift_component``) that put statements of one band at offsets contradicting their
   schedule (the reproducer of ``islpy-facts.md``: S5[k] ran at ``2k - 1`` instead of ``2k``);
3. that, without separating full tiles (isl's ``isolate`` option) and without unrolling.

If every way fails the kernel is refused with a :class:`~polyopt.errors.CodegenError` that names
the violated dependence: wrong code is never emitted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import islpy as isl

from ..errors import CodegenError, TimeLimitExceeded
from ..poly import deadline
from . import work
from .ast_build import build_ast
from .packing import place_packs
from .printer import TreeBuilder, check_private, collapse_parallel, emitted_loops
from .private_arrays import place_private_arrays
from .reductions import reduction_clauses
from .register_blocks import place_blocks
from .row_panels import place_rows
from .temporaries import place_locals
from .verify import EmittedOrderError, check_emitted

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt:
    """One way of building the AST."""

    name: str
    context_nodes: bool  # a universe context node below every band
    separate_tiles: bool  # isl's isolate option on full tiles, and unrolling of marked loops


ATTEMPTS = (
    Attempt("as scheduled", False, True),
    Attempt("with context nodes below the bands", True, True),
    Attempt("with context nodes, without full-tile separation or unrolling", True, False),
)


@dataclass(eq=False)
class LoopTree:
    """The checked loop tree of a schedule, ready for printing."""

    items: list
    helpers: set[str]
    function_locals: list[str]  # temporaries declared at function scope
    attempt: Attempt
    verified: bool
    verify_seconds: float  # time spent in the emitted-code check (all attempts)
    retried: tuple[str, ...] = ()  # why earlier attempts were rejected
    instances_checked: bool = False  # the check's rule 4 finished within its budget
    private_arrays: bool = False  # a parallel loop has copies of argument arrays (see .private_arrays)

    @property
    def loops(self) -> tuple:
        """What was printed for each marked loop (:func:`~.printer.emitted_loops`)."""
        return emitted_loops(self.items)


def lower(schedule, bodies, rename: dict[str, str], *, context: isl.Set | None = None,
          separate_tiles: bool = True, temporaries: bool = True, verify: bool = True) -> LoopTree:
    """The loop tree of ``schedule`` (see the module docstring); ``bodies`` prints statements,
    ``rename`` maps parameter names to their C names, ``context`` is the parameter set the code
    must be right for (default: the Scop's).  ``temporaries`` places the kernel's temporaries in
    the loops (a C region keeps its scalars at function scope instead).  With ``verify=False``
    (experiments only) the first AST is used unchecked."""
    scop = schedule.scop
    context = scop.context if context is None else context
    iterators = {s.name: s.depth for s in scop.statements}
    statements = {s.name: s for s in scop.statements}
    local_names = [a.name for a in scop.arrays if a.is_local]
    failures: list[EmittedOrderError] = []
    spent = 0.0
    clauses = work.conditions(schedule.tree, context, rename)
    for attempt in ATTEMPTS:
        tree = _with_context_nodes(schedule.tree, scop) if attempt.context_nodes else schedule.tree
        ast = build_ast(tree, context, iterators, rename,
                        separate_tiles=separate_tiles and attempt.separate_tiles, unroll=attempt.separate_tiles)
        walker = TreeBuilder(ast, bodies, statements, rename, clauses)
        try:
            items = walker.walk(ast.root)
            function_locals = (place_locals(items, ast, schedule.dependences, local_names)
                               if temporaries else [])
        except isl.Error as exc:
            raise CodegenError(f"isl failed while printing the AST: {exc}") from exc
        reduction_clauses(items, set(rename.values()), bodies.arrays)
        walker.helpers |= place_rows(items, bodies, scop)  # prints statements afresh: before the blocks
        walker.helpers |= place_blocks(items, bodies, scop)
        walker.helpers |= place_packs(items, bodies, scop)
        check_private(items)
        collapse_parallel(items)
        copies = place_private_arrays(items, scop, temporaries)
        if not verify:
            return LoopTree(items, walker.helpers, function_locals, attempt, False, spent, private_arrays=copies)
        start = time.perf_counter()
        try:
            instances = check_emitted(items, scop, schedule.dependences, rename, context, ast.functions)
        except EmittedOrderError as exc:
            failures.append(exc)
            continue
        finally:
            spent += time.perf_counter() - start
        return LoopTree(items, walker.helpers, function_locals, attempt, True, spent,
                        tuple(f.message for f in failures), instances, copies)
    first = failures[0]
    raise CodegenError(f"refusing to emit code for '{scop.name}': {first.message}",
                       hint="isl's code generator produced a wrong loop nest from a legal schedule, in every "
                            "way polyopt tried; compile with other options (tile=False, fuse='smart') and "
                            "please report the kernel") from first


def bounded(fn: Callable[[], T], name: str) -> T:
    """``fn()`` (a whole code generation: its AST builds, loop trees and checks) under the
    wall-clock limit of :mod:`polyopt.poly.deadline`, which stops isl where its operation budget
    cannot; past the limit, a :class:`CodegenError` (the pipeline then tries simpler options)."""
    try:
        return deadline.run_bounded(fn, f"code generation of '{name}'")
    except TimeLimitExceeded as exc:
        raise CodegenError(exc.message, hint="isl's code generator can take very long on skewed or strided "
                           "tiles: compile with tile=False or other tile sizes, or allow more time with "
                           "POLYOPT_ISL_SECONDS") from exc


def _with_context_nodes(tree: isl.Schedule, scop) -> isl.Schedule:
    """``tree`` with a universe context node (over the bands' dimensions so far) below every band."""
    params = ", ".join(scop.params)

    def visit(node: isl.ScheduleNode) -> isl.ScheduleNode:
        if node.get_type() == isl.schedule_node_type.band:
            below = node.child(0)
            names = ", ".join(f"x{k}" for k in range(below.get_schedule_depth()))
            node = below.insert_context(isl.Set(f"[{params}] -> {{ [{names}] }}")).parent()
        for k in range(node.n_children()):
            node = visit(node.child(k)).parent()
        return node

    return visit(tree.get_root()).get_schedule()
