/*
 * polyopt kernel 'gemm' from kernels/blas.py:29
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 32: C[i, j] *= beta
 *   S1  line 35: C[i, j] += alpha * A[i, k] * B[k, j]
 */

#include <math.h>

static inline long min(long a, long b) { return b < a ? b : a; }

static void polyopt_gemm_par0(long c0, double alpha, double beta, double *restrict C, const double *restrict A, const double *restrict B, long NI, long NJ, long NK)
{
  if (NI >= c0 + 32)
  {
    for (long c1 = 0; c1 < NJ - 127; c1 += 128)
    {
      for (long c2 = c0; c2 <= c0 + 31; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = c1; c3 <= c1 + 127; c3 += 1)
        {
          C[c2 * NJ + c3] *= beta;  /* S0 */
        }
      }
    }
  }
  if (c0 + 31 >= NI || NJ % 128 >= 1)
  {
    if (c0 + 31 >= NI)
    {
      for (long c1 = 0; c1 < NJ; c1 += 128)
      {
        for (long c2 = c0; c2 < NI; c2 += 1)
        {
          #pragma omp simd
          for (long c3 = c1; c3 <= min(NJ - 1, c1 + 127); c3 += 1)
          {
            C[c2 * NJ + c3] *= beta;  /* S0 */
          }
        }
      }
    }
    else
    {
      for (long c2 = c0; c2 <= c0 + 31; c2 += 1)
      {
        #pragma omp simd
        for (long c3 = -(NJ % 128) + NJ; c3 < NJ; c3 += 1)
        {
          C[c2 * NJ + c3] *= beta;  /* S0 */
        }
      }
    }
  }
}

static void polyopt_gemm_par1(long c0, long c1, double alpha, double beta, double *restrict C, const double *restrict A, const double *restrict B, long NI, long NJ, long NK)
{
  if (NI >= c0 + 32 && NJ >= c1 + 128)
  {
    for (long c2 = 0; c2 < NK - 31; c2 += 32)
    {
      for (long c3 = c0; c3 <= c0 + 31; c3 += 1)
      {
        for (long c4 = c2; c4 <= c2 + 31; c4 += 1)
        {
          #pragma omp simd
          for (long c5 = c1; c5 <= c1 + 127; c5 += 1)
          {
            C[c3 * NJ + c5] += alpha * A[c3 * NK + c4] * B[c4 * NJ + c5];  /* S1 */
          }
        }
      }
    }
  }
  if (c0 + 31 >= NI || c1 + 127 >= NJ || NK % 32 >= 1)
  {
    if (c0 + 31 >= NI)
    {
      for (long c2 = 0; c2 < NK; c2 += 32)
      {
        for (long c3 = c0; c3 < NI; c3 += 1)
        {
          for (long c4 = c2; c4 <= min(NK - 1, c2 + 31); c4 += 1)
          {
            #pragma omp simd
            for (long c5 = c1; c5 <= min(NJ - 1, c1 + 127); c5 += 1)
            {
              C[c3 * NJ + c5] += alpha * A[c3 * NK + c4] * B[c4 * NJ + c5];  /* S1 */
            }
          }
        }
      }
    }
    else
    {
      if (c1 + 127 >= NJ)
      {
        for (long c2 = 0; c2 < NK; c2 += 32)
        {
          for (long c3 = c0; c3 <= c0 + 31; c3 += 1)
          {
            for (long c4 = c2; c4 <= min(NK - 1, c2 + 31); c4 += 1)
            {
              #pragma omp simd
              for (long c5 = c1; c5 < NJ; c5 += 1)
              {
                C[c3 * NJ + c5] += alpha * A[c3 * NK + c4] * B[c4 * NJ + c5];  /* S1 */
              }
            }
          }
        }
      }
      else
      {
        for (long c3 = c0; c3 <= c0 + 31; c3 += 1)
        {
          for (long c4 = -(NK % 32) + NK; c4 < NK; c4 += 1)
          {
            #pragma omp simd
            for (long c5 = c1; c5 <= c1 + 127; c5 += 1)
            {
              C[c3 * NJ + c5] += alpha * A[c3 * NK + c4] * B[c4 * NJ + c5];  /* S1 */
            }
          }
        }
      }
    }
  }
}

void polyopt_gemm(double alpha, double beta, double *restrict C, const double *restrict A, const double *restrict B, long NI, long NJ, long NK)
{
  #pragma omp parallel for if(NI * NJ >= 16384)
  for (long c0 = 0; c0 < NI; c0 += 32)
  {
    polyopt_gemm_par0(c0, alpha, beta, C, A, B, NI, NJ, NK);
  }
  #pragma omp parallel for collapse(2) if(NI * NK * NJ >= 16384)
  for (long c0 = 0; c0 < NI; c0 += 32)
  {
    for (long c1 = 0; c1 < NJ; c1 += 128)
    {
      polyopt_gemm_par1(c0, c1, alpha, beta, C, A, B, NI, NJ, NK);
    }
  }
}
