"""Parallel loop bodies as static functions with restrict parameters, and collapse(2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import polyopt as po
from polyopt.codegen import cexpr as ce
from polyopt.codegen.printer import Loop, collapse_parallel
from polyopt.schedule.loops import PARALLEL
from tests.agreement import agrees

N, M = po.symbols("N M")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def two_matvecs(A: po.f64[N, M], B: po.f64[N, M], x: po.f64[M], y: po.f64[N], z: po.f64[N]):
    for i in range(N):
        y[i] = 0.0
        z[i] = 0.0
        for j in range(M):
            y[i] += A[i, j] * x[j]
            z[i] += B[i, j] * x[j]


@po.kernel
def scaled(A: po.f64[N, M], B: po.f64[N, M], alpha: po.f64):
    s = alpha * 2.0
    for i in range(N):
        for j in range(M):
            A[i, j] += s * B[i, j]


@po.kernel
def lower(A: po.f64[N, N], B: po.f64[N, N]):
    for i in range(N):
        for j in range(i + 1):
            A[i, j] = 2.0 * B[i, j]


def test_parallel_body_with_loops_becomes_a_restrict_function():
    text = two_matvecs.c_source()
    head = re.search(r"static void polyopt_two_matvecs_par0\(long c0, ([^)]*)\)", text)
    assert head, text
    assert "double *restrict y" in head.group(1) and "const double *restrict A" in head.group(1)
    # the parallel loop calls it with its own variable and the kernel's parameters
    assert re.search(r"#pragma omp parallel for[^\n]*\n\s*for \(long c0 = [^\n]*\n\s*\{\n"
                     r"\s*polyopt_two_matvecs_par0\(c0, A, B, x, y, z, N, M\);", text), text
    rng = np.random.default_rng(1)
    args = dict(A=rng.random((37, 41)), B=rng.random((37, 41)), x=rng.random(41), y=np.zeros(37),
                z=np.zeros(37))
    assert agrees(two_matvecs, args)


@po.kernel
def copy_rows(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            A[i, j] = 2.0 * B[i, j]


def test_a_parallel_loop_without_accumulation_stays_inline():
    # nothing to hold in a register: the body stays in the loop (jacobi-2d ran slower outlined)
    assert "_par0" not in copy_rows.c_source()


def test_a_parallel_loop_around_statements_only_stays_inline():
    text = two_matvecs.c_source(tile=False)
    # the initialisations' loop has no loop inside: not outlined
    assert re.search(r"#pragma omp parallel for if\(.*\)\n\s*for \(long c0 = 0; c0 < N; c0 \+= 1\)\n"
                     r"\s*\{\n\s*[yz]\[c0\]", text), text


def test_a_temporary_read_inside_is_passed_by_value():
    text = scaled.c_source(tile=False)
    assert re.search(r"static void polyopt_scaled_par0\(long c0, [^)]*, double s\)", text), text
    rng = np.random.default_rng(2)
    args = dict(A=np.zeros((9, 11)), B=rng.random((9, 11)), alpha=1.5)
    assert agrees(scaled, args, tile=False)
    assert agrees(scaled, args)


def _loop(var, init, cond_bound, body, kind="", collapse=1):
    v = ce.Var(var)
    return Loop(var, 0, init, ce.Binary("<", v, cond_bound), ce.IntLit(32), body, kind=kind, collapse=collapse)


def test_collapse_needs_a_perfect_rectangular_nest():
    inner = _loop("c1", ce.IntLit(0), ce.Var("M"), [])
    outer = _loop("c0", ce.IntLit(0), ce.Var("N"), [inner], PARALLEL, 2)
    collapse_parallel([outer])
    assert outer.pragma == "omp parallel for collapse(2)"
    # the inner bound depends on the outer variable (a triangle): no collapse
    inner = _loop("c1", ce.IntLit(0), ce.Var("c0"), [])
    outer = _loop("c0", ce.IntLit(0), ce.Var("N"), [inner], PARALLEL, 2)
    collapse_parallel([outer])
    assert outer.pragma == "omp parallel for"
    # something between the two loops: no collapse
    inner = _loop("c1", ce.IntLit(0), ce.Var("M"), [])
    outer = _loop("c0", ce.IntLit(0), ce.Var("N"), [inner, _loop("c2", ce.IntLit(0), ce.Var("M"), [])],
                  PARALLEL, 2)
    collapse_parallel([outer])
    assert outer.pragma == "omp parallel for"


def test_triangular_tiles_are_not_collapsed_and_stay_correct():
    assert "collapse" not in lower.c_source()
    rng = np.random.default_rng(3)
    args = dict(A=np.zeros((70, 70)), B=rng.random((70, 70)))
    assert agrees(lower, args)
