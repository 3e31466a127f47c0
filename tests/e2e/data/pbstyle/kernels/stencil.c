/* A 2-D five-point stencil with a time loop, and a reversal written with a comma in the loop
   header (two induction variables). */
#include <harness.h>
#include "sizes.h"

static void kernel_stencil(int tsteps, int n, DATA_TYPE ARRAY_2D(A, N, N), DATA_TYPE ARRAY_2D(B, N, N),
                           DATA_TYPE ARRAY_1D(r, N))
{
  int t, i, j;
#pragma scop
  for (t = 0; t < _PB_TSTEPS; t++) {
    for (i = 1; i < _PB_N - 1; i++)
      for (j = 1; j < _PB_N - 1; j++)
        B[i][j] = SCALAR_VAL(0.2) * (A[i][j] + A[i][j - 1] + A[i][1 + j] + A[1 + i][j] + A[i - 1][j]);
    for (i = 1; i < _PB_N - 1; i++)
      for (j = 1; j < _PB_N - 1; j++)
        A[i][j] = SCALAR_VAL(0.2) * (B[i][j] + B[i][j - 1] + B[i][1 + j] + B[1 + i][j] + B[i - 1][j]);
  }
  for (i = 0, j = _PB_N - 1; i < _PB_N; i++, j--)
    r[i] = A[j][i] + A[i][j];
#pragma endscop
}

int main(void)
{
  int n = N, tsteps = TSTEPS;
  ALLOC_2D(A, N, N);
  ALLOC_2D(B, N, N);
  ALLOC_1D(r, N);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      (*A)[i][j] = ((DATA_TYPE)i * (j + 2) + 2) / n;
      (*B)[i][j] = ((DATA_TYPE)i * (j + 3) + 3) / n;
    }
  kernel_stencil(tsteps, n, *A, *B, *r);
#ifdef DUMP_ARRAYS
  DUMP_BEGIN("A");
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) DUMP_VALUE((*A)[i][j], i * n + j);
  DUMP_END("A");
  DUMP_BEGIN("r");
  for (int i = 0; i < n; i++) DUMP_VALUE((*r)[i], i);
  DUMP_END("r");
#endif
  free(A); free(B); free(r);
  return 0;
}
