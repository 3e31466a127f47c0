"""End to end: regions over pointer parameters, through ``optimize_c``, compiled and run by gcc.

Each program prints its arrays; the original and the optimized file must print the same numbers.
Pointers without ``restrict`` may overlap: the optimized region runs behind a runtime check that
falls back to the original loops, and the tests call them with overlapping arrays too.
"""

import re
import shutil
import subprocess

import pytest

from polyopt.cfront import optimize_c

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is required")


def _run(tmp_path, name: str, text: str, *args: str) -> list[str]:
    src = tmp_path / f"{name}.c"
    src.write_text(text)
    exe = tmp_path / name
    # No FMA contraction: both programs must compute every value with the same roundings.
    subprocess.run(["gcc", "-O2", "-fopenmp", "-ffp-contract=off", "-std=gnu11", str(src), "-o", str(exe), "-lm"],
                   check=True, capture_output=True, text=True)
    run = subprocess.run([str(exe), *args], check=True, capture_output=True, text=True,
                         env={"OMP_NUM_THREADS": "2"})
    return run.stdout.split()


def _optimized(tmp_path, text: str, **options) -> str:
    out = optimize_c(text, filename=str(tmp_path / "in.c"), **options)
    assert "polyopt: optimized" in out
    return out


def _agree(tmp_path, original: str, optimized: str, *args: str) -> list[str]:
    before = _run(tmp_path, "orig", original, *args)
    assert _run(tmp_path, "opt", optimized, *args) == before
    return before


# Two pointers without restrict: a write through y may change what x points to.
SHIFT = r"""
#include <stdio.h>
#include <stdlib.h>
void step(int n, int m, double *x, double *y) {
#pragma scop
  for (int t = 0; t < m; t++)
    for (int i = 0; i < n; i++)
      y[i] = x[i] + 1.0;
#pragma endscop
}
int main(int argc, char **argv) {
  int n = 1000, overlap = atoi(argv[1]);
  double *data = calloc(2 * n + 1, sizeof(double));
  double *x = data, *y = overlap ? data + 1 : data + n + 1;
  step(n, 3, x, y);
  for (int i = 0; i < 2 * n + 1; i += 7) printf("%.17g\n", data[i]);
  free(data);
  return 0;
}
"""


def test_pointers_without_restrict_get_a_runtime_check(tmp_path):
    out = _optimized(tmp_path, SHIFT)
    assert re.search(r"if \(polyopt_step_scop0_check\(n, m, x, y\)\)", out)
    assert "double * restrict x" in out and "else {" in out
    _agree(tmp_path, SHIFT, out, "0")  # distinct arrays: the optimized loops
    _agree(tmp_path, SHIFT, out, "1")  # y = x + 1: the original loops


def test_the_check_takes_the_fallback_when_the_arrays_overlap(tmp_path):
    out = _optimized(tmp_path, SHIFT)
    # The optimized code itself is wrong on overlapping arrays (it assumes they are distinct) ...
    forced = out.replace("if (polyopt_step_scop0_check(", "if (1 || polyopt_step_scop0_check(")
    assert forced != out
    assert _run(tmp_path, "forced", forced, "1") != _run(tmp_path, "orig", SHIFT, "1")
    # ... so the right answer with the check in place means the check chose the original loops.
    _agree(tmp_path, SHIFT, out, "1")


RESTRICT = SHIFT.replace("double *x, double *y", "const double *restrict x, double *restrict y")


def test_restrict_pointers_need_no_overlap_check(tmp_path):
    out = _optimized(tmp_path, RESTRICT)
    # only the sizes for which a statement runs at all are checked
    assert "return (m >= 1 && n >= 1);" in out and "_lo_" not in out
    assert "#pragma omp parallel for" in out
    _agree(tmp_path, RESTRICT, out, "0")


# Linearised 2-D arrays: a[i * m + j] is delinearised to a[i][j] of a [*][m] array.
LINEAR = r"""
#include <stdio.h>
#include <stdlib.h>
void matmul(int n, int m, int p, const double *a, const double *b, double *restrict c) {
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      c[i * m + j] = 0.0;
      for (int k = 0; k < p; k++)
        c[i * m + j] += a[i * p + k] * b[k * m + j];
    }
#pragma endscop
}
int main(void) {
  int n = 37, m = 29, p = 23;
  double *a = malloc(sizeof(double) * n * p), *b = malloc(sizeof(double) * p * m);
  double *c = malloc(sizeof(double) * n * m);
  for (int i = 0; i < n * p; i++) a[i] = (double)(i % 11) / 7;
  for (int i = 0; i < p * m; i++) b[i] = (double)(i % 5) / 3;
  matmul(n, m, p, a, b, c);
  for (int i = 0; i < n * m; i++) printf("%.17g\n", c[i]);
  return 0;
}
"""


def test_linearised_subscripts_are_delinearised(tmp_path):
    out = _optimized(tmp_path, LINEAR, tile=8)
    # distinct by restrict, rows within bounds by the loop bounds: only the sizes are checked
    assert "return (n >= 1 && m >= 1);" in out
    assert "c_min" in out and "#pragma omp parallel for" in out
    _agree(tmp_path, LINEAR, out)


# A linearised subscript whose inner index may leave its row: the delinearisation holds only
# when n <= m, which becomes part of the check.
ROWS = r"""
#include <stdio.h>
#include <stdlib.h>
void acc(int n, int m, double *restrict a) {
#pragma scop
  for (int t = 0; t < 4; t++)
    for (int i = 1; i < 6; i++)
      for (int j = 0; j < n; j++)
        a[i * m + j] += a[(i - 1) * m + j];
#pragma endscop
}
int main(int argc, char **argv) {
  int n = atoi(argv[1]), m = 8;
  double *a = calloc(7 * m + n, sizeof(double));
  for (int i = 0; i < 7 * m + n; i++) a[i] = i % 3;
  acc(n, m, a);
  for (int i = 0; i < 7 * m + n; i++) printf("%.17g\n", a[i]);
  return 0;
}
"""


def test_delinearisation_outside_the_rows_falls_back(tmp_path):
    out = _optimized(tmp_path, ROWS)
    assert "return (n >= 1) && (m >= n);" in out
    _agree(tmp_path, ROWS, out, "8")  # rows of 8 elements: the optimized code
    _agree(tmp_path, ROWS, out, "12")  # j runs into the next row: the original code


# const float pointers, a variably-modified 2-D parameter, and a pointer to rows.
MIXED = r"""
#include <stdio.h>
void mixed(int n, int m, const float *w, float A[n][m], float (*B)[16], float *out) {
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      A[i][j] = A[i][j] * w[j] + B[i][j];
  for (int i = 0; i < n; i++) {
    out[i] = 0.0f;
    for (int j = 0; j < m; j++)
      out[i] += A[i][j];
  }
#pragma endscop
}
int main(void) {
  enum { N = 21, M = 16 };
  static float A[N][M], B[N][16], w[M], out[N];
  for (int i = 0; i < N; i++) for (int j = 0; j < M; j++) { A[i][j] = (i + j) % 7; B[i][j] = i - j; }
  for (int j = 0; j < M; j++) w[j] = 0.5f * j;
  mixed(N, M, w, A, B, out);
  for (int i = 0; i < N; i++) printf("%.9g\n", out[i]);
  for (int i = 0; i < N; i++) for (int j = 0; j < M; j++) printf("%.9g\n", A[i][j]);
  return 0;
}
"""


def test_const_pointer_vla_and_pointer_to_rows(tmp_path):
    out = _optimized(tmp_path, MIXED)
    assert "const float * restrict w" in out  # const kept, restrict added
    assert "float (* restrict A)[m]" in out  # the VLA's row type names m, a parameter before it
    assert "float (* restrict B)[16]" in out
    # w, B and out are pointers without restrict and out is written: they are checked against A
    assert "polyopt_mixed_scop0_check(" in out
    _agree(tmp_path, MIXED, out)


def test_pointer_to_pointers_is_refused_with_its_location(tmp_path):
    text = "void f(int n, double **a) {\n#pragma scop\n  for (int i = 0; i < n; i++)\n    a[i][i] = 0;\n" \
           "#pragma endscop\n}\n"
    from polyopt.errors import KernelSyntaxError

    with pytest.raises(KernelSyntaxError, match=r"in.c:4:5: 'a' is a pointer to pointers"):
        optimize_c(text, filename=str(tmp_path / "in.c"))
