"""Schedule tree -> isl AST, with the build callbacks that record what the printer needs.

Part of code generation (Schedule -> isl AST -> cgen tree -> C text).

* ``at_each_domain`` annotates every statement node with a key into :attr:`AstResult.instances`:
  the statement, each of its original iterators as a C expression in the loop variables (from the
  reversed schedule, ``build.expr_from_pw_aff``), and the schedule of those instances;
* ``before_each_for`` annotates every loop with a key into :attr:`AstResult.loop_dims`: the
  position of the loop in that schedule (isl's iterator names ``c<k>`` do not give it).

Every callback body is wrapped so that no Python exception reaches isl (an exception escaping
``before_each_for`` corrupts memory); errors are collected and raised as CodegenError afterwards.

Just before building, :func:`merge_loop_chains` joins each chain of marked single-member bands
into one band (isl generates a skewed tile nest one band at a time in seconds, as one band in
milliseconds); its mark carries every loop's LoopInfo by schedule depth.

Before building, :func:`isolate_full_tiles` sets isl's ``isolate`` option on the outermost band
whose inner loops have constant extents (the innermost tile loops of a tiled band) when it has
both full and partial tiles, so full tiles get constant loop bounds that gcc vectorizes well --
except on loops collapsed into the parallel loop around them, which would then not be collapsible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import islpy as isl

from ..errors import BudgetExceeded, CodegenError
from ..poly import budget
from ..schedule.loops import LOOP_MARK, PARALLEL, SIMD, LoopInfo
from . import cexpr as ce

# Isolate only when a full tile holds at least this many points: below that the extra code
# (isl generates the nest twice) does not pay.
MIN_ISOLATE_VOLUME = 4


@dataclass(frozen=True, eq=False)
class StatementInstance:
    """What one statement node of the AST executes."""

    statement: str
    iterators: tuple[ce.CExpr, ...]  # the statement's original iterators, in loop variables
    schedule: isl.Map  # { S[iters] -> [t0, ..., tk] } (flat range) of these instances


@dataclass(eq=False)
class AstResult:
    """The isl AST and the records its annotations refer to."""

    root: isl.AstNode | None
    instances: dict[str, StatementInstance] = field(default_factory=dict)
    loop_dims: dict[str, int] = field(default_factory=dict)
    isolated_bands: int = 0
    # { S[iters] -> [t0, ..., tk] } per statement: the schedule isl was given, as explicit functions
    # (the emitted-code check tries them to show that no instance runs twice, see .verify)
    functions: dict[str, isl.PwMultiAff] = field(default_factory=dict)


# ---------------------------------------------------------------- isl expressions -> C

_BINARY_OPS = {
    isl.ast_expr_op_type.add: "+", isl.ast_expr_op_type.sub: "-", isl.ast_expr_op_type.mul: "*",
    isl.ast_expr_op_type.div: "/", isl.ast_expr_op_type.pdiv_q: "/",
    isl.ast_expr_op_type.pdiv_r: "%", isl.ast_expr_op_type.zdiv_r: "%",
    isl.ast_expr_op_type.eq: "==", isl.ast_expr_op_type.le: "<=", isl.ast_expr_op_type.lt: "<",
    isl.ast_expr_op_type.ge: ">=", isl.ast_expr_op_type.gt: ">",
    isl.ast_expr_op_type.and_: "&&", isl.ast_expr_op_type.and_then: "&&",
    isl.ast_expr_op_type.or_: "||", isl.ast_expr_op_type.or_else: "||",
}


def isl_expr(expr: isl.AstExpr, rename: dict[str, str]) -> ce.CExpr:
    """An isl AST expression as a C expression; ids are renamed through ``rename`` (params)."""
    t = expr.get_type()
    if t == isl.ast_expr_type.int:
        return ce.IntLit(expr.get_val().to_python())
    if t == isl.ast_expr_type.id:
        name = expr.get_id().get_name()
        return ce.Var(rename.get(name, name))
    if t != isl.ast_expr_type.op:
        raise CodegenError(f"unexpected isl AST expression {expr.to_C_str()}")
    op = expr.get_op_type()
    args = [isl_expr(expr.get_op_arg(k), rename) for k in range(expr.get_op_n_arg())]
    if op in _BINARY_OPS:
        return ce.Binary(_BINARY_OPS[op], args[0], args[1])
    if op == isl.ast_expr_op_type.minus:
        return ce.Unary("-", args[0])
    if op == isl.ast_expr_op_type.fdiv_q:
        return ce.Call("floord", (args[0], args[1]))
    if op in (isl.ast_expr_op_type.min, isl.ast_expr_op_type.max):
        name = "min" if op == isl.ast_expr_op_type.min else "max"
        out = args[0]
        for a in args[1:]:
            out = ce.Call(name, (out, a))
        return out
    if op in (isl.ast_expr_op_type.cond, isl.ast_expr_op_type.select):
        return ce.Ternary(args[0], args[1], args[2])
    raise CodegenError(f"unsupported isl AST operation in {expr.to_C_str()}")


# ---------------------------------------------------------------- full/partial tile separation


# isl's AST generation can run for hours on some skewed tilings (jacobi-1d's wavefront with
# tile=256); every suite kernel under every scheduler needs fewer than 1e7 operations (5 s at most,
# conv2d and stencil3d27 under isl's scheduler need more than 3e6), so past this budget the
# generator is stopped with a clear error instead (jacobi-1d with tile=256: after about a minute).
AST_MAX_OPERATIONS = budget.AST

# Bands whose statement domains are a union of more pieces than this (statements under different
# guards, parity conditions) are not isolated: isl then spends minutes splitting full tiles (a
# four-statement if/elif/else nest with 7x3 tiles: 174 s, against 0.2 s without isolation), and
# the guards inside the tiles would keep the inner loops from being simple anyway.
MAX_ISOLATE_PIECES = 4

# The mark above a band merged by merge_loop_chains: its user object is a LoopChain.
LOOP_CHAIN_MARK = "polyopt_loop_chain"


def isolate_full_tiles(tree: isl.Schedule, context: isl.Set) -> tuple[isl.Schedule, int]:
    """``tree`` with the ``isolate`` option on bands whose inner loops have a constant extent.

    For a band B with outer schedule O and a chain of bands below it (points P), a value (O, b)
    is a full tile when every point of its box is scheduled: per point dimension, from the
    lowest value in the tile over the largest extent of any tile (a constant, else no isolation).  isl then
    generates the full tiles separately, with constant inner bounds, and the rest as before.
    Below a contraction's tile band the strip loops of its register tile get the option too, and
    the reduction loop around a register block counts as full whatever its bounds: a partial tile
    runs its full blocks with constant row and column bounds (bench_ab against the tile band
    alone, 2 threads, AMD EPYC Zen 4: batched_matmul 2.61x, syr2k 1.78x at MEDIUM; syr2k 1.37x,
    covariance 1.12x, gemm 1.05x at LARGE; none slower at LARGE, gemm, syrk and 2mm 0.91-0.93x
    at MEDIUM, where 256-row tiles left one tile).  Returns the new tree and the number of bands
    changed.
    """
    count = 0

    def visit(node: isl.ScheduleNode, joining: int, head: bool) -> isl.ScheduleNode:
        """``joining``: how many of the next bands are collapsed into a parallel loop above them
        (after the ``head`` of the collapse, if it is next).  Separating full tiles there would split
        the nest into two loops inside the head, so it could not be collapsed any more."""
        nonlocal count
        kind = node.get_type()
        if kind == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
            info = node.mark_get_id().get_user()
            if isinstance(info, LoopInfo) and info.kind == PARALLEL and info.collapse > 1:
                joining, head = info.collapse - 1, True
        if kind == isl.schedule_node_type.band:
            inside = joining > 0 and not head
            joining, head = (joining - 1 if inside else joining), False
            try:
                with budget.isl_budget(budget.AST, "separating full tiles"):
                    option = None if inside else _full_tile_option(node, context)
            except (isl.Error, BudgetExceeded):  # e.g. rational bounds of skewed tiles: keep the band
                option = None
            if option is not None:
                count += 1
                node = node.band_set_ast_build_options(node.band_get_ast_build_options().union(option))
                if not _holds_block_below(node):
                    return node
        for k in range(node.n_children()):
            node = visit(node.child(k), joining, head).parent()
        return node

    return visit(tree.get_root(), 0, False).get_schedule(), count


@dataclass(frozen=True, eq=False)
class LoopChain:
    """The decisions of the loops of a merged band: schedule depth -> LoopInfo.

    isl names the loop at depth k ``c<k>`` (its default iterator names).  The depth is not
    :attr:`AstResult.loop_dims`: isl drops fixed dimensions from the schedule space of the loops
    below them (isolated partial tiles, statements shifted apart), so that position can be smaller.
    """

    infos: dict[int, LoopInfo]


def merge_loop_chains(tree: isl.Schedule) -> isl.Schedule:
    """``tree`` with every chain of two or more ``LOOP_MARK``-marked bands that follow each other
    directly (mark, band, mark, band, ...) and have no AST build options joined into one band
    below a ``LOOP_CHAIN_MARK`` mark.

    The schedule is the same; only isl's work changes.  isl builds a nest band by band, and below
    each band it works from the constraints of the loops above, with the floors of skewed tiles as
    existential variables: jacobi-1d's wavefront tiles took 3.3 s as four bands and 0.02 s as one,
    for the same C text (AMD EPYC Zen 3, islpy 2026.2.2).
    """

    def mergeable(node: isl.ScheduleNode) -> bool:
        if node.get_type() != isl.schedule_node_type.mark or node.mark_get_id().get_name() != LOOP_MARK:
            return False
        band = node.child(0)
        # isl deletes no band whose subtree refers to it (isolate options, extensions below)
        return (band.get_type() == isl.schedule_node_type.band and band.band_n_member() == 1
                and band.band_get_ast_build_options().is_empty() and not band.is_subtree_anchored())

    def visit(node: isl.ScheduleNode) -> isl.ScheduleNode:
        if mergeable(node) and mergeable(node.child(0).child(0)):
            infos: dict[int, LoopInfo] = {}
            schedule = None
            while mergeable(node):
                info = node.mark_get_id().get_user()
                band = node.delete()  # the band below the mark
                # the bands above it in the chain are deleted already
                infos[band.get_schedule_depth() + len(infos)] = info
                part = band.band_get_partial_schedule()
                schedule = part if schedule is None else schedule.flat_range_product(part)
                node = band.delete()  # the node below the band, where the mark was
            node = node.insert_partial_schedule(schedule)
            node = node.insert_mark(isl.Id(LOOP_CHAIN_MARK, user=LoopChain(infos)))
        for k in range(node.n_children()):
            node = visit(node.child(k)).parent()
        return node

    return visit(tree.get_root()).get_schedule()


def unroll_marked(tree: isl.Schedule) -> isl.Schedule:
    """``tree`` with isl's ``unroll`` option on every loop whose mark's LoopInfo asks for it."""

    def visit(node: isl.ScheduleNode) -> isl.ScheduleNode:
        if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
            info = node.mark_get_id().get_user()
            band = node.child(0)
            if getattr(info, "unroll", False) and band.get_type() == isl.schedule_node_type.band:
                node = band.band_set_ast_build_options(isl.UnionSet("{ unroll[0] }")).parent()
        for k in range(node.n_children()):
            node = visit(node.child(k)).parent()
        return node

    return visit(tree.get_root()).get_schedule()


def _is_rectangular(band: isl.ScheduleNode) -> bool:
    """Whether every member of ``band`` depends, per statement, on at most one iterator (as in
    ``i``, ``i - 3`` or ``i mod 32``).  Isolating skewed tiles (``2t + i``) makes isl's AST
    generation explode (seconds, and tens of kilobytes of C for a time-tiled stencil) for
    little gain, so only rectangular tiles qualify."""
    schedule = band.band_get_partial_schedule()
    pieces: list[isl.Aff] = []
    for k in range(band.band_n_member()):
        schedule.get_at(k).foreach_pw_aff(lambda pa: pieces.extend(aff for _, aff in pa.get_pieces()))
    return all(len(_iterators_of(aff)) <= 1 for aff in pieces)


def _iterators_of(aff: isl.Aff) -> set[int]:
    """Positions of the input dimensions ``aff`` depends on, directly or through its divs."""
    used = {i for i in range(aff.dim(isl.dim_type.in_))
            if not aff.get_coefficient_val(isl.dim_type.in_, i).is_zero()}
    for d in range(aff.dim(isl.dim_type.div)):
        if not aff.get_coefficient_val(isl.dim_type.div, d).is_zero():
            used |= _iterators_of(aff.get_div(d))
    return used


def _holds_block_below(band: isl.ScheduleNode) -> bool:
    """Whether a loop of the chain of bands below ``band`` holds a register block: its strip
    loops get full tiles of their own (full blocks in partial tiles)."""
    node = band.child(0)
    while node.get_type() in (isl.schedule_node_type.band, isl.schedule_node_type.mark):
        if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
            info = node.mark_get_id().get_user()
            if isinstance(info, LoopInfo) and info.block:
                return True
        node = node.child(0)
    return False


def _gains_from_full_tiles(info) -> bool:
    """Whether a loop below a tile band runs faster in full tiles: a SIMD loop (no remainder, known
    alignment), a loop to unroll, and the register tiles and packed panels (fixed block sizes)."""
    return isinstance(info, LoopInfo) and (info.kind == SIMD or info.unroll or info.unroll_by > 0
                                           or bool(info.block or info.pack or info.rows))


def _full_tile_option(band: isl.ScheduleNode, context: isl.Set) -> isl.UnionSet | None:
    # Full tiles pay where a loop below gains from them (_gains_from_full_tiles), or where the
    # band's innermost loop is the statements' innermost loop and not a recurrence: gcc vectorizes
    # such a loop itself, with a runtime check (floyd_warshall: 0.73x without full tiles).  Where
    # the chain of bands ends above a sequence, the loops below keep their own bounds: isolating
    # made cholesky 1.55x, lu 1.26x slower at LARGE (bench_ab, AMD EPYC Zen 3) and isl's AST
    # generation 4-5x slower (adi: 0.4 s of a 2 s ``polyopt cc``).
    inner = 0
    gains = False
    last = None
    free: list[int] = []  # the inner dimensions whose loops may run partly: a register block's reduction
    end = band.child(0)
    while end.get_type() in (isl.schedule_node_type.band, isl.schedule_node_type.mark):
        if end.get_type() == isl.schedule_node_type.band:
            if not _is_rectangular(end):
                return None
            if end.band_n_member() == 1 and isinstance(last, LoopInfo) and last.block:
                free.append(inner)
            inner += end.band_n_member()
        elif end.mark_get_id().get_name() == LOOP_MARK:
            last = end.mark_get_id().get_user()
            gains = gains or _gains_from_full_tiles(last)
        end = end.child(0)
    if end.get_type() == isl.schedule_node_type.leaf and isinstance(last, LoopInfo) and not last.recurrence:
        gains = True
    if inner == 0 or not gains:
        return None
    scheduled = end.get_prefix_schedule_union_map().intersect_domain(end.get_domain()).range()
    if scheduled.n_set() != 1:
        return None
    pieces: list[int] = []
    end.get_domain().coalesce().foreach_set(lambda st: pieces.append(st.n_basic_set()))
    if sum(pieces) > MAX_ISOLATE_PIECES:
        return None
    points = isl.Set.from_union_set(scheduled).intersect_params(context)
    outer = band.get_schedule_depth()
    head = outer + band.band_n_member()
    if points.dim(isl.dim_type.set) != head + inner or points.is_empty():
        return None
    # For each point dimension: its lowest value in the tile (affine in the prefix) and the
    # largest extent over all tiles, which must be a constant.
    per_prefix = isl.Map.from_range(points).move_dims(isl.dim_type.in_, 0, isl.dim_type.out, 0, head)
    # A register block is held across its reduction loops whatever their bounds: a tile is full
    # for it when its other loops are (a partial reduction tile keeps its full blocks).
    for k in reversed(free):
        per_prefix = per_prefix.project_out(isl.dim_type.out, k, 1)
    inner -= len(free)
    box = None
    volume = 1
    for k in range(inner):
        lo = per_prefix.dim_min(k)
        extent = (per_prefix.dim_max(k) - lo).max_val()
        if not extent.is_int():
            return None
        size = extent.to_python() + 1
        volume *= size
        window = isl.Map(f"{{ [x] -> [y] : x <= y <= x + {size - 1} }}")
        interval = isl.Map.from_pw_aff(lo).apply_range(window)
        box = interval if box is None else box.flat_range_product(interval)
    if volume < MIN_ISOLATE_VOLUME:
        return None
    partial = box.subtract(per_prefix).domain()
    full = per_prefix.domain().subtract(partial).coalesce()
    if partial.is_empty() or full.is_empty():
        return None
    iso = isl.Map.from_range(full).move_dims(isl.dim_type.in_, 0, isl.dim_type.out, 0, outer)
    return iso.wrap().set_tuple_name("isolate").to_union_set()


# ---------------------------------------------------------------- AST build


def build_ast(tree: isl.Schedule, context: isl.Set, iterators: dict[str, int],
              rename: dict[str, str], *, separate_tiles: bool = True, unroll: bool = True) -> AstResult:
    """The isl AST of ``tree`` under the parameter ``context``.

    ``iterators`` gives the number of original iterators per statement name; ``rename`` maps
    parameter names to their C names; ``separate_tiles`` and ``unroll`` turn isl's ``isolate``
    option on full tiles and the unrolling of loops marked for it on.
    """
    result = AstResult(None)
    errors: list[BaseException] = []
    if not context.is_params():  # a 0-dimensional set over the parameters: isl wants a params set
        context = context.params()
    try:
        if unroll:
            tree = unroll_marked(tree)
        if separate_tiles:
            tree, result.isolated_bands = isolate_full_tiles(tree, context)
        result.functions = _leaf_functions(tree)
        tree = merge_loop_chains(tree)
    except isl.Error as exc:
        raise CodegenError(f"isl failed while preparing the schedule tree for its code generator: {exc}") from exc

    def at_domain(node, build):
        try:
            sched = isl.Map.from_union_map(build.get_schedule())
            name = sched.get_tuple_name(isl.dim_type.in_)
            it = isl.PwMultiAff.from_map(sched.reverse())
            n = it.dim(isl.dim_type.out)
            if n != iterators.get(name, -1):
                raise CodegenError(f"statement {name} has {n} iterators in the schedule, "
                                   f"expected {iterators.get(name)}")
            exprs = tuple(isl_expr(build.expr_from_pw_aff(it.get_at(k)), rename) for k in range(n))
            key = f"{name}#{len(result.instances)}"
            result.instances[key] = StatementInstance(name, exprs, sched.flatten_range())
            return node.set_annotation(isl.Id(key))
        except BaseException as exc:  # never let an exception reach isl
            errors.append(exc)
            return node

    def before_for(build):
        try:
            key = f"L{len(result.loop_dims)}"
            result.loop_dims[key] = build.get_schedule_space().dim(isl.dim_type.set) - 1
            return isl.Id(key)
        except BaseException as exc:  # never let an exception reach isl
            errors.append(exc)
            return isl.Id("error")

    try:
        build = isl.AstBuild.from_context(context)
        build, domain_handle = build.set_at_each_domain(at_domain)
        build, for_handle = build.set_before_each_for(before_for)
        with budget.isl_budget(AST_MAX_OPERATIONS, "isl's code generator"):
            result.root = build.node_from_schedule(tree)
        del domain_handle, for_handle  # the callbacks must stay alive until here
    except BudgetExceeded as exc:
        if errors:
            raise _as_codegen_error(errors[0]) from exc
        raise CodegenError(
            f"isl's code generator gave up on this schedule after {AST_MAX_OPERATIONS:,} operations",
            hint="some tile sizes make the loops of skewed (wavefront) tiles too hard to generate; "
                 "use the default tile sizes, other sizes, or tile=False") from None
    except isl.Error as exc:
        if errors:
            raise _as_codegen_error(errors[0]) from exc
        raise CodegenError(f"isl failed to build the AST: {exc}") from exc
    if errors:
        raise _as_codegen_error(errors[0])
    return result


def _leaf_functions(tree: isl.Schedule) -> dict[str, isl.PwMultiAff]:
    """The prefix schedule at each leaf of ``tree``, per statement (the dimensions of the band
    members above it, as in isl's AST build)."""
    out: dict[str, isl.PwMultiAff] = {}

    def visit(node: isl.ScheduleNode) -> bool:
        if node.get_type() == isl.schedule_node_type.leaf:
            node.get_prefix_schedule_union_pw_multi_aff().foreach_pw_multi_aff(
                lambda f: out.__setitem__(f.get_tuple_name(isl.dim_type.in_), f))
        return True

    tree.get_root().foreach_descendant_top_down(visit)
    return out


def _as_codegen_error(exc: BaseException) -> CodegenError:
    if isinstance(exc, CodegenError):
        return exc
    err = CodegenError(f"AST generation failed: {type(exc).__name__}: {exc}")
    err.__cause__ = exc
    return err
