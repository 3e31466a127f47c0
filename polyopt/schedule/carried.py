"""Which dependences a loop carries: the one answer every pass and the explanation use.

The dependences *active* at a point of the schedule tree are the instance pairs that the loops and
sequences around it have not yet ordered (equal on every enclosing row, in the same sequence
child).  A loop -- one band member, a row per statement -- *carries* the active pairs to which it
gives different values; the pairs it gives equal values stay active for the loops inside it.
Everything is computed exactly on the rows, with isl, so "parallel" in a printed schedule means
that no pair of instances in different iterations is linked by a dependence.
"""

from __future__ import annotations

import islpy as isl

from ..analysis.dependences import Dependences, uniform_distances
from ..analysis.legality import example_pair
from ..frontend import syntax as sx
from .access import multi_aff
from .tree import IslBuilder, Member, aff_to_expr


class Carried:
    """Carried dependences of loops of one Scop's schedule (results memoized per loop)."""

    def __init__(self, deps: Dependences):
        self.deps = deps
        self.scop = deps.scop
        self.isl = IslBuilder(self.scop)
        self.reductions = {s.name: reduction_elements(s) for s in self.scop.statements}
        self.ops = {s.name: reduction_op(s) for s in self.scop.statements}
        self._mupa: dict[tuple, isl.MultiUnionPwAff] = {}

    def root(self) -> tuple:
        """The active pairs at the root: every dependence edge."""
        return tuple((e, e.relation.to_union_map()) for e in self.deps.edges if not e.relation.is_empty())

    def inside(self, active, statements) -> tuple:
        """The active pairs between ``statements`` (entering a sequence child)."""
        filt = self.isl.filter(statements)
        pairs = ((e, rel.intersect_domain(filt).intersect_range(filt)) for e, rel in active)
        return tuple((e, r) for e, r in pairs if not r.is_empty())

    def split(self, member: Member, active) -> tuple[list, tuple]:
        """(pairs carried by ``member`` per dependence, pairs left for the loops inside it)."""
        mupa = self._member_mupa(member)
        carried, rest = [], []
        for e, rel in active:
            same = rel.eq_at_multi_union_pw_aff(mupa)
            if not rel.is_subset(same):
                carried.append((e, rel.subtract(same)))
            if not same.is_empty():
                rest.append((e, same))
        return carried, tuple(rest)

    def _member_mupa(self, member: Member) -> isl.MultiUnionPwAff:
        key = (member.exprs, member.role)
        if key not in self._mupa:
            self._mupa[key] = self.isl.mupa(member)
        return self._mupa[key]

    def after(self, members, active) -> tuple:
        """The pairs left active inside all of ``members``."""
        for m in members:
            _, active = self.split(m, active)
        return active

    def any_free(self, members, active) -> bool:
        """Whether one of ``members`` (in this order) carries no dependence."""
        for m in members:
            carried, active = self.split(m, active)
            if not carried:
                return True
        return False

    def when_innermost(self, members, p: int, active) -> list:
        """The pairs ``members[p]`` would carry as the innermost loop of ``members``."""
        rest = self.after([m for q, m in enumerate(members) if q != p], active)
        return self.split(members[p], rest)[0]

    def privatised(self, member: Member, carried, active) -> tuple[list, tuple[str, ...]]:
        """(the pairs of ``carried`` left, the temporaries privatised): a temporary whose every
        value used by ``member``'s statements is written and read in one iteration of ``member``
        (and of the loops and sequence around it: its RAW pairs are all still ``active`` and
        ``member`` carries none of them) gets a copy per iteration, so the anti and output
        dependences on it that ``member`` carries do not order its iterations.  (A layer norm's
        ``mu = 0.0; for j: mu += X[i, j]`` per row: "WAR on mu" no longer serialises ``i``.)"""
        names = {e.array for e, _ in carried if e.kind in ("WAR", "WAW") and self._local(e.array)}
        if not names:
            return carried, ()
        stmts = {s for s, _ in member.exprs}
        crossing = {e.array for e, _ in carried if e.kind == "RAW"}
        private = {name for name in names - crossing if self.values_stay(stmts, active, name)}
        return [(e, r) for e, r in carried if e.array not in private], tuple(sorted(private))

    def values_stay(self, stmts, active, name: str) -> bool:
        """Whether every RAW pair on ``name`` with an end in ``stmts`` is still ``active`` (the
        loops and sequences around have not separated its ends)."""
        live = {}
        for e, rel in active:
            live[id(e)] = rel if id(e) not in live else live[id(e)].union(rel)
        flows = [e for e in self.deps.edges if e.kind == "RAW" and e.array == name
                 and (e.source in stmts or e.sink in stmts) and not e.relation.is_empty()]
        return all(id(e) in live and e.relation.to_union_map().is_subset(live[id(e)]) for e in flows)

    def _local(self, name: str) -> bool:
        return any(a.name == name and a.is_local for a in self.scop.arrays)

    def reduced(self, carried) -> tuple[tuple[str, str, str], ...]:
        """``(array, operator, statement)`` per reduction statement of ``carried`` when every
        carried dependence is a self-dependence of a reduction, and every array is reduced with
        one operator; else ()."""
        out = set()
        for e, _ in carried:
            if e.source != e.sink or e.array not in self.reductions[e.source]:
                return ()
            out.add((e.array, self.ops[e.source], e.source))
        if len({(a, op) for a, op, _ in out}) != len({a for a, _, _ in out}):
            return ()
        return tuple(sorted(out))

    def reduction(self, carried) -> tuple[str, ...]:
        """The reduction elements when every carried dependence is a self-dependence of a reduction."""
        out = set()
        for e, _ in carried:
            elem = self.reductions[e.source].get(e.array) if e.source == e.sink else None
            if elem is None:
                return ()
            out.add(elem)
        return tuple(sorted(out))

    def constant_distance(self, member: Member, carried) -> bool:
        """Whether some dependence of ``carried`` (pairs carried by ``member``) links iterations of
        ``member`` at one distance only."""
        value = isl.UnionMap.from_multi_union_pw_aff(self._member_mupa(member))
        for _, rel in carried:
            deltas = rel.apply_domain(value).apply_range(value).deltas()
            if deltas.n_set() == 1 and isl.Set.from_union_set(deltas).is_singleton():
                return True
        return False

    def describe(self, edge, rel: isl.UnionMap) -> str:
        """``RAW on C from S1[i, j, k] to S1[i, j, k + 1]`` (symbolic when the distance is uniform)."""
        m = isl.Map.from_union_map(rel)
        src, dst = self.scop.statement(edge.source), self.scop.statement(edge.sink)
        head = f"{edge.kind} on {edge.array}"
        if src is dst:
            vecs = uniform_distances(m, src, dst)
            if vecs and len(vecs) == 1 and len(vecs[0]) == src.depth:
                sink = [_shifted(it, d) for it, d in zip(src.iterators, vecs[0])]
                return f"{head} from {src.name}[{', '.join(src.iterators)}] to {src.name}[{', '.join(sink)}]"
        a, b, _ = example_pair(m)
        return f"{head} from {src.name}[{', '.join(map(str, a))}] to {dst.name}[{', '.join(map(str, b))}]"


def _shifted(it: str, d: int) -> str:
    return it if d == 0 else f"{it} + {d}" if d > 0 else f"{it} - {-d}"


def reduction_op(stmt) -> str | None:
    """The OpenMP reduction operator of a reduction statement (``+`` for ``+=`` and ``-=``: the
    parts subtracted are summed; ``max``/``min`` for ``m = max(m, e)``), or None."""
    body = stmt.body
    if body is None or not reduction_elements(stmt):
        return None
    if body.op is None and isinstance(body.value, sx.Call):
        return body.value.func
    op = body.op if body.op is not None else body.value.op
    return "*" if op == "*" else "+"


def reduction_elements(stmt) -> dict[str, str]:
    """``{array: "y[i]"}`` when ``stmt`` is a reduction ``y[i] op= e`` / ``y[i] = y[i] op e`` with an
    associative ``op`` (``+ - *``), or ``m = max(m, e)`` / ``min``, and ``e`` not reading the array."""
    body = stmt.body
    if body is None or not stmt.writes:
        return {}
    write = stmt.writes[0]
    same = [r for r in stmt.reads if r.array == write.array]
    # exactly one read of the array, of the written element: x = x op e with e free of x
    if len(same) != 1 or not same[0].relation.is_equal(write.relation):
        return {}
    ok = body.op in ("+", "-", "*")
    value = body.value
    if body.op is None and isinstance(value, sx.BinOp):
        ok = (value.op in ("+", "*") and body.target in (value.left, value.right)) or \
             (value.op == "-" and value.left == body.target)
    if body.op is None and isinstance(value, sx.Call):  # m = max(m, e): exact in any order
        ok = value.func in ("max", "min") and len(value.args) == 2 and body.target in value.args
    if not ok:
        return {}
    return {write.array: element_text(write.relation, stmt)}


def element_text(relation: isl.Map, stmt) -> str:
    """``A[i, j + 1]`` for an access relation of ``stmt`` (``A`` for a scalar)."""
    name = relation.get_tuple_name(isl.dim_type.out)
    n = relation.dim(isl.dim_type.out)
    if n == 0:
        return name
    ma = multi_aff(relation)
    if ma is None:
        return name
    subs = [aff_to_expr(ma.get_at(k), stmt.depth).text(stmt.iterators) for k in range(n)]
    return f"{name}[{', '.join(subs)}]"
