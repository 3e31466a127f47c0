"""``polyopt tune``: tune every kernel of some files at a size preset and remember the winners.

    polyopt tune kernels/ --size LARGE --budget 60 --threads 2 -o results/
    polyopt tune kernels/blas.py:gemm --size LARGE --dask scheduler:8786

Each kernel is tuned in a fresh child process whose environment sets ``OMP_NUM_THREADS`` to
``--threads`` (the OpenMP runtime reads it once, when it starts; see :mod:`.bench`), on the
Case's inputs at ``--size`` (copies: the tuner never changes them), for ``--budget`` seconds
(:meth:`polyopt.Kernel.tune`).  The child files the winner in the disk cache of the machine it ran
on, so later calls, ``polyopt bench`` and ``polyopt compile`` there use it.

Kernels are tuned one after the other by default: two tunings on the same cores disturb each
other's measurements.  ``--jobs N`` runs N at once anyway (for machines with cores to spare);
``--dask ADDRESS`` (or ``main([...], executor=Client(...))``) sends each kernel to a Dask worker,
which measures on its own machine: the result is filed there and, under that worker's machine
class, here too.  Output: ``tune.json`` and ``tune.csv`` in ``-o``, one ``NAME.txt`` report per
kernel, and a table of default vs tuned time, speedup and what changed.
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
from .bench import thread_env
from .common import (
    Target,
    UsageError,
    collect,
    ensure_dir,
    error_result,
    first_line,
    format_table,
    run_jobs,
    track,
)

CSV_FIELDS = ("kernel", "file", "size", "threads", "status", "default_s", "tuned_s", "speedup", "candidates",
              "machine", "changes")


def tune_one(target: Target, size: str, budget: float, threads: int | None, out_dir: str,
             report_progress: bool = False) -> dict:
    """Tune one kernel in a child process (see the module docstring); returns its result dict and
    writes ``NAME.txt``.  ``report_progress``: relay the child's progress lines to stderr."""
    env = thread_env(threads)
    spec = {"file": target.file, "index": target.index, "name": target.name, "out_name": target.out_name,
            "size": size, "budget": budget}
    with tempfile.TemporaryDirectory(prefix="polyopt-tune-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "polyopt.cli.tune", json.dumps(spec), str(out)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        bar = _KernelBar(target.out_name, budget) if report_progress else None
        for line in proc.stdout:
            if bar is not None and line.startswith("progress "):
                bar.update(float(line.split()[1]), line.split(" ", 2)[2].strip())
        stderr = proc.stderr.read()
        proc.wait()
        if bar is not None:
            bar.close()
        if proc.returncode != 0 or not out.exists():
            tail = (stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            return error_result(target, f"tuning process failed: {tail}")
        data = json.loads(out.read_text())
    data.update(kernel=target.name, name=target.out_name, file=target.file, size=size,
                threads=threads or env.get("OMP_NUM_THREADS") or "default")
    if data.get("report"):
        (Path(out_dir) / f"{target.out_name}.txt").write_text(data["report"] + "\n")
    return data


class _KernelBar:
    """A bar for the kernel being tuned (on a terminal only), moved by the child's progress lines."""

    def __init__(self, name: str, budget: float):
        self._bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=100, desc=f"  {name}", file=sys.stderr, leave=False,
                             bar_format="{desc} {bar} {percentage:3.0f}% of " + f"{budget:g} s" + " {postfix}")

    def update(self, fraction: float, text: str) -> None:
        if self._bar is not None:
            self._bar.n = int(100 * min(1.0, fraction))
            self._bar.set_postfix_str(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _child(spec_text: str, out_path: str) -> int:
    """The child process: tune one kernel, print progress lines, write the result as JSON."""
    from dataclasses import asdict

    from ..tune.machine import current_machine

    spec = json.loads(spec_text)
    target = Target(spec["file"], spec["index"], spec["name"], spec["out_name"])
    try:
        case = target.load()
        args = case.inputs(spec["size"])
        kernel = case.kernel

        def progress(fraction, text):
            print(f"progress {fraction:.3f} {text}", flush=True)

        report = kernel.tune(**args, budget=spec["budget"], progress=progress)
        data = {"status": "ok", "default_s": report.default_seconds, "tuned_s": report.best_seconds,
                "speedup": report.speedup, "candidates": len(report.candidates), "counts": report.counts(),
                "changes": list(report.changes), "machine": report.machine,
                "machine_key": current_machine().key, "seconds": report.seconds, "report": str(report),
                "entry": asdict(report.entry)}
    except PolyoptError as exc:
        data = {"status": "error", "error": str(exc)}
    Path(out_path).write_text(json.dumps(data))
    return 0


def _detail(result: dict) -> str:
    return (f"{result['default_s'] * 1e3:.3f} -> {result['tuned_s'] * 1e3:.3f} ms, {result['speedup']:.2f}x, "
            f"{result['candidates']} candidates")


def _file_here(targets: list[Target], results: list[dict]) -> None:
    """Results measured by other machines (Dask workers): filed here too, under their machine class."""
    from ..tune.store import entry_from_dict
    from ..tune.tune import file_elsewhere

    for t, r in zip(targets, results):
        if r.get("status") == "ok" and r.get("entry"):
            file_elsewhere(t.load().kernel, r["machine_key"], entry_from_dict(r["entry"]))


def run(args, executor=None) -> int:
    """The ``tune`` command."""
    if not args.budget > 0:
        raise UsageError(f"--budget must be a positive number of seconds, not {args.budget}")
    targets, failures = collect(args.paths)
    for t in targets:
        try:
            t.case.params_for(args.size)
        except PolyoptError as exc:
            raise UsageError(exc.message, hint=exc.hint) from None
    out_dir = ensure_dir(args.out)
    owned = None
    if executor is None and args.dask:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask needs the distributed package", hint="pip install distributed") from None
        executor = owned = Client(args.dask)
    progress, starting, finished = track(targets, f"tune {args.size}", args, _detail)
    relay = executor is None and not args.quiet
    try:
        with progress:
            results = run_jobs(tune_one, targets, (args.size, args.budget, args.threads, str(out_dir.resolve()),
                                                   relay), executor=executor, progress=finished, starting=starting)
    finally:
        if owned is not None:
            owned.close()
    if executor is not None:
        _file_here(targets, results)
    _write(out_dir, results)
    rows = [[r["name"], _ms(r.get("default_s")) or r["status"], _ms(r.get("tuned_s")),
             f"{r['speedup']:.2f}x" if r.get("speedup") else "", r.get("candidates", ""),
             "; ".join(r.get("changes", [])) or ("default kept" if r["status"] == "ok" else "")]
            for r in results]
    threads = args.threads or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"size {args.size}, {threads} thread(s), budget {args.budget:g} s per kernel")
    print(format_table(["kernel", "default ms", "tuned ms", "speedup", "candidates", "what changed"], rows))
    bad = [r for r in results if r["status"] != "ok"]
    for r in bad:
        print(f"\n{r['name']} ({r['file']}): {r['error']}")
    for f in failures:
        print(f"\n{f.file}: {f.message}")
    print(f"\nresults in {out_dir / 'tune.csv'} and {out_dir / 'tune.json'}")
    n_bad = len(bad) + len(failures)
    if n_bad:
        first = bad[0]["error"] if bad else failures[0].message
        print(f"polyopt tune: {n_bad} failure(s) (first: {first_line(first)})", file=sys.stderr)
    return 1 if n_bad else 0


def _ms(v) -> str:
    return "" if v is None else f"{v * 1e3:.3f}"


def _write(out_dir: Path, results: list[dict]) -> None:
    (out_dir / "tune.json").write_text(json.dumps(results, indent=2) + "\n")
    with open(out_dir / "tune.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow({**r, "changes": "; ".join(r.get("changes", []))})


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))
