"""scheduler="isl": isl's own scheduler (Dependences -> schedule tree, before post-processing).

Validity, proximity and coincidence constraints are all the dependences.  The fusion policy maps
onto isl's options: ``"none"`` serializes strongly connected components, ``"max"`` schedules whole
components at once, ``"smart"`` keeps isl's defaults.  Options are set on ``isl.DEFAULT_CONTEXT``
for the call only and restored afterwards, and the computation runs under an operation budget and
(isl does not count operations everywhere) a wall-clock limit (:mod:`polyopt.poly.deadline`).
"""

from __future__ import annotations

from contextlib import contextmanager

import islpy as isl

from ..analysis.dependences import Dependences
from ..errors import BudgetExceeded, ScheduleError
from ..poly import budget, deadline
from .farkas import dependence_pieces
from .tree import Node, Sequence, from_isl, statements_of

MAX_OPERATIONS = 5_000_000  # adi needs between 0.2M and 1M
MAX_COEFFICIENT = 8


@contextmanager
def _isl_options(**values):
    """Set ``schedule_<name>`` options on the default context; restore the previous values."""
    ctx = isl.DEFAULT_CONTEXT
    saved = {name: getattr(ctx, f"get_schedule_{name}")() for name in values}
    try:
        for name, value in values.items():
            getattr(ctx, f"set_schedule_{name}")(value)
        yield
    finally:
        for name, value in saved.items():
            getattr(ctx, f"set_schedule_{name}")(value)


def isl_tree(deps: Dependences, fuse: str) -> Node:
    """isl's schedule for ``deps`` as our tree."""
    scop = deps.scop
    alldeps = isl.UnionMap.empty(scop.context.get_space())
    for edge in deps.edges:  # uncoalesced simple pieces: far cheaper for isl than deps.all
        for piece in dependence_pieces(edge, scop):
            alldeps = alldeps.union(piece.to_union_map())
    constraints = (isl.ScheduleConstraints.on_domain(scop.domain()).set_context(scop.context)
                   .set_validity(alldeps).set_proximity(alldeps).set_coincidence(alldeps))
    with _isl_options(serialize_sccs=int(fuse == "none"), whole_component=int(fuse == "max"),
                      max_coefficient=MAX_COEFFICIENT, outer_coincidence=0):
        what = f"isl's scheduler on '{scop.name}'"

        def compute() -> str:  # a string: what crosses the process boundary of run_bounded
            with budget.isl_budget(MAX_OPERATIONS, what):
                return constraints.compute_schedule().to_str()

        try:
            schedule = isl.Schedule.read_from_str(isl.DEFAULT_CONTEXT, deadline.run_bounded(compute, what))
        except BudgetExceeded as exc:  # the operation budget or the time limit
            raise ScheduleError(exc.message) from exc
        except isl.Error as exc:
            raise ScheduleError(f"isl's scheduler failed on '{scop.name}': {exc}") from exc
    tree = from_isl(schedule, scop)
    present = statements_of(tree)
    missing = tuple(s.name for s in scop.statements if s.name not in present)
    if missing:  # isl drops statements whose domain is empty: they never run, so they go last
        from .original import original_tree

        parts = ((present, tree),) if present else ()
        tree = Sequence(parts + ((missing, original_tree(scop, missing)),))
    return tree
