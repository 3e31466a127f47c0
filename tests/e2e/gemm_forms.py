"""gemm in its Python and its C form, for the tests that compare the two front ends."""

import polyopt as po

N, M, K = po.symbols("N M K")


@po.kernel
def gemm_py(alpha: po.f64, beta: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            C[i, j] *= beta
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


GEMM_C = r"""
void gemm(int N, int M, int K, double alpha, double beta, double C[N][M], double A[N][K], double B[K][M]) {
#pragma scop
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < M; j++)
      C[i][j] *= beta;
    for (int k = 0; k < K; k++)
      for (int j = 0; j < M; j++)
        C[i][j] += alpha * A[i][k] * B[k][j];
  }
#pragma endscop
}
"""
