"""PolyBench 4.2 "linear-algebra/kernels": 2mm, 3mm, atax, bicg, doitgen, mvt.

A kernel suite file (see :mod:`polyopt.suite`).  Python identifiers cannot start with a digit,
so PolyBench's 2mm and 3mm are the kernels ``mm2`` and ``mm3`` here (the Case's name is the
function's name).  doitgen's ``sum`` array is ``sum_`` so as not to shadow the builtin.
"""

import numpy as np

import polyopt as po

NI, NJ, NK, NL, NM, M, N, NQ, NR, NP = po.symbols("NI NJ NK NL NM M N NQ NR NP")


def _sizes(**columns):
    """The five presets from one tuple of values per parameter (MINI .. EXTRALARGE)."""
    return {p: {k: v[n] for k, v in columns.items()} for n, p in enumerate(po.suite.PRESETS)}


# ---------------------------------------------------------------- 2mm


@po.kernel
def mm2(alpha: po.f64, beta: po.f64, tmp: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ],
        C: po.f64[NJ, NL], D: po.f64[NI, NL]):
    """PolyBench's 2mm: D := alpha*A*B*C + beta*D."""
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


def init_mm2(NI, NJ, NK, NL):
    i, j = np.ogrid[:NI, :NK]
    A = ((i * j + 1) % NI) / NI
    i, j = np.ogrid[:NK, :NJ]
    B = (i * (j + 1) % NJ) / NJ
    i, j = np.ogrid[:NJ, :NL]
    C = ((i * (j + 3) + 1) % NL) / NL
    i, j = np.ogrid[:NI, :NL]
    D = (i * (j + 2) % NK) / NK
    return dict(alpha=1.5, beta=1.2, tmp=np.zeros((NI, NJ)), A=A, B=B, C=C, D=D)


def mm2_numpy(alpha, beta, tmp, A, B, C, D):
    tmp[:] = alpha * (A @ B)
    D *= beta
    D += tmp @ C


mm2_case = po.case(
    mm2, category="linalg",
    sizes=_sizes(NI=(16, 40, 180, 800, 1600), NJ=(18, 50, 190, 900, 1800), NK=(22, 70, 210, 1100, 2200),
                 NL=(24, 80, 220, 1200, 2400)),
    init=init_mm2,
    flops=lambda NI, NJ, NK, NL: 3 * NI * NJ * NK + NI * NL * (1 + 2 * NJ), numpy=mm2_numpy)

# ---------------------------------------------------------------- 3mm


@po.kernel
def mm3(E: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ], F: po.f64[NJ, NL], C: po.f64[NJ, NM],
        D: po.f64[NM, NL], G: po.f64[NI, NL]):
    """PolyBench's 3mm: G := (A*B)*(C*D)."""
    for i in range(NI):
        for j in range(NJ):
            E[i, j] = 0.0
            for k in range(NK):
                E[i, j] += A[i, k] * B[k, j]
    for i in range(NJ):
        for j in range(NL):
            F[i, j] = 0.0
            for k in range(NM):
                F[i, j] += C[i, k] * D[k, j]
    for i in range(NI):
        for j in range(NL):
            G[i, j] = 0.0
            for k in range(NJ):
                G[i, j] += E[i, k] * F[k, j]


def init_mm3(NI, NJ, NK, NL, NM):
    i, j = np.ogrid[:NI, :NK]
    A = ((i * j + 1) % NI) / (5 * NI)
    i, j = np.ogrid[:NK, :NJ]
    B = ((i * (j + 1) + 2) % NJ) / (5 * NJ)
    i, j = np.ogrid[:NJ, :NM]
    C = (i * (j + 3) % NL) / (5 * NL)
    i, j = np.ogrid[:NM, :NL]
    D = ((i * (j + 2) + 2) % NK) / (5 * NK)
    return dict(E=np.zeros((NI, NJ)), A=A, B=B, F=np.zeros((NJ, NL)), C=C, D=D, G=np.zeros((NI, NL)))


def mm3_numpy(E, A, B, F, C, D, G):
    E[:] = A @ B
    F[:] = C @ D
    G[:] = E @ F


mm3_case = po.case(
    mm3, category="linalg",
    sizes=_sizes(NI=(16, 40, 180, 800, 1600), NJ=(18, 50, 190, 900, 1800), NK=(20, 60, 200, 1000, 2000),
                 NL=(22, 70, 210, 1100, 2200), NM=(24, 80, 220, 1200, 2400)),
    init=init_mm3,
    flops=lambda NI, NJ, NK, NL, NM: 2 * (NI * NJ * NK + NJ * NL * NM + NI * NL * NJ), numpy=mm3_numpy)

# ---------------------------------------------------------------- atax


@po.kernel
def atax(A: po.f64[M, N], x: po.f64[N], y: po.f64[N], tmp: po.f64[M]):
    for i in range(N):
        y[i] = 0.0
    for i in range(M):
        tmp[i] = 0.0
        for j in range(N):
            tmp[i] = tmp[i] + A[i, j] * x[j]
        for j in range(N):
            y[j] = y[j] + A[i, j] * tmp[i]


def init_atax(M, N):
    i, j = np.ogrid[:M, :N]
    return dict(A=((i + j) % N) / (5 * M), x=1 + np.arange(N) / N, y=np.zeros(N), tmp=np.zeros(M))


def atax_numpy(A, x, y, tmp):
    tmp[:] = A @ x
    y[:] = A.T @ tmp


_MN_LINALG = _sizes(M=(38, 116, 390, 1900, 1800), N=(42, 124, 410, 2100, 2200))

atax_case = po.case(atax, category="linalg", sizes=_MN_LINALG, init=init_atax,
                    flops=lambda M, N: 4 * M * N, numpy=atax_numpy)

# ---------------------------------------------------------------- bicg


@po.kernel
def bicg(A: po.f64[N, M], s: po.f64[M], q: po.f64[N], p: po.f64[M], r: po.f64[N]):
    for i in range(M):
        s[i] = 0.0
    for i in range(N):
        q[i] = 0.0
        for j in range(M):
            s[j] = s[j] + r[i] * A[i, j]
            q[i] = q[i] + A[i, j] * p[j]


def init_bicg(M, N):
    i, j = np.ogrid[:N, :M]
    return dict(A=(i * (j + 1) % N) / N, s=np.zeros(M), q=np.zeros(N), p=(np.arange(M) % M) / M,
                r=(np.arange(N) % N) / N)


def bicg_numpy(A, s, q, p, r):
    s[:] = r @ A
    q[:] = A @ p


bicg_case = po.case(bicg, category="linalg", sizes=_MN_LINALG, init=init_bicg,
                    flops=lambda M, N: 4 * M * N, numpy=bicg_numpy)

# ---------------------------------------------------------------- doitgen


@po.kernel
def doitgen(A: po.f64[NR, NQ, NP], C4: po.f64[NP, NP], sum_: po.f64[NP]):
    for r in range(NR):
        for q in range(NQ):
            for p in range(NP):
                sum_[p] = 0.0
                for s in range(NP):
                    sum_[p] += A[r, q, s] * C4[s, p]
            for p in range(NP):
                A[r, q, p] = sum_[p]


def init_doitgen(NQ, NR, NP):
    i, j, k = np.ogrid[:NR, :NQ, :NP]
    A = ((i * j + k) % NP) / NP
    i, j = np.ogrid[:NP, :NP]
    return dict(A=A, C4=(i * j % NP) / NP, sum_=np.zeros(NP))


def doitgen_numpy(A, C4, sum_):
    A[:] = A @ C4
    sum_[:] = A[-1, -1, :]  # what the last (r, q) iteration leaves in the temporary


doitgen_case = po.case(
    doitgen, category="linalg",
    sizes=_sizes(NQ=(8, 20, 40, 140, 220), NR=(10, 25, 50, 150, 250), NP=(12, 30, 60, 160, 270)),
    init=init_doitgen, flops=lambda NQ, NR, NP: 2 * NR * NQ * NP * NP, numpy=doitgen_numpy)

# ---------------------------------------------------------------- mvt


@po.kernel
def mvt(x1: po.f64[N], x2: po.f64[N], y_1: po.f64[N], y_2: po.f64[N], A: po.f64[N, N]):
    for i in range(N):
        for j in range(N):
            x1[i] = x1[i] + A[i, j] * y_1[j]
    for i in range(N):
        for j in range(N):
            x2[i] = x2[i] + A[j, i] * y_2[j]


def init_mvt(N):
    i = np.arange(N)
    a, b = np.ogrid[:N, :N]
    return dict(x1=(i % N) / N, x2=((i + 1) % N) / N, y_1=((i + 3) % N) / N, y_2=((i + 4) % N) / N,
                A=(a * b % N) / N)


def mvt_numpy(x1, x2, y_1, y_2, A):
    x1 += A @ y_1
    x2 += A.T @ y_2


mvt_case = po.case(mvt, category="linalg", sizes=_sizes(N=(40, 120, 400, 2000, 4000)), init=init_mvt,
                   flops=lambda N: 4 * N * N, numpy=mvt_numpy)
