"""Farkas-lemma ILPs for the Pluto-style hyperplane search (Dependences -> Schedule stage).

One hyperplane gives every statement ``S`` an affine function ``phi_S(i) = c_S . i + c0_S`` of its
iterators.  For each dependence polyhedron ``P_e`` from ``S`` to ``T`` the search needs

* legality: ``phi_T(t) - phi_S(s) >= 0`` on all of ``P_e``, and
* Pluto's bounding function: ``u . params + w - (phi_T(t) - phi_S(s)) >= 0`` on all of ``P_e``.

Both are linear in the unknown coefficients once the affine Farkas lemma has turned "non-negative on
a polyhedron" into constraints on the coefficients: isl's ``coefficients()`` of the wrapped
dependence gives every valid ``(c_cst, c_params, c_src, c_dst)``, and a preimage maps it onto our
unknowns.  This is done once per dependence, in a small space; each ILP then stacks the resulting
linear constraints (:meth:`Layout.embed`) and is solved by lexicographic minimum in the variable
order of :class:`Layout`: ``u``, ``w``, the sum of all iterator coefficients, then each statement's
coefficients (innermost iterator first, so the outer loops are preferred), then the constant
shifts.  Every variable is bounded and isl's operation counter is capped, so no ILP can hang.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import islpy as isl

from ..analysis.dependences import RAW, WAR
from ..errors import BudgetExceeded, ScheduleError
from ..poly import budget

COEFF_MAX = 4  # iterator coefficients: skews up to 4 (seidel-2d needs 2)
SHIFT_MAX = 8  # constant shifts between fused statements
U_MAX = 4  # coefficients of the parameters in the bounding function
W_MAX = 1024  # constant of the bounding function (dependence distances)
MAX_OPERATIONS = 1_000_000  # isl operation cap for one ILP (the kernels we know need < 30_000)


@dataclass(frozen=True)
class StmtShape:
    """What the ILP needs to know about a statement: its name, number of iterators, and the
    direction of each loop in the original program (-1 for a loop counting down).

    The unknowns are non-negative (Pluto's search space); the coefficient of iterator k in the
    hyperplane is ``signs[k] * c_k``, so a loop counting down can keep its original direction.
    """

    name: str
    depth: int
    signs: tuple[int, ...] = ()

    def sign(self, k: int) -> int:
        return self.signs[k] if self.signs else 1


@dataclass(frozen=True)
class Hyperplane:
    """One solution: per statement, integer iterator coefficients and a constant shift."""

    rows: dict  # statement name -> (tuple of coefficients, constant)
    u: tuple[int, ...]
    w: int

    def row(self, name: str) -> tuple[tuple[int, ...], int]:
        return self.rows[name]


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(coeffs) + const >= 0`` (or ``== 0``) over variables named as in :class:`Layout`."""

    equality: bool
    coeffs: tuple[tuple[str, int], ...]
    const: int


class Layout:
    """The ILP's variables, in lexicographic-minimum priority order."""

    def __init__(self, params: tuple[str, ...], shapes: tuple[StmtShape, ...]):
        self.params = tuple(params)
        self.shapes = tuple(shapes)
        names = [f"u{k}" for k in range(len(params))] + ["w", "csum"]
        for s in shapes:
            names += [self.coeff(s.name, k) for k in reversed(range(s.depth))]
        names += [self.const(s.name) for s in shapes]
        self.names = names
        self.index = {n: k for k, n in enumerate(names)}
        self.tuple_text = "[" + ", ".join(names) + "]"
        self.space = isl.Space.create_from_names(isl.DEFAULT_CONTEXT, set=names)
        self.local_space = isl.LocalSpace.from_space(self.space)

    def embed(self, constraints: tuple[LinearConstraint, ...], onto: isl.BasicSet | None = None) -> isl.BasicSet:
        """Integral BasicSet of ``constraints`` in this layout's space (intersected with ``onto``).

        Stacking plain constraints is far cheaper than intersecting rational sets one by one (isl
        simplifies after every intersection: 0.2 s on adi's first hyperplane, 12 ms this way).
        """
        bset = isl.BasicSet.universe(self.space) if onto is None else onto
        for c in constraints:
            # by position: islpy's *_from_names looks every name up in a fresh dict of the space
            # (twice as slow, 0.6 s of deriche's 3.3 s schedule on an AMD EPYC Zen 3)
            con = (isl.Constraint.equality_alloc if c.equality else isl.Constraint.inequality_alloc)(
                self.local_space).set_constant_val(c.const)
            for name, value in c.coeffs:
                con = con.set_coefficient_val(isl.dim_type.set, self.index[name], value)
            bset = bset.add_constraint(con)
        return bset

    @staticmethod
    def coeff(stmt: str, k: int) -> str:
        return f"c_{stmt}_{k}"

    @staticmethod
    def const(stmt: str) -> str:
        return f"c0_{stmt}"

    def base(self, independence: dict) -> isl.BasicSet:
        """Bounds, the definition of ``csum`` and the linear-independence constraints (integral);
        ``independence`` maps statement names to :class:`LinearConstraint` tuples."""
        extra = tuple(c for s in self.shapes for c in independence.get(s.name, ()))
        return self.embed(extra, self.bounds) if extra else self.bounds

    @functools.cached_property
    def bounds(self) -> isl.BasicSet:
        # A box between two corners and one equality: parsing the same bounds as text took 6 ms per
        # layout, 0.19 s of deriche's schedule (AMD EPYC Zen 3), this way 0.3 ms.
        upper = [U_MAX] * len(self.params) + [W_MAX, sum(COEFF_MAX * s.depth for s in self.shapes)]
        upper += [COEFF_MAX] * sum(s.depth for s in self.shapes) + [SHIFT_MAX] * len(self.shapes)
        low, high = isl.Point.zero(self.space), isl.Point.zero(self.space)
        for k, value in enumerate(upper):
            high = high.set_coordinate_val(isl.dim_type.set, k, value)
        box = isl.BasicSet.box_from_points(low, high)
        csum = tuple((self.coeff(s.name, k), -1) for s in self.shapes for k in range(s.depth))
        return self.embed((LinearConstraint(True, (("csum", 1),) + csum, 0),), box)

    def decode(self, point: isl.Point) -> Hyperplane:
        def val(name):
            return point.get_coordinate_val(isl.dim_type.set, self.index[name]).to_python()

        rows = {s.name: (tuple(s.sign(k) * val(self.coeff(s.name, k)) for k in range(s.depth)),
                         val(self.const(s.name)))
                for s in self.shapes}
        return Hyperplane(rows, tuple(val(f"u{k}") for k in range(len(self.params))), val("w"))


def coefficient_sets(pieces: list[isl.Map]) -> list[isl.Set]:
    """Per basic map of ``pieces``: all ``(c_cst, c_params, c_src, c_dst)`` non-negative on it (rational).

    Valid on a union means valid on each part, so a dependence's Farkas constraints are those of its
    basic parts together: isl's ``coefficients()`` of one coalesced stencil dependence (a polytope
    with dozens of facets) took 0.7 s, the same on its seven simple pieces 4 ms.  The parts are never
    intersected here: isl removes redundant constraints when it intersects rational sets, and on a
    fuzzed kernel whose dependence had 76 parts that took 6 s, where the scheduler's ILP solves
    the stack of all their constraints, redundant or not, in 10 ms.
    """
    out = []
    for piece in pieces:
        for bmap in piece.get_basic_maps():
            # coefficients() rejects local variables (strides such as ``range(0, N, 3)``); non-negative
            # on the rational shadow without them implies non-negative on the set: sound, maybe stricter.
            out.append(isl.Set.from_basic_set(bmap.wrap().remove_divs().coefficients().flatten()))
    return out


def dependence_pieces(edge, scop) -> list[isl.Map]:
    """``edge.relation`` split by pairs of accesses: simple polyhedra whose union is the relation.

    The dependence analysis coalesces the instance pairs of all accesses into one relation; for a
    stencil that is a polytope with many facets, expensive for the Farkas lemma and for isl's
    scheduler, while each access pair alone gives a box-like piece.
    """
    src, dst = scop.statement(edge.source), scop.statement(edge.sink)
    src_acc = [a.relation for a in (src.reads if edge.kind == WAR else src.writes) if a.array == edge.array]
    dst_acc = [a.relation for a in (dst.reads if edge.kind == RAW else dst.writes) if a.array == edge.array]
    pieces = []
    for x in src_acc:
        for y in dst_acc:
            piece = edge.relation.intersect(x.apply_range(y.reverse()))
            if not piece.is_empty():
                pieces.append(piece.coalesce())
    return pieces or [edge.relation]


def _lin(terms: list[tuple[int, str]]) -> str:
    parts = [f"{c}*{v}" if c != 1 else v for c, v in terms if c]
    return "(" + (" + ".join(parts) if parts else "0") + ")"


def dependence_constraints(params: tuple[str, ...], pieces: list[isl.Map],
                           source: StmtShape, sink: StmtShape) -> tuple[LinearConstraint, ...]:
    """Legality and bounding constraints of one dependence (the union of ``pieces``) over the
    unknowns it involves, without duplicates.

    They are computed once per dependence in a small space (``u``, ``w`` and the two statements'
    unknowns), one basic part at a time (see :func:`coefficient_sets`), and later stacked into each
    ILP's space by :meth:`Layout.embed`, which is cheap.
    """
    out: dict[LinearConstraint, None] = {}
    for coeffs in coefficient_sets(pieces):
        out.update(dict.fromkeys(_part_constraints(params, pieces[0], coeffs, source, sink)))
    return tuple(out)


def _part_constraints(params, relation: isl.Map, coeffs: isl.Set, source: StmtShape,
                      sink: StmtShape) -> tuple[LinearConstraint, ...]:
    """The constraints of one basic part, whose coefficient set is ``coeffs``."""
    rel_params = relation.get_space().get_var_names(isl.dim_type.param)
    c0s, c0t = Layout.const(source.name), Layout.const(sink.name)
    src = [Layout.coeff(source.name, k) for k in range(source.depth)]
    dst = [Layout.coeff(sink.name, k) for k in range(sink.depth)]
    names = [f"u{k}" for k in range(len(params))] + ["w"] + src + [c0s]
    if sink.name != source.name:
        names += dst + [c0t]
    legal = [_lin([(1, c0t), (-1, c0s)])] + ["(0)"] * len(rel_params)
    legal += [_lin([(-source.sign(k), v)]) for k, v in enumerate(src)]
    legal += [_lin([(sink.sign(k), v)]) for k, v in enumerate(dst)]
    bound = [_lin([(1, "w"), (-1, c0t), (1, c0s)])]
    bound += [(f"u{params.index(p)}" if p in params else "(0)") for p in rel_params]
    bound += [_lin([(source.sign(k), v)]) for k, v in enumerate(src)]
    bound += [_lin([(-sink.sign(k), v)]) for k, v in enumerate(dst)]
    tuple_text = "[" + ", ".join(names) + "]"
    out = None
    for row in (legal, bound):
        ma = isl.MultiAff("{ " + tuple_text + " -> [" + ", ".join(row) + "] }")
        part = coeffs.preimage_multi_aff(ma)
        out = part if out is None else out.intersect(part)
    parts = out.get_basic_sets()
    if not parts:  # no hyperplane can ever satisfy this dependence: 1 = 0
        return (LinearConstraint(True, (), 1),)
    if len(parts) != 1 or parts[0].dim(isl.dim_type.div):
        raise ScheduleError(f"unexpected Farkas constraint set {out}", hint="this is a polyopt bug")
    result = []
    for c in parts[0].get_constraints():
        by_name = c.get_coefficients_by_name()
        const = by_name.pop(1, isl.Val(0)).to_python()
        result.append(LinearConstraint(c.is_equality(), tuple((n, v.to_python()) for n, v in by_name.items()),
                                       const))
    return tuple(result)


def solve(base: isl.BasicSet, constraints: list[isl.BasicSet], layout: Layout) -> Hyperplane | None:
    """Lexicographic minimum of ``base`` intersected with ``constraints``; None when infeasible.

    Running out of the isl operation budget also gives None: the caller then falls back to a
    cut, which is always possible, instead of hanging.
    """
    problem = base
    for c in constraints:
        problem = problem.intersect(c)
    try:
        with budget.isl_budget(MAX_OPERATIONS, "a scheduling ILP"):
            # detect_equalities first: on adi, lexmin of the raw stack of constraints took 3 s,
            # after it 20 ms (equalities hidden in pairs of inequalities hurt isl's PIP)
            point = problem.detect_equalities().lexmin().sample_point()  # void when infeasible
    except BudgetExceeded:
        return None
    if point.is_void():
        return None
    return layout.decode(point)


# ---------------------------------------------------------------- linear independence


def rank_and_nullspace(rows, n: int) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Rank of ``rows`` (vectors of length n) and an integer basis of their orthogonal complement."""
    return _rank_and_nullspace(tuple(map(tuple, rows)), n)


@functools.lru_cache(maxsize=4096)  # the scheduler asks again for every fusion trial (942 calls on deriche)
def _rank_and_nullspace(rows: tuple[tuple[int, ...], ...], n: int) -> tuple[int, tuple[tuple[int, ...], ...]]:
    mat = [[Fraction(x) for x in r] for r in rows]
    pivots = []
    r = 0
    for col in range(n):
        piv = next((k for k in range(r, len(mat)) if mat[k][col] != 0), None)
        if piv is None:
            continue
        mat[r], mat[piv] = mat[piv], mat[r]
        p = mat[r][col]
        mat[r] = [x / p for x in mat[r]]
        for k in range(len(mat)):
            if k != r and mat[k][col] != 0:
                f = mat[k][col]
                mat[k] = [a - f * b for a, b in zip(mat[k], mat[r])]
        pivots.append(col)
        r += 1
    basis = []
    for free in (c for c in range(n) if c not in pivots):
        vec = [Fraction(0)] * n
        vec[free] = Fraction(1)
        for k, pc in enumerate(pivots):
            vec[pc] = -mat[k][free]
        denom = math.lcm(*(x.denominator for x in vec))
        ints = [int(x * denom) for x in vec]
        if all(x <= 0 for x in ints):
            ints = [-x for x in ints]
        basis.append(tuple(ints))
    return r, tuple(basis)


def rank(rows: list[tuple[int, ...]], n: int) -> int:
    """Rank of the integer matrix ``rows`` with ``n`` columns."""
    return rank_and_nullspace(rows, n)[0] if n else 0


def independence_constraints(stmt: str, rows: list[tuple[int, ...]], depth: int,
                             signs: tuple[int, ...] = ()) -> tuple[LinearConstraint, ...]:
    """Pluto's linear-independence constraints for the next hyperplane of ``stmt``.

    With ``h_1..h_r`` a basis of the orthogonal complement of the rows found so far, require
    ``h_k . c >= 0`` for each k and ``sum_k h_k . c >= 1``: a non-zero component outside the span.
    Empty when the statement already has full rank (its coefficients are then free).  ``rows`` are
    real coefficients; ``signs`` are the loop directions of :class:`StmtShape`.
    """
    if depth == 0:
        return ()
    if signs:  # work in the space of the non-negative unknowns
        rows = [tuple(x * s for x, s in zip(row, signs)) for row in rows]
    r, basis = rank_and_nullspace(rows, depth)
    if r == depth:
        return ()
    names = [Layout.coeff(stmt, k) for k in range(depth)]
    out = [LinearConstraint(False, tuple((names[k], c) for k, c in enumerate(vec) if c), 0) for vec in basis]
    total = [sum(vec[k] for vec in basis) for k in range(depth)]
    out.append(LinearConstraint(False, tuple((names[k], c) for k, c in enumerate(total) if c), -1))
    return tuple(out)


def fixed_zero(stmt: str, iterators) -> tuple[LinearConstraint, ...]:
    """Constraints giving the ``iterators`` (positions) of ``stmt`` the coefficient 0."""
    return tuple(LinearConstraint(True, ((Layout.coeff(stmt, k), 1),), 0) for k in iterators)
