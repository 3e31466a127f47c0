"""PolyBench/C through ``polyopt cc``: every kernel optimized, compiled, run and compared.

Not a test (PolyBench's sources are not part of this repository).  Given a PolyBench/C 4.2.1
checkout, for every kernel and dataset this runs exactly

    polyopt cc -I utilities -D<DATASET>_DATASET kernel.c -o out.c

(timed: a fresh process, as a user runs it), compiles the original and the output the same way
(``gcc -O2 -fopenmp -DPOLYBENCH_DUMP_ARRAYS``, with ``utilities/polybench.c``), runs both on
2 threads (``OMP_WAIT_POLICY=passive``) and compares the arrays they print, byte for byte.
Prints one line per kernel, the median and slowest ``polyopt cc`` time, and exits 1 if any kernel
failed.  With ``--repeat N`` each ``polyopt cc`` runs N times and its median counts: on a VM whose
speed moves 20-30% from one second to the next, one run per kernel says little about the slowest.

    python benchmarks/polybench_c.py /work/polybench/src --datasets MINI,SMALL [--kernels gemm,lu] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def kernels(root: Path) -> list[Path]:
    """The 30 kernels' sources (each ``<dir>/<name>/<name>.c``)."""
    return sorted(p for p in root.glob("**/*.c")
                  if p.parent.name == p.stem and "utilities" not in p.parts)


def _build(root: Path, kernel: Path, src: Path, dataset: str, exe: Path) -> None:
    cmd = ["gcc", "-O2", "-fopenmp", "-I", str(root / "utilities"), "-I", str(kernel.parent),
           f"-D{dataset}_DATASET", "-DPOLYBENCH_DUMP_ARRAYS", str(root / "utilities" / "polybench.c"),
           str(src), "-o", str(exe), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def check(root: Path, kernel: Path, dataset: str, tmp: Path, repeat: int = 1) -> tuple[bool, float, str]:
    """(same output, seconds of polyopt cc (the median of ``repeat`` runs), message)."""
    out = tmp / f"{kernel.stem}_{dataset}.c"
    cmd = [sys.executable, "-m", "polyopt.cli", "cc", "-I", "utilities", f"-D{dataset}_DATASET",
           str(kernel.relative_to(root)), "-o", str(out)]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if proc.returncode != 0:
            break
    seconds = statistics.median(runs)
    if proc.returncode != 0:
        return False, seconds, "polyopt cc failed: " + proc.stderr.strip()[:2000]
    # passive: on a shared machine, spinning OpenMP threads that wait for a busy core made
    # floyd-warshall (a parallel loop in a serial loop) 300 times slower
    env = dict(os.environ, OMP_NUM_THREADS="2", OMP_WAIT_POLICY="passive")
    dumps = []
    for name, src in (("orig", kernel), ("opt", out)):
        exe = tmp / f"{kernel.stem}_{dataset}_{name}"
        try:
            _build(root, kernel, src, dataset, exe)
        except subprocess.CalledProcessError as exc:
            return False, seconds, f"gcc failed on the {name} file: {exc.stderr.strip()[:2000]}"
        run = subprocess.run([str(exe)], capture_output=True, text=True, env=env)
        if run.returncode != 0:
            return False, seconds, f"the {name} program failed with status {run.returncode}"
        dumps.append(run.stderr)
    if dumps[0] != dumps[1]:
        return False, seconds, "the printed arrays differ"
    return True, seconds, f"{len(dumps[0].splitlines())} lines of output agree"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="PolyBench/C 4.2.1 checkout")
    ap.add_argument("--datasets", default="MINI,SMALL")
    ap.add_argument("--kernels", default="", help="comma-separated subset")
    ap.add_argument("--repeat", type=int, default=1, help="time each polyopt cc this many times (median)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    only = {k for k in args.kernels.split(",") if k}
    times, failed = [], []
    with tempfile.TemporaryDirectory(prefix="polybench-c-") as tmp:
        for kernel in kernels(root):
            if only and kernel.stem not in only:
                continue
            for dataset in args.datasets.split(","):
                ok, seconds, message = check(root, kernel, dataset, Path(tmp), args.repeat)
                times.append((seconds, kernel.stem, dataset))
                print(f"{kernel.stem:16s} {dataset:6s} {'ok  ' if ok else 'FAIL'} cc {seconds:5.2f} s  {message}",
                      flush=True)
                if not ok:
                    failed.append(f"{kernel.stem} {dataset}")
    secs = [t for t, _, _ in times]
    slowest = max(times)
    print(f"\n{len(times) - len(failed)}/{len(times)} agree; polyopt cc median {statistics.median(secs):.2f} s, "
          f"slowest {slowest[0]:.2f} s ({slowest[1]} {slowest[2]})")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
