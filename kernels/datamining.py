"""PolyBench 4.2 "datamining": correlation, covariance.

A kernel suite file (see :mod:`polyopt.suite`).  PolyBench's ``float_n`` (N as a float) is a
scalar argument; correlation's ``eps`` is a temporary, and its conditional ``stddev <= eps ? 1.0 :
stddev`` a conditional value expression.
"""

import math

import numpy as np

import polyopt as po

M, N = po.symbols("M N")

_SIZES = {p: dict(M=m, N=n) for p, m, n in zip(po.suite.PRESETS, (28, 80, 240, 1200, 2600),
                                                (32, 100, 260, 1400, 3000))}

# ---------------------------------------------------------------- correlation


@po.kernel
def correlation(float_n: po.f64, data: po.f64[N, M], corr: po.f64[M, M], mean: po.f64[M],
                stddev: po.f64[M]):
    eps = 0.1
    for j in range(M):
        mean[j] = 0.0
        for i in range(N):
            mean[j] += data[i, j]
        mean[j] /= float_n
    for j in range(M):
        stddev[j] = 0.0
        for i in range(N):
            stddev[j] += (data[i, j] - mean[j]) * (data[i, j] - mean[j])
        stddev[j] /= float_n
        stddev[j] = math.sqrt(stddev[j])
        # avoid dividing by a near-zero standard deviation
        stddev[j] = 1.0 if stddev[j] <= eps else stddev[j]
    for i in range(N):
        for j in range(M):
            data[i, j] -= mean[j]
            data[i, j] /= math.sqrt(float_n) * stddev[j]
    for i in range(M - 1):
        corr[i, i] = 1.0
        for j in range(i + 1, M):
            corr[i, j] = 0.0
            for k in range(N):
                corr[i, j] += data[k, i] * data[k, j]
            corr[j, i] = corr[i, j]
    corr[M - 1, M - 1] = 1.0


def init_correlation(M, N):
    i, j = np.ogrid[:N, :M]
    return dict(float_n=float(N), data=(i * j) / M + i, corr=np.zeros((M, M)), mean=np.zeros(M),
                stddev=np.zeros(M))


def correlation_numpy(float_n, data, corr, mean, stddev):
    mean[:] = data.sum(axis=0) / float_n
    sd = np.sqrt(((data - mean) ** 2).sum(axis=0) / float_n)
    stddev[:] = np.where(sd <= 0.1, 1.0, sd)
    data -= mean
    data /= math.sqrt(float_n) * stddev
    corr[:] = data.T @ data
    np.fill_diagonal(corr, 1.0)


correlation_case = po.case(
    correlation, category="datamining", sizes=_SIZES, init=init_correlation,
    flops=lambda M, N: 2 * M * N + 4 * M * N + 3 * M + 3 * M * N + M * (M - 1) // 2 * 2 * N,
    numpy=correlation_numpy)

# ---------------------------------------------------------------- covariance


@po.kernel
def covariance(float_n: po.f64, data: po.f64[N, M], cov: po.f64[M, M], mean: po.f64[M]):
    for j in range(M):
        mean[j] = 0.0
        for i in range(N):
            mean[j] += data[i, j]
        mean[j] /= float_n
    for i in range(N):
        for j in range(M):
            data[i, j] -= mean[j]
    for i in range(M):
        for j in range(i, M):
            cov[i, j] = 0.0
            for k in range(N):
                cov[i, j] += data[k, i] * data[k, j]
            cov[i, j] /= float_n - 1.0
            cov[j, i] = cov[i, j]


def init_covariance(M, N):
    i, j = np.ogrid[:N, :M]
    return dict(float_n=float(N), data=(i * j) / M, cov=np.zeros((M, M)), mean=np.zeros(M))


def covariance_numpy(float_n, data, cov, mean):
    mean[:] = data.sum(axis=0) / float_n
    data -= mean
    cov[:] = (data.T @ data) / (float_n - 1.0)


covariance_case = po.case(
    covariance, category="datamining", sizes=_SIZES, init=init_covariance,
    flops=lambda M, N: M * N + M + M * N + M * (M + 1) // 2 * (2 * N + 1), numpy=covariance_numpy)
