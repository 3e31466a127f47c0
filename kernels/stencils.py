"""PolyBench 4.2 "stencils": adi, fdtd-2d, heat-3d, jacobi-1d, jacobi-2d, seidel-2d.

A kernel suite file (see :mod:`polyopt.suite`).  PolyBench's TSTEPS becomes an ``int`` argument
(a size parameter of the model); fdtd-2d's TMAX is an array extent (of ``_fict_``, here ``fict``),
so it is a size symbol.  Python names cannot start with a digit or contain ``-``: the kernels are
``fdtd_2d``, ``heat_3d``, ``jacobi_1d``, ``jacobi_2d`` and ``seidel_2d``.
"""

import numpy as np

import polyopt as po

N, NX, NY, TMAX = po.symbols("N NX NY TMAX")


def _sizes(**columns):
    """The five presets from one tuple of values per parameter (MINI .. EXTRALARGE)."""
    return {p: {k: v[n] for k, v in columns.items()} for n, p in enumerate(po.suite.PRESETS)}


# ---------------------------------------------------------------- adi


@po.kernel
def adi(TSTEPS: int, u: po.f64[N, N], v: po.f64[N, N], p: po.f64[N, N], q: po.f64[N, N]):
    DX = 1.0 / N
    DY = 1.0 / N
    DT = 1.0 / TSTEPS
    B1 = 2.0
    B2 = 1.0
    mul1 = B1 * DT / (DX * DX)
    mul2 = B2 * DT / (DY * DY)
    a = -mul1 / 2.0
    b = 1.0 + mul1
    c = a
    d = -mul2 / 2.0
    e = 1.0 + mul2
    f = d
    for t in range(1, TSTEPS + 1):  # noqa: B007 - the time loop
        # column sweep
        for i in range(1, N - 1):
            v[0, i] = 1.0
            p[i, 0] = 0.0
            q[i, 0] = v[0, i]
            for j in range(1, N - 1):
                p[i, j] = -c / (a * p[i, j - 1] + b)
                q[i, j] = ((-d * u[j, i - 1] + (1.0 + 2.0 * d) * u[j, i] - f * u[j, i + 1]
                            - a * q[i, j - 1]) / (a * p[i, j - 1] + b))
            v[N - 1, i] = 1.0
            for j in range(N - 2, 0, -1):
                v[j, i] = p[i, j] * v[j + 1, i] + q[i, j]
        # row sweep
        for i in range(1, N - 1):
            u[i, 0] = 1.0
            p[i, 0] = 0.0
            q[i, 0] = u[i, 0]
            for j in range(1, N - 1):
                p[i, j] = -f / (d * p[i, j - 1] + e)
                q[i, j] = ((-a * v[i - 1, j] + (1.0 + 2.0 * a) * v[i, j] - c * v[i + 1, j]
                            - d * q[i, j - 1]) / (d * p[i, j - 1] + e))
            u[i, N - 1] = 1.0
            for j in range(N - 2, 0, -1):
                u[i, j] = p[i, j] * u[i, j + 1] + q[i, j]


def init_adi(TSTEPS, N):
    i, j = np.ogrid[:N, :N]
    return dict(TSTEPS=TSTEPS, u=(i + N - j) / N, v=np.zeros((N, N)), p=np.zeros((N, N)),
                q=np.zeros((N, N)))


adi_case = po.case(
    adi, category="stencils",
    sizes=_sizes(TSTEPS=(20, 40, 100, 500, 1000), N=(20, 60, 200, 1000, 2000)),
    init=init_adi,
    # per sweep and point: p 3, q 12, back substitution 2
    flops=lambda TSTEPS, N: TSTEPS * 2 * (N - 2) * (N - 2) * 17)

# ---------------------------------------------------------------- fdtd-2d


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


def init_fdtd_2d(TMAX, NX, NY):
    i, j = np.ogrid[:NX, :NY]
    return dict(ex=i * (j + 1) / NX, ey=i * (j + 2) / NY, hz=i * (j + 3) / NX,
                fict=np.arange(TMAX, dtype=np.float64))


fdtd_2d_case = po.case(
    fdtd_2d, category="stencils",
    sizes=_sizes(TMAX=(20, 40, 100, 500, 1000), NX=(20, 60, 200, 1000, 2000), NY=(30, 80, 240, 1200, 2600)),
    init=init_fdtd_2d,
    flops=lambda TMAX, NX, NY: TMAX * (3 * (NX - 1) * NY + 3 * NX * (NY - 1) + 5 * (NX - 1) * (NY - 1)))

# ---------------------------------------------------------------- heat-3d


@po.kernel
def heat_3d(TSTEPS: int, A: po.f64[N, N, N], B: po.f64[N, N, N]):
    for t in range(1, TSTEPS + 1):  # noqa: B007 - the time loop
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


def init_heat_3d(TSTEPS, N):
    i, j, k = np.ogrid[:N, :N, :N]
    A = (i + j + (N - k)) * 10.0 / N
    return dict(TSTEPS=TSTEPS, A=A, B=A.copy())


def _heat_step(dst, src):
    c = src[1:-1, 1:-1, 1:-1]
    dst[1:-1, 1:-1, 1:-1] = (0.125 * (src[2:, 1:-1, 1:-1] - 2.0 * c + src[:-2, 1:-1, 1:-1])
                             + 0.125 * (src[1:-1, 2:, 1:-1] - 2.0 * c + src[1:-1, :-2, 1:-1])
                             + 0.125 * (src[1:-1, 1:-1, 2:] - 2.0 * c + src[1:-1, 1:-1, :-2]) + c)


def heat_3d_numpy(TSTEPS, A, B):
    for _ in range(TSTEPS):
        _heat_step(B, A)
        _heat_step(A, B)


heat_3d_case = po.case(
    heat_3d, category="stencils",
    sizes=_sizes(TSTEPS=(20, 40, 100, 500, 1000), N=(10, 20, 40, 120, 200)),
    init=init_heat_3d, flops=lambda TSTEPS, N: TSTEPS * 2 * 15 * (N - 2) ** 3, numpy=heat_3d_numpy)

# ---------------------------------------------------------------- jacobi-1d


@po.kernel
def jacobi_1d(TSTEPS: int, A: po.f64[N], B: po.f64[N]):
    for t in range(TSTEPS):  # noqa: B007 - the time loop
        for i in range(1, N - 1):
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1])
        for i in range(1, N - 1):
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1])


def init_jacobi_1d(TSTEPS, N):
    i = np.arange(N, dtype=np.float64)
    return dict(TSTEPS=TSTEPS, A=(i + 2) / N, B=(i + 3) / N)


def jacobi_1d_numpy(TSTEPS, A, B):
    for _ in range(TSTEPS):
        B[1:-1] = 0.33333 * (A[:-2] + A[1:-1] + A[2:])
        A[1:-1] = 0.33333 * (B[:-2] + B[1:-1] + B[2:])


jacobi_1d_case = po.case(
    jacobi_1d, category="stencils",
    sizes=_sizes(TSTEPS=(20, 40, 100, 500, 1000), N=(30, 120, 400, 2000, 4000)),
    init=init_jacobi_1d, flops=lambda TSTEPS, N: TSTEPS * 2 * 3 * (N - 2), numpy=jacobi_1d_numpy)

# ---------------------------------------------------------------- jacobi-2d


@po.kernel
def jacobi_2d(TSTEPS: int, A: po.f64[N, N], B: po.f64[N, N]):
    for t in range(TSTEPS):  # noqa: B007 - the time loop
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, 1 + j] + A[1 + i, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, 1 + j] + B[1 + i, j] + B[i - 1, j])


def init_jacobi_2d(TSTEPS, N):
    i, j = np.ogrid[:N, :N]
    return dict(TSTEPS=TSTEPS, A=(i * (j + 2.0) + 2) / N, B=(i * (j + 3.0) + 3) / N)


def _jacobi_2d_step(dst, src):
    dst[1:-1, 1:-1] = 0.2 * (src[1:-1, 1:-1] + src[1:-1, :-2] + src[1:-1, 2:] + src[2:, 1:-1] + src[:-2, 1:-1])


def jacobi_2d_numpy(TSTEPS, A, B):
    for _ in range(TSTEPS):
        _jacobi_2d_step(B, A)
        _jacobi_2d_step(A, B)


jacobi_2d_case = po.case(
    jacobi_2d, category="stencils",
    sizes=_sizes(TSTEPS=(20, 40, 100, 500, 1000), N=(30, 90, 250, 1300, 2800)),
    init=init_jacobi_2d, flops=lambda TSTEPS, N: TSTEPS * 2 * 5 * (N - 2) ** 2, numpy=jacobi_2d_numpy)

# ---------------------------------------------------------------- seidel-2d


@po.kernel
def seidel_2d(TSTEPS: int, A: po.f64[N, N]):
    for t in range(TSTEPS):  # noqa: B007 - the time loop
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = (A[i - 1, j - 1] + A[i - 1, j] + A[i - 1, j + 1]
                           + A[i, j - 1] + A[i, j] + A[i, j + 1]
                           + A[i + 1, j - 1] + A[i + 1, j] + A[i + 1, j + 1]) / 9.0


def init_seidel_2d(TSTEPS, N):
    i, j = np.ogrid[:N, :N]
    return dict(TSTEPS=TSTEPS, A=(i * (j + 2.0) + 2) / N)


seidel_2d_case = po.case(
    seidel_2d, category="stencils",
    sizes=_sizes(TSTEPS=(20, 40, 100, 500, 1000), N=(40, 120, 400, 2000, 4000)),
    init=init_seidel_2d, flops=lambda TSTEPS, N: TSTEPS * 9 * (N - 2) ** 2)
