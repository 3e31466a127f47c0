/*
 * polyopt kernel 'jacobi_2d' from kernels/stencils.py:188
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 192: B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, 1 + j] + A[1 + i, j] + A[i - 1, j])
 *   S1  line 195: A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, 1 + j] + B[1 + i, j] + B[i - 1, j])
 */

#include <math.h>

static inline long floord(long n, long d) { long q = n / d; return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q; }
static inline long min(long a, long b) { return b < a ? b : a; }
static inline long max(long a, long b) { return b > a ? b : a; }

void polyopt_jacobi_2d(long TSTEPS, double *restrict A, double *restrict B, long N)
{
  for (long c0 = 0; c0 <= floord(N + 3 * TSTEPS - 4, 32); c0 += 1)
  {
    #pragma omp parallel for if(TSTEPS * (N - 2) * (N - 2) + TSTEPS * (N - 2) * (N - 2) >= 16384 * (floord(N + 3 * TSTEPS + 28, 32) - 1))
    for (long c1 = max(32 * c0 + 32 * floord(-TSTEPS, 32) + 32, 32 * c0 - 32 * ((c0 + 3) / 3) + 32); c1 <= min(min(N + 2 * TSTEPS - 3, 32 * c0 + 31), 21 * c0 + (N + c0 + 1) / 3 + 20); c1 += 32)
    {
      for (long c2 = max(-(2 * ((32 * c0 - c1 + 64) % 64)) + 64 * c0 - 2 * c1, 128 * floord(-N + c1 + 3, 128)); c2 <= min(min(N + 2 * TSTEPS - 3, N + c1 + 28), N + 64 * c0 - 2 * c1 + 61); c2 += 128)
      {
        for (long c3 = max(max(32 * c0 - c1, -N + (N + c1) / 2 + 1), -N + (N + c2) / 2 + 1); c3 <= min(min(TSTEPS - 1, 32 * c0 - c1 + 31), c1 / 2 + 15); c3 += 1)
        {
          for (long c4 = max(max(c1, -N + c2 + 3), 2 * c3 + 1); c4 <= min(min(c1 + 31, N + 2 * c3 - 1), c2 / 2 + N + c3 + 61); c4 += 1)
          {
            if (N + 2 * c3 >= c4 + 2)
            {
              #pragma omp simd
              for (long c5 = max(c2, 2 * c3 + 1); c5 <= min(c2 + 127, N + 2 * c3 - 2); c5 += 1)
              {
                B[(-2 * c3 + c4) * N + -2 * c3 + c5] = 0.2 * (A[(-2 * c3 + c4) * N + -2 * c3 + c5] + A[(-2 * c3 + c4) * N + (-2 * c3 + c5 - 1)] + A[(-2 * c3 + c4) * N + 1 + -2 * c3 + c5] + A[(1 + (-2 * c3 + c4)) * N + -2 * c3 + c5] + A[(-2 * c3 + c4 - 1) * N + -2 * c3 + c5]);  /* S0 */
              }
            }
            if (c4 >= 2 * c3 + 2)
            {
              #pragma omp simd
              for (long c5 = max(c2, 2 * c3 + 2); c5 <= min(c2 + 127, N + 2 * c3 - 1); c5 += 1)
              {
                A[(-2 * c3 + c4 - 1) * N + (-2 * c3 + c5 - 1)] = 0.2 * (B[(-2 * c3 + c4 - 1) * N + (-2 * c3 + c5 - 1)] + B[(-2 * c3 + c4 - 1) * N + (-2 * c3 + c5 - 1 - 1)] + B[(-2 * c3 + c4 - 1) * N + 1 + (-2 * c3 + c5 - 1)] + B[(1 + (-2 * c3 + c4 - 1)) * N + (-2 * c3 + c5 - 1)] + B[(-2 * c3 + c4 - 1 - 1) * N + (-2 * c3 + c5 - 1)]);  /* S1 */
              }
            }
          }
        }
      }
    }
  }
}
