"""Accumulators promoted to the element they are stored into (polyopt.poly.promote)."""

from __future__ import annotations

import numpy as np

import polyopt as po
from polyopt.frontend import syntax as sx

N = po.symbols("N")


def lu_rows(A: po.f64[N, N]):
    for i in range(N):
        for j in range(i):
            w = A[i, j]
            for k in range(j):
                w -= A[i, k] * A[k, j]
            A[i, j] = w / A[j, j]


def solve(A: po.f64[N, N], b: po.f64[N], y: po.f64[N]):
    for i in range(N):
        w = b[i]
        for j in range(i):
            w -= A[i, j] * y[j]
        y[i] = w


def reads_its_element(A: po.f64[N, N]):
    for i in range(N):
        for j in range(N):
            w = A[i, j]
            for k in range(N):  # k = j reads A[i, j] itself, the element w stands for
                w -= A[i, k] * A[k, j] * 0.001
            A[i, j] = w


def used_after(A: po.f64[N, N], s: po.f64[N]):
    for i in range(N):
        w = 0.0
        for j in range(N):
            w += A[i, j]
        s[i] = w
        A[i, 0] = w  # the value after the store


def single(A: po.f32[N, N], s: po.f32[N], d: po.f64[N]):
    for i in range(N):
        w = d[i]  # a float64 scalar: the element would round to float32 at every step
        for j in range(N):
            w += A[i, j]
        s[i] = w


def _statements(kern):
    return [s.body for s in kern.scop.statements]


def test_the_scalar_becomes_the_element_and_the_copies_go():
    kern = po.kernel(lu_rows)
    bodies = _statements(kern)
    assert len(bodies) == 2  # w = A[i, j] and A[i, j] = A[i, j] are gone
    element = sx.Access("A", (sx.Name("i", "iter"), sx.Name("j", "iter")))
    assert bodies[0].target == element and bodies[0].op == "-"
    assert bodies[1].target == element and bodies[1].value.left == element
    assert not kern.scop.kernel.locals
    assert kern.scop.rewrites == ("w promoted to A[i, j], the element it is stored into (line 19)",)
    before = str(kern.schedule())
    assert "w promoted to A[i, j]" in before
    kern.c_source()  # the explanation then also says what the C does: the rewrite stays, once
    after = str(kern.schedule())
    assert after.count("w promoted to A[i, j]") == 1
    assert after.split("decisions:")[1].splitlines()[1:3] == before.split("decisions:")[1].splitlines()[1:3]
    solved = po.kernel(solve)
    assert [b.target.array for b in _statements(solved)] == ["y", "y"]  # y[i] = b[i]; y[i] -= ...


def test_no_promotion_where_a_value_would_change():
    for func in (reads_its_element, used_after, single):
        kern = po.kernel(func)
        assert kern.scop.rewrites == () and kern.scop.kernel.locals, func.__name__


def test_promoted_kernels_compute_what_the_originals_do():
    rng = np.random.default_rng(3)
    n = 37
    A = rng.random((n, n)) + n * np.eye(n)
    for func, args in ((lu_rows, (A,)), (solve, (A, rng.random(n), np.zeros(n))),
                       (reads_its_element, (A,)), (used_after, (A, np.zeros(n)))):
        kern = po.kernel(func)
        want = [a.copy() for a in args]
        kern.reference(*want)  # the Python function itself
        got = [a.copy() for a in args]
        kern(*got)
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-12, err_msg=func.__name__)
