"""The printed schedule describes the code that is emitted (issue 15, item 5).

* where statements are cut apart, and which loops they share (a 5-tap filter: fused in ``i``,
  apart below it);
* a parallel loop's collapse as printed (gemm's initialisation is not collapsed where full tiles are
  separated, nor syrk's triangular tiles, and the explanation says why; a collapse a plan asks for
  is printed);
* where the code cannot do what was decided, the explanation says so ("in the C: ...").
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import polyopt as po
from tests.explaincheck import problems

N, NI, NJ, NK, M = po.symbols("N NI NJ NK M")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def filter5(x: po.f64[N + 4], w: po.f64[5], y: po.f64[N]):
    for i in range(N):
        y[i] = 0.0
        for t in range(5):
            y[i] += w[t] * x[i + t]


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def syrk(alpha: po.f64, beta: po.f64, C: po.f64[N, N], A: po.f64[N, M]):
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += alpha * A[i, k] * A[j, k]


@po.kernel
def transpose_add(A: po.f64[N, N], B: po.f64[N, N], C: po.f64[N, N]):
    for i in range(N):
        for j in range(N):
            C[i, j] = A[i, j] + B[j, i]


def explained(kernel, **options) -> str:
    """The printed schedule once the code is generated, checked claim by claim against the code."""
    text = kernel.c_source(**options)
    schedule = kernel.schedule(**options)
    assert schedule.emitted is not None
    assert problems(str(schedule), text, schedule.emitted) == []
    return str(schedule)


def test_a_cut_says_which_loop_it_is_in():
    text = explained(filter5)
    assert "fusion: (S0, S1 in loop i: (S0) (S1))" in text  # fused in i, each in loops of its own below
    assert "  cut S0 | S1 inside loop i (fuse=smart)" in text
    assert "S1 not fused with S0 inside loop i: S0 would not get a loop of its own" in text
    assert "code: every loop printed as decided" in text


def test_gemm_is_collapsed_as_explained():
    # band 0 has two tile loops: full tiles are separated at j_tile, so it is not collapsed into
    # i_tile (the "parallel (collapse 2)" over a plain "parallel for"); band 1 collapses two
    text = explained(gemm)
    assert "tile i_tile: parallel -- carries no dependence\n" in text
    assert "not collapsed into it: full tiles are separated at this loop" in text
    assert "tile i_tile: parallel (collapse 2) -- carries no dependence" in text
    c = gemm.c_source()
    assert c.count("#pragma omp parallel for\n") == 1 and c.count("#pragma omp parallel for collapse(2)\n") == 1


def test_a_collapse_the_plan_asks_for_is_printed():
    # code generation then separates full tiles one loop lower, so the nest stays collapsible
    plan = gemm.schedule().plan
    kinds = tuple(replace(lp, collapse=2) if lp.name == "i_tile" else
                  replace(lp, reason="carries no dependence; collapsed into parallel loop i_tile")
                  if lp.name == "j_tile" else lp for lp in plan.band(0).kinds)
    text = explained(gemm, plan=plan.with_band(0, kinds=kinds))
    assert text.count("tile i_tile: parallel (collapse 2) -- carries no dependence") == 2
    assert "code: every loop printed as decided" in text
    assert gemm.c_source(plan=plan.with_band(0, kinds=kinds)).count("#pragma omp parallel for collapse(2)\n") == 2


def test_triangular_tiles_are_not_collapsed_and_the_explanation_says_why():
    text = explained(syrk)
    assert "tile i_tile: parallel -- carries no dependence" in text
    assert "not collapsed into it: its bounds depend on it" in text
    assert "collapse(2)" not in syrk.c_source()


def test_a_decision_the_code_cannot_follow_is_explained_as_printed():
    plan = syrk.schedule().plan
    kinds = tuple(replace(lp, collapse=2) if lp.name == "i_tile" else
                  replace(lp, reason="carries no dependence; collapsed into parallel loop i_tile")
                  if lp.name == "j_tile" else lp for lp in plan.band(0).kinds)
    plan = plan.with_band(0, kinds=kinds)
    text = explained(syrk, plan=plan)
    assert ("tile i_tile: parallel (collapse 2) -- carries no dependence; "
            "in the C: collapse(2) printed as collapse(1): the bounds of loop c1 depend on the loops it "
            "would join") in text
    assert "code: 1 loop(s) printed otherwise than decided" in text


def test_before_the_code_is_generated_the_explanation_is_the_plan():
    fresh = po.kernel(transpose_add.py_func)
    assert fresh.schedule().emitted is None and "code:" not in str(fresh.schedule())
