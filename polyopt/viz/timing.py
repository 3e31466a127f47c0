"""Side-by-side timing of several schedules of one kernel (``po.compare``) for notebooks.

Each variant is compiled once and its result checked against the first one; then they are timed
by the timing loop of :mod:`polyopt.runtime.timing` (interleaved, rotating rounds on fresh copies
of the arguments) and the median is reported.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..errors import PolyoptError
from ..runtime import agreement
from ..runtime.timing import Timings, time_interleaved


@dataclass(frozen=True)
class Comparison:
    """Median seconds per variant (in the order given), and the repetitions behind them.

    ``timings`` has the rest of the measurement: minimum, spread between rounds, paired ratios.
    """

    kernel: str
    names: tuple[str, ...]
    medians: tuple[float, ...]
    samples: tuple[tuple[float, ...], ...]
    timings: Timings | None = field(default=None, compare=False, repr=False)

    def speedup(self, name: str, baseline: str | None = None) -> float:
        """How many times faster ``name`` runs than ``baseline`` (default: the last variant)."""
        base = self.medians[self.names.index(baseline) if baseline else -1]
        return base / self.medians[self.names.index(name)]

    def _rows(self):
        for n, m in zip(self.names, self.medians):
            yield n, f"{m * 1e3:.3f}", f"{self.speedup(n):.2f}x"

    def __str__(self) -> str:
        lines = [f"{self.kernel}: median of {len(self.samples[0])} runs; speed-up vs {self.names[-1]}"]
        width = max(len(n) for n in self.names)
        lines += [f"  {n:<{width}}  {ms:>10} ms  {sp:>8}" for n, ms, sp in self._rows()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(n)}</td><td style='text-align:right'>{ms} ms</td>"
                       f"<td style='text-align:right'>{sp}</td></tr>" for n, ms, sp in self._rows())
        return (f"<table style='font-family: monospace'><tr><th>{html.escape(self.kernel)}</th>"
                f"<th>median</th><th>vs {html.escape(self.names[-1])}</th></tr>{rows}</table>")

    def plot(self, ax=None):
        """A bar chart of the medians (a matplotlib Figure)."""
        from .drawing import figure

        fig, (ax,) = figure(ax, size=(5, 3))
        ax.bar(self.names, [m * 1e3 for m in self.medians], color="#0969da")
        ax.set_ylabel("median time (ms)")
        ax.set_title(f"{self.kernel}", fontsize=10)
        return fig


def compare(kernel, variants: dict, *args, repeat: int = 5, init=None, **params) -> Comparison:
    """Time ``kernel`` under each variant: a Schedule, an options dict, or a scheduler name.

    Arguments come from ``args``, or from ``init(**params)`` (a function returning the argument
    tuple), or, with only size ``params`` given, from random arrays of the kernel's signature.
    Each run gets fresh copies of the arguments; ``repeat`` interleaved rounds, order rotating.
    """
    if not variants:
        raise PolyoptError("compare needs at least one variant")
    funcs = {name: _compiled(kernel, v) for name, v in variants.items()}
    base_args = tuple(args) if args else (init(**params) if init else _random_args(kernel, params))
    reference = None
    for name, f in funcs.items():
        out = _copy(base_args)
        f(*out)
        arrays = [a for a in out if isinstance(a, np.ndarray)]
        if reference is None:
            reference = (name, arrays)
        elif not all(_close(a, b) for a, b in zip(arrays, reference[1])):
            raise PolyoptError(f"compare: variant {name!r} computes a different result from {reference[0]!r}")
    # The check above ran every variant once on the same arguments: that was the warm-up.
    timings = time_interleaved({name: (lambda a, f=f: f(*a)) for name, f in funcs.items()},
                               fresh=lambda: _copy(base_args), repeat=repeat, warmup=0)
    names = tuple(funcs)
    return Comparison(kernel.name, names, tuple(timings.median(n) for n in names),
                      tuple(timings.samples[n] for n in names), timings)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two variants' results agree to the tolerance ``polyopt check`` gives a schedule that
    reassociates a reduction (any variant may)."""
    return agreement.compare(b, a, None, reassociated=True)[2]


def _compiled(kernel, variant):
    if isinstance(variant, str):
        return kernel.compile(scheduler=variant)
    if isinstance(variant, dict):
        return kernel.compile(**variant)
    return kernel.compile(schedule=variant)


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _random_args(kernel, params: dict):
    """Random arguments for the kernel's signature with the given sizes."""
    rng = np.random.default_rng(0)
    out = []
    for a in kernel.syntax.args:
        if a.kind == a.ARRAY:
            missing = sorted({x for e in a.shape for x in e.free_symbols} - set(params))
            if missing:
                raise PolyoptError(f"compare: give a value for {', '.join(missing)} (e.g. {missing[0]}=64)")
            dims = tuple(e.value(params) for e in a.shape)
            out.append(rng.random(dims).astype(a.dtype.np_dtype))
        elif a.kind == a.INT:
            if a.name not in params:
                raise PolyoptError(f"compare: give a value for the int argument {a.name!r}")
            out.append(int(params[a.name]))
        else:
            out.append(a.dtype.np_dtype.type(1.5) if a.dtype.is_float else a.dtype.np_dtype.type(3))
    return tuple(out)
