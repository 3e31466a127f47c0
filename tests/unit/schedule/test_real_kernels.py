"""Scheduling kernels written as Python functions (through the real frontend and model builder)."""

import pytest

import polyopt as po
from polyopt.analysis.dependences import compute_dependences
from polyopt.frontend import parse_kernel
from polyopt.poly.build import build_scop
from polyopt.schedule import ScheduleOptions, compute_schedule
from polyopt.schedule.loops import PARALLEL, PIPELINED, SERIAL, SIMD

from .conftest import filecheck

N, M, T = po.symbols("N M T")


def gemm(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, N], B: po.f64[N, N]):
    for i in range(N):
        for j in range(N):
            C[i, j] *= beta
            for k in range(N):
                C[i, j] += alpha * A[i, k] * B[k, j]


def jacobi_2d(A: po.f64[N, N], B: po.f64[N, N], steps: int):
    for t in range(steps):  # noqa: B007 (the time loop: t names the schedule rows)
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, j + 1] + A[i + 1, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, j + 1] + B[i + 1, j] + B[i - 1, j])


def atax(A: po.f64[M, N], x: po.f64[N], y: po.f64[N], tmp: po.f64[M]):
    for i in range(N):
        y[i] = 0.0
    for i in range(M):
        tmp[i] = 0.0
        for j in range(N):
            tmp[i] = tmp[i] + A[i, j] * x[j]
        for j in range(N):
            y[j] = y[j] + A[i, j] * tmp[i]


def deps_of(func):
    return compute_dependences(build_scop(parse_kernel(func)))


@pytest.fixture(scope="module")
def real():
    return {f.__name__: deps_of(f) for f in (gemm, jacobi_2d, atax)}


def test_gemm_from_python(real):
    s = compute_schedule(real["gemm"])
    band = s.bands[-1]
    assert [(i.name, i.kind) for i in band.loops] == [("i_reg", SERIAL), ("j_reg", SERIAL), ("k", SERIAL),
                                                      ("i", SERIAL), ("j", SIMD)]
    assert band.tile_loops[0].kind == PARALLEL and band.loops[2].reductions == ("C[i, j]",)
    filecheck(str(s), """
        CHECK: T(S1): (i, j, k) -> (1, 32*floor(i/32), 128*floor(j/128), 32*floor(k/32), 4*floor(i/4),
        CHECK-SAME: 16*floor(j/16), k, i, j)
        CHECK: loop j: simd
    """)


def test_jacobi_2d_from_python(real):
    s = compute_schedule(real["jacobi_2d"])
    (band,) = s.bands
    assert s.transforms["S0"][:3] == ("t", "2*t + i", "2*t + j")
    assert [i.kind for i in band.tile_loops[:2]] == [PIPELINED, PARALLEL]


def test_atax_reductions_written_as_plain_assignments(real):
    s = compute_schedule(real["atax"], ScheduleOptions(tile=False))
    reductions = {r for b in s.bands for i in b.loops for r in i.reductions}
    assert {"tmp[i]", "y[j]"} <= reductions
    for b in s.bands:
        for info in b.loops:
            if info.reductions:  # kept serial, or combined across vector lanes
                serial = info.kind == SERIAL and "kept serial" in info.reason
                assert serial or (info.kind == SIMD and info.reduce)
