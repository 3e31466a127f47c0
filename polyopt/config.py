"""Every environment knob of polyopt, typed, in one place.

Read by the runtime (compiler invocation and the disk cache).  The environment is read on each
call to :func:`current`, so tests and users can change it at run time.

=========================  ======================================================================
``POLYOPT_CC``             C compiler command (default ``gcc``).
``POLYOPT_CFLAGS``         optimization flags, shell-split (default ``-O3 -march=native -fopenmp
                           -fno-tree-loop-distribution``);
                           ``-fPIC -shared`` are always added since the output must be a shared library.
``POLYOPT_CACHE_DIR``      disk cache directory (default ``$XDG_CACHE_HOME/polyopt`` or
                           ``~/.cache/polyopt``).
``POLYOPT_NO_CACHE``       ``1``/``true``/``yes``/``on`` turns the disk cache off: every kernel is
                           compiled in a temporary directory that is removed after loading.
``POLYOPT_ADAPT_THREADS``  ``0``/``false``/``no``/``off``: every call uses the OpenMP runtime's thread
                           count, instead of the cores other processes leave free at the moment
                           (see :mod:`polyopt.runtime.threads`).
``POLYOPT_ISL_SECONDS``    wall-clock limit of one isl code generation or isl scheduler run, in
                           seconds (default 30; ``0`` runs them in the calling process, unlimited;
                           see :mod:`polyopt.poly.deadline`).
=========================  ======================================================================
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from .errors import OptionError

DEFAULT_CC = "gcc"
# gcc 12.2's loop distribution (on at -O3) splits a loop against a dependence it carries backwards
# and computes a wrong result from correct C (fuzz seed 3789; benchmarks/results/gcc12_loop_distribution).
# polyopt distributes loops itself where that pays; without gcc's the suite ran at 0.994x the time
# (geomean of 46 kernels, LARGE, 2 threads, Xeon Sapphire Rapids VM, benchmarks/bench_cflags.py).
DEFAULT_CFLAGS = ("-O3", "-march=native", "-fopenmp", "-fno-tree-loop-distribution")
REQUIRED_CFLAGS = ("-fPIC", "-shared")
# For checks against the Python original: without FMA contraction the compiled code computes each
# operation exactly as Python does (polyopt itself never reassociates floating point).
EXACT_CFLAGS = DEFAULT_CFLAGS + ("-ffp-contract=off",)

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Config:
    """The effective settings."""

    cc: str
    cflags: tuple[str, ...]  # optimization flags (without REQUIRED_CFLAGS)
    cache_dir: Path
    use_cache: bool

    @property
    def all_cflags(self) -> tuple[str, ...]:
        """The flags passed to the compiler."""
        return self.cflags + tuple(f for f in REQUIRED_CFLAGS if f not in self.cflags)


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise OptionError(f"environment variable {name}={raw!r} is not a boolean",
                      hint="use 1/0, true/false, yes/no or on/off")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/polyopt`` or ``~/.cache/polyopt``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "polyopt"


def current() -> Config:
    """The settings from the environment now."""
    cc = os.environ.get("POLYOPT_CC", "").strip() or DEFAULT_CC
    raw_flags = os.environ.get("POLYOPT_CFLAGS")
    try:
        cflags = tuple(shlex.split(raw_flags)) if raw_flags is not None else DEFAULT_CFLAGS
    except ValueError as exc:
        raise OptionError(f"cannot parse POLYOPT_CFLAGS={raw_flags!r}: {exc}") from exc
    cache = os.environ.get("POLYOPT_CACHE_DIR", "").strip()
    cache_dir = Path(cache).expanduser() if cache else default_cache_dir()
    return Config(cc=cc, cflags=cflags, cache_dir=cache_dir, use_cache=not _flag("POLYOPT_NO_CACHE", False))


def adapt_threads() -> bool:
    """Whether kernel calls adapt their thread count to the load of the machine (default yes)."""
    return _flag("POLYOPT_ADAPT_THREADS", True)


# The slowest code generation of a suite kernel takes 2-4 s (jacobi_1d's wavefront tiles, on an
# Intel Sapphire Rapids VM and an AMD EPYC Zen 3 VM); the stride detection that hung for minutes
# on fuzz seeds 4269 and 4481 never finishes, so a limit ten times the largest need stops only those.
DEFAULT_ISL_SECONDS = 30.0


def isl_seconds() -> float | None:
    """The wall-clock limit of one guarded isl computation, or None for none (``POLYOPT_ISL_SECONDS``)."""
    raw = os.environ.get("POLYOPT_ISL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_ISL_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise OptionError(f"environment variable POLYOPT_ISL_SECONDS={raw!r} is not a number of seconds",
                          hint="give a positive number, or 0 for no limit")
    return value or None


def toolchain_env() -> tuple[str | None, str | None]:
    """The raw compiler settings from the environment: cheap enough to check on every call."""
    return os.environ.get("POLYOPT_CC"), os.environ.get("POLYOPT_CFLAGS")
