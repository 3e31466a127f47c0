"""Shared pieces of the ``polyopt`` commands: finding kernels, scheduling options, jobs, tables.

The CLI sits on top of everything (it drives :mod:`polyopt.suite` and :class:`polyopt.Kernel`);
nothing in polyopt imports it.

Kernels are addressed by :class:`Target` (file, position in the file, name): a small picklable
record, so a job can be sent to another process (or a Dask worker) which re-imports the file.
"""

from __future__ import annotations

import concurrent.futures
import os
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import OptionError, PolyoptError
from ..schedule.options import FUSION_POLICIES, SCHEDULERS
from ..schedule.options import parse_tile as options_parse_tile
from ..suite import Case, cases_in_file, no_such_kernel, split_kernel_path, suite_files
from .progress import Progress


class UsageError(PolyoptError):
    """A mistake in the command line itself (missing path, unknown kernel or option value): exit 2."""


@dataclass(frozen=True)
class Target:
    """One kernel of a suite file.  ``out_name`` is unique within a run (used for output files)."""

    file: str
    index: int  # position among cases_in_file(file)
    name: str
    out_name: str
    case: Case | None = field(default=None, compare=False, repr=False)  # not sent to workers

    def load(self) -> Case:
        """The Case, importing the file when this Target came from another process."""
        if self.case is not None:
            return self.case
        cases = cases_in_file(self.file)
        if self.index >= len(cases) or cases[self.index].name != self.name:
            raise PolyoptError(f"{self.file}: kernel {self.name!r} is no longer where it was",
                               hint="the file changed while polyopt was running")
        return cases[self.index]

    def portable(self) -> Target:
        """The same target without the loaded Case (what is pickled to a worker)."""
        return replace(self, case=None)


@dataclass(frozen=True)
class LoadFailure:
    """A suite file that could not be imported (e.g. a kernel with a syntax problem)."""

    file: str
    message: str


def collect(paths: Sequence[str]) -> tuple[list[Target], list[LoadFailure]]:
    """The kernels named by command-line paths (files, folders, ``FILE:KERNEL``).

    A file that fails to import becomes a :class:`LoadFailure` (the other files still count);
    a missing path, an unknown kernel name or a path without any kernel raises :class:`UsageError`.
    """
    targets: list[Target] = []
    failures: list[LoadFailure] = []
    for raw in paths:
        path_text, only = split_kernel_path(str(raw))
        path = Path(path_text)
        if not path.exists():
            raise UsageError(f"{path_text}: no such file or directory")
        if path.is_file() and path.suffix != ".py":
            raise UsageError(f"{path_text}: not a Python file")
        found_here = 0
        failed_here = 0
        names_here: list[str] = []
        for f in suite_files(path):
            try:
                cases = cases_in_file(f)
            except PolyoptError as exc:
                failures.append(LoadFailure(str(f), str(exc)))
                failed_here += 1
                continue
            names_here += [c.name for c in cases]
            for i, c in enumerate(cases):
                if only and c.name != only:
                    continue
                # Absolute, so that a worker in another directory (or machine) finds the file.
                targets.append(Target(str(f.resolve()), i, c.name, c.name, c))
                found_here += 1
        if only and not found_here and not failed_here:
            raise UsageError(no_such_kernel(path_text, only, names_here))
        if not found_here and not failed_here:
            raise UsageError(f"{path_text}: no kernels found (define @po.kernel functions)")
    return _unique_names(targets), failures


def c_targets(raw: str, cpp=None, as_cc: bool = False) -> list[Target]:
    """The kernels of a C file's ``#pragma scop`` regions, made with :func:`polyopt.from_c`:
    ``FILE.c`` (every region) or ``FILE.c:REGION`` (a region index or a function name);
    ``cpp`` are the preprocessor options; ``as_cc``: as ``polyopt cc`` compiles them (scalars the
    code after a region never reads promoted), for showing, not for calling from Python."""
    from .. import cfront

    path_text, only = split_kernel_path(raw)
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{path_text}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path_text}: cannot read: {exc}") from exc
    if only:
        regions = [int(only) if only.isdigit() else only]
    else:
        regions = list(range(len(cfront.parse_file(text, str(path), options=cpp).regions))) or [0]
    out = []
    for region in regions:
        kernel = cfront.from_c(text, filename=str(path), region=region, cpp=cpp, promote=as_cc)
        out.append(Target(str(path.resolve()), len(out), kernel.name, kernel.name, Case(kernel, {})))
    return out


def _unique_names(targets: list[Target]) -> list[Target]:
    """Kernels of the same name in different files get ``<file stem>.<name>`` as output name."""
    count: dict[str, int] = {}
    for t in targets:
        count[t.name] = count.get(t.name, 0) + 1
    out, seen = [], set()
    for t in targets:
        name = t.name if count[t.name] == 1 else f"{Path(t.file).stem}.{t.name}"
        base, k = name, 1
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        out.append(replace(t, out_name=name))
    return out


# ---------------------------------------------------------------- scheduling options


def parse_tile(text: str):
    """``on|off|N|N,M,K`` -> the ``tile`` option: the schedule stage's own parser, with its errors
    as command-line mistakes."""
    try:
        return options_parse_tile(text)
    except OptionError as exc:
        raise UsageError(f"invalid --tile value {text!r}: {exc.message}", hint=exc.hint) from None


def add_schedule_options(parser) -> None:
    """The scheduling options shared by compile, check, bench, show and cc."""
    g = parser.add_argument_group("scheduling")
    g.add_argument("--scheduler", choices=SCHEDULERS, help="pluto (default), isl, or none (original order)")
    g.add_argument("--tile", metavar="on|off|N|N,M,K",
                   help="tiling: on (the tile policy's sizes), off, N, or sizes per dimension")
    g.add_argument("--fuse", choices=FUSION_POLICIES, help="fusion policy (default smart)")
    g.add_argument("--no-parallel", dest="parallel", action="store_false", default=None,
                   help="no OpenMP parallel loops")
    g.add_argument("--no-vectorize", dest="vectorize", action="store_false", default=None,
                   help="no omp simd marks")
    g.add_argument("--no-reassociate", dest="reassociate", action="store_false", default=None,
                   help="keep every reduction in its original order (no parallel or simd reductions: "
                        "bit-for-bit the original's sums) and the scalar math functions (no libmvec)")
    g.add_argument("--no-private-arrays", dest="private_arrays", action="store_false", default=None,
                   help="no private copies of argument arrays in parallel loops")


def schedule_overrides(args) -> dict:
    """The options given on the command line (the kernels' own options are the defaults)."""
    out = {}
    for name in ("scheduler", "fuse", "parallel", "vectorize", "reassociate", "private_arrays"):
        value = getattr(args, name, None)
        if value is not None:
            out[name] = value
    if getattr(args, "tile", None) is not None:
        out["tile"] = parse_tile(args.tile)
    return out


# ---------------------------------------------------------------- jobs


def run_jobs(fn: Callable, targets: Sequence[Target], extra: tuple, *, executor=None,
             progress: Callable[[dict], None] | None = None,
             starting: Callable[[Target], None] | None = None) -> list[dict]:
    """``fn(target, *extra)`` for every target; results in target order.

    Without ``executor`` the jobs run here, one after the other, on the already loaded Cases.
    With one, each job is ``executor.submit(fn, target.portable(), *extra)``: anything with a
    ``submit`` returning an object with ``result()`` works (a ProcessPoolExecutor, a Dask
    ``distributed.Client``).  ``fn`` must return a plain dict and catch its own errors; an error
    that escapes anyway (a worker that died) becomes an error result for that kernel.
    ``progress(result)`` is called as each job finishes; ``starting(target)`` as each job starts
    (only without an executor: with one, several run at once and the pool decides when).
    """
    results: list[dict | None] = [None] * len(targets)
    if executor is None:
        for k, t in enumerate(targets):
            if starting:
                starting(t)
            results[k] = guarded(fn, t, *extra)
            if progress:
                progress(results[k])
        return results
    futures = [executor.submit(guarded, fn, t.portable(), *extra) for t in targets]
    index = {id(f): k for k, f in enumerate(futures)}
    if all(isinstance(f, concurrent.futures.Future) for f in futures):
        order: Iterable = concurrent.futures.as_completed(futures)
    else:
        order = futures  # e.g. Dask futures: collected in submission order
    for f in order:
        k = index[id(f)]
        try:
            results[k] = f.result()
        except BaseException as exc:  # a worker that crashed or was killed
            results[k] = error_result(targets[k], f"worker failed: {type(exc).__name__}: {exc}")
        if progress:
            progress(results[k])
    return results


def guarded(fn: Callable, target: Target, *extra) -> dict:
    """``fn(target, *extra)`` with every exception turned into an error result."""
    try:
        return fn(target, *extra)
    except PolyoptError as exc:
        return error_result(target, str(exc))
    except Exception as exc:
        return error_result(target, f"internal error: {type(exc).__name__}: {exc}",
                            traceback.format_exc())


def error_result(target: Target, message: str, trace: str = "") -> dict:
    out = {"kernel": target.name, "name": target.out_name, "file": target.file, "status": "error",
           "error": message}
    if trace:
        out["traceback"] = trace
    return out


def make_executor(jobs: int):
    """A process pool for ``--jobs N`` (None for one job: run in this process)."""
    if jobs <= 1:
        return None
    return concurrent.futures.ProcessPoolExecutor(max_workers=jobs)


def track(targets: Sequence[Target], label: str, args, detail: Callable[[dict], str] = lambda r: ""):
    """A :class:`~polyopt.cli.progress.Progress` over ``targets`` and the two callbacks
    :func:`run_jobs` takes: ``(progress, starting, finished)``.  ``detail(result)`` is the short
    fact shown for a kernel that did not fail; ``--quiet`` turns progress off."""
    progress = Progress(len(targets), label, enabled=not getattr(args, "quiet", False),
                        name_width=max([len(t.out_name) for t in targets] + [4]))

    def starting(target: Target) -> None:
        progress.started(target.out_name)

    def finished(result: dict) -> None:
        error = result.get("error")
        progress.finished(result.get("name", "?"), result.get("status", "?"),
                          first_line(error) if error else detail(result))

    return progress, starting, finished


# ---------------------------------------------------------------- output


def format_table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A plain aligned text table (numbers right-aligned)."""
    rows = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(headers)]

    def line(cells, numeric):
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    numeric = [bool(rows) and all(_is_number(r[k]) or not r[k] for r in rows) for k in range(len(headers))]
    out = [line(headers, numeric), line(["-" * w for w in widths], [False] * len(widths))]
    out += [line(r, numeric) for r in rows]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("x"))
    except ValueError:
        return False
    return True


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def ensure_dir(path: str) -> Path:
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create output directory: {exc.strerror}") from exc
    if not os.access(p, os.W_OK):
        raise UsageError(f"{path}: output directory is not writable")
    return p
