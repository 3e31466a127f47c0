/* polyopt's function for fuzz seed 5533 (scheduler="isl", tile=False, parallel=False) before the
   store barrier, its unused parameters dropped */
void kern(const double *restrict A, double *restrict B, const double *restrict C, long N, long M)
{
  if (M >= 4)
  {
    for (long c0 = 0; c0 < N - 2; c0 += 1)
    {
      for (long c1 = 2; c1 < M - 2; c1 += 1)
      {
        #pragma omp simd
        for (long c2 = c1 - 2; c2 <= c1 + 2; c2 += 1)
        {
          B[(c0 + 2) * M + c2] = 0.25 * (C[c0 * N + c0] + A[(c0 + 2) * M + c1] + C[0 * N + c0]);
        }
      }
      #pragma omp simd
      for (long c2 = M - 4; c2 < M; c2 += 1)
      {
        B[(c0 + 2) * M + c2] = 0.25 * (C[c0 * N + c0] + A[(c0 + 2) * M + (M - 2)] + C[0 * N + c0]);
      }
    }
  }
}
