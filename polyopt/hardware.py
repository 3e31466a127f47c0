"""The CPU this process runs on (and compiles for, with ``-march=native``): its model, SIMD
registers and caches, read from Linux once per process.

The scheduler sizes register tiles from the register file (:mod:`polyopt.schedule.policy`); the
autotuner files its results under the model and caches and models tiles against the caches
(:mod:`polyopt.tune.machine`).  Where Linux does not say (no ``/proc``, another OS), the values of
a common x86 server core stand in.
"""

from __future__ import annotations

import ctypes.util
import os
import platform
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")
# Used when the machine does not say: a common x86 server core.
FALLBACK_CACHES = {"L1": 32 * 1024, "L2": 1024 * 1024, "L3": 16 * 1024 * 1024}


@dataclass(frozen=True)
class Cpu:
    """What code generation and tuning depend on."""

    model: str  # the model name and the architecture: "AMD EPYC (x86_64)"
    flags: frozenset[str]  # /proc/cpuinfo's flags (x86) or features (Arm)
    caches: tuple[tuple[str, int], ...]  # ("L1", bytes) data/unified caches per level

    @property
    def vector_bytes(self) -> int:
        """The widest SIMD register: 64 (AVX-512), 32 (AVX2), 16 (SSE, NEON)."""
        if "avx512f" in self.flags:
            return 64
        if "avx2" in self.flags or "avx" in self.flags:
            return 32
        return 16

    @property
    def vector_registers(self) -> int:
        """The SIMD registers a vectorized loop can use: 32 with AVX-512 (which gives 256-bit code
        ymm16-ymm31 too) and on AArch64, 16 with AVX2 or SSE on x86-64."""
        if "avx512f" in self.flags or "asimd" in self.flags:
            return 32
        return 16


@cache
def cpu() -> Cpu:
    """This machine's :class:`Cpu` (read once per process)."""
    model, flags = _cpuinfo()
    return Cpu(f"{model} ({platform.machine()})", frozenset(flags), _caches())


# The math functions with SIMD variants in glibc's libmvec on x86-64 (each in double and float,
# ``exp`` and ``expf``), with their number of arguments.
VECTOR_MATH = {"exp": 1, "log": 1, "sin": 1, "cos": 1, "tanh": 1, "pow": 2}


@cache
def vector_math_library() -> bool:
    """Whether the C library has SIMD variants of the math functions for OpenMP's ``declare simd``:
    glibc's libmvec on x86-64 Linux (``-lm`` links it as needed)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return False
    return ctypes.util.find_library("mvec") is not None


def simd_registers() -> int:
    """The SIMD registers vector code can use on this machine: what the scheduler sizes register
    tiles by (tests pin it, leaving the CPU's identity alone)."""
    return cpu().vector_registers


# A loop gcc vectorizes as it vectorizes polyopt's SIMD loops: the vectors it uses are the ones the
# generated code gets.
_PROBE = """void polyopt_probe(double *restrict a, const double *restrict b, long n)
{
  #pragma omp simd
  for (long i = 0; i < n; i += 1)
    a[i] += 2.0 * b[i];
}
"""


@cache
def simd_bytes() -> int:
    """The width of the vectors gcc emits on this machine for an ``omp simd`` loop of doubles
    (:func:`compiled_vector_bytes` of ``POLYOPT_CC``, default ``gcc``), once per process: the CPU's
    widest register is not always what the compiler uses (gcc 12 tuned for Intel's AVX-512 cores
    prefers 256-bit vectors, on AMD Zen 4 it uses 512-bit ones).  What the scheduler sizes register
    tiles by (tests pin it)."""
    return compiled_vector_bytes(os.environ.get("POLYOPT_CC", "").strip() or "gcc")


def compiled_vector_bytes(cc: str) -> int:
    """The widest vectors the compiler command ``cc`` emits for a probe loop at ``-O3 -march=native
    -fopenmp``: 64, 32 or 16 bytes; the CPU's width, at most 32 bytes, when the probe cannot be
    compiled, and the CPU's width off x86."""
    fallback = min(cpu().vector_bytes, 32)
    if platform.machine() not in ("x86_64", "AMD64"):
        return cpu().vector_bytes
    with tempfile.TemporaryDirectory(prefix="polyopt-probe-") as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(_PROBE)
        try:
            done = subprocess.run([*shlex.split(cc), "-O3", "-march=native", "-fopenmp", "-S", "-o", "-", src],
                                  capture_output=True, text=True, timeout=60, check=False)
        except (OSError, ValueError, subprocess.SubprocessError):
            return fallback
    if done.returncode != 0:
        return fallback
    for width, register in ((64, "%zmm"), (32, "%ymm"), (16, "%xmm")):
        if register in done.stdout:
            return width
    return fallback


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
    return model, flags


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
        return tuple(FALLBACK_CACHES.items())
    return tuple(sorted(found.items()))
