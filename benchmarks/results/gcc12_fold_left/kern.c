void kern(double *restrict x, const double *restrict y, long N, long M)
{
  for (long c0 = 0; c0 < N - 1; c0 += 3)
    if (N >= c0 + 4)
      for (long c1 = M % 2 - M + 2; c1 < -1; c1 += 2)
        for (long c2 = c1; c2 <= c1 + 1; c2 += 1)
          for (long c3 = c0; c3 <= c0 + 2; c3 += 1)
            x[c3] += 0.25 * (y[-c2] + y[-c2]);
}
