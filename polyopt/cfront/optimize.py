"""Optimize the ``#pragma scop`` regions of a C file: C text in, C text out (``polyopt cc``).

The driver of the C front end: parse with the user's preprocessor options (:mod:`.preprocess`),
convert each region to a KernelDef (:mod:`.convert`), run the ordinary pipeline (scop ->
dependences -> schedule), decide the region function's interface (:mod:`.interface`) and its
runtime overlap check (:mod:`.alias`), print them with
:func:`polyopt.codegen.region.generate_region`, and splice the result into the ORIGINAL text:

* the lines from ``#pragma scop`` to ``#pragma endscop`` become a call of the region's function
  (``if (check(...)) f(...); else { <the original lines> }`` when a check is needed);
* the functions are inserted just before the function holding the region;
* every other byte is kept.  With ``line_directives``, ``#line`` directives after each change keep
  the compiler's messages pointing at the original lines (what ``polyopt gcc`` uses).
"""

from __future__ import annotations

import copy
import re
import warnings
from dataclasses import dataclass, replace

from pycparser import c_ast

from .. import pipeline
from ..errors import PolyoptError
from ..frontend import syntax as sx
from ..schedule.options import ScheduleOptions
from .alias import assumed_context, runtime_check
from .convert import CRegion, convert_region
from .exprs import c_text
from .interface import region_interface
from .preprocess import CppOptions, ParsedFile, parse_file

# A line holding only declaration specifiers (`static`, `inline`, `void`, `POLYBENCH_INLINE`):
# part of the function definition that follows.
_SPECIFIERS = re.compile(r"[ \t]*[A-Za-z_][\w \t*]*")


class RegionWarning(UserWarning):
    """A region was left unchanged (``keep_going``): ``error`` is why, ``where`` is ``file:line``."""

    def __init__(self, message: str, error: PolyoptError | None = None, where: str = ""):
        super().__init__(message)
        self.error = error
        self.where = where


@dataclass(frozen=True)
class OptimizedRegion:
    """What replaces one region: file-scope definitions and the statement at the region."""

    definitions: str
    call: str
    check: str | None
    options: ScheduleOptions | None = None  # what the region was compiled with (None: the file's)
    note: str = ""  # why they differ from the file's (a fallback)


def optimize_c(text: str, *, filename: str = "<input>", keep_going: bool = False,
               cpp: CppOptions | None = None, line_directives: bool = False, **schedule_options) -> str:
    """``text`` with every ``#pragma scop`` region replaced by its optimized code.

    ``cpp`` are the preprocessor options (``-I -D -U -include -std=``); ``schedule_options`` those
    of ``Kernel.schedule`` (scheduler, tile, fuse, parallel, vectorize).  With ``keep_going`` a
    region that cannot be optimized is left as it is and a :class:`RegionWarning` is issued;
    otherwise its PolyoptError propagates.
    """
    options = ScheduleOptions.make(**schedule_options)
    parsed = parse_file(text, filename, options=cpp)
    taken = set(parsed_names(parsed))
    done = []
    for k, region in enumerate(parsed.regions):
        try:
            done.append((region, optimize_region(convert_region(parsed, region, k), parsed, options, taken)))
        except PolyoptError as exc:
            if not keep_going:
                raise
            where = f"{filename}:{region.first_line}"
            warnings.warn(RegionWarning(f"{where}: region left unchanged: {exc}", exc, where), stacklevel=2)
    out = _splice(parsed, done, options, line_directives)
    if line_directives:  # __FILE__ and the compiler's messages name the original file
        out = f'#line 1 "{_escaped(filename)}"\n' + out
    return out


def parsed_names(parsed: ParsedFile) -> set[str]:
    """Every identifier of the file (the names new code must avoid)."""
    from .scan import identifiers

    return identifiers(parsed.ast)


def optimize_region(region: CRegion, parsed: ParsedFile, options: ScheduleOptions,
                    taken: set[str]) -> OptimizedRegion:
    """The optimized code of one converted region; ``taken`` grows by the names it uses."""
    from ..codegen.region import generate_region

    function = _fresh(f"polyopt_{region.kernel.name}", taken)

    def build(opts: ScheduleOptions):
        sched = schedule_region(region, opts)
        by_name = dict(zip((s.name for s in sched.scop.statements), region_statements(region, sched.scop)))
        iterators = {s.name: set(s.iterators) for s in sched.scop.statements}

        def statement_text(name: str, exprs: dict[str, str]) -> str:
            return substitute(by_name[name], exprs, iterators[name])

        def written_element(name: str, exprs: dict[str, str]):
            return target_text(by_name[name], exprs, iterators[name])

        names = set(taken)
        with pipeline.run_pass("codegen"):
            interface = region_interface(region, parsed, function, names)
            assumed = assumed_context(sched.scop)
            check = runtime_check(region, sched.scop, assumed)
            code = generate_region(sched, statement_text, interface, taken=names, check=check, context=assumed,
                                   target_text=written_element)
        return sched, (code, names)

    sched, (code, names) = pipeline.generate_with_fallback(options, build)
    taken.update(names)
    taken.update({function + "_check", function + "_par"})
    note = next((d for d in sched.decisions if d.startswith("fallback: ")), "")
    return OptimizedRegion(code.definitions, code.call, code.check, sched.options, note)


def region_statements(region: CRegion, scop) -> tuple:
    """The C statement node to print for each statement of ``scop`` (the region's model, its
    accumulators perhaps promoted: ``Scop.sources``), in order."""
    if not scop.sources:
        return region.statements
    by_model = {id(node): c for node, c in zip(sx.assignments(region.model.body), region.statements)}
    out = []
    for source, promoted in scop.sources:
        node = by_model[id(source)]
        for scalar, store in promoted:
            node = _replaced(node, scalar, by_model[id(store)].lvalue)
        out.append(node)
    return tuple(out)


def _replaced(node, name: str, element):
    """A copy of C statement ``node`` with every use of variable ``name`` replaced by ``element``."""
    node = copy.deepcopy(node)

    def visit(n):
        for attr, child in list(n.children()):
            if isinstance(child, c_ast.ID) and child.name == name and not (
                    isinstance(n, c_ast.StructRef) and attr == "field"):
                base, _, index = attr.partition("[")
                if index:
                    getattr(n, base)[int(index.rstrip("]"))] = copy.deepcopy(element)
                else:
                    setattr(n, attr, copy.deepcopy(element))
            else:
                visit(child)

    visit(node)
    return node


def dead_scalars(region: CRegion) -> frozenset[str]:
    """The scalars ``region`` writes whose values the code after it cannot read: declared in the
    function holding the region (not static, no address taken) and named nowhere else in it."""
    func = region.region.func
    written = {a.name for a in region.model.args
               if a.kind == sx.Argument.ARRAY and a.name in region.vars and not region.vars[a.name].is_array}
    first, last = region.region.first_line, region.region.last_line
    declared, elsewhere = set(), set()

    def visit(n, taken_address=False):
        if isinstance(n, c_ast.Decl) and n.name in written and "static" not in (n.storage or []):
            declared.add(n.name)
        if isinstance(n, c_ast.ID) and n.name in written:
            line = n.coord.line if n.coord is not None else 0
            if taken_address or not first <= line <= last:
                elsewhere.add(n.name)
        for _, child in n.children():
            visit(child, isinstance(n, c_ast.UnaryOp) and n.op == "&")

    visit(func.body)
    return frozenset(declared - elsewhere)


def schedule_region(region: CRegion, options: ScheduleOptions):
    """The schedule of a converted region (the ordinary pipeline from the KernelDef on)."""
    # the region printer keeps C's own arrays and statement text: it prints no private copies of
    # them, no row panels (a register tile's block and packed panels, yes) and no declarations of
    # vector math functions; and no vector-width pragma, which would apply to the whole file
    options = replace(options, private_arrays=False, register_tiles=region_register_tiles(options),
                      vector_bits=None, vector_math=False)
    return pipeline.schedule(pipeline.dependences(region_scop(region)), options)


def region_scop(region: CRegion):
    """The Scop of a region, built without array extents (see :class:`CRegion`), its accumulators
    that the code after it does not read promoted (their statements are printed rewritten:
    :func:`region_statements`)."""
    return pipeline.scop(region.model, promote=True, accumulators=dead_scalars(region))


def region_register_tiles(options: ScheduleOptions):
    """What ``register_tiles`` a region is scheduled with: blocks and packed panels, no row panels,
    unless none."""
    return False if options.register_tiles is False else "blocks"


def target_text(node, exprs: dict[str, str], iterators: set[str]):
    """The :class:`~polyopt.codegen.region.RegionTarget` of statement ``node`` (an assignment or an
    increment of an array element), or None: the element it writes as :func:`substitute` prints it,
    how many of its other references to that array are spelled otherwise, and the elements its value
    reads.  None too where the array's name is used other than as an element (a pointer taken)."""
    from ..codegen.region import RegionTarget

    if isinstance(node, c_ast.Assignment):
        written = node.lvalue
    elif isinstance(node, c_ast.UnaryOp) and node.op in ("++", "--", "p++", "p--"):
        written = node.expr
    else:
        return None
    array = _base(written)
    if array is None:
        return None
    refs: list = []
    bare = [False]

    def visit(n):
        if isinstance(n, c_ast.ArrayRef) and _base(n) == array:
            refs.append(n)
        elif isinstance(n, c_ast.ID) and n.name == array:
            bare[0] = True
        else:
            for _, child in n.children():
                visit(child)

    visit(node)
    if bare[0]:
        return None
    text = substitute(written, exprs, iterators)
    others = sum(1 for r in refs if r is not written and substitute(r, exprs, iterators) != text)
    value = node.rvalue if isinstance(node, c_ast.Assignment) else None
    reads = () if value is None else tuple((_base(r), substitute(r, exprs, iterators)) for r in _elements(value))
    return RegionTarget(text, others, reads)


def _elements(node) -> list:
    """The array elements ``node`` reads (outermost references, left to right)."""
    if isinstance(node, c_ast.ArrayRef) and _base(node) is not None:
        return [node]
    return [r for _, child in node.children() for r in _elements(child)]


def _base(ref) -> str | None:
    """The array named by an element reference ``a[i][j]``, or None if ``ref`` is not one."""
    if not isinstance(ref, c_ast.ArrayRef):
        return None
    while isinstance(ref, c_ast.ArrayRef):
        ref = ref.name
    return ref.name if isinstance(ref, c_ast.ID) else None


def substitute(node, exprs: dict[str, str], iterators: set[str]) -> str:
    """The C text of statement ``node`` with each iterator replaced by its expression.

    The names are replaced in place and put back afterwards: copying the statement's tree first
    cost 0.16 s of adi's 2.8 s ``polyopt cc`` (AMD EPYC Zen 3)."""
    renamed: list[tuple[c_ast.ID, str]] = []

    def visit(n):
        for name, child in n.children():
            if isinstance(child, c_ast.ID) and child.name in iterators and not (
                    isinstance(n, c_ast.StructRef) and name == "field"):
                renamed.append((child, child.name))
                child.name = exprs[child.name]
            else:
                visit(child)

    try:
        visit(node)
        return c_text(node)
    finally:
        for child, name in reversed(renamed):
            child.name = name


def _splice(parsed: ParsedFile, done: list, options: ScheduleOptions, line_directives: bool) -> str:
    lines = parsed.text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    name = _escaped(parsed.filename)

    def resync(line: int) -> list[str]:  # the next line is line `line` of the original
        return [f'#line {line} "{name}"{newline}'] if line_directives else []

    edits = []  # (first line index, last line index, replacement lines), 0-based, inclusive
    starts: dict[int, list[str]] = {}
    for region, code in done:
        first, last = region.first_line - 1, region.last_line - 1
        indent = _indent(lines[first]) or _indent(lines[first + 1])
        used = code.options or options
        out = [f"{indent}/* polyopt: optimized scop region ({used.key()}) */{newline}"]
        out += [f"{indent}/* polyopt: {code.note} */{newline}"] if code.note else []
        if code.check is None:
            out += [f"{indent}{code.call}{newline}"]
        else:
            out += [f"{indent}if ({code.check}){newline}", f"{indent}  {code.call}{newline}",
                    f"{indent}else {{  /* outside what the optimized code assumes: the original code */{newline}"]
            out += resync(first + 2) + lines[first + 1:last]
            out += [f"{indent}}}{newline}"]
        edits.append((first, last, out + resync(last + 2)))
        start = _function_start(parsed, region.func) - 1
        starts.setdefault(start, []).append(code.definitions.replace("\n", newline))
    for start, defs in starts.items():
        head = f"/* polyopt: the optimized scop region{'s' if len(defs) > 1 else ''} of the next function */"
        text = head + newline + "".join(d + newline for d in defs)
        edits.append((start, start - 1, [text] + resync(start + 1)))
    for first, last, out in sorted(edits, key=lambda e: -e[0]):
        lines[first:last + 1] = out
    return "".join(lines)


def _function_start(parsed: ParsedFile, func: c_ast.FuncDef) -> int:
    """The first line (1-based) of a function definition: its name's line and the lines of
    declaration specifiers just before it."""
    lines = parsed.text.splitlines()
    line = func.decl.coord.line
    while line > 1 and lines[line - 2].strip() and _SPECIFIERS.fullmatch(lines[line - 2]):
        line -= 1
    return line


def _escaped(filename: str) -> str:
    return filename.replace("\\", "\\\\").replace('"', '\\"')


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())] if line.strip() else ""


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken or name + "_check" in taken:
        name += "_"
    taken.add(name)
    return name
