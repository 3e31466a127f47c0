"""Differential fuzzing at scale: random loop nests, every configuration against the Python original.

    python benchmarks/fuzz.py --count 10000 [--seed 0] [--jobs 2] [--timeout 300] \
        [--out fuzz-failures] [--record benchmarks/results/fuzz_campaign.txt]

Programs come from the generator of ``tests/e2e/nestgen.py`` (one seed, one program).  Every
program runs in a worker process, one configuration at a time under ``--timeout`` seconds of the
worker's CPU time (a stopped or descheduled worker is not hanging): a configuration that does not
finish is a hang (the worker is killed and replaced), a worker that dies is a crash.  The campaign
yields to benchmarks: each program holds the benchmark lock (``/tmp/polyopt-bench.lock``) shared,
and no program starts while ``/tmp/polyopt-bench.wanted`` exists (a benchmark waiting for the lock
exclusively).  Each (program, configuration) pair ends as one of

* ``ok``: every size agrees with the reference;
* ``wrong``: some array differs -- the one outcome that must never happen;
* ``crash``: the worker died, or polyopt raised something other than a clear PolyoptError
  (an InternalError is a bug too);
* ``hang``: the time limit passed;
* ``refusal``: polyopt declined with a clear PolyoptError (a budget, a refused AST);
* ``rejection``: the frontend rejected the program (a generator bug or a frontend limitation;
  counted once per program).

Every wrong result, crash and hang is minimized (statements and loops removed while the same kind of
failure remains, each try under the time limit) and written as a reproducer module
``<out>/repro_<seed>_<config>.py`` whose header comment holds the failure.  ``--record`` appends a
summary (command, counts, machine) to a results file.
"""

from __future__ import annotations

import argparse
import fcntl
import itertools
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import nestgen  # noqa: E402

OUTCOMES = nestgen.OUTCOMES


# ---------------------------------------------------------------- the worker process


def _worker(conn, workdir: str) -> None:
    """Serve requests: ("check", seed, config, source) -> (outcome, message)."""
    names = (f"polyopt_fuzz_{k}" for k in itertools.count())
    loaded: dict[str, tuple] = {}  # the last program: source -> (kernel, its reference results)
    while True:
        request = conn.recv()
        if request is None:
            return
        _, seed, config, source = request
        if source not in loaded:
            try:
                kern = nestgen.load_kernel(source, Path(workdir), next(names))
            except Exception as exc:  # noqa: BLE001 - the frontend's verdict on a generated program
                conn.send(("rejection", f"{type(exc).__name__}: {exc}"))
                continue
            loaded.clear()
            loaded[source] = (kern, {})
        kern, references = loaded[source]
        conn.send(nestgen.outcome(kern, config, seed, references))


class Worker:
    """A worker process that can be killed when it hangs and is replaced transparently."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.proc = None
        self.conn = None
        self.served = 0

    def _start(self) -> None:
        parent, child = mp.Pipe()
        self.proc = mp.Process(target=_worker, args=(child, self.workdir), daemon=True)
        self.proc.start()
        self.conn = parent
        self.served = 0

    def check(self, seed: int, config: str, source: str, timeout: float) -> tuple[str, str]:
        # a fresh process now and then keeps isl's and the loader's memory bounded
        if self.proc is None or not self.proc.is_alive() or self.served >= 400:
            self.stop()
            self._start()
        self.served += 1
        self.conn.send(("check", seed, config, source))
        start = _cpu_seconds(self.proc.pid)
        waited = 0.0
        while not self.conn.poll(1.0):
            waited += 1.0
            used = _cpu_seconds(self.proc.pid) - start
            if used > timeout or waited > 20 * timeout:  # the wall-clock cap catches a deadlock
                self.kill()
                return "hang", f"no result after {used:.0f} s of CPU time ({waited:.0f} s)"
        try:
            return self.conn.recv()
        except EOFError:
            code = self.proc.exitcode
            self.kill()
            return "crash", f"the worker process died (exit code {code})"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(5)
        self.kill()


# ---------------------------------------------------------------- the campaign


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LOCK, WANTED = Path("/tmp/polyopt-bench.lock"), Path("/tmp/polyopt-bench.wanted")


@contextmanager
def _quiet_for_benchmarks():
    """Hold the benchmark lock shared for one program, after any benchmark that wants it."""
    while WANTED.exists():
        time.sleep(2.0)
    with open(LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_program(worker: Worker, seed: int, configs, timeout: float) -> dict[str, tuple[str, str]]:
    """The outcome of every configuration of program ``seed``."""
    source = nestgen.render(nestgen.generate(nestgen.Chooser.from_seed(seed)))
    out = {}
    for config in configs:
        with _quiet_for_benchmarks():
            outcome = worker.check(seed, config, source, timeout)
        if outcome[0] == "rejection":
            return {c: outcome for c in configs}
        out[config] = outcome
    return out


def minimize(worker: Worker, seed: int, config: str, kind: str, timeout: float) -> tuple[str, str]:
    """The smallest program still failing the same way under ``config``, and its failure."""
    nodes = nestgen.generate(nestgen.Chooser.from_seed(seed))
    last = [""]

    def still_fails(candidate) -> bool:
        with _quiet_for_benchmarks():
            outcome, message = worker.check(seed, config, nestgen.render(candidate), timeout)
        if outcome == kind:
            last[0] = message
            return True
        return False

    small = nestgen.minimize(nodes, still_fails)
    return nestgen.render(small), last[0]


def _shard(args, jobs: int, index: int, queue) -> None:
    """One process's share of the seeds; reports (seed, outcomes, reproducers) through ``queue``."""
    workdir = tempfile.mkdtemp(prefix="polyopt-fuzz-")
    worker = Worker(workdir)
    configs = args.configs.split(",") if args.configs else nestgen.CONFIG_IDS
    try:
        for seed in range(args.seed + index, args.seed + args.count, jobs):
            outcomes = run_program(worker, seed, configs, args.timeout)
            written = []
            for config, (kind, message) in outcomes.items():
                if kind in ("wrong", "crash", "hang") and not args.no_minimize:
                    source, final = minimize(worker, seed, config, kind, args.timeout)
                    path = Path(args.out) / f"repro_{seed}_{config}.py"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    header = f"[{config}] {kind}: {final or message}"
                    path.write_text("".join(f"# {line}\n" for line in header.splitlines()) + source)
                    written.append(str(path))
            queue.put((seed, outcomes, written))
    finally:
        worker.stop()
        queue.put(None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100, help="number of random programs")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=1, help="programs checked at once (one process each)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per program and configuration")
    ap.add_argument("--configs", default="", help="comma-separated configuration ids (default: all)")
    ap.add_argument("--out", default="fuzz-failures", help="directory for minimized reproducers")
    ap.add_argument("--no-minimize", action="store_true", help="write no reproducers")
    ap.add_argument("--record", default="", help="append a summary of the campaign to this file")
    args = ap.parse_args(argv)
    start = time.time()
    counts: Counter = Counter()
    programs = 0
    reproducers: list[str] = []
    queue = mp.Queue()
    shards = [mp.Process(target=_shard, args=(args, args.jobs, k, queue)) for k in range(args.jobs)]
    for p in shards:
        p.start()
    running = len(shards)
    while running:
        item = queue.get()
        if item is None:
            running -= 1
            continue
        seed, outcomes, written = item
        programs += 1
        kinds = Counter(kind for kind, _ in outcomes.values())
        if kinds["rejection"]:
            counts["rejection"] += 1
        else:
            counts.update(kinds)
        reproducers += written
        for config, (kind, message) in outcomes.items():
            if kind not in ("ok", "rejection"):
                print(f"seed {seed} [{config}] {kind}: {message.splitlines()[0] if message else ''}", flush=True)
        if programs % 100 == 0:
            print(f"... {programs} programs, {dict(counts)}, {time.time() - start:.0f} s", flush=True)
    for p in shards:
        p.join()
    configs = args.configs.split(",") if args.configs else list(nestgen.CONFIG_IDS)
    summary = _summary(argv, args, programs, configs, counts, time.time() - start, reproducers)
    print(summary)
    if args.record:
        with open(args.record, "a") as f:
            f.write(summary + "\n")
    return 1 if counts["wrong"] or counts["crash"] or counts["hang"] else 0


def _summary(argv, args, programs, configs, counts, seconds, reproducers) -> str:
    cpu = _cpu()
    lines = [f"## fuzz campaign {time.strftime('%Y-%m-%d %H:%M')}",
             f"command: python benchmarks/fuzz.py {' '.join(argv if argv is not None else sys.argv[1:])}",
             f"machine: {cpu}, {mp.cpu_count()} cores, Python {platform.python_version()}, {_gcc()}",
             f"programs: {programs} (seeds {args.seed}..{args.seed + args.count - 1}), configurations: "
             f"{len(configs)} ({', '.join(configs)}), sizes (N, M, T): "
             f"{', '.join(str(s) for s in nestgen.SIZES)}",
             f"program x configuration pairs: {sum(counts[k] for k in OUTCOMES if k != 'rejection')}",
             "outcomes: " + ", ".join(f"{k} {counts[k]}" for k in OUTCOMES)
             + " (rejection counts programs)",
             f"time: {seconds / 3600:.2f} h with {args.jobs} job(s)"]
    if reproducers:
        lines.append("reproducers: " + ", ".join(reproducers))
    return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def _gcc() -> str:
    try:
        out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return "gcc ?"


if __name__ == "__main__":
    sys.exit(main())
