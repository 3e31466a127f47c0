"""A/B of two versions of ``polyopt cc`` on PolyBench/C: a git revision against the working tree,
timed side by side.

Not a test (PolyBench's sources are not part of this repository).  Each kernel of a PolyBench/C
4.2.1 checkout is optimized by both versions (the base revision checked out into a temporary git
worktree), both outputs are built the same way (``gcc -O3 -march=native -fopenmp
-DPOLYBENCH_TIME``) and run in alternating order for ``--reps`` rounds on 2 threads; the table
gives PolyBench's own times and the ratio (geometric mean of the rounds' ratios).  Kernels whose
code is the same in both (polyopt's comments aside) are reported as unchanged, not timed.  The
outputs' results are checked by ``benchmarks/polybench_c.py``, not here.

    python benchmarks/polybench_ab.py /work/polybench --base 5dfab53 [--size LARGE] [--reps 3] [--kernels gemm,lu]

Run it alone (under the project's benchmark lock).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from polybench_c import kernels

ROOT = Path(__file__).resolve().parent.parent


def _cc(tree: Path, root: Path, kernel: Path, size: str, out: Path) -> str:
    """``polyopt cc`` of the checkout ``tree`` on ``kernel``; its output text."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-m", "polyopt.cli", "cc", "-I", str(root / "utilities"), "-I",
                    str(kernel.parent), f"-D{size}_DATASET", str(kernel), "-o", str(out)],
                   env=env, cwd=tempfile.gettempdir(), check=True, capture_output=True, text=True)
    return out.read_text()


def _code(text: str) -> str:
    """``text`` without polyopt's comment lines (they name the options, which may be spelled anew)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("/* polyopt:"))


def _build(root: Path, kernel: Path, size: str, src: Path, exe: Path) -> None:
    subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", "-I", str(root / "utilities"), "-I",
                    str(kernel.parent), f"-D{size}_DATASET", "-DPOLYBENCH_TIME", str(src),
                    str(root / "utilities" / "polybench.c"), "-o", str(exe), "-lm"],
                   check=True, capture_output=True, text=True)


def _time(exe: Path) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True, env=env).stdout
    return float(out.split()[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path, help="PolyBench/C 4.2.1 checkout")
    ap.add_argument("--base", required=True, help="the git revision to compare the working tree with")
    ap.add_argument("--size", default="LARGE")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--kernels", help="comma-separated subset")
    opts = ap.parse_args(argv)
    chosen = [k for k in kernels(opts.root) if not opts.kernels or k.stem in opts.kernels.split(",")]
    print(f"polyopt cc at {opts.base} against the working tree, PolyBench/C {opts.size}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '2')}, median of {opts.reps} rounds\n")
    print("| kernel | base ms | new ms | base/new |\n|---|---:|---:|---:|")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tree = work / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), opts.base],
                       check=True)
        try:
            for kernel in chosen:
                exes = {}
                texts = {}
                for tag, checkout in (("base", tree), ("new", ROOT)):
                    src = work / f"{kernel.stem}_{tag}.c"
                    texts[tag] = _cc(checkout, opts.root, kernel, opts.size, src)
                    exes[tag] = work / f"{kernel.stem}_{tag}"
                    _build(opts.root, kernel, opts.size, src, exes[tag])
                if _code(texts["base"]) == _code(texts["new"]):
                    print(f"| {kernel.stem} | | | unchanged |", flush=True)
                    continue
                times: dict[str, list[float]] = {"base": [], "new": []}
                for r in range(opts.reps):
                    for tag in (("base", "new") if r % 2 == 0 else ("new", "base")):
                        times[tag].append(_time(exes[tag]))
                ratio = math.exp(statistics.fmean(math.log(b / n) for b, n in zip(times["base"], times["new"])))
                ratios.append(ratio)
                print(f"| {kernel.stem} | {statistics.median(times['base']) * 1e3:.1f} | "
                      f"{statistics.median(times['new']) * 1e3:.1f} | {ratio:.2f}x |", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
    if ratios:
        print(f"\ngeomean base/new over the {len(ratios)} changed kernels: "
              f"{math.exp(statistics.fmean(math.log(r) for r in ratios)):.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
