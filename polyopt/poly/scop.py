"""The static control part (Scop): the polyhedral model of one kernel.

Built from a :class:`~polyopt.frontend.syntax.KernelDef` by :func:`polyopt.poly.build.build_scop`.
Every statement has an iteration domain (an isl Set named after the statement, whose dimensions
are the enclosing loop iterators, outermost first), the original schedule in 2d+1 form, and one
isl Map per access.  All isl objects live in ``isl.DEFAULT_CONTEXT``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import islpy as isl

from ..errors import SourceLocation
from ..frontend import syntax
from ..frontend.types import DType


@dataclass(frozen=True, eq=False)
class Array:
    """An array of the kernel: an argument, or a local scalar temporary (``shape == ()``)."""

    name: str
    dtype: DType
    shape: tuple  # IntPoly extents in the parameters
    is_local: bool = False


@dataclass(frozen=True, eq=False)
class AccessRelation:
    """One read or write of a statement: ``{ S[i..] -> A[f(i..)] }`` restricted to the domain."""

    array: str
    relation: isl.Map
    is_write: bool
    node: syntax.Access  # the syntax node, for code generation and messages


@dataclass(frozen=True, eq=False)
class Statement:
    """One assignment of the kernel, with its polyhedral description."""

    name: str  # "S0", "S1", ... in program order
    iterators: tuple[str, ...]  # enclosing loop variables, outermost first
    domain: isl.Set  # [params] -> { S[iterators] : ... }
    schedule: isl.Map  # original order: { S[iterators] -> [b0, l1, b1, l2, ...] } (2d+1, padded)
    reads: tuple[AccessRelation, ...]
    writes: tuple[AccessRelation, ...]
    body: syntax.Assign
    loc: SourceLocation | None = None
    # Position of each enclosing loop in the syntax tree, outermost first (the ``For`` nodes).
    loops: tuple[syntax.For, ...] = field(default=(), repr=False)

    @property
    def depth(self) -> int:
        return len(self.iterators)

    @property
    def accesses(self) -> tuple[AccessRelation, ...]:
        return self.reads + self.writes

    @property
    def source_line(self) -> str:
        return self.loc.source_line.strip() if self.loc else ""


def _union_of(items, empty_space):
    return functools.reduce(lambda acc, x: acc.union(x), items, empty_space)


@dataclass(frozen=True, eq=False)
class Scop:
    """The polyhedral model of a kernel."""

    name: str
    params: tuple[str, ...]
    context: isl.Set  # constraints on the parameters, e.g. [N, M] -> { : N >= 1 and M >= 1 }
    arrays: tuple[Array, ...]
    statements: tuple[Statement, ...]
    kernel: syntax.KernelDef = field(repr=False, default=None)
    # what was rewritten in the kernel before this model was built (see .promote), one line each
    rewrites: tuple[str, ...] = ()
    # per statement, when rewritten: (the original statement, ((scalar, the original statement
    # storing it), ...) replaced in it) -- a front end printing the original text rewrites it so
    sources: tuple = ()

    def statement(self, name: str) -> Statement:
        for s in self.statements:
            if s.name == name:
                return s
        raise KeyError(name)

    def array(self, name: str) -> Array:
        for a in self.arrays:
            if a.name == name:
                return a
        raise KeyError(name)

    def _param_space(self) -> isl.Space:
        return self.context.get_space()

    def domain(self) -> isl.UnionSet:
        """All statement instances as one UnionSet."""
        empty = isl.UnionSet.empty(self._param_space())
        return _union_of((s.domain.to_union_set() for s in self.statements), empty)

    def _union_map(self, maps) -> isl.UnionMap:
        return _union_of((m.to_union_map() for m in maps), isl.UnionMap.empty(self._param_space()))

    def reads(self) -> isl.UnionMap:
        return self._union_map(a.relation for s in self.statements for a in s.reads)

    def writes(self) -> isl.UnionMap:
        return self._union_map(a.relation for s in self.statements for a in s.writes)

    def original_schedule(self) -> isl.UnionMap:
        return self._union_map(s.schedule.intersect_domain(s.domain) for s in self.statements)

    def __str__(self) -> str:
        from .printing import format_scop

        return format_scop(self)

    def __repr__(self) -> str:
        """One line: parameters, statements with their iterators, arrays with their extents
        (the full model is ``str()``; the dataclass dump ran to thousands of characters)."""
        stmts = " ".join(s.name + (f"[{', '.join(s.iterators)}]" if s.iterators else "")
                         for s in self.statements[:6])
        more = f" ... ({len(self.statements)} in all)" if len(self.statements) > 6 else ""
        arrays = [a for a in self.arrays if not a.is_local]
        shown = " ".join(f"{a.name}[{', '.join(map(str, a.shape))}]" for a in arrays[:6])
        more_arrays = " ..." if len(arrays) > 6 else ""
        return (f"<Scop {self.name}({', '.join(self.params)}): {len(self.statements)} statement(s) {stmts}{more}; "
                f"{len(arrays)} array(s) {shown}{more_arrays}>")

    def _repr_html_(self) -> str:
        from .. import views
        return views.html_of("scop", self)
