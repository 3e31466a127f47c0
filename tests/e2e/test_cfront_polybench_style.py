"""``polyopt cc -I utilities -D<DATASET>_DATASET kernel.c -o out.c`` on whole programs written in
PolyBench/C's style (tests/e2e/data/pbstyle: a harness header whose macros are used inside the
regions, per-kernel size headers, arrays allocated in main, results dumped to stderr).

Each program is built from the original and from the output, the same way, and must dump exactly
the same arrays.  (The same check on PolyBench/C 4.2.1 itself: benchmarks/polybench_c.py.)
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from polyopt.cli import main

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is required")

ROOT = Path(__file__).parent / "data" / "pbstyle"
KERNELS = sorted(p.stem for p in (ROOT / "kernels").glob("*.c"))


def _dump(src: Path, dataset: str, exe: Path, include: str = "-I") -> str:
    subprocess.run(["gcc", "-O2", "-fopenmp", "-ffp-contract=off", include, str(ROOT / "utilities"),
                    "-I", str(ROOT / "kernels"), f"-D{dataset}_DATASET", "-DDUMP_ARRAYS", str(src), "-o", str(exe),
                    "-lm"], check=True, capture_output=True, text=True)
    run = subprocess.run([str(exe)], check=True, capture_output=True, text=True, env={"OMP_NUM_THREADS": "2"})
    assert run.stderr.count("begin dump") >= 1
    return run.stderr


@pytest.mark.parametrize("dataset", ["MINI", "SMALL"])
@pytest.mark.parametrize("kernel", KERNELS)
def test_same_arrays_as_the_original(tmp_path, monkeypatch, capsys, kernel, dataset):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out.c"
    # the dumps are compared exactly, with the default options: a sum inside a parallel loop is
    # not reordered (reassociate=None), so nothing here may round differently
    status = main(["cc", "-I", "utilities", f"-D{dataset}_DATASET", f"kernels/{kernel}.c", "-o", str(out)])
    assert status == 0, capsys.readouterr().err
    text = out.read_text()
    assert "polyopt: optimized scop region" in text and "#pragma scop" not in text
    original = _dump(ROOT / "kernels" / f"{kernel}.c", dataset, tmp_path / "orig")
    assert _dump(out, dataset, tmp_path / "opt") == original


def test_macros_of_a_system_header_inside_a_region(tmp_path, monkeypatch, capsys):
    """With the harness on a system include path (-isystem), its macros are still expanded in the
    region: gcc marks their expansion as system text, but it is the user's file."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out.c"
    status = main(["cc", "-isystem", "utilities", "-DMINI_DATASET", "kernels/recursive_filter.c", "-o", str(out)])
    assert status == 0
    assert "exp(-alpha)" in out.read_text()  # EXP_FUN(-alpha), expanded in the region's function
    assert _dump(out, "MINI", tmp_path / "opt", "-isystem") == \
        _dump(ROOT / "kernels" / "recursive_filter.c", "MINI", tmp_path / "orig", "-isystem")


def test_a_macro_missing_without_its_header_is_a_preprocessor_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["cc", "-DMINI_DATASET", "kernels/mv2.c", "-o", str(tmp_path / "out.c")]) == 1
    err = capsys.readouterr().err
    assert "harness.h" in err and "preprocess" in err


def test_show_takes_the_preprocessor_options(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["show", "kernels/mv2.c", "-I", "utilities", "-DMINI_DATASET", "--schedule"]) == 0
    assert "schedule kernel_mv2_scop0" in capsys.readouterr().out


def test_show_displays_the_region_as_polyopt_cc_compiles_it(monkeypatch, capsys):
    # w is declared in the kernel's function and named nowhere else: `polyopt cc` promotes it
    monkeypatch.chdir(ROOT)
    assert main(["show", "kernels/lu_solve.c", "-I", "utilities", "-DMINI_DATASET", "--schedule"]) == 0
    out = capsys.readouterr().out
    assert "w promoted to A[i][j], the element it is stored into" in out
