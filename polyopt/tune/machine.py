"""The machine the tuner measures on: CPU model, cache sizes, vector width, threads, compiler.

Read from Linux (:mod:`polyopt.hardware`) and the environment, once per process.
:attr:`Machine.key` is what a remembered tuning result is filed under: a result measured on one CPU
model, cache hierarchy, compiler, flag set or thread count is a guess on any other, so it is never
reused there.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from .. import config, hardware


@dataclass(frozen=True)
class Machine:
    """What tuning results depend on."""

    cpu: str  # the CPU's model name
    caches: tuple[tuple[str, int], ...]  # ("L1", bytes) data/unified caches per level, per core or shared
    vector_bytes: int  # widest SIMD register: 64 (AVX-512), 32 (AVX2), 16 (SSE / NEON)
    threads: int  # OpenMP threads a kernel runs on
    compiler: str  # the compiler's identity and flags

    def cache(self, level: str) -> int:
        """The size in bytes of cache ``level`` ("L1", "L2", "L3"); the next lower one if absent."""
        sizes = dict(self.caches)
        for name in ("L3", "L2", "L1")[("L3", "L2", "L1").index(level):]:
            if name in sizes:
                return sizes[name]
        return hardware.FALLBACK_CACHES[level]

    @property
    def key(self) -> str:
        """A short hash of every field: the machine class a tuning result belongs to."""
        text = "\n".join([self.cpu, repr(self.caches), str(self.vector_bytes), str(self.threads), self.compiler])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """One line for reports: ``Intel(R) Xeon(R) ..., L1 48K L2 2048K L3 480M, AVX-512, 2 threads``."""
        caches = " ".join(f"{name} {_size_text(size)}" for name, size in self.caches)
        isa = {64: "AVX-512", 32: "AVX2"}.get(self.vector_bytes, f"{self.vector_bytes * 8}-bit SIMD")
        return f"{self.cpu}, {caches}, {isa}, {self.threads} thread{'s' * (self.threads != 1)}"


def _size_text(size: int) -> str:
    return f"{size // (1024 * 1024)}M" if size >= 16 * 1024 * 1024 else f"{size // 1024}K"


_current: dict[tuple, Machine] = {}


def current_machine(threads: int | None = None) -> Machine:
    """The machine this process runs on, with ``threads`` OpenMP threads (default: what a kernel
    gets now, ``OMP_NUM_THREADS`` or every core)."""
    from ..runtime.toolchain import compiler_identity

    cfg = config.current()
    threads = threads or omp_threads()
    key = (threads, cfg.cc, cfg.cflags)
    if key not in _current:
        cpu = hardware.cpu()
        ident = compiler_identity(cfg.cc, cfg.cflags) + "\n" + " ".join(cfg.all_cflags)
        _current[key] = Machine(cpu.model, cpu.caches, cpu.vector_bytes, threads,
                                hashlib.sha256(ident.encode()).hexdigest()[:16])
    return _current[key]


def omp_threads() -> int:
    """The threads an OpenMP region gets by default: ``OMP_NUM_THREADS``'s first value, else the
    cores this process may run on."""
    raw = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
