"""PolyBench 4.2 "linear-algebra/blas": gemm, gemver, gesummv, symm, syr2k, syrk, trmm.

A kernel suite file (see :mod:`polyopt.suite`): each kernel keeps PolyBench's loop structure and
statements, each Case its dataset sizes (MINI .. EXTRALARGE, as in the kernel's ``.h`` header), its
``init_array`` (vectorised with NumPy), a flop count and, where one exists, a NumPy formulation
that updates the outputs in place.
"""

import numpy as np

import polyopt as po

NI, NJ, NK, M, N = po.symbols("NI NJ NK M N")



def _n_sizes(*values):
    """The five presets of a kernel with one size parameter N."""
    return {p: dict(N=v) for p, v in zip(po.suite.PRESETS, values)}


_MN_SIZES = {"MINI": dict(M=20, N=30), "SMALL": dict(M=60, N=80), "MEDIUM": dict(M=200, N=240),
             "LARGE": dict(M=1000, N=1200), "EXTRALARGE": dict(M=2000, N=2600)}

# ---------------------------------------------------------------- gemm


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


def init_gemm(NI, NJ, NK):
    i, j = np.ogrid[:NI, :NJ]
    C = ((i * j + 1) % NI) / NI
    i, k = np.ogrid[:NI, :NK]
    A = (i * (k + 1) % NK) / NK
    k, j = np.ogrid[:NK, :NJ]
    B = (k * (j + 2) % NJ) / NJ
    return dict(alpha=1.5, beta=1.2, C=C, A=A, B=B)


def gemm_numpy(alpha, beta, C, A, B):
    C *= beta
    C += alpha * (A @ B)


gemm_case = po.case(
    gemm, category="blas",
    sizes={"MINI": dict(NI=20, NJ=25, NK=30), "SMALL": dict(NI=60, NJ=70, NK=80),
           "MEDIUM": dict(NI=200, NJ=220, NK=240), "LARGE": dict(NI=1000, NJ=1100, NK=1200),
           "EXTRALARGE": dict(NI=2000, NJ=2300, NK=2600)},
    init=init_gemm, flops=lambda NI, NJ, NK: NI * NJ * (2 * NK + 1), numpy=gemm_numpy)

# ---------------------------------------------------------------- gemver


@po.kernel
def gemver(alpha: po.f64, beta: po.f64, A: po.f64[N, N], u1: po.f64[N], v1: po.f64[N], u2: po.f64[N],
           v2: po.f64[N], w: po.f64[N], x: po.f64[N], y: po.f64[N], z: po.f64[N]):
    for i in range(N):
        for j in range(N):
            A[i, j] = A[i, j] + u1[i] * v1[j] + u2[i] * v2[j]
    for i in range(N):
        for j in range(N):
            x[i] = x[i] + beta * A[j, i] * y[j]
    for i in range(N):
        x[i] = x[i] + z[i]
    for i in range(N):
        for j in range(N):
            w[i] = w[i] + alpha * A[i, j] * x[j]


def init_gemver(N):
    i = np.arange(N, dtype=np.float64)
    r = (i + 1) / N
    a, b = np.ogrid[:N, :N]
    return dict(alpha=1.5, beta=1.2, A=(a * b % N) / N, u1=i.copy(), v1=r / 4.0, u2=r / 2.0,
                v2=r / 6.0, w=np.zeros(N), x=np.zeros(N), y=r / 8.0, z=r / 9.0)


def gemver_numpy(alpha, beta, A, u1, v1, u2, v2, w, x, y, z):
    A += np.outer(u1, v1) + np.outer(u2, v2)
    x += beta * (A.T @ y)
    x += z
    w += alpha * (A @ x)


gemver_case = po.case(
    gemver, category="blas",
    sizes=_n_sizes(40, 120, 400, 2000, 4000),
    init=init_gemver, flops=lambda N: 10 * N * N + N, numpy=gemver_numpy)

# ---------------------------------------------------------------- gesummv


@po.kernel
def gesummv(alpha: po.f64, beta: po.f64, A: po.f64[N, N], B: po.f64[N, N], tmp: po.f64[N], x: po.f64[N],
            y: po.f64[N]):
    for i in range(N):
        tmp[i] = 0.0
        y[i] = 0.0
        for j in range(N):
            tmp[i] = A[i, j] * x[j] + tmp[i]
            y[i] = B[i, j] * x[j] + y[i]
        y[i] = alpha * tmp[i] + beta * y[i]


def init_gesummv(N):
    i, j = np.ogrid[:N, :N]
    return dict(alpha=1.5, beta=1.2, A=((i * j + 1) % N) / N, B=((i * j + 2) % N) / N,
                tmp=np.zeros(N), x=(np.arange(N) % N) / N, y=np.zeros(N))


def gesummv_numpy(alpha, beta, A, B, tmp, x, y):
    tmp[:] = A @ x
    y[:] = alpha * tmp + beta * (B @ x)


gesummv_case = po.case(
    gesummv, category="blas",
    sizes=_n_sizes(30, 90, 250, 1300, 2800),
    init=init_gesummv, flops=lambda N: N * (4 * N + 3), numpy=gesummv_numpy)

# ---------------------------------------------------------------- symm


@po.kernel
def symm(alpha: po.f64, beta: po.f64, C: po.f64[M, N], A: po.f64[M, M], B: po.f64[M, N]):
    for i in range(M):
        for j in range(N):
            temp2 = 0.0
            for k in range(i):
                C[k, j] += alpha * B[i, j] * A[i, k]
                temp2 += B[k, j] * A[i, k]
            C[i, j] = beta * C[i, j] + alpha * B[i, j] * A[i, i] + alpha * temp2


def init_symm(M, N):
    i, j = np.ogrid[:M, :N]
    C = ((i + j) % 100) / M
    B = ((N + i - j) % 100) / M
    i, j = np.ogrid[:M, :M]
    # PolyBench fills the unused upper triangle of A with -999.
    A = np.where(j <= i, ((i + j) % 100) / M, -999.0)
    return dict(alpha=1.5, beta=1.2, C=C, A=A, B=B)


def symm_numpy(alpha, beta, C, A, B):
    full = np.tril(A) + np.tril(A, -1).T  # the symmetric matrix stored in A's lower triangle
    C[:] = beta * C + alpha * (full @ B)


symm_case = po.case(
    symm, category="blas", sizes=_MN_SIZES, init=init_symm,
    flops=lambda M, N: N * (5 * M * (M - 1) // 2 + 6 * M), numpy=symm_numpy)

# ---------------------------------------------------------------- syr2k


@po.kernel
def syr2k(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += A[j, k] * alpha * B[i, k] + B[j, k] * alpha * A[i, k]


def init_syr2k(M, N):
    i, j = np.ogrid[:N, :M]
    A = ((i * j + 1) % N) / N
    B = ((i * j + 2) % M) / M
    i, j = np.ogrid[:N, :N]
    return dict(alpha=1.5, beta=1.2, C=((i * j + 3) % N) / M, A=A, B=B)


def syr2k_numpy(alpha, beta, C, A, B):
    low = np.tril(np.ones(C.shape, dtype=bool))
    C[low] = (beta * C + alpha * (A @ B.T + B @ A.T))[low]


syr2k_case = po.case(
    syr2k, category="blas", sizes=_MN_SIZES, init=init_syr2k,
    flops=lambda M, N: N * (N + 1) // 2 * (1 + 6 * M), numpy=syr2k_numpy)

# ---------------------------------------------------------------- syrk


@po.kernel
def syrk(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, M]):
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += alpha * A[i, k] * A[j, k]


def init_syrk(M, N):
    i, j = np.ogrid[:N, :M]
    A = ((i * j + 1) % N) / N
    i, j = np.ogrid[:N, :N]
    return dict(alpha=1.5, beta=1.2, C=((i * j + 2) % M) / M, A=A)


def syrk_numpy(alpha, beta, C, A):
    low = np.tril(np.ones(C.shape, dtype=bool))
    C[low] = (beta * C + alpha * (A @ A.T))[low]


syrk_case = po.case(
    syrk, category="blas", sizes=_MN_SIZES, init=init_syrk,
    flops=lambda M, N: N * (N + 1) // 2 * (1 + 3 * M), numpy=syrk_numpy)

# ---------------------------------------------------------------- trmm


@po.kernel
def trmm(alpha: po.f64, A: po.f64[M, M], B: po.f64[M, N]):
    for i in range(M):
        for j in range(N):
            for k in range(i + 1, M):
                B[i, j] += A[k, i] * B[k, j]
            B[i, j] = alpha * B[i, j]


def init_trmm(M, N):
    i, j = np.ogrid[:M, :M]
    # Strictly lower part from the formula, unit diagonal; PolyBench leaves the upper part unset
    # (the kernel never reads it), here it is zero.
    A = np.where(j < i, ((i + j) % M) / M, 0.0)
    np.fill_diagonal(A, 1.0)
    i, j = np.ogrid[:M, :N]
    return dict(alpha=1.5, A=A, B=((N + (i - j)) % N) / N)


def trmm_numpy(alpha, A, B):
    B[:] = alpha * ((np.eye(A.shape[0]) + np.tril(A, -1).T) @ B)


trmm_case = po.case(
    trmm, category="blas", sizes=_MN_SIZES, init=init_trmm,
    flops=lambda M, N: N * M * M, numpy=trmm_numpy)
