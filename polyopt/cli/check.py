"""``polyopt check``: run every kernel compiled and as the original Python, and compare.

Each kernel gets its preset inputs (``Case.inputs(size)``); the compiled kernel and
``kernel.reference`` each run on their own copy, and every array argument is compared.  A kernel
matches when every element is within ``rtol`` of the reference, relative to the largest magnitude
of that array.

A schedule keeps the order of every dependent pair; the one exception is a parallel reduction
(``reassociate``: each thread sums a part, the parts are added after the loop), whose rounding
differs from the original order's by a few units in the last place of the sum -- within ``rtol``.
Otherwise the only source of rounding differences is gcc contracting ``a*b + c`` into one FMA.
``check`` therefore compiles with ``-ffp-contract=off`` by default: the compiled kernel must then
reproduce Python's results to the last bit, even on ill-conditioned PolyBench inputs
(gramschmidt's rank-deficient matrices) where one FMA changes the answer completely -- and for the
same reason with ``reassociate=False`` (no reduction reassociated) unless the options say
otherwise.  ``--fp-contract`` keeps the production flags and schedules, and then a kernel whose
schedule reassociates a reduction is compared to ``REASSOCIATED_RTOL``.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import config
from ..errors import PolyoptError
from ..runtime.agreement import DEFAULT_RTOL, REASSOCIATED_RTOL, compare  # noqa: F401 (the check API)
from .common import (
    Target,
    UsageError,
    collect,
    first_line,
    format_table,
    run_jobs,
    schedule_overrides,
    track,
)


def copy_inputs(inputs: dict) -> dict:
    """A deep enough copy: arrays copied, scalars shared (they are immutable)."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}


@contextmanager
def exact_arithmetic(enabled: bool):
    """Within the block, compile without FP contraction (unless the user set POLYOPT_CFLAGS)."""
    if not enabled or "POLYOPT_CFLAGS" in os.environ:
        yield
        return
    os.environ["POLYOPT_CFLAGS"] = " ".join(config.EXACT_CFLAGS)
    try:
        yield
    finally:
        del os.environ["POLYOPT_CFLAGS"]


def check_one(target: Target, size: str, options: dict, rtol: float | None, exact: bool = True) -> dict:
    """Compile and run one kernel against its reference; returns the per-array errors and status.

    Runs in the worker (any executor), so the compiler flags are set here, not by the caller.
    """
    case = target.load()
    kernel = case.kernel
    inputs = case.inputs(size)
    mine, ref = copy_inputs(inputs), copy_inputs(inputs)
    if exact:  # no reassociated sums either: bit-for-bit the original's order of operations
        options = {"reassociate": False, **options}
    with exact_arithmetic(exact):
        compiled = kernel.compile(**options)
    compiled(**mine)
    kernel.reference(**ref)
    plan = kernel.schedule(**options).plan  # memoized: the schedule compile used
    reassociated = any(lp.reduce for band in plan.bands for lp in band.kinds or ())
    arrays = {}
    for name, expected in ref.items():
        if not isinstance(expected, np.ndarray):
            continue
        a, r, good = compare(expected, mine[name], rtol, reassociated)
        arrays[name] = {"max_abs_error": a, "max_rel_error": r, "ok": good}
    ok = all(v["ok"] for v in arrays.values())
    max_abs = _worst(v["max_abs_error"] for v in arrays.values())
    max_rel = _worst(v["max_rel_error"] for v in arrays.values())
    return {"kernel": target.name, "name": target.out_name, "file": target.file, "size": size,
            "status": "ok" if ok else "mismatch", "max_abs_error": max_abs, "max_rel_error": max_rel,
            "reassociated": reassociated, "arrays": arrays}


def run(args, executor=None) -> int:
    """The ``check`` command."""
    options = schedule_overrides(args)
    targets, failures = collect(args.paths)
    for t in targets:  # an unknown preset is a usage error, found before any work
        try:
            t.case.params_for(args.size)
        except PolyoptError as exc:
            raise UsageError(exc.message, hint=exc.hint) from None
    progress, starting, finished = track(targets, f"check {args.size}", args, _detail)
    with progress:
        results = run_jobs(check_one, targets, (args.size, options, args.rtol, not args.fp_contract),
                           executor=executor, progress=finished, starting=starting)
    rows = [[r["name"], r["status"], _fmt(r.get("max_abs_error")), _fmt(r.get("max_rel_error"))]
            for r in results]
    rows += [[Path(f.file).name, "error", "", ""] for f in failures]
    print(format_table(["kernel", "status", "max abs err", "max rel err"], rows))
    bad = [r for r in results if r["status"] != "ok"]
    for r in bad:
        if r["status"] == "mismatch":
            wrong = ", ".join(f"{n} (rel {_fmt(v['max_rel_error'])})" for n, v in r["arrays"].items()
                              if not v["ok"])
            print(f"\n{r['name']} ({r['file']}): MISMATCH in {wrong}")
        else:
            print(f"\n{r['name']} ({r['file']}): {r['error']}")
    for f in failures:
        print(f"\n{f.file}: {f.message}")
    n_bad = len(bad) + len(failures)
    print(f"\n{len(results) - len(bad)} of {len(results) + len(failures)} kernels match their reference "
          f"at size {args.size}")
    if n_bad:
        first = bad[0] if bad else None
        what = (f"{first['name']}: {first['status']}" if first and first["status"] == "mismatch"
                else first_line(first["error"]) if first else first_line(failures[0].message))
        print(f"polyopt check: {n_bad} failed (first: {what})", file=sys.stderr)
    return 1 if n_bad else 0


def _detail(result: dict) -> str:
    """The progress line's fact about a checked kernel: its error, or the arrays that differ."""
    if result["status"] == "mismatch":
        return "differs in " + ", ".join(n for n, v in result["arrays"].items() if not v["ok"])
    return f"max rel err {_fmt(result['max_rel_error'])}"


def _worst(values) -> float:
    """The largest error, NaN if any is NaN (NaN compares false, so max() alone would hide it)."""
    values = list(values)
    if any(v != v for v in values):
        return float("nan")
    return max(values, default=0.0)


def _fmt(v) -> str:
    return "" if v is None else f"{v:.2e}"
