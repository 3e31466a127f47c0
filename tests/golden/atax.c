/*
 * polyopt kernel 'atax' from kernels/linalg.py:117
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 119: y[i] = 0.0
 *   S1  line 121: tmp[i] = 0.0
 *   S2  line 123: tmp[i] = tmp[i] + A[i, j] * x[j]
 *   S3  line 125: y[j] = y[j] + A[i, j] * tmp[i]
 */

#include <math.h>

static inline long min(long a, long b) { return b < a ? b : a; }

static void polyopt_atax_par0(long c0, const double *restrict A, const double *restrict x, double *restrict y, double *restrict tmp, long M, long N)
{
  if (M >= c0 + 8)
  {
    #pragma omp simd if(0)
    for (long c1 = 0; c1 < N; c1 += 1)
    {
      tmp[c0] = tmp[c0] + A[c0 * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 1] = tmp[c0 + 1] + A[(c0 + 1) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 2] = tmp[c0 + 2] + A[(c0 + 2) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 3] = tmp[c0 + 3] + A[(c0 + 3) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 4] = tmp[c0 + 4] + A[(c0 + 4) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 5] = tmp[c0 + 5] + A[(c0 + 5) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 6] = tmp[c0 + 6] + A[(c0 + 6) * N + c1] * x[c1];  /* S2 */
      tmp[c0 + 7] = tmp[c0 + 7] + A[(c0 + 7) * N + c1] * x[c1];  /* S2 */
    }
  }
  else
  {
    #pragma omp simd if(0)
    for (long c1 = 0; c1 < N; c1 += 1)
    {
      tmp[c0] = tmp[c0] + A[c0 * N + c1] * x[c1];  /* S2 */
      if (M >= c0 + 2)
      {
        tmp[c0 + 1] = tmp[c0 + 1] + A[(c0 + 1) * N + c1] * x[c1];  /* S2 */
        if (M >= c0 + 3)
        {
          tmp[c0 + 2] = tmp[c0 + 2] + A[(c0 + 2) * N + c1] * x[c1];  /* S2 */
          if (M >= c0 + 4)
          {
            tmp[c0 + 3] = tmp[c0 + 3] + A[(c0 + 3) * N + c1] * x[c1];  /* S2 */
            if (M >= c0 + 5)
            {
              tmp[c0 + 4] = tmp[c0 + 4] + A[(c0 + 4) * N + c1] * x[c1];  /* S2 */
              if (M >= c0 + 6)
              {
                tmp[c0 + 5] = tmp[c0 + 5] + A[(c0 + 5) * N + c1] * x[c1];  /* S2 */
                if (c0 + 7 == M)
                {
                  tmp[M - 1] = tmp[M - 1] + A[(M - 1) * N + c1] * x[c1];  /* S2 */
                }
              }
            }
          }
        }
      }
    }
  }
}

static void polyopt_atax_par1(long c0, const double *restrict A, const double *restrict x, double *restrict y, double *restrict tmp, long M, long N)
{
  if (N >= c0 + 128)
  {
    for (long c1 = 0; c1 < M - 31; c1 += 32)
    {
      for (long c2 = c1; c2 <= c1 + 31; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = c0; c3 <= c0 + 127; c3 += 1)
        {
          y[c3] = y[c3] + A[c2 * N + c3] * tmp[c2];  /* S3 */
        }
      }
    }
  }
  if (c0 + 127 >= N || M % 32 >= 1)
  {
    if (c0 + 127 >= N)
    {
      for (long c1 = 0; c1 < M; c1 += 32)
      {
        for (long c2 = c1; c2 <= min(M - 1, c1 + 31); c2 += 1)
        {
          #pragma omp simd
          for (long c3 = c0; c3 < N; c3 += 1)
          {
            y[c3] = y[c3] + A[c2 * N + c3] * tmp[c2];  /* S3 */
          }
        }
      }
    }
    else
    {
      for (long c2 = -(M % 32) + M; c2 < M; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = c0; c3 <= c0 + 127; c3 += 1)
        {
          y[c3] = y[c3] + A[c2 * N + c3] * tmp[c2];  /* S3 */
        }
      }
    }
  }
}

void polyopt_atax(const double *restrict A, const double *restrict x, double *restrict y, double *restrict tmp, long M, long N)
{
  #pragma omp parallel for if(N >= 16384)
  for (long c0 = 0; c0 < N; c0 += 1)
  {
    y[c0] = 0.0;  /* S0 */
  }
  #pragma omp parallel for if(M >= 16384)
  for (long c0 = 0; c0 < M; c0 += 1)
  {
    tmp[c0] = 0.0;  /* S1 */
  }
  #pragma omp parallel for if(M * N >= 16384)
  for (long c0 = 0; c0 < M; c0 += 8)
  {
    polyopt_atax_par0(c0, A, x, y, tmp, M, N);
  }
  #pragma omp parallel for if(M * N >= 16384)
  for (long c0 = 0; c0 < N; c0 += 128)
  {
    polyopt_atax_par1(c0, A, x, y, tmp, M, N);
  }
}
