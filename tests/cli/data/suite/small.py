"""Two tiny kernels with Cases, for the CLI tests."""

import numpy as np

import polyopt as po

N, M, K = po.symbols("N M K")


@po.kernel
def scale(alpha: po.f64, A: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            A[i, j] *= alpha


def scale_numpy(alpha, A):
    A *= alpha


scale_case = po.case(scale, sizes={"MINI": dict(N=6, M=5), "SMALL": dict(N=12, M=9)},
                     flops=lambda N, M: N * M, numpy=scale_numpy, category="test")


@po.kernel
def matmul(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * B[k, j]


def init_matmul(N, M, K):
    rng = np.random.default_rng(1)
    return {"C": np.zeros((N, M)), "A": rng.random((N, K)), "B": rng.random((K, M))}


matmul_case = po.case(matmul, sizes={"MINI": dict(N=7, M=6, K=5), "SMALL": dict(N=9, M=8, K=6)}, init=init_matmul,
                      flops=lambda N, M, K: 2 * N * M * K)
