"""Legality of a schedule against the dependences (used by the schedule stage on every result).

A schedule is legal when every statement instance is scheduled and, for every dependence, the sink
instance is scheduled strictly after the source instance (lexicographic order of the flat schedule
vectors).  A violation is reported with the dependence's kind, array and statements and a concrete
pair of iterations, e.g. ``RAW on C from S1[0, 0, 0] to S1[0, 0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import islpy as isl

from ..errors import IllegalScheduleError
from .dependences import Dependences


@dataclass(frozen=True)
class Violation:
    """One violated dependence and a concrete pair of instances it orders wrongly."""

    kind: str
    array: str
    source: str
    sink: str
    source_point: tuple[int, ...]
    sink_point: tuple[int, ...]
    params: tuple[tuple[str, int], ...]

    def describe(self) -> str:
        where = f" (with {', '.join(f'{p} = {v}' for p, v in self.params)})" if self.params else ""
        return (f"{self.kind} on {self.array} from {self.source}[{', '.join(map(str, self.source_point))}] "
                f"to {self.sink}[{', '.join(map(str, self.sink_point))}]{where}")


def check_legal(deps: Dependences, schedule) -> None:
    """Raise :class:`IllegalScheduleError` unless ``schedule`` respects every dependence in ``deps.all``.

    ``schedule`` is a flat schedule ``UnionMap`` ``{ S[i..] -> [t..] }`` (all statements mapped into
    one space), an ``isl.Schedule`` tree, or an object with a ``tree`` attribute holding one.
    """
    smap = _as_union_map(schedule)
    missing = deps.scop.domain().subtract(smap.domain())
    if not missing.is_empty():
        point = missing.sample_point()
        raise IllegalScheduleError(f"illegal schedule: it does not schedule {_point_text(point)}",
                                   hint="a schedule must map every statement instance")
    if _times_ordered(deps.all, smap):
        return
    after = smap.lex_lt_union_map(smap)  # { x -> y : schedule(x) <<_lex schedule(y) }
    if deps.all.is_subset(after):
        return
    for edge in deps.edges:
        bad = edge.relation.to_union_map().subtract(after)
        if bad.is_empty():
            continue
        src, dst, params = example_pair(isl.Map.from_union_map(bad))
        v = Violation(edge.kind, edge.array, edge.source, edge.sink, src, dst, params)
        raise IllegalScheduleError(
            f"illegal schedule: it violates {v.describe()}: the sink is not scheduled after the source",
            violation=v, hint="the dependence needs the sink instance to run after the source instance")
    bad = deps.all.subtract(after)
    raise IllegalScheduleError(f"illegal schedule: it violates a dependence ({bad})")


def _times_ordered(deps: isl.UnionMap, smap: isl.UnionMap) -> bool:
    """Whether every dependence runs its source before its sink, tested on the pairs of times
    alone (no relation over all pairs of statements: that was 0.46 s of deriche's check, AMD EPYC
    Zen 3).  False only means "not shown this way": the caller then decides instance by instance."""
    times = deps.apply_domain(smap).apply_range(smap)
    if times.is_empty():
        return True
    if times.n_map() != 1:
        return False
    pairs = isl.Map.from_union_map(times)
    return pairs.is_subset(isl.Map.lex_lt(pairs.get_space().domain()))


def _as_union_map(schedule) -> isl.UnionMap:
    tree = getattr(schedule, "tree", schedule)
    if isinstance(tree, isl.Schedule):
        return tree.get_map()
    if isinstance(tree, isl.Map):
        return tree.to_union_map()
    if isinstance(tree, isl.UnionMap):
        return tree
    raise TypeError(f"check_legal needs a schedule map or tree, not {type(schedule).__name__}")


def example_pair(rel: isl.Map) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[str, int], ...]]:
    """A concrete (source, sink, parameter values) in ``rel``, small where isl can find a minimum."""
    n_in, n_out = rel.dim(isl.dim_type.in_), rel.dim(isl.dim_type.out)
    names = rel.get_space().get_var_names(isl.dim_type.param)
    flat = rel.wrap().flatten()
    flat = flat.move_dims(isl.dim_type.set, 0, isl.dim_type.param, 0, len(names))
    try:
        point = flat.lexmin().sample_point()
    except isl.Error:  # unbounded below: any point will do
        point = flat.sample_point()
    if point.is_void():
        point = flat.sample_point()
    n = len(names) + n_in + n_out
    vals = [point.get_coordinate_val(isl.dim_type.set, k).to_python() for k in range(n)]
    params = tuple(zip(names, vals[:len(names)]))
    return tuple(vals[len(names):len(names) + n_in]), tuple(vals[len(names) + n_in:]), params


def _point_text(point: isl.Point) -> str:
    if point.is_void():
        return "some instances"
    space = point.get_space()
    n = space.dim(isl.dim_type.set)
    coords = ", ".join(str(point.get_coordinate_val(isl.dim_type.set, k).to_python()) for k in range(n))
    return f"{space.get_tuple_name(isl.dim_type.set)}[{coords}]"
