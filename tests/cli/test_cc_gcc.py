"""``polyopt cc`` and ``polyopt gcc`` from the command line: options, messages, builds with make."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import polyopt
from polyopt.cli import main
from polyopt.cli.gcc import split

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is required")

KERNEL = r"""
#include "params.h"
void scale(int n, double A[n][n], double *restrict v) {
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      A[i][j] = FACTOR * A[i][j] + v[j];
#pragma endscop
}
"""
MAIN = r"""
#include <stdio.h>
void scale(int n, double A[n][n], double *restrict v);
int main(void) {
  enum { N = 40 };
  static double A[N][N], v[N];
  for (int i = 0; i < N; i++) { v[i] = i % 3; for (int j = 0; j < N; j++) A[i][j] = (i * j) % 7; }
  scale(N, A, v);
  for (int i = 0; i < N; i += 3) printf("%.17g\n", A[i][(5 * i) % N]);
  return 0;
}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "params.h").write_text("#define FACTOR (SCALE + 0.5)\n")
    (tmp_path / "kern.c").write_text(KERNEL)
    (tmp_path / "main.c").write_text(MAIN)
    return tmp_path


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- cc


def test_cc_passes_preprocessor_options_and_macros_of_a_user_header(tmp_path, capsys):
    root = _project(tmp_path)
    out = root / "out.c"
    status, _, err = run(capsys, "cc", "-I", str(root / "inc"), "-DSCALE=2", str(root / "kern.c"), "-o", str(out))
    assert status == 0, err
    assert "(2 + 0.5) * A[(c" in out.read_text()  # FACTOR from the header, SCALE from -D
    # -D then -U: undefined again, as gcc does it in order
    status, _, err = run(capsys, "cc", f"-I{root / 'inc'}", "-DSCALE=2", "-USCALE", str(root / "kern.c"),
                         "-o", str(out))
    assert status == 1 and "SCALE" in err and "error" in err


def test_cc_honours_no_parallel_and_no_vectorize(tmp_path, capsys):
    root = _project(tmp_path)
    out = root / "out.c"
    args = ["cc", "-I", str(root / "inc"), "-DSCALE=2", str(root / "kern.c"), "-o", str(out)]
    assert run(capsys, *args)[0] == 0
    assert "#pragma omp parallel for" in out.read_text() and "#pragma omp simd" in out.read_text()
    assert run(capsys, *args, "--no-parallel", "--no-vectorize", "--tile", "off")[0] == 0
    text = out.read_text()
    assert "#pragma omp" not in text
    assert "tile=False" in text and "parallel=False" in text and "vectorize=False" in text


def test_cc_falls_back_to_an_untiled_region_when_isl_gives_up(tmp_path, capsys, monkeypatch):
    from polyopt.codegen import region
    from polyopt.errors import CodegenError

    real = region.generate_region

    def tiles_fail(sched, *args, **kwargs):
        if sched.options.tile is not False:
            raise CodegenError("isl's code generator gave up on this schedule after 12,000,000 operations")
        return real(sched, *args, **kwargs)

    monkeypatch.setattr(region, "generate_region", tiles_fail)
    root = _project(tmp_path)
    out = root / "out.c"
    assert run(capsys, "cc", "-I", str(root / "inc"), "-DSCALE=2", str(root / "kern.c"), "-o", str(out))[0] == 0
    text = out.read_text()
    assert "tile=False" in text and "#pragma omp parallel for" in text
    assert "/* polyopt: fallback: isl's code generator gave up on this schedule" in text


def test_cc_bad_tile_is_a_usage_error(tmp_path, capsys):
    root = _project(tmp_path)
    status, _, err = run(capsys, "cc", str(root / "kern.c"), "-o", str(root / "o.c"), "--tile", "x")
    assert status == 2 and "--tile" in err


# ---------------------------------------------------------------- gcc


def test_split_sorts_gcc_cpp_and_polyopt_options():
    cmd = split(["-O3", "-Iinc", "-D", "N=4", "-c", "a.c", "-o", "a.o", "--tile", "16", "--keep-going", "-lm",
                 "-std=c99", "-MF", "x.c", "-fopenmp", "-E"])
    assert cmd.ours == ["--tile", "16", "--keep-going"]
    assert cmd.cpp == ["-Iinc", "-D", "N=4", "-std=c99"]
    assert cmd.macro_flags == ["-O3", "-fopenmp"]
    assert [cmd.gcc[k] for k in cmd.inputs] == ["a.c"]  # not x.c, the value of -MF
    assert cmd.preprocess_only and "--tile" not in cmd.gcc


def _env() -> dict:
    root = str(Path(polyopt.__file__).resolve().parent.parent)
    return dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="2")


def _wrapper() -> str:
    return f"{sys.executable} -m polyopt.cli gcc"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is required")
def test_gcc_wrapper_builds_a_two_file_program_with_make(tmp_path):
    root = _project(tmp_path)
    (root / "Makefile").write_text(
        "CFLAGS = -O2 -Iinc -DSCALE=3 -MMD\n"
        "prog: main.o kern.o\n\t$(CC) $(CFLAGS) main.o kern.o -o prog\n"
        "%.o: %.c\n\t$(CC) $(CFLAGS) -c $< -o $@\n"
        "-include *.d\n")
    made = subprocess.run(["make", f"CC={_wrapper()}"], cwd=root, capture_output=True, text=True, env=_env())
    assert made.returncode == 0, made.stderr
    optimized = subprocess.run([str(root / "prog")], capture_output=True, text=True, check=True).stdout
    # the same program built by gcc alone
    subprocess.run(["gcc", "-O2", "-Iinc", "-DSCALE=3", "main.c", "kern.c", "-o", "plain"], cwd=root, check=True)
    assert optimized == subprocess.run([str(root / "plain")], capture_output=True, text=True).stdout
    nm = subprocess.run(["nm", str(root / "kern.o")], capture_output=True, text=True).stdout
    assert "GOMP_parallel" in nm  # the region went through polyopt (OpenMP); main.c did not need to
    assert "kern.c" in (root / "kern.d").read_text() and "polyopt-gcc-" not in (root / "kern.d").read_text()
    # nothing to do the second time
    again = subprocess.run(["make", f"CC={_wrapper()}"], cwd=root, capture_output=True, text=True, env=_env())
    assert "up to date" in again.stdout


def test_gcc_wrapper_reports_region_errors_as_gcc_does(tmp_path):
    root = _project(tmp_path)
    bad = KERNEL.replace("#pragma scop\n", "#pragma scop\n  while (0) {}\n")
    (root / "kern.c").write_text(bad)
    cmd = [sys.executable, "-m", "polyopt.cli", "gcc", "-Iinc", "-DSCALE=3", "-c", "kern.c", "-o", "kern.o"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=_env())
    assert proc.returncode == 1
    assert proc.stderr.startswith("kern.c:5:3: error: a while loop is not supported inside #pragma scop")
    assert not (root / "kern.o").exists()
    proc = subprocess.run(cmd + ["--keep-going"], cwd=root, capture_output=True, text=True, env=_env())
    assert proc.returncode == 0 and "kern.c:5:3: warning: a while loop" in proc.stderr
    assert (root / "kern.o").exists()


def test_gcc_wrapper_keeps_gcc_messages_on_the_original_lines(tmp_path):
    root = _project(tmp_path)
    (root / "kern.c").write_text(KERNEL + "int broken(void) { return undeclared_name; }\n")
    proc = subprocess.run([sys.executable, "-m", "polyopt.cli", "gcc", "-Iinc", "-DSCALE=3", "-c", "kern.c"],
                          cwd=root, capture_output=True, text=True, env=_env())
    assert proc.returncode != 0
    assert "kern.c:10:27: error: ‘undeclared_name’ undeclared" in proc.stderr


def test_gcc_wrapper_passes_preprocessing_through(tmp_path):
    root = _project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "polyopt.cli", "gcc", "-Iinc", "-DSCALE=3", "-E", "kern.c"],
                          cwd=root, capture_output=True, text=True, env=_env())
    assert proc.returncode == 0 and "#pragma scop" in proc.stdout
