"""Interleaved timing of variants against each other: the one timing loop of polyopt.

``po.compare`` (notebooks), ``polyopt bench`` (kernels and C programs), the scripts of
``benchmarks/`` and the autotuner all measure the same way, here:

* every variant is a callable; a ``fresh()`` hook makes its inputs before each run, outside the
  timed region, so that every run of every variant sees the same inputs;
* ``warmup`` untimed runs per variant first (libraries loaded, OpenMP threads started, caches warm);
* then rounds of one run per variant, the order rotating by one each round (A B C, B C A, C A B):
  drift of the machine (another job starting, the CPU's clock changing) hits every variant alike,
  and no variant always runs right after the same neighbour;
* per variant the median, the minimum and the spread between rounds (the noise); per pair of
  variants the ratio of their times, paired by round, with a confidence interval;
* ``until_distinct=(a, b)`` stops as soon as that interval says ``a`` and ``b`` differ, so a clear
  difference costs a few rounds and a close call gets all ``repeat`` of them.

The clock is a parameter (tests drive the loop with a fake one), and a variant may report its own
duration (``self_timed``: a program that times its region and prints it).  This module imports only
the standard library and :mod:`polyopt.errors`: it sits below every stage of the pipeline.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import PolyoptError

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.  Beyond 30 the value for 30
# is used, which is slightly wider than exact: the test errs towards running more rounds.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042)


@dataclass(frozen=True)
class Ratio:
    """How many times as long variant ``a`` takes as variant ``b``, from rounds in which both ran.

    ``estimate`` is the geometric mean of the per-round ratios; ``low``..``high`` is its 95%
    confidence interval (Student's t on the logarithms of the ratios).  Pairing by round cancels
    what the machine did during that round; the interval's width is the noise between rounds.
    With fewer than two usable rounds there is no interval (``low`` 0, ``high`` infinite).
    """

    estimate: float
    low: float
    high: float
    rounds: int

    def beyond(self, margin: float = 0.0) -> bool:
        """True when ``a`` and ``b`` clearly differ: the whole interval lies above ``1 + margin``
        or below ``1 / (1 + margin)`` (``margin=0.05``: by more than 5%, beyond the noise)."""
        return self.low > 1 + margin or self.high < 1 / (1 + margin)


@dataclass(frozen=True)
class Timings:
    """What :func:`time_interleaved` measured.

    ``samples`` maps each variant that ran to the end, in the order given, to its seconds per
    round (all of the same length, ``rounds``); ``failed`` maps a variant dropped on one of the
    ``errors`` types to that exception; ``stopped_early`` says ``until_distinct`` ended the rounds
    before ``repeat``.
    """

    samples: Mapping[str, tuple[float, ...]]
    failed: Mapping[str, BaseException]
    rounds: int
    stopped_early: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.samples)

    def median(self, name: str) -> float:
        """The median seconds of ``name`` over the rounds."""
        return statistics.median(self._times(name))

    def minimum(self, name: str) -> float:
        """The fastest run of ``name``."""
        return min(self._times(name))

    def spread(self, name: str) -> float:
        """The noise of ``name``: (slowest - fastest run) / median, 0 for a single round."""
        times = self._times(name)
        med = statistics.median(times)
        return (max(times) - min(times)) / med if med > 0 else 0.0

    def ratio(self, a: str, b: str) -> Ratio:
        """``a``'s time over ``b``'s, paired by round (see :class:`Ratio`)."""
        return paired_ratio(self._times(a), self._times(b))

    def _times(self, name: str) -> tuple[float, ...]:
        if name not in self.samples:
            why = f"it failed: {self.failed[name]}" if name in self.failed else f"timed: {', '.join(self.samples)}"
            raise PolyoptError(f"no timings for variant {name!r} ({why})")
        return self.samples[name]


def paired_ratio(a_times, b_times) -> Ratio:
    """The :class:`Ratio` of two variants' times taken in the same rounds (same length, same order).

    A round in which either time is not positive (a clock too coarse to see the call) is left out.
    """
    if len(a_times) != len(b_times):
        raise PolyoptError(f"a paired ratio needs times of the same rounds "
                           f"(got {len(a_times)} and {len(b_times)})")
    logs = [math.log(a / b) for a, b in zip(a_times, b_times) if a > 0 and b > 0]
    n = len(logs)
    if n == 0:
        return Ratio(math.nan, 0.0, math.inf, 0)
    mean = statistics.fmean(logs)
    if n == 1:
        return Ratio(math.exp(mean), 0.0, math.inf, 1)
    half = _T95[min(n - 1, len(_T95)) - 1] * statistics.stdev(logs) / math.sqrt(n)
    return Ratio(math.exp(mean), math.exp(mean - half), math.exp(mean + half), n)


def time_interleaved(variants: Mapping[str, Callable], *, repeat: int = 5, warmup: int = 1,
                     fresh: Callable[[], object] | None = None,
                     until_distinct: tuple[str, str] | None = None, min_rounds: int = 3,
                     margin: float = 0.0, self_timed: bool = False,
                     errors: tuple[type[BaseException], ...] = (),
                     clock: Callable[[], float] = time.perf_counter) -> Timings:
    """Time ``variants`` (name -> callable) against each other in interleaved, rotating rounds.

    ``fresh()`` is called before every run, untimed, and its result is the run's one argument
    (without ``fresh`` a variant is called with none): return fresh copies of the inputs of
    kernels that work in place.  ``warmup`` untimed runs per variant come first, then up to
    ``repeat`` rounds.  ``until_distinct=(a, b)`` stops after any round from ``min_rounds`` on in
    which ``a`` and ``b`` differ beyond the noise (:meth:`Ratio.beyond` with ``margin``), or one of
    them failed.  ``self_timed``: each call returns its own duration in seconds, and ``clock``
    is not used.  An exception of a type in ``errors`` drops that variant (it lands in
    ``Timings.failed``) and the others go on; any other exception propagates.

    For example, a candidate against the incumbent, on copies of the inputs, for at most 20
    rounds::

        t = time_interleaved({"new": new, "old": old}, fresh=lambda: copy(inputs), repeat=20,
                             until_distinct=("new", "old"), margin=0.02)
        if t.ratio("new", "old").high < 1 / 1.02: ...   # new is more than 2% faster
    """
    _check(variants, repeat, warmup, until_distinct, min_rounds, margin)
    live = list(variants)
    times: dict[str, list[float]] = {name: [] for name in live}
    failed: dict[str, BaseException] = {}

    def run(name: str) -> float | None:
        args = () if fresh is None else (fresh(),)
        start = None if self_timed else clock()
        try:
            result = variants[name](*args)
        except errors as exc:
            failed[name] = exc
            live.remove(name)
            return None
        if start is not None:
            return clock() - start
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            raise PolyoptError(f"self-timed variant {name!r} returned {result!r}, not its duration in seconds")
        return float(result)

    for _ in range(warmup):
        for name in list(live):
            run(name)
    rounds, stopped = 0, False
    while rounds < repeat and live:
        first = rounds % len(live)
        for name in live[first:] + live[:first]:
            seconds = run(name)
            if seconds is not None:
                times[name].append(seconds)
        rounds += 1
        if until_distinct and rounds < repeat and _decided(until_distinct, times, failed, rounds,
                                                           min_rounds, margin):
            stopped = True
            break
    samples = {name: tuple(times[name]) for name in variants if name not in failed}
    return Timings(samples, dict(failed), rounds, stopped)


def _decided(pair, times, failed, rounds: int, min_rounds: int, margin: float) -> bool:
    """Whether the rounds so far settle ``pair``: one of them failed, or they differ clearly."""
    a, b = pair
    if a in failed or b in failed:
        return True
    return rounds >= min_rounds and paired_ratio(times[a], times[b]).beyond(margin)


def _check(variants, repeat, warmup, until_distinct, min_rounds, margin) -> None:
    if not variants:
        raise PolyoptError("nothing to time: give at least one variant")
    if repeat < 1 or warmup < 0:
        raise PolyoptError(f"time with repeat >= 1 and warmup >= 0 (got repeat={repeat}, warmup={warmup})")
    if until_distinct is None:
        return
    a, b = until_distinct
    unknown = [n for n in (a, b) if n not in variants]
    if unknown or a == b:
        raise PolyoptError(f"until_distinct names two different variants, got {until_distinct!r}",
                           hint=f"variants: {', '.join(variants)}")
    if min_rounds < 2 or margin < 0:
        raise PolyoptError(f"until_distinct needs min_rounds >= 2 and margin >= 0 "
                           f"(got min_rounds={min_rounds}, margin={margin})")
