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


def multi_aff(relation: isl.Map) -> isl.MultiAff | None:
    """The access function of ``relation`` when it is one affine piece."""
    pieces = []
    isl.PwMultiAff.from_map(relation).foreach_piece(lambda _, ma: pieces.append(ma))
    return pieces[0] if len(pieces) == 1 else None


def access_matrices(stmt) -> list[list[tuple[int, ...]]]:
    """The linear part of each affine access of ``stmt``: one row per subscript."""
    out = []
    for acc in stmt.accesses:
        ma = multi_aff(acc.relation)
        if ma is None:
            continue
        affs = [ma.get_at(k) for k in range(ma.dim(isl.dim_type.out))]
        if any(a.dim(isl.dim_type.div) for a in affs):
            continue
        out.append([tuple(a.get_coefficient_val(isl.dim_type.in_, j).to_python() for j in range(stmt.depth))
                    for a in affs])
    return out


def along(access: list[tuple[int, ...]], v) -> list:
    """The change of each subscript of ``access`` along the iteration-space direction ``v``."""
    return [sum(a * b for a, b in zip(row, v)) for row in access]


def direction(rows, target, n: int) -> list[Fraction] | None:
    """The unique v with ``rows . v = 0`` and ``target . v = 1``, or None (not unique / none)."""
    mat = [[Fraction(x) for x in r] + [Fraction(0)] for r in rows]
    mat.append([Fraction(x) for x in target] + [Fraction(1)])
    rank = 0
    for col in range(n):
        piv = next((k for k in range(rank, len(mat)) if mat[k][col] != 0), None)
        if piv is None:
            return None  # a free variable: the loop does not determine the direction
        mat[rank], mat[piv] = mat[piv], mat[rank]
        p = mat[rank][col]
        mat[rank] = [x / p for x in mat[rank]]
        for k in range(len(mat)):
            if k != rank and mat[k][col] != 0:
                f = mat[k][col]
                mat[k] = [a - f * b for a, b in zip(mat[k], mat[rank])]
        rank += 1
    if any(row[n] != 0 for row in mat[rank:]):
        return None  # inconsistent: this loop does not move the statement
    return [mat[k][n] for k in range(n)]


def directions(rows, band_rows, depth: int) -> list:
    """For each of ``band_rows`` (rows of one statement in a band, below its outer ``rows``), the
    direction its loop moves the statement in, or None when the band does not determine it."""
    n = len(band_rows)
    return [direction(list(rows) + [band_rows[q] for q in range(n) if q != p], band_rows[p], depth)
            for p in range(n)]


def streams(access, dirs, p: int) -> bool:
    """Whether ``access`` is strided along ``dirs[p]`` and no loop of the band leaves its element
    in place (each element is used once in the band: every step fetches a new cache line)."""
    step = along(access, dirs[p])
    if not any(step) or (not any(step[:-1]) and abs(step[-1]) == 1):
        return False
    return all(v is not None and any(along(access, v)) for v in dirs)
