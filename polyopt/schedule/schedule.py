"""The Schedule stage object: an isl schedule tree plus what was decided, and why.

Contract with code generation (codegen only prints what is recorded here):

* ``tree`` is a complete :class:`isl.Schedule` over the Scop's domain.
* Every loop that must carry an OpenMP pragma is a *single-member* band node directly below a
  mark node whose ``isl.Id`` is named :data:`LOOP_MARK` and whose user object is the
  :class:`LoopInfo` of that loop.  Codegen puts ``#pragma omp parallel for`` on the for loops
  generated for a mark whose ``LoopInfo.kind`` is ``PARALLEL`` and ``#pragma omp simd`` for ``SIMD``;
  any other kind prints no pragma.  The pragma applies to the outermost ``for`` nodes generated
  inside the mark (through blocks and ifs, not into loop bodies).
* Loops without a mark are serial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import islpy as isl

from ..analysis.dependences import Dependences
from ..poly.scop import Scop
from .options import ScheduleOptions

LOOP_MARK = "polyopt_loop"

PARALLEL = "parallel"  # no dependence carried: omp parallel for
PIPELINED = "pipelined"  # wavefront loop: serial itself, makes the loop below it parallel
SIMD = "simd"  # innermost, no dependence carried, stride-1 where possible: omp simd
SERIAL = "serial"


@dataclass(frozen=True)
class LoopInfo:
    """What the scheduler decided about one loop (one band member)."""

    name: str  # a readable name for the schedule dimension, e.g. "i", "T(i)" for a tile loop
    kind: str  # PARALLEL, PIPELINED, SIMD or SERIAL
    reason: str = ""  # why; for SERIAL names the dependence that prevents parallelism
    # Arrays (with the element accessed) updated by a recognised reduction along this loop; codegen
    # may use them for an OpenMP reduction clause.  Empty when the loop carries no reduction.
    reductions: tuple[str, ...] = ()


@dataclass(frozen=True)
class BandInfo:
    """One permutable band of the final schedule."""

    statements: tuple[str, ...]
    loops: tuple[LoopInfo, ...]  # point loops of the band, outermost first
    permutable: bool
    tile_sizes: tuple[int, ...] | None = None  # None when not tiled
    tile_loops: tuple[LoopInfo, ...] = ()  # the tile loops, when tiled
    note: str = ""  # e.g. why the band was not tiled


@dataclass(frozen=True, eq=False)
class Schedule:
    """A legal schedule of a Scop, with the decisions that produced it."""

    scop: Scop
    dependences: Dependences
    tree: isl.Schedule
    options: ScheduleOptions
    bands: tuple[BandInfo, ...] = ()
    # Per statement, the affine transformation found (before tiling), as printable rows over the
    # statement's iterators: {"S1": ("i", "j", "k")}.
    transforms: dict = field(default_factory=dict)
    fusion: tuple[tuple[str, ...], ...] = ()  # groups of statements that share their outer loops
    decisions: tuple[str, ...] = ()  # human-readable explanation lines
    trace: tuple[str, ...] = ()  # Python code reproducing hand transformations
    timings: tuple[tuple[str, float], ...] = ()  # (pass name, seconds)

    def schedule_map(self) -> isl.UnionMap:
        """The flat schedule as a UnionMap ``{ S[i..] -> [t..] }``."""
        return self.tree.get_map()

    def __str__(self) -> str:
        from .printing import format_schedule

        return format_schedule(self)
