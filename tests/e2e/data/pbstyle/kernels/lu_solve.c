/* LU decomposition and the two triangular solves, with a scalar temporary (w). */
#include <harness.h>
#include "sizes.h"

static void kernel_lu_solve(int n, DATA_TYPE ARRAY_2D(A, N, N), DATA_TYPE ARRAY_1D(b, N), DATA_TYPE ARRAY_1D(x, N),
                            DATA_TYPE ARRAY_1D(y, N))
{
  int i, j, k;
  DATA_TYPE w;
#pragma scop
  for (i = 0; i < _PB_N; i++) {
    for (j = 0; j < i; j++) {
      w = A[i][j];
      for (k = 0; k < j; k++)
        w -= A[i][k] * A[k][j];
      A[i][j] = w / A[j][j];
    }
    for (j = i; j < _PB_N; j++) {
      w = A[i][j];
      for (k = 0; k < i; k++)
        w -= A[i][k] * A[k][j];
      A[i][j] = w;
    }
  }
  for (i = 0; i < _PB_N; i++) {
    w = b[i];
    for (j = 0; j < i; j++)
      w -= A[i][j] * y[j];
    y[i] = w;
  }
  for (i = _PB_N - 1; i >= 0; i--) {
    w = y[i];
    for (j = i + 1; j < _PB_N; j++)
      w -= A[i][j] * x[j];
    x[i] = w / A[i][i];
  }
#pragma endscop
}

int main(void)
{
  int n = N;
  ALLOC_2D(A, N, N);
  ALLOC_1D(b, N);
  ALLOC_1D(x, N);
  ALLOC_1D(y, N);
  for (int i = 0; i < n; i++) {
    (*b)[i] = (i + 1) / (DATA_TYPE)n / 2.0 + 4;
    for (int j = 0; j < n; j++)
      (*A)[i][j] = (i == j) ? n + 1.0 : (DATA_TYPE)((i + 2 * j) % n) / n;
  }
  kernel_lu_solve(n, *A, *b, *x, *y);
#ifdef DUMP_ARRAYS
  DUMP_BEGIN("x");
  for (int i = 0; i < n; i++) DUMP_VALUE((*x)[i], i);
  DUMP_END("x");
#endif
  free(A); free(b); free(x); free(y);
  return 0;
}
