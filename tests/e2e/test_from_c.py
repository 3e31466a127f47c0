"""``po.from_c``: C regions as Kernels called on NumPy arrays, checked against the original C
(``reference()``, compiled by gcc from the region's own loops) and against NumPy."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

import polyopt as po
from polyopt.cli import main
from polyopt.schedule.printing import transformation_lines

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
"""

TRISOLV = r"""
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
"""

# A float stencil with a time loop, macros and a written scalar (a rank-0 argument).  Sizes are
# macros: with parametric sizes the isl AST build of the tiled wavefront takes a minute.
JACOBI = r"""
#define DATA_TYPE float
#define N 60
#define TSTEPS 13
#define MAX(a, b) ((a) > (b) ? (a) : (b))
void jacobi(DATA_TYPE A[N], DATA_TYPE B[N], DATA_TYPE total) {
  int t, i;
#pragma scop
  for (t = 0; t < TSTEPS; t++) {
    for (i = MAX(1, 0); i < N - 1; i++)
      B[i] = 0.33333f * (A[i - 1] + A[i] + A[i + 1]);
    for (i = 1; i < N - 1; i++)
      A[i] = 0.33333f * (B[i - 1] + B[i] + B[i + 1]);
  }
  for (i = 0; i < N; i++)
    total += A[i];
#pragma endscop
}
"""

# C semantics the Python body printer would get wrong: integer division truncates, a cast.
INTDIV = r"""
void f(int n, int q[n], double r[n]) {
#pragma scop
  for (int i = 0; i < n; i++) {
    q[i] = (i - 7) / 3 + q[i] % 4;
    r[i] = (double)(i - 7) / 3 + (i - 7) / 2;
  }
#pragma endscop
}
"""


def _rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("options", [{}, {"tile": 8}, {"scheduler": "isl"}, {"scheduler": "none"}])
def test_matmul(options):
    k = po.from_c(MATMUL, filename="mm.c", **options)
    assert [a.name for a in k.syntax.args] == ["C", "A", "B", "beta", "alpha", "ni", "nj", "nk"]
    rng = _rng()
    C, A, B = rng.random((37, 29)), rng.random((37, 23)), rng.random((23, 29))
    C1, C2 = C.copy(), C.copy()
    k(C1, A, B, 1.2, 1.5, 37, 29, 23)
    k.reference(C2, A, B, 1.2, 1.5, 37, 29, 23)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)
    np.testing.assert_allclose(C1, 1.2 * C + 1.5 * A @ B, rtol=1e-12)
    assert "polyopt_kernel_scop0" in k.c_source() and "C[(c" in k.c_source()


def test_sizes_smaller_than_extents_and_out_of_bounds_rejected():
    k = po.from_c(MATMUL, filename="mm.c", tile=4)
    rng = _rng()
    C, A, B = rng.random((37, 29)), rng.random((37, 23)), rng.random((23, 29))
    C1 = C.copy()
    k(C1, A, B, 1.0, 1.0, 10, 7, 5)  # only the top-left corner is computed, as in C
    np.testing.assert_allclose(C1[:10, :7], C[:10, :7] + A[:10, :5] @ B[:5, :7], rtol=1e-12)
    np.testing.assert_array_equal(C1[10:], C[10:])
    with pytest.raises(po.ArgumentError, match="outside its extents"):
        k(C1, A, B, 1.0, 1.0, 38, 29, 23)
    with pytest.raises(po.ArgumentError, match="outside its extents"):
        k.compile(tile=False)(C1, A, B, 1.0, 1.0, 37, 30, 23)
    with pytest.raises(po.ArgumentError, match="outside its extents"):
        k.reference(C1, A, B, 1.0, 1.0, 37, 29, 24)


@pytest.mark.parametrize("options", [{}, {"tile": 4}])
def test_trisolv(options):
    k = po.from_c(TRISOLV, filename="trisolv.c", **options)
    assert [a.name for a in k.syntax.args] == ["x", "b", "L", "n"]
    n = 41
    rng = _rng()
    L = np.tril(rng.random((n, n))) + n * np.eye(n)
    b = rng.random(n)
    x1, x2 = np.zeros(n), np.zeros(n)
    k(x1, b, L, n)
    k.reference(x2, b, L, n)
    np.testing.assert_allclose(x1, x2, rtol=1e-13)
    np.testing.assert_allclose(L @ x1, b, rtol=1e-10)
    with pytest.raises(po.ArgumentError):
        k(x1, b, L, n + 1)  # the VLA extents tie n to the shapes


@pytest.mark.parametrize("options", [{}, {"tile": 8}, {"fuse": "max"}])
def test_stencil_with_time_loop(options):
    k = po.from_c(JACOBI, filename="jacobi.c", **options)
    assert [(a.name, a.kind) for a in k.syntax.args] == [
        ("B", "array"), ("A", "array"), ("total", "array")]
    n, steps = 60, 13
    A = (np.arange(n) % 9 / 3).astype(np.float32)
    outs = []
    for run in (k, k.reference):
        a, b, total = A.copy(), np.zeros(n, np.float32), np.zeros((), np.float32)
        run(b, a, total)
        outs.append((a, b, total))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6)
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-5)
    a, b = A.astype(np.float64), np.zeros(n)
    for _ in range(steps):  # NumPy, in double: agrees to float precision
        b[1:-1] = 0.33333 * (a[:-2] + a[1:-1] + a[2:])
        a[1:-1] = 0.33333 * (b[:-2] + b[1:-1] + b[2:])
    np.testing.assert_allclose(outs[1][0], a, rtol=1e-4)
    assert float(outs[1][2]) == pytest.approx(a.sum(), rel=1e-4)


def test_c_integer_division_and_casts():
    k = po.from_c(INTDIV, filename="div.c")
    n = 20
    q0 = np.arange(-10, 10, dtype=np.int32)
    q1, q2 = q0.copy(), q0.copy()
    r1, r2 = np.zeros(n), np.zeros(n)
    k(q1, r1, n)
    k.reference(q2, r2, n)
    i = np.arange(n)
    expect_q = np.trunc((i - 7) / 3).astype(np.int32) + np.fmod(q0, 4)
    expect_r = (i - 7) / 3 + np.trunc((i - 7) / 2)
    np.testing.assert_array_equal(q1, expect_q)
    np.testing.assert_array_equal(q2, expect_q)
    np.testing.assert_allclose(r1, expect_r, rtol=1e-15)
    np.testing.assert_allclose(r2, expect_r, rtol=1e-15)




@pytest.mark.parametrize("options", [{}, {"tile": 16}, {"scheduler": "isl"}])
def test_schedule_equals_the_python_forms(options):
    k = po.from_c(GEMM_C, filename="gemm.c", name="gemm_c")
    assert k.name == "gemm_c" and isinstance(k, po.Kernel)
    # a C kernel's statements keep their C text: register blocks, no packed panels
    sched, py = k.schedule(**options), gemm_py.schedule(**options, register_tiles="blocks")
    assert transformation_lines(sched) == transformation_lines(py)
    assert str(sched).replace("gemm_c", "gemm_py") == str(py)  # the whole printed schedule
    assert str(k.dependences().summary()).replace("gemm_c", "gemm_py") == str(gemm_py.dependences().summary())


def test_hand_schedule_and_views():
    k = po.from_c(GEMM_C, filename="gemm.c", region="gemm")
    rng = _rng()
    C, A, B = rng.random((9, 8)), rng.random((9, 5)), rng.random((5, 8))
    C1, C2 = C.copy(), C.copy()
    assert [a.name for a in k.syntax.args] == ["C", "A", "B", "beta", "alpha", "N", "M", "K"]
    k.compile(schedule=k.schedule(tile=False))(C1, A, B, 1.1, 0.9, 9, 8, 5)
    k.reference(C2, A, B, 1.1, 0.9, 9, 8, 5)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)
    np.testing.assert_allclose(C1, 1.1 * C + 0.9 * A @ B, rtol=1e-12)
    assert "gemm_scop0" in k._repr_html_()


def test_importing_polyopt_does_not_import_pycparser():
    code = "import sys, polyopt; assert 'pycparser' not in sys.modules; polyopt.from_c; " \
           "assert 'pycparser' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- errors


def test_no_region():
    with pytest.raises(po.PolyoptError, match="no #pragma scop region") as info:
        po.from_c("void f(void) {}\n", filename="empty.c")
    assert "empty.c:1" in str(info.value)


def test_region_out_of_range():
    with pytest.raises(po.PolyoptError, match="region 2 does not exist") as info:
        po.from_c(TRISOLV, filename="t.c", region=2)
    assert "t.c:3" in str(info.value)
    with pytest.raises(po.PolyoptError, match="function named 'nope'"):
        po.from_c(TRISOLV, filename="t.c", region="nope")


def test_unsupported_construct_names_the_line():
    bad = TRISOLV.replace("x[i] = b[i];", "x[i] = b[i]; while (0) {}")
    with pytest.raises(po.PolyoptError, match="while loop") as info:
        po.from_c(bad, filename="t.c")
    assert "t.c:5:18" in str(info.value)


def test_unshareable_element_type():
    text = "void f(int n, short s[n]) {\n#pragma scop\n  for (int i = 0; i < n; i++) s[i] = 0;\n" \
           "#pragma endscop\n}\n"
    with pytest.raises(po.PolyoptError, match="element type 'short'") as info:
        po.from_c(text, filename="s.c")
    assert "s.c:2" in str(info.value)


# ---------------------------------------------------------------- polyopt show


def test_cli_show_c_file(tmp_path, capsys):
    src = tmp_path / "two.c"
    src.write_text(TRISOLV + GEMM_C)
    assert main(["show", f"{src}:1", "--schedule", "--tile", "off"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("schedule gemm_scop1:") and "T(S1): (i, k, j)" in out and "trisolv" not in out
    assert main(["show", str(src), "--c"]) == 0
    out = capsys.readouterr().out
    assert "=== trisolv_scop0" in out and "=== gemm_scop1" in out and "x[(c" in out
    assert main(["show", f"{src}:gemm", "--scop"]) == 0
    assert "gemm_scop1" in capsys.readouterr().out
    assert main(["show", f"{src}:5"]) == 1
    assert "region 5 does not exist" in capsys.readouterr().err
