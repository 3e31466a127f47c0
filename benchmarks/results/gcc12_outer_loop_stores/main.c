#include <stdio.h>
void kern(const double *restrict A, double *restrict B, const double *restrict C, long N, long M);
int main(void)
{
  long N = 7, M = 9;
  double A[63], B[63], C[49];
  for (int i = 0; i < 63; i++) { A[i] = i; B[i] = -1; }
  for (int i = 0; i < 49; i++) C[i] = 0;
  kern(A, B, C, N, M);
  for (int j = 0; j < M; j++) printf("%g ", 4 * B[2 * M + j]);  /* row 2: 18 + the last i3 writing it */
  printf("\n");
  return 0;
}
