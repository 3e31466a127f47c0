"""Remembered tuning results: the winning plan per kernel, size class and machine class, on disk.

A result lives in ``<cache dir>/tuned/<kernel hash>-<machine key>.json`` (see
:mod:`polyopt.config` for the cache directory), one file per kernel and machine class, holding one
entry per size class.  The kernel hash covers the kernel's source as resolved (what its generated
code depends on) and polyopt's version; the machine key (:class:`~.machine.Machine`) covers
the CPU model, cache sizes, vector width, compiler, flags and thread count.  So a result is only
ever reused by the same kernel on the same kind of machine, and never across machines.

Files are replaced atomically (temporary file, then ``os.replace``): a reader sees the old or the
new file, never half of one.  ``POLYOPT_NO_CACHE=1`` turns remembering off both ways.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import config
from .machine import Machine

FORMAT = 1


def kernel_hash(source: str) -> str:
    """The key part naming a kernel: its resolved source and polyopt's version.  (A remembered plan
    in a format this polyopt no longer reads is refused when applied, and the default runs.)"""
    from importlib import metadata

    try:
        version = metadata.version("polyopt")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        version = "unknown"
    text = f"{source}\0{version}"
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:24]


def size_class(params: dict[str, int]) -> str:
    """The size class of parameter values: each rounded to a half power of two (sizes within about
    ±19% of each other share a class), e.g. ``N:22,M:20`` for N=2000, M=1000."""
    def bucket(v: int) -> str:
        return "0" if v < 1 else str(round(2 * math.log2(v)))

    return ",".join(f"{k}:{bucket(v)}" for k, v in sorted(params.items()))


@dataclass(frozen=True)
class TunedEntry:
    """One remembered result."""

    kernel: str
    size_class: str
    sizes: dict  # the parameter values it was measured at
    plan: str  # the winning plan's JSON text
    default_seconds: float
    best_seconds: float
    when: str  # ISO date and time of the tuning
    machine: str  # Machine.describe() of the machine it was measured on
    changes: tuple[str, ...] = ()  # what the winner changes from the default plan, one line each

    @property
    def speedup(self) -> float:
        return self.default_seconds / self.best_seconds if self.best_seconds > 0 else 1.0

    def describe(self) -> str:
        """What a schedule's explanation says about it."""
        sizes = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()))
        what = "; ".join(self.changes) if self.changes else "the default plan won"
        return (f"tuned {self.when} on {self.machine} for sizes like {sizes}: "
                f"{self.speedup:.2f}x the default ({what})")


def _path(source_hash: str, machine_key: str, cfg=None) -> Path:
    cfg = cfg or config.current()
    return cfg.cache_dir / "tuned" / f"{source_hash}-{machine_key}.json"


def _key(machine: Machine | str) -> str:
    return machine if isinstance(machine, str) else machine.key


def load_entries(source_hash: str, machine: Machine | str) -> dict[str, TunedEntry]:
    """Every remembered result of a kernel on a machine class (a Machine or its key), by size
    class ({} when none, the cache is off, or the file is unreadable)."""
    cfg = config.current()
    if not cfg.use_cache:
        return {}
    try:
        data = json.loads(_path(source_hash, _key(machine), cfg).read_text())
        if data.get("format") != FORMAT:
            return {}
        return {k: entry_from_dict(v) for k, v in data["entries"].items()}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def remember(source_hash: str, machine: Machine | str, entry: TunedEntry) -> Path | None:
    """File ``entry`` under its size class for a machine class (a Machine, or the key of one that
    measured it elsewhere, e.g. a Dask worker), replacing an older one; None when the cache is off."""
    cfg = config.current()
    if not cfg.use_cache:
        return None
    path = _path(source_hash, _key(machine), cfg)
    entries = {k: asdict(v) for k, v in load_entries(source_hash, machine).items()}
    entries[entry.size_class] = {**asdict(entry), "changes": list(entry.changes)}
    text = json.dumps({"format": FORMAT, "machine_key": _key(machine), "entries": entries}, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def entry_from_dict(data: dict) -> TunedEntry:
    """A TunedEntry from its ``dataclasses.asdict`` form (e.g. sent back by a worker)."""
    return TunedEntry(**{**data, "changes": tuple(data.get("changes", ()))})
