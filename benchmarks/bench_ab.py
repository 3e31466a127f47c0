"""A/B of two versions of polyopt: suite kernels compiled by a git revision and by the working tree,
timed side by side in one process.

Not a test.  A change to the scheduler or to code generation should leave no suite kernel slower
(issue 17); this measures it.  The base revision is checked out into a temporary git worktree, and
a child process there prints the generated C of each kernel; this process compiles that C with its
own runtime (the ABI is the same: one function, arguments then sizes), checks that both agree with
the Python original, and times base and working tree in interleaved rounds on fresh copies of the
inputs.  Kernels whose C is the same in both are reported as unchanged, not timed.

    python benchmarks/bench_ab.py --base 5dfab53 --size LARGE kernels/solvers.py:ludcmp kernels/linalg.py:doitgen

Run it alone (under the project's benchmark lock).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_generality import geomean

from polyopt.cli.check import copy_inputs
from polyopt.runtime import agreement
from polyopt.runtime.timing import time_interleaved
from polyopt.suite import discover

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from polyopt.suite import discover
print(json.dumps({c.name: c.kernel.c_source() for c in discover(sys.argv[2:])}))
"""


def base_sources(rev: str, paths: list[str]) -> dict[str, str]:
    """The C of each kernel of ``paths`` as revision ``rev`` generates it."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            env = {**os.environ, "POLYOPT_CACHE_DIR": str(Path(tmp) / "cache")}
            out = subprocess.run([sys.executable, "-c", CHILD, str(tree), *[str(ROOT / p) for p in paths]],
                                 cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
    return json.loads(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="suite files or FILE:KERNEL (relative to the repository)")
    ap.add_argument("--base", required=True, help="the git revision to compare the working tree with")
    ap.add_argument("--size", default="LARGE", help="size preset (default LARGE)")
    ap.add_argument("--reps", type=int, default=7, help="interleaved rounds (default 7)")
    opts = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    from polyopt import pipeline

    base = base_sources(opts.base, opts.paths)
    print(f"base {opts.base} against the working tree, size {opts.size}, OMP_NUM_THREADS="
          f"{os.environ['OMP_NUM_THREADS']}, median of {opts.reps} interleaved rounds\n")
    print("| kernel | base ms | new ms | base/new [95%] |\n|---|---:|---:|---:|")
    ratios = []
    for case in discover([str(ROOT / p) for p in opts.paths]):
        k = case.kernel
        new_program = k._program(k._config({}))
        if base[case.name] == new_program.text:
            print(f"| {case.name} | | | unchanged |")
            continue
        old = pipeline.compile_program(dataclasses.replace(new_program, text=base[case.name]), k.syntax)
        new = k.compile()
        variants = {"base": (lambda a, fn=old: fn(**a)), "new": (lambda a, fn=new: fn(**a))}
        args = case.inputs(opts.size)
        want = copy_inputs(args)
        k.compile(scheduler="none", tile=False)(**want)  # the original loops (the Python original is too slow)
        for name, fn in variants.items():
            got = copy_inputs(args)
            fn(got)
            for arg, value in want.items():
                if hasattr(value, "dtype") and not agreement.compare(value, got[arg], None, reassociated=True)[2]:
                    raise SystemExit(f"{case.name}: {name} computed another {arg} than the original loops")
        t = time_interleaved(variants, fresh=lambda a=args: copy_inputs(a), repeat=opts.reps, warmup=1)
        r = t.ratio("base", "new")
        ratios.append(r.estimate)
        print(f"| {case.name} | {t.median('base') * 1e3:.2f} | {t.median('new') * 1e3:.2f} | "
              f"{r.estimate:.2f}x [{r.low:.2f}, {r.high:.2f}] |", flush=True)
    if ratios:
        print(f"\ngeomean base/new over the {len(ratios)} changed kernels: {geomean(ratios):.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
