"""Runs of unrolled copies, read back as one leaf by the emitted-code check (:mod:`.verify`).

isl's unrolling prints one copy of a statement per iteration of the unrolled loops: stencil3d27's
3x3x3 neighbourhood is 27 consecutive copies of one statement, ``S1(c0, ..., 0, 0, 0)`` to
``S1(c0, ..., 2, 2, 2)``.  Checked one by one they are 27 leaves, 729 pairs of leaves per pair of
statements (stencil3d27's check took 1.3 s of the suite's 5.5 s on an AMD EPYC Zen 4 VM).  A run
whose copies print the same iterators except for integer constants, which form a full box and
determine the copy's position among its siblings affinely (``9a + 3b + c + 1``), is read as one
leaf: copy 0's instances with those iterators free within the box, and the position as one more
time-vector entry, equal to that affine function.  Exact: each copy executes exactly the copy-0
instances with its constants substituted, at its own position; nothing else satisfies the
constraints.  A run of any other shape stays one leaf per copy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import islpy as isl

from . import cexpr as ce
from .printer import Stmt


@dataclass(frozen=True)
class CopyRun:
    """Consecutive copies of one statement among their siblings: ``positions[n]`` prints
    ``first``'s iterators with ``constants[n]`` at the iterator indices ``varying``; a copy's
    position is ``offset + sum(slopes[d] * constant[d])``."""

    first: Stmt
    positions: tuple[int, ...]
    varying: tuple[int, ...]
    constants: tuple[tuple[int, ...], ...]
    slopes: tuple[int, ...]
    offset: int


def runs(items: list) -> dict[int, CopyRun]:
    """``{position of the first copy: run}`` for the runs of at least two copies among ``items``
    that read back as one leaf (the module docstring)."""
    out: dict[int, CopyRun] = {}
    k = 0
    while k < len(items):
        j = k + 1
        if isinstance(items[k], Stmt):
            while j < len(items) and _same_shape(items[k], items[j]):
                j += 1
            run = _as_run(items, k, j) if j - k > 1 else None
            if run is not None:
                out[k] = run
        k = j
    return out


def _same_shape(a: Stmt, b) -> bool:
    return (isinstance(b, Stmt) and b.name == a.name and len(b.iterators) == len(a.iterators)
            and all(x == y or (isinstance(x, ce.IntLit) and isinstance(y, ce.IntLit))
                    for x, y in zip(a.iterators, b.iterators)))


def _as_run(items: list, start: int, stop: int) -> CopyRun | None:
    copies = items[start:stop]
    varying = tuple(d for d in range(len(copies[0].iterators))
                    if any(c.iterators[d] != copies[0].iterators[d] for c in copies))
    constants = [tuple(c.iterators[d].value for d in varying) for c in copies]
    lows = [min(v[n] for v in constants) for n in range(len(varying))]
    highs = [max(v[n] for v in constants) for n in range(len(varying))]
    box = set(itertools.product(*(range(lo, hi + 1) for lo, hi in zip(lows, highs))))
    if not varying or len(set(constants)) != len(constants) or set(constants) != box:
        return None
    # the slope along each varying iterator: the step in position between neighbours in the box
    where = {v: start + n for n, v in enumerate(constants)}
    origin = tuple(lows)
    slopes = []
    for n in range(len(varying)):
        step = tuple(x + (m == n) for m, x in enumerate(origin))
        slopes.append(where[step] - where[origin] if step in where else 0)
    offset = where[origin] - sum(s * x for s, x in zip(slopes, origin))
    if any(where[v] != offset + sum(s * x for s, x in zip(slopes, v)) for v in constants):
        return None
    return CopyRun(copies[0], tuple(range(start, stop)), varying, tuple(constants), tuple(slopes), offset)


def merged(first: isl.Map, run: CopyRun) -> isl.Map:
    """The run's ``{ S[iterators] -> L[loop values, position] }`` from ``first``, the first copy's
    map with its position as the last entry: the varying iterators freed within the box, the
    position tied to them."""
    space = first.get_space()
    n_out = first.dim(isl.dim_type.out)
    free = first.project_out(isl.dim_type.out, n_out - 1, 1)
    for d in sorted(run.varying, reverse=True):
        free = free.project_out(isl.dim_type.in_, d, 1).insert_dims(isl.dim_type.in_, d, 1)
    free = free.insert_dims(isl.dim_type.out, n_out - 1, 1)
    free = free.set_tuple_id(isl.dim_type.in_, space.get_tuple_id(isl.dim_type.in_)) \
        .set_tuple_id(isl.dim_type.out, space.get_tuple_id(isl.dim_type.out))
    ls = isl.LocalSpace.from_space(free.get_space())
    tie = isl.BasicMap.universe(free.get_space())
    position = isl.Constraint.equality_alloc(ls).set_coefficient_val(isl.dim_type.out, n_out - 1, -1) \
        .set_constant_val(run.offset)
    for n, d in enumerate(run.varying):
        position = position.set_coefficient_val(isl.dim_type.in_, d, run.slopes[n])
        values = [v[n] for v in run.constants]
        low = isl.Constraint.inequality_alloc(ls).set_coefficient_val(isl.dim_type.in_, d, 1) \
            .set_constant_val(-min(values))
        high = isl.Constraint.inequality_alloc(ls).set_coefficient_val(isl.dim_type.in_, d, -1) \
            .set_constant_val(max(values))
        tie = tie.add_constraint(low).add_constraint(high)
    return free.intersect(isl.Map.from_basic_map(tie.add_constraint(position)))
