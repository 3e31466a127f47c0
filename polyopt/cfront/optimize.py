"""Optimize the ``#pragma scop`` regions of a C file: C text in, C text out (``polyopt cc``).

The driver of the C front end: parse (:mod:`.preprocess`), convert each region to a KernelDef
(:mod:`.convert`), run the ordinary pipeline (scop -> dependences -> schedule), print the new loop
nest with :func:`polyopt.codegen.region.generate_region`, and splice it into the ORIGINAL text in
place of the lines from ``#pragma scop`` to ``#pragma endscop``; every other byte is kept.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import warnings

from pycparser import c_ast

from .. import pipeline
from ..errors import KernelSyntaxError, PolyoptError
from ..frontend import syntax as sx
from ..schedule.options import ScheduleOptions
from .convert import CRegion, c_text, convert_region
from .preprocess import parse_file


class RegionWarning(UserWarning):
    """A region was left unchanged (``keep_going``)."""


def optimize_c(text: str, *, filename: str = "<input>", keep_going: bool = False,
               **schedule_options) -> str:
    """``text`` with every ``#pragma scop`` region replaced by its optimized loop nest.

    ``schedule_options`` are those of ``Kernel.schedule`` (scheduler, tile, fuse, parallel, ...).
    With ``keep_going`` a region that cannot be optimized is left as it is and a
    :class:`RegionWarning` is issued; otherwise its PolyoptError propagates.
    """
    options = ScheduleOptions.make(**schedule_options)
    parsed = parse_file(text, filename)
    lines = text.splitlines(keepends=True)
    replacements = []
    for k, region in enumerate(parsed.regions):
        try:
            replacements.append((region, optimize_region(convert_region(parsed, region, k), options)))
        except PolyoptError as exc:
            if not keep_going:
                raise
            warnings.warn(f"{filename}:{region.first_line}: region left unchanged: {exc}", RegionWarning,
                          stacklevel=2)
    for region, block in sorted(replacements, key=lambda r: -r[0].first_line):
        first, last = region.first_line - 1, region.last_line - 1
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        newline = "\r\n" if lines[last].endswith("\r\n") else "\n"
        body = _indent(block, indent)
        header = f"{indent}/* polyopt: optimized scop region ({options.key()}) */"
        lines[first:last + 1] = [header + newline + body.replace("\n", newline) + newline]
    return "".join(lines)


def optimize_region(region: CRegion, options: ScheduleOptions) -> str:
    """The optimized C block of one converted region."""
    from ..codegen.region import generate_region

    sched = schedule_region(region, options)
    by_name = dict(zip((s.name for s in sched.scop.statements), region.statements))
    iterators = {s.name: s.iterators for s in sched.scop.statements}

    def statement_text(name: str, exprs: dict[str, str]) -> str:
        return substitute(by_name[name], exprs, set(iterators[name]))

    with pipeline.run_pass("codegen"):
        return generate_region(sched, statement_text, taken=region.names).text


def schedule_region(region: CRegion, options: ScheduleOptions):
    """The schedule of a converted region (the ordinary pipeline from the KernelDef on)."""
    return pipeline.schedule(pipeline.dependences(region_scop(region)), options)


def region_scop(region: CRegion):
    """The Scop of a region.  C does not promise that accesses stay within declared extents (an
    ``A[100]`` indexed up to a parameter ``n``); the original performs exactly the same accesses,
    so when only the bounds check fails the model is built without the extents."""
    try:
        return pipeline.scop(region.kernel)
    except KernelSyntaxError as exc:
        if not all("can fall outside its extents" in d.message for d in exc.diagnostics):
            raise
    args = tuple(dataclasses.replace(a, shape=()) if a.kind == sx.Argument.ARRAY else a
                 for a in region.kernel.args)
    return pipeline.scop(dataclasses.replace(region.kernel, args=args))


def substitute(node, exprs: dict[str, str], iterators: set[str]) -> str:
    """The C text of statement ``node`` with each iterator replaced by its expression."""
    node = copy.deepcopy(node)

    def visit(n):
        for name, child in n.children():
            if isinstance(child, c_ast.ID) and child.name in iterators and not (
                    isinstance(n, c_ast.StructRef) and name == "field"):
                child.name = exprs[child.name]
            else:
                visit(child)

    visit(node)
    return c_text(node)


def _indent(block: str, indent: str) -> str:
    return "\n".join(indent + ln if ln and not ln.startswith("#") else ln for ln in block.splitlines())


def cli_cc(args) -> int:
    """``polyopt cc INPUT.c -o OUTPUT.c [--scheduler S] [--tile T] [--fuse F] [--keep-going]``.

    ``args`` is an argparse Namespace with input, output, scheduler, tile, fuse, keep_going (None
    for options not given).  Returns the exit status: 0 on success, 1 with the error on stderr.
    """
    options = {}
    for key in ("scheduler", "tile", "fuse"):
        value = getattr(args, key, None)
        if value is not None:
            options[key] = _tile_value(value) if key == "tile" else value
    try:
        with open(args.input, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as exc:
        print(f"polyopt cc: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionWarning)
        try:
            out = optimize_c(text, filename=args.input, keep_going=bool(getattr(args, "keep_going", False)),
                             **options)
        except PolyoptError as exc:
            print(f"polyopt cc: error: {exc}", file=sys.stderr)
            return 1
    for w in caught:
        if issubclass(w.category, RegionWarning):
            print(f"polyopt cc: warning: {w.message}", file=sys.stderr)
    output = getattr(args, "output", None)
    try:
        if output in (None, "-"):
            sys.stdout.write(out)
        else:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    except OSError as exc:
        print(f"polyopt cc: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _tile_value(value):
    """``--tile`` as given on the command line: on/off, one size or comma-separated sizes."""
    if not isinstance(value, str):
        return value
    low = value.strip().lower()
    if low in ("on", "true", "yes"):
        return True
    if low in ("off", "false", "no", "0"):
        return False
    try:
        sizes = tuple(int(p) for p in low.split(","))
    except ValueError:
        return value  # ScheduleOptions reports the bad value
    return sizes[0] if len(sizes) == 1 else sizes
