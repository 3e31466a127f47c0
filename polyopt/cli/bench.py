"""``polyopt bench``: time polyopt against baselines, side by side, and write CSV and JSON.

Variants: ``polyopt`` (the kernel's options plus the command line's) and the baselines of ``--vs``:
``none`` (original loop order, compiled the same way), ``isl`` / ``pluto`` (that scheduler with the
same options), ``numpy`` (the Case's NumPy formulation, when it has one), ``untuned`` (the kernel's
default plan).  When a tuned result is remembered for the kernel at this size on this machine
(``polyopt tune``) and no scheduling option is given, the polyopt variant runs the tuned plan,
and the output says so.  They are timed by
:func:`polyopt.runtime.timing.time_interleaved`: a warm-up run each, then rounds of one run per
variant, the order rotating, so that drift of the machine hits every variant alike; each run gets
fresh copies of the inputs, made outside the timed region; the median, the minimum and the spread
between rounds (the noise) are reported.

Threads: the OpenMP runtime (and OpenBLAS, for the NumPy baseline) read ``OMP_NUM_THREADS`` once,
when they start, and NumPy is already loaded in the process running the command.  So every kernel
is timed in a fresh child process (``python -m polyopt.cli.bench SPEC OUT``) whose environment sets
``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` to ``--threads``.  A child per
kernel also means a crash in one kernel is reported as that kernel's error, not the end of the run.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import PolyoptError
from ..runtime.timing import time_interleaved
from ..suite import PRESETS
from .check import copy_inputs
from .common import (
    Target,
    UsageError,
    collect,
    ensure_dir,
    error_result,
    first_line,
    format_table,
    schedule_overrides,
    track,
)

BASELINES = ("none", "isl", "pluto", "numpy", "untuned")
# Below about a millisecond a call measures its own overheads (argument checks, waking the OpenMP
# threads, NumPy's dispatch) more than the loops: ratios such as 0.00x then mean nothing.
MIN_TIMED_S = 1e-3
SUGGESTED_S = 10e-3  # what a suggested size should take, estimated from the flop counts
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CSV_FIELDS = ("kernel", "file", "size", "threads", "variant", "status", "median_s", "min_s", "spread",
              "repeat", "flops", "gflops", "polyopt_speedup")


def parse_vs(text: str) -> list[str]:
    """``none,isl,numpy`` -> the list of baselines; unknown names are a usage error."""
    names = [v.strip().lower() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in BASELINES]
    if bad:
        raise UsageError(f"unknown baseline {bad[0]!r} in --vs", hint=f"use {', '.join(BASELINES)}")
    return list(dict.fromkeys(names))


def thread_env(threads: int | None) -> dict:
    """This process's environment for a child that runs kernels on ``threads`` OpenMP (and BLAS)
    threads; unchanged when ``threads`` is None."""
    env = dict(os.environ)
    if threads is not None:
        env.update({k: str(threads) for k in THREAD_VARS})
    return env


def _callables(case, variants: list[str], options: dict, args: dict) -> tuple[dict, str]:
    """variant -> (function of the argument dict) or an error/'n/a' string; and what tuned result
    the polyopt variant uses ('' for none: options were given, or nothing is remembered)."""
    kernel = case.kernel
    out = {}
    tuned = kernel.tuned_for(**args) if not options and kernel.tune_mode is not False else None
    for v in variants:
        try:
            if v == "polyopt":
                fn = kernel.compile(plan=tuned.plan) if tuned is not None else kernel.compile(**options)
            elif v == "numpy":
                if case.numpy is None:
                    out[v] = "n/a"
                    continue
                fn = case.numpy
            elif v == "none":
                fn = kernel.compile(scheduler="none")
            elif v == "untuned":
                fn = kernel.compile(**options)
            else:
                fn = kernel.compile(**{**options, "scheduler": v})
            out[v] = fn
        except PolyoptError as exc:
            out[v] = f"error: {first_line(str(exc))}"
    return out, tuned.describe() if tuned is not None else ""


def bench_case(case, size: str, repeat: int, variants: list[str], options: dict) -> dict:
    """Time every variant on ``case`` at ``size`` in this process (see the module docstring)."""
    base = case.inputs(size)
    fns, tuned = _callables(case, variants, options, base)
    runnable = {v: (lambda args, fn=fns[v]: fn(**args)) for v in variants if callable(fns[v])}
    flops = case.flop_count(size)
    result = {v: {"status": fns[v] if not callable(fns[v]) else "ok"} for v in variants}
    if not runnable:  # nothing compiled: the statuses say why
        return {"flops": flops, "variants": result}
    # The warm-up run loads the libraries, starts the OpenMP thread pool and touches the caches.
    timings = time_interleaved(runnable, fresh=lambda: copy_inputs(base), repeat=repeat, warmup=1)
    for v in runnable:
        med = timings.median(v)
        result[v].update(median_s=med, min_s=timings.minimum(v), spread=timings.spread(v),
                         times=list(timings.samples[v]),
                         gflops=(flops / med / 1e9) if flops and med > 0 else None)
    mine = result.get("polyopt", {}).get("median_s")
    for v in runnable:
        result[v]["polyopt_speedup"] = result[v]["median_s"] / mine if mine else None
    return {"flops": flops, "variants": result, "tuned": tuned}


def _child(spec_text: str, out_path: str) -> int:
    """The child process: time one kernel and write its result as JSON."""
    spec = json.loads(spec_text)
    target = Target(spec["file"], spec["index"], spec["name"], spec["out_name"])
    try:
        data = bench_case(target.load(), spec["size"], spec["repeat"], spec["variants"], spec["options"])
        data["status"] = "ok" if data["variants"]["polyopt"]["status"] == "ok" else "error"
        if data["status"] == "error":
            data["error"] = data["variants"]["polyopt"]["status"]
    except PolyoptError as exc:
        data = {"status": "error", "error": str(exc)}
    Path(out_path).write_text(json.dumps(data))
    return 0


def run_child(target: Target, size: str, repeat: int, variants: list[str], options: dict,
              threads: int | None) -> dict:
    """Time one kernel in a fresh process with the thread count in its environment."""
    env = thread_env(threads)
    spec = {"file": target.file, "index": target.index, "name": target.name, "out_name": target.out_name,
            "size": size, "repeat": repeat, "variants": variants, "options": options}
    with tempfile.TemporaryDirectory(prefix="polyopt-bench-") as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.run([sys.executable, "-m", "polyopt.cli.bench", json.dumps(spec), str(out)],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            return error_result(target, f"benchmark process failed: {tail}")
        data = json.loads(out.read_text())
    data.update(kernel=target.name, name=target.out_name, file=target.file, size=size,
                threads=threads or env.get("OMP_NUM_THREADS") or "default", repeat=repeat)
    return data


def _detail(result: dict) -> str:
    """The progress line's fact about a timed kernel: polyopt's median and its speed-ups."""
    vs = result["variants"]
    ups = [f"{sp:.2f}x vs {v}" for v, info in vs.items()
           if v != "polyopt" and (sp := info.get("polyopt_speedup")) is not None]
    mine = f"{_ms(vs['polyopt'].get('median_s'))} ms" + (" tuned" if result.get("tuned") else "")
    return ", ".join([mine] + ups)


def _ms(v) -> str:
    return "" if v is None else f"{v * 1e3:.3f}"


def run(args) -> int:
    """The ``bench`` command (C files: :mod:`.cbench`)."""
    c_files = [p for p in args.paths if p.endswith(".c")]
    if c_files:
        if len(c_files) != len(args.paths):
            raise UsageError("polyopt bench: give either kernel files or C files, not both")
        from . import cbench

        return cbench.run(args)
    args.vs = args.vs if args.vs is not None else "none,isl,numpy"
    options = schedule_overrides(args)
    if "tile" in options and isinstance(options["tile"], tuple):
        options["tile"] = list(options["tile"])  # JSON for the child; ScheduleOptions takes lists
    baselines = parse_vs(args.vs)
    variants = ["polyopt"] + [b for b in baselines if b != "polyopt"]
    targets, failures = collect(args.paths)
    for t in targets:
        try:
            t.case.params_for(args.size)
        except PolyoptError as exc:
            raise UsageError(exc.message, hint=exc.hint) from None
    out_dir = ensure_dir(args.out)
    progress, starting, finished = track(targets, f"bench {args.size}", args, _detail)
    results = []
    with progress:
        for t in targets:
            starting(t)
            results.append(run_child(t, args.size, args.repeat, variants, options, args.threads))
            finished(results[-1])
    _write(out_dir, results, variants)
    headers = ["kernel", "polyopt ms", "GFLOP/s"]
    for b in variants[1:]:
        headers += [f"{b} ms", f"vs {b}"]
    rows = []
    for r in results:
        vs = r.get("variants", {})
        mine = vs.get("polyopt", {})
        row = [r["name"], _ms(mine.get("median_s")) or r["status"],
               "" if mine.get("gflops") is None else f"{mine['gflops']:.3f}"]
        for b in variants[1:]:
            info = vs.get(b, {})
            sp = info.get("polyopt_speedup")
            row += [_ms(info.get("median_s")) or info.get("status", ""), "" if sp is None else f"{sp:.2f}x"]
        rows.append(row)
    threads = args.threads or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"size {args.size}, {threads} thread(s), median of {args.repeat}; 'vs X' = X time / polyopt time")
    print(format_table(headers, rows))
    bad = [r for r in results if r["status"] != "ok"]
    bad_baselines = [(r["name"], v, i["status"]) for r in results for v, i in r.get("variants", {}).items()
                     if i["status"].startswith("error")]
    for r in results:
        if r.get("tuned"):
            print(f"{r['name']}: polyopt ran its tuned plan ({r['tuned']})")
    for r in bad:
        print(f"\n{r['name']} ({r['file']}): {r['error']}")
    for name, v, status in bad_baselines:
        if v != "polyopt":
            print(f"\n{name}: baseline {v}: {status}")
    for f in failures:
        print(f"\n{f.file}: {f.message}")
    print(f"\nresults in {out_dir / 'bench.csv'} and {out_dir / 'bench.json'}")
    for t, r in zip(targets, results):
        warning = too_small_to_time(t.case, r)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    n_bad = len(bad) + len(failures) + sum(1 for _, v, _ in bad_baselines if v != "polyopt")
    if n_bad:
        print(f"polyopt bench: {n_bad} failure(s)", file=sys.stderr)
    return 1 if n_bad else 0


def too_small_to_time(case, result: dict) -> str:
    """A warning when some variant ran in under MIN_TIMED_S, with a size preset to use instead:
    the smallest larger preset of the case at which the fastest variant, scaled by the flop
    counts, takes SUGGESTED_S (else the largest).  Empty when the timings are long enough."""
    medians = [v["median_s"] for v in result.get("variants", {}).values() if v.get("median_s") is not None]
    if result.get("status") != "ok" or not medians or min(medians) >= MIN_TIMED_S:
        return ""
    size, fastest = result["size"], min(medians)
    head = (f"{result['name']}: the fastest variant runs in {fastest * 1e3:.3f} ms at {size}, too short to "
            "time (call and thread start-up overheads dominate, so the ratios mean little)")
    larger = [p for p in PRESETS[PRESETS.index(size) + 1:] if p in case.sizes]
    if not larger:
        return f"{head}; the kernel declares no larger size preset"
    flops = case.flop_count(size)
    if not flops:  # nothing to scale by: the next preset up
        return f"{head}; try --size {larger[0]}"
    enough = [p for p in larger if fastest * case.flop_count(p) / flops >= SUGGESTED_S]
    return f"{head}; try --size {enough[0] if enough else larger[-1]}"


def _write(out_dir: Path, results: list[dict], variants: list[str]) -> None:
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    with open(out_dir / "bench.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in results:
            for v in variants:
                info = r.get("variants", {}).get(v, {"status": r.get("error", "error")})
                w.writerow({"kernel": r["name"], "file": r["file"], "size": r.get("size", ""),
                            "threads": r.get("threads", ""), "variant": v,
                            "status": first_line(info["status"]), "median_s": info.get("median_s"),
                            "min_s": info.get("min_s"), "spread": info.get("spread"),
                            "repeat": r.get("repeat", ""),
                            "flops": r.get("flops"), "gflops": info.get("gflops"),
                            "polyopt_speedup": info.get("polyopt_speedup")})


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))
