"""The polyopt command line, called as main(argv) (and twice as a real subprocess)."""

from __future__ import annotations

import csv
import json
import os
import pickle
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from polyopt.cli import main
from polyopt.cli.common import UsageError, format_table, parse_tile

from .conftest import DATA

SMALL = str(DATA / "suite" / "small.py")
BARE = str(DATA / "bare.py")


def run(capsys, *argv, **kw):
    status = main(list(argv), **kw)
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- compile


def test_compile_writes_c_library_and_report(tmp_path, capsys):
    status, out, _ = run(capsys, "compile", SMALL, "-o", str(tmp_path / "out"))
    assert status == 0
    for name in ("scale", "matmul"):
        assert (tmp_path / "out" / f"{name}.c").read_text().count("polyopt_") >= 1
        assert (tmp_path / "out" / f"{name}.so").stat().st_size > 0
    report = json.loads((tmp_path / "out" / "matmul.json").read_text())
    assert report["status"] == "ok"
    assert [s["name"] for s in report["statements"]] == ["S0"]
    assert {d["kind"] for d in report["dependences"]} >= {"RAW"}
    assert report["tile_sizes"] == [[32, 128, 32]]  # default: 32, and 128 for the SIMD loop j
    assert report["parallel_loops"] and report["simd_loops"]
    assert [t["pass"] for t in report["times"]][:2] == ["parse", "scop"]
    assert report["fusion"] == [["S0"]]
    assert "matmul" in out and "2 compiled, 0 failed" in out


def test_compile_options_reach_the_schedule(tmp_path, capsys):
    status, _, _ = run(capsys, "compile", f"{SMALL}:matmul", "-o", str(tmp_path), "--tile", "8,4",
                       "--scheduler", "isl", "--fuse", "max", "--no-parallel")
    assert status == 0
    report = json.loads((tmp_path / "matmul.json").read_text())
    assert report["options"] == {"scheduler": "isl", "tile": [8, 4], "fuse": "max", "parallel": False,
                                 "vectorize": True}
    assert report["tile_sizes"] == [[8, 4, 4]]
    assert report["parallel_loops"] == []
    assert not (tmp_path / "scale.json").exists()  # FILE:KERNEL selected one kernel
    assert "#pragma omp parallel" not in (tmp_path / "matmul.c").read_text()


def test_compile_keeps_going_after_a_broken_file(tmp_path, capsys):
    status, out, err = run(capsys, "compile", str(DATA / "broken"), "-o", str(tmp_path))
    assert status == 1
    assert (tmp_path / "axpy.so").exists()  # the good file was still compiled
    assert "non-affine subscript" in out and "bad.py" in out
    assert "1 failed" in err


def test_compile_failure_is_reported_per_kernel(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("POLYOPT_CC", str(tmp_path / "no-such-cc"))
    status, out, _ = run(capsys, "compile", BARE, "-o", str(tmp_path / "out"))
    assert status == 1
    report = json.loads((tmp_path / "out" / "axpy.json").read_text())
    assert report["status"] == "error" and "no-such-cc" in report["error"]
    assert "axpy" in out and "error" in out


def test_compile_with_a_process_pool(tmp_path, capsys):
    status, out, _ = run(capsys, "compile", SMALL, BARE, "-o", str(tmp_path), "--jobs", "2")
    assert status == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["axpy.json", "matmul.json", "scale.json"]


class PicklingExecutor:
    """A Dask-like executor: submit() returns a non-concurrent.futures object with result(); the job
    and its arguments go through pickle as they would to a remote worker."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args):
        self.submitted += 1
        fn, args = pickle.loads(pickle.dumps((fn, args)))
        value = fn(*args)
        return types.SimpleNamespace(result=lambda: value)


def test_compile_with_a_pluggable_executor(tmp_path, capsys):
    ex = PicklingExecutor()
    status, _, _ = run(capsys, "compile", SMALL, "-o", str(tmp_path), executor=ex)
    assert status == 0 and ex.submitted == 2
    assert json.loads((tmp_path / "scale.json").read_text())["status"] == "ok"


# ---------------------------------------------------------------- check


def test_check_passes_and_prints_errors(capsys):
    status, out, _ = run(capsys, "check", SMALL, BARE, "--size", "mini")
    assert status == 0
    lines = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln.split()}
    assert lines["scale"][1] == "ok" and lines["matmul"][1] == "ok" and lines["axpy"][1] == "ok"
    assert float(lines["matmul"][3]) < 1e-12  # max relative error column
    assert "3 of 3 kernels match" in out


def test_check_reports_a_mismatch(capsys, monkeypatch):
    from polyopt.kernel import Kernel

    original = Kernel.reference

    def wrong(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.name == "scale":
            kwargs["A"][0, 0] += 1.0

    monkeypatch.setattr(Kernel, "reference", wrong)
    status, out, err = run(capsys, "check", SMALL)
    assert status == 1
    assert "MISMATCH in A" in out
    assert "scale: mismatch" in err


def test_check_unknown_preset_of_a_case(capsys):
    status, _, err = run(capsys, "check", f"{SMALL}:matmul", "--size", "LARGE")
    assert status == 2
    assert err.strip() == "error: kernel 'matmul' has no size preset 'LARGE'"


def test_version(capsys):
    import importlib.metadata

    import polyopt

    assert run(capsys, "--version")[:2] == (0, f"polyopt {polyopt.__version__}\n")
    # One source of truth: setup.cfg reads the package's __version__, so the installed metadata agrees.
    setup_cfg = (Path(polyopt.__file__).parents[1] / "setup.cfg").read_text()
    assert "version = attr: polyopt.__version__" in setup_cfg
    assert importlib.metadata.version("polyopt") == polyopt.__version__


def test_size_and_repeat_show_their_presets_and_defaults():
    from polyopt.cli import build_parser
    from polyopt.suite import PRESETS

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    sizes = [next(a for a in sub[c]._actions if a.dest == "size") for c in ("check", "bench")]
    assert {a.default for a in sizes} == {"SMALL"}
    assert all(a.help.startswith(f"size preset: {', '.join(PRESETS)} (default SMALL)") for a in sizes)
    repeat = next(a for a in sub["bench"]._actions if a.dest == "repeat")
    assert repeat.help.endswith(f"(default {repeat.default})")


# ---------------------------------------------------------------- bench


def test_bench_writes_csv_and_json(tmp_path, capsys):
    status, out, err = run(capsys, "bench", f"{SMALL}:scale", "--size", "MINI", "--repeat", "1",
                         "--threads", "1", "--vs", "none,numpy", "-o", str(tmp_path))
    assert status == 0
    rows = list(csv.DictReader(open(tmp_path / "bench.csv")))
    assert [r["variant"] for r in rows] == ["polyopt", "none", "numpy"]
    assert all(r["status"] == "ok" and float(r["median_s"]) > 0 for r in rows)
    assert all(float(r["spread"]) >= 0 and float(r["min_s"]) <= float(r["median_s"]) for r in rows)
    assert rows[0]["threads"] == "1" and float(rows[0]["flops"]) == 30.0
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data[0]["variants"]["none"]["polyopt_speedup"] > 0
    assert "vs none" in out and "vs numpy" in out
    # 30 flops run in microseconds: the ratios are overheads, and bench says so and what to do.
    assert "warning: scale: the fastest variant runs in" in err and err.rstrip().endswith("try --size SMALL")


def test_too_small_to_time_suggests_a_size_from_the_flop_counts():
    from polyopt.cli.bench import too_small_to_time
    from polyopt.suite import cases_in_file

    scale, matmul = cases_in_file(SMALL)  # scale: MINI 30 flops, SMALL 108; matmul: MINI and SMALL

    def result(size, *medians):
        return {"name": "k", "status": "ok", "size": size,
                "variants": {f"v{k}": {"median_s": m} for k, m in enumerate(medians)}}

    assert too_small_to_time(scale, result("MINI", 2e-3, 5e-3)) == ""
    assert too_small_to_time(scale, result("MINI", 2e-3, 1e-4)).endswith("0.100 ms at MINI, too short to time "
                                                                         "(call and thread start-up overheads "
                                                                         "dominate, so the ratios mean little); "
                                                                         "try --size SMALL")
    assert too_small_to_time(scale, result("SMALL", 1e-5)).endswith("the kernel declares no larger size preset")
    big = type(scale)(scale.kernel, {"MINI": {"N": 1, "M": 1}, "MEDIUM": {"N": 50, "M": 50},
                                     "LARGE": {"N": 1000, "M": 1000}}, flops=lambda N, M: N * M)
    # 1 flop in 10 us: MEDIUM (2500 flops) would take 25 ms >= 10 ms, so not the largest preset.
    assert too_small_to_time(big, result("MINI", 1e-5)).endswith("try --size MEDIUM")


def test_bench_without_numpy_formulation(tmp_path, capsys):
    status, out, _ = run(capsys, "bench", BARE, "--repeat", "1", "--vs", "numpy", "-o", str(tmp_path))
    assert status == 0
    rows = list(csv.DictReader(open(tmp_path / "bench.csv")))
    assert [(r["variant"], r["status"]) for r in rows] == [("polyopt", "ok"), ("numpy", "n/a")]


# ---------------------------------------------------------------- show


def test_show_parts(capsys):
    status, out, _ = run(capsys, "show", f"{SMALL}:matmul", "--schedule", "--tile", "off")
    assert status == 0
    assert out.startswith("schedule matmul: scheduler=pluto fuse=smart tile=False")
    status, out, _ = run(capsys, "show", f"{SMALL}:scale", "--c")
    assert status == 0 and "void polyopt_scale" in out and "--- " not in out
    status, out, _ = run(capsys, "show", BARE)
    assert status == 0
    assert [ln for ln in out.splitlines() if ln.startswith("--- ")] == ["--- scop", "--- deps", "--- schedule",
                                                                         "--- c"]


# ---------------------------------------------------------------- usage errors: one line, status 2


@pytest.mark.parametrize("argv, message", [
    (["check", "nowhere/k.py"], "error: nowhere/k.py: no such file or directory"),
    (["compile", str(DATA / "empty.py")], "no kernels found"),
    (["show", f"{SMALL}:nope"], "no kernel named 'nope' (kernels there: scale, matmul)"),
    (["check", f"{SMALL}:matmull"],
     "no kernel named 'matmull'; did you mean 'matmul'? (kernels there: scale, matmul)"),
    (["compile", SMALL, "--tile", "big"], "invalid --tile value 'big'"),
    (["compile", SMALL, "--tile", "0"], "tile sizes must be positive"),
    (["check", SMALL, "--scheduler", "magic"], "invalid choice: 'magic'"),
    (["check", SMALL, "--size", "HUGE"], "unknown size 'HUGE'"),
    (["bench", SMALL, "--vs", "none,gpu"], "unknown baseline 'gpu'"),
    (["compile", SMALL, "--jobs", "0"], "must be at least 1"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_usage_errors(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in out + err


def test_parse_tile():
    assert parse_tile("on") is True and parse_tile("OFF") is False
    assert parse_tile("16") == 16 and parse_tile("16,8,4") == (16, 8, 4)
    with pytest.raises(UsageError):
        parse_tile("1,x")


def test_format_table_aligns_numbers_right():
    text = format_table(["name", "ms"], [["a", "1.5"], ["long", "10.25"]])
    assert text.splitlines() == ["name     ms", "----  -----", "a       1.5", "long  10.25"]


# ---------------------------------------------------------------- cc and gcc: see test_cc_gcc.py


# ---------------------------------------------------------------- the installed script


def _script() -> list[str]:
    exe = shutil.which("polyopt")
    return [exe] if exe else [sys.executable, "-m", "polyopt.cli"]


def test_script_check_and_usage_error(tmp_path):
    env = dict(os.environ)
    ok = subprocess.run(_script() + ["check", f"{SMALL}:scale"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "1 of 1 kernels match" in ok.stdout
    bad = subprocess.run(_script() + ["show", str(tmp_path / "missing.py")], capture_output=True, text=True,
                         env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"error: {tmp_path / 'missing.py'}: no such file or directory"
