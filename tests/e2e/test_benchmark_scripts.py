"""The scripts of benchmarks/ still run (on tiny sizes, one round): they are not tests, but they
share the timing loop and the suite with the package and would otherwise rot unseen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str, *args: str) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bench_schedulers_prints_a_row_per_kernel():
    out = _script("bench_schedulers.py", "--size", "MINI", "--reps", "2", "jacobi-2d")
    header, rule, row = out.split("size=MINI reps=2 options=defaults\n\n")[1].splitlines()[:3]
    assert header.split() == ["kernel", "pluto", "s", "isl", "s", "none", "s", "pluto", "GF/s", "none/pluto",
                              "none/isl", "isl/pluto", "spread"]
    assert row.split()[0] == "jacobi-2d" and row.endswith("%") and len(row.split()) == 9


def test_bench_gemm_reports_the_three_variants_and_the_call_overhead():
    out = _script("bench_gemm.py", "--n", "16", "--reps", "2", "--calls", "10")
    assert "2 interleaved rounds (median)" in out
    assert [line.split()[0] for line in out.splitlines()[1:4]] == ["polyopt", "none", "numpy"]
    assert "per-call overhead, cached tiny kernel (N=4), 10 calls:" in out


def test_bench_reductions_reports_each_kernel_serial_and_parallel():
    out = _script("bench_reductions.py", "--n", "1000", "--repeat", "1")
    rows = out.splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["dot", "sum_of_squares", "product"]
    assert all(r.endswith("x") and len(r.split()) == 4 for r in rows)

def test_bench_generality_times_polyopt_none_and_numba_side_by_side(tmp_path):
    pytest.importorskip("numba")
    report = tmp_path / "generality.md"
    out = _script("bench_generality.py", "--size", "MINI", "--reps", "1", "--threads", "1", "-o", str(report),
                  "softmax")
    assert "threads: 1" in out and f"written to {report}" in out
    rows = [line for line in out.splitlines() if line.startswith("| softmax |")]
    cells = [c.strip() for c in rows[-1].strip("|").split("|")]
    assert cells[:2] == ["softmax", "NR=8 D=16"] and cells[5].endswith("x") and cells[-1] == "parallel"
    text = report.read_text()
    assert "Model name" in text and "--size MINI" in text
    assert "kernel,sizes,polyopt_s,none_s,numba_s,vs_none,vs_numba,spread\nsoftmax,NR=8 D=16," in text


def test_bench_generality_without_numba_says_how_to_install_it():
    hide_numba = ("import runpy, sys; sys.modules['numba'] = None; sys.argv = sys.argv[1:]; "
                  "runpy.run_path(sys.argv[0], run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", hide_numba, str(ROOT / "benchmarks" / "bench_generality.py"),
                           "--size", "MINI", "softmax"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1
    assert "bench_generality.py needs numba: python3 -m pip install numba" in proc.stderr


def test_bench_contention_times_each_kernel_quiet_and_beside_a_busy_process(tmp_path):
    report = tmp_path / "contention.md"
    out = _script("bench_contention.py", "--size", "MINI", "--reps", "1", "-o", str(report),
                  "kernels/linalg.py:doitgen", "kernels/blas.py:gesummv")
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows] == ["doitgen", "gesummv"]
    assert all(r.rstrip(" |").endswith("x") or "2x slower" in r for r in rows)
    assert "geomean none/polyopt: quiet" in out and "beside a busy process" in out
    text = report.read_text()
    assert "--size MINI" in text and "| kernel | quiet polyopt ms |" in text and "| doitgen |" in text


def test_bench_private_arrays_times_copies_shared_and_none_quiet_and_busy():
    out = _script("bench_private_arrays.py", "--size", "MINI", "--reps", "2", "kernels/linalg.py:doitgen")
    rows = [line for line in out.splitlines() if line.startswith("| doitgen |")]
    assert [r.split("|")[2].strip() for r in rows] == ["quiet", "busy"]
    assert "geomean quiet: shared/copies" in out and "geomean busy: shared/copies" in out


def test_bench_ab_compares_a_revision_with_the_working_tree():
    out = _script("bench_ab.py", "--base", "HEAD", "--size", "MINI", "--reps", "2", "kernels/linalg.py:doitgen")
    row = next(line for line in out.splitlines() if line.startswith("| doitgen |"))
    assert row.endswith("| unchanged |") or "x [" in row  # the same C at HEAD, or timed side by side


def test_polybench_ab_compares_polyopt_cc_of_a_revision_with_the_working_tree(tmp_path):
    # a checkout of one kernel in PolyBench's layout (<name>/<name>.c, utilities/polybench.c)
    (tmp_path / "utilities").mkdir()
    (tmp_path / "utilities" / "polybench.c").write_text("int polybench_unused;\n")
    (tmp_path / "scale").mkdir()
    (tmp_path / "scale" / "scale.c").write_text(
        "#include <stdio.h>\nstatic double A[40];\nint main(void) {\n#pragma scop\n"
        "  for (int i = 0; i < 40; i++) A[i] = 2.0 * i;\n#pragma endscop\n"
        "  printf(\"%f\\n\", A[3] / 1000.0);\n  return 0;\n}\n")
    out = _script("polybench_ab.py", str(tmp_path), "--base", "HEAD", "--size", "MINI", "--reps", "2")
    row = next(line for line in out.splitlines() if line.startswith("| scale |"))
    assert row.endswith("| unchanged |") or row.endswith("x |")  # the same output at HEAD, or timed


def test_bench_tune_tunes_then_times_default_against_tuned(tmp_path):
    suite = str(ROOT / "tests" / "cli" / "data" / "suite" / "small.py")
    out = _script("bench_tune.py", "--paths", suite, "--size", "MINI", "--budget", "1", "--threads", "1",
                  "--repeat", "2", "--gemm-n", "0", "-o", str(tmp_path))
    assert "Geometric mean of default/tuned over 2 kernels" in out
    rows = [line for line in (tmp_path / "summary.md").read_text().splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["scale", "matmul"]
    assert all(r.split("|")[5].strip() == "yes" for r in rows[1:])  # the bench ran the tuned plans


def test_bench_contractions_times_each_path_against_numpy():
    out = _script("bench_contractions.py", "--scale", "0.02", "--reps", "1", "--settle", "0")
    assert "OpenBLAS:" in out
    for case in ("gemm", "gemm_nt", "batched"):
        assert f"\n{case}: " in out
    assert out.count("of NumPy") == 12 and out.count("packed vs before:") == 3


def test_bench_check_cost_reports_the_checks_share():
    out = _script("bench_check_cost.py", "--top", "2", str(ROOT / "kernels" / "blas.py"))
    total, *top = out.splitlines()
    assert total.startswith("7 kernels, scheduler=pluto: the check ") and total.endswith("%)")
    assert len(top) == 2 and all(" check " in line and line.endswith("%)") for line in top)
