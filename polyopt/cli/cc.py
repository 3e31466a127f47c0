"""``polyopt cc``: optimize the ``#pragma scop`` regions of a C file, C in, C out.

    polyopt cc [-I DIR] [-D NAME[=VALUE]] [-U NAME] [-include FILE] [-std=STD] INPUT.c -o OUTPUT.c
               [--keep-going] [--scheduler S] [--tile T] [--fuse F] [--no-parallel] [--no-vectorize]

The preprocessor options are those of the compile the output is meant for (macros are expanded
inside the regions, so the output is specific to them).  Problems are reported as gcc reports them
(``file:line:col: error: ...``); with ``--keep-going`` a region that cannot be optimized is left as
it is, with a warning.  Exit status 0, or 1 after an error.
"""

from __future__ import annotations

import sys
import warnings

from ..errors import PolyoptError
from .common import schedule_overrides
from .coptions import cpp_options
from .diagnostics import gcc_style


def run(args) -> int:
    """The ``cc`` command (``args`` from :func:`polyopt.cli.build_parser`)."""
    from ..cfront import RegionWarning, optimize_c

    options = schedule_overrides(args)
    cpp = cpp_options(args)
    try:
        with open(args.input, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"polyopt cc: error: cannot read {args.input}: {getattr(exc, 'strerror', None) or exc}",
              file=sys.stderr)
        return 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionWarning)
        try:
            out = optimize_c(text, filename=args.input, keep_going=args.keep_going, cpp=cpp, **options)
        except PolyoptError as exc:
            print(gcc_style(exc, prog="polyopt cc"), file=sys.stderr)
            return 1
    for w in caught:
        if isinstance(w.message, RegionWarning):
            report_left_unchanged(w.message, "polyopt cc")
    try:
        if args.output == "-":
            sys.stdout.write(out)
        else:
            with open(args.output, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    except OSError as exc:
        print(f"polyopt cc: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def report_left_unchanged(warning, prog: str) -> None:
    """A region left as it was (``--keep-going``), as gcc-style warnings on stderr."""
    error = warning.error
    if error is None:
        print(f"{prog}: warning: {warning}", file=sys.stderr)
        return
    print(gcc_style(error, "warning", prog), file=sys.stderr)
    print(f"{warning.where}: note: the region is left as it was", file=sys.stderr)
