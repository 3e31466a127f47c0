"""The machine the tuner measures on: CPU model, cache sizes, vector width, threads, compiler.

Read from Linux (``/proc/cpuinfo``, ``/sys/devices/system/cpu/cpu0/cache``) and the environment,
once per process.  :attr:`Machine.key` is what a remembered tuning result is filed under: a result
measured on one CPU model, cache hierarchy, compiler, flag set or thread count is a guess on any
other, so it is never reused there.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .. import config

_CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")
# Used when the machine does not say (no /sys, another OS): a common x86 server core.
_FALLBACK_CACHES = {"L1": 32 * 1024, "L2": 1024 * 1024, "L3": 16 * 1024 * 1024}


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
        return _FALLBACK_CACHES[level]

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
        cpu, flags = _cpuinfo()
        ident = compiler_identity(cfg.cc, cfg.cflags) + "\n" + " ".join(cfg.all_cflags)
        _current[key] = Machine(cpu, _caches(), _vector_bytes(flags), threads,
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


def _cpuinfo() -> tuple[str, set[str]]:
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model", "Hardware") and model == "unknown CPU":
                    model = " ".join(value.split())
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    import platform

    return f"{model} ({platform.machine()})", flags


def _vector_bytes(flags: set[str]) -> int:
    if "avx512f" in flags:
        return 64
    if "avx2" in flags or "avx" in flags:
        return 32
    return 16


def _caches() -> tuple[tuple[str, int], ...]:
    """Data and unified caches of cpu0 by level, from sysfs ("48K", "2048K", "480M")."""
    found: dict[str, int] = {}
    for index in sorted(_CACHE_DIR.glob("index*")):
        try:
            kind = (index / "type").read_text().strip()
            level = (index / "level").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        if kind == "Instruction" or not size:
            continue
        scale = {"K": 1024, "M": 1024 * 1024, "G": 1024 ** 3}.get(size[-1].upper(), 1)
        digits = size[:-1] if size[-1].isalpha() else size
        if digits.isdigit():
            found[f"L{level}"] = int(digits) * scale
    if not found:
        return tuple(_FALLBACK_CACHES.items())
    return tuple(sorted(found.items()))
