"""Scheduling options: one frozen, validated object per configuration.

Accepted by ``@po.kernel(...)``, ``kernel.schedule(...)``, ``kernel.compile(...)`` and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..errors import OptionError

SCHEDULERS = ("pluto", "isl", "none")
FUSION_POLICIES = ("smart", "max", "none")
DEFAULT_TILE = 32


@dataclass(frozen=True)
class ScheduleOptions:
    """What the scheduler may do.

    - ``scheduler``: ``"pluto"`` (ours), ``"isl"`` (isl's own, then the same post-processing), or
      ``"none"`` (the original loop order, the baseline every benchmark compares against).
    - ``tile``: ``True`` (32 per dimension), ``False``, an int, or a tuple of ints per band dimension.
    - ``fuse``: ``"smart"``, ``"max"`` or ``"none"``.
    - ``parallel`` / ``vectorize``: allow OpenMP ``parallel for`` / ``simd`` marks.
    """

    scheduler: str = "pluto"
    tile: bool | int | tuple[int, ...] = True
    fuse: str = "smart"
    parallel: bool = True
    vectorize: bool = True

    def __post_init__(self):
        if self.scheduler not in SCHEDULERS:
            raise OptionError(f"unknown scheduler {self.scheduler!r}", hint=f"use one of {', '.join(SCHEDULERS)}")
        if self.fuse not in FUSION_POLICIES:
            raise OptionError(f"unknown fusion policy {self.fuse!r}",
                              hint=f"use one of {', '.join(FUSION_POLICIES)}")
        tile = self.tile
        if isinstance(tile, list):
            object.__setattr__(self, "tile", tuple(tile))
            tile = self.tile
        ok = (isinstance(tile, bool)
              or (isinstance(tile, int) and tile >= 1)
              or (isinstance(tile, tuple) and tile and all(isinstance(t, int) and not isinstance(t, bool)
                                                           and t >= 1 for t in tile)))
        if not ok:
            raise OptionError(f"invalid tile option {self.tile!r}",
                              hint="use True, False, a positive int, or a tuple of positive ints")
        for name in ("parallel", "vectorize"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"option {name} must be True or False, not {getattr(self, name)!r}")

    def tile_sizes(self, depth: int) -> tuple[int, ...] | None:
        """Tile sizes for a band of ``depth`` members, or None when tiling is off."""
        if self.tile is False:
            return None
        if self.tile is True:
            return (DEFAULT_TILE,) * depth
        if isinstance(self.tile, int):
            return (self.tile,) * depth
        sizes = self.tile[:depth]
        return sizes + (sizes[-1],) * (depth - len(sizes))

    def key(self) -> str:
        """A stable string for cache keys."""
        return ";".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))

    @classmethod
    def make(cls, base: ScheduleOptions | None = None, **overrides) -> ScheduleOptions:
        """``base`` with ``overrides`` applied; unknown option names raise :class:`OptionError`."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise OptionError(f"unknown option {unknown[0]!r}", hint=f"options are {', '.join(sorted(names))}")
        return replace(base or cls(), **overrides)
