"""C source text -> pycparser AST of the preprocessed file, and the ``#pragma scop`` regions in it.

First step of the C front end (C file -cfront-> KernelDef -poly-> Scop -> ...).  The file is run
through the C preprocessor (``gcc -E`` with the user's ``-I -D -U -include -std=`` options, see
:class:`CppOptions`), so macros such as sizes and element types defined with ``#define`` are
expanded; line markers keep every node's coordinates in the ORIGINAL file.  Text coming from system
headers is dropped before parsing (pycparser does not accept GCC's extensions there); the type
names those headers define are kept as opaque ``typedef int NAME;`` so that user declarations such
as ``FILE *f`` still parse.  Only the names and shapes of the variables a region uses matter to
polyopt, never the exact type of such opaque declarations.

What is dropped is decided by the FILE a line comes from, never by where a macro was defined: gcc
marks the expansion of a system header's macro in the user's text (``stderr``, or ``POLYBENCH_2D``
when polybench.h sits in a system include directory) with a line marker carrying the system flag
but naming the user's file, and that text is kept.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from pycparser import c_ast, c_parser
from pycparser.c_parser import ParseError

from .. import config
from ..errors import PolyoptError, SourceLocation

# GCC extensions that pycparser does not know, neutralised in the user's own text.
_GNU_DEFINES = ("-D__attribute__(x)=", "-D__extension__=", "-D__restrict__=restrict",
                "-D__restrict=restrict", "-D__inline__=inline", "-D__inline=inline",
                "-D__asm__(x)=", "-D__asm(x)=", "-D__const=const", "-D__volatile__=volatile")
_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"(.*)$')
_PRAGMA_SCOP = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+scop\b", re.M)
_TYPEDEF_NAME = re.compile(r"(?:\(\s*\*\s*(\w+)\s*\))|(\w+)\s*(?:\[[^\]]*\]\s*)*$")


@dataclass(frozen=True)
class CppOptions:
    """The preprocessor options of a C compile, in command-line order where order matters.

    ``macros`` holds ``("-D", "NAME[=VALUE]")`` and ``("-U", "NAME")`` in the order given (gcc
    applies them in that order); ``include_dirs`` are ``-I`` directories, ``quote_dirs`` ``-iquote``
    ones, ``system_dirs`` ``-isystem`` ones; ``includes`` are ``-include`` files; ``std`` is the
    ``-std=`` value (default gnu11).  Relative paths are relative to the current directory.
    """

    include_dirs: tuple[str, ...] = ()
    macros: tuple[tuple[str, str], ...] = ()
    includes: tuple[str, ...] = ()
    quote_dirs: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()
    std: str | None = None
    extra: tuple[str, ...] = field(default=(), compare=True)  # e.g. -fopenmp, -m32: predefined macros

    def args(self) -> list[str]:
        """The options as ``gcc -E`` arguments."""
        out = [f"-std={self.std or 'gnu11'}"]
        for d in self.quote_dirs:
            out += ["-iquote", d]
        for d in self.include_dirs:
            out += ["-I", d]
        for d in self.system_dirs:
            out += ["-isystem", d]
        for flag, value in self.macros:
            out += [flag, value]
        for f in self.includes:
            out += ["-include", f]
        return out + list(self.extra)

    def key(self) -> str:
        """A stable string for cache keys and reports."""
        return " ".join(self.args())


def has_regions(text: str) -> bool:
    """Whether ``text`` contains a ``#pragma scop`` line (a cheap test before preprocessing)."""
    return _PRAGMA_SCOP.search(text) is not None


@dataclass(frozen=True)
class Region:
    """One ``#pragma scop`` ... ``#pragma endscop`` region of a function body."""

    func: c_ast.FuncDef
    block: c_ast.Compound  # the block holding both pragmas
    start: int  # index of the scop pragma in block.block_items
    end: int  # index of the endscop pragma
    first_line: int  # original line of ``#pragma scop`` (1-based)
    last_line: int  # original line of ``#pragma endscop``
    path: tuple  # the nodes from the FuncDef down to ``block`` (for scoping)

    @property
    def items(self) -> list:
        return self.block.block_items[self.start + 1:self.end]


@dataclass(frozen=True)
class ParsedFile:
    """The original text, its preprocessed AST and the regions found in it."""

    text: str
    filename: str
    ast: c_ast.FileAST
    regions: tuple[Region, ...]
    opaque_types: frozenset[str] = frozenset()  # system headers' type names, declared as int

    def loc(self, coord, fallback_line: int = 0) -> SourceLocation:
        """A SourceLocation in the original file for a pycparser coordinate."""
        line = getattr(coord, "line", None) or fallback_line
        col = max((getattr(coord, "column", None) or 1) - 1, 0)
        lines = self.text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        return SourceLocation(self.filename, line, col, source)


def preprocess(text: str, filename: str, *, cpp: str | None = None,
               options: CppOptions | None = None) -> tuple[str, frozenset[str]]:
    """``text`` after the C preprocessor, line markers naming ``filename``, system headers dropped;
    and the type names declared opaque in their place.

    The text is given on standard input (it need not be saved); ``#include "..."`` still finds
    the headers next to ``filename`` (``-iquote`` its directory).
    """
    compiler = cpp or config.current().cc
    if shutil.which(compiler) is None:
        raise PolyoptError(f"the C preprocessor '{compiler}' was not found",
                           hint="install gcc or set POLYOPT_CC to a compiler that accepts -E")
    options = options or CppOptions()
    directory = os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    source = f'#line 1 "{escaped}"\n{text}'
    cmd = [compiler, "-E", "-x", "c", "-iquote", directory, *options.args(), *_GNU_DEFINES, "-"]
    proc = subprocess.run(cmd, input=source, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PolyoptError(f"the C preprocessor failed on {filename}:\n{proc.stderr.strip()}",
                           hint="the file must preprocess cleanly with `gcc -E` and the same -I/-D options")
    return _drop_system_headers(proc.stdout)


def _drop_system_headers(out: str) -> tuple[str, frozenset[str]]:
    """The preprocessed text without the lines of system headers (see the module docstring).

    A file is a system header when gcc entered (flag 1) or returned to (flag 2) it with the system
    flag 3; a marker with flag 3 but neither 1 nor 2 only tags a macro expansion in place."""
    kept: list[str] = []
    dropped: list[str] = []
    system: set[str] = set()
    in_system = False
    for line in out.splitlines():
        m = _MARKER.match(line)
        if m:
            flags = m.group(3).split()
            if "3" in flags and ("1" in flags or "2" in flags):
                system.add(m.group(2))
            in_system = m.group(2) in system
            if not in_system:
                kept.append(line)
            continue
        (dropped if in_system else kept).append(line)
    names = sorted(_typedef_names("\n".join(dropped)))
    prelude = "".join(f"typedef int {n};\n" for n in names)
    return prelude + "\n".join(kept) + "\n", frozenset(names)


def _typedef_names(text: str) -> set[str]:
    """Names declared by ``typedef`` in system-header text (a lexical approximation)."""
    names: set[str] = set()
    depth = 0
    start = 0  # of the declaration that the next top-level ';' ends
    # from brace to brace, not character by character (35 ms of a 1.8 s polyopt cc on <stdio.h>)
    for mark in re.finditer(r"[{};]", text):
        ch = mark.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            stmt = text[start:mark.start()].strip()
            start = mark.end()
            if re.match(r"typedef\b", stmt):
                tail = re.sub(r"\{.*\}", " ", stmt, flags=re.S)
                for part in tail.split(",")[-1:] if "(" in tail else tail.split(","):
                    m = _TYPEDEF_NAME.search(part.strip())
                    if m:
                        names.add(m.group(1) or m.group(2))
    return {n for n in names if n and not n[0].isdigit() and n != "typedef"}


def parse_file(text: str, filename: str = "<input>", *, options: CppOptions | None = None) -> ParsedFile:
    """Preprocess (with ``options``) and parse ``text``; find its regions.  Raises PolyoptError on
    any failure."""
    pre, opaque = preprocess(text, filename, options=options)
    try:
        ast = c_parser.CParser().parse(pre, filename)
    except ParseError as exc:
        raise PolyoptError(f"cannot parse {filename} after preprocessing: {exc}",
                           hint="polyopt's C parser (pycparser) accepts C99 without most GNU "
                                "extensions") from exc
    parsed = ParsedFile(text, filename, ast, (), opaque)
    regions: list[Region] = []
    for node in ast.ext:
        if isinstance(node, c_ast.Pragma) and _pragma_word(node) in ("scop", "endscop"):
            raise PolyoptError(f"#pragma {_pragma_word(node)} outside a function body",
                               location=parsed.loc(node.coord))
        if isinstance(node, c_ast.FuncDef):
            _find_regions(parsed, node, node.body, (node,), regions)
    return ParsedFile(text, filename, ast, tuple(regions), opaque)


def _pragma_word(node) -> str:
    return node.string.strip().split()[0] if isinstance(node, c_ast.Pragma) and node.string.strip() else ""


def _find_regions(parsed: ParsedFile, func, node, path, out: list[Region]) -> None:
    if isinstance(node, c_ast.Compound):
        items = node.block_items or []
        k = 0
        while k < len(items):
            word = _pragma_word(items[k])
            if word == "endscop":
                raise PolyoptError("#pragma endscop without a matching #pragma scop in the same block",
                                   location=parsed.loc(items[k].coord))
            if word == "scop":
                end = next((j for j in range(k + 1, len(items)) if _pragma_word(items[j]) in
                            ("scop", "endscop")), None)
                if end is None or _pragma_word(items[end]) != "endscop":
                    raise PolyoptError("#pragma scop without a matching #pragma endscop in the same block",
                                       location=parsed.loc(items[k].coord),
                                       hint="put #pragma scop and #pragma endscop in the same { } block")
                out.append(Region(func, node, k, end, items[k].coord.line, items[end].coord.line,
                                  path + (node,)))
                k = end + 1
                continue
            _find_regions(parsed, func, items[k], path + (node,), out)
            k += 1
        return
    for _, child in node.children():
        _find_regions(parsed, func, child, path + (node,), out)
