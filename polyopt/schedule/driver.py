"""The schedule stage driver: Dependences -> Schedule (see :func:`compute_schedule`).

Runs the chosen scheduler (ours in :mod:`.pluto`, isl's in :mod:`.isl_scheduler`, or the original
order in :mod:`.original`), post-processes the tree (:mod:`.postprocess`: tiling, wavefront,
intra-tile order, loop kinds), builds the final isl schedule tree with loop marks (:mod:`.tree`)
and checks it against every dependence (:func:`polyopt.analysis.legality.check_legal`) before
returning it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import islpy as isl

from ..analysis.dependences import Dependences
from ..analysis.legality import check_legal
from ..errors import BudgetExceeded, ScheduleError
from ..poly import budget
from .isl_scheduler import isl_tree
from .options import ScheduleOptions
from .original import original_tree
from .pluto import PlutoScheduler, PlutoStuck
from .postprocess import PostProcessor
from .schedule import SERIAL, BandInfo, LoopInfo, Schedule
from .tree import Band, Node, Sequence, rows_of, statements_of, to_isl, walk


@contextmanager
def _timed(timings: list, name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings.append((name, time.perf_counter() - start))


def compute_schedule(deps: Dependences, options: ScheduleOptions | None = None) -> Schedule:
    """A legal, post-processed schedule of ``deps.scop`` for ``options`` (default options if None)."""
    options = options or ScheduleOptions()
    try:
        return _compute(deps, options)
    except isl.Error as exc:  # translate at the layer boundary
        raise ScheduleError(f"scheduling '{deps.scop.name}' failed in isl: {exc}",
                            hint="this is a polyopt bug; please report the kernel") from exc


def _compute(deps: Dependences, options: ScheduleOptions) -> Schedule:
    scop = deps.scop
    timings: list = []
    scheduler = options.scheduler
    with _timed(timings, scheduler):
        key = ("scheduler tree", scheduler, options.fuse)
        if key not in deps.memo:  # the same for every tiling and loop-kind option
            deps.memo[key] = _scheduler_tree(deps, options)
        tree, decisions = deps.memo[key]
        decisions = list(decisions)
    transforms = {s.name: tuple(r.text(s.iterators) for r in rows_of(tree, s.name)) for s in scop.statements}
    if scheduler == "none":
        bands = _original_bands(tree)
        decisions.append("scheduler=none: the original loop order, untransformed")
        final = tree
    else:
        with _timed(timings, "postprocess"), budget.isl_budget(budget.SCHEDULE, f"tiling '{scop.name}'"):
            post = PostProcessor(deps, options)
            final = post.run(tree)
            bands = tuple(post.bands)
            decisions += post.decisions
    with _timed(timings, "isl tree"):
        isl_schedule = to_isl(final, scop, marks=scheduler != "none")
    with _timed(timings, "legality"), budget.isl_budget(budget.SCHEDULE, f"checking '{scop.name}'"):
        check_legal(deps, isl_schedule)
    return Schedule(scop, deps, isl_schedule, options, bands=bands, transforms=transforms,
                    fusion=_fusion(final), decisions=tuple(decisions), timings=tuple(timings))


def _scheduler_tree(deps: Dependences, options: ScheduleOptions) -> tuple[Node, tuple[str, ...]]:
    """The chosen scheduler's tree (before post-processing) and its decisions."""
    decisions: list[str] = []
    if options.scheduler == "none":
        return original_tree(deps.scop), ()
    if options.scheduler == "isl":
        return _isl_or_original(deps, options, decisions), tuple(decisions)
    try:
        with budget.isl_budget(budget.SCHEDULE, f"our scheduler on '{deps.scop.name}'"):
            pluto = PlutoScheduler(deps, options.fuse)
            tree = pluto.schedule()
        decisions += pluto.decisions
    except (PlutoStuck, BudgetExceeded) as exc:
        decisions.append(f"pluto: {exc.message}; using isl's scheduler instead")
        tree = _isl_or_original(deps, options, decisions)
    return tree, tuple(decisions)


def _isl_or_original(deps: Dependences, options: ScheduleOptions, decisions: list[str]) -> Node:
    """isl's schedule, or the original order (still post-processed) when isl gives up."""
    try:
        return isl_tree(deps, options.fuse)
    except ScheduleError as exc:
        decisions.append(f"{exc.message}; keeping the original loop order")
        return original_tree(deps.scop)


def _original_bands(tree: Node) -> tuple[BandInfo, ...]:
    out = []
    for node in walk(tree):
        if isinstance(node, Band):
            loops = tuple(LoopInfo(m.name, SERIAL, "scheduler=none keeps the original loop order")
                          for m in node.members)
            out.append(BandInfo(node.members[0].statements, loops, False, note="original order"))
    return tuple(out)


def _fusion(tree: Node) -> tuple[tuple[str, ...], ...]:
    """Groups of statements sharing their outermost loop (one group per top-level loop nest)."""
    if isinstance(tree, Sequence):
        groups = []
        for names, child in tree.children:
            groups += list(_fusion(child)) if isinstance(child, Sequence) else [tuple(names)]
        return tuple(groups)
    return (statements_of(tree),)
