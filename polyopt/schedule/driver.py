"""The schedule stage driver: Dependences -> Schedule (see :func:`compute_schedule`).

Runs the chosen scheduler (ours in :mod:`.pluto`, isl's in :mod:`.isl_scheduler`, or the original
order in :mod:`.original`) -- or takes a plan's tree --, names the loops (:mod:`.names`), runs the
passes (:mod:`.passes`: order, tile, wavefront, sink, distribute, jam, kinds), builds the final isl
schedule tree with loop marks (:mod:`.tree`) and checks it against every dependence
(:func:`polyopt.analysis.legality.check_legal`) before returning it with its plan.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict, replace

import islpy as isl

from .. import hardware
from ..analysis.dependences import Dependences
from ..analysis.legality import check_legal
from ..errors import BudgetExceeded, ScheduleError
from ..frontend import syntax as sx
from ..poly import budget
from .fusion import explain
from .isl_scheduler import isl_tree
from .loops import SERIAL, BandInfo, LoopInfo
from .names import name_loops
from .options import ScheduleOptions
from .original import original_tree
from .passes import run_passes
from .plan import BandPlan, Plan
from .pluto import PlutoScheduler, PlutoStuck
from .schedule import Schedule
from .tree import Band, Node, Sequence, fusion_groups, member_name, rows_of, statements_of, to_isl, walk


@contextmanager
def _timed(timings: list, name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings.append((name, time.perf_counter() - start))


def compute_schedule(deps: Dependences, options: ScheduleOptions | None = None,
                     plan: Plan | None = None) -> Schedule:
    """A legal schedule of ``deps.scop`` for ``options`` (default options if None); with ``plan``,
    the plan's tree and decisions (its options replace ``options``), checked like any other."""
    if plan is not None:
        options = plan.schedule_options()
    options = options or ScheduleOptions()
    try:
        return _compute(deps, options, plan)
    except isl.Error as exc:  # translate at the layer boundary
        raise ScheduleError(f"scheduling '{deps.scop.name}' failed in isl: {exc}",
                            hint="this is a polyopt bug; please report the kernel") from exc


def _compute(deps: Dependences, options: ScheduleOptions, plan: Plan | None) -> Schedule:
    scop = deps.scop
    timings: list = []
    scheduler = options.scheduler
    with _timed(timings, scheduler if plan is None else "plan"):
        if plan is not None:
            tree, notes = _plan_tree(plan, scop), plan.notes
        else:
            key = ("scheduler tree", scheduler, options.fuse, options.fuse_pairs)
            if key not in deps.memo:  # the same for every tiling and loop-kind option
                deps.memo[key] = _scheduler_tree(deps, options)
            tree, notes = deps.memo[key]
    decisions: list[str] = []
    transforms = {s.name: tuple(r.text(s.iterators) for r in rows_of(tree, s.name)) for s in scop.statements
                  if s.name in statements_of(tree)}
    if scheduler == "none":
        if plan is not None:
            _check_untransformed(plan)
        final = _serial(tree, scop)
        bands, band_plans = _original_bands(final)
        decisions.append("scheduler=none: the original loop order, untransformed")
    else:
        with budget.isl_budget(budget.SCHEDULE, f"tiling '{scop.name}'"):
            given = plan.bands if plan is not None and plan.bands else None
            result = run_passes(tree, deps, options, given)
        final, bands, band_plans = result.tree, result.bands, result.plan
        decisions += result.decisions
        timings += list(result.timings)
    with _timed(timings, "isl tree"):
        isl_schedule = to_isl(final, scop, marks=True)
    decisions[:0] = list(scop.rewrites) + explain(notes, isl_schedule, scop)
    with _timed(timings, "legality"), budget.isl_budget(budget.SCHEDULE, f"checking '{scop.name}'"):
        check_legal(deps, isl_schedule)
    fusion = fusion_groups(final)
    made = Plan(scop.name, _options_dict(options), tree, band_plans, fusion, tuple(notes))
    math = vector_math(scop, options)
    if math:
        decisions.append(f"SIMD loops call the vector variants of {', '.join(math)} "
                         "(glibc's libmvec, within 4 ulp; vector_math=False for the scalar ones)")
    return Schedule(scop, deps, isl_schedule, options, bands=bands, transforms=transforms,
                    fusion=fusion, decisions=tuple(decisions), notes=tuple(notes), timings=tuple(timings),
                    plan=made, vector_math=math)


def vector_math(scop, options: ScheduleOptions) -> tuple[str, ...]:
    """The math functions ``scop`` calls whose SIMD variants its code may use: the rule of
    ``ScheduleOptions.vector_math`` on this machine's C library."""
    if not options.vectorize or options.vector_math is False \
            or options.vector_math is None and options.reassociate is False:
        return ()
    if not hardware.vector_math_library():
        return ()
    used: set[str] = set()
    stack: list[sx.Expr] = [s.body.value for s in scop.statements]
    while stack:
        e = stack.pop()
        if isinstance(e, sx.Call) and e.func.removesuffix("f") in hardware.VECTOR_MATH:  # C's expf too
            used.add(e.func.removesuffix("f"))
        elif isinstance(e, sx.BinOp) and e.op == "**":  # an integer power may be printed as pow()
            used.add("pow")
        stack += sx.children(e)
    return tuple(sorted(used))


def _options_dict(options: ScheduleOptions) -> dict:
    return asdict(options)


def _plan_tree(plan: Plan, scop) -> Node:
    """The scheduler's tree a plan carries, once it is shown to schedule exactly this kernel."""
    if plan.kernel != scop.name:
        raise ScheduleError(f"the plan is for kernel '{plan.kernel}', not '{scop.name}'")
    present = set(statements_of(plan.tree))
    known = {s.name for s in scop.statements}
    if not present <= known:
        raise ScheduleError(f"the plan schedules {', '.join(sorted(present - known))}, which '{scop.name}' "
                            "does not have")
    for s in scop.statements:
        if s.name not in present and not s.domain.is_empty():
            raise ScheduleError(f"the plan does not schedule {s.name}")
        for e in rows_of(plan.tree, s.name) if s.name in present else ():
            if e.coeffs and len(e.coeffs) != s.depth:
                raise ScheduleError(f"the plan's rows for {s.name} have {len(e.coeffs)} iterators, "
                                    f"{s.name} has {s.depth}")
    return plan.tree


def _scheduler_tree(deps: Dependences, options: ScheduleOptions) -> tuple[Node, tuple[str, ...]]:
    """The chosen scheduler's tree (before the passes), its loops named, and its decisions."""
    decisions: list[str] = []
    scop = deps.scop
    if options.scheduler == "none":
        tree = original_tree(scop)
    elif options.scheduler == "isl":
        tree = _isl_or_original(deps, options, decisions)
    else:
        try:
            with budget.isl_budget(budget.SCHEDULE, f"our scheduler on '{scop.name}'"):
                pluto = PlutoScheduler(deps, options.fuse, options.fuse_pairs or ())
                tree = pluto.schedule()
            decisions += pluto.decisions
        except (PlutoStuck, BudgetExceeded) as exc:
            decisions.append(f"pluto: {exc.message}; using isl's scheduler instead")
            tree = _isl_or_original(deps, options, decisions)
    return name_loops(tree, scop), tuple(decisions)


def _isl_or_original(deps: Dependences, options: ScheduleOptions, decisions: list[str]) -> Node:
    """isl's schedule, or the original order (still post-processed) when isl gives up."""
    try:
        return isl_tree(deps, options.fuse)
    except ScheduleError as exc:
        decisions.append(f"{exc.message}; keeping the original loop order")
        return original_tree(deps.scop)


def _check_untransformed(plan: Plan) -> None:
    """A plan of the original loops may repeat what they are, not change them."""
    for k, b in enumerate(plan.bands):
        changed = ((b.order is not None and b.order != b.loops) or b.tile or b.wavefront or b.sink or b.distribute
                   or any(lp.kind != SERIAL for lp in b.kinds or ()))
        if changed:
            raise ScheduleError(f"band {k} of a scheduler='none' plan changes the original loops",
                                hint="scheduler='none' keeps the original order; plan another scheduler's "
                                     "schedule (kernel.schedule(scheduler='pluto').plan)")


def _serial(tree: Node, scop, bands: list | None = None) -> Node:
    """``tree`` (the original loops) with every loop marked serial, so that it keeps its name, and
    numbered by its band (in the order :func:`_original_bands` lists them)."""
    bands = [] if bands is None else bands
    if isinstance(tree, Sequence):
        return Sequence(tuple((names, _serial(child, scop, bands)) for names, child in tree.children))
    if not isinstance(tree, Band):
        return tree
    bands.append(tree)
    infos = tuple(LoopInfo(m.name, SERIAL, "scheduler=none keeps the original loop order",
                           row=member_name(m.exprs, scop), band=len(bands) - 1) for m in tree.members)
    return replace(tree, infos=infos, child=_serial(tree.child, scop, bands))


def _original_bands(tree: Node) -> tuple[tuple[BandInfo, ...], tuple[BandPlan, ...]]:
    infos, plans = [], []
    for node in walk(tree):
        if isinstance(node, Band):
            stmts = node.members[0].statements
            infos.append(BandInfo(stmts, node.infos, False, note="original order"))
            plans.append(BandPlan(stmts, tuple(m.name for m in node.members), False, note="original order"))
    return tuple(infos), tuple(plans)
