"""End to end: C files with #pragma scop regions, optimized by polyopt, compiled and run by gcc.

Each program prints its arrays; the original and the optimized file must print the same numbers.
"""

import shutil
import subprocess

import pytest

from polyopt.cfront import optimize_c, parse_file
from polyopt.cfront.convert import convert_region
from polyopt.cfront.optimize import schedule_region
from polyopt.cli import main
from polyopt.schedule.options import ScheduleOptions

from .gemm_forms import GEMM_C, gemm_py

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is required")

MATMUL = r"""
#include <stdio.h>
#define NI 37
#define NJ 29
#define NK 23
static void kernel(int ni, int nj, int nk, double alpha, double beta,
                   double C[NI][NJ], double A[NI][NK], double B[NK][NJ]) {
  int i, j, k;
#pragma scop
  for (i = 0; i < ni; i++) {
    for (j = 0; j < nj; j++)
      C[i][j] *= beta;
    for (k = 0; k < nk; k++)
      for (j = 0; j < nj; j++)
        C[i][j] += alpha * A[i][k] * B[k][j];
  }
#pragma endscop
}
int main(void) {
  static double A[NI][NK], B[NK][NJ], C[NI][NJ];
  for (int i = 0; i < NI; i++) for (int k = 0; k < NK; k++) A[i][k] = (double)((i * k + 1) % 7) / 7;
  for (int k = 0; k < NK; k++) for (int j = 0; j < NJ; j++) B[k][j] = (double)((k + 2 * j) % 5) / 5;
  for (int i = 0; i < NI; i++) for (int j = 0; j < NJ; j++) C[i][j] = (double)(i - j) / 3;
  kernel(NI, NJ, NK, 1.5, 1.2, C, A, B);
  for (int i = 0; i < NI; i++) for (int j = 0; j < NJ; j++) printf("%.17g\n", C[i][j]);
  return 0;
}
"""

TRISOLV = r"""
#include <stdio.h>
void trisolv(int n, double L[n][n], double x[n], double b[n]) {
#pragma scop
  for (int i = 0; i < n; i++) {
    x[i] = b[i];
    for (int j = 0; j < i; j++)
      x[i] -= L[i][j] * x[j];
    x[i] = x[i] / L[i][i];
  }
#pragma endscop
}
int main(void) {
  int n = 41;
  double L[41][41], x[41], b[41];
  for (int i = 0; i < n; i++) {
    b[i] = i + 1;
    for (int j = 0; j < n; j++) L[i][j] = (double)(i + n - j + 1) * 2 / n;
  }
  trisolv(n, L, x, b);
  for (int i = 0; i < n; i++) printf("%.17g\n", x[i]);
  return 0;
}
"""

# A stencil with a time loop, sizes and element type from macros, min/max macros in a bound.
JACOBI = r"""
#include <stdio.h>
#define DATA_TYPE float
#define N 60
#define TSTEPS 13
#define MAX(a, b) ((a) > (b) ? (a) : (b))
DATA_TYPE A[N], B[N];
int main(void) {
  int t, i;
  for (i = 0; i < N; i++) { A[i] = (DATA_TYPE)(i % 9) / 3; B[i] = 0; }
#pragma scop
  for (t = 0; t < TSTEPS; t++) {
    for (i = MAX(1, 0); i < N - 1; i++)
      B[i] = 0.33333f * (A[i - 1] + A[i] + A[i + 1]);
    for (i = 1; i < N - 1; i++)
      A[i] = 0.33333f * (B[i - 1] + B[i] + B[i + 1]);
  }
#pragma endscop
  for (i = 0; i < N; i++) printf("%.9g\n", A[i]);
  return 0;
}
"""

# Two regions in one file, a scalar written in the first and read in the second, an affine if.
TWO = r"""
#include <stdio.h>
#include <math.h>
int main(void) {
  int n = 23;
  double a[23][23], s[23], total = 0;
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = sin(i + 2 * j);
#pragma scop
  for (int i = 0; i < n; i++) {
    s[i] = 0;
    for (int j = 0; j < n; j++)
      if (j >= i)
        s[i] += a[i][j] * a[j][i];
  }
#pragma endscop
  printf("middle %g\n", s[3]);
#pragma scop
  for (int i = 0; i < n; i++)
    total += fabs(s[i]);
  for (int k = n - 1; k >= 0; k--)
    s[k] = s[k] / (total + 1.0);
#pragma endscop
  for (int i = 0; i < n; i++) printf("%.17g\n", s[i]);
  printf("%.17g\n", total);
  return 0;
}
"""


def _run(tmp_path, name: str, text: str) -> list[str]:
    src = tmp_path / f"{name}.c"
    src.write_text(text)
    exe = tmp_path / name
    subprocess.run(["gcc", "-O2", "-fopenmp", "-std=gnu11", str(src), "-o", str(exe), "-lm"], check=True,
                   capture_output=True, text=True)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()


def _same_output(tmp_path, text: str, **options) -> str:
    out = optimize_c(text, filename=str(tmp_path / "in.c"), **options)
    assert "#pragma scop\n" not in out and "polyopt: optimized" in out
    before, after = _run(tmp_path, "orig", text), _run(tmp_path, "opt", out)
    assert len(before) == len(after)
    for x, y in zip(before, after):
        if x != y:
            assert float(x) == pytest.approx(float(y), rel=1e-12, abs=1e-12)
    return out


@pytest.mark.parametrize("options", [{}, {"tile": 8}, {"scheduler": "isl"}, {"scheduler": "none"}])
def test_matmul(tmp_path, options):
    out = _same_output(tmp_path, MATMUL, **options)
    head, tail = MATMUL.split("static void kernel")[0], MATMUL.split("#pragma endscop")[1]
    body = MATMUL.split("static void kernel")[1].split("#pragma scop")[0]
    # the rest of the file is untouched: the region's functions come just before its function
    assert out.startswith(head) and out.endswith(tail) and "static void kernel" + body in out


@pytest.mark.parametrize("options", [{}, {"tile": 4}])
def test_trisolv(tmp_path, options):
    _same_output(tmp_path, TRISOLV, **options)


@pytest.mark.parametrize("options", [{}, {"tile": 8}, {"fuse": "max"}])
def test_stencil_with_time_loop_and_macros(tmp_path, options):
    out = _same_output(tmp_path, JACOBI, **options)
    assert "DATA_TYPE A[N], B[N];" in out


def test_two_regions(tmp_path):
    out = _same_output(tmp_path, TWO, tile=4)
    assert out.count("polyopt: optimized") == 2


def test_new_iterators_avoid_file_names(tmp_path):
    text = MATMUL.replace("int i, j, k;", "int i, j, k; long c0 = 0, c1 = 0; (void)c0; (void)c1;")
    out = _same_output(tmp_path, text)
    assert "long c0 = 0, c1 = 0" in out and "for (long c_0" in out


def test_cli_cc(tmp_path, capsys):
    src, dst = tmp_path / "k.c", tmp_path / "k_opt.c"
    src.write_text(TRISOLV)
    assert main(["cc", str(src), "-o", str(dst), "--tile", "4"]) == 0
    assert "polyopt: optimized" in dst.read_text()
    assert _run(tmp_path, "a", TRISOLV) == _run(tmp_path, "b", dst.read_text())


def test_cli_cc_unsupported_region(tmp_path, capsys):
    bad = TRISOLV.replace("x[i] = b[i];", "x[i] = b[i]; while (0) {}")
    src, dst = tmp_path / "k.c", tmp_path / "k_opt.c"
    src.write_text(bad)
    assert main(["cc", str(src), "-o", str(dst)]) == 1
    err = capsys.readouterr().err
    assert f"{src}:6:18: error: a while loop is not supported" in err  # as gcc prints it
    assert not dst.exists()
    assert main(["cc", str(src), "-o", str(dst), "--keep-going"]) == 0
    err = capsys.readouterr().err
    assert f"{src}:6:18: warning: a while loop" in err and "left as it was" in err
    assert dst.read_text() == bad


@pytest.mark.parametrize("options", [{}, {"tile": 16}, {"scheduler": "isl"}])
def test_same_schedule_as_python_form(options):
    parsed = parse_file(GEMM_C, "gemm.c")
    sched = schedule_region(convert_region(parsed, parsed.regions[0]), ScheduleOptions.make(**options))
    py = gemm_py.schedule(**options, register_tiles="blocks")  # a C region packs no panel (next test)
    from polyopt.schedule.printing import transformation_lines

    assert transformation_lines(sched) == transformation_lines(py)
    assert [s.name for s in sched.scop.statements] == [s.name for s in py.scop.statements]


LINEAR = r"""
#include <stdio.h>
static void kernel(int n, int m, int p, float A[n][p], float B[m][p], float C[n][m]) {
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      for (int k = 0; k < p; k++)
        C[i][j] += A[i][k] * B[j][k];
#pragma endscop
}
int main(void) {
  static float A[45][70], B[300][70], C[45][300];
  for (int i = 0; i < 45; i++) for (int k = 0; k < 70; k++) A[i][k] = (float)((i * k + 1) % 7) / 7;
  for (int j = 0; j < 300; j++) for (int k = 0; k < 70; k++) B[j][k] = (float)((j + 2 * k) % 5) / 5;
  kernel(45, 300, 70, A, B, C);
  for (int i = 0; i < 45; i++) for (int j = 0; j < 300; j++) printf("%.9g\\n", C[i][j]);
  return 0;
}
"""


def test_a_c_region_gets_register_blocks_and_panels_but_no_row_panels(tmp_path):
    # its statements keep their C text: the block replaces the element the statement updates, the
    # panel the operand's element; no factor can be computed apart (the Python form's row panel)
    out = _same_output(tmp_path, LINEAR)  # B read across memory order: packed on every machine
    assert "polyopt_blk" in out and "polyopt_pack0[(" in out
    assert "not held" not in out and "not packed" not in out
    assert "polyopt_rows" not in out and "register_tiles='blocks'" in out
    assert any("row:A" in b.pack for b in gemm_py.schedule().plan.bands)  # the Python form's row panel
    plain = _same_output(tmp_path, MATMUL, register_tiles=False)
    assert "polyopt_blk" not in plain and "GCC unroll" not in plain


def test_a_region_block_is_held_only_where_the_element_is_spelled_one_way(tmp_path):
    # C[i][0 + j] is the element written, spelled otherwise: it would read memory where the block
    # holds the value, so no block; trmm's B[k][j] is another element (read before its row is
    # updated), which the statement reads from memory
    two_ways = MATMUL.replace("C[i][j] += alpha * A[i][k] * B[k][j];",
                              "C[i][j] = C[i][0 + j] + alpha * A[i][k] * B[k][j];")
    out = _same_output(tmp_path, two_ways)
    assert "polyopt_blk" not in out and "register block not held" in out
    _same_output(tmp_path, TRMM)


TRMM = r"""
#include <stdio.h>
static void kernel(int m, int n, double alpha, double A[m][m], double B[m][n]) {
#pragma scop
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      for (int k = i + 1; k < m; k++)
        B[i][j] += A[k][i] * B[k][j];
      B[i][j] = alpha * B[i][j];
    }
#pragma endscop
}
int main(void) {
  static double A[45][45], B[45][37];
  for (int i = 0; i < 45; i++) for (int k = 0; k < 45; k++) A[i][k] = (double)((i * k + 1) % 7) / 7;
  for (int i = 0; i < 45; i++) for (int j = 0; j < 37; j++) B[i][j] = (double)((i + 2 * j) % 5) / 5;
  kernel(45, 37, 1.5, A, B);
  for (int i = 0; i < 45; i++) for (int j = 0; j < 37; j++) printf("%.17g\n", B[i][j]);
  return 0;
}
"""


def test_a_c_region_prints_no_vector_width_pragma(tmp_path):
    # the pragma would apply to the user's whole file, not to the region alone
    out = optimize_c(GEMM_C, filename=str(tmp_path / "gemm.c"), vector_bits=512)
    assert "prefer-vector-width" not in out and "vector_bits" not in out


MATVEC = r"""
#include <stdio.h>
#define N 300
#define M 257
static double A[N][M], x[M], y[N];
static void kernel(void) {
  int i, j;
#pragma scop
  for (i = 0; i < N; i++)
    for (j = 0; j < M; j++)
      y[i] = y[i] + A[i][j] * x[j];
#pragma endscop
}
int main(void) {
  for (int i = 0; i < N; i++) { y[i] = i * 0.5; for (int j = 0; j < M; j++) A[i][j] = (i * j % 7) * 0.25; }
  for (int j = 0; j < M; j++) x[j] = 1.0 / (j + 1);
  kernel();
  for (int i = 0; i < N; i++) printf("%.17g\n", y[i]);
  return 0;
}
"""


def test_a_row_reduction_from_c_is_a_simd_reduction_in_an_accumulator(tmp_path):
    # inside the parallel row loop only reassociate=True reorders the sum (None keeps its rounding)
    assert "reduction" not in optimize_c(MATVEC, filename=str(tmp_path / "in.c"), tile=False)
    out = optimize_c(MATVEC, filename=str(tmp_path / "in.c"), tile=False, reassociate=True)
    assert "__typeof__(y[(c0)]) polyopt_acc0 = y[(c0)];" in out
    assert "#pragma omp simd reduction(+:polyopt_acc0)" in out and "y[(c0)] = polyopt_acc0;" in out
    before, after = _run(tmp_path, "orig", MATVEC), _run(tmp_path, "opt", out)
    assert [float(v) for v in after] == pytest.approx([float(v) for v in before], rel=1e-13)
    assert "reduction" not in optimize_c(MATVEC, filename=str(tmp_path / "in.c"), tile=False, reassociate=False)


LU_ROWS = r"""
#include <stdio.h>
static void kernel(int n, double A[n][n]) {
  double w;
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) {
      w = A[i][j];
      for (int k = 0; k < j; k++)
        w -= A[i][k] * A[k][j];
      A[i][j] = w / A[j][j];
    }
#pragma endscop
  AFTER
}
int main(void) {
  static double A[41][41];
  for (int i = 0; i < 41; i++)
    for (int j = 0; j < 41; j++) A[i][j] = (i == j) ? 41.0 : (double)((i * j + 1) % 7) / 7;
  kernel(41, A);
  for (int i = 0; i < 41; i++) for (int j = 0; j < 41; j++) printf("%.17g\n", A[i][j]);
  return 0;
}
"""


def test_a_region_accumulator_is_promoted_only_where_nothing_after_reads_it(tmp_path):
    # w is promoted to A[i][j] (polyopt.poly.promote): the statements are printed rewritten
    out = _same_output(tmp_path, LU_ROWS.replace("AFTER", ""))  # (the optimized code: iterators in parentheses)
    assert "w -= A[(" not in out and "] -= A[(" in out
    # the code after the region reads w: it must hold its final value, so w stays
    out = _same_output(tmp_path, LU_ROWS.replace("AFTER", 'printf("%.17g\\n", w);'))
    assert "w -= A[(" in out
