/* Two contractions, the second reading the first's result (as 2mm): a transposed operand (syrk's
   form, its panel packed) and gemm's form. */
#include <harness.h>
#include "sizes.h"

static void kernel_contract(int n, int m, DATA_TYPE alpha, DATA_TYPE beta, DATA_TYPE ARRAY_2D(C, N, N),
                            DATA_TYPE ARRAY_2D(A, N, M), DATA_TYPE ARRAY_2D(B, N, M), DATA_TYPE ARRAY_2D(D, N, M),
                            DATA_TYPE ARRAY_2D(E, N, M))
{
  int i, j, k;
#pragma scop
  for (i = 0; i < _PB_N; i++) {
    for (j = 0; j < _PB_N; j++)
      C[i][j] *= beta;
    for (j = 0; j < _PB_N; j++)
      for (k = 0; k < _PB_M; k++)
        C[i][j] += alpha * A[i][k] * B[j][k];
  }
  for (i = 0; i < _PB_N; i++)
    for (k = 0; k < _PB_N; k++)
      for (j = 0; j < _PB_M; j++)
        D[i][j] += C[i][k] * E[k][j];
#pragma endscop
}

int main(void)
{
  int n = N, m = M;
  ALLOC_2D(C, N, N);
  ALLOC_2D(A, N, M);
  ALLOC_2D(B, N, M);
  ALLOC_2D(D, N, M);
  ALLOC_2D(E, N, M);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++)
      (*C)[i][j] = (DATA_TYPE)((i * j + 2) % n) / n;
    for (int k = 0; k < m; k++) {
      (*A)[i][k] = (DATA_TYPE)((i + k) % 7) / 7;
      (*B)[i][k] = (DATA_TYPE)((2 * i + k) % 5) / 5;
      (*D)[i][k] = (DATA_TYPE)(i - k) / n;
    }
  }
  for (int k = 0; k < n; k++)
    for (int j = 0; j < m; j++)
      (*E)[k][j] = (DATA_TYPE)((k * j + 1) % 3) / 3;
  kernel_contract(n, m, 1.5, 1.2, *C, *A, *B, *D, *E);
#ifdef DUMP_ARRAYS
  DUMP_BEGIN("C");
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) DUMP_VALUE((*C)[i][j], i * n + j);
  DUMP_END("C");
  DUMP_BEGIN("D");
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) DUMP_VALUE((*D)[i][j], i * m + j);
  DUMP_END("D");
#endif
  free(C); free(A); free(B); free(D); free(E);
  return 0;
}
