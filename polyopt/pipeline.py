"""The ordered passes from a Python function to a callable, with per-pass timing.

This is the only module that knows the order of the stages:

    parse -> scop -> dependences -> schedule -> codegen -> compile

Each pass is a function from one frozen stage object to the next.  A failure that is not already
a :class:`PolyoptError` is re-raised as one that names the pass (the original exception stays
attached as ``__cause__``), so a user never sees a bare traceback from deep inside a stage.

Stage modules are imported inside the pass functions on purpose: with a warm disk cache a process
calls a kernel without running (or even importing) isl, the scheduler or the code generator.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from .errors import CodegenError, InternalError, PolyoptError


@dataclass
class PassTimes:
    """Seconds spent per pass, in the order the passes ran; ``parts`` splits a pass's time into its
    own passes (``("schedule", "tile", 0.01)``: the schedule stage's tile pass)."""

    entries: list[tuple[str, float]] = field(default_factory=list)
    parts: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.entries.append((name, seconds))

    def add_part(self, stage: str, name: str, seconds: float) -> None:
        self.parts.append((stage, name, seconds))

    def total(self) -> float:
        return sum(s for _, s in self.entries)

    def __str__(self) -> str:
        width = max([len(n) for n, _ in self.entries] + [len(n) + 2 for _, n, _ in self.parts], default=4)
        lines = []
        shown = set()
        for n, s in self.entries:
            lines.append(f"{n:<{width}}  {s * 1e3:9.2f} ms")
            if n in shown:
                continue
            shown.add(n)
            parts: dict[str, float] = {}
            for stage, part, sec in self.parts:
                if stage == n:
                    parts[part] = parts.get(part, 0.0) + sec
            lines += [f"  {part:<{width - 2}}  {sec * 1e3:9.2f} ms" for part, sec in parts.items()]
        lines.append(f"{'total':<{width}}  {self.total() * 1e3:9.2f} ms")
        return "\n".join(lines)


@contextmanager
def run_pass(name: str, times: PassTimes | None = None):
    """Time a pass and translate unexpected exceptions into a PolyoptError naming it."""
    start = time.perf_counter()
    try:
        yield
    except PolyoptError:
        raise
    except Exception as exc:
        raise InternalError(f"internal error in pass '{name}': {type(exc).__name__}: {exc}",
                           hint="this is a polyopt bug; please report it with the kernel") from exc
    finally:
        if times is not None:
            times.add(name, time.perf_counter() - start)


def parse(func, times: PassTimes | None = None):
    from .frontend import parse_kernel

    with run_pass("parse", times):
        return parse_kernel(func)


def scop(kernel_def, times: PassTimes | None = None, promote: bool = False,
         accumulators: frozenset[str] | None = None):
    """The polyhedral model of ``kernel_def``; with ``promote``, of the kernel with its accumulators
    promoted to the elements they are stored into (:mod:`polyopt.poly.promote`; ``accumulators``:
    the scalars that may be, default every local); ``Scop.sources`` then says what each statement
    was (a front end that prints the statements' original text rewrites it so)."""
    from dataclasses import replace

    from .poly.build import build_scop
    from .poly.promote import promote_accumulators

    with run_pass("scop", times):
        model = build_scop(kernel_def)
        if not promote:
            return model
        promoted = promote_accumulators(kernel_def, model, accumulators)
        if not promoted.promotions:
            return model
        model = build_scop(promoted.kernel)
        return replace(model, rewrites=tuple(p.text() for p in promoted.promotions),
                       sources=tuple(promoted.origin(s.body) for s in model.statements))


def dependences(scop_, times: PassTimes | None = None):
    from .analysis.dependences import compute_dependences

    with run_pass("dependences", times):
        return compute_dependences(scop_)


def schedule(deps, options, times: PassTimes | None = None, plan=None):
    from .schedule import compute_schedule

    with run_pass("schedule", times):
        result = compute_schedule(deps, options, plan)
    if times is not None:
        for name, seconds in result.timings:
            times.add_part("schedule", name, seconds)
    return result


def codegen(sched, times: PassTimes | None = None):
    from .codegen import generate_c

    with run_pass("codegen", times):
        program = generate_c(sched)
    if times is not None and program.verified:
        times.add_part("codegen", "emitted-code check", program.verify_seconds)
    return program


# What to try, in order, when isl cannot give proved code for a schedule
# the last one also without private copies of argument arrays (the emitted-code check proves them
# or refuses the code)
SIMPLER = ({"tile": False}, {"scheduler": "none", "tile": False, "private_arrays": False})


def generate_with_fallback(options, build, fixed: bool = False):
    """``build(options) -> (schedule, result)``, retried with simpler options when isl cannot give
    proved code for the schedule (a :class:`~polyopt.errors.CodegenError`: its code generator or
    the emitted-code check over budget, or every AST it built wrong): the same options untiled,
    then the original loop order without private copies of argument arrays.  A refusal of a valid
    kernel is worse than slower code; the schedule's explanation says what happened.  ``fixed``: the
    schedule was asked for (a plan), and is never replaced."""

    try:
        return build(options)
    except CodegenError as exc:
        if fixed:
            raise
        why = str(exc).splitlines()[0]
        for change in SIMPLER:
            simpler = replace(options, **change)
            if simpler == options:
                continue
            try:
                sched, result = build(simpler)
            except CodegenError:
                continue
            what = ", ".join(f"{k}={v!r}" for k, v in change.items())
            note = f"fallback: {why}; compiled with {what} instead"
            return replace(sched, decisions=sched.decisions + (note,)), result
        raise


def compile_program(program, kernel_def, times: PassTimes | None = None):
    from .runtime import load

    with run_pass("compile", times):
        return load(program, kernel_def)
