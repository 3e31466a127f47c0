"""Parallel reductions: a loop that carries only a reduction on one element runs in parallel with
an OpenMP reduction clause, when reassociating the sum is allowed (``reassociate``)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import polyopt as po
from kernels.reductions import dot, product, sum_of_squares
from polyopt.errors import CodegenError, IllegalScheduleError
from polyopt.schedule.loops import PARALLEL, SERIAL, SIMD
from tests.agreement import agrees

N, M = po.symbols("N M")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def column_sums(A: po.f64[N, M], s: po.f64[M]):
    for i in range(N):
        for j in range(M):
            s[j] += A[i, j]


def _loop(schedule, name):
    return next(info for band in schedule.bands for info in band.tile_loops + band.loops if info.name == name)


@pytest.mark.parametrize("kern, clause", [
    (dot, "reduction(+:polyopt_acc0)"), (po.kernel(sum_of_squares.py_func, promote=False), "reduction(+:s)"),
    (sum_of_squares, "reduction(+:polyopt_acc0)"),  # s promoted to out[0], held in a scalar again
    (product, "reduction(*:polyopt_acc0)")])
def test_a_reduction_loop_runs_in_parallel_with_a_reduction_clause(kern, clause):
    s = kern.schedule()
    info = _loop(s, "i")
    assert info.kind == PARALLEL and info.reduce
    assert "partial results combined (reassociates)" in str(s)
    assert f"#pragma omp parallel for {clause}" in kern.c_source()
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 1000):
        args = dict(x=1 + rng.random(n) / n, y=rng.random(n), A=rng.random((n, 3)), out=rng.random(1))
        names = kern.py_func.__code__.co_varnames[:kern.py_func.__code__.co_argcount]
        assert agrees(kern, {k: v for k, v in args.items() if k in names})


def test_reassociate_false_keeps_the_reduction_serial():
    info = _loop(dot.schedule(reassociate=False), "i")
    assert info.kind == SERIAL and "reassociate=False" in info.reason
    assert "reduction(" not in dot.c_source(reassociate=False)


def test_by_default_a_parallel_loop_inside_is_preferred_to_reassociating():
    s = column_sums.schedule()
    assert _loop(s, "j_tile").kind == PARALLEL
    assert _loop(s, "i").kind == SERIAL and "inside parallel loop j_tile" in _loop(s, "i").reason
    assert "reduction(" not in column_sums.c_source()
    assert "a loop inside it is parallel" in _loop(column_sums.schedule(tile=False, vectorize=False), "i").reason


def test_a_plan_with_a_parallel_reduction_round_trips_and_an_illegal_one_is_refused():
    plan = dot.schedule().plan
    again = po.Plan.from_json(plan.to_json())
    assert dot.c_source(plan=again) == dot.c_source()
    # column_sums' i loop updates a different element in each j: no reduction clause can hold it
    p = column_sums.schedule(tile=False, reassociate=True).plan
    band = p.bands[0]
    kinds = tuple(lp if lp.name != "i" else type(lp)("i", PARALLEL, "forced", reduce=(("s", "+", "S0"),))
                  for lp in band.kinds)
    kinds = tuple(lp if lp.name != "j" else type(lp)("j", SERIAL, "forced") for lp in kinds)
    with pytest.raises(IllegalScheduleError, match="cannot be a parallel reduction"):
        column_sums.schedule(plan=p.with_band(0, kinds=kinds))


def test_the_emitted_code_check_refuses_a_reduction_printed_without_its_clause(monkeypatch):
    from polyopt.codegen import lower

    monkeypatch.setattr(lower, "reduction_clauses", lambda items, params, names: None)
    with pytest.raises(CodegenError, match="RAW on out|WAW on out|WAR on out"):
        dot.c_source(plan=dot.schedule(parallel=True, tile=False).plan)  # a plan is never replaced
    # without a plan the kernel falls back to a simpler schedule, and says why
    assert "scheduler='none'" in dot.c_source(parallel=True, tile=False).splitlines()[2]
    assert re.search(r"fallback: refusing to emit code for 'dot': the emitted code violates (RAW|WAW|WAR) on out",
                     str(dot.schedule(parallel=True, tile=False)))


@po.kernel
def reduction_beside_other_elements(x: po.f64[N], A: po.f64[N, N]):
    for i in range(1, N - 2):
        x[N - 1] += 0.5 * A[N - 1, i]
        x[i] = 0.25 * A[i, i]


def test_a_reduced_array_used_by_another_statement_of_the_loop_stays_serial():
    # fuzz seed 30: inside a loop reducing x[N - 1:1], OpenMP makes x point to a private buffer
    info = _loop(reduction_beside_other_elements.schedule(fuse="max"), "i")
    assert info.kind == SERIAL and "S1 uses x in the loop too" in info.reason
    rng = np.random.default_rng(8)
    for n in (1, 4, 9):
        assert agrees(reduction_beside_other_elements, dict(x=rng.random(n), A=rng.random((n, n))), fuse="max")


def test_the_emitted_code_check_refuses_a_reduced_array_used_beside_the_reduction(monkeypatch):
    from polyopt.schedule.passes import kinds

    monkeypatch.setattr(kinds, "_arrays_of", lambda stmt: set())  # the scheduler no longer sees the use
    kern = reduction_beside_other_elements
    with pytest.raises(CodegenError, match="reduces 'x' but S1 accesses it"):
        kern.c_source(plan=kern.schedule(fuse="max", tile=False).plan)  # not memoized by the test above
    assert "scheduler='none'" in kern.c_source(fuse="max", tile=False).splitlines()[2]
    assert "reduces 'x' but S1 accesses it" in str(kern.schedule(fuse="max", tile=False))  # the fallback's reason


@po.kernel
def two_reductions_one_reading_the_other(x: po.f64[N], A: po.f64[N, M], y: po.f64[M]):
    for i in range(M - 3, 1, -2):
        for j in range(M - 3, 1, -1):
            A[0, 0] += 0.25 * y[j]
            x[N - 1] += 0.5 * A[0, j - 2]


def test_a_statement_reducing_another_array_that_reads_a_reduced_one_keeps_the_loop_serial():
    # fuzz seed 6995: S1 reduces x but reads A[0, j - 2], which is A[0, 0] at j = 2, the element
    # S0 reduces: in the accumulator, not in memory, while the loop runs
    kern = two_reductions_one_reading_the_other
    assert _loop(kern.schedule(), "j").kind == SERIAL and "reduction(" not in kern.c_source()
    rng = np.random.default_rng(6995)
    for n, m in ((1, 1), (7, 9), (3, 12)):
        assert agrees(kern, dict(x=rng.random(n), A=rng.random((n, m)), y=rng.random(m)))


def test_the_emitted_code_check_refuses_a_reduction_read_by_a_statement_reducing_another_array(monkeypatch):
    from polyopt.schedule.passes import kinds

    monkeypatch.setattr(kinds, "_shared_use", lambda m, reduced, env: "")  # the scheduler no longer sees it
    kern = po.kernel(two_reductions_one_reading_the_other.py_func)
    with pytest.raises(CodegenError, match="reduces 'A' but S1 accesses it"):
        kern.c_source(plan=kern.schedule().plan)
    assert "scheduler='none'" in kern.c_source().splitlines()[2]
    assert "reduces 'A' but S1 accesses it" in str(kern.schedule())  # the fallback's reason


@po.kernel
def matrix_vector(A: po.f64[N, M], x: po.f64[M], y: po.f64[N]):
    for i in range(N):
        for j in range(M):
            y[i] += A[i, j] * x[j]


def test_an_innermost_reduction_is_simd_with_its_element_in_an_accumulator():
    s = matrix_vector.schedule(tile=False, reassociate=True)
    assert _loop(s, "i").kind == PARALLEL and _loop(s, "j").kind == SIMD
    c = matrix_vector.c_source(tile=False, reassociate=True)
    assert "double polyopt_acc0 = y[c0];" in c and "y[c0] = polyopt_acc0;" in c
    assert "#pragma omp simd reduction(+:polyopt_acc0)" in c
    assert "polyopt_acc0 = A[c0 * M + c1] * x[c1] + polyopt_acc0;" in c or "polyopt_acc0 +=" in c
    assert _loop(matrix_vector.schedule(tile=False, reassociate=False), "j").kind == SERIAL
    # by default a sum inside the rows' parallel loop keeps its order: the rounding of the original
    assert _loop(matrix_vector.schedule(tile=False), "j").kind == SERIAL
    rng = np.random.default_rng(9)
    for n, m in ((1, 1), (3, 17), (40, 33)):
        data = dict(A=rng.random((n, m)), x=rng.random(m), y=rng.random(n))
        assert agrees(matrix_vector, data, tile=False, reassociate=True)
        assert agrees(matrix_vector, data, tile=False)


def test_check_compares_a_reassociated_kernel_to_a_looser_tolerance():
    from polyopt.cli.check import compare

    want = np.linspace(0.1, 1.0, 50)
    got = want * (1 + 2e-8)  # durbin's reordered sums move its output by ~1.6e-8 at LARGE
    assert not compare(want, got, None)[2]
    assert compare(want, got, None, reassociated=True)[2]
    assert not compare(want, want * (1 + 1e-4), None, reassociated=True)[2]


@po.kernel
def row_max(X: po.f64[N, M], out: po.f64[N]):
    for i in range(N):
        m = X[i, 0]
        for j in range(1, M):
            m = max(m, X[i, j])
        out[i] = m


def test_a_running_maximum_is_a_max_reduction():
    s = row_max.schedule()
    assert _loop(s, "i").kind == PARALLEL and _loop(s, "j").kind == SIMD
    assert _loop(s, "j").reduce == (("m", "max", "S1"),)
    assert "#pragma omp simd reduction(max:m)" in row_max.c_source()
    rng = np.random.default_rng(10)
    for n, m in ((1, 1), (2, 5), (33, 70)):
        assert agrees(row_max, dict(X=rng.standard_normal((n, m)), out=np.zeros(n)))
