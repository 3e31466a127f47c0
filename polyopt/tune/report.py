"""What a tuning run found: :class:`TuneReport`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import views


@dataclass(frozen=True)
class TuneReport:
    """The result of ``kernel.tune(...)``.

    ``best`` is the winning plan (the default's plan when nothing beat it), ``speedup`` the
    default's time over the winner's, measured interleaved at the end; ``candidates`` lists every
    candidate in the order tried (:class:`~polyopt.tune.search.Candidate`: description, the model's
    prediction, the measured seconds, status); ``changes`` says what the winner decides
    differently from the default.
    """

    kernel: str
    sizes: dict
    machine: str
    best: object
    default_seconds: float
    best_seconds: float
    candidates: tuple
    changes: tuple[str, ...]
    seconds: float  # wall time of the tuning run
    remembered: str = ""  # where the result was stored ('' when the cache is off)
    entry: object = None  # the TunedEntry filed (polyopt.tune.store)

    @property
    def speedup(self) -> float:
        return self.default_seconds / self.best_seconds if self.best_seconds > 0 else 1.0

    @property
    def timed(self) -> tuple:
        """The candidates that ran (measured seconds known)."""
        return tuple(c for c in self.candidates if c.seconds is not None)

    def counts(self) -> dict[str, int]:
        """How many candidates ended in each status."""
        out: dict[str, int] = {}
        for c in self.candidates:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    def __str__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()))
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items()))
        lines = [f"tuned {self.kernel} ({sizes}) on {self.machine} in {self.seconds:.1f} s: "
                 f"{self.speedup:.2f}x the default ({self.default_seconds * 1e3:.3f} ms -> "
                 f"{self.best_seconds * 1e3:.3f} ms)",
                 f"candidates: {len(self.candidates)} ({counts})"]
        lines += [f"  {c}" for c in self.changes] or ["  the default plan won"]
        lines.append(f"{'candidate':<48} {'predicted ms':>12} {'measured ms':>12}  status")
        for c in self.candidates:
            pred = "" if c.predicted is None or math.isnan(c.predicted) else f"{c.predicted * 1e3:.3f}"
            got = "" if c.seconds is None else f"{c.seconds * 1e3:.3f}"
            lines.append(f"{c.description[:48]:<48} {pred:>12} {got:>12}  {c.status}"
                         + (f": {c.why}" if c.why else ""))
        if self.remembered:
            lines.append(f"remembered in {self.remembered}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return views.html_of("tune_report", self)
