"""Two sets of compiler flags side by side on the suite: what a change of polyopt's default flags costs.

Not a test.  Every suite kernel is compiled with its default schedule twice, once per flag set
(``POLYOPT_CFLAGS`` is part of the compiled library's cache key, so both stay loaded), and the two
libraries are timed against each other in interleaved rounds on fresh copies of the same inputs.
Prints, per kernel, the median times and the paired ratio (new / old, with its 95% interval), and
the geometric mean.

    OMP_NUM_THREADS=2 /work/tools/quiet python benchmarks/bench_cflags.py \\
        --old "-O3 -march=native -fopenmp" --new "-O3 -march=native -fopenmp -fno-tree-loop-distribution"
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")  # before NumPy's BLAS and libgomp start their threads

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from polyopt import suite  # noqa: E402
from polyopt.runtime.timing import paired_ratio, time_interleaved  # noqa: E402


def compiled_with(kernel, flags: str):
    """``kernel``'s default build with ``flags`` as POLYOPT_CFLAGS."""
    os.environ["POLYOPT_CFLAGS"] = flags
    try:
        return kernel.compile()
    finally:
        del os.environ["POLYOPT_CFLAGS"]


def compare(old, new, inputs: dict, repeat: int):
    """``old`` and ``new`` timed in interleaved rounds on fresh copies of ``inputs``."""
    def fresh():
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}

    return time_interleaved({"old": lambda a: old(**a), "new": lambda a: new(**a)}, repeat=repeat, fresh=fresh)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the flags now (POLYOPT_CFLAGS syntax)")
    ap.add_argument("--new", required=True, help="the flags to compare with them")
    ap.add_argument("--size", default="LARGE")
    ap.add_argument("--repeat", type=int, default=7, help="interleaved rounds per kernel")
    ap.add_argument("--paths", nargs="+", default=[str(ROOT / "kernels")], help="kernel files or folders")
    args = ap.parse_args()
    print(f"old: {args.old}\nnew: {args.new}\nsize {args.size}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"{args.repeat} interleaved rounds\n")
    print(f"{'kernel':<20} {'old ms':>10} {'new ms':>10}  new/old [95%]")
    logs = []
    for case in suite.discover([Path(p) for p in args.paths]):
        if args.size not in case.sizes:
            continue
        params = case.params_for(args.size)
        inputs = case.init(**params) if case.init else suite.random_inputs(case.kernel, params)
        t = compare(compiled_with(case.kernel, args.old), compiled_with(case.kernel, args.new), inputs,
                    args.repeat)
        ratio = paired_ratio(t.samples["new"], t.samples["old"])
        logs.append(math.log(ratio.estimate))
        print(f"{case.name:<20} {t.median('old') * 1e3:10.2f} {t.median('new') * 1e3:10.2f}  "
              f"{ratio.estimate:.3f} [{ratio.low:.3f}, {ratio.high:.3f}]", flush=True)
    print(f"\ngeomean new/old over {len(logs)} kernels: {math.exp(sum(logs) / len(logs)):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
