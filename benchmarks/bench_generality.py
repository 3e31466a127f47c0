"""Generality benchmark: kernels the scheduler was not tuned on, polyopt vs its original loop order
vs numba, side by side.

Not a test.  The kernels are the deep-learning ones of issue 17 (layer norm, softmax, attention,
batch norm, matmul + bias + GELU, conv2d; kernels/deep_learning*.py) and deriche, ludcmp and
durbin from the suite, whose scalar temporaries kept every loop serial before they were
privatised.  Each is run three ways: polyopt with its default options, polyopt with
``scheduler="none"`` (the original loops, compiled the same way) and the numba version of
benchmarks/generality_numba.py (``@njit(parallel=True)``, ``prange`` on the outer loop; durbin,
which has no loop worth it, serial).  The
three are first run once each on the benchmark's inputs (this compiles the numba version and
starts the threads) and their results compared with the original order's; then they are timed by
polyopt's timing loop (polyopt/runtime/timing.py: one run of each per round, the order rotating,
fresh copies of the arguments for every run).  Reported: the median per variant, the speed-ups
of polyopt over "none" and over numba (the other's time / polyopt's time), their geometric means
and the noise (the largest spread between rounds of the three).

    python benchmarks/bench_generality.py                      # every kernel, 2 threads, 5 rounds
    python benchmarks/bench_generality.py --size MINI --reps 1 softmax

The default sizes (``--size bench``) are chosen per kernel so that the original loop order, which
runs serially, takes at least 50 ms; ``--size PRESET`` uses the suite's preset instead.  The result
is also written as markdown (machine, command, table, CSV) to ``-o`` (default
benchmarks/results/generality_<date>.md).  Needs numba (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from polyopt.cli.check import compare, copy_inputs
from polyopt.runtime.timing import time_interleaved
from polyopt.suite import PRESETS, Case, cases_in_file

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("polyopt", "none", "numba")
SERIAL_MIN_S = 0.05  # the original loop order must run at least this long at the benchmark's size
# numba's results against the original order's, per float size in bytes, relative to the array's
# largest magnitude (durbin's recursion amplifies those of fused multiply-adds: 5e-7 at N=12000)
NUMBA_RTOL = {4: 1e-3, 8: 1e-5}


def _conv(nb, c, k, hw):
    return dict(NB=nb, C=c, K=k, H=hw, W=hw, OH=(hw - 1) // 2 + 1, OW=(hw - 1) // 2 + 1)


# name -> (suite file in kernels/, the parameters of --size bench: "none" takes >= 50 ms serially)
KERNELS = {
    "layernorm": ("deep_learning_rows.py", dict(NR=65536, D=1024)),
    "softmax": ("deep_learning_rows.py", dict(NR=16384, D=1024)),
    "attention": ("deep_learning_rows.py", dict(S=2048, DK=64, DV=64)),
    "batchnorm": ("deep_learning.py", dict(NB=128, C=96, H=112, W=112)),
    "matmul_bias_gelu": ("deep_learning.py", dict(NI=1024, NJ=1024, NK=1024)),
    "conv2d": ("deep_learning.py", _conv(4, 64, 64, 56)),
    "deriche": ("medley.py", dict(W=4096, H=2160)),
    "ludcmp": ("solvers.py", dict(N=1000)),
    "durbin": ("solvers.py", dict(N=12000)),
}


def load_numba(threads: int):
    """The numba versions (benchmarks/generality_numba.py), or exit with how to install numba."""
    try:
        import numba
    except ImportError:
        raise SystemExit("bench_generality.py needs numba: python3 -m pip install numba "
                         "(or pip install -e '.[bench]')") from None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import generality_numba

    numba.set_num_threads(threads)
    return generality_numba.KERNELS


def load_cases(names) -> dict[str, Case]:
    """The suite's Case of each named kernel; every suite file is imported once."""
    files: dict[str, dict[str, Case]] = {}
    for name in names:
        file = KERNELS[name][0]
        if file not in files:
            files[file] = {c.name: c for c in cases_in_file(ROOT / "kernels" / file)}
    return {name: files[KERNELS[name][0]][name] for name in names}


def outer_loop(case: Case) -> str:
    """The kind of the first loop polyopt generates, with the reason when it is not parallel."""
    band = case.kernel.schedule().bands[0]
    first = (band.tile_loops + band.loops)[0]
    return str(first.kind) if first.kind == "parallel" else f"{first.kind}: {first.reason}"


def check(name: str, kernel, fns: dict, args: dict) -> None:
    """Run every variant once on ``args`` and compare its arrays with the original order's.

    polyopt must match within ``polyopt check``'s tolerance; numba within NUMBA_RTOL, since it
    computes differently: gcc fuses multiply-adds (-ffp-contract=fast), numba without fastmath
    does not, and numba keeps the temporaries of float32 kernels in float64.
    """
    results = {}
    for v, fn in fns.items():
        results[v] = copy_inputs(args)
        fn(results[v])
    # a schedule that reassociates a reduction is held to check's tolerance for that
    reassociated = any(lp.reduce for band in kernel.schedule().plan.bands for lp in band.kinds or ())
    for v in fns:
        for arg, want in results["none"].items():
            if isinstance(want, np.ndarray):
                rtol = NUMBA_RTOL.get(want.dtype.itemsize) if v == "numba" and want.dtype.kind == "f" else None
                _, rel, ok = compare(want, results[v][arg], rtol, reassociated and v == "polyopt")
                if not ok:
                    raise SystemExit(f"{name}: {v} computed another {arg} than the original loop order "
                                     f"(largest error {rel:.2e} of the array's scale)")


def bench(name: str, case: Case, numba_fn, size: str, reps: int) -> dict:
    """Median seconds per variant of one kernel, measured in interleaved rounds, and the noise."""
    params = KERNELS[name][1] if size == "bench" else case.params_for(size)
    args = case.init(**params)
    fns = {"polyopt": case.kernel.compile(), "none": case.kernel.compile(scheduler="none"), "numba": numba_fn}
    variants = {v: (lambda a, fn=fns[v]: fn(**a)) for v in VARIANTS}
    check(name, case.kernel, variants, args)
    # No warm-up run: the check ran every variant once at this size (numba compiled, threads started).
    timings = time_interleaved(variants, fresh=lambda: copy_inputs(args), repeat=reps, warmup=0)
    median = {v: timings.median(v) for v in VARIANTS}
    return {"kernel": name, "params": params, "median": median, "outer": outer_loop(case),
            "spread": max(timings.spread(v) for v in VARIANTS),
            "vs_none": median["none"] / median["polyopt"], "vs_numba": median["numba"] / median["polyopt"]}


def geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


def machine(threads: int) -> list[str]:
    """lscpu's summary lines, gcc's and numba's versions, the thread count and the load."""
    keep = ("Architecture", "Model name", "CPU family", "Model:", "CPU(s):", "Thread(s) per core",
            "L1d", "L2", "L3")
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        lines = [ln for ln in out.splitlines() if ln.startswith(keep)]
        flags = next((ln.split()[1:] for ln in out.splitlines() if ln.startswith("Flags:")), [])
        # a VM's model name may be generic ("Intel Xeon Processor"): the vector extensions tell more
        lines.append("SIMD flags: " + " ".join(f for f in flags if f.startswith(("avx", "amx", "fma"))))
    except OSError:
        lines = [platform.processor()]
    import numba

    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    cflags = os.environ.get("POLYOPT_CFLAGS", "-O3 -march=native -fopenmp (default)")
    return lines + [f"gcc: {gcc}", f"POLYOPT_CFLAGS: {cflags}", f"numba {numba.__version__}",
                    f"threads: {threads} (OMP_NUM_THREADS, numba.set_num_threads)", _load(),
                    f"python {sys.version.split()[0]}"]


def _load() -> str:
    return "load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _sizes(params: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def table(rows: list[dict]) -> list[str]:
    """The result as a markdown table, one row per kernel."""
    out = ["| kernel | sizes | polyopt ms | none ms | numba ms | vs none | vs numba | spread "
           "| polyopt's outer loop |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r["median"]
        out.append(f"| {r['kernel']} | {_sizes(r['params'])} | {t['polyopt'] * 1e3:.1f} | {t['none'] * 1e3:.1f} | "
                   f"{t['numba'] * 1e3:.1f} | {r['vs_none']:.2f}x | {r['vs_numba']:.2f}x | {r['spread']:.0%} | "
                   f"{r['outer']} |")
    return out


def write(path: Path, rows: list[dict], head: list[str], command: str, reps: int) -> None:
    """The markdown result file: machine, command, table, geometric means and the CSV."""
    csv = ["kernel,sizes,polyopt_s,none_s,numba_s,vs_none,vs_numba,spread"]
    csv += [f"{r['kernel']},{_sizes(r['params'])},{r['median']['polyopt']:.6g},{r['median']['none']:.6g},"
            f"{r['median']['numba']:.6g},{r['vs_none']:.4g},{r['vs_numba']:.4g},{r['spread']:.3g}" for r in rows]
    text = [f"# Generality benchmark, {datetime.date.today()}", "", "```", *head, "```", "",
            f"Command: `{command}`", "",
            f"Median of {reps} interleaved rounds (order rotating, fresh arguments per run); "
            "'vs X' = X's time / polyopt's time; spread = the largest (slowest - fastest) / median "
            "of the three variants.", "", *table(rows), "", *summary(rows), "", "```csv", *csv, "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(text))


def summary(rows: list[dict]) -> list[str]:
    return [f"geomean: {geomean(r['vs_none'] for r in rows):.2f}x vs none, "
            f"{geomean(r['vs_numba'] for r in rows):.2f}x vs numba ({len(rows)} kernels)"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kernels", nargs="*", help=f"subset of {', '.join(KERNELS)}")
    ap.add_argument("--size", default="bench", choices=("bench",) + PRESETS,
                    help="bench: this script's sizes (the original order >= 50 ms); else a suite preset")
    ap.add_argument("--reps", type=int, default=5, help="interleaved rounds (median reported)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", type=Path, default=None,
                    help="markdown result file (default benchmarks/results/generality_<date>.md)")
    ns = ap.parse_args(argv)
    names = ns.kernels or list(KERNELS)
    unknown = [n for n in names if n not in KERNELS]
    if unknown:
        ap.error(f"unknown kernel {unknown[0]!r}")
    # libgomp reads OMP_NUM_THREADS when the first compiled kernel loads it, numba when imported
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = str(ns.threads)
    numba_fns = load_numba(ns.threads)
    out = ns.out or ROOT / "benchmarks" / "results" / f"generality_{datetime.date.today()}.md"
    given = argv if argv is not None else sys.argv[1:]
    command = shlex.join(["python", "benchmarks/bench_generality.py", *given])
    head = machine(ns.threads)
    print("\n".join(head))
    print(f"size={ns.size} reps={ns.reps}\n")
    cases = load_cases(names)
    rows = []
    for name in names:
        rows.append(bench(name, cases[name], numba_fns[name], ns.size, ns.reps))
        print(table(rows)[-1], flush=True)
        if ns.size == "bench" and rows[-1]["median"]["none"] < SERIAL_MIN_S:
            print(f"warning: {name}: the original loop order took under {SERIAL_MIN_S * 1e3:.0f} ms",
                  file=sys.stderr)
    head.append("after the run, " + _load())
    print("\n".join(["", *table(rows), "", *summary(rows), "", head[-1], f"written to {out}"]))
    write(out, rows, head, command, ns.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
