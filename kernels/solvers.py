"""PolyBench 4.2 "linear-algebra/solvers": cholesky, durbin, gramschmidt, lu, ludcmp, trisolv.

A kernel suite file (see :mod:`polyopt.suite`).  PolyBench's scalar temporaries (durbin's alpha,
beta and sum, gramschmidt's nrm, ludcmp's w) are kernel temporaries; durbin's local array ``z``
is an argument.
"""

import math

import numpy as np

import polyopt as po

M, N = po.symbols("M N")

_N_SIZES = {p: dict(N=v) for p, v in zip(po.suite.PRESETS, (40, 120, 400, 2000, 4000))}


def _spd(N):
    """PolyBench's positive definite input of cholesky, lu and ludcmp: L @ L.T with
    L[i, j] = -j % N / N + 1 below the diagonal (C's ``%`` truncates: 1 - j/N) and 1 on it."""
    i, j = np.ogrid[:N, :N]
    L = np.where(j <= i, 1.0 - j / N, 0.0)
    np.fill_diagonal(L, 1.0)
    return L @ L.T


# ---------------------------------------------------------------- cholesky


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


def init_cholesky(N):
    return dict(A=_spd(N))


def cholesky_numpy(A):
    A[:] = np.where(np.tri(len(A), dtype=bool), np.linalg.cholesky(A), A)


cholesky_case = po.case(cholesky, category="solvers", sizes=_N_SIZES, init=init_cholesky,
                        flops=lambda N: N ** 3 / 3 + N * N / 2 + N, numpy=cholesky_numpy)

# ---------------------------------------------------------------- durbin


@po.kernel
def durbin(r: po.f64[N], y: po.f64[N], z: po.f64[N]):
    y[0] = -r[0]
    beta = 1.0
    alpha = -r[0]
    for k in range(1, N):
        beta = (1 - alpha * alpha) * beta
        sum_ = 0.0
        for i in range(k):
            sum_ += r[k - i - 1] * y[i]
        alpha = -(r[k] + sum_) / beta
        for i in range(k):
            z[i] = y[i] + alpha * y[k - i - 1]
        for i in range(k):
            y[i] = z[i]
        y[k] = alpha


def init_durbin(N):
    return dict(r=(N + 1.0 - np.arange(N)), y=np.zeros(N), z=np.zeros(N))


durbin_case = po.case(durbin, category="solvers", sizes=_N_SIZES, init=init_durbin,
                      flops=lambda N: 6 * N * (N - 1) // 2 + 6 * N)

# ---------------------------------------------------------------- gramschmidt


@po.kernel
def gramschmidt(A: po.f64[M, N], R: po.f64[N, N], Q: po.f64[M, N]):
    for k in range(N):
        nrm = 0.0
        for i in range(M):
            nrm += A[i, k] * A[i, k]
        R[k, k] = math.sqrt(nrm)
        for i in range(M):
            Q[i, k] = A[i, k] / R[k, k]
        for j in range(k + 1, N):
            R[k, j] = 0.0
            for i in range(M):
                R[k, j] += Q[i, k] * A[i, j]
            for i in range(M):
                A[i, j] = A[i, j] - Q[i, k] * R[k, j]


def init_gramschmidt(M, N):
    i, j = np.ogrid[:M, :N]
    return dict(A=((i * j) % M) / M * 100 + 10, R=np.zeros((N, N)), Q=np.zeros((M, N)))


gramschmidt_case = po.case(
    gramschmidt, category="solvers",
    sizes={p: dict(M=m, N=n) for p, m, n in zip(po.suite.PRESETS, (20, 60, 200, 1000, 2000),
                                                 (30, 80, 240, 1200, 2600))},
    init=init_gramschmidt, flops=lambda M, N: N * (3 * M + 1) + N * (N - 1) // 2 * 4 * M)

# ---------------------------------------------------------------- lu


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


def init_lu(N):
    return dict(A=_spd(N))


lu_case = po.case(lu, category="solvers", sizes=_N_SIZES, init=init_lu, flops=lambda N: 2 * N ** 3 / 3)

# ---------------------------------------------------------------- ludcmp


@po.kernel
def ludcmp(A: po.f64[N, N], b: po.f64[N], x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        for j in range(i):
            w = A[i, j]
            for k in range(j):
                w -= A[i, k] * A[k, j]
            A[i, j] = w / A[j, j]
        for j in range(i, N):
            w = A[i, j]
            for k in range(i):
                w -= A[i, k] * A[k, j]
            A[i, j] = w
    for i in range(N):
        w = b[i]
        for j in range(i):
            w -= A[i, j] * y[j]
        y[i] = w
    for i in range(N - 1, -1, -1):
        w = y[i]
        for j in range(i + 1, N):
            w -= A[i, j] * x[j]
        x[i] = w / A[i, i]


def init_ludcmp(N):
    return dict(A=_spd(N), b=(np.arange(N) + 1) / N / 2.0 + 4, x=np.zeros(N), y=np.zeros(N))


ludcmp_case = po.case(ludcmp, category="solvers", sizes=_N_SIZES, init=init_ludcmp,
                      flops=lambda N: 2 * N ** 3 / 3 + 2 * N * N)

# ---------------------------------------------------------------- trisolv


@po.kernel
def trisolv(L: po.f64[N, N], x: po.f64[N], b: po.f64[N]):
    for i in range(N):
        x[i] = b[i]
        for j in range(i):
            x[i] -= L[i, j] * x[j]
        x[i] = x[i] / L[i, i]


def init_trisolv(N):
    i, j = np.ogrid[:N, :N]
    # PolyBench leaves the upper triangle of L unset (never read); here it is zero.
    L = np.where(j <= i, (i + N - j + 1) * 2.0 / N, 0.0)
    return dict(L=L, x=np.full(N, -999.0), b=np.arange(N, dtype=np.float64))


def trisolv_numpy(L, x, b):
    x[:] = np.linalg.solve(np.tril(L), b)


trisolv_case = po.case(trisolv, category="solvers", sizes=_N_SIZES, init=init_trisolv,
                       flops=lambda N: N * N + N, numpy=trisolv_numpy)
