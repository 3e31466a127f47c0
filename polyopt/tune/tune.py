"""Tuning one kernel: what :meth:`polyopt.Kernel.tune` and a kernel's calls use (importing this
module loads neither isl nor the search).

:func:`run` tunes (:mod:`.search`), files the winner (:mod:`.store`) and reports
(:mod:`.report`); :func:`remembered` reads the results filed for a kernel on this machine class.
"""

from __future__ import annotations

import datetime
import hashlib
import time
import warnings

from .machine import current_machine
from .store import TunedEntry, kernel_hash, load_entries, remember, size_class

__all__ = ["run", "remembered", "discard", "size_class", "DEFAULT_BUDGET"]

DEFAULT_BUDGET = 60.0  # seconds: kernel.tune() and @po.kernel(tune=True) without a budget


def _source_hash(kernel) -> str:
    return kernel_hash(kernel._cache_source())


def run(kernel, default_schedule, args: tuple, kwargs: dict, budget: float | None, progress=None):
    """Tune ``kernel`` for these arguments (``budget`` None: :data:`DEFAULT_BUDGET`); returns
    ``(TuneReport, TunedEntry)``."""
    # The search (isl, the cost model) loads only when tuning: a call that only looks up a
    # remembered result stays as light as an untuned warm call.
    from .report import TuneReport
    from .search import tune_kernel

    budget = DEFAULT_BUDGET if budget is None else budget
    machine = current_machine()
    start = time.perf_counter()
    best, candidates, default_s, best_s, changes = tune_kernel(
        kernel, default_schedule, args, kwargs, machine=machine, budget=budget, progress=progress)
    sizes = kernel.bind(*args, **kwargs)
    when = datetime.datetime.now().isoformat(timespec="minutes")
    entry = TunedEntry(kernel.name, size_class(sizes), dict(sizes), best.to_json(), default_s, best_s,
                       when, machine.describe(), tuple(changes))
    path = remember(_source_hash(kernel), machine, entry)
    report = TuneReport(kernel.name, dict(sizes), machine.describe(), best, default_s, best_s,
                        tuple(candidates), tuple(changes), time.perf_counter() - start,
                        str(path) if path else "", entry)
    return report, entry


def remembered(kernel) -> dict[str, TunedEntry]:
    """The results filed for ``kernel`` on this machine class, by size class."""
    return load_entries(_source_hash(kernel), current_machine())


def file_elsewhere(kernel, machine_key: str, entry: TunedEntry):
    """File a result another machine (a Dask worker) measured, under that machine's class."""
    return remember(_source_hash(kernel), machine_key, entry)


def discard(kernel, entry: TunedEntry, exc: BaseException) -> None:
    """Say once that a remembered plan no longer applies (the default runs instead)."""
    digest = hashlib.sha256(entry.plan.encode()).hexdigest()[:12]
    warnings.warn(f"polyopt: the tuned plan of {kernel.name} for sizes {entry.sizes} (plan {digest}) "
                  f"no longer applies ({str(exc).splitlines()[0]}); running the default plan. "
                  f"Tune again with {kernel.name}.tune(...)", stacklevel=4)
