"""The printed schedule describes the code that is emitted (issue 15, items 5 and 6).

* where statements are cut apart, and which loops they share (a 5-tap filter: fused in ``i``,
  apart below it);
* a parallel loop's collapse as printed (gemm's initialisation is not collapsed where full tiles are
  separated, nor syrk's triangular tiles, and the explanation says why; a collapse a plan asks for
  is printed);
* where the code cannot do what was decided, the explanation says so ("in the C: ...");
* a parallel loop too small for threads runs on one thread: an OpenMP ``if`` clause on the
  estimated work, whose threshold the plan records.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import replace

import pytest

import polyopt as po
from kernels.blas import gemm, syrk
from polyopt import config
from polyopt.cfront import optimize_c
from polyopt.errors import IllegalScheduleError
from polyopt.runtime.toolchain import compile_shared
from polyopt.schedule.plan import Plan
from polyopt.schedule.policy import DEFAULT_POLICY
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
    assert "tile i_tile: parallel (one thread below 16384 instances) -- carries no dependence\n" in text
    assert "not collapsed into it: full tiles are separated at this loop" in text
    assert "tile i_tile: parallel (collapse 2, one thread below 16384 instances) -- carries no dependence" in text
    c = gemm.c_source()
    assert c.count("#pragma omp parallel for if(") == 1
    assert c.count("#pragma omp parallel for collapse(2) if(") == 1


def test_a_collapse_the_plan_asks_for_is_printed():
    # code generation then separates full tiles one loop lower, so the nest stays collapsible
    plan = gemm.schedule().plan
    kinds = tuple(replace(lp, collapse=2) if lp.name == "i_tile" else
                  replace(lp, reason="carries no dependence; collapsed into parallel loop i_tile")
                  if lp.name == "j_tile" else lp for lp in plan.band(0).kinds)
    text = explained(gemm, plan=plan.with_band(0, kinds=kinds))
    assert text.count("tile i_tile: parallel (collapse 2, one thread below 16384 instances) -- carries no "
                      "dependence") == 2
    assert "code: every loop printed as decided" in text
    c = gemm.c_source(plan=plan.with_band(0, kinds=kinds))
    assert c.count("#pragma omp parallel for collapse(2) if(") == 2


def test_triangular_tiles_are_not_collapsed_and_the_explanation_says_why():
    text = explained(syrk)
    assert "tile i_tile: parallel (one thread below 16384 instances)" in text
    assert "not collapsed into it: its bounds depend on it" in text
    assert "collapse(2)" not in syrk.c_source()


def test_a_decision_the_code_cannot_follow_is_explained_as_printed():
    plan = syrk.schedule().plan
    kinds = tuple(replace(lp, collapse=2) if lp.name == "i_tile" else
                  replace(lp, reason="carries no dependence; collapsed into parallel loop i_tile")
                  if lp.name == "j_tile" else lp for lp in plan.band(0).kinds)
    plan = plan.with_band(0, kinds=kinds)
    text = explained(syrk, plan=plan)
    assert ("tile i_tile: parallel (collapse 2, one thread below 16384 instances) -- carries no dependence; "
            "in the C: collapse(2) printed as collapse(1): the bounds of loop c1 depend on the loops it "
            "would join") in text
    assert "code: 1 loop(s) printed otherwise than decided" in text


def test_before_the_code_is_generated_the_explanation_is_the_plan():
    # a configuration no other test generates code for
    assert transpose_add.schedule(tile=8).emitted is None and "code:" not in str(transpose_add.schedule(tile=8))
    transpose_add.c_source(tile=8)
    assert "code: every loop printed as decided" in str(transpose_add.schedule(tile=8))


def _clause(text: str) -> str:
    m = re.search(r"#pragma omp parallel for(?: collapse\(\d\))? if\((.*)\)\n", text)
    assert m, text
    return m.group(1)


def test_small_work_runs_on_one_thread(tmp_path):
    text = transpose_add.c_source()
    assert _clause(text) == f"N * N >= {DEFAULT_POLICY.min_parallel_work}"
    # The clause, compiled in the kernel's own translation unit, decides: one thread for 64x64, the
    # parallel region for 2000x2000.
    source = tmp_path / "clause.c"
    source.write_text(text + f"\nlong polyopt_test_clause(long N) {{ return {_clause(text)}; }}\n")
    library = tmp_path / "clause.so"
    compile_shared(str(source), str(library), config.current().cc, config.current().all_cflags)
    clause = ctypes.CDLL(str(library)).polyopt_test_clause
    clause.argtypes, clause.restype = [ctypes.c_long], ctypes.c_long
    assert clause(64) == 0 and clause(2000) == 1


def test_the_plan_records_the_work_threshold_and_takes_it_back():
    plan = transpose_add.schedule().plan
    head = plan.band(0).kinds[0]
    assert head.kind == "parallel" and head.min_work == DEFAULT_POLICY.min_parallel_work
    always = plan.with_band(0, kinds=(replace(head, min_work=0),) + plan.band(0).kinds[1:])
    assert " if(" not in transpose_add.c_source(plan=always)
    bigger = plan.with_band(0, kinds=(replace(head, min_work=10**6),) + plan.band(0).kinds[1:])
    assert _clause(transpose_add.c_source(plan=bigger)) == "N * N >= 1000000"
    assert "one thread below 1000000 instances" in str(bigger)
    again = Plan.from_json(bigger.to_json())
    assert again == bigger and transpose_add.c_source(plan=again) == transpose_add.c_source(plan=bigger)
    undecided = Plan.from_json(bigger.to_json().replace('"min_work": 1000000', '"min_work": null'))
    assert transpose_add.c_source(plan=undecided) == transpose_add.c_source()  # None: the policy's value


def test_only_a_parallel_loop_has_a_work_threshold():
    plan = transpose_add.schedule().plan
    kinds = tuple(replace(lp, min_work=100) if lp.kind == "simd" else lp for lp in plan.band(0).kinds)
    with pytest.raises(IllegalScheduleError, match="only a parallel loop has a min_work"):
        transpose_add.schedule(plan=plan.with_band(0, kinds=kinds))


JACOBI_C = """void jac(int T, int n, double A[n], double B[n]) {
#pragma scop
  for (int t = 0; t < T; t++) {
    for (int i = 1; i < n - 1; i++)
      B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
    for (int i = 1; i < n - 1; i++)
      A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
  }
#pragma endscop
}
"""


def test_polyopt_cc_prints_the_same_clause(tmp_path):
    out = optimize_c(JACOBI_C, filename="jac.c")
    clause = _clause(out)  # the work of all tiles over the number of wavefronts, in the file's names
    assert clause.startswith("T * (n - 2) + T * (n - 2) >= 16384 * ")
    assert not re.search(r"\bc\d", clause)  # no loop variable: one clause for every wavefront
    source = tmp_path / "jac.c"
    source.write_text(out)
    compile_shared(str(source), str(tmp_path / "jac.so"), config.current().cc, config.current().all_cflags)
