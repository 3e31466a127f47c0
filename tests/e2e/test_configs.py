"""End to end: hand-written kernels compiled under every configuration agree with their Python original.

Each kernel runs at sizes 1, 2 and at odd sizes that are not multiples of any tile size in
:data:`nestgen.CONFIGS`; each test id names the kernel, the configuration and the size.  Compiled
callables are kept on the Kernel objects, so each (kernel, configuration) pair compiles once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import polyopt as po
from polyopt.suite import random_inputs

from .nestgen import CONFIG_IDS, CONFIG_OPTIONS, mismatch

N, M, NI, NJ, NK, NL = po.symbols("N M NI NJ NK NL")


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def two_mm(alpha: po.f64, beta: po.f64, tmp: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ],
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
def jacobi_1d(T: int, A: po.f64[N], B: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1])
        for i in range(1, N - 1):
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1])


@po.kernel
def jacobi_2d(T: int, A: po.f64[N, N], B: po.f64[N, N]):
    for t in range(T):
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, 1 + j] + A[1 + i, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, 1 + j] + B[1 + i, j] + B[i - 1, j])


@po.kernel
def seidel_2d(T: int, A: po.f64[N, N]):
    for t in range(T):
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = (A[i - 1, j - 1] + A[i - 1, j] + A[i - 1, j + 1]
                           + A[i, j - 1] + A[i, j] + A[i, j + 1]
                           + A[i + 1, j - 1] + A[i + 1, j] + A[i + 1, j + 1]) / 9.0


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
def cholesky(A: po.f64[N, N]):
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[j, k]
            A[i, j] /= A[j, j]
        for k in range(i):
            A[i, i] -= A[i, k] * A[i, k]
        A[i, i] = math.sqrt(A[i, i])


@po.kernel
def syrk_lower(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, M]):
    """Triangular bounds (j <= i) on an imperfect nest."""
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += alpha * A[i, k] * A[j, k]


@po.kernel
def banded(A: po.f64[N, M], x: po.f64[M], y: po.f64[N], z: po.f64[M]):
    """min/max bounds: a band of width 5 around the diagonal, then a staircase."""
    for i in range(N):
        for j in range(max(0, i - 2), min(M, i + 3)):
            y[i] += A[i, j] * x[j]
    for i in range(N):
        for j in range(min(i, M - 1), M):
            z[j] = z[j] * 0.5 + y[i]


@po.kernel
def negative_steps(A: po.f64[N, M], x: po.f64[N]):
    """Loops counting down carrying dependences backwards (a forward order would be wrong)."""
    for i in range(N - 1, 0, -1):
        for j in range(M):
            A[i, j] = A[i - 1, j] * 0.5 + A[i, j]
    for i in range(N - 2, -1, -1):
        x[i] = x[i] + x[i + 1] * 0.25
    for i in range(N - 1, -1, -3):
        for j in range(M - 1, 0, -1):
            A[i, j] += A[i, j - 1] * x[i]


@po.kernel
def steps(A: po.f64[N], B: po.f64[N], C: po.f64[N, M]):
    """Steps 2 and 3 from various starts, interleaving writes and reads of B."""
    for i in range(0, N, 2):
        B[i] = A[i] * 2.0
    for i in range(1, N, 2):
        B[i] = B[i - 1] + A[i]
    for i in range(1, N, 3):
        for j in range(M - 1, -1, -2):
            C[i, j] = C[i - 1, j] + B[i]


@po.kernel
def conditions(A: po.f64[N, M], B: po.f64[N]):
    """if / elif / else on affine conditions, including a parity test."""
    for i in range(N):
        for j in range(M):
            if i == j:
                A[i, j] += 1.0
            elif i < j and j - i <= 2:
                A[i, j] = A[i, j - 1] * 0.5
            elif i % 2 == 0:
                A[i, j] -= B[i]
            else:
                A[i, j] *= 2.0
        if i >= 1:
            B[i] = B[i - 1] + A[i, 0]


@po.kernel
def quasi_affine(A: po.f64[N], B: po.f64[N], C: po.f64[3, N]):
    """Subscripts with // and %."""
    for i in range(N):
        B[i] += A[i // 2] + A[(i + 1) // 2]
    for i in range(N):
        C[i % 3, i // 3] += B[i] * 2.0
        A[i] = C[(i + 1) % 3, i // 3]


@po.kernel
def temporaries(A: po.f64[N, M], x: po.f64[M], y: po.f64[N]):
    """Local scalars: a reduction accumulator and a per-iteration temporary."""
    for i in range(N):
        s = 0.0
        for j in range(M):
            t = A[i, j] * x[j]
            s += t * t + t
        y[i] = s


@po.kernel
def atax_f32(A: po.f32[M, N], x: po.f32[N], y: po.f32[N], tmp: po.f32[M]):
    for i in range(N):
        y[i] = 0.0
    for i in range(M):
        tmp[i] = 0.0
        for j in range(N):
            tmp[i] += A[i, j] * x[j]
        for j in range(N):
            y[j] += A[i, j] * tmp[i]


@po.kernel
def integers(s: po.i64, A: po.i32[N, M], B: po.i64[N, M]):
    """i32/i64 arithmetic: floor division and modulo of possibly negative values."""
    for i in range(1, N):
        for j in range(M):
            B[i, j] = B[i - 1, j] + A[i, j] * s - (i + j) % 3
    for i in range(N):
        for j in range(1, M):
            A[i, j] = A[i, j - 1] // 2 + A[i, j] - 4
            B[i, j] = B[i, j] % 5 + (A[i, j] - 6) // 3 + (A[i, j] - 7) % 4


@po.kernel
def int_sizes(k: int, T: int, A: po.f64[N], B: po.f64[N]):
    """Sizes given as int arguments: a shift and a time-step count."""
    for t in range(T):
        for i in range(max(0, -k), min(N, N - k)):
            B[i] = A[i + k] + B[i] * 0.5
        for i in range(max(0, k), min(N, N + k)):
            A[i] = B[i - k] * 0.25 + A[i]


def _spd(n: int, rng) -> np.ndarray:
    m = rng.random((n, n))
    return m @ m.T + n * np.eye(n)


def _lu_init(params, rng):
    a = rng.random((params["N"], params["N"])) + params["N"] * np.eye(params["N"])
    return {"A": a}


# kernel -> (custom init(params, rng) or None, {size name: parameter values}); int arguments
# named in the parameters (T, k) are passed as values.
_ODD = dict(N=13, M=11, NI=13, NJ=11, NK=9, NL=7, T=3, k=3)
KERNELS = {
    "gemm": (gemm, None), "two_mm": (two_mm, None), "jacobi_1d": (jacobi_1d, None),
    "jacobi_2d": (jacobi_2d, None), "seidel_2d": (seidel_2d, None), "lu": (lu, _lu_init),
    "cholesky": (cholesky, lambda p, rng: {"A": _spd(p["N"], rng)}),
    "syrk_lower": (syrk_lower, None), "banded": (banded, None), "negative_steps": (negative_steps, None),
    "steps": (steps, None), "conditions": (conditions, None), "quasi_affine": (quasi_affine, None),
    "temporaries": (temporaries, None), "atax_f32": (atax_f32, None), "integers": (integers, None),
    "int_sizes": (int_sizes, None),
}
SIZES = {"1": 1, "2": 2, "odd": None}


def make_args(name: str, size: str) -> dict:
    kern, init = KERNELS[name]
    n = SIZES[size]
    params = {p: (n if n is not None else _ODD[p]) for p in kern.syntax.params}
    if n is not None and "T" in params:
        params["T"] = n + 1
    rng = np.random.default_rng(hash((name, size)) % 2**32)
    args = random_inputs(kern, params, seed=int(rng.integers(2**31)))
    if init is not None:
        args.update(init(params, rng))
    return args


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("config", CONFIG_IDS)
@pytest.mark.parametrize("name", list(KERNELS))
def test_compiled_matches_reference(name, config, size):
    kern = KERNELS[name][0]
    problem = mismatch(kern, make_args(name, size), CONFIG_OPTIONS[config])
    assert problem is None, f"{name} [{config}] size {size}: {problem}"


@pytest.mark.parametrize("name", list(KERNELS))
def test_reference_really_changes_outputs(name):
    """Guards the comparison itself: every kernel writes something at the odd size."""
    kern = KERNELS[name][0]
    args = make_args(name, "odd")
    before = {k: v.copy() for k, v in args.items() if isinstance(v, np.ndarray)}
    kern.reference(**args)
    assert any(not np.array_equal(before[k], args[k]) for k in before), name
