"""Hand transformations: each step keeps the code correct, illegal steps name the dependence."""

import numpy as np
import pytest

import polyopt as po

NI, NJ, NK, N = po.symbols("NI NJ NK N")


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def seidel(T: int, A: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            A[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0


def _run_gemm(schedule):
    rng = np.random.default_rng(1)
    C, A, B = rng.random((9, 7)), rng.random((9, 5)), rng.random((5, 7))
    C2 = C.copy()
    gemm.compile(schedule=schedule)(1.5, 1.2, C, A, B)
    gemm.reference(1.5, 1.2, C2, A, B)
    np.testing.assert_allclose(C, C2, rtol=1e-12)


def test_interchange_fuse_tile_parallelize_runs_correctly():
    s = gemm.schedule(scheduler="none").interchange(2, 3, stmts="S1").fuse(1).parallelize(0).tile(0, (4, 4))
    text = str(s)
    assert "T(S1): (i, k, j) -> (4*floor(i/4), 4*floor(j/4), i, j, 1, k)" in text
    assert "loop i: parallel" in text
    assert "#pragma omp parallel for" in _c(s)
    _run_gemm(s)


def test_trace_reproduces_the_schedule():
    s = gemm.schedule(scheduler="none").interchange(2, 3, stmts="S1").fuse(1).tile(0, 4)
    assert s.trace == ("s = gemm.schedule(scheduler='none')", "s = s.interchange(2, 3, stmts=('S1',))",
                       "s = s.fuse(1)", "s = s.tile(0, (4,))")
    env = {"gemm": gemm}
    exec("\n".join(s.trace), env)
    assert env["s"].schedule_map().is_equal(s.schedule_map())


def test_illegal_fusion_names_dependence_and_pair():
    with pytest.raises(po.IllegalScheduleError) as info:
        gemm.schedule(scheduler="none").fuse(1)
    msg = str(info.value)
    assert "fuse(1) is illegal" in msg and "on C from S" in msg
    assert info.value.violation is not None and info.value.violation.array == "C"


def test_parallelize_refuses_a_carried_loop():
    s = gemm.schedule(scheduler="none")
    with pytest.raises(po.IllegalScheduleError, match=r"RAW on C from S1\[0, 0, 0\] to S1\[0, 1, 0\]"):
        s.parallelize(2, stmts="S1")
    assert "loop j: parallel" in str(s.parallelize(3, stmts="S1"))


def test_vectorize_needs_innermost():
    s = gemm.schedule(scheduler="none")
    with pytest.raises(po.ScheduleError, match="innermost"):
        s.vectorize(0)
    assert "#pragma omp simd" in _c(s.vectorize(3, stmts="S1"))


def _c(schedule):
    from polyopt.codegen import generate_c

    return generate_c(schedule).text


def test_stencil_skew_makes_inner_loop_parallel_after_interchange():
    s = seidel.schedule(scheduler="none")
    with pytest.raises(po.IllegalScheduleError):
        s.parallelize(1)
    with pytest.raises(po.IllegalScheduleError, match="interchange"):
        s.interchange(0, 1)
    # Skew i by 2t: every dependence gets a positive second component, then the wavefront t' = t + i'
    # carries everything and the loop inside it is parallel.
    w = s.skew(1, 0, 2).skew(0, 1, 1).interchange(0, 1)
    w = w.parallelize(1)
    assert "parallel" in str(w)
    rng = np.random.default_rng(2)
    a = rng.random(12)
    b = a.copy()
    seidel.compile(schedule=w)(5, a)
    seidel.reference(5, b)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_reverse_and_shift_checked():
    s = seidel.schedule(scheduler="none")
    with pytest.raises(po.IllegalScheduleError):
        s.reverse(0)
    s2 = gemm.schedule(scheduler="none").reverse(0).shift(0, 3)
    _run_gemm(s2)


def test_distribute_is_inverse_of_fuse():
    s = gemm.schedule(scheduler="none").interchange(2, 3, stmts="S1")
    f = s.fuse(1)
    d = f.distribute(1)
    assert d.fusion == s.fusion and str(d).count("for j") == 2
    _run_gemm(d)


def test_bad_arguments():
    s = gemm.schedule(scheduler="none")
    with pytest.raises(po.ScheduleError, match="out of range"):
        s.interchange(0, 9)
    with pytest.raises(po.ScheduleError, match="unknown statement"):
        s.reverse(0, stmts="S9")
    with pytest.raises(po.PolyoptError, match="another kernel|schedule of kernel"):
        seidel.compile(schedule=s)
