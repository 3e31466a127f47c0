"""``polyopt tune``: a tiny suite tuned here and on a Dask cluster; bench and compile use the result."""

import json

import distributed

from polyopt.cli import main
from polyopt.cli.common import collect

from .conftest import DATA

SUITE = str(DATA / "suite" / "small.py")


def _kernel(name):
    targets, _ = collect([f"{SUITE}:{name}"])
    return targets[0].load()


def test_tune_suite_then_bench_uses_the_tuned_plan(tmp_path, capsys, monkeypatch):
    out = tmp_path / "tune"
    assert main(["tune", SUITE, "--size", "SMALL", "--budget", "1.5", "--threads", "1", "-q", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "default ms" in text and "matmul" in text and "scale" in text
    results = {r["name"]: r for r in json.loads((out / "tune.json").read_text())}
    assert set(results) == {"scale", "matmul"}
    assert all(r["status"] == "ok" and r["candidates"] >= 1 and r["default_s"] > 0 for r in results.values())
    assert (out / "matmul.txt").read_text().startswith("tuned matmul")
    assert (out / "tune.csv").read_text().startswith("kernel,file,size")
    case = _kernel("matmul")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # tuned for 1 thread: not this thread count's result
    assert case.kernel.tuned_for(**case.inputs("SMALL")) is None
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert case.kernel.tuned_for(**case.inputs("SMALL")) is not None
    assert main(["bench", f"{SUITE}:matmul", "--size", "SMALL", "--threads", "1", "--vs", "untuned",
                 "--repeat", "1", "-q", "-o", str(tmp_path / "bench")]) == 0
    assert "polyopt ran its tuned plan" in capsys.readouterr().out
    bench = json.loads((tmp_path / "bench" / "bench.json").read_text())
    assert bench[0]["tuned"] and bench[0]["variants"]["untuned"]["status"] == "ok"
    assert main(["compile", f"{SUITE}:matmul", "-q", "-o", str(tmp_path / "build")]) == 0
    assert "matmul: tuned plan for sizes like K=6, M=8, N=9" in capsys.readouterr().out
    report = json.loads((tmp_path / "build" / "matmul.json").read_text())
    assert len(report["tuned"]) == 1 and (tmp_path / "build" / "matmul.tuned0.so").is_file()


def test_tune_usage_errors(tmp_path, capsys):
    assert main(["tune", SUITE, "--budget", "0", "-o", str(tmp_path)]) == 2
    assert "--budget" in capsys.readouterr().err
    assert main(["tune", SUITE, "--size", "HUGE", "-o", str(tmp_path)]) == 2


def test_tune_on_a_dask_cluster(tmp_path, capsys):
    # Processes: each worker imports the suite file itself and tunes in its own child process.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            rc = main(["tune", SUITE, "--size", "MINI", "--budget", "1", "-q", "-o", str(tmp_path / "out")],
                      executor=client)
    assert rc == 0
    results = json.loads((tmp_path / "out" / "tune.json").read_text())
    assert sorted(r["name"] for r in results) == ["matmul", "scale"]
    assert all(r["status"] == "ok" and r["machine_key"] for r in results)
    # filed here as well, under the class of the machine that measured (this one)
    case = _kernel("scale")
    assert case.kernel.tuned_for(**case.inputs("MINI")) is not None
