"""When the optimized region may run: the runtime overlap check of its pointers, as Polly does.

Part of the C front end, between the polyhedral model and code generation.  The model treats every
array of a region as a separate object.  That holds by convention for arrays (pet, Pluto and PPCG
assume it for a ``#pragma scop`` region) and by the program's own promise for ``restrict``
pointers; for other pointers (``double *x`` in ``void axpy(int n, double a, double *x, double *y)``)
nothing says so, and the optimized code would be wrong if ``y`` overlapped ``x``.  Such a region is
guarded by a check computed here and printed by :func:`polyopt.codegen.region.generate_region`:

* for every pair of arrays that may overlap (at least one a non-``restrict`` pointer, neither
  ``restrict``) and of which at least one is written, the address ranges the region touches are
  disjoint (rows ``min .. max`` of the first subscript over all accesses, functions of the sizes);
* every delinearised subscript (:mod:`.delinearize`) stays within its row (``0 <= j < m`` for
  ``a[i * m + j]``), when that is not true for all sizes anyway;
* the sizes are in the *assumed context* (:func:`assumed_context`): those for which some statement
  runs at all.  Below them the original does nothing either, and above them isl's AST build gets
  simpler: jacobi-1d's (a 128 x 128 wavefront) went from 1.73 s to 1.06 s and jacobi-2d's from
  0.24 s to 0.13 s (PolyBench MINI, measured on this 2-core machine).

When the check fails the original code runs, unchanged.
"""

from __future__ import annotations

import itertools

import islpy as isl

from ..codegen.region import Footprint, RuntimeCheck
from ..errors import PolyoptError, SourceLocation
from .convert import CRegion


def assumed_context(scop) -> isl.Set:
    """The sizes for which some statement instance runs (a simple hull: one conjunction, e.g.
    ``n >= 3 and tsteps >= 1``), within the model's context."""
    union = isl.Set.empty(scop.context.get_space())
    for s in scop.statements:
        union = union.union(s.domain.params())
    hull = union.simple_hull()
    return isl.Set.from_basic_set(hull).intersect(scop.context).coalesce()


def runtime_check(region: CRegion, scop, assumed: isl.Set | None = None) -> RuntimeCheck | None:
    """The check guarding ``region`` (modelled as ``scop``, its code generated for the sizes in
    ``assumed``), or None when none is needed."""
    vars_ = region.vars
    accessed: dict[str, isl.Set] = {}
    written: set[str] = set()
    for s in scop.statements:
        for acc in (*s.reads, *s.writes):
            if vars_[acc.array].is_array:
                image = acc.relation.range()
                accessed[acc.array] = image if acc.array not in accessed else accessed[acc.array].union(image)
                if acc.is_write:
                    written.add(acc.array)
    pairs = []
    for a, b in itertools.combinations(list(accessed), 2):
        va, vb = vars_[a], vars_[b]
        if (va.pointer or vb.pointer) and not (va.restrict or vb.restrict) and (a in written or b in written):
            pairs.append((a, b))
    conditions = [c for c in (_layout_condition(region, scop, name, accessed[name])
                              for name in region.layouts if name in accessed) if c is not None]
    if assumed is not None and not scop.context.is_subset(assumed):
        conditions = [assumed] + [c.gist(assumed) for c in conditions]
    if not pairs and not conditions:
        return None
    footprints = {name: _footprint(region, name, accessed[name]) for pair in pairs for name in pair}
    disjoint = tuple((footprints[a], footprints[b]) for a, b in pairs)
    return RuntimeCheck(disjoint, tuple(conditions), scop.context)


def _footprint(region: CRegion, name: str, image: isl.Set) -> Footprint:
    image = image.coalesce()
    layout = region.layouts.get(name)
    row = " * ".join(f"({e})" for e in layout.extents) if layout else ""
    return Footprint(name, image.dim_min(0), image.dim_max(0), row)


def _layout_condition(region: CRegion, scop, name: str, image: isl.Set) -> isl.Set | None:
    """The sizes for which every delinearised subscript of ``name`` stays in its row (None when
    that holds for all sizes)."""
    extents = region.layouts[name].extents
    params = ", ".join(scop.params)
    dims = [f"i{k}" for k in range(len(extents) + 1)]
    outside = " or ".join(f"{d} < 0 or {d} >= {e}" for d, e in zip(dims[1:], extents))
    leaving = isl.Set(f"[{params}] -> {{ {name}[{', '.join(dims)}] : {outside} }}")
    bad = image.intersect(leaving).params().intersect(scop.context)
    if bad.is_empty():
        return None
    good = scop.context.subtract(bad).coalesce()
    if good.is_empty():
        r = region.region
        raise PolyoptError(f"the linearised subscripts of '{name}' leave their rows of "
                           f"{' x '.join(extents)} elements for every size, so they cannot be delinearised",
                           location=SourceLocation(scop.kernel.file if scop.kernel else "", r.first_line, 0),
                           hint=f"index '{name}' as a[i * m + j] with 0 <= j < m")
    return good
