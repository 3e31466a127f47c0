/* A recursive filter over rows then columns: scalar coefficients set by chained assignments,
   scalar state carried along each row, a backward sweep. */
#include <harness.h>
#include "sizes.h"

static void kernel_filter(int n, int m, DATA_TYPE alpha, DATA_TYPE ARRAY_2D(in, N, M),
                          DATA_TYPE ARRAY_2D(out, N, M), DATA_TYPE ARRAY_2D(tmp, N, M))
{
  int i, j;
  DATA_TYPE k, a1, a2, a3, a4, b1, b2, c1, ym1, ym2, xm1, total;
#pragma scop
  k = (SCALAR_VAL(1.0) - EXP_FUN(-alpha)) / (SCALAR_VAL(1.0) + SCALAR_VAL(2.0) * alpha);
  a1 = a3 = k;
  a2 = a4 = k * EXP_FUN(-alpha) * (alpha - SCALAR_VAL(1.0));
  b1 = SCALAR_VAL(0.5) * EXP_FUN(-alpha);
  b2 = -EXP_FUN(SCALAR_VAL(-2.0) * alpha);
  c1 = 1;
  total = 0;
  for (i = 0; i < _PB_N; i++) {
    ym1 = ym2 = xm1 = SCALAR_VAL(0.0);
    for (j = 0; j < _PB_M; j++) {
      tmp[i][j] = a1 * in[i][j] + a2 * xm1 + b1 * ym1 + b2 * ym2;
      xm1 = in[i][j];
      ym2 = ym1;
      ym1 = tmp[i][j];
    }
  }
  for (i = 0; i < _PB_N; i++) {
    ym1 = ym2 = SCALAR_VAL(0.0);
    for (j = _PB_M - 1; j >= 0; j--) {
      out[i][j] = c1 * (tmp[i][j] + a3 * ym1 + a4 * ym2);
      ym2 = ym1;
      ym1 = out[i][j];
      total += out[i][j];
    }
  }
  for (i = 0; i < _PB_N; i++)
    for (j = 0; j < _PB_M; j++)
      out[i][j] /= total;
#pragma endscop
}

int main(void)
{
  int n = N, m = M;
  ALLOC_2D(in, N, M);
  ALLOC_2D(out, N, M);
  ALLOC_2D(tmp, N, M);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      (*in)[i][j] = (DATA_TYPE)((313 * i + 991 * j) % 65536) / 65535.0;
  kernel_filter(n, m, 0.25, *in, *out, *tmp);
#ifdef DUMP_ARRAYS
  DUMP_BEGIN("out");
  for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) DUMP_VALUE(1000 * (*out)[i][j], i * m + j);
  DUMP_END("out");
#endif
  free(in); free(out); free(tmp);
  return 0;
}
