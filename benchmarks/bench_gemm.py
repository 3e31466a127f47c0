"""gemm at N=2000 on 2 threads: polyopt vs scheduler="none" vs NumPy, and the per-call overhead.

Not a test.  Three variants of ``C = alpha * A @ B + beta * C`` (PolyBench loop order i, k, j):
polyopt's default schedule, the original loop order compiled the same way (``scheduler="none"``),
and NumPy (``C *= beta; C += alpha * (A @ B)``, i.e. its BLAS).  Each is checked against the others
on the benchmark data, then timed by polyopt's timing loop (polyopt/runtime/timing.py: interleaved
rounds, order rotating) and reported as the median, GFLOP/s and ratios from this one run.  Then the
overhead of calling a cached tiny kernel (argument checking, size binding, the ctypes call) is
measured over many calls, in microseconds, interleaved with as many NumPy ``x += a``.

    python benchmarks/bench_gemm.py                 # N=2000, 5 rounds
    python benchmarks/bench_gemm.py --n 1000 --reps 3
"""

from __future__ import annotations

import argparse
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")  # before NumPy's BLAS and libgomp start their threads

import numpy as np  # noqa: E402

import polyopt as po  # noqa: E402
from polyopt.runtime.timing import time_interleaved  # noqa: E402

NI, NJ, NK, N = po.symbols("NI NJ NK N")


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def tiny(x: po.f64[N], a: po.f64):
    for i in range(N):
        x[i] += a


def numpy_gemm(alpha, beta, C, A, B):
    C *= beta
    C += alpha * (A @ B)


def call_overhead(calls: int) -> tuple[float, float]:
    """(microseconds per call of the cached tiny kernel, microseconds per plain NumPy ``x += a``)."""
    fn = tiny.compile()
    x = np.zeros(4)

    def polyopt_calls():
        for _ in range(calls):
            fn(x, 1.0)

    def numpy_calls():
        nonlocal x  # in place: += rebinds x to the same array
        for _ in range(calls):
            x += 1.0

    timings = time_interleaved({"polyopt": polyopt_calls, "numpy": numpy_calls}, repeat=5, warmup=1)
    return timings.median("polyopt") / calls * 1e6, timings.median("numpy") / calls * 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--calls", type=int, default=100_000)
    ns = ap.parse_args(argv)
    n = ns.n
    rng = np.random.default_rng(0)
    A, B, C0 = rng.random((n, n)), rng.random((n, n)), rng.random((n, n))
    variants = {"polyopt": gemm.compile(), "none": gemm.compile(scheduler="none"), "numpy": numpy_gemm}
    results = {}
    for name, fn in variants.items():
        C = C0.copy()
        fn(1.5, 1.2, C, A, B)
        results[name] = C
    for name in ("polyopt", "none"):
        if not np.allclose(results[name], results["numpy"], rtol=1e-10):
            raise SystemExit(f"gemm ({name}) differs from NumPy")
    # The check above ran every variant once on these arrays: that was the warm-up.
    timings = time_interleaved({name: (lambda args, fn=fn: fn(*args)) for name, fn in variants.items()},
                               fresh=lambda: (1.5, 1.2, C0.copy(), A, B), repeat=ns.reps, warmup=0)
    med = {name: timings.median(name) for name in variants}
    flops = 2.0 * n ** 3
    print(f"gemm N={n}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"{ns.reps} interleaved rounds (median)")
    for name, t in med.items():
        print(f"  {name:<8} {t:8.3f} s  {flops / t / 1e9:7.2f} GFLOP/s")
    print(f"  polyopt vs none:  {med['none'] / med['polyopt']:.2f}x faster")
    print(f"  polyopt vs numpy: {med['numpy'] / med['polyopt']:.2f}x (>1: polyopt faster)")
    per_call, numpy_call = call_overhead(ns.calls)
    print(f"per-call overhead, cached tiny kernel (N=4), {ns.calls} calls: {per_call:.2f} us/call "
          f"(NumPy 'x += a' on the same array: {numpy_call:.2f} us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
