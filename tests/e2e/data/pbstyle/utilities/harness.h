/* A benchmark harness in the style of PolyBench/C (written for polyopt's tests): sizes chosen by
   -D<DATASET>_DATASET, loop bounds and array parameters written through macros, results dumped to
   stderr under -DDUMP_ARRAYS.  The macros below are used inside #pragma scop regions. */
#ifndef HARNESS_H
#define HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define DATA_TYPE double
#define DATA_FMT "%0.2lf "
#define SCALAR_VAL(x) x
#define EXP_FUN(x) exp(x)
#define SQRT_FUN(x) sqrt(x)
#define BOUND(x, y) y                          /* loop bounds are the size parameters */
#define ARRAY_1D(var, dim1) var[dim1]
#define ARRAY_2D(var, dim1, dim2) var[dim1][dim2]
#define ALLOC_2D(var, n1, n2) DATA_TYPE (*var)[n1][n2] = malloc(sizeof(DATA_TYPE) * (n1) * (n2))
#define ALLOC_1D(var, n1) DATA_TYPE (*var)[n1] = malloc(sizeof(DATA_TYPE) * (n1))

#define DUMP_BEGIN(name) fprintf(stderr, "begin dump: %s", name)
#define DUMP_END(name) fprintf(stderr, "\nend   dump: %s\n", name)
#define DUMP_VALUE(v, k) do { if ((k) % 20 == 0) fprintf(stderr, "\n"); fprintf(stderr, DATA_FMT, v); } while (0)
#endif
