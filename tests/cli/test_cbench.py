"""``polyopt bench`` on C files: variants built from the same source, timed, baselines skipped when
their compiler is missing."""

from __future__ import annotations

import json
import shutil

import pytest

from polyopt.cli import cbench, main

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is required")

PROGRAM = r"""
#include <stdio.h>
#define N 64
static double A[N][N], x[N], y[N];
static void mv(int n) {
  int i, j;
#pragma scop
  for (i = 0; i < n; i++) {
    y[i] = 0;
    for (j = 0; j < n; j++)
      y[i] += A[i][j] * x[j];
  }
#pragma endscop
}
int main(void) {
  for (int i = 0; i < N; i++) { x[i] = i; for (int j = 0; j < N; j++) A[i][j] = i - j; }
  mv(N);
  printf("%g\n", y[N - 1]);
  return 0;
}
"""

# A harness that prints the kernel's time on stdout, as PolyBench's does with -DPOLYBENCH_TIME.
HARNESS_H = "void timer_start(void);\nvoid timer_print(void);\n"
HARNESS_C = r"""
#include <stdio.h>
#include <time.h>
static struct timespec t0;
void timer_start(void) { clock_gettime(CLOCK_MONOTONIC, &t0); }
void timer_print(void) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
#ifdef POLYBENCH_TIME
  printf("%0.6f\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
#endif
}
"""


def test_region_timer_and_missing_clang(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cbench, "find_clang", lambda: None)
    src = tmp_path / "mv.c"
    src.write_text(PROGRAM)
    status = main(["bench", str(src), "--vs", "gcc,clang,polly,none", "--repeat", "2", "--threads", "1",
                   "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "baseline clang skipped: clang is not installed" in out
    assert "baseline polly skipped: clang is not installed" in out
    assert "vs gcc" in out and "vs none" in out and "geomean" in out
    (result,) = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert set(result["variants"]) == {"polyopt", "gcc", "none"}
    for info in result["variants"].values():
        assert info["status"] == "ok" and len(info["times"]) == 2 and info["median_s"] > 0 and info["spread"] >= 0


def test_polybench_style_timing(tmp_path, capsys):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "polybench.h").write_text(HARNESS_H)
    (tmp_path / "inc" / "polybench.c").write_text(HARNESS_C)
    src = tmp_path / "mv.c"
    timed = PROGRAM.replace("  mv(N);", "  timer_start(); mv(N); timer_print();")
    src.write_text("#include <polybench.h>\n" + timed)
    status = main(["bench", str(src), "-I", str(tmp_path / "inc"), "--vs", "gcc", "--repeat", "1",
                   "-o", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().out
    (result,) = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert result["variants"]["gcc"]["status"] == "ok" and result["variants"]["polyopt"]["polyopt_speedup"] == 1.0


def test_a_region_polyopt_cannot_optimize_is_reported(tmp_path, capsys):
    src = tmp_path / "bad.c"
    src.write_text(PROGRAM.replace("y[i] = 0;", "y[i] = 0; while (0) {}"))
    status = main(["bench", str(src), "--vs", "gcc", "--repeat", "1", "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert status == 1 and "polyopt: error" in out and "while loop" in out


def test_mixing_kernel_and_c_files_is_a_usage_error(tmp_path, capsys):
    src = tmp_path / "mv.c"
    src.write_text(PROGRAM)
    status = main(["bench", str(src), str(tmp_path / "k.py")])
    assert status == 2 and "either kernel files or C files" in capsys.readouterr().err


def test_unknown_c_baseline(tmp_path, capsys):
    src = tmp_path / "mv.c"
    src.write_text(PROGRAM)
    assert main(["bench", str(src), "--vs", "numpy"]) == 2
    assert "unknown baseline 'numpy'" in capsys.readouterr().err
