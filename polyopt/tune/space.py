"""The search space: every candidate is a change to a plan.

Two kinds of change, both applied through :class:`~polyopt.schedule.plan.Plan` so that the result
is checked against the dependences like any hand transformation (an illegal candidate is refused
when its schedule is made, and is never timed):

* **structural** (:class:`BandChange`): for one band of a base plan, its tile sizes (``()``: not
  tiled; a size at least the loop's extent leaves that dimension whole) and its intra-tile loop
  order, which also picks the innermost (SIMD) loop.  Base plans come from the fusion policies
  (``smart``, ``max``, ``none``), the default's fusion decisions reversed one group pair at a time
  (the ``fuse_pairs`` option), isl's scheduler and the untiled schedule; one change is applied to
  the incumbent plan when the incumbent has the same base, so winners of different bands combine;
* **loop-level** (:class:`LoopChange`): on a fully decided plan, one loop's decision: wavefront
  or not, the parallel loop's thread threshold (always parallel / one thread: the number of
  threads a small kernel uses), collapse, outlining, unrolling (completely, or a serial loop by a
  factor of 2, 4 or 8), unroll-and-jam of a point loop by 2, 4 or 8, SIMD or plain, a
  contraction's register tile (other shapes, or none) and its packed panel (or none);
* **kernel-wide** (:class:`OptionChange`), tried first among the loop-level ones: on a machine
  whose vectors are wider than gcc's preference, the ``vector_bits`` option (gcc prefers 256-bit
  vectors on AVX-512 CPUs; 512-bit ones ran 1.1-1.6x faster for some kernels and up to 2.2x
  slower for others, Xeon SPR: see :class:`~polyopt.schedule.options.ScheduleOptions`).

The cost model ranks structural changes; loop-level changes are few and are measured in the
order given here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from ..schedule.loops import LoopKind

SIZES = (8, 16, 32, 64, 128, 256, 512)
COARSE_SIZES = (8, 32, 128, 512)  # bands of depth >= 4: the full grid would be too large to rank
UNROLL_FACTORS = (2, 4, 8)
JAM_FACTORS = (2, 4, 8)
NEVER_PARALLEL = 10 ** 15  # a thread threshold no loop reaches: run on one thread


@dataclass(frozen=True)
class BandChange:
    """Band ``band`` of the base plan ``base`` gets ``tile`` sizes and loop ``order``."""

    base: str  # name of the base plan ("default", "fuse=max", ...)
    band: int
    tile: tuple[int, ...]
    order: tuple[str, ...]

    def describe(self, loops) -> str:
        tiled = "x".join(map(str, self.tile)) if self.tile else "not tiled"
        order = "" if self.order == tuple(loops) else f", order {', '.join(self.order)}"
        prefix = "" if self.base == "default" else f"{self.base}: "
        return f"{prefix}band {self.band} {tiled}{order}"

    def apply(self, plan):  # a packed panel's size follows the tiles: decided again
        return plan.with_band(self.band, tile=self.tile, order=self.order, pack=None)


@dataclass(frozen=True)
class LoopChange:
    """One decision of a decided plan changed: ``field`` of loop ``loop`` in band ``band`` (or the
    band's own ``wavefront`` when ``loop`` is empty)."""

    band: int
    loop: str
    field: str
    value: object

    def describe(self) -> str:
        if self.field == "pack":
            return f"band {self.band} {'packing ' + ', '.join(self.value) if self.value else 'packing nothing'}"
        if self.field == "registers":
            if not self.value:
                return f"band {self.band} without a register tile"
            row, mr, col, nr = self.value
            return f"band {self.band} register tile {mr}x{nr} over ({row}, {col})"
        if not self.loop:
            return f"band {self.band} {'with' if self.value else 'without'} wavefront"
        if self.field == "jam":
            return f"band {self.band} loop {self.loop}: unrolled by {self.value} and jammed"
        what = {"min_work": lambda v: "always parallel" if v == 0 else
                ("on one thread" if v >= NEVER_PARALLEL else f"one thread below {v} instances"),
                "outline": lambda v: "body outlined" if v else "body not outlined",
                "collapse": lambda v: f"collapse {v}",
                "unroll": lambda v: "unrolled" if v else "not unrolled",
                "unroll_by": lambda v: f"unrolled by {v}" if v else "not unrolled by a factor",
                "kind": lambda v: str(v)}[self.field](self.value)
        return f"band {self.band} loop {self.loop}: {what}"

    def apply(self, plan):
        band = plan.band(self.band)
        if self.field == "registers":  # the panels packed are decided again for the new tile
            return plan.with_band(self.band, registers=self.value, pack=None)
        if self.field == "pack":
            return plan.with_band(self.band, pack=self.value)
        if not self.loop:
            return plan.with_band(self.band, wavefront=self.value)
        if self.field == "jam":  # in place of a register tile: the two exclude each other
            return plan.with_band(self.band, jam=((self.loop, self.value),), registers=())
        kinds = tuple(replace(lp, **{self.field: self.value}) if lp.name == self.loop else lp
                      for lp in band.kinds)
        bands = list(plan.bands)
        bands[self.band] = replace(band, kinds=kinds)
        return replace(plan, bands=tuple(bands))


@dataclass(frozen=True)
class OptionChange:
    """A kernel-wide option of a decided plan changed: the same schedule, printed otherwise."""

    name: str
    value: object

    def describe(self) -> str:
        return f"{self.name}={self.value!r}"

    def apply(self, plan):
        return replace(plan, options={**plan.options, self.name: self.value})


def band_changes(base: str, plan, spans: dict[int, list[float]]) -> list[BandChange]:
    """Every tile size and loop order of every band of ``plan`` worth ranking.  ``spans[b]`` gives
    the extent of each loop of band ``b`` (sizes beyond it are the same as leaving it whole)."""
    out = []
    for index, band in enumerate(plan.bands):
        depth = len(band.loops)
        if depth == 0:
            continue
        span = spans.get(index, [max(SIZES)] * depth)
        choices = []
        for d in range(depth):
            grid = SIZES if depth <= 3 else COARSE_SIZES
            sizes = [s for s in grid if s < span[d]]
            choices.append(sizes + [_whole(span[d])])
        tiles = [()] if not band.permutable else [()] + list(itertools.product(*choices))
        orders = [band.order or band.loops]
        if band.permutable and depth <= 4:
            orders = list(itertools.permutations(band.loops))
        for tile in tiles:
            for order in orders:
                out.append(BandChange(base, index, tuple(tile), tuple(order)))
    return out


def _whole(span: float) -> int:
    """A tile size that leaves a loop of this extent whole (a power of two, to keep isl's
    generated bounds simple)."""
    size = 1
    while size < span:
        size *= 2
    return size


def loop_changes(plan, vector_bits: int | None = None) -> list:
    """Loop-level changes of a fully decided plan, most promising first; ``vector_bits``: the
    machine's widest vectors, when gcc would not use them by itself."""
    out, jams = [], []
    if vector_bits and not plan.options.get("vector_bits"):
        out.append(OptionChange("vector_bits", vector_bits))
    for index, band in enumerate(plan.bands):
        if band.wavefront is not None and band.permutable and len(band.loops) >= 2:
            out.append(LoopChange(index, "", "wavefront", not band.wavefront))
        if band.registers:
            # the register tile's shape: rows x bytes of the column loop, as the default's element
            # size gives it (gemm at N = 2000, 2 threads, Xeon SPR: see polyopt/schedule/policy.py)
            row, mr, col, nr = band.registers
            out += [LoopChange(index, "", "registers", (row, r, col, c)) for r, c in _register_shapes(mr, nr)]
            out.append(LoopChange(index, "", "registers", ()))
            if band.pack:
                out.append(LoopChange(index, "", "pack", ()))
        if band.permutable and len(band.loops) >= 2 and not band.jam:
            # unroll-and-jam: each loop outside the innermost, into the loops after it; tried after
            # every other loop change (without accumulators held in registers gcc rarely gains:
            # gesummv, N = 4000, 2 threads, i jammed by 4 / 8: 1.07x / 1.9x slower, Xeon SPR)
            jams += [LoopChange(index, name, "jam", f) for name in (band.order or band.loops)[:-1]
                     for f in JAM_FACTORS]
        for lp in band.kinds or ():
            if lp.kind == LoopKind.PARALLEL:
                if lp.min_work != 0:
                    out.append(LoopChange(index, lp.name, "min_work", 0))
                out.append(LoopChange(index, lp.name, "min_work", NEVER_PARALLEL))
                out.append(LoopChange(index, lp.name, "outline", not lp.outline))
                if lp.collapse > 1:
                    out.append(LoopChange(index, lp.name, "collapse", 1))
            elif lp.kind == LoopKind.SIMD:
                out.append(LoopChange(index, lp.name, "kind", LoopKind.SERIAL))
            elif lp.kind == LoopKind.SERIAL and not lp.unroll and "collapsed into" not in lp.reason:
                # gcc -O3 unrolls no loop by itself; a factor is legal on any loop without a pragma
                out += [LoopChange(index, lp.name, "unroll_by", k) for k in UNROLL_FACTORS if k != lp.unroll_by]
            if lp.unroll:
                out.append(LoopChange(index, lp.name, "unroll", False))
    return out + jams


def _register_shapes(mr: int, nr: int) -> list[tuple[int, int]]:
    """Other register tiles than ``mr`` x ``nr``: twice or half the rows or the columns, and
    6 rows."""
    shapes = [(2 * mr, nr), (mr, 2 * nr), (mr // 2, nr), (mr, nr // 2), (6, nr)]
    return [(r, c) for r, c in dict.fromkeys(shapes) if 1 <= r <= 16 and c >= 1 and (r, c) != (mr, nr)]


def differences(default, best) -> tuple[str, ...]:
    """What ``best`` decides differently from ``default`` (both decided plans), one line each."""
    if default.to_json() == best.to_json():
        return ()
    lines = []
    opts = {k: v for k, v in best.options.items() if default.options.get(k) != v}
    if opts:
        lines.append("options " + ", ".join(f"{k}={v!r}" for k, v in sorted(opts.items())))
    if default.fusion != best.fusion:
        lines.append("fusion " + " ".join(f"({', '.join(g)})" for g in best.fusion))
    old = {(b.statements, b.loops): b for b in default.bands}
    for k, b in enumerate(best.bands):
        a = old.get((b.statements, b.loops))
        if a is None:
            continue
        if a.tile != b.tile:
            lines.append(f"band {k} ({', '.join(b.statements)}): "
                         + ("tiled " + "x".join(map(str, b.tile)) if b.tile else "not tiled")
                         + f" (default {'x'.join(map(str, a.tile)) if a.tile else 'not tiled'})")
        if a.order != b.order:
            lines.append(f"band {k}: order {', '.join(b.order or b.loops)} "
                         f"(default {', '.join(a.order or a.loops)})")
        if a.wavefront != b.wavefront:
            lines.append(f"band {k}: {'with' if b.wavefront else 'without'} wavefront")
        if (a.jam or ()) != (b.jam or ()):
            lines += [f"band {k}: {name} unrolled by {f} and jammed" for name, f in b.jam or ()] or \
                [f"band {k}: nothing jammed"]
        if (a.registers or ()) != (b.registers or ()):
            row, mr, col, nr = b.registers or (None, 0, None, 0)
            lines.append(f"band {k}: register tile {mr}x{nr} over ({row}, {col})" if b.registers
                         else f"band {k}: no register tile")
        if (a.pack or ()) != (b.pack or ()):
            lines.append(f"band {k}: {', '.join(b.pack)} packed" if b.pack else f"band {k}: nothing packed")
        before = {lp.name: lp for lp in a.kinds or ()}
        for lp in b.kinds or ():
            was = before.get(lp.name)
            if was is not None and was != replace(lp, reason=was.reason):
                lines.append(f"band {k} loop {lp.name}: {_loop_text(lp)} (default {_loop_text(was)})")
    return tuple(lines) or ("the same decisions, made differently",)


def _loop_text(lp) -> str:
    extra = [f"collapse {lp.collapse}"] if lp.collapse > 1 else []
    if lp.kind == LoopKind.PARALLEL and lp.min_work:
        extra.append("on one thread" if lp.min_work >= NEVER_PARALLEL else f"one thread below {lp.min_work}")
    extra += ["unrolled"] if lp.unroll else []
    extra += [f"unrolled by {lp.unroll_by}"] if lp.unroll_by else []
    extra += ["outlined"] if lp.outline else []
    return str(lp.kind) + (f" ({', '.join(extra)})" if extra else "")
