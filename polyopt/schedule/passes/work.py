"""What the passes share: the run's environment, the context of a band, and the band being worked on.

The passes (:mod:`polyopt.schedule.passes`) visit the bands of the scheduler's tree top-down; at each
band they run in a fixed order, each reading the :class:`BandWork` left by the previous one and
returning a new one with its own decision added.  Decisions flow top-down because each depends on
the loops around the band: a wavefront above makes a loop parallel, and a loop inside a parallel
one is not parallel again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..access import access_matrices
from ..carried import Carried
from ..loops import LoopInfo
from ..options import ScheduleOptions
from ..plan import BandPlan
from ..policy import DEFAULT_POLICY, TilePolicy
from ..tree import Band, Member, Node


@dataclass(frozen=True)
class Context:
    """Where a band sits: what the loops and sequences around it leave and decide."""

    active: tuple  # (dependence edge, instance pairs) not yet ordered by the enclosing loops
    parallel_above: str | None  # the name of an enclosing parallel loop
    rows: dict  # per statement, the coefficient rows of the enclosing affine loops
    in_simd: bool = False  # inside a SIMD loop: the loops here are a filter's taps, unrolled


@dataclass(frozen=True)
class BandWork:
    """One band of the scheduler's tree on its way through the passes."""

    band: Band  # the band as the scheduler made it (members in its order)
    index: int  # the band's number in the plan (visit order)
    given: BandPlan | None  # the decisions given for this band, if any
    innermost: bool  # no band below it
    taps_below: bool  # only loops of a few iterations below it (a filter's taps)
    fixed_taps: bool  # ... with the same constant bounds everywhere (unrolled by gcc)
    tiled: bool  # the band will be tiled
    members: tuple[Member, ...]  # the point loops, outermost first (the order pass may permute them)
    child: Node  # what is below the band (the sink pass may rewrite it)
    order: tuple[str, ...] = ()  # the point loops' names in the order the order pass chose
    note: str = ""  # why the band is not tiled
    sizes: tuple[int, ...] | None = None  # tile sizes, in the scheduler's member order
    tiles: tuple[Member, ...] = ()  # the tile loops, outermost first
    wavefront: bool = False
    sunk: bool = False  # the innermost point loop was moved below the taps
    split: tuple[str, ...] = ()  # the statement order of the innermost loop's copies, when distributed
    streams: int = 0  # the sums a row has, in a matrix-vector product left untiled (.tile.streams_only)
    jammed: tuple = ()  # (loop name, factor) of the loop unrolled and jammed, if any
    registers: tuple = ()  # (row, mr, column, nr) of the register tile, if any (see .registers)
    block: tuple = ()  # the LoopInfo.block of the register tile's outermost reduction loop, and its name
    packed: tuple = ()  # the arrays whose panels the register tile packs (see .packing)
    tile_infos: tuple[LoopInfo, ...] = ()
    point_infos: tuple[LoopInfo, ...] = ()  # for the members kept in the band (not a distributed one)
    split_infos: tuple[LoopInfo, ...] = ()  # one per copy of a distributed innermost loop
    after: Context | None = None  # the context of what is below the band's loops

    @property
    def statements(self) -> tuple[str, ...]:
        return self.band.members[0].statements

    @property
    def label(self) -> str:
        return f"band {self.index} ({', '.join(self.statements)})"

    def given_value(self, name: str):
        """The decision ``name`` given by a plan for this band, or None (decide)."""
        return getattr(self.given, name) if self.given is not None else None


@dataclass
class Env:
    """The run's shared, read-mostly state: dependences, options, policy and the explanation."""

    carried: Carried
    options: ScheduleOptions
    policy: TilePolicy = DEFAULT_POLICY
    given: tuple[BandPlan, ...] | None = None  # the plan's bands, when a plan is applied
    decisions: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        self.scop = self.carried.scop
        self.deps = self.carried.deps
        self.isl = self.carried.isl
        self.access = {s.name: access_matrices(s) for s in self.scop.statements}

    def note(self, line: str) -> None:
        self.decisions.append(line)
