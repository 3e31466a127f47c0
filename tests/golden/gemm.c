/*
 * polyopt kernel 'gemm' from kernels/blas.py:29
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 32: C[i, j] *= beta
 *   S1  line 35: C[i, j] += alpha * A[i, k] * B[k, j]
 */

#include <math.h>

static inline long floord(long n, long d) { long q = n / d; return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q; }
static inline long min(long a, long b) { return b < a ? b : a; }
static inline long max(long a, long b) { return b > a ? b : a; }

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
  for (long c2 = 0; c2 < NK; c2 += 32)
  {
    for (long c3 = c0; c3 <= min(NI - 1, c0 + 31); c3 += 4)
    {
      double polyopt_rows0[128];
      for (long polyopt_pk = max(c2, 0); polyopt_pk < min(c2 + 32, NK); polyopt_pk += 1)
        for (long polyopt_pi = max(c3, 0); polyopt_pi < min(c3 + 4, NI); polyopt_pi += 1)
          polyopt_rows0[(polyopt_pk - c2) * 4 + (polyopt_pi - c3)] = alpha * A[polyopt_pi * NK + polyopt_pk];
      if (NI >= c3 + 4)
      {
        for (long c4 = c1; c4 <= min(NJ - 16, c1 + 112); c4 += 16)
        {
          {
            double polyopt_blk0[4][16];
            if (c2 <= min(NK - 1, c2 + 31))
            {
              for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                for (long c7 = c4; c7 <= c4 + 15; c7 += 1)
                  polyopt_blk0[c6 - c3][c7 - c4] = C[c6 * NJ + c7];
              for (long c5 = c2; c5 <= min(NK - 1, c2 + 31); c5 += 1)
              {
                #pragma GCC unroll 4
                for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                {
                  #pragma omp simd
                  for (long c7 = c4; c7 <= c4 + 15; c7 += 1)
                  {
                    polyopt_blk0[c6 - c3][c7 - c4] += polyopt_rows0[(c5 - c2) * 4 + (c6 - c3)] * B[c5 * NJ + c7];  /* S1 */
                  }
                }
              }
              for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                for (long c7 = c4; c7 <= c4 + 15; c7 += 1)
                  C[c6 * NJ + c7] = polyopt_blk0[c6 - c3][c7 - c4];
            }
          }
        }
      }
      if (c3 + 3 >= NI || (NJ % 16 >= 1 && NJ % 16 + c1 + 112 >= NJ))
      {
        if (c3 + 3 >= NI)
        {
          for (long c4 = c1; c4 <= min(NJ - 1, c1 + 127); c4 += 16)
          {
            {
              double polyopt_blk1[4][16];
              if (c2 <= min(NK - 1, c2 + 31))
              {
                for (long c6 = c3; c6 < NI; c6 += 1)
                  for (long c7 = c4; c7 <= min(NJ - 1, c4 + 15); c7 += 1)
                    polyopt_blk1[c6 - c3][c7 - c4] = C[c6 * NJ + c7];
                for (long c5 = c2; c5 <= min(NK - 1, c2 + 31); c5 += 1)
                {
                  #pragma GCC unroll 4
                  for (long c6 = c3; c6 < NI; c6 += 1)
                  {
                    #pragma omp simd
                    for (long c7 = c4; c7 <= min(NJ - 1, c4 + 15); c7 += 1)
                    {
                      polyopt_blk1[c6 - c3][c7 - c4] += polyopt_rows0[(c5 - c2) * 4 + (c6 - c3)] * B[c5 * NJ + c7];  /* S1 */
                    }
                  }
                }
                for (long c6 = c3; c6 < NI; c6 += 1)
                  for (long c7 = c4; c7 <= min(NJ - 1, c4 + 15); c7 += 1)
                    C[c6 * NJ + c7] = polyopt_blk1[c6 - c3][c7 - c4];
              }
            }
          }
        }
        else
        {
          {
            double polyopt_blk2[4][16];
            if (c2 <= min(NK - 1, c2 + 31))
            {
              for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                for (long c7 = -((NJ + 16) % 16) + NJ; c7 < NJ; c7 += 1)
                  polyopt_blk2[c6 - c3][c7 - 16 * floord(-((NJ + 16) % 16) + NJ, 16)] = C[c6 * NJ + c7];
              for (long c5 = c2; c5 <= min(NK - 1, c2 + 31); c5 += 1)
              {
                #pragma GCC unroll 4
                for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                {
                  #pragma omp simd
                  for (long c7 = -((NJ + 16) % 16) + NJ; c7 < NJ; c7 += 1)
                  {
                    polyopt_blk2[c6 - c3][c7 - 16 * floord(-((NJ + 16) % 16) + NJ, 16)] += polyopt_rows0[(c5 - c2) * 4 + (c6 - c3)] * B[c5 * NJ + c7];  /* S1 */
                  }
                }
              }
              for (long c6 = c3; c6 <= c3 + 3; c6 += 1)
                for (long c7 = -((NJ + 16) % 16) + NJ; c7 < NJ; c7 += 1)
                  C[c6 * NJ + c7] = polyopt_blk2[c6 - c3][c7 - 16 * floord(-((NJ + 16) % 16) + NJ, 16)];
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
