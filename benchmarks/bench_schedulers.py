"""Side-by-side benchmark of the schedulers: scheduler="pluto" vs "isl" vs "none".

Not a test.  Every kernel is compiled the same way (same gcc flags, same tiling/parallel options)
with the three schedulers; each variant is first checked against the Python original on a tiny
instance, then timed at PolyBench sizes with interleaved repetitions (one call of every variant
per round, the order rotating between rounds) so that machine noise hits all variants alike.
Reported: median seconds per variant and the ratios none/pluto, none/isl, isl/pluto measured in
this run.

    OMP_NUM_THREADS=2 python benchmarks/bench_schedulers.py             # LARGE, 3 rounds
    python benchmarks/bench_schedulers.py --size MEDIUM --reps 5 gemm lu

The kernels follow PolyBench/C 4.2 (loop orders included; gemm is i, k, j), written here so the
script does not depend on the kernel suite.  gemm runs at N=2000 (the issue's size) in every preset
above MEDIUM.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before libgomp is loaded by the first kernel

import numpy as np  # noqa: E402

import polyopt as po  # noqa: E402

SCHEDULERS = ("pluto", "isl", "none")

NI, NJ, NK, NL, N, M, NX, NY, TMAX = po.symbols("NI NJ NK NL N M NX NY TMAX")


# ---------------------------------------------------------------- kernels (PolyBench/C 4.2)


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def mm2(alpha: po.f64, beta: po.f64, tmp: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ],
        C: po.f64[NJ, NL], D: po.f64[NI, NL]):
    for i in range(NI):
        for j in range(NJ):
            tmp[i, j] = 0.0
            for k in range(NK):
                tmp[i, j] += alpha * A[i, k] * B[k, j]
    for i in range(NI):
        for j in range(NL):
            D[i, j] *= beta
            for k in range(NJ):
                D[i, j] += tmp[i, k] * C[k, j]


@po.kernel
def syrk(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, M]):
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += alpha * A[i, k] * A[j, k]


@po.kernel
def lu(A: po.f64[N, N]):
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
            A[i, j] /= A[j, j]
        for j in range(i, N):
            for k in range(i):
                A[i, j] -= A[i, k] * A[k, j]


@po.kernel
def jacobi_2d(A: po.f64[N, N], B: po.f64[N, N], tsteps: int):
    for t in range(tsteps):  # noqa: B007
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, 1 + j] + A[1 + i, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, 1 + j] + B[1 + i, j] + B[i - 1, j])


@po.kernel
def seidel_2d(A: po.f64[N, N], tsteps: int):
    for t in range(tsteps):  # noqa: B007
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = (A[i - 1, j - 1] + A[i - 1, j] + A[i - 1, j + 1]
                           + A[i, j - 1] + A[i, j] + A[i, j + 1]
                           + A[i + 1, j - 1] + A[i + 1, j] + A[i + 1, j + 1]) / 9.0


@po.kernel
def heat_3d(A: po.f64[N, N, N], B: po.f64[N, N, N], tsteps: int):
    for t in range(1, tsteps + 1):  # noqa: B007
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    B[i, j, k] = (0.125 * (A[i + 1, j, k] - 2.0 * A[i, j, k] + A[i - 1, j, k])
                                  + 0.125 * (A[i, j + 1, k] - 2.0 * A[i, j, k] + A[i, j - 1, k])
                                  + 0.125 * (A[i, j, k + 1] - 2.0 * A[i, j, k] + A[i, j, k - 1])
                                  + A[i, j, k])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    A[i, j, k] = (0.125 * (B[i + 1, j, k] - 2.0 * B[i, j, k] + B[i - 1, j, k])
                                  + 0.125 * (B[i, j + 1, k] - 2.0 * B[i, j, k] + B[i, j - 1, k])
                                  + 0.125 * (B[i, j, k + 1] - 2.0 * B[i, j, k] + B[i, j, k - 1])
                                  + B[i, j, k])


@po.kernel
def fdtd_2d(ex: po.f64[NX, NY], ey: po.f64[NX, NY], hz: po.f64[NX, NY], fict: po.f64[TMAX]):
    for t in range(TMAX):
        for j in range(NY):
            ey[0, j] = fict[t]
        for i in range(1, NX):
            for j in range(NY):
                ey[i, j] = ey[i, j] - 0.5 * (hz[i, j] - hz[i - 1, j])
        for i in range(NX):
            for j in range(1, NY):
                ex[i, j] = ex[i, j] - 0.5 * (hz[i, j] - hz[i, j - 1])
        for i in range(NX - 1):
            for j in range(NY - 1):
                hz[i, j] = hz[i, j] - 0.7 * (ex[i, j + 1] - ex[i, j] + ey[i + 1, j] - ey[i, j])


# ---------------------------------------------------------------- inputs (PolyBench init shapes)


def _grid(*shape, scale=1.0, shift=0):
    """A deterministic array like PolyBench's ``(i*j + shift) % n / n`` initialisations."""
    idx = np.indices(shape).astype(np.float64)
    val = np.ones(shape)
    for k, a in enumerate(idx):
        val = val * (a + k + shift)
    n = float(max(shape))
    return ((val % n) / n * scale).astype(np.float64)


def init_gemm(NI, NJ, NK):
    return [1.5, 1.2, _grid(NI, NJ), _grid(NI, NK, shift=1), _grid(NK, NJ, shift=2)]


def init_2mm(NI, NJ, NK, NL):
    return [1.5, 1.2, np.zeros((NI, NJ)), _grid(NI, NK), _grid(NK, NJ, shift=1), _grid(NJ, NL, shift=3),
            _grid(NI, NL, shift=2)]


def init_syrk(N, M):
    return [1.5, 1.2, _grid(N, N, shift=2), _grid(N, M, shift=1)]


def init_lu(N):
    # PolyBench makes A = B B^T of a lower-triangular B: positive definite, so no pivoting is needed.
    # A diagonally dominant matrix has the same property and is cheap to build at N=2000.
    a = _grid(N, N, shift=1) / N
    a[np.diag_indices(N)] += 1.0 + N / 1000.0
    return [a]


def init_jacobi(N, T):
    return [_grid(N, N, shift=2), _grid(N, N, shift=3), T]


def init_seidel(N, T):
    return [_grid(N, N, shift=2), T]


def init_heat(N, T):
    a = _grid(N, N, N, shift=1)
    return [a, a.copy(), T]


def init_fdtd(NX, NY, T):
    return [_grid(NX, NY, shift=1), _grid(NX, NY, shift=2), _grid(NX, NY, shift=3),
            np.arange(T, dtype=np.float64)]


# name -> (kernel, init, flops, {preset: sizes}); MINI is what the correctness check runs.
CASES = {
    "gemm": (gemm, init_gemm, lambda NI, NJ, NK: 2.0 * NI * NJ * NK,
             {"MINI": dict(NI=13, NJ=17, NK=11), "MEDIUM": dict(NI=500, NJ=500, NK=500),
              "LARGE": dict(NI=2000, NJ=2000, NK=2000)}),
    "2mm": (mm2, init_2mm, lambda NI, NJ, NK, NL: 2.0 * NI * NJ * (NK + NL),
            {"MINI": dict(NI=9, NJ=11, NK=13, NL=7), "MEDIUM": dict(NI=180, NJ=190, NK=210, NL=220),
             "LARGE": dict(NI=800, NJ=900, NK=1100, NL=1200)}),
    "syrk": (syrk, init_syrk, lambda N, M: 1.0 * N * N * M,
             {"MINI": dict(N=13, M=9), "MEDIUM": dict(N=240, M=200), "LARGE": dict(N=1200, M=1000)}),
    "lu": (lu, init_lu, lambda N: 2.0 * N ** 3 / 3,
           {"MINI": dict(N=14), "MEDIUM": dict(N=400), "LARGE": dict(N=2000)}),
    "jacobi-2d": (jacobi_2d, init_jacobi, lambda N, T: 10.0 * T * (N - 2) ** 2,
                  {"MINI": dict(N=15, T=4), "MEDIUM": dict(N=250, T=100), "LARGE": dict(N=1300, T=500)}),
    "seidel-2d": (seidel_2d, init_seidel, lambda N, T: 9.0 * T * (N - 2) ** 2,
                  {"MINI": dict(N=13, T=3), "MEDIUM": dict(N=400, T=100), "LARGE": dict(N=2000, T=500)}),
    "heat-3d": (heat_3d, init_heat, lambda N, T: 30.0 * T * (N - 2) ** 3,
                {"MINI": dict(N=9, T=3), "MEDIUM": dict(N=40, T=100), "LARGE": dict(N=120, T=500)}),
    "fdtd-2d": (fdtd_2d, init_fdtd, lambda NX, NY, T: 11.0 * T * NX * NY,
                {"MINI": dict(NX=11, NY=13, T=4), "MEDIUM": dict(NX=200, NY=240, T=100),
                 "LARGE": dict(NX=1000, NY=1200, T=500)}),
}


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def check(name: str, compiled: dict) -> None:
    """Every scheduler's code on the MINI instance must match the Python original."""
    kern, init, _, sizes = CASES[name]
    args = init(**sizes["MINI"])
    want = _copy(args)
    kern.reference(*want)
    for sched, fn in compiled.items():
        got = _copy(args)
        fn(*got)
        for g, w in zip(got, want):
            if isinstance(g, np.ndarray) and not np.allclose(g, w, rtol=1e-9, atol=1e-9):
                raise SystemExit(f"{name}: scheduler={sched} computed a wrong result on the MINI instance")


def bench(name: str, size: str, reps: int, options: dict) -> dict:
    """Median seconds per scheduler for one kernel, measured in interleaved rounds."""
    kern, init, flops, sizes = CASES[name]
    compiled = {}
    for sched in SCHEDULERS:
        compiled[sched] = kern.compile(scheduler=sched, **options)
    check(name, compiled)
    args = init(**sizes[size])
    times = {s: [] for s in SCHEDULERS}
    for r in range(reps):
        order = SCHEDULERS[r % len(SCHEDULERS):] + SCHEDULERS[:r % len(SCHEDULERS)]
        for sched in order:
            fresh = _copy(args)
            start = time.perf_counter()
            compiled[sched](*fresh)
            times[sched].append(time.perf_counter() - start)
    med = {s: statistics.median(v) for s, v in times.items()}
    return {"median": med, "flops": flops(**sizes[size])}


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
    ap.add_argument("kernels", nargs="*", help=f"subset of {', '.join(CASES)}")
    ap.add_argument("--size", default="LARGE", choices=("MINI", "MEDIUM", "LARGE"))
    ap.add_argument("--reps", type=int, default=3, help="interleaved rounds (median reported)")
    ap.add_argument("--tile", default=None,
                    help="tile option for every scheduler: true, false, 32 or 8,32,64 (default: polyopt's)")
    ns = ap.parse_args(argv)
    names = ns.kernels or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        ap.error(f"unknown kernel {unknown[0]!r}")
    options = {}
    if ns.tile is not None:
        text = ns.tile.lower()
        options["tile"] = {"true": True, "false": False}[text] if text.isalpha() \
            else tuple(int(x) for x in text.split(",")) if "," in text else int(text)
    print(machine())
    print(f"size={ns.size} reps={ns.reps} options={options or 'defaults'}\n")
    head = f"{'kernel':<10} {'pluto s':>9} {'isl s':>9} {'none s':>9} {'pluto GF/s':>10} " \
           f"{'none/pluto':>10} {'none/isl':>9} {'isl/pluto':>9}"
    print(head)
    print("-" * len(head))
    for name in names:
        r = bench(name, ns.size, ns.reps, options)
        t = r["median"]
        gf = r["flops"] / t["pluto"] / 1e9
        print(f"{name:<10} {t['pluto']:9.3f} {t['isl']:9.3f} {t['none']:9.3f} {gf:10.2f} "
              f"{t['none'] / t['pluto']:10.2f} {t['none'] / t['isl']:9.2f} {t['isl'] / t['pluto']:9.2f}",
              flush=True)
    print("\nafter the run, load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
