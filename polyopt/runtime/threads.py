"""How many OpenMP threads a kernel call uses: the cores this process may run on, less those that
other processes keep busy at the moment.

Part of the runtime.  On a machine whose cores are shared, a parallel region ends in a barrier
that waits for the thread another process has taken the core from: each region costs up to a
scheduler time slice, and a kernel that opens many short regions runs tens of times slower than
on one thread (benchmarks/results/contention_MEDIUM_2026-12-06.md: gemm at MEDIUM 0.69 ms alone,
14.6 ms beside one busy process on 2 cores; layernorm 0.26 ms and 7.2 ms).  OpenMP's own remedies
do not fit: ``OMP_DYNAMIC`` reads the 15-minute load average, and a passive wait policy costs 11x
on a quiet virtual machine (every region wakes a halted virtual CPU).

So before a call, at most every :data:`INTERVAL` seconds, the governor compares the busy time of
this process's CPUs (``/proc/stat``, the CPUs of its affinity mask) with the CPU time of the
process itself and of the children it waited for (``os.times``: the compiler) over about the last
:data:`WINDOW` seconds: what remains is the work of other processes, in cores; the call gets the
cores they leave (at least one, at most the ``OMP_NUM_THREADS`` the user gave, else one per CPU).
The count is set with the OpenMP runtime's ``omp_set_num_threads`` (looked up through the
kernel's library, so libgomp or LLVM's libomp, whichever it was linked with), and only when it
changes (per Python thread: OpenMP keeps the setting per calling thread).
``POLYOPT_ADAPT_THREADS=0`` turns it off: the OpenMP runtime's own setting then holds.
"""

from __future__ import annotations

import collections
import ctypes
import os
import threading
import time
from dataclasses import dataclass

from ..config import adapt_threads

INTERVAL = 0.02  # seconds between two looks at the machine's load (a look reads /proc/stat: ~30 us)
WINDOW = 0.06  # the load is measured over about this long: /proc/stat counts in 10 ms ticks, so a
# shorter window is noisy, and a longer one reacts late (with 0.1 s between looks, kernels that
# ran 50 ms beside a newly started busy process never saw it: gemm at MEDIUM 0.10x the original)
MIN_WINDOW = 0.02
_IDLE_FIELDS = (3, 4)  # idle and iowait in a /proc/stat cpu line (after the name)


@dataclass(frozen=True)
class Sample:
    """One look at the machine: the busy seconds of the watched CPUs, this process's CPU seconds,
    and the monotonic time it was taken."""

    busy: float
    own: float
    when: float


def free_cores(before: Sample, after: Sample, cpus: int) -> float:
    """The cores other processes left free between two samples (``cpus`` watched)."""
    wall = after.when - before.when
    others = max(0.0, (after.busy - before.busy) - (after.own - before.own)) / wall
    return max(0.0, cpus - others)


def threads_for(free: float, most: int) -> int:
    """Threads for ``free`` free cores: each core another process keeps more than half busy is
    given up, never below one thread or above ``most``."""
    return max(1, min(most, int(free + 0.5)))


def _busy_seconds(cpus: frozenset[int]) -> float:
    """Busy seconds since boot of the CPUs ``cpus``, from ``/proc/stat``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu") or line.startswith("cpu "):
                continue
            name, *fields = line.split()
            if int(name[3:]) in cpus:
                values = [int(v) for v in fields[:8]]  # user .. steal (guest time is inside user)
                total += sum(values) - sum(values[k] for k in _IDLE_FIELDS)
    return total / tick


def _max_threads(cpus: int) -> int:
    """``OMP_NUM_THREADS`` (its first level) when set to a number, else one thread per CPU."""
    raw = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else cpus


class Governor:
    """Chooses and sets the thread count before each kernel call (see the module docstring)."""

    def __init__(self):
        self.cpus = frozenset(os.sched_getaffinity(0))
        self.most = _max_threads(len(self.cpus))
        self.current = self.most
        self._given = threading.local()  # .n: the count last given to the OpenMP runtime (per thread:
        # each Python thread that calls kernels has its own setting)
        self._samples = collections.deque([self._sample()], maxlen=16)

    def _sample(self) -> Sample:
        # The processes this one ran and waited for count as its own: the compiler that built the
        # kernel a moment before its first call is no contention (counted as another process's
        # load, it made each first call after a compile run on one thread -- and the tuner, which
        # screens a candidate by its first run, dropped every candidate of conv2d at LARGE as 2x
        # slower than the default; AMD EPYC Zen 4 VM, 2 cores)
        times = os.times()
        own = times.user + times.system + times.children_user + times.children_system
        return Sample(_busy_seconds(self.cpus), own, time.monotonic())

    def threads(self) -> int:
        """The thread count for a call now (a look at the load at most every INTERVAL seconds, over
        about the last WINDOW seconds)."""
        now = time.monotonic()
        if now - self._samples[-1].when >= INTERVAL:
            sample = self._sample()
            older = [s for s in self._samples if sample.when - s.when >= WINDOW]
            base = older[-1] if older else self._samples[0]
            if sample.when - base.when >= MIN_WINDOW:
                self.current = threads_for(free_cores(base, sample, len(self.cpus)), self.most)
            self._samples.append(sample)
        return self.current

    def before_call(self, lib) -> None:
        """Give the OpenMP runtime of ``lib`` (a loaded kernel library) the count for this call."""
        n = self.threads()
        if n == getattr(self._given, "n", None):
            return
        setter = _omp_setter(lib)
        if setter is not None:
            setter(n)
            self._given.n = n


def _omp_setter(lib):
    """``omp_set_num_threads`` as the kernel library resolves it, or None (a library without OpenMP)."""
    try:
        fn = lib.omp_set_num_threads
    except AttributeError:
        return None
    fn.argtypes, fn.restype = [ctypes.c_int], None
    return fn


_GOVERNOR: Governor | bool | None = None  # False: this machine cannot be watched


def governor() -> Governor | None:
    """The process's governor, or None when ``POLYOPT_ADAPT_THREADS`` turns adapting off or the
    machine has no ``/proc/stat`` to read."""
    global _GOVERNOR
    if not adapt_threads():
        return None
    if _GOVERNOR is None:
        try:
            _GOVERNOR = Governor()
        except (OSError, ValueError, AttributeError):  # no /proc/stat or sched_getaffinity here
            _GOVERNOR = False
    return _GOVERNOR or None
