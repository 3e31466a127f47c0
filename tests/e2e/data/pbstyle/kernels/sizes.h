/* Dataset sizes of the test kernels. */
#if !defined(MINI_DATASET) && !defined(SMALL_DATASET)
# define SMALL_DATASET
#endif
#ifdef MINI_DATASET
# define N 24
# define M 17
# define TSTEPS 5
#endif
#ifdef SMALL_DATASET
# define N 90
# define M 70
# define TSTEPS 12
#endif
#define _PB_N BOUND(N, n)
#define _PB_M BOUND(M, m)
#define _PB_TSTEPS BOUND(TSTEPS, tsteps)
