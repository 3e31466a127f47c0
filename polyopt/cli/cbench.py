"""``polyopt bench`` on C files: the program built with its regions optimized, against the same
source built by the compilers C users have.

Variants, each a whole program built from the same source and preprocessor options:

* ``polyopt``: ``polyopt cc`` (the command's scheduling options), then ``gcc -O3 -march=native
  -fopenmp``; ``none`` / ``isl`` / ``pluto``: the same with that scheduler;
* ``gcc``: the original, ``gcc -O3 -march=native``; ``clang``: ``clang -O3 -march=native``;
* ``polly``: ``clang -O3 -march=native -mllvm -polly -mllvm -polly-parallel -fopenmp`` (LLVM
  Polly, e.g. Debian's clang-19 with libpolly-19-dev and libomp-19-dev).

A baseline whose compiler is not installed (or a clang without Polly) is skipped, and the table
says so.  Timing: a program that includes PolyBench's ``polybench.h`` (with ``polybench.c`` next to
the header found on the include path) is built with ``-DPOLYBENCH_TIME`` and that file, and the
time it prints is used; any other program gets a timer around each region (a small extra
translation unit; the region's time is summed over the run).  Runs are interleaved by
:func:`polyopt.runtime.timing.time_interleaved` (rounds of one run per variant, the order rotating;
no warm-up: every run is a fresh process anyway), each with ``OMP_NUM_THREADS`` set to
``--threads``; medians, spreads between rounds, ratios (baseline time / polyopt time) and their
geometric means are reported and written to ``bench.csv`` and ``bench.json``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import PolyoptError
from ..runtime.timing import time_interleaved
from .common import UsageError, ensure_dir, first_line, format_table, schedule_overrides
from .coptions import cpp_options

C_BASELINES = ("gcc", "clang", "polly", "none", "isl", "pluto")
GCC_FLAGS = ("-O3", "-march=native")
POLLY_FLAGS = ("-mllvm", "-polly", "-mllvm", "-polly-parallel", "-fopenmp")
_POLYBENCH_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]polybench\.h[>"]', re.M)
_TIME_LINE = re.compile(r"^\s*(\d+\.\d+(?:[eE][-+]?\d+)?)\s*$", re.M)
_REGION_TIME = re.compile(r"^polyopt-bench-seconds: (\S+)$", re.M)
_TIMER_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double polyopt_bench_total;
static void polyopt_bench_report(void) { fprintf(stderr, "polyopt-bench-seconds: %.9f\n", polyopt_bench_total); }
double polyopt_bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
void polyopt_bench_add(double start) {
  static int registered;
  if (!registered) { registered = 1; atexit(polyopt_bench_report); }
  polyopt_bench_total += polyopt_bench_now() - start;
}
"""
_TIMER_DECLS = "double polyopt_bench_now(void); void polyopt_bench_add(double);\n"
_SCOP = re.compile(r"^([ \t]*#[ \t]*pragma[ \t]+scop\b.*)$", re.M)
_ENDSCOP = re.compile(r"^([ \t]*#[ \t]*pragma[ \t]+endscop\b.*)$", re.M)


@dataclass(frozen=True)
class Variant:
    """How one variant is built: the compiler command and, for polyopt's, the cc options."""

    name: str
    compiler: tuple[str, ...]
    cc_options: dict | None = None  # None: the original source


def parse_vs(text: str) -> list[str]:
    """``gcc,polly`` -> the baselines for C files; an unknown name is a usage error."""
    names = [v.strip().lower() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in C_BASELINES]
    if bad:
        raise UsageError(f"unknown baseline {bad[0]!r} in --vs for C files", hint=f"use {', '.join(C_BASELINES)}")
    return list(dict.fromkeys(names))


def find_clang() -> str | None:
    """The clang command: ``clang``, else the newest ``clang-NN`` on the PATH."""
    if shutil.which("clang"):
        return "clang"
    for version in range(25, 10, -1):
        if shutil.which(f"clang-{version}"):
            return f"clang-{version}"
    return None


def variants(baselines: list[str], options: dict) -> tuple[list[Variant], dict[str, str]]:
    """The variants to build and the baselines skipped (name -> why)."""
    gcc = ("gcc", *GCC_FLAGS)
    out = [Variant("polyopt", (*gcc, "-fopenmp"), options)]
    skipped: dict[str, str] = {}
    clang = find_clang()
    for b in baselines:
        if b in ("none", "isl", "pluto"):
            out.append(Variant(b, (*gcc, "-fopenmp"), {**options, "scheduler": b}))
        elif b == "gcc":
            out.append(Variant("gcc", gcc))
        elif clang is None:
            skipped[b] = "clang is not installed"
        elif b == "clang":
            out.append(Variant("clang", (clang, *GCC_FLAGS)))
        else:
            why = _polly_missing(clang)
            if why:
                skipped[b] = why
            else:
                out.append(Variant("polly", (clang, *GCC_FLAGS, *POLLY_FLAGS)))
    return out, skipped


def _polly_missing(clang: str) -> str:
    """Why ``clang`` cannot build with Polly (empty when it can)."""
    with tempfile.TemporaryDirectory(prefix="polyopt-polly-") as tmp:
        src = Path(tmp) / "t.c"
        src.write_text("int main(void) { return 0; }\n")
        proc = subprocess.run([clang, *GCC_FLAGS, *POLLY_FLAGS, str(src), "-o", str(Path(tmp) / "t")],
                              capture_output=True, text=True)
    if proc.returncode == 0:
        return ""
    return f"{clang} cannot build with Polly ({first_line(proc.stderr) or 'failed'}); " \
           "on Debian: apt-get install libpolly-19-dev libomp-19-dev"


def _polybench_c(text: str, src: Path, cpp) -> Path | None:
    """``polybench.c`` when ``text`` includes polybench.h and it sits next to the header found."""
    if not _POLYBENCH_INCLUDE.search(text):
        return None
    for d in (src.parent, *map(Path, cpp.quote_dirs), *map(Path, cpp.include_dirs)):
        if (d / "polybench.h").is_file() and (d / "polybench.c").is_file():
            return d / "polybench.c"
    return None


def _instrumented(text: str) -> str:
    """``text`` with a timer around each region (kept as a region, for polyopt cc)."""
    text = _SCOP.sub(lambda m: "{ double polyopt_bench_start = polyopt_bench_now();\n" + m.group(1), text)
    text = _ENDSCOP.sub(lambda m: m.group(1) + "\npolyopt_bench_add(polyopt_bench_start); }", text)
    return _TIMER_DECLS + text


def build(src: Path, variant: Variant, cpp, out_dir: Path) -> Path:
    """The program of ``variant`` for ``src``; PolyoptError with the compiler's message on failure."""
    from ..cfront import optimize_c

    text = src.read_text(encoding="utf-8")
    support = _polybench_c(text, src, cpp)
    extra = ["-DPOLYBENCH_TIME", str(support)] if support else [str(out_dir / "polyopt_timer.c")]
    if support is None:
        text = _instrumented(text)
        (out_dir / "polyopt_timer.c").write_text(_TIMER_C)
    if variant.cc_options is not None:
        text = optimize_c(text, filename=str(src), cpp=replace(cpp, extra=variant.compiler[1:]),
                          line_directives=True, **variant.cc_options)
    source = out_dir / f"{variant.name}_{src.name}"
    source.write_text(text, encoding="utf-8")
    exe = out_dir / f"{variant.name}_{src.stem}"
    cmd = [*variant.compiler, "-iquote", str(src.parent.resolve()), *cpp.args(), *extra, str(source),
           "-o", str(exe), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PolyoptError(f"building the {variant.name} variant failed:\n{proc.stderr.strip()[-2000:]}")
    return exe


def time_run(exe: Path, threads: int | None) -> float:
    """Seconds of one run: PolyBench's printed time or the summed region timer."""
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise PolyoptError(f"{exe.name} failed with exit status {proc.returncode}: {first_line(proc.stderr)}")
    found = _REGION_TIME.findall(proc.stderr) or _TIME_LINE.findall(proc.stdout)
    if not found:
        raise PolyoptError(f"{exe.name} printed no time")
    return float(found[-1])


def bench_file(src: Path, variants_: list[Variant], cpp, repeat: int, threads: int | None) -> dict:
    """Build every variant of ``src`` and time them, interleaved."""
    result = {"kernel": src.stem, "file": str(src), "variants": {}}
    with tempfile.TemporaryDirectory(prefix="polyopt-cbench-") as tmp:
        exes = {}
        for v in variants_:
            try:
                exes[v.name] = build(src, v, cpp, Path(tmp))
                result["variants"][v.name] = {"status": "ok"}
            except PolyoptError as exc:
                result["variants"][v.name] = {"status": f"error: {exc}"}
        if exes:
            # A program reports the time of its regions itself; one that fails is dropped.
            programs = {name: (lambda exe=exe: time_run(exe, threads)) for name, exe in exes.items()}
            timings = time_interleaved(programs, repeat=repeat, warmup=0, self_timed=True, errors=(PolyoptError,))
            for name, exc in timings.failed.items():
                result["variants"][name]["status"] = f"error: {exc}"
            for name, times in timings.samples.items():
                result["variants"][name].update(times=list(times), median_s=timings.median(name),
                                                min_s=timings.minimum(name), spread=timings.spread(name))
    mine = result["variants"].get("polyopt", {}).get("median_s")
    for info in result["variants"].values():
        if "median_s" in info:
            info["polyopt_speedup"] = info["median_s"] / mine if mine else None
    result["status"] = "ok" if mine else "error"
    if not mine:
        result["error"] = result["variants"]["polyopt"]["status"]
    return result


def run(args) -> int:
    """``polyopt bench FILE.c ...``"""
    options = schedule_overrides(args)
    cpp = cpp_options(args)
    if args.size:
        cpp = replace(cpp, macros=cpp.macros + (("-D", f"{args.size}_DATASET"),))
    files = [Path(p) for p in args.paths]
    for f in files:
        if not f.is_file():
            raise UsageError(f"{f}: no such file")
    baselines = parse_vs(args.vs if args.vs is not None else "gcc,clang,polly")
    todo, skipped = variants(baselines, options)
    out_dir = ensure_dir(args.out)
    results = []
    for f in files:
        results.append(bench_file(f, todo, cpp, args.repeat, args.threads))
        print(f"{f.stem}: " + ", ".join(f"{n} {i['median_s'] * 1e3:.1f} ms" if "median_s" in i else f"{n} failed"
                                        for n, i in results[-1]["variants"].items()), file=sys.stderr)
    names = [v.name for v in todo]
    _write(out_dir, results, names, args)
    threads = args.threads or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"{threads} thread(s), median of {args.repeat}; 'vs X' = X time / polyopt time")
    print(format_table(_headers(names), _rows(results, names)))
    for name, why in skipped.items():
        print(f"baseline {name} skipped: {why}")
    bad = [(r["kernel"], n, i["status"]) for r in results for n, i in r["variants"].items() if i["status"] != "ok"]
    for kernel, name, status in bad:
        print(f"\n{kernel}: {name}: {status}")
    print(f"\nresults in {out_dir / 'bench.csv'} and {out_dir / 'bench.json'}")
    return 1 if bad else 0


def _headers(names: list[str]) -> list[str]:
    out = ["kernel", "polyopt ms"]
    for b in names[1:]:
        out += [f"{b} ms", f"vs {b}"]
    return out


def _rows(results: list[dict], names: list[str]) -> list[list]:
    rows = []
    ratios: dict[str, list[float]] = {b: [] for b in names[1:]}
    for r in results:
        vs = r["variants"]
        row = [r["kernel"], _ms(vs["polyopt"].get("median_s")) or "failed"]
        for b in names[1:]:
            sp = vs[b].get("polyopt_speedup")
            row += [_ms(vs[b].get("median_s")) or "failed", f"{sp:.2f}x" if sp else ""]
            if sp:
                ratios[b].append(sp)
        rows.append(row)
    geo = ["geomean", ""]
    for b in names[1:]:
        values = ratios[b]
        geo += ["", f"{math.exp(sum(map(math.log, values)) / len(values)):.2f}x" if values else ""]
    return rows + [geo]


def _ms(v) -> str:
    return "" if v is None else f"{v * 1e3:.3f}"


def _write(out_dir: Path, results: list[dict], names: list[str], args) -> None:
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    fields = ("kernel", "file", "threads", "variant", "status", "median_s", "min_s", "spread", "repeat",
              "polyopt_speedup")
    with open(out_dir / "bench.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in results:
            for n in names:
                info = r["variants"][n]
                w.writerow({"kernel": r["kernel"], "file": r["file"], "threads": args.threads or "",
                            "variant": n, "status": first_line(info["status"]), "median_s": info.get("median_s"),
                            "min_s": info.get("min_s"), "spread": info.get("spread"), "repeat": args.repeat,
                            "polyopt_speedup": info.get("polyopt_speedup")})
