"""The ``polyopt`` command line: compile, check, bench, show, and for C files cc and gcc.

It sits on top of the whole pipeline and of :mod:`polyopt.suite`; nothing imports it.

    polyopt compile kernels/ -o build/ --jobs 2 --tile 32,32,8
    polyopt check kernels/ --size SMALL
    polyopt bench kernels/polybench/gemm.py --size MEDIUM --threads 2 --vs none,isl,numpy -o results/
    polyopt tune kernels/ --size LARGE --budget 60 --threads 2 -o results/
    polyopt show kernels/polybench/gemm.py:gemm --schedule --tile off
    polyopt cc -I utilities -DLARGE_DATASET gemm.c -o gemm_opt.c
    polyopt gcc -O3 -I utilities gemm.c utilities/polybench.c -o gemm -lm     (a drop-in gcc)

Exit status: 0 success; 1 when a kernel failed (compile error, mismatch, ...), after every other
kernel was still processed; 2 for a mistake on the command line (missing path, file without
kernels, unknown kernel name or option value), reported on one line.

Parallel compilation: ``--jobs N`` uses a ``concurrent.futures.ProcessPoolExecutor``.  From Python,
any object with ``submit(fn, *args)`` returning a future with ``result()`` can be passed instead,
e.g. a Dask cluster (its workers need polyopt installed and the kernel files at the same paths)::

    from dask.distributed import Client
    from polyopt.cli import main
    main(["compile", "kernels/", "-o", "build/"], executor=Client("scheduler:8786"))

or, for finer control, :func:`polyopt.cli.compile.compile_targets` with
:func:`polyopt.cli.common.collect`.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import PolyoptError
from ..suite import PRESETS
from .common import UsageError, add_schedule_options, first_line, make_executor
from .coptions import add_cpp_options
from .progress import add_progress_option

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}", hint=f"see '{self.prog} --help'")


DEFAULT_SIZE = "SMALL"  # check and bench alike: big enough to time, small enough for the Python reference


def _add_size(parser, note: str = "") -> None:
    parser.add_argument("--size", type=_size, default=DEFAULT_SIZE, metavar="PRESET",
                        help=f"size preset: {', '.join(PRESETS)} (default {DEFAULT_SIZE}){note}")


def _size(text: str) -> str:
    value = text.upper()
    if value not in PRESETS:
        raise argparse.ArgumentTypeError(f"unknown size {text!r} (use {', '.join(PRESETS)})")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``polyopt`` command."""
    parser = _Parser(prog="polyopt", description="Polyhedral optimizer for affine Python kernels.")
    parser.add_argument("--version", action="version", version=f"polyopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    paths_help = "kernel files or folders; FILE:KERNEL selects one kernel"

    p = sub.add_parser("compile", help="compile kernels to C, shared libraries and JSON reports")
    p.add_argument("paths", nargs="+", metavar="PATH", help=paths_help)
    p.add_argument("-o", "--output", default="polyopt-build", metavar="DIR",
                   help="output directory (default polyopt-build)")
    p.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N", help="parallel processes")
    add_progress_option(p)
    add_schedule_options(p)

    p = sub.add_parser("check", help="run compiled kernels against the Python original")
    p.add_argument("paths", nargs="+", metavar="PATH", help=paths_help)
    _add_size(p)
    p.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N", help="parallel processes")
    p.add_argument("--fp-contract", action="store_true",
                   help="let gcc fuse multiply-adds as in production builds (results then differ from "
                        "Python by rounding; without it they must agree to the last bit, up to --rtol)")
    p.add_argument("--rtol", type=float, default=None,
                   help="relative tolerance (default 1e-9 for f64, 1e-4 for f32)")
    add_progress_option(p)
    add_schedule_options(p)

    p = sub.add_parser("bench", help="time polyopt against baselines (kernel files, or C files)")
    p.add_argument("paths", nargs="+", metavar="PATH", help=paths_help + "; or C files FILE.c")
    _add_size(p, "; for C files it defines <PRESET>_DATASET (PolyBench's)")
    p.add_argument("--threads", type=_positive, default=None, metavar="N",
                   help="OpenMP (and BLAS) threads; default: the environment's")
    p.add_argument("--repeat", type=_positive, default=5, metavar="R", help="timed runs per variant (default 5)")
    p.add_argument("--vs", default=None, metavar="LIST",
                   help="baselines, comma-separated: none, isl, pluto, numpy, untuned (default "
                        "none,isl,numpy); for C files gcc, clang, polly, none, isl, pluto "
                        "(default gcc,clang,polly)")
    p.add_argument("-o", "--out", default="polyopt-bench", metavar="DIR",
                   help="directory for bench.csv and bench.json (default polyopt-bench)")
    add_cpp_options(p)
    add_progress_option(p)
    add_schedule_options(p)

    p = sub.add_parser("tune", help="search each kernel's legal plans on this machine and remember the best")
    p.add_argument("paths", nargs="+", metavar="PATH", help=paths_help)
    _add_size(p)
    p.add_argument("--budget", type=float, default=60.0, metavar="SECONDS",
                   help="wall time per kernel, compilation included (default 60)")
    p.add_argument("--threads", type=_positive, default=None, metavar="N",
                   help="OpenMP threads to tune for; default: the environment's")
    p.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N",
                   help="kernels tuned at once (default 1: tunings on shared cores disturb each other)")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="tune on the workers of this Dask scheduler, each on its own machine")
    p.add_argument("-o", "--out", default="polyopt-tune", metavar="DIR",
                   help="directory for tune.csv, tune.json and a report per kernel (default polyopt-tune)")
    add_progress_option(p)

    p = sub.add_parser("show", help="print a kernel's model, dependences, schedule or C")
    p.add_argument("path", metavar="FILE[:KERNEL]", help="a suite file, or a C file as FILE.c[:REGION]")
    for part, what in (("scop", "the polyhedral model"), ("deps", "the dependences"),
                       ("schedule", "the schedule and its decisions"), ("c", "the generated C")):
        p.add_argument(f"--{part}", action="store_true", help=f"show {what}")
    add_cpp_options(p)
    add_schedule_options(p)

    p = sub.add_parser("cc", help="optimize the #pragma scop regions of C files (C in, C out)")
    p.add_argument("inputs", nargs="+", metavar="INPUT.c")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                   help="the output file (- for stdout); with several inputs, a directory for them")
    p.add_argument("--keep-going", action="store_true", help="leave regions that cannot be optimized as they are")
    add_cpp_options(p)
    add_progress_option(p)
    add_schedule_options(p)

    sub.add_parser("gcc", add_help=False, help="gcc with the #pragma scop regions optimized: polyopt gcc "
                                               "[gcc options] file.c -o prog (see 'polyopt gcc --polyopt-help')")
    return parser


def _dispatch(args, executor) -> int:
    if args.command == "compile":
        from . import compile as command
    elif args.command == "check":
        from . import check as command
    elif args.command == "tune":
        from . import tune as command
    elif args.command == "cc":  # only what it needs: polyopt cc runs once per C file of a build
        from . import cc

        return cc.run(args)
    else:
        from . import bench, show

        return {"bench": bench.run, "show": show.run}[args.command](args)
    owned = executor is None
    executor = executor if executor is not None else make_executor(args.jobs)
    try:
        return command.run(args, executor)
    finally:
        if owned and executor is not None:
            executor.shutdown()


def main(argv=None, *, executor=None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a kernel failed, 2 usage error).

    ``executor``: for compile, check and tune, any object with ``submit`` (see the module docstring);
    it overrides ``--jobs`` and is not shut down here.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        if argv and argv[0] == "gcc":  # gcc's own options: not for argparse
            from . import gcc

            return gcc.run(argv[1:])
        args = parser.parse_args(argv)
        return _dispatch(args, executor)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(f"error: {first_line(exc.message)}", file=sys.stderr)
        return 2
    except PolyoptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into e.g. head: stop quietly
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
