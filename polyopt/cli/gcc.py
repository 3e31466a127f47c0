"""``polyopt gcc``: a drop-in gcc that optimizes the ``#pragma scop`` regions of the files it compiles.

    polyopt gcc [gcc options] [--keep-going] [--scheduler S] [--tile T] [--fuse F]
                [--no-parallel] [--no-vectorize] file.c ... -o prog
    make CC="polyopt gcc"

Every ``.c`` input that has a ``#pragma scop`` region is run through the C front end with the
command's own preprocessor options (``-I -D -U -include -iquote -isystem -std=``, and the ``-f``,
``-m`` and ``-O`` flags, which define macros too); the result goes to a temporary file of the same
name, with ``#line`` directives so that gcc's messages and ``__FILE__`` still name the original file
and lines, and ``-iquote`` the original directory so that its ``#include "..."`` still resolve.
Files without regions, and commands that only preprocess (``-E``, ``-M``, ``-MM``), go to gcc
unchanged.  gcc then runs with the user's arguments plus ``-fopenmp`` (links of objects too: they
may call the OpenMP runtime); its exit status is returned.
Dependency files (``-MD``, ``-MMD``) name the original sources.

A region polyopt cannot optimize is an error reported as gcc reports them
(``file:line:col: error: ...``, exit status 1); with ``--keep-going`` it is left as it was, with a
warning.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import PolyoptError
from .cc import report_left_unchanged
from .common import UsageError, add_schedule_options, schedule_overrides
from .coptions import add_cpp_options, cpp_options
from .diagnostics import gcc_style

COMPILER = "gcc"
# gcc options whose value is the next argument.
_SEPARATE = frozenset("""-o -x -MF -MT -MQ -L -l -include -imacros -idirafter -iprefix -iwithprefix
-iwithprefixbefore -isysroot -isystem -iquote -I -D -U -Xlinker -Xassembler -Xpreprocessor -T -u -z -e
--param -aux-info -wrapper -dumpbase -dumpdir -A""".split())
# Those of them, and the joined forms below, that the preprocessor must see too.
_CPP_SEPARATE = frozenset({"-include", "-isystem", "-iquote", "-I", "-D", "-U"})
_CPP_JOINED = ("-I", "-D", "-U", "-std=")
_MACRO_FLAGS = ("-f", "-m", "-O", "-ansi")  # they define macros (__OPTIMIZE__, _OPENMP, __AVX2__, ...)
_OURS = frozenset({"--keep-going", "--no-parallel", "--no-vectorize"})
_OURS_VALUED = frozenset({"--scheduler", "--tile", "--fuse"})
_PREPROCESS_ONLY = frozenset({"-E", "-M", "-MM"})


@dataclass
class Command:
    """A gcc command line taken apart."""

    gcc: list[str] = field(default_factory=list)  # the arguments for gcc, in order
    inputs: list[int] = field(default_factory=list)  # positions in ``gcc`` of the .c inputs
    cpp: list[str] = field(default_factory=list)  # preprocessor options (for polyopt's parse)
    macro_flags: list[str] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)  # polyopt's own options
    preprocess_only: bool = False


def split(argv: list[str]) -> Command:
    """Sort ``argv`` into gcc's arguments, the preprocessor's and polyopt's own."""
    cmd = Command()
    k = 0
    while k < len(argv):
        a = argv[k]
        name = a.split("=", 1)[0]
        if a in _OURS or (name in _OURS_VALUED and "=" in a):
            cmd.ours.append(a)
        elif a in _OURS_VALUED:
            cmd.ours += argv[k:k + 2]
            k += 1
        elif a in _SEPARATE and k + 1 < len(argv):
            cmd.gcc += argv[k:k + 2]
            if a in _CPP_SEPARATE:
                cmd.cpp += argv[k:k + 2]
            k += 1
        else:
            if a.startswith(_CPP_JOINED):
                cmd.cpp.append(a)
            elif a.startswith(_MACRO_FLAGS):
                cmd.macro_flags.append(a)
            elif a in _PREPROCESS_ONLY:
                cmd.preprocess_only = True
            elif not a.startswith("-") and a.endswith(".c"):
                cmd.inputs.append(len(cmd.gcc))
            cmd.gcc.append(a)
        k += 1
    return cmd


def _options(cmd: Command):
    """(schedule options, keep_going, CppOptions) of a command; UsageError on a bad value."""
    from . import _Parser

    ours = _Parser(prog="polyopt gcc", add_help=False)
    add_schedule_options(ours)
    ours.add_argument("--keep-going", action="store_true")
    args = ours.parse_args(cmd.ours)
    cpp_parser = _Parser(prog="polyopt gcc", add_help=False)
    add_cpp_options(cpp_parser)
    cpp = cpp_options(cpp_parser.parse_args(cmd.cpp))
    extra = tuple(dict.fromkeys(cmd.macro_flags + ["-fopenmp"]))
    return schedule_overrides(args), args.keep_going, replace(cpp, extra=extra)


def run(argv: list[str]) -> int:
    """``polyopt gcc ARGS``; returns gcc's exit status, or 1 when a region could not be optimized."""
    if not argv or argv[0] in ("--polyopt-help", "--help-polyopt"):
        print(__doc__.strip())
        return 0 if argv else 2
    cmd = split(argv)
    options, keep_going, cpp = _options(cmd)
    if cmd.preprocess_only:
        return _gcc(cmd.gcc)
    openmp = [] if "-fopenmp" in cmd.gcc else ["-fopenmp"]  # linking objects built by polyopt gcc too
    with tempfile.TemporaryDirectory(prefix="polyopt-gcc-") as tmp:
        args = list(cmd.gcc)
        quote_dirs: list[str] = []
        renamed: dict[str, str] = {}
        for k, pos in enumerate(cmd.inputs):
            status = _optimize_input(args, pos, Path(tmp) / str(k), options, keep_going, cpp, renamed)
            if status:
                return status
            if args[pos] != cmd.gcc[pos]:
                quote_dirs.append(os.path.dirname(os.path.abspath(cmd.gcc[pos])))
        quote = [x for d in dict.fromkeys(quote_dirs) for x in ("-iquote", d)]
        status = _gcc(quote + args + openmp)
        _fix_dependency_files(cmd.gcc, renamed)
        return status


def _optimize_input(args: list[str], pos: int, tmp: Path, options: dict, keep_going: bool, cpp,
                    renamed: dict[str, str]) -> int:
    """Replace ``args[pos]`` by its optimized copy in ``tmp`` (when it has regions); 0 or 1."""
    from ..cfront import RegionWarning, has_regions, optimize_c

    path = args[pos]
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return 0  # gcc reports a missing or unreadable file in its own words
    if not has_regions(text):
        return 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionWarning)
        try:
            out = optimize_c(text, filename=path, keep_going=keep_going, cpp=cpp, line_directives=True,
                             **options)
        except PolyoptError as exc:
            print(gcc_style(exc, prog="polyopt gcc"), file=sys.stderr)
            return 1
    for w in caught:
        if isinstance(w.message, RegionWarning):
            report_left_unchanged(w.message, "polyopt gcc")
    tmp.mkdir()
    target = tmp / os.path.basename(path)
    target.write_text(out, encoding="utf-8")
    args[pos] = str(target)
    renamed[str(target)] = path
    return 0


def _gcc(args: list[str]) -> int:
    try:
        return subprocess.run([COMPILER, *args]).returncode
    except FileNotFoundError:
        raise UsageError(f"polyopt gcc: '{COMPILER}' was not found", hint="install gcc") from None


def _fix_dependency_files(args: list[str], renamed: dict[str, str]) -> None:
    """Dependency files written by -MD/-MMD name the temporary copies: name the originals."""
    if not renamed or not ({"-MD", "-MMD"} & set(args)):
        return
    files = [args[k + 1] for k, a in enumerate(args[:-1]) if a == "-MF"]
    if not files:
        out = [args[k + 1] for k, a in enumerate(args[:-1]) if a == "-o"]
        if out and "-c" in args:
            files = [os.path.splitext(out[0])[0] + ".d"]
        else:
            files = [os.path.splitext(os.path.basename(p))[0] + ".d" for p in renamed.values()]
    for name in files:
        try:
            text = Path(name).read_text()
        except OSError:
            continue
        for tmp, original in renamed.items():
            text = text.replace(tmp, original)
        Path(name).write_text(text)

