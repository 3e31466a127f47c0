/* Two matrix-vector products and an update, on 2-D and 1-D array parameters. */
#include <harness.h>
#include "sizes.h"

static void kernel_mv2(int n, int m, DATA_TYPE alpha, DATA_TYPE beta, DATA_TYPE ARRAY_2D(A, N, M),
                       DATA_TYPE ARRAY_1D(x, M), DATA_TYPE ARRAY_1D(y, N), DATA_TYPE ARRAY_1D(z, M))
{
  int i, j;
#pragma scop
  for (i = 0; i < _PB_N; i++) {
    y[i] = SCALAR_VAL(0.0);
    for (j = 0; j < _PB_M; j++)
      y[i] += alpha * A[i][j] * x[j];
  }
  for (j = 0; j < _PB_M; j++)
    for (i = 0; i < _PB_N; i++)
      z[j] = z[j] + beta * A[i][j] * y[i];
  for (i = 0; i < _PB_N; i++)
    for (j = 0; j < _PB_M; j++)
      A[i][j] = A[i][j] + y[i] * z[j];
#pragma endscop
}

int main(void)
{
  int n = N, m = M;
  ALLOC_2D(A, N, M);
  ALLOC_1D(x, M);
  ALLOC_1D(y, N);
  ALLOC_1D(z, M);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      (*A)[i][j] = (DATA_TYPE)((i * j + 1) % n) / n;
  for (int j = 0; j < m; j++) { (*x)[j] = (DATA_TYPE)(j % 5) / 5; (*z)[j] = 0; }
  kernel_mv2(n, m, 1.5, 0.25, *A, *x, *y, *z);
#ifdef DUMP_ARRAYS
  DUMP_BEGIN("z");
  for (int j = 0; j < m; j++) DUMP_VALUE((*z)[j], j);
  DUMP_END("z");
  DUMP_BEGIN("A");
  for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) DUMP_VALUE((*A)[i][j], i * m + j);
  DUMP_END("A");
#endif
  free(A); free(x); free(y); free(z);
  return 0;
}
