"""When does a parallel region pay?  The measurement behind TilePolicy.min_parallel_work.

Not a test.  Two kernels of light work per statement instance -- a transposed add of N x N arrays
and a matrix-vector product -- are compiled twice: with every parallel loop always parallel (the
plan's ``min_work`` set to 0) and without parallel loops (``parallel=False``, the same loops
otherwise).  For sizes from a few hundred to a million statement instances, the two are timed
against each other by polyopt's timing loop (interleaved rounds, order rotating; each timed run is
many calls, so that the per-call overhead of argument checking is shared alike), and the ratio
parallel / serial is printed: below 1 the threads pay.  Then the default build (``if`` clause at
the policy's threshold) is compared with the always-parallel one at a small and a large size, the
before / after of the clause: on an idle machine, and with another process busy on one core (a
shared machine: a thread of the parallel region then waits for that core).

    OMP_NUM_THREADS=2 /work/tools/quiet python benchmarks/bench_parallel_threshold.py
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
from dataclasses import replace

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")  # before NumPy's BLAS and libgomp start their threads

import numpy as np  # noqa: E402

import polyopt as po  # noqa: E402
from polyopt.runtime.timing import time_interleaved  # noqa: E402
from polyopt.schedule.policy import DEFAULT_POLICY  # noqa: E402

N = po.symbols("N")


@po.kernel
def transpose_add(A: po.f64[N, N], B: po.f64[N, N], C: po.f64[N, N]):
    for i in range(N):
        for j in range(N):
            C[i, j] = A[i, j] + B[j, i]


@po.kernel
def matvec(A: po.f64[N, N], x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        y[i] = 0.0
        for j in range(N):
            y[i] += A[i, j] * x[j]


def always_parallel(kernel):
    """The kernel built with every parallel loop parallel whatever its work (``min_work=0``)."""
    plan = kernel.schedule().plan
    bands = tuple(replace(b, kinds=tuple(replace(lp, min_work=0) if lp.kind == "parallel" else lp
                                         for lp in b.kinds)) for b in plan.bands)
    return kernel.compile(plan=replace(plan, bands=bands))


def arguments(kernel, n: int):
    rng = np.random.default_rng(0)
    if kernel is transpose_add:
        return rng.random((n, n)), rng.random((n, n)), np.zeros((n, n))
    return rng.random((n, n)), rng.random(n), np.zeros(n)


def timed(variants: dict, args, calls: int, repeat: int):
    """Interleaved timings of ``variants`` (name -> compiled kernel), ``calls`` calls per run."""
    def many(fn):
        def run():
            for _ in range(calls):
                fn(*args)
        return run

    return time_interleaved({name: many(fn) for name, fn in variants.items()}, repeat=repeat, warmup=2)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="interleaved rounds (default: 9)")
    parser.add_argument("--part", choices=("threshold", "clause", "all"), default="all",
                        help="the sweep of sizes, the before / after of the if clause, or both (default)")
    args = parser.parse_args(argv)
    print(f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; median of {args.repeat} rounds")
    if args.part != "clause":
        sweep(args.repeat)
    if args.part != "threshold":
        clause(args.repeat)


def sweep(repeat: int) -> None:
    """Parallel / serial over sizes: where the threads start to pay."""
    for kernel in (transpose_add, matvec):
        par, ser = always_parallel(kernel), kernel.compile(parallel=False)
        print(f"\n{kernel.name}, parallel / serial (work = statement instances per call):")
        for n in (16, 32, 48, 64, 96, 128, 192, 256, 512, 1024):
            work = n * n + (n if kernel is matvec else 0)
            calls = max(1, 2_000_000 // work)
            t = timed({"parallel": par, "serial": ser}, arguments(kernel, n), calls, repeat)
            r = t.ratio("parallel", "serial")
            print(f"  N={n:5d} work={work:8d}  parallel {t.median('parallel') / calls * 1e6:9.2f} us  "
                  f"serial {t.median('serial') / calls * 1e6:9.2f} us  ratio {r.estimate:.2f} "
                  f"[{r.low:.2f}, {r.high:.2f}]")


def clause(repeat: int) -> None:
    """The default build (if clause) / always parallel, idle and with one core busy."""
    default, par = transpose_add.compile(), always_parallel(transpose_add)
    for busy in (False, True):
        print(f"\ntranspose_add, default build (if clause at {DEFAULT_POLICY.min_parallel_work}) / always "
              f"parallel{', another process busy on one core' if busy else ''}:")
        spinner = multiprocessing.Process(target=_spin, daemon=True) if busy else None
        if spinner is not None:
            spinner.start()
        try:
            for n in (64, 2000):
                calls = max(1, 2_000_000 // (n * n))
                t = timed({"default": default, "always": par}, arguments(transpose_add, n), calls, repeat)
                r = t.ratio("default", "always")
                print(f"  N={n:5d}  default {t.median('default') / calls * 1e6:10.2f} us  "
                      f"always parallel {t.median('always') / calls * 1e6:10.2f} us  ratio {r.estimate:.2f} "
                      f"[{r.low:.2f}, {r.high:.2f}]")
        finally:
            if spinner is not None:
                spinner.terminate()
                spinner.join()


def _spin() -> None:
    while True:
        pass


if __name__ == "__main__":
    main()
