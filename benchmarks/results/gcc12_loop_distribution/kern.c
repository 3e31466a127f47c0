static inline long floord(long n, long d) { long q = n / d; return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q; }
void kern(double *restrict x, const double *restrict y, double *restrict A, double *restrict B, long N, long M)
{
  for (long c0 = 2; c0 < N - 1; c0 += 1)
  {
    x[c0] = 0.3333 * (x[c0 - 1] + x[c0] + x[c0 + 1]);
    for (long c1 = 1; c1 < c0; c1 += 1)
    {
      for (long c2 = -(N % 2) + 2; c2 <= -(N % 2) + M; c2 += 1)
      {
        double t0 = 0.0;
        if (c2 >= 2 && M >= c2 + 2)
          B[(c1 + 2) * M + c2] = 0.3333 * (B[(c1 + 2) * M + (c2 - 1)] + B[(c1 + 2) * M + c2] + B[(c1 + 2) * M + c2 + 1]);
        if ((N + 1) % 2 == 0)
        {
          t0 = 0.25 * (x[c0] + B[c0 * M + (c2 - 1)] + A[c0 * M + c2]);
          x[c0 - 1] *= 0.5 + 0.25 * 0.25 * (B[c1 * M] + A[0 * M + c2] + B[(c0 - 2) * M + c2] + t0);
        }
        else
          B[floord(c0, 2) * M + (c2 - 1)] = 0.5 * y[c2 - 1];
        if (c2 >= 2 && M >= c2 + 2)
          A[c0 * M + c2 + 1] = 0.5 * A[(c1 + 2) * M + c2];
      }
    }
  }
}
