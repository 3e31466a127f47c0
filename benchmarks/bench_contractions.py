"""Contractions against NumPy/OpenBLAS on 2 threads: polyopt's register tiles vs today's path.

Not a test.  Three contractions (issue 13's acceptance cases), each as polyopt's default schedule
(its register tile with a packed panel), the same without the panel (``pack=()``), without the
register tile (``registers=()``: the path before both), and NumPy:

* ``gemm``     float64 ``C = beta * C + alpha * A @ B``, N = 2000;
* ``gemm_nt``  float32 ``C += A @ B.T`` (B transposed: the form of a linear layer), N = 2048;
* ``batched``  float64 ``C[b] += A[b] @ B[b]``, 16 x 512 x 512 x 512.

Every variant is checked against NumPy on the benchmark data, then all are timed interleaved
(polyopt/runtime/timing.py: rounds in rotating order) and reported as the median, GFLOP/s, the
fraction of NumPy and the fraction of the machine's peak (cores x FMA units x vector lanes x 2 x
clock; the clock is ``/proc/cpuinfo``'s, the FMA units per core ``--fma-units``).  OpenBLAS picks
its kernel for this CPU (``OPENBLAS_CORETYPE`` is unset) and its core type is reported.

``--sweep`` times gemm under a grid of register tiles and tile sizes instead, to choose defaults.

    python benchmarks/bench_contractions.py
    python benchmarks/bench_contractions.py --sweep --reps 3
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

os.environ.pop("OPENBLAS_CORETYPE", None)  # let OpenBLAS pick its best kernel for this CPU
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")  # before NumPy's BLAS and libgomp start their threads

import numpy as np  # noqa: E402
from bench_gemm import gemm  # noqa: E402  (the same PolyBench gemm, from the script beside this one)

import polyopt as po  # noqa: E402
from polyopt.runtime.timing import time_interleaved  # noqa: E402

NI, NJ, NK, NB = po.symbols("NI NJ NK NB")


@po.kernel
def gemm_nt(C: po.f32[NI, NJ], A: po.f32[NI, NK], B: po.f32[NJ, NK]):
    for i in range(NI):
        for j in range(NJ):
            for k in range(NK):
                C[i, j] += A[i, k] * B[j, k]


@po.kernel
def batched(C: po.f64[NB, NI, NJ], A: po.f64[NB, NI, NK], B: po.f64[NB, NK, NJ]):
    for b in range(NB):
        for i in range(NI):
            for k in range(NK):
                for j in range(NJ):
                    C[b, i, j] += A[b, i, k] * B[b, k, j]


def _numpy_gemm(alpha, beta, C, A, B):
    C *= beta
    C += alpha * (A @ B)


def _numpy_gemm_nt(C, A, B):
    C += A @ B.T


def _numpy_batched(C, A, B):
    C += A @ B


def cases(scale: float = 1.0) -> dict:
    """name -> (kernel, numpy function, arguments, flops)."""
    rng = np.random.default_rng(0)
    n = max(16, int(2000 * scale))
    m = max(16, int(2048 * scale))
    s, nb = max(16, int(512 * scale)), 16
    f32 = np.float32
    return {
        "gemm": (gemm, _numpy_gemm, (1.5, 1.2, rng.random((n, n)), rng.random((n, n)), rng.random((n, n))),
                 2.0 * n ** 3),
        "gemm_nt": (gemm_nt, _numpy_gemm_nt, (rng.random((m, m), dtype=f32), rng.random((m, m), dtype=f32),
                                              rng.random((m, m), dtype=f32)), 2.0 * m ** 3),
        "batched": (batched, _numpy_batched,
                    (rng.random((nb, s, s)), rng.random((nb, s, s)), rng.random((nb, s, s))), 2.0 * nb * s ** 3),
    }


def without(kernel, **off):
    """The kernel's default plan with the decisions ``off`` (``registers=()``, ``pack=()``) on every
    band with a register tile."""
    plan = kernel.schedule().plan
    for index, band in enumerate(plan.bands):
        if band.registers:
            plan = plan.with_band(index, **off)
    return plan


# Seconds of rest before each timed run (--settle).  After a call, OpenBLAS's threads spin for a
# while, and so do libgomp's: the next call on 2 cores shares them with a spinning thread.  gemm
# N = 2000 right after a NumPy call ran at 69 GFLOP/s, 0.5 s later at 81-85, as in a process that
# never called NumPy (AMD EPYC Zen 4 VM); each library is timed from a quiet machine instead.
SETTLE = 0.5


def _fresh(args, settle: float = 0.0):
    def make():
        out = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        time.sleep(settle)
        return out
    return make


def _checked(variants: dict, reference, args) -> None:
    expect = list(_fresh(args)())
    reference(*expect)
    for name, fn in variants.items():
        got = list(_fresh(args)())
        fn(*got)
        for a, b in zip(got, expect):
            if isinstance(a, np.ndarray) and not np.allclose(a, b, rtol=1e-3 if a.dtype == np.float32 else 1e-9):
                raise SystemExit(f"{name} differs from NumPy")


def peak_gflops(fma_units: int, itemsize: int, threads: int) -> float | None:
    """cores x FMA units x lanes x 2 x clock, in GFLOP/s (None when the clock is not known)."""
    from polyopt.tune.machine import current_machine

    mhz = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            mhz = next(float(line.split(":")[1]) for line in f if line.startswith("cpu MHz"))
    except (OSError, StopIteration, ValueError):
        return None
    lanes = current_machine().vector_bytes // itemsize
    return threads * fma_units * lanes * 2 * mhz / 1000


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}" for i in blas) or "?"


def compare(reps: int, scale: float, fma_units: int, settle: float = SETTLE) -> None:
    threads = int(os.environ["OMP_NUM_THREADS"])
    print(f"OpenBLAS: {blas_info()}; {threads} threads")
    for name, (kernel, reference, args, flops) in cases(scale).items():
        variants = {"packed": kernel.compile(), "registers": kernel.compile(plan=without(kernel, pack=())),
                    "before": kernel.compile(plan=without(kernel, registers=(), pack=())), "numpy": reference}
        _checked(variants, reference, args)
        timings = time_interleaved({k: (lambda a, fn=fn: fn(*a)) for k, fn in variants.items()},
                                   fresh=_fresh(args, settle), repeat=reps, warmup=0)
        itemsize = next(a.itemsize for a in args if isinstance(a, np.ndarray))
        peak = peak_gflops(fma_units, itemsize, threads)
        print(f"{name}: {', '.join(str(a.shape) for a in args if isinstance(a, np.ndarray))}")
        numpy_t = timings.median("numpy")
        for k in variants:
            t = timings.median(k)
            rate = flops / t / 1e9
            of_peak = f", {rate / peak:.2f} of peak" if peak else ""
            print(f"  {k:<10} {t * 1e3:9.1f} ms {rate:7.1f} GFLOP/s  {numpy_t / t:.3f} of NumPy{of_peak}")
        for new, old in (("registers", "before"), ("packed", "registers"), ("packed", "before")):
            r = timings.ratio(old, new)
            print(f"  {new} vs {old}: {r.estimate:.2f}x [{r.low:.2f}, {r.high:.2f}]")


# --sweep's grid: register tiles (rows x columns: 16 accumulators of 256 bits at 4x16, 12 at 6x8)
# and tile sizes (rows x columns x depth)
SHAPES = ((4, 16), (6, 16), (8, 16), (4, 32), (8, 8), (6, 8), (4, 8), (3, 8), (2, 16), (3, 16))
TILES = ((32, 128, 32), (64, 256, 256), (32, 256, 256), (96, 512, 256), (64, 1024, 128), (128, 128, 512))


def sweep(reps: int, scale: float, shapes=SHAPES, tiles=TILES, settle: float = SETTLE) -> None:
    kernel, reference, args, flops = cases(scale)["gemm"]
    plan = kernel.schedule().plan
    index = next(i for i, b in enumerate(plan.bands) if b.registers)
    variants = {"default": kernel.compile(), "numpy": reference}
    for (mr, nr), tile in itertools.product(shapes, tiles):
        variant = plan.with_band(index, registers=("i", mr, "j", nr), tile=tile, pack=None)
        variants[f"{mr}x{nr} {'x'.join(map(str, tile))}"] = kernel.compile(plan=kernel.schedule(plan=variant).plan)
    _checked(variants, reference, args)
    timings = time_interleaved({k: (lambda a, fn=fn: fn(*a)) for k, fn in variants.items()},
                               fresh=_fresh(args, settle), repeat=reps, warmup=0)
    numpy_t = timings.median("numpy")
    for k in sorted(variants, key=timings.median):
        t = timings.median(k)
        print(f"  {k:<24} {t * 1e3:9.1f} ms {flops / t / 1e9:7.1f} GFLOP/s  {numpy_t / t:.3f} of NumPy")


def _grid(text: str | None, default: tuple) -> tuple:
    """``"4x16,6x8"`` -> ``((4, 16), (6, 8))``; the default when not given."""
    if not text:
        return default
    return tuple(tuple(int(x) for x in item.split("x")) for item in text.split(","))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0, help="sizes times this (tests use a small one)")
    ap.add_argument("--fma-units", type=int, default=2,
                    help="full-width FMAs per core per cycle (2 on Xeon SPR; 1 on Zen 4: two 256-bit pipes)")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--shapes", help="--sweep's register tiles, e.g. 4x16,6x8 (default: a grid of 10)")
    ap.add_argument("--tiles", help="--sweep's tile sizes, e.g. 32x128x32,64x256x256 (default: a grid of 6)")
    ap.add_argument("--settle", type=float, default=SETTLE,
                    help="seconds of rest before each timed run, for the threads of the last one to stop spinning")
    ns = ap.parse_args(argv)
    if ns.sweep:
        sweep(ns.reps, ns.scale, _grid(ns.shapes, SHAPES), _grid(ns.tiles, TILES), ns.settle)
    else:
        compare(ns.reps, ns.scale, ns.fma_units, ns.settle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
