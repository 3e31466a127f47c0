"""Scheduling options: one frozen, validated object per configuration.

Accepted by ``@po.kernel(...)``, ``kernel.schedule(...)``, ``kernel.compile(...)`` and the CLI, whose
``--tile`` text goes through the same parser (:func:`parse_tile`) as the Python values.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..errors import OptionError

SCHEDULERS = ("pluto", "isl", "none")
FUSION_POLICIES = ("smart", "max", "none")
TILE_HELP = ("True (the tile policy's sizes: 32, 128 along an innermost SIMD loop, wavefront bands "
             "their own; see polyopt.schedule.policy), False, a size for every dimension, or sizes "
             "per dimension (the last repeated)")


def parse_tile(value) -> bool | int | tuple[int, ...]:
    """The ``tile`` option from a Python value or the CLI's text (``on``, ``off``, ``N``, ``N,M,K``).

    ``True``: the tile policy's sizes; ``False``: no tiling; an int: that size for every tiled
    dimension; a tuple: sizes per dimension of a band, the last one repeated for deeper bands.
    """
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("on", "true", "yes"):
            return True
        if text in ("off", "false", "no"):
            return False
        try:
            sizes = tuple(int(p) for p in text.split(","))
        except ValueError:
            raise OptionError(f"invalid tile value {value!r}", hint="use on, off, N or N,M,K") from None
        value = sizes[0] if len(sizes) == 1 else sizes
    if isinstance(value, list):
        value = tuple(value)
    ok = (isinstance(value, bool)
          or (isinstance(value, int) and value >= 1)
          or (isinstance(value, tuple) and value and all(isinstance(t, int) and not isinstance(t, bool)
                                                         and t >= 1 for t in value)))
    if not ok:
        sizes = value if isinstance(value, tuple) else (value,)
        nonpositive = all(isinstance(t, int) and not isinstance(t, bool) for t in sizes) and sizes
        why = ": tile sizes must be positive" if nonpositive else ""
        raise OptionError(f"invalid tile option {value!r}{why}",
                          hint="use True, False, a positive int, or a tuple of positive ints")
    return value


VECTOR_BITS = (None, 128, 256, 512)  # the SIMD widths gcc's prefer-vector-width takes


@dataclass(frozen=True)
class ScheduleOptions:
    """What the scheduler may do.

    - ``scheduler``: ``"pluto"`` (ours), ``"isl"`` (isl's own, then the same post-processing), or
      ``"none"`` (the original loop order, the baseline every benchmark compares against).
    - ``tile``: see :func:`parse_tile`.
    - ``fuse``: ``"smart"``, ``"max"`` or ``"none"``.
    - ``parallel`` / ``vectorize``: allow OpenMP ``parallel for`` / ``simd`` marks.
    - ``fuse_pairs``: the fusion policy overridden for chosen pairs of statement groups, as
      ``(statement, other statement, "fuse" | "apart")`` entries: when our scheduler considers
      giving the group holding the first statement the next loop of the group holding the second,
      ``"fuse"`` does so whenever a common loop exists and ``"apart"`` never does (the autotuner
      searches these; isl's scheduler ignores them).
    - ``reassociate``: may a loop that carries only a reduction (``s += x[i]``) run in parallel,
      each thread summing a part and the parts combined (OpenMP ``reduction``)?  That changes the
      order of the floating-point operations, so the rounding.  ``None`` (default): only where no
      other loop of the nest can be parallel (that applies to SIMD lanes too, except for max and
      min, which are exact in any order); ``True``: wherever it is legal; ``False``: never.
    - ``private_arrays``: may a parallel loop give an argument array that each of its iterations
      fills before use (doitgen's ``sum_``) a copy per thread, the last iteration's copied back
      (see :mod:`polyopt.schedule.private_arrays`)?  ``None`` (default) or ``True``: wherever that
      is legal; ``False``: never (C regions: their code generator does not print the copies).
    - ``register_tiles``: may a contraction get a register tile (see
      :mod:`polyopt.schedule.passes.registers`)?  ``None`` (default) or ``True``: wherever one
      applies; ``"blocks"``: the same, but without row panels (C regions: their statements keep the
      user's own text, in which code generation replaces the updated element by its block and an
      operand's element by its packed panel, but cannot compute a factor apart); ``False``: never.
    - ``vector_bits``: the SIMD width gcc should prefer for this kernel (``128``, ``256`` or ``512``,
      printed as ``#pragma GCC target("prefer-vector-width=...")``); ``None`` (default): gcc's own
      choice, which is 256 bits on the AVX-512 CPUs it knows.  Wider vectors were 1.1-1.6x faster
      for gemm, trmm, lu, durbin and floyd-warshall and 1.2-2.2x slower for syr2k, attention, dot
      and layer norm at LARGE (Xeon Sapphire Rapids, 2 threads, benchmarks/bench_cflags.py), so
      no rule sets it: the autotuner tries it on machines with AVX-512.  C regions ignore it (the
      pragma would apply to the user's whole file).
    - ``vector_math``: may a SIMD loop call the vector variants of ``exp``, ``log``, ``sin``,
      ``cos``, ``tanh`` and ``pow`` (glibc's libmvec, declared with OpenMP's ``declare simd``)?
      They are within 4 ulp of the scalar functions, not bit for bit (3 ulp from glibc's ``expf``
      and ``logf`` over their range, measured), and ran softmax's ``expf`` loop 2.1x faster (AMD
      EPYC Zen 3, AVX2).  ``None`` (default): where the C library has them, unless
      ``reassociate=False`` asks for the original rounding; ``True``: where it has them; ``False``:
      never.  ``polyopt cc`` ignores it: declaring library functions in the user's file is theirs to do.
    """

    scheduler: str = "pluto"
    tile: bool | int | tuple[int, ...] = True
    fuse: str = "smart"
    parallel: bool = True
    vectorize: bool = True
    reassociate: bool | None = None
    fuse_pairs: tuple[tuple[str, str, str], ...] | None = None
    private_arrays: bool | None = None
    register_tiles: bool | str | None = None
    vector_bits: int | None = None
    vector_math: bool | None = None

    def __post_init__(self):
        if self.scheduler not in SCHEDULERS:
            raise OptionError(f"unknown scheduler {self.scheduler!r}", hint=f"use one of {', '.join(SCHEDULERS)}")
        if self.fuse not in FUSION_POLICIES:
            raise OptionError(f"unknown fusion policy {self.fuse!r}",
                              hint=f"use one of {', '.join(FUSION_POLICIES)}")
        object.__setattr__(self, "tile", parse_tile(self.tile))
        for name in ("parallel", "vectorize"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"option {name} must be True or False, not {getattr(self, name)!r}")
        if self.fuse_pairs is not None:
            object.__setattr__(self, "fuse_pairs", _fuse_pairs(self.fuse_pairs))
        for name in ("reassociate", "private_arrays", "vector_math"):
            if getattr(self, name) not in (None, True, False):
                raise OptionError(f"option {name} must be None, True or False, not {getattr(self, name)!r}")
        if self.register_tiles not in (None, True, False, "blocks"):
            raise OptionError(f"option register_tiles must be None, True, False or 'blocks', not "
                              f"{self.register_tiles!r}")
        if self.vector_bits not in VECTOR_BITS:
            raise OptionError(f"option vector_bits must be None, 128, 256 or 512, not {self.vector_bits!r}")

    def explicit_sizes(self, depth: int) -> tuple[int, ...] | None:
        """The sizes given by ``tile`` for a band of ``depth`` members; None for ``True`` (the
        policy decides) and ``False`` (no tiling)."""
        if isinstance(self.tile, bool):
            return None
        if isinstance(self.tile, int):
            return (self.tile,) * depth
        sizes = self.tile[:depth]
        return sizes + (sizes[-1],) * (depth - len(sizes))

    def key(self) -> str:
        """A stable string for cache keys (an option left at None is not written, so keys made before
        it existed stay valid)."""
        return ";".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                        if getattr(self, f.name) is not None)

    @classmethod
    def make(cls, base: ScheduleOptions | None = None, **overrides) -> ScheduleOptions:
        """``base`` with ``overrides`` applied; unknown option names raise :class:`OptionError`."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise OptionError(f"unknown option {unknown[0]!r}", hint=f"options are {', '.join(sorted(names))}")
        return replace(base or cls(), **overrides)


def _fuse_pairs(value) -> tuple[tuple[str, str, str], ...]:
    """``fuse_pairs`` as a tuple of ``(statement, statement, "fuse" | "apart")`` tuples."""
    try:
        pairs = tuple(tuple(entry) for entry in value)
    except TypeError:
        pairs = (value,)
    for entry in pairs:
        if not (isinstance(entry, tuple) and len(entry) == 3 and all(isinstance(x, str) for x in entry)
                and entry[2] in ("fuse", "apart")):
            raise OptionError(f"invalid fuse_pairs entry {entry!r}",
                              hint='use (statement, other statement, "fuse" or "apart"), '
                                   'e.g. ("S2", "S0", "fuse")')
    return pairs


def fuse_pairs_text(pairs) -> str:
    """``fuse_pairs`` as printed: ``S1+S0,S3/S2`` (``+``: fused, ``/``: kept apart)."""
    return ",".join(f"{a}{'+' if how == 'fuse' else '/'}{b}" for a, b, how in pairs)
