"""The work of one execution of a parallel loop, as a C expression for its OpenMP ``if`` clause.

Part of code generation.  The scheduler decides, per parallel loop, the smallest work worth a
parallel region (``LoopInfo.min_work``, from :class:`~polyopt.schedule.policy.TilePolicy`); this
module only estimates the work so that the C can compare it::

    #pragma omp parallel for if(NI * NK * NJ >= 16384)

The estimate is in statement instances.  For the loop's mark in the schedule tree:

* the instances below it: per statement, the product of the extents of its iterators over the
  instances below the mark (its bounding box: exact for rectangular domains, at most a small factor
  above the count for triangular ones; see :func:`_extents` for how it is kept short);
* divided by the number of times the loop is entered: the product of the extents of the schedule
  dimensions around it (1 for an outermost loop; the number of wavefronts for a loop inside one).

Both are expressions of the parameters only, so the clause is the same wherever isl prints the loop
(full and partial tiles); it is an average where the work differs between entries (wavefronts).
The division is printed as a product on the other side (``work >= min_work * entries``): no
division by zero, whatever the parameters.
"""

from __future__ import annotations

import islpy as isl

from ..errors import BudgetExceeded
from ..poly import budget
from ..schedule.loops import LOOP_MARK, PARALLEL, LoopInfo
from . import cexpr as ce
from .ast_build import isl_expr

# An estimate is a few dim_min/dim_max per statement (at most 30 ms for a suite kernel, wavefronts
# included).  A loop whose estimate needs more than this gets no if clause (the report says so).
MAX_OPERATIONS = 2_000_000


def conditions(tree: isl.Schedule, context: isl.Set, rename: dict[str, str]) -> dict[int, ce.CExpr | None]:
    """Per parallel loop of ``tree`` with a ``min_work`` (keyed by ``id`` of its LoopInfo), the
    condition of its ``if`` clause in C (parameters renamed through ``rename``), or None where isl
    could not estimate the work within :data:`MAX_OPERATIONS`."""
    if not context.is_params():
        context = context.params()
    build = isl.AstBuild.from_context(context)
    out: dict[int, ce.CExpr | None] = {}

    def visit(node: isl.ScheduleNode) -> None:
        if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
            info = node.mark_get_id().get_user()
            if isinstance(info, LoopInfo) and info.kind == PARALLEL and info.min_work:
                try:
                    with budget.isl_budget(MAX_OPERATIONS, f"estimating the work of loop {info.name}"):
                        instances, entries = _work(node, context)
                        out[id(info)] = _condition(build, rename, instances, entries, info.min_work)
                except (isl.Error, BudgetExceeded):
                    out[id(info)] = None
                return  # no parallel loop inside a parallel one
        for k in range(node.n_children()):
            visit(node.child(k))

    visit(tree.get_root())
    return out


def _condition(build: isl.AstBuild, rename: dict[str, str], instances, entries, threshold: int) -> ce.CExpr:
    """``instances >= threshold * entries`` in C, printed by ``build`` (over the parameters)."""

    def product(factors) -> ce.CExpr:
        out: ce.CExpr = ce.IntLit(1)
        for f in factors:
            out = ce.mul(out, isl_expr(build.expr_from_pw_aff(f), rename))
        return out

    total: ce.CExpr = ce.IntLit(0)
    for factors in instances:
        total = ce.add(total, product(factors))
    return ce.Binary(">=", total, ce.mul(ce.IntLit(threshold), product(entries)))


def _work(node: isl.ScheduleNode, context: isl.Set):
    """(per statement below ``node``, the extents of its iterators; the extents of the schedule
    dimensions around ``node``)."""
    domain = node.get_domain().intersect_params(context)
    generic = _generic_point(context)
    sets: list[isl.Set] = []
    domain.foreach_set(sets.append)
    instances = tuple(_extents(s, generic) for s in sets if not s.is_empty())
    around = node.get_prefix_schedule_union_map().intersect_domain(domain).range()
    entries = _extents(isl.Set.from_union_set(around), generic) if not around.is_empty() else ()
    return instances, entries


def _extents(s: isl.Set, generic: isl.Set) -> tuple[isl.PwAff, ...]:
    """Per dimension of ``s``, its number of values (max - min + 1) as a function of the parameters;
    dimensions with a single value are left out.

    An extent that differs between cases of the parameters is kept short, since an estimate need
    not be exact: when no case exceeds a constant, that constant (a filter's taps: 3 rather than
    ``H == 1 ? 1 : ...``); else the case that holds for large parameters (a wavefront's count of
    tiles, rather than one case per remainder of the sizes by the tile size)."""
    out = []
    for k in range(s.dim(isl.dim_type.set)):
        extent = (s.dim_max(k) - s.dim_min(k) + 1).coalesce()
        pieces = extent.get_pieces()
        if len(pieces) > 1:
            bound = _max_val(extent)
            if bound is not None:
                extent = isl.PwAff.val_on_domain(extent.domain(), bound)
            else:
                where, aff = next(((w, a) for w, a in pieces if not w.intersect(generic).is_empty()), pieces[-1])
                extent = isl.PwAff.from_aff(aff)
            pieces = extent.get_pieces()
        if len(pieces) == 1 and pieces[0][1].is_cst() and pieces[0][1].get_constant_val().is_one():
            continue
        out.append(extent)
    return tuple(out)


def _max_val(extent: isl.PwAff) -> isl.Val | None:
    """The largest value of ``extent``, or None when there is none (or isl cannot tell: a bound
    with a division)."""
    try:
        bound = extent.max_val()
    except isl.Error:
        return None
    return bound if bound.is_int() else None


def _generic_point(context: isl.Set) -> isl.Set:
    """One value of the parameters, every one large (thousands) and all different."""
    large = context
    for k in range(context.dim(isl.dim_type.param)):
        large = large.lower_bound_val(isl.dim_type.param, k, isl.Val(1000 * (k + 2) + 7 * k))
    if large.is_empty():
        return context
    return isl.Set.from_point(large.sample_point())
