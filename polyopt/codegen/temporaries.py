"""Where each local temporary is declared in the printed loop tree.

A temporary is declared at the top of the innermost loop that contains a use of it and *keeps its
values*: every value of it written or read by an instance printed inside the loop is written and
read inside the loop, in the same iteration of it and of every loop around it.  A declaration
there is then private to each iteration -- which is what a parallel or simd loop needs -- and
holds every value the code exchanges through it.  Uses inside no such loop share one declaration
at function scope.

The test is made per loop, from the RAW dependences on the temporary and the schedule of each
printed statement (``build.get_schedule()`` at its AST leaf).  isl drops the schedule dimensions
that have a fixed value at a place (a loop of one iteration, a tile of a short band), so two
leaves' schedules can have different dimensions; below one loop, though, the dimensions up to the
loop's own are the loops around it at both leaves, which is all the test compares.
"""

from __future__ import annotations

import islpy as isl

from .ast_build import AstResult
from .printer import Guard, Loop, Stmt, walk_items


def place_locals(items: list, ast: AstResult, dependences, locals_: list[str]) -> list[str]:
    """Fill ``Loop.decls`` of the loop tree ``items`` (see the module docstring); returns the
    temporaries left for the function scope."""
    flows = {}
    for name in locals_:
        rel = None
        for dep in dependences.edges:
            if dep.kind == "RAW" and dep.array == name:
                m = dep.relation.to_union_map()
                rel = m if rel is None else rel.union(m)
        flows[name] = rel
    keeps = _Keeps(ast, flows)

    def visit(items) -> set[str]:
        pending: set[str] = set()  # used below and not declared yet
        for item in items:
            if isinstance(item, Stmt):
                pending |= item.emitted.locals_read | item.emitted.locals_written
            elif isinstance(item, Guard):
                pending |= visit(item.then) | visit(item.orelse or [])
            elif isinstance(item, Loop):
                inner = visit(item.body)
                here = sorted(n for n in inner if keeps(item, n))
                item.decls.extend(here)
                pending |= inner - set(here)
        return pending

    return sorted(visit(items))


class _Keeps:
    """``keeps(loop, name)``: whether ``loop`` keeps every value of temporary ``name`` that its
    instances use (module docstring)."""

    def __init__(self, ast: AstResult, flows: dict[str, isl.UnionMap | None]):
        self.ast = ast
        self.flows = flows
        self._inside: dict[int, isl.UnionMap] = {}

    def __call__(self, loop: Loop, name: str) -> bool:
        flow = self.flows.get(name)
        if flow is None or flow.is_empty():
            return True  # no value flows through it: any declaration holds what each use needs
        inside = self._schedule_inside(loop)
        instances = inside.domain()
        # a value leaving or entering the loop's instances
        if not flow.intersect_domain(instances).range().is_subset(instances):
            return False
        if not flow.intersect_range(instances).domain().is_subset(instances):
            return False
        pairs = flow.intersect_domain(instances).apply_domain(inside).apply_range(inside)
        maps: list[isl.Map] = []
        pairs.foreach_map(maps.append)
        for m in maps:
            same = isl.Map.universe(m.get_space())
            for k in range(loop.dim + 1):
                same = same.equate(isl.dim_type.in_, k, isl.dim_type.out, k)
            if not m.is_subset(same):
                return False
        return True

    def _schedule_inside(self, loop: Loop) -> isl.UnionMap:
        """{ instance -> time } of the statements printed inside ``loop``."""
        if id(loop) not in self._inside:
            out = None
            for key in _leaf_keys(loop.body):
                m = self.ast.instances[key].schedule.to_union_map()
                out = m if out is None else out.union(m)
            self._inside[id(loop)] = out
        return self._inside[id(loop)]


def _leaf_keys(items):
    return (x.key for x in walk_items(items) if isinstance(x, Stmt))
