"""The Farkas/ILP layer: constraints, linear independence, bounded solving."""

import islpy as isl
import pytest

from polyopt.schedule import farkas
from polyopt.schedule.farkas import Layout, StmtShape


def _point(layout: Layout, values: dict) -> isl.Set:
    cons = " and ".join(f"{n} = {values.get(n, 0)}" for n in layout.names)
    return isl.Set("{ " + layout.tuple_text + " : " + cons + " }")


def _constraints(layout: Layout, rel: isl.Map, shape: StmtShape) -> isl.BasicSet:
    return layout.embed(farkas.dependence_constraints(("N",), [rel], shape, shape))


def test_rank_and_full_rank_needs_no_independence():
    assert farkas.rank([(1, 0, 0), (0, 1, 0)], 3) == 2
    assert farkas.rank([(1, 1), (2, 2)], 2) == 1
    assert farkas.independence_constraints("S", [(1, 0), (1, 1)], 2) == ()
    assert farkas.independence_constraints("S", [], 0) == ()


def test_independence_excludes_span_and_zero():
    layout = Layout(("N",), (StmtShape("S", 3),))
    ind = {"S": farkas.independence_constraints("S", [(1, 0, 0)], 3)}
    base = layout.base(ind)
    c = Layout.coeff

    def inside(i, j, k):
        values = {c("S", 0): i, c("S", 1): j, c("S", 2): k, "csum": i + j + k}
        return not isl.Set.from_basic_set(base).intersect(_point(layout, values)).is_empty()

    assert not inside(1, 0, 0)  # the row already found
    assert not inside(0, 0, 0)  # the trivial solution
    assert inside(0, 1, 0) and inside(0, 0, 1) and inside(1, 1, 0)


def test_uniform_dependences_give_outer_loop_then_skew():
    # distances (1, 0), (0, 1), (1, -1): i carries everything; j needs the skew i + j.
    rels = [isl.Map("[N] -> { S[i, j] -> S[i + 1, j] : 0 <= i < N - 1 and 0 <= j < N }"),
            isl.Map("[N] -> { S[i, j] -> S[i, j + 1] : 0 <= i < N and 0 <= j < N - 1 }"),
            isl.Map("[N] -> { S[i, j] -> S[i + 1, j - 1] : 0 <= i < N - 1 and 0 < j < N }")]
    shape = StmtShape("S", 2)
    layout = Layout(("N",), (shape,))
    cons = [_constraints(layout, r, shape) for r in rels]
    first = farkas.solve(layout.base({"S": farkas.independence_constraints("S", [], 2)}), cons, layout)
    assert first.row("S") == ((1, 0), 0) and first.u == (0,) and first.w == 1
    second = farkas.solve(layout.base({"S": farkas.independence_constraints("S", [(1, 0)], 2)}), cons, layout)
    assert second.row("S") == ((1, 1), 0)


def test_illegal_everywhere_is_infeasible():
    # S[i] -> S[i + 1] and S[i] -> S[i - 1]: no phi = c*i with c >= 1 is legal for both.
    rels = [isl.Map("[N] -> { S[i] -> S[i + 1] : 0 <= i < N - 1 }"),
            isl.Map("[N] -> { S[i] -> S[i - 1] : 0 < i < N }")]
    shape = StmtShape("S", 1)
    layout = Layout(("N",), (shape,))
    cons = [_constraints(layout, r, shape) for r in rels]
    assert farkas.solve(layout.base({"S": farkas.independence_constraints("S", [], 1)}), cons, layout) is None


def test_constraints_of_pieces_equal_constraints_of_union():
    a = isl.Map("[N] -> { S[i] -> S[i + 1] : 0 <= i < N - 1 }")
    b = isl.Map("[N] -> { S[i] -> S[i + 2] : 0 <= i < N - 2 }")
    whole = isl.Set.from_basic_set(a.union(b).wrap().coefficients().flatten())
    parts = farkas.coefficient_sets([a, b])
    assert len(parts) == 2
    assert parts[0].intersect(parts[1]).is_equal(whole)
    shape = StmtShape("S", 1)
    layout = Layout(("N",), (shape,))
    together = layout.embed(farkas.dependence_constraints(("N",), [a, b], shape, shape))
    one = layout.embed(farkas.dependence_constraints(("N",), [a.union(b).coalesce()], shape, shape))
    assert together.is_equal(one)


def test_operation_cap_gives_no_solution_and_is_lifted(monkeypatch):
    r = isl.Map("[N] -> { S[i, j] -> S[i + 1, j - 1] : 0 <= i < N - 1 and 0 < j < N }")
    shape = StmtShape("S", 2)
    layout = Layout(("N",), (shape,))
    cons = [_constraints(layout, r, shape)]
    monkeypatch.setattr(farkas, "MAX_OPERATIONS", 1)
    assert farkas.solve(layout.base({"S": farkas.independence_constraints("S", [], 2)}), cons, layout) is None
    assert isl.DEFAULT_CONTEXT.get_max_operations() == 0


@pytest.mark.parametrize("rows, depth", [([(1, 0, 0)], 3), ([(1, 1, 0)], 3), ([(2, 1)], 2)])
def test_independence_basis_is_orthogonal(rows, depth):
    r, basis = farkas.rank_and_nullspace(rows, depth)
    assert r == len(rows) and len(basis) == depth - r
    for vec in basis:
        assert all(sum(a * b for a, b in zip(vec, row)) == 0 for row in rows)


def test_bounds_are_the_box_of_every_unknown_and_csum():
    layout = Layout(("N", "M"), (StmtShape("S", 2), StmtShape("T", 3)))
    cons = [f"0 <= u{k} <= {farkas.U_MAX}" for k in range(2)] + [f"0 <= w <= {farkas.W_MAX}"]
    coeffs = [Layout.coeff(s, k) for s, d in (("S", 2), ("T", 3)) for k in range(d)]
    cons += [f"0 <= {c} <= {farkas.COEFF_MAX}" for c in coeffs]
    cons += [f"0 <= {Layout.const(s)} <= {farkas.SHIFT_MAX}" for s in ("S", "T")]
    cons.append("csum = " + " + ".join(coeffs))
    text = isl.BasicSet("{ " + layout.tuple_text + " : " + " and ".join(cons) + " }")
    assert layout.bounds.is_equal(text)
