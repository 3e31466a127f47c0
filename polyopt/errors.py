"""The error hierarchy of polyopt.

Every failure a user can meet is a :class:`PolyoptError`.  Errors that come from the user's
kernel carry one or more :class:`SourceLocation` objects and render as ``file:line:col``, the
source line, a caret under the offending column, and a hint saying what to do instead.
Failures of isl and of the C compiler are translated into these classes at the layer boundary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """A position in the user's source: 1-based line, 0-based column (as Python's ``ast``)."""

    file: str
    line: int
    col: int
    source_line: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"

    def render(self) -> str:
        """``file:line:col`` followed by the source line and a caret under the column."""
        if not self.source_line:
            return str(self)
        text = self.source_line.rstrip("\n")
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        caret = " " * max(self.col - indent, 0) + "^"
        return f"{self}\n    {stripped}\n    {caret}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the user's kernel: where, what, and what is allowed instead."""

    location: SourceLocation | None
    message: str
    hint: str = ""

    def render(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        lines = [head]
        if self.location and self.location.source_line:
            lines.extend(self.location.render().splitlines()[1:])
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)


class PolyoptError(Exception):
    """Root of every error polyopt raises on purpose."""

    def __init__(self, message: str, *, location: SourceLocation | None = None, hint: str = ""):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        return Diagnostic(self.location, self.message, self.hint).render()

    def __reduce__(self):
        # every attribute as it is: the default (``cls(*args)``) cannot call the keyword-only
        # constructors of the subclasses; errors cross a process boundary (polyopt.poly.deadline)
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type, args: tuple, state: dict) -> PolyoptError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InternalError(PolyoptError):
    """A bug in polyopt itself, surfaced as a PolyoptError that keeps the original exception as cause."""


class KernelSyntaxError(PolyoptError):
    """The kernel is outside the class polyopt accepts.  Holds every problem found, not just one."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], kernel_name: str = ""):
        self.diagnostics = tuple(diagnostics)
        self.kernel_name = kernel_name
        first = self.diagnostics[0]
        PolyoptError.__init__(self, first.message, location=first.location, hint=first.hint)

    def _render(self) -> str:
        n = len(self.diagnostics)
        what = f"kernel '{self.kernel_name}'" if self.kernel_name else "kernel"
        head = f"{n} problem{'s' if n != 1 else ''} in {what}:"
        return head + "\n" + "\n".join(d.render() for d in self.diagnostics)


class ModelError(PolyoptError):
    """Building the polyhedral model failed (an isl failure on a construct the frontend accepted)."""


class ScheduleError(PolyoptError):
    """A schedule could not be computed or a requested transformation is impossible."""


class IllegalScheduleError(ScheduleError):
    """A schedule violates a dependence.  ``violation`` names the dependence and a pair of iterations."""

    def __init__(self, message: str, *, violation: object = None, hint: str = ""):
        self.violation = violation
        super().__init__(message, hint=hint)


class BudgetExceeded(PolyoptError):
    """An isl computation (dataflow analysis, scheduling ILP, AST generation, the emitted-code
    check) used up its operation budget; the message names the computation and a way out."""

    def __init__(self, message: str, *, hint: str = "", operations: int = 0):
        self.operations = operations
        super().__init__(message, hint=hint)


class TimeLimitExceeded(BudgetExceeded):
    """An isl computation ran past its wall-clock limit (:mod:`polyopt.poly.deadline`): isl does not
    count operations everywhere, so an operation budget alone cannot stop every computation."""

    def __init__(self, message: str, *, hint: str = "", seconds: float = 0.0):
        self.seconds = seconds
        super().__init__(message, hint=hint)


class OptionError(PolyoptError):
    """An option has an unknown name or value."""


class CodegenError(PolyoptError):
    """C generation failed."""


class CompileError(PolyoptError):
    """The C compiler rejected generated code; the message shows its output and the C file's path."""

    def __init__(self, message: str, *, c_file: str = "", compiler_output: str = ""):
        self.c_file = c_file
        self.compiler_output = compiler_output
        super().__init__(message)


class ArgumentError(PolyoptError, TypeError):
    """A compiled kernel was called with arguments that do not match its signature."""


# The package's own folder, with a trailing separator: a frame is internal when its file is
# inside it.  (Not a "/polyopt/" substring test: a clone is itself usually a folder named polyopt.)
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")


def _user_frames(tb):
    """The traceback without polyopt's own frames (the user's code stays, in order)."""
    import types

    kept = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for entry in reversed(kept):
        out = types.TracebackType(out, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return out


def user_facing(fn):
    """Decorator for public entry points: a PolyoptError escapes without polyopt's internal frames.

    The message already names the place in the user's source; frames from inside polyopt would
    only bury it, and so would the exception it was translated from (an ``isl.Error``, an
    ``OSError``), except for an :class:`InternalError`, which keeps its cause for bug reports.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PolyoptError as exc:
            cause = exc.__cause__ if isinstance(exc, InternalError) else None
            raise exc.with_traceback(_user_frames(exc.__traceback__)) from cause

    return wrapper
