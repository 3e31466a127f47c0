"""Parallel reductions against the same kernels kept serial (``reassociate=False``), side by side.

    python benchmarks/bench_reductions.py [--n 20000000] [--repeat 7]
    python benchmarks/bench_reductions.py --suite gesummv,atax --size LARGE

Kernels: ``kernels/reductions.py`` (a dot product into ``out[0]``, a sum of squares through a
scalar temporary, a product) at ``--n`` elements; with ``--suite``, the named kernels of
``kernels/`` at a size preset instead (their inputs).  Both variants are compiled by polyopt with
the default options otherwise; the rounds interleave them (``po.compare``) and the ratio
serial / reduction is printed per kernel with the CPU model.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polyopt as po  # noqa: E402
from polyopt.suite import discover  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000_000, help="elements reduced per call")
    ap.add_argument("--repeat", type=int, default=7, help="interleaved rounds")
    ap.add_argument("--suite", default="", help="comma-separated kernels of kernels/ to time instead")
    ap.add_argument("--size", default="LARGE", help="size preset of the --suite kernels")
    args = ap.parse_args(argv)
    n = args.n
    found = {c.kernel.name: c for c in discover([str(ROOT / "kernels")])}
    if args.suite:
        wanted = args.suite.split(",")
        missing = [w for w in wanted if w not in found]
        if missing:
            ap.error(f"unknown kernel {missing[0]!r}; kernels: {', '.join(sorted(found))}")
        cases = {found[w].kernel: found[w].inputs(args.size) for w in wanted}
    else:  # kernels/reductions.py at n elements
        cases = {found["dot"].kernel: found["dot"].init(N=n),
                 found["sum_of_squares"].kernel: found["sum_of_squares"].init(N=n // 100, M=100),
                 found["product"].kernel: found["product"].init(N=n)}
    cpu = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    what = f"size={args.size}" if args.suite else f"n={n}"
    print(f"# {cpu}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'all')} ({os.cpu_count()} cores), {what}")
    print(f"{'kernel':16s} {'serial ms':>10s} {'reduction ms':>12s} {'speed-up':>9s}")
    for kern, kargs in cases.items():
        if isinstance(kargs, dict):  # a suite case's inputs, by argument name
            kargs = tuple(kargs[a.name] for a in kern.syntax.args)
        result = po.compare(kern, {"serial": dict(reassociate=False), "reduction": {}}, *kargs, repeat=args.repeat)
        serial, parallel = result.medians
        print(f"{kern.name:16s} {serial * 1e3:10.2f} {parallel * 1e3:12.2f} {serial / parallel:9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
