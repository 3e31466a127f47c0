"""Private copies of argument arrays: kernels with a scratch array, with and without the copies.

Not a test.  doitgen fills ``sum_[p]`` in every iteration of ``r, q``; without a private copy per
thread ``r`` and ``q`` stay serial and each of their iterations opens a parallel region over ``p``
(issue 17: beside a busy process those regions collapsed).  For each kernel this compiles the
default (copies), ``private_arrays=False`` (the schedule before copies existed) and
``scheduler="none"`` (the original loops), checks that they agree, and times them in interleaved
rounds, on the quiet machine and beside one CPU-bound process (as ``bench_contention.py``).

    python benchmarks/bench_private_arrays.py --size LARGE kernels/linalg.py:doitgen

Run it alone (under the project's benchmark lock).
"""

from __future__ import annotations

import argparse
import os
import time

from bench_contention import SETTLE, busy, cpu_model
from bench_generality import check, geomean

from polyopt.cli.check import copy_inputs
from polyopt.runtime.timing import time_interleaved
from polyopt.suite import discover

VARIANTS = {"copies": {}, "shared": {"private_arrays": False}, "none": {"scheduler": "none"}}


def measure(case, size: str, reps: int) -> dict:
    """Per phase (quiet, busy) the median seconds of each variant, and the paired ratios."""
    args = case.inputs(size)
    fns = {name: case.kernel.compile(**opts) for name, opts in VARIANTS.items()}
    variants = {v: (lambda a, fn=fn: fn(**a)) for v, fn in fns.items()}
    check(case.name, case.kernel, variants, args)
    out = {"kernel": case.name, "params": case.params_for(size)}
    for phase in ("quiet", "busy"):
        other = busy() if phase == "busy" else None
        if other is not None:
            time.sleep(SETTLE)
        try:
            t = time_interleaved(variants, fresh=lambda: copy_inputs(args), repeat=reps, warmup=1)
        finally:
            if other is not None:
                other.kill()
                other.wait()
        out[phase] = {v: t.median(v) for v in variants}
        out[phase + "_ratio"] = {v: t.ratio(v, "copies") for v in ("shared", "none")}
    return out


def table(rows: list[dict]) -> list[str]:
    lines = ["| kernel | phase | copies ms | shared ms | none ms | shared/copies [95%] | none/copies [95%] |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        for phase in ("quiet", "busy"):
            t, q = r[phase], r[phase + "_ratio"]
            cells = [f"{q[v].estimate:.2f}x [{q[v].low:.2f}, {q[v].high:.2f}]" for v in ("shared", "none")]
            lines.append(f"| {r['kernel']} | {phase} | {t['copies'] * 1e3:.2f} | {t['shared'] * 1e3:.2f} | "
                         f"{t['none'] * 1e3:.2f} | {cells[0]} | {cells[1]} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=["kernels/linalg.py:doitgen"], help="suite files or FILE:KERNEL")
    ap.add_argument("--size", default="LARGE", help="size preset (default LARGE)")
    ap.add_argument("--reps", type=int, default=7, help="interleaved rounds per phase (default 7)")
    opts = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    rows = [measure(case, opts.size, opts.reps) for case in discover(opts.paths)]
    out = [f"{cpu_model()}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
           f"size {opts.size}, "
           f"median of {opts.reps} interleaved rounds per phase; 'busy': one CPU-bound process beside the kernel",
           ""] + table(rows) + [""]
    for phase in ("quiet", "busy"):
        out.append(f"geomean {phase}: shared/copies "
                   f"{geomean(r[phase + '_ratio']['shared'].estimate for r in rows):.2f}x, none/copies "
                   f"{geomean(r[phase + '_ratio']['none'].estimate for r in rows):.2f}x")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
