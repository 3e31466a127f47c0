"""Differential fuzzing on demand: many random loop nests, every configuration vs the reference.

    python benchmarks/fuzz.py --count 2000 [--seed 0] [--out fuzz-failures]

Uses the generator of ``tests/e2e/nestgen.py``.  Prints how many programs were checked; each
failure is minimized (statements and loops removed while it still fails) and written as a
reproducer module ``<out>/repro_<seed>.py`` whose header comment holds the failure message.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e import nestgen  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100, help="number of random programs")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--out", default="fuzz-failures", help="directory for minimized reproducers")
    args = ap.parse_args(argv)
    out = Path(args.out)
    work = Path(tempfile.mkdtemp(prefix="polyopt-fuzz-"))
    names = (f"polyopt_fuzz_{k}" for k in itertools.count())
    failures = 0
    for seed in range(args.seed, args.seed + args.count):
        nodes = nestgen.generate(nestgen.Chooser.from_seed(seed))

        def problem_of(ns, seed=seed):
            try:
                kern = nestgen.load_kernel(nestgen.render(ns), work, next(names))
            except Exception as exc:  # the frontend rejected it: a generator (or frontend) bug
                return f"load: {type(exc).__name__}: {exc}"
            return nestgen.check_program(kern, seed=seed)

        problem = problem_of(nodes)
        if problem is None:
            continue
        failures += 1
        kind = problem.startswith("load:")
        small = nestgen.minimize(nodes, lambda ns, kind=kind: (p := problem_of(ns)) is not None
                                 and p.startswith("load:") == kind)
        final = problem_of(small) or problem
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"repro_{seed}.py"
        comment = "".join(f"# {line}\n" for line in final.splitlines())
        path.write_text(comment + nestgen.render(small))
        print(f"seed {seed}: FAILED -> {path}\n  {final.splitlines()[0]}", flush=True)
    print(f"checked {args.count} random programs x {len(nestgen.CONFIGS)} configurations x "
          f"{len(nestgen.SIZES)} sizes: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
