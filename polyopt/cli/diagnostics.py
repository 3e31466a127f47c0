"""Errors and warnings about C files printed as gcc prints them: ``file:line:col: error: message``.

Used by ``polyopt cc`` and ``polyopt gcc`` so that editors and build logs pick the messages up like
the compiler's own: the message line, the source line with a caret under the column, and the hint
as a ``note:``.
"""

from __future__ import annotations

from ..errors import Diagnostic, KernelSyntaxError, PolyoptError


def gcc_style(exc: PolyoptError, severity: str = "error", prog: str = "polyopt") -> str:
    """Every problem of ``exc`` in gcc's format (one block per problem)."""
    if isinstance(exc, KernelSyntaxError):
        diagnostics = list(exc.diagnostics)
    else:
        diagnostics = [Diagnostic(exc.location, exc.message, exc.hint)]
    return "\n".join(_one(d, severity, prog) for d in diagnostics)


def _one(d: Diagnostic, severity: str, prog: str) -> str:
    loc = d.location
    if loc is None:
        out = [f"{prog}: {severity}: {d.message}"]
        if d.hint:
            out.append(f"{prog}: note: {d.hint}")
        return "\n".join(out)
    out = [f"{loc}: {severity}: {d.message}"]
    if loc.source_line:
        text = loc.source_line.rstrip("\n").expandtabs(1)
        gutter = f"{loc.line:5d}"
        out.append(f"{gutter} | {text}")
        out.append(f"{' ' * len(gutter)} | {' ' * loc.col}^")
    if d.hint:
        out.append(f"{loc}: note: {d.hint}")
    return "\n".join(out)
