"""Reductions to one element: a dot product, a sum of squares through a scalar temporary, a
product.  A kernel suite file (see :mod:`polyopt.suite`).

Each loop carries nothing but its reduction, so polyopt runs it as an OpenMP reduction (each
thread and vector lane sums a part, the parts are combined): ``benchmarks/bench_reductions.py``
times that against ``reassociate=False``.
"""

import numpy as np

import polyopt as po

N, M = po.symbols("N M")

_N_SIZES = {p: dict(N=v) for p, v in zip(po.suite.PRESETS, (1000, 100_000, 1_000_000, 20_000_000, 40_000_000))}
_NM_SIZES = {p: dict(N=v // 100, M=100) for p, v in zip(po.suite.PRESETS,
                                                        (1000, 100_000, 1_000_000, 20_000_000, 40_000_000))}


@po.kernel
def dot(x: po.f64[N], y: po.f64[N], out: po.f64[1]):
    """out[0] += x . y"""
    for i in range(N):
        out[0] += x[i] * y[i]


def init_dot(N):
    rng = np.random.default_rng(0)
    return dict(x=rng.random(N), y=rng.random(N), out=np.zeros(1))


dot_case = po.case(dot, category="reductions", sizes=_N_SIZES, init=init_dot, flops=lambda N: 2 * N)


@po.kernel
def sum_of_squares(A: po.f64[N, M], out: po.f64[1]):
    """out[0] = the sum of the squares of A's elements, accumulated in a scalar temporary."""
    s = 0.0
    for i in range(N):
        for j in range(M):
            s += A[i, j] * A[i, j]
    out[0] = s


def init_sum_of_squares(N, M):
    return dict(A=np.random.default_rng(1).random((N, M)), out=np.zeros(1))


sum_of_squares_case = po.case(sum_of_squares, category="reductions", sizes=_NM_SIZES, init=init_sum_of_squares,
                              flops=lambda N, M: 2 * N * M)


@po.kernel
def product(x: po.f64[N], out: po.f64[1]):
    """out[0] *= the product of x's elements (all close to 1, so it neither overflows nor vanishes)."""
    for i in range(N):
        out[0] *= x[i]


def init_product(N):
    return dict(x=1 + (np.random.default_rng(2).random(N) - 0.5) / N, out=np.ones(1))


product_case = po.case(product, category="reductions", sizes=_N_SIZES, init=init_product, flops=lambda N: N)
