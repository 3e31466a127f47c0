"""Autotuning, measured: tune the whole suite, then time default against tuned side by side.

Not a test.  Three steps, all on ``--threads`` OpenMP threads, with a fresh disk cache (so no
earlier tuning result is reused):

1. ``polyopt tune kernels --size SIZE --budget B`` (each kernel in its own process, one at a time);
2. ``polyopt bench kernels --size SIZE --vs untuned``: per kernel, the tuned plan and the default
   plan, interleaved in one process (rounds rotating, fresh copies of the inputs);
3. gemm at ``--gemm-n`` (float64): tuned for that size, then default, tuned and NumPy/OpenBLAS
   interleaved; the fractions of NumPy's speed.

Writes ``summary.md`` (per kernel: default and tuned ms, the paired ratio with its 95% interval,
what changed, tuning seconds; the geometric mean; kernels slower than default beyond the noise;
total tuning time; the CPU) and the raw tune/bench JSON into ``-o``.

    python benchmarks/bench_tune.py --size LARGE --budget 60 --threads 2 -o benchmarks/results/tune_LARGE
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

def gemm_child(n: int, budget: float, reps: int) -> None:
    """The gemm step, in a process whose thread variables are set: tune, then default, tuned and
    NumPy interleaved; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from threadpoolctl import threadpool_info

    from kernels.blas import gemm, gemm_numpy, init_gemm
    from polyopt.runtime.timing import time_interleaved

    args = init_gemm(n, n, n)
    start = time.perf_counter()
    report = gemm.tune(**args, budget=budget)
    tuning = time.perf_counter() - start
    default, tuned = gemm.compile(), gemm.compile(plan=report.best)
    variants = {"default": lambda a: default(**a), "tuned": lambda a: tuned(**a),
                "numpy": lambda a: gemm_numpy(**a)}
    t = time_interleaved(variants, fresh=lambda: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                                  for k, v in args.items()}, repeat=reps, warmup=1)
    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}" for i in threadpool_info()
            if i.get("user_api") == "blas"]
    print(json.dumps({"n": n, "tuning_s": tuning, "changes": list(report.changes),
                      "median": {k: t.median(k) for k in variants}, "blas": blas}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="LARGE")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per kernel (at most 60 for the issue)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=7, help="interleaved rounds of default vs tuned")
    ap.add_argument("--paths", nargs="+", default=[str(ROOT / "kernels")], help="kernel files or folders")
    ap.add_argument("--gemm-n", type=int, default=2000, help="0 to skip the gemm-vs-NumPy step")
    ap.add_argument("-o", "--out", default=str(ROOT / "benchmarks" / "results" / "tune"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)  # let OpenBLAS pick its best kernel for this CPU
    env.update({k: str(args.threads) for k in THREAD_VARS})
    with tempfile.TemporaryDirectory(prefix="polyopt-tune-cache-") as cache:
        env["POLYOPT_CACHE_DIR"] = cache
        start = time.perf_counter()
        cli = [sys.executable, "-m", "polyopt.cli"]
        subprocess.run(cli + ["tune", *args.paths, "--size", args.size, "--budget", str(args.budget),
                              "--threads", str(args.threads), "-o", str(out / "tune")], env=env, check=False)
        tuning = time.perf_counter() - start
        subprocess.run(cli + ["bench", *args.paths, "--size", args.size, "--threads", str(args.threads),
                              "--vs", "untuned", "--repeat", str(args.repeat), "-o", str(out / "bench"), "-q"],
                       env=env, check=False)
        gemm = None
        if args.gemm_n:
            proc = subprocess.run([sys.executable, __file__, "--gemm-child", str(args.gemm_n), str(args.budget),
                                   "5"], env=env, capture_output=True, text=True)
            gemm = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {
                "error": proc.stderr.strip().splitlines()[-1:]}
    text = summary(args, out, tuning, gemm)
    (out / "summary.md").write_text(text)
    print(text)
    return 0


def summary(args, out: Path, tuning: float, gemm) -> str:
    sys.path.insert(0, str(ROOT))
    from polyopt.runtime.timing import paired_ratio
    from polyopt.tune.machine import current_machine

    tuned = {r["name"]: r for r in json.loads((out / "tune" / "tune.json").read_text())}
    bench = json.loads((out / "bench" / "bench.json").read_text())
    rows, logs, slower, missing = [], [], [], []
    for r in bench:
        name = r["name"]
        vs = r.get("variants", {})
        mine, base = vs.get("polyopt", {}), vs.get("untuned", {})
        if not (mine.get("times") and base.get("times")):
            missing.append(f"{name}: {r.get('error') or mine.get('status') or base.get('status')}")
            continue
        ratio = paired_ratio(base["times"], mine["times"])  # default time / tuned time
        logs.append(math.log(ratio.estimate))
        if ratio.high < 1.0:
            slower.append(name)
        t = tuned.get(name, {})
        rows.append(f"| {name} | {base['median_s'] * 1e3:.3f} | {mine['median_s'] * 1e3:.3f} | "
                    f"{ratio.estimate:.2f}x [{ratio.low:.2f}, {ratio.high:.2f}] | "
                    f"{'yes' if r.get('tuned') else 'no'} | {t.get('seconds', 0):.0f} | "
                    f"{'; '.join(t.get('changes', [])) or 'default kept'} |")
    geo = math.exp(sum(logs) / len(logs)) if logs else float("nan")
    lines = [f"# Autotuning at {args.size}, {args.threads} threads, budget {args.budget:g} s per kernel", "",
             f"Machine: {current_machine(args.threads).describe()}", "",
             f"Command: `python benchmarks/bench_tune.py --size {args.size} --budget {args.budget:g} "
             f"--threads {args.threads} --repeat {args.repeat}`", "",
             f"Total tuning time (all kernels, wall): {tuning:.0f} s", "",
             f"Geometric mean of default/tuned over {len(logs)} kernels: **{geo:.3f}x**", "",
             "Kernels slower than default beyond the noise (95% interval of the paired ratio below 1): "
             + (", ".join(slower) or "none"), "",
             "| kernel | default ms | tuned ms | default/tuned [95%] | tuned plan used | tuning s "
             "| what changed |",
             "|---|---:|---:|---:|---|---:|---|", *rows]
    if missing:
        lines += ["", "Not timed: " + "; ".join(missing)]
    if gemm:
        lines += ["", f"## gemm N = {gemm.get('n', args.gemm_n)} (float64) against NumPy/OpenBLAS", ""]
        if "error" in gemm:
            lines.append(f"failed: {gemm['error']}")
        else:
            med = gemm["median"]
            flops = 2.0 * gemm["n"] ** 3
            lines += [f"OpenBLAS: {', '.join(gemm['blas']) or 'unknown'}; tuning took {gemm['tuning_s']:.0f} s; "
                      f"changes: {'; '.join(gemm['changes']) or 'default kept'}", "",
                      "| variant | ms | GFLOP/s | fraction of NumPy |", "|---|---:|---:|---:|"]
            for k in ("default", "tuned", "numpy"):
                lines.append(f"| {k} | {med[k] * 1e3:.1f} | {flops / med[k] / 1e9:.1f} | "
                             f"{med['numpy'] / med[k]:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--gemm-child"]:
        gemm_child(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())
