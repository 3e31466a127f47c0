#include <stdio.h>
void kern(double *restrict x, const double *restrict y, double *restrict A, double *restrict B, long N, long M);
int main(void) {
  enum { N = 7, M = 9 };
  double x[N], y[M], A[N * M], B[N * M];
  for (int i = 0; i < N; i++) x[i] = 1.0 + 0.1 * i;
  for (int i = 0; i < M; i++) y[i] = 0.5 + 0.05 * i;
  for (int i = 0; i < N * M; i++) { A[i] = 0.5 + 0.01 * i; B[i] = 1.5 - 0.01 * i; }
  kern(x, y, A, B, N, M);
  for (int i = 0; i < N; i++) printf("%.12g ", x[i]);
  printf("\n");
  return 0;
}
