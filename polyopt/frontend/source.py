"""Retrieving a kernel's Python source and mapping AST positions back to the original file.

First step of the frontend (Python function -> source text + ``ast`` tree -> KernelDef).  The
source of a nested function is indented, so it must be dedented before ``ast.parse``; every
location reported to the user is mapped back to the line and column of the ORIGINAL file text,
so that carets point at the right character in nested functions too.
"""

from __future__ import annotations

import ast
import inspect
import warnings
from dataclasses import dataclass

from ..errors import PolyoptError, SourceLocation


@dataclass(frozen=True)
class KernelSource:
    """The retrieved source of one kernel function and its parsed ``def``."""

    file: str
    text: str  # exactly as retrieved (not dedented)
    first_line: int  # 1-based file line of the first retrieved line (a decorator or the def)
    lines: tuple[str, ...]  # the retrieved lines, without line endings
    removed: tuple[int, ...]  # characters of indentation removed from each line before parsing
    parsed_lines: tuple[str, ...]  # the lines as given to ast.parse
    tree: ast.FunctionDef

    def loc(self, node: ast.AST) -> SourceLocation:
        """The location of ``node`` in the original file: 1-based line, 0-based character column."""
        k = getattr(node, "lineno", 1) - 1
        k = min(max(k, 0), len(self.lines) - 1)
        # ast columns are UTF-8 byte offsets into the parsed line; report characters instead,
        # which is what the caret renderer counts.
        raw = self.parsed_lines[k].encode("utf-8")[: getattr(node, "col_offset", 0)]
        col = len(raw.decode("utf-8", errors="replace")) + self.removed[k]
        return SourceLocation(self.file, self.first_line + k, col, self.lines[k])

    @property
    def def_line(self) -> int:
        """The file line of the ``def`` keyword (after any decorators)."""
        return self.first_line + self.tree.lineno - 1


def _dedent(lines: list[str]) -> tuple[list[str], list[int]]:
    """Remove the first line's indentation from every line that has it.

    Unlike ``textwrap.dedent`` this never fails on a less-indented line inside a multi-line
    string (such lines are kept as they are; the tokenizer ignores indentation inside strings),
    and it records how much was removed per line so columns can be mapped back.
    """
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip())]
    out, removed = [], []
    for line in lines:
        if indent and line.startswith(indent):
            out.append(line[len(indent):])
            removed.append(len(indent))
        else:
            out.append("" if not line.strip() else line)
            removed.append(0)
    return out, removed


def retrieve_source(func) -> KernelSource:
    """Find, dedent and parse the source of ``func``; raises PolyoptError when there is none."""
    name = getattr(func, "__name__", "?")
    code = getattr(func, "__code__", None)
    file = code.co_filename if code is not None else "<unknown>"
    try:
        raw_lines, first_line = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise PolyoptError(
            f"cannot retrieve the source code of kernel '{name}' (defined in {file}): {exc}",
            hint="polyopt reads the kernel's source text: define it with `def` in a .py file or a "
                 "notebook cell, not in a string passed to exec() or in an interactive console") from exc
    if not raw_lines:
        raise PolyoptError(f"the source code of kernel '{name}' is empty",
                           hint="define the kernel with `def` in a .py file or a notebook cell")
    text = "".join(raw_lines)
    lines = [ln.rstrip("\r\n") for ln in raw_lines]
    parsed, removed = _dedent(lines)
    first_line = max(first_line, 1)
    try:
        # Python already showed any SyntaxWarning when it compiled the function
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = ast.parse("\n".join(parsed) + "\n", filename=file)
    except SyntaxError as exc:
        raise PolyoptError(
            f"cannot parse the source code of kernel '{name}': {exc.msg}",
            location=SourceLocation(file, first_line + (exc.lineno or 1) - 1, 0,
                                    lines[min(max((exc.lineno or 1) - 1, 0), len(lines) - 1)]),
            hint="the source file may have changed since the kernel was defined; reload it") from exc
    tree = module.body[0] if module.body else None
    where = SourceLocation(file, first_line, len(lines[0]) - len(lines[0].lstrip()), lines[0])
    if name == "<lambda>":
        raise PolyoptError("a kernel cannot be a lambda", location=where,
                           hint="define the kernel with `def name(args): ...`")
    if isinstance(tree, ast.AsyncFunctionDef):
        raise PolyoptError(f"kernel '{name}' is an `async def`", location=where,
                           hint="a kernel is a plain `def` function")
    if not isinstance(tree, ast.FunctionDef) or tree.name != name:
        raise PolyoptError(
            f"the source retrieved for kernel '{name}' is not its `def {name}` statement",
            location=where,
            hint="the source file may have changed since the kernel was defined; reload it")
    return KernelSource(file, text, first_line, tuple(lines), tuple(removed), tuple(parsed), tree)
