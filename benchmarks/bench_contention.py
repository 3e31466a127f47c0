"""Contention benchmark: each suite kernel against its original loop order, alone and beside a
busy process on the same cores.

Not a test.  On a machine whose cores are shared, a 2-thread OpenMP kernel can lose far more
than half its speed: every parallel region ends in a barrier that waits for the thread the
other process has descheduled, so a kernel that opens many short regions inside serial loops
(doitgen's ``p`` loop inside serial ``r`` and ``q``) pays a scheduler time slice per region.
Issue 17 asks that no suite kernel be more than 2x slower than its original loop order under
the same contention.

For each kernel this compiles polyopt's default schedule and ``scheduler="none"`` (the original
loops, compiled the same way), checks that they agree, then times them in interleaved rounds
(polyopt/runtime/timing.py) twice: on the quiet machine, and with one CPU-bound process beside
them (started here half a second before the calls, killed after).  Reported per kernel: the two
medians of each phase and "none / polyopt" in both; a contended ratio below 0.5 is flagged.

    python benchmarks/bench_contention.py --size LARGE kernels/linalg.py:doitgen
    python benchmarks/bench_contention.py --size MEDIUM --reps 3 kernels/

Run it alone (under the project's benchmark lock): any other load is contention it does not count.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_generality import check, geomean

from polyopt.cli.check import copy_inputs
from polyopt.runtime.timing import time_interleaved
from polyopt.suite import discover

# polyopt's calls read the machine's load over the last ~0.06 s (polyopt/runtime/threads.py): a
# kernel timed in the first few milliseconds after the busy process starts would measure how fast
# that reading follows, not contention
SETTLE = 0.5
FLAG_BELOW = 0.5  # polyopt more than 2x slower than the original loops under the same contention


def cpu_model() -> str:
    """lscpu's model name ("?" when lscpu says none)."""
    return next((ln.split(":", 1)[1].strip() for ln in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if ln.startswith("Model name")), "?")


def busy() -> subprocess.Popen:
    """One CPU-bound process (a Python loop) beside the benchmark."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def measure(case, size: str, reps: int, settle: float = SETTLE) -> dict:
    """The medians of polyopt and 'none' on ``case`` at ``size``, quiet then beside a busy process
    that has run for ``settle`` seconds."""
    args = case.inputs(size)
    fns = {"polyopt": case.kernel.compile(), "none": case.kernel.compile(scheduler="none")}
    variants = {v: (lambda a, fn=fn: fn(**a)) for v, fn in fns.items()}
    check(case.name, case.kernel, variants, args)  # polyopt against the original loops, check's tolerance
    out = {"kernel": case.name, "params": case.params_for(size)}
    for phase in ("quiet", "busy"):
        other = busy() if phase == "busy" else None
        if other is not None:
            time.sleep(settle)  # the other process is there before the calls, as on a shared machine
        try:
            t = time_interleaved(variants, fresh=lambda: copy_inputs(args), repeat=reps, warmup=1)
        finally:
            if other is not None:
                other.kill()
                other.wait()
        out[phase] = {v: t.median(v) for v in variants}
    return out


def table(rows: list[dict]) -> list[str]:
    lines = ["| kernel | quiet polyopt ms | quiet none ms | quiet none/polyopt | busy polyopt ms | busy none ms "
             "| busy none/polyopt |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        q, b = r["quiet"], r["busy"]
        ratio = b["none"] / b["polyopt"]
        flag = " **(> 2x slower)**" if ratio < FLAG_BELOW else ""
        lines.append(f"| {r['kernel']} | {q['polyopt'] * 1e3:.2f} | {q['none'] * 1e3:.2f} | "
                     f"{q['none'] / q['polyopt']:.2f}x | {b['polyopt'] * 1e3:.2f} | {b['none'] * 1e3:.2f} | "
                     f"{ratio:.2f}x{flag} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=["kernels/"], help="suite files, directories or FILE:KERNEL")
    ap.add_argument("--size", default="MEDIUM", help="size preset (default MEDIUM)")
    ap.add_argument("--reps", type=int, default=3, help="interleaved rounds per phase (default 3)")
    ap.add_argument("-o", "--output", type=Path, help="also write the table as markdown here")
    opts = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    rows = []
    for case in discover(opts.paths):
        row = measure(case, opts.size, opts.reps)
        rows.append(row)
        print(table([row])[-1], flush=True)
    quiet = geomean(r["quiet"]["none"] / r["quiet"]["polyopt"] for r in rows)
    contended = geomean(r["busy"]["none"] / r["busy"]["polyopt"] for r in rows)
    flagged = [r["kernel"] for r in rows if r["busy"]["none"] / r["busy"]["polyopt"] < FLAG_BELOW]
    summary = [f"geomean none/polyopt: quiet {quiet:.2f}x, beside a busy process {contended:.2f}x",
               f"more than 2x slower than the original loops under contention: {', '.join(flagged) or 'none'}"]
    print("\n".join(summary))
    if opts.output:
        cpu = cpu_model()
        head = [f"# Contention benchmark, {datetime.date.today()}", "",
                f"Command: `python benchmarks/bench_contention.py {' '.join(argv or sys.argv[1:])}`", "",
                f"{cpu}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
                f"size {opts.size}, median of {opts.reps} interleaved rounds per phase; 'busy': one CPU-bound "
                "Python process beside the kernel.", ""]
        opts.output.write_text("\n".join(head + table(rows) + [""] + summary) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
