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
    # For a PARALLEL tile loop: how many loops, this one and the tile loops directly inside it, carry
    # no dependence and may share the parallel iterations (OpenMP ``collapse``).  Codegen collapses
    # them only when they are perfectly nested with bounds independent of each other.
    collapse: int = 1
    # Unroll this loop completely in the generated code (a few taps with fixed bounds inside a SIMD loop).
    unroll: bool = False


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

    def __repr__(self) -> str:
        """One line: the options, then per band its statements, tiling and non-serial loops
        (``str()`` has the transformations, every loop's reason and the tree)."""
        def band(b: BandInfo) -> str:
            facts = ["tiled " + "x".join(map(str, b.tile_sizes)) if b.tile_sizes else "not tiled"]
            facts += [f"{lp.kind} {lp.name}" for lp in (*b.tile_loops, *b.loops) if lp.kind != SERIAL]
            s = b.statements
            stmts = " ".join(s) if len(s) <= 4 else f"{s[0]} ... {s[-1]}: {len(s)} statements"
            return f"({stmts}) " + ", ".join(facts)

        o = self.options
        bands = "; ".join(band(b) for b in self.bands[:4]) + (" ..." if len(self.bands) > 4 else "")
        return (f"<Schedule of {self.scop.name}: {o.scheduler}, fuse={o.fuse}, tile={o.tile}; "
                f"{len(self.bands)} band(s): {bands}>")

    # Hand transformations (polyopt.schedule.transform): each returns a new, checked Schedule.
    def interchange(self, d1: int, d2: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.interchange(self, d1, d2, stmts=stmts)

    def skew(self, d: int, source: int, factor: int = 1, *, stmts=None) -> Schedule:
        from . import transform
        return transform.skew(self, d, source, factor, stmts=stmts)

    def reverse(self, d: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.reverse(self, d, stmts=stmts)

    def shift(self, d: int, amount, *, stmts=None) -> Schedule:
        from . import transform
        return transform.shift(self, d, amount, stmts=stmts)

    def tile(self, d: int, sizes, *, stmts=None) -> Schedule:
        from . import transform
        return transform.tile(self, d, sizes, stmts=stmts)

    def fuse(self, d: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.fuse(self, d, stmts=stmts)

    def distribute(self, d: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.distribute(self, d, stmts=stmts)

    def parallelize(self, d: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.parallelize(self, d, stmts=stmts)

    def vectorize(self, d: int, *, stmts=None) -> Schedule:
        from . import transform
        return transform.vectorize(self, d, stmts=stmts)

    def _repr_html_(self) -> str:
        from ..viz.html import schedule_html
        return schedule_html(self)
