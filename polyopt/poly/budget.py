"""One operation budget for every isl computation that can blow up.

isl counts "operations" (tableau pivots) per context and, once a maximum is set, fails the
computation that exceeds it.  polyopt runs every computation whose cost depends on the user's
program -- dataflow analysis, the scheduler's ILPs, AST generation, the emitted-code check --
inside :func:`isl_budget`, so that no input can make it wait without bound: the computation stops
with :class:`~polyopt.errors.BudgetExceeded`, which names what was being done and a way out.

The limit is sticky context state in isl; the context manager restores the limit that was in force
before and restarts the count, on every exit.

isl reports an exhausted quota only through its message text, which islpy passes on as a plain
``isl.Error``.  To tell a quota failure from any other isl failure without reading that text, the
manager runs a small probe computation (a lexmin that needs tableau pivots) while the count is
still exhausted: it fails exactly when the quota is spent.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

import islpy as isl

from ..errors import BudgetExceeded

CTX = isl.DEFAULT_CONTEXT

# Budgets in isl operations, measured on this project's suite (Intel Sapphire Rapids, islpy 2026.2.2;
# isl performs roughly 1-3 million operations per second): the largest need of any suite kernel is
# noted next to each value, so a budget stops only computations far beyond anything seen there.
DEPENDENCES = 20_000_000  # suite max ~2e5 (deriche); the fuzzer's worst program ~1.5e7 in 3 s
SCHEDULE = 20_000_000
AST = 12_000_000  # every suite kernel under every scheduler needs < 1e7 (conv2d, stencil3d27 under isl)
VERIFY = 10_000_000  # suite max ~3e6 (conv2d, stencil3d27 with full/partial tiles)
VERIFY_INSTANCES = 3_000_000  # suite max ~1e6; wavefront tiles' projections can need far more

_PROBE = isl.BasicSet("{ [x, y] : x + y >= 1 and x - y <= 3 and x >= 0 and y >= 0 and 2x + 3y <= 17 }")


def quota_spent() -> bool:
    """Whether the current budget is used up (the probe computation fails)."""
    try:
        _PROBE.lexmin()
    except isl.Error:
        return True
    return False


_CAP: contextvars.ContextVar[int | None] = contextvars.ContextVar("polyopt_isl_cap", default=None)


@contextmanager
def capped(operations: int):
    """Within the body, no :func:`isl_budget` grants more than ``operations``: the autotuner gives a
    candidate no more isl work than its remaining time allows (a candidate whose code isl could
    generate only after 12 million operations kept jacobi_1d's tuning 30 s past its budget)."""
    token = _CAP.set(operations)
    try:
        yield
    finally:
        _CAP.reset(token)


@contextmanager
def isl_budget(operations: int, what: str, hint: str = ""):
    """Run the body under a budget of ``operations`` isl operations (fewer inside :func:`capped`).

    Raises :class:`BudgetExceeded` naming ``what`` (e.g. "dependence analysis of 'kern'") when the
    budget is spent; any other ``isl.Error`` propagates unchanged.  The previous limit is restored
    on exit, with a fresh count.
    """
    cap = _CAP.get()
    operations = operations if cap is None else min(operations, cap)
    previous = CTX.get_max_operations()
    CTX.set_max_operations(operations)
    CTX.reset_operations()
    try:
        yield
    except isl.Error as exc:
        if quota_spent():
            raise BudgetExceeded(f"{what} gave up after {operations:,} isl operations",
                                 hint=hint or "this input is beyond what polyopt can analyse exactly; "
                                 "simplify the kernel (fewer // and % subscripts, conditions or statements)",
                                 operations=operations) from exc
        raise
    finally:
        CTX.set_max_operations(previous)
        CTX.reset_operations()
