"""``polyopt cc``: optimize the ``#pragma scop`` regions of C files, C in, C out.

    polyopt cc [-I DIR] [-D NAME[=VALUE]] [-U NAME] [-include FILE] [-std=STD] INPUT.c -o OUTPUT.c
               [--keep-going] [--scheduler S] [--tile T] [--fuse F] [--no-parallel] [--no-vectorize]
    polyopt cc [options] A.c B.c ... -o DIR        # each file to DIR/<its name>, with progress

The preprocessor options are those of the compile the output is meant for (macros are expanded
inside the regions, so the output is specific to them).  Problems are reported as gcc reports them
(``file:line:col: error: ...``); with ``--keep-going`` a region that cannot be optimized is left as
it is, with a warning.  With several inputs, a file that fails does not stop the others, and the
progress goes to stderr as for ``check`` and ``compile`` (:mod:`.progress`: a bar on a terminal,
one line per file elsewhere; ``-q`` turns it off).  Exit status 0, or 1 after an error.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from ..errors import PolyoptError
from .common import UsageError, ensure_dir, first_line, schedule_overrides
from .coptions import cpp_options
from .diagnostics import gcc_style
from .progress import Progress


def run(args) -> int:
    """The ``cc`` command (``args`` from :func:`polyopt.cli.build_parser`)."""
    options = schedule_overrides(args)
    cpp = cpp_options(args)
    if len(args.inputs) == 1:
        return 0 if optimize_file(args.inputs[0], args.output, args, options, cpp) else 1
    if args.output == "-":
        raise UsageError("polyopt cc: with several inputs, -o names a directory (not -)")
    names = [Path(p).name for p in args.inputs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"polyopt cc: two inputs are named {twice[0]}; their outputs in {args.output} "
                         "would clash")
    out_dir = ensure_dir(args.output)
    failed = 0
    with Progress(len(names), "cc", enabled=not args.quiet, name_width=max(len(n) for n in names)) as progress:
        for path, name in zip(args.inputs, names):
            progress.started(name)
            errors: list[str] = []

            def say(text: str, errors=errors) -> None:
                errors.append(text)
                progress.write(text)

            ok = optimize_file(path, str(out_dir / name), args, options, cpp, say)
            failed += not ok
            problem = next((first_line(e) for e in errors if ": error: " in e), "")
            progress.finished(name, "ok" if ok else "error", problem or f"-> {out_dir / name}")
    return 1 if failed else 0


def optimize_file(path: str, output: str, args, options: dict, cpp, say=None) -> bool:
    """Optimize the C file ``path`` into ``output`` (``-`` for stdout); diagnostics go to ``say``
    (stderr by default).  Returns whether it worked."""
    from ..cfront import RegionWarning, optimize_c

    say = say or _stderr
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        say(f"polyopt cc: error: cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
        return False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionWarning)
        try:
            out = optimize_c(text, filename=path, keep_going=args.keep_going, cpp=cpp, **options)
        except PolyoptError as exc:
            say(gcc_style(exc, prog="polyopt cc"))
            return False
    for w in caught:
        if isinstance(w.message, RegionWarning):
            report_left_unchanged(w.message, "polyopt cc", say)
    try:
        if output == "-":
            sys.stdout.write(out)
        else:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    except OSError as exc:
        say(f"polyopt cc: error: cannot write {output}: {exc.strerror}")
        return False
    return True


def report_left_unchanged(warning, prog: str, say=None) -> None:
    """A region left as it was (``--keep-going``), as gcc-style warnings (on stderr by default)."""
    say = say or _stderr
    error = warning.error
    if error is None:
        say(f"{prog}: warning: {warning}")
        return
    say(gcc_style(error, "warning", prog))
    say(f"{warning.where}: note: the region is left as it was")


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)
