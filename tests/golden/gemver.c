/*
 * polyopt kernel 'gemver' from kernels/blas.py:64
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 68: A[i, j] = A[i, j] + u1[i] * v1[j] + u2[i] * v2[j]
 *   S1  line 71: x[i] = x[i] + beta * A[j, i] * y[j]
 *   S2  line 73: x[i] = x[i] + z[i]
 *   S3  line 76: w[i] = w[i] + alpha * A[i, j] * x[j]
 */

#include <math.h>

static inline long min(long a, long b) { return b < a ? b : a; }

static void polyopt_gemver_par0(long c0, double alpha, double beta, double *restrict A, const double *restrict u1, const double *restrict v1, const double *restrict u2, const double *restrict v2, double *restrict w, double *restrict x, const double *restrict y, const double *restrict z, long N)
{
  if (N >= c0 + 128)
  {
    for (long c1 = 0; c1 < N - 31; c1 += 32)
    {
      for (long c2 = c1; c2 <= c1 + 31; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = c0; c3 <= c0 + 127; c3 += 1)
        {
          A[c2 * N + c3] = A[c2 * N + c3] + u1[c2] * v1[c3] + u2[c2] * v2[c3];  /* S0 */
          x[c3] = x[c3] + beta * A[c2 * N + c3] * y[c2];  /* S1 */
        }
      }
    }
  }
  if (c0 + 127 >= N || N % 32 >= 1)
  {
    if (c0 + 127 >= N)
    {
      for (long c1 = 0; c1 < N; c1 += 32)
      {
        for (long c2 = c1; c2 <= min(N - 1, c1 + 31); c2 += 1)
        {
          #pragma omp simd
          for (long c3 = c0; c3 < N; c3 += 1)
          {
            A[c2 * N + c3] = A[c2 * N + c3] + u1[c2] * v1[c3] + u2[c2] * v2[c3];  /* S0 */
            x[c3] = x[c3] + beta * A[c2 * N + c3] * y[c2];  /* S1 */
          }
        }
      }
    }
    else
    {
      for (long c2 = -((N + 32) % 32) + N; c2 < N; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = c0; c3 <= c0 + 127; c3 += 1)
        {
          A[c2 * N + c3] = A[c2 * N + c3] + u1[c2] * v1[c3] + u2[c2] * v2[c3];  /* S0 */
          x[c3] = x[c3] + beta * A[c2 * N + c3] * y[c2];  /* S1 */
        }
      }
    }
  }
}

static void polyopt_gemver_par1(long c0, double alpha, double beta, double *restrict A, const double *restrict u1, const double *restrict v1, const double *restrict u2, const double *restrict v2, double *restrict w, double *restrict x, const double *restrict y, const double *restrict z, long N)
{
  if (N >= c0 + 8)
  {
    #pragma omp simd if(0)
    for (long c1 = 0; c1 < N; c1 += 1)
    {
      w[c0] = w[c0] + alpha * A[c0 * N + c1] * x[c1];  /* S3 */
      w[c0 + 1] = w[c0 + 1] + alpha * A[(c0 + 1) * N + c1] * x[c1];  /* S3 */
      w[c0 + 2] = w[c0 + 2] + alpha * A[(c0 + 2) * N + c1] * x[c1];  /* S3 */
      w[c0 + 3] = w[c0 + 3] + alpha * A[(c0 + 3) * N + c1] * x[c1];  /* S3 */
      w[c0 + 4] = w[c0 + 4] + alpha * A[(c0 + 4) * N + c1] * x[c1];  /* S3 */
      w[c0 + 5] = w[c0 + 5] + alpha * A[(c0 + 5) * N + c1] * x[c1];  /* S3 */
      w[c0 + 6] = w[c0 + 6] + alpha * A[(c0 + 6) * N + c1] * x[c1];  /* S3 */
      w[c0 + 7] = w[c0 + 7] + alpha * A[(c0 + 7) * N + c1] * x[c1];  /* S3 */
    }
  }
  else
  {
    #pragma omp simd if(0)
    for (long c1 = 0; c1 < N; c1 += 1)
    {
      w[c0] = w[c0] + alpha * A[c0 * N + c1] * x[c1];  /* S3 */
      if (N >= c0 + 2)
      {
        w[c0 + 1] = w[c0 + 1] + alpha * A[(c0 + 1) * N + c1] * x[c1];  /* S3 */
        if (N >= c0 + 3)
        {
          w[c0 + 2] = w[c0 + 2] + alpha * A[(c0 + 2) * N + c1] * x[c1];  /* S3 */
          if (N >= c0 + 4)
          {
            w[c0 + 3] = w[c0 + 3] + alpha * A[(c0 + 3) * N + c1] * x[c1];  /* S3 */
            if (N >= c0 + 5)
            {
              w[c0 + 4] = w[c0 + 4] + alpha * A[(c0 + 4) * N + c1] * x[c1];  /* S3 */
              if (N >= c0 + 6)
              {
                w[c0 + 5] = w[c0 + 5] + alpha * A[(c0 + 5) * N + c1] * x[c1];  /* S3 */
                if (c0 + 7 == N)
                {
                  w[N - 1] = w[N - 1] + alpha * A[(N - 1) * N + c1] * x[c1];  /* S3 */
                }
              }
            }
          }
        }
      }
    }
  }
}

void polyopt_gemver(double alpha, double beta, double *restrict A, const double *restrict u1, const double *restrict v1, const double *restrict u2, const double *restrict v2, double *restrict w, double *restrict x, const double *restrict y, const double *restrict z, long N)
{
  #pragma omp parallel for if(N * N + N * N >= 16384)
  for (long c0 = 0; c0 < N; c0 += 128)
  {
    polyopt_gemver_par0(c0, alpha, beta, A, u1, v1, u2, v2, w, x, y, z, N);
  }
  #pragma omp parallel for if(N >= 16384)
  for (long c0 = 0; c0 < N; c0 += 1)
  {
    x[c0] = x[c0] + z[c0];  /* S2 */
  }
  #pragma omp parallel for if(N * N >= 16384)
  for (long c0 = 0; c0 < N; c0 += 8)
  {
    polyopt_gemver_par1(c0, alpha, beta, A, u1, v1, u2, v2, w, x, y, z, N);
  }
}
