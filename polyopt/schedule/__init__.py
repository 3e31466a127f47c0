"""The schedule stage: Dependences -> Schedule.

``compute_schedule`` (implemented in :mod:`.driver`) runs the chosen scheduler, then the passes
(:mod:`.passes`: loop order, tiling, wavefront, sinking, distribution, loop kinds) that record every
decision in a plan (:mod:`.plan`), and checks the result against every dependence.  This package
module stays light on purpose: importing ``polyopt`` (which needs :class:`ScheduleOptions`) must
not import isl; the heavy modules load on first use.
"""

from __future__ import annotations

from .options import ScheduleOptions

__all__ = ["compute_schedule", "Schedule", "ScheduleOptions"]


def compute_schedule(deps, options: ScheduleOptions | None = None, plan=None):
    """A legal :class:`Schedule` of ``deps.scop`` for ``options`` (defaults if None), or following
    ``plan`` (a :class:`~polyopt.schedule.plan.Plan`)."""
    from .driver import compute_schedule as compute

    return compute(deps, options, plan)


def __getattr__(name: str):
    if name == "Schedule":
        from .schedule import Schedule

        return Schedule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
