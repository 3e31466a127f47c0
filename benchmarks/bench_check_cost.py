"""What the emitted-code check costs: its share of the time from source to C on the suite.

Not a test.  Every suite kernel's C is generated afresh (``kernel.c_source()``, no disk cache
involved) with the given options; ``kernel.times`` splits each run into its passes, the
emitted-code check among them (issue 11 targets at most 10% of the total).  Prints the heaviest
kernels and the total.

    python benchmarks/bench_check_cost.py [--scheduler isl] [--top 8] [kernels/ ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from polyopt.suite import discover  # noqa: E402

CHECK = ("codegen", "emitted-code check")


def measure(paths, **options) -> list[tuple[str, float, float]]:
    """(kernel, seconds of the check, seconds from source to C) per suite kernel."""
    out = []
    for case in discover(paths):  # each file loaded afresh: no kernel has generated code yet
        kernel = case.kernel
        kernel.c_source(**options)
        times = kernel.times
        check = sum(s for stage, part, s in times.parts if (stage, part) == CHECK)
        out.append((case.name, check, times.total()))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", default=[str(ROOT / "kernels")])
    ap.add_argument("--scheduler", default="pluto")
    ap.add_argument("--top", type=int, default=8, help="how many of the heaviest checks to list")
    args = ap.parse_args(argv)
    rows = measure(args.paths, scheduler=args.scheduler)
    check, total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{len(rows)} kernels, scheduler={args.scheduler}: the check {check:.2f} s of {total:.2f} s "
          f"from source to C ({100 * check / total:.1f}%)")
    for name, c, t in sorted(rows, key=lambda r: -r[1])[:args.top]:
        print(f"  {name:<20} check {c:6.2f} s of {t:6.2f} s ({100 * c / t:4.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
