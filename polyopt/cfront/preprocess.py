"""C source text -> pycparser AST of the preprocessed file, and the ``#pragma scop`` regions in it.

First step of the C front end (C file -cfront-> KernelDef -poly-> Scop -> ...).  The file is run
through the C preprocessor (``gcc -E``), so macros such as sizes and element types defined with
``#define`` are expanded; line markers keep every node's coordinates in the ORIGINAL file.  Text
coming from system headers is dropped before parsing (pycparser does not accept GCC's extensions
there); the type names those headers define are kept as opaque ``typedef int NAME;`` so that user
declarations such as ``FILE *f`` still parse.  Only the names and shapes of the variables a region
uses matter to polyopt, never the exact type of such opaque declarations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from pycparser import c_ast, c_parser
from pycparser.c_parser import ParseError

from ..errors import PolyoptError, SourceLocation

# GCC extensions that pycparser does not know, neutralised in the user's own text.
_GNU_DEFINES = ("-D__attribute__(x)=", "-D__extension__=", "-D__restrict__=restrict",
                "-D__restrict=restrict", "-D__inline__=inline", "-D__inline=inline",
                "-D__asm__(x)=", "-D__asm(x)=", "-D__const=const", "-D__volatile__=volatile")
_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"(.*)$')
_TYPEDEF_NAME = re.compile(r"(?:\(\s*\*\s*(\w+)\s*\))|(\w+)\s*(?:\[[^\]]*\]\s*)*$")


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

    def loc(self, coord, fallback_line: int = 0) -> SourceLocation:
        """A SourceLocation in the original file for a pycparser coordinate."""
        line = getattr(coord, "line", None) or fallback_line
        col = max((getattr(coord, "column", None) or 1) - 1, 0)
        lines = self.text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        return SourceLocation(self.filename, line, col, source)


def preprocess(text: str, filename: str, *, cpp: str | None = None) -> str:
    """``text`` after the C preprocessor, line markers naming ``filename``, system headers dropped."""
    compiler = cpp or os.environ.get("CC") or "gcc"
    if shutil.which(compiler) is None:
        raise PolyoptError(f"the C preprocessor '{compiler}' was not found",
                           hint="install gcc or set CC to a compiler that accepts -E")
    directory = os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    source = f'#line 1 "{escaped}"\n{text}'
    cmd = [compiler, "-E", "-x", "c", "-std=gnu11", "-I", directory, *_GNU_DEFINES, "-"]
    proc = subprocess.run(cmd, input=source, capture_output=True, text=True, cwd=directory)
    if proc.returncode != 0:
        raise PolyoptError(f"the C preprocessor failed on {filename}:\n{proc.stderr.strip()}",
                           hint="the file must preprocess cleanly with `gcc -E`")
    return _drop_system_headers(proc.stdout)


def _drop_system_headers(out: str) -> str:
    kept: list[str] = []
    dropped: list[str] = []
    in_system = False
    for line in out.splitlines():
        m = _MARKER.match(line)
        if m:
            in_system = " 3" in m.group(3)
            if not in_system:
                kept.append(line)
            continue
        (dropped if in_system else kept).append(line)
    names = sorted(_typedef_names("\n".join(dropped)))
    prelude = "".join(f"typedef int {n};\n" for n in names)
    return prelude + "\n".join(kept) + "\n"


def _typedef_names(text: str) -> set[str]:
    """Names declared by ``typedef`` in system-header text (a lexical approximation)."""
    names: set[str] = set()
    depth = 0
    chunk: list[str] = []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == ";" and depth == 0:
            stmt = "".join(chunk).strip()
            chunk = []
            if re.match(r"typedef\b", stmt):
                tail = re.sub(r"\{.*\}", " ", stmt, flags=re.S)
                for part in tail.split(",")[-1:] if "(" in tail else tail.split(","):
                    m = _TYPEDEF_NAME.search(part.strip())
                    if m:
                        names.add(m.group(1) or m.group(2))
            continue
        chunk.append(ch)
    return {n for n in names if n and not n[0].isdigit() and n != "typedef"}


def parse_file(text: str, filename: str = "<input>") -> ParsedFile:
    """Preprocess and parse ``text``; find its regions.  Raises PolyoptError on any failure."""
    pre = preprocess(text, filename)
    try:
        ast = c_parser.CParser().parse(pre, filename)
    except ParseError as exc:
        raise PolyoptError(f"cannot parse {filename} after preprocessing: {exc}",
                           hint="polyopt's C parser (pycparser) accepts C99 without most GNU "
                                "extensions") from exc
    parsed = ParsedFile(text, filename, ast, ())
    regions: list[Region] = []
    for node in ast.ext:
        if isinstance(node, c_ast.Pragma) and _pragma_word(node) in ("scop", "endscop"):
            raise PolyoptError(f"#pragma {_pragma_word(node)} outside a function body",
                               location=parsed.loc(node.coord))
        if isinstance(node, c_ast.FuncDef):
            _find_regions(parsed, node, node.body, (node,), regions)
    return ParsedFile(text, filename, ast, tuple(regions))


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
