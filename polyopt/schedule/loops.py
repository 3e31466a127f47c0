"""What the schedule stage says about each loop: its kind, and the mark that carries it to codegen.

A leaf module (it imports nothing of polyopt): the scheduler's passes write these records, the
printed schedule shows them, and code generation reads them from the isl schedule tree.

Contract with code generation (codegen only prints what is recorded here):

* every loop that must carry an OpenMP pragma is a *single-member* band node directly below a
  mark node whose ``isl.Id`` is named :data:`LOOP_MARK` and whose user object is the
  :class:`LoopInfo` of that loop;
* codegen puts ``#pragma omp parallel for`` on the ``for`` loops generated for a mark whose kind is
  :attr:`LoopKind.PARALLEL` and ``#pragma omp simd`` for :attr:`LoopKind.SIMD`; any other kind
  prints no pragma.  The pragma applies to the outermost ``for`` nodes generated inside the mark
  (through blocks and ifs, not into loop bodies), with ``collapse(n)`` and, for a parallel loop
  with a ``min_work``, an ``if`` clause that keeps it on one thread when its estimated work is
  smaller;
* loops without a mark are serial;
* code generation reports what it printed for every marked loop (:class:`EmittedLoop`), so that
  the explanation can say so wherever the code differs from the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LOOP_MARK = "polyopt_loop"


class LoopKind(str, Enum):
    """How a loop runs.  A ``str`` enum: it compares equal to its value and prints in JSON as it."""

    PARALLEL = "parallel"  # no dependence carried: omp parallel for
    PIPELINED = "pipelined"  # wavefront loop: serial itself, makes the loop below it parallel
    SIMD = "simd"  # innermost, no dependence carried, stride-1 where possible: omp simd
    SERIAL = "serial"

    def __str__(self) -> str:
        return self.value


PARALLEL, PIPELINED, SIMD, SERIAL = LoopKind.PARALLEL, LoopKind.PIPELINED, LoopKind.SIMD, LoopKind.SERIAL


@dataclass(frozen=True)
class LoopInfo:
    """What the scheduler decided about one loop (one band member)."""

    name: str  # the loop's stable name: "i", "i_tile", "wave" (see polyopt.schedule.names)
    kind: LoopKind
    reason: str = ""  # why; for SERIAL names the dependence that prevents parallelism
    # Arrays (with the element accessed) updated by a recognised reduction along this loop.  Empty
    # when the loop carries no reduction.
    reductions: tuple[str, ...] = ()
    # For a PARALLEL tile loop: how many loops, this one and the tile loops directly inside it, carry
    # no dependence and may share the parallel iterations (OpenMP ``collapse``).  Codegen collapses
    # them only when they are perfectly nested with bounds independent of each other.
    collapse: int = 1
    # Unroll this loop completely in the generated code (a few taps with fixed bounds inside a SIMD loop).
    unroll: bool = False
    # For a PARALLEL loop: give its body a function of its own with restrict parameters (see
    # polyopt.codegen.outline for why and when that pays).
    outline: bool = False
    row: str = ""  # the loop's schedule row as text, for the printed tree ("2*t + i")
    # Temporaries with a copy per iteration of this loop: the anti and output dependences on them
    # it carries do not keep it serial (code generation declares them inside it; see
    # polyopt.codegen.temporaries).
    private: tuple[str, ...] = ()
    # For a PARALLEL loop that carries a reduction: (array, OpenMP operator, statement) per
    # reduction statement; each thread combines a part, the parts are combined after the loop.
    reduce: tuple[tuple[str, str, str], ...] = ()
    # For a PARALLEL loop: run it on one thread when one execution of it has fewer statement
    # instances than this (estimated by code generation, printed as an OpenMP ``if`` clause); 0 for
    # always in parallel.  See TilePolicy.min_parallel_work for the measurement.
    min_work: int = 0
    band: int = -1  # the number of the band it belongs to (as printed: ``band 0``), -1 if none
    # For a loop without an OpenMP pragma: unroll it by this factor (``#pragma GCC unroll``; gcc -O3
    # unrolls no loop by itself); 0 leaves it to the compiler.  Chosen by the autotuner.
    unroll_by: int = 0
    # For the outermost reduction loop of a register tile (see polyopt.schedule.passes.registers):
    # (array, statement, ((row strip, row loop, mr), (column strip, column loop, nr))) -- the
    # statement's element of the array is held in an mr x nr local block across this loop, indexed
    # by each point loop's distance from its strip loop; () for none.
    block: tuple = ()
    # For the reduction tile loop of a packed register tile (see polyopt.schedule.passes.packing):
    # (array, statement, read, (reduction iterator, column iterator), kc, nc, nr, (column tile loop,
    # column strip loop), (the array's subscripts that are the two iterators)) -- the panel of the
    # array the read touches in one tile is copied to a local buffer at the top of each iteration;
    # () for none.
    pack: tuple = ()
    # For the row strip loop of a register tile (see polyopt.schedule.passes.row_panel): (statement,
    # path to the factor in its value, (row iterator, reduction iterator), mr, kc, reduction tile
    # loop, (the subscripts of the factor's array that are the two iterators)) -- the factor of the
    # product that depends on the row and reduction iterators only (``alpha * A[i, k]``) is computed
    # once per row and reduction step into a local panel at the top of each iteration; () for none.
    rows: tuple = ()
    # For a serial loop: it carries an output dependence of a statement on itself (an iteration
    # writes again an element an earlier one wrote), outside any reduction.  Code generation keeps
    # gcc from vectorizing it around a SIMD loop (see polyopt.codegen.emit.keeps_stores).
    rewrites: bool = False
    # For a serial innermost loop of a band: it carries a dependence at a constant distance along it
    # (a recurrence, as adi's p[i][j - 1] -> p[i][j]), so no compiler vectorizes it and full tiles
    # gain nothing there (see polyopt.codegen.ast_build.isolate_full_tiles).
    recurrence: bool = False
    # For a PARALLEL tile loop whose iterations differ in work (a tile loop inside it has bounds
    # that depend on it: a triangular nest): iterations handed out one at a time as threads
    # finish (OpenMP ``schedule(dynamic)``), not in equal blocks: covariance and correlation at
    # LARGE (five 256-row tiles over a triangle) ran 1.6x faster so, syrk and syr2k alike (2
    # threads, AMD EPYC Zen 4 VM, benchmarks/bench_ab.py).
    dynamic: bool = False

    def pragma_kind(self) -> tuple[LoopKind, int, int]:
        """(kind, collapse, min_work) of the pragma this decision asks for: SERIAL for no pragma."""
        if self.kind == PARALLEL:
            return PARALLEL, self.collapse, self.min_work
        return (SIMD, 1, 0) if self.kind == SIMD else (SERIAL, 1, 0)


@dataclass(frozen=True)
class EmittedLoop:
    """What code generation printed for one ``for`` loop made from a marked loop.

    A loop may be printed several times (full and partial tiles, the branches of a guard): one
    record each.  ``kind`` is SERIAL when no pragma was printed (also for a loop collapsed into the
    parallel loop around it, as the decision says); ``note`` says why the printed loop differs from
    its decision ``info``, if it does.
    """

    info: LoopInfo  # the decision, as the loop's mark carried it
    kind: LoopKind  # the pragma printed: PARALLEL (omp parallel for), SIMD (omp simd) or SERIAL (none)
    collapse: int = 1  # the collapse clause printed (1: none)
    min_work: int = 0  # the threshold of the if clause printed (0: none)
    statements: tuple[str, ...] = ()  # the statements inside the printed loop
    note: str = ""

    @property
    def as_decided(self) -> bool:
        """Whether the loop was printed as decided: the pragma the decision asks for, nothing noted."""
        return not self.note and (self.kind, self.collapse, self.min_work) == self.info.pragma_kind()


@dataclass(frozen=True)
class BandInfo:
    """One permutable band of the final schedule."""

    statements: tuple[str, ...]
    loops: tuple[LoopInfo, ...]  # point loops of the band, outermost first
    permutable: bool
    tile_sizes: tuple[int, ...] | None = None  # None when not tiled
    tile_loops: tuple[LoopInfo, ...] = ()  # the tile loops, when tiled
    note: str = ""  # e.g. why the band was not tiled
