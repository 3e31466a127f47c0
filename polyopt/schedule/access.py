"""Access patterns of statements along schedule directions (used by the scheduler's cost rules).

A statement's affine accesses are kept as their linear parts (one row of iterator coefficients
per subscript); a band loop moves the statement along a direction of its iteration space, found
from the statement's schedule rows.  Along that direction an access is *invariant* (the same
element), *stride-1* (the last subscript moves by one) or *strided*; a strided access that no
loop of the band leaves in place touches each element once and *streams* through memory.
"""

from __future__ import annotations

from fractions import Fraction

import islpy as isl

from .farkas import rank_and_nullspace


def multi_aff(relation: isl.Map) -> isl.MultiAff | None:
    """The access function of ``relation`` when it is one affine piece."""
    pieces = []
    isl.PwMultiAff.from_map(relation).foreach_piece(lambda _, ma: pieces.append(ma))
    return pieces[0] if len(pieces) == 1 else None


def access_matrices(stmt) -> list[list[tuple[int, ...]]]:
    """The linear part of each affine access of ``stmt``: one row per subscript."""
    return [m for m in (linear_part(acc.relation, stmt.depth) for acc in stmt.accesses) if m is not None]


def linear_part(relation: isl.Map, depth: int) -> list[tuple[int, ...]] | None:
    """The iterator coefficients of each subscript of an access relation over ``depth`` iterators,
    or None when it is not one affine piece without divisions."""
    ma = multi_aff(relation)
    if ma is None:
        return None
    affs = [ma.get_at(k) for k in range(ma.dim(isl.dim_type.out))]
    if any(a.dim(isl.dim_type.div) for a in affs):
        return None
    return [tuple(a.get_coefficient_val(isl.dim_type.in_, j).to_python() for j in range(depth)) for a in affs]


def along(access: list[tuple[int, ...]], v) -> list:
    """The change of each subscript of ``access`` along the iteration-space direction ``v``."""
    return [sum(a * b for a, b in zip(row, v)) for row in access]


def direction(rows, target, n: int) -> list[Fraction] | None:
    """The unique v with ``rows . v = 0`` and ``target . v = 1``, or None (not unique / none)."""
    _, basis = rank_and_nullspace([tuple(r) for r in rows], n)
    if len(basis) != 1:
        return None  # a free variable: the loop does not determine the direction
    scale = sum(t * b for t, b in zip(target, basis[0]))
    if scale == 0:
        return None  # this loop does not move the statement
    return [Fraction(b, scale) for b in basis[0]]


def directions(rows, band_rows, depth: int) -> list:
    """For each of ``band_rows`` (rows of one statement in a band, below its outer ``rows``), the
    direction its loop moves the statement in, or None when the band does not determine it."""
    n = len(band_rows)
    return [direction(list(rows) + [band_rows[q] for q in range(n) if q != p], band_rows[p], depth)
            for p in range(n)]


def in_step(step: list) -> bool:
    """Whether an access whose subscripts change by ``step`` (see :func:`along`) stays in place or
    moves by one element of its last subscript: a SIMD loop's load or store."""
    return not any(step[:-1]) and (not step or abs(step[-1]) <= 1)


def streams(access, dirs, p: int) -> bool:
    """Whether ``access`` is strided along ``dirs[p]`` and no loop of the band leaves its element
    in place (each element is used once in the band: every step fetches a new cache line)."""
    if in_step(along(access, dirs[p])):
        return False
    return all(v is not None and any(along(access, v)) for v in dirs)
