"""The Schedule stage object: an isl schedule tree plus what was decided, and why.

``tree`` is a complete :class:`isl.Schedule` over the Scop's domain whose loops carry their
decisions in mark nodes (the contract with code generation is in :mod:`.loops`); ``plan`` holds
every decision as data (:mod:`.plan`), which ``kernel.compile(plan=...)`` takes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import islpy as isl

from ..analysis.dependences import Dependences
from ..poly.scop import Scop
from .loops import SERIAL, BandInfo
from .options import ScheduleOptions


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
    # The scheduler's own explanation (lines and polyopt.schedule.fusion.Cut), rendered at the head of
    # ``decisions``; printing renders the cuts again in the loops of the code once it is generated.
    notes: tuple = ()
    trace: tuple[str, ...] = ()  # Python code reproducing hand transformations
    timings: tuple[tuple[str, float], ...] = ()  # (pass name, seconds)
    plan: object = None  # the Plan of every decision (polyopt.schedule.plan); None for hand-made ones
    # The math functions whose SIMD variants the generated code declares (ScheduleOptions.vector_math).
    vector_math: tuple[str, ...] = ()
    # What code generation printed for each loop (polyopt.schedule.loops.EmittedLoop), once the code
    # has been generated (kernel.c_source() or compile()); None before.  The printed schedule then
    # says wherever the code is not what was decided.
    emitted: tuple | None = None

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
        from .. import views
        return views.html_of("schedule", self)
