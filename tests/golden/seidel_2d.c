/*
 * polyopt kernel 'seidel_2d' from kernels/stencils.py:222
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 226: A[i, j] = (A[i - 1, j - 1] + A[i - 1, j] + A[i - 1, j + 1]
 */

#include <math.h>

static inline long floord(long n, long d) { long q = n / d; return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q; }
static inline long min(long a, long b) { return b < a ? b : a; }
static inline long max(long a, long b) { return b > a ? b : a; }

static void polyopt_seidel_2d_par0(long c0, long c1, long TSTEPS, double *restrict A, long N)
{
  for (long c2 = max(32 * c0, 32 * floord(-N + 2 * c1 + 3, 32)); c2 <= min(min(min(min(2 * N + 2 * TSTEPS - 6, N + 32 * c0 + 60), N + TSTEPS + c1 + 28), 2 * N + 64 * c0 - 2 * c1 + 58), N + 2 * c1 + 59); c2 += 32)
  {
    for (long c3 = max(max(max(32 * c0 - c1, -N + c1 + 2), -N - c1 + c2 - 29), c2 / 2 - N + 2); c3 <= min(min(min(min(TSTEPS - 1, c1 + 30), 32 * c0 - c1 + 31), -c1 + c2 + 30), c2 / 2 + 14); c3 += 1)
    {
      for (long c4 = max(max(c1, c3 + 1), -N + c2 - c3 + 2); c4 <= min(min(c1 + 31, N + c3 - 2), c2 - c3 + 30); c4 += 1)
      {
        for (long c5 = max(c2, c3 + c4 + 1); c5 <= min(c2 + 31, N + c3 + c4 - 2); c5 += 1)
        {
          A[(-c3 + c4) * N + (-c3 - c4) + c5] = (A[(-c3 + c4 - 1) * N + (-c3 - c4 + c5 - 1)] + A[(-c3 + c4 - 1) * N + (-c3 - c4) + c5] + A[(-c3 + c4 - 1) * N + (-c3 - c4) + c5 + 1] + A[(-c3 + c4) * N + (-c3 - c4 + c5 - 1)] + A[(-c3 + c4) * N + (-c3 - c4) + c5] + A[(-c3 + c4) * N + (-c3 - c4) + c5 + 1] + A[(-c3 + c4 + 1) * N + (-c3 - c4 + c5 - 1)] + A[(-c3 + c4 + 1) * N + (-c3 - c4) + c5] + A[(-c3 + c4 + 1) * N + (-c3 - c4) + c5 + 1]) / 9.0;  /* S0 */
        }
      }
    }
  }
}

void polyopt_seidel_2d(long TSTEPS, double *restrict A, long N)
{
  for (long c0 = 0; c0 <= floord(N + 2 * TSTEPS - 4, 32); c0 += 1)
  {
    #pragma omp parallel for if(TSTEPS * (N - 2) * (N - 2) >= 16384 * (floord(N + 2 * TSTEPS + 28, 32) - 1))
    for (long c1 = max(32 * c0 + 32 * floord(-TSTEPS, 32) + 32, -(16 * ((c0 + 1) % 2)) + 16 * c0 + 16); c1 <= min(min(N + TSTEPS - 3, 32 * c0 + 31), 16 * c0 + (N + 1) / 2 + 14); c1 += 32)
    {
      polyopt_seidel_2d_par0(c0, c1, TSTEPS, A, N);
    }
  }
}
