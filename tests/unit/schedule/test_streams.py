"""Row-order matrix-vector products: untiled, several rows' sums at once (tile.streams_only, jam).

What must qualify (a sum along the innermost loop, every other access held, a read-only vector or
a stream touched once) and what must not (a column walk, a written vector, two accesses to one
array at different elements, a sum that will be a SIMD reduction), the factor, the plan round
trip, and results at sizes that are multiples of no factor.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import polyopt as po
from tests.agreement import agrees

N, M = po.symbols("N M")


@po.kernel
def two_rows(A: po.f64[N, M], B: po.f64[N, M], x: po.f64[M], t: po.f64[N], y: po.f64[N]):
    for i in range(N):
        t[i] = 0.0
        y[i] = 0.0
        for j in range(M):
            t[i] = A[i, j] * x[j] + t[i]
            y[i] = B[i, j] * x[j] + y[i]


@po.kernel
def one_row(A: po.f64[N, M], x: po.f64[M], y: po.f64[N]):
    for i in range(N):
        for j in range(M):
            y[i] += A[i, j] * x[j]


@po.kernel
def by_columns(A: po.f64[M, N], x: po.f64[M], y: po.f64[N]):
    for i in range(N):
        for j in range(M):
            y[i] += A[j, i] * x[j]


@po.kernel
def written_vector(A: po.f64[N, M], x: po.f64[N], y: po.f64[M]):
    for i in range(N):
        for j in range(M):
            y[j] += A[i, j] * x[i]


@po.kernel
def neighbours(A: po.f64[N, M], y: po.f64[N]):
    for i in range(N):
        for j in range(M - 1):
            y[i] += A[i, j] * A[i, j + 1]


def _band(kernel, **options):
    """The schedule's band of two or more loops."""
    return next(b for b in kernel.schedule(**options).bands if len(b.loops) >= 2)


def test_a_row_order_product_is_not_tiled_and_its_rows_are_jammed_for_eight_sums():
    band = _band(two_rows)
    assert band.tile_loops == () and "a sum along j that streams A, B" in band.note
    outer, j, i = band.loops
    assert (outer.name, outer.kind, j.name, j.kind) == ("i_jam", "parallel", "j", "serial")
    assert i.reason == "unrolled by 4 and jammed"  # two sums a row: 4 rows give 8 chains
    assert _band(one_row).loops[-1].reason == "unrolled by 8 and jammed"
    assert "tiles would keep no reuse" in str(one_row.schedule())


def test_what_tiles_help_stays_tiled():
    for kernel in (by_columns, written_vector, neighbours):
        assert _band(kernel).tile_loops, kernel.name
    # a sum that becomes a SIMD reduction keeps its tiles: explicitly, or with no parallel loop
    assert _band(one_row, reassociate=True).tile_loops
    assert _band(one_row, parallel=False).tile_loops
    assert not _band(one_row, tile=False).tile_loops and not _band(one_row, tile=False).loops[-1].unroll


def test_the_plan_records_the_decision_and_can_tile_the_band_again():
    plan = two_rows.schedule().plan
    k, band = next((k, b) for k, b in enumerate(plan.bands) if b.jam)
    assert band.tile == () and band.jam == (("i", 4),)
    assert two_rows.c_source(plan=plan) == two_rows.c_source()
    tiled = plan.with_band(k, tile=(32, 32), jam=())
    assert _band(two_rows, plan=tiled).tile_loops
    assert "#pragma omp" in two_rows.c_source(plan=tiled)


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(n=st.integers(1, 37), m=st.integers(1, 41))
def test_jammed_rows_agree_with_python_at_any_size(n, m):
    rng = np.random.default_rng(n * 101 + m)
    A, B, x = rng.random((n, m)), rng.random((n, m)), rng.random(m)
    assert agrees(two_rows, dict(A=A, B=B, x=x, t=rng.random(n), y=rng.random(n)))
    assert agrees(one_row, dict(A=A, x=x, y=rng.random(n)))
