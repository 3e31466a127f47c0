"""The schedule stage: Dependences -> Schedule.

``compute_schedule`` (implemented in :mod:`.driver`) runs the chosen scheduler, post-processes
its tree (tiling, wavefront, intra-tile order, loop kinds) and checks the result against every
dependence.  This package module stays light on purpose: importing ``polyopt`` (which needs
:class:`ScheduleOptions`) must not import isl; the heavy modules load on first use.
"""

from __future__ import annotations

from .options import ScheduleOptions

__all__ = ["compute_schedule", "Schedule", "ScheduleOptions"]


def compute_schedule(deps, options: ScheduleOptions | None = None):
    """A legal, post-processed :class:`Schedule` of ``deps.scop`` for ``options`` (defaults if None)."""
    from .driver import compute_schedule as compute

    return compute(deps, options)


def __getattr__(name: str):
    if name == "Schedule":
        from .schedule import Schedule

        return Schedule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
