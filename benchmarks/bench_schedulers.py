"""Side-by-side benchmark of the schedulers: scheduler="pluto" vs "isl" vs "none".

Not a test.  Every kernel is compiled the same way (same gcc flags, same tiling/parallel options)
with the three schedulers; each variant is first checked against the Python original on the MINI
instance, then timed by polyopt's timing loop (polyopt/runtime/timing.py: one call of every variant
per round, the order rotating between rounds) so that machine noise hits all variants alike.
Reported: median seconds per variant, pluto's GFLOP/s, the ratios none/pluto, none/isl, isl/pluto
measured in this run, and the noise (the largest spread between rounds of the three).

    OMP_NUM_THREADS=2 python benchmarks/bench_schedulers.py             # LARGE, 3 rounds
    python benchmarks/bench_schedulers.py --size MEDIUM --reps 5 gemm lu

Kernels, inputs and flop counts are the kernel suite's (see polyopt/suite.py): the Cases of
kernels/blas.py (gemm, syrk), kernels/linalg.py (2mm is ``mm2``), kernels/solvers.py (lu) and
kernels/stencils.py (jacobi-2d, seidel-2d, heat-3d, fdtd-2d), which follow PolyBench/C 4.2 in loop
order, ``init_array`` and dataset sizes.  Sizes are the Case's preset of ``--size`` (LARGE is
PolyBench's LARGE), with one exception: gemm runs at NI = NJ = NK = 2000, the issue's size, in every
preset above MEDIUM (PolyBench's LARGE gemm is 1000 x 1100 x 1200).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before libgomp is loaded by the first kernel

import numpy as np  # noqa: E402

from polyopt.cli.check import compare, copy_inputs  # noqa: E402
from polyopt.runtime.timing import time_interleaved  # noqa: E402
from polyopt.suite import PRESETS, Case, cases_in_file  # noqa: E402

SCHEDULERS = ("pluto", "isl", "none")
SIZES = ("MINI", "MEDIUM", "LARGE")
KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernels"

# name on the command line -> (suite file in kernels/, kernel function name)
KERNELS = {
    "gemm": ("blas.py", "gemm"),
    "2mm": ("linalg.py", "mm2"),
    "syrk": ("blas.py", "syrk"),
    "lu": ("solvers.py", "lu"),
    "jacobi-2d": ("stencils.py", "jacobi_2d"),
    "seidel-2d": ("stencils.py", "seidel_2d"),
    "heat-3d": ("stencils.py", "heat_3d"),
    "fdtd-2d": ("stencils.py", "fdtd_2d"),
}

# Sizes that replace the suite's preset for every preset above MEDIUM.
ISSUE_SIZES = {"gemm": dict(NI=2000, NJ=2000, NK=2000)}


def load_cases(names) -> dict[str, Case]:
    """The suite's Case of each named kernel; every suite file is imported once."""
    files: dict[str, dict[str, Case]] = {}
    out = {}
    for name in names:
        file, func = KERNELS[name]
        if file not in files:
            files[file] = {c.name: c for c in cases_in_file(KERNEL_DIR / file)}
        out[name] = files[file][func]
    return out


def params(name: str, case: Case, size: str) -> dict[str, int]:
    """The size parameters of ``name`` at preset ``size`` (the suite's, or ISSUE_SIZES above MEDIUM)."""
    if name in ISSUE_SIZES and PRESETS.index(size) > PRESETS.index("MEDIUM"):
        return dict(ISSUE_SIZES[name])
    return case.params_for(size)


def check(name: str, case: Case, compiled: dict) -> None:
    """Every scheduler's code on the MINI instance must match the Python original.

    The variants are the ones timed (production flags, so gcc may contract into FMAs): an array
    matches when its largest error is within 1e-9 of its largest magnitude.
    """
    args = case.init(**params(name, case, "MINI"))
    want = copy_inputs(args)
    case.kernel.reference(**want)
    for sched, fn in compiled.items():
        got = copy_inputs(args)
        fn(**got)
        for arg, w in want.items():
            if isinstance(w, np.ndarray) and not compare(w, got[arg], 1e-9)[2]:
                raise SystemExit(f"{name}: scheduler={sched} computed a wrong {arg} on the MINI instance")


def bench(name: str, case: Case, size: str, reps: int, options: dict) -> dict:
    """Median seconds per scheduler for one kernel, measured in interleaved rounds, and the noise."""
    compiled = {}
    for sched in SCHEDULERS:
        compiled[sched] = case.kernel.compile(scheduler=sched, **options)
    check(name, case, compiled)
    sizes = params(name, case, size)
    args = case.init(**sizes)
    # No warm-up run at this size: the MINI check loaded every library and started the threads.
    timings = time_interleaved({s: (lambda a, fn=compiled[s]: fn(**a)) for s in SCHEDULERS},
                               fresh=lambda: copy_inputs(args), repeat=reps, warmup=0)
    return {"median": {s: timings.median(s) for s in SCHEDULERS},
            "spread": max(timings.spread(s) for s in SCHEDULERS), "flops": float(case.flops(**sizes))}


def machine() -> str:
    """lscpu's summary lines and the gcc version."""
    keep = ("Architecture", "Model name", "CPU(s):", "Thread(s) per core", "L1d", "L2", "L3")
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        lines = [ln for ln in out.splitlines() if ln.startswith(keep)]
    except OSError:
        lines = [platform.processor()]
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    cflags = os.environ.get("POLYOPT_CFLAGS", "-O3 -march=native -fopenmp (default)")
    load = "load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    threads = f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"
    return "\n".join(lines + [f"gcc: {gcc}", f"POLYOPT_CFLAGS: {cflags}", load, threads,
                              f"python {sys.version.split()[0]}"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kernels", nargs="*", help=f"subset of {', '.join(KERNELS)}")
    ap.add_argument("--size", default="LARGE", choices=SIZES)
    ap.add_argument("--reps", type=int, default=3, help="interleaved rounds (median reported)")
    ap.add_argument("--tile", default=None,
                    help="tile option for every scheduler: true, false, 32 or 8,32,64 (default: polyopt's)")
    ns = ap.parse_args(argv)
    names = ns.kernels or list(KERNELS)
    unknown = [n for n in names if n not in KERNELS]
    if unknown:
        ap.error(f"unknown kernel {unknown[0]!r}")
    options = {}
    if ns.tile is not None:
        text = ns.tile.lower()
        options["tile"] = {"true": True, "false": False}[text] if text.isalpha() \
            else tuple(int(x) for x in text.split(",")) if "," in text else int(text)
    cases = load_cases(names)
    print(machine())
    print(f"size={ns.size} reps={ns.reps} options={options or 'defaults'}\n")
    head = f"{'kernel':<10} {'pluto s':>9} {'isl s':>9} {'none s':>9} {'pluto GF/s':>10} " \
           f"{'none/pluto':>10} {'none/isl':>9} {'isl/pluto':>9} {'spread':>7}"
    print(head)
    print("-" * len(head))
    for name in names:
        r = bench(name, cases[name], ns.size, ns.reps, options)
        t = r["median"]
        gf = r["flops"] / t["pluto"] / 1e9
        print(f"{name:<10} {t['pluto']:9.3f} {t['isl']:9.3f} {t['none']:9.3f} {gf:10.2f} "
              f"{t['none'] / t['pluto']:10.2f} {t['none'] / t['isl']:9.2f} {t['isl'] / t['pluto']:9.2f} "
              f"{r['spread']:7.1%}", flush=True)
    print("\nafter the run, load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
