"""Kernels that once produced wrong code, hung or were refused: each now compiles to code that
matches its Python original in every configuration (issue: trust every generated kernel)."""

from __future__ import annotations

import numpy as np
import pytest

import polyopt as po
from polyopt.codegen import ast_build
from polyopt.codegen.generate import generate_c

from . import nestgen
from .trust_kernels import (
    fuzz_1010,
    fuzz_3081,
    fuzz_3497,
    fuzz_3789,
    fuzz_3920,
    fuzz_4250,
    fuzz_4269,
    fuzz_4609,
    fuzz_4829,
    fuzz_5533,
    never_runs,
    parity_flow,
    pointless_wavefront,
)


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_the_isl_miscompile_is_caught_and_avoided(config):
    for n, m, t in nestgen.SIZES + ((8, 6, 1), (9, 12, 1), (12, 9, 1)):
        problem = nestgen.mismatch(fuzz_1010, nestgen.random_args(3, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem


def test_the_miscompile_needed_another_ast():
    """Under fuse="max" with small tiles, the AST as scheduled runs S5 too early; the emitted-code
    check rejects it and the AST built with context nodes below the bands passes."""
    program = generate_c(fuzz_1010.schedule(fuse="max", tile=4))
    assert program.verified == "with context nodes below the bands"


def test_a_kernel_whose_analysis_used_to_take_minutes_compiles_and_agrees():
    rng = np.random.default_rng(1)
    for n, m in ((7, 6), (8, 5)):
        args = dict(alpha=0.7, Q=rng.random((n, n)), R=rng.random((m, n)))
        problem = nestgen.mismatch(parity_flow, args, {})
        assert problem is None, problem


def test_a_statement_that_never_runs_is_explained_and_compiled():
    text = str(never_runs.schedule())
    assert "T(S0): (i) -> never executed (its domain is empty)" in text
    x, y = np.random.rand(6), np.zeros(6)
    never_runs(x, y)
    assert np.array_equal(y, 2.0 * x)


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_a_reversed_sum_in_small_tiles_survives_gcc(config):
    """gcc 12.2 -O3 vectorized the in-order sum of the 3x2 tiles as a reduction chain over a
    permuted load and counted two terms twice; the loops that carry it are now kept scalar."""
    for n, m, t in nestgen.SIZES + ((7, 9, 1), (10, 8, 1)):
        problem = nestgen.mismatch(fuzz_3081, nestgen.random_args(5, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem
    options = dict(fuse="none", tile=(3, 2), parallel=False, vectorize=False)
    assert fuzz_3081.c_source(**options).count("#pragma omp simd if(0)") == 2
    problem = nestgen.mismatch(fuzz_3081, nestgen.random_args(5, 7, 9, 1), options)
    assert problem is None, problem


def test_no_wavefront_where_it_brings_no_parallel_loop():
    """Skewed tiles whose next loop stays serial only cost: the default schedule keeps the tiles
    in order (and isl generates the code in seconds instead of running for minutes)."""
    text = str(pointless_wavefront.schedule())
    assert "no wavefront: j1_k2_tile would not be parallel in it (temporary 's0' carries a value" in text
    assert "pipelined" not in text
    for n, m, t in ((5, 4, 1), (9, 7, 1)):
        problem = nestgen.mismatch(pointless_wavefront, nestgen.random_args(2, n, m, t), {})
        assert problem is None, problem


def test_temporaries_in_two_loops_are_checked_without_blowing_up():
    """The check keeps the pairs on a temporary that use one declaration of it by filtering them,
    not by intersecting with the relation of all such pairs: the kernel is verified as scheduled
    (it was refused after the check's budget) and agrees in every configuration."""
    assert generate_c(fuzz_3497.schedule()).verified == "as scheduled"
    assert nestgen.check_program(fuzz_3497, seed=3497) is None


@pytest.mark.parametrize("config", ["isl", "isl-notile-serial", "pluto"])
def test_gccs_loop_distribution_is_off(config):
    """gcc 12.2 -O3 distributed the innermost loop of isl's schedule into four, the read of A
    before the write (of the iteration before) it depends on; polyopt's default flags turn gcc's
    loop distribution off (benchmarks/results/gcc12_loop_distribution)."""
    for n, m, t in nestgen.SIZES + ((9, 8, 1),):
        problem = nestgen.mismatch(fuzz_3789, nestgen.random_args(3789, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_two_reductions_that_may_hit_one_element_are_not_split(config):
    """Reduction statements of one array are reduced in parallel only when they update the same
    element at every outer iteration (x[N - 1] and x[i1 + 1] meet at i1 = N - 2 only)."""
    for n, m, t in nestgen.SIZES + ((6, 5, 1), (8, 7, 1)):
        problem = nestgen.mismatch(fuzz_3920, nestgen.random_args(3920, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem
    assert "partial results combined" not in str(fuzz_3920.schedule())


def test_an_ast_generation_isl_cannot_stop_is_stopped_and_the_kernel_compiled_simpler(monkeypatch):
    """isl's AST generator ran for minutes on fuzz seed 4269 when given its tiles band by band
    (before codegen merged them), without counting operations; past the wall-clock limit the
    pipeline compiles the kernel untiled and says so."""
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "2")
    monkeypatch.setenv("POLYOPT_NO_CACHE", "1")
    monkeypatch.setattr(ast_build, "merge_loop_chains", lambda tree: tree)
    kernel = po.kernel(fuzz_4269.py_func)  # none of the other tests' compiled code
    for n, m in ((7, 9), (11, 13)):
        problem = nestgen.mismatch(kernel, nestgen.random_args(4, n, m, 1), {})
        assert problem is None, problem
    text = str(kernel.schedule())
    assert "fallback: code generation of 'fuzz_4269' did not finish within 2 s; compiled with tile=False" in text


def test_the_same_tiles_as_one_band_are_generated_tiled():
    """Merged into one band, the same wavefront tiles need no time limit (0.7 s for the whole
    pipeline): the kernel compiles as scheduled, tiled, and agrees."""
    for n, m in ((7, 9), (11, 13)):
        problem = nestgen.mismatch(fuzz_4269, nestgen.random_args(4, n, m, 1), {})
        assert problem is None, problem
    text = str(fuzz_4269.schedule())
    assert "tile=True" in text.splitlines()[0] and "fallback" not in text


def test_isl_scheduler_past_its_time_limit_gives_way_to_ours(monkeypatch):
    """isl's scheduler ran for minutes on fuzz seed 4250 under fuse="max", past its operation budget."""
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "2")
    options = {"scheduler": "isl", "tile": (7, 3), "fuse": "max"}
    problem = nestgen.mismatch(fuzz_4250, nestgen.random_args(4, 7, 9, 2), options)
    assert problem is None, problem
    assert "isl's scheduler on 'fuzz_4250' did not finish within 2 s" in str(fuzz_4250.schedule(**options))


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_no_private_copy_is_sought_for_a_wavefront_loop(config):
    """Fuzz seed 4609: the privatisation check for the wavefront loop of the tiles of (t, i0) ran
    for minutes inside isl; tile and wavefront loops now keep their arrays shared."""
    for n, m, t in ((5, 4, 2), (7, 9, 2), (11, 13, 3)):
        problem = nestgen.mismatch(fuzz_4609, nestgen.random_args(6, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_a_jam_the_rules_cannot_place_is_dropped_not_refused(config):
    """Fuzz seed 4829: a jam chosen by the row-streams rule with no loop to jam into was an error."""
    for n, m, t in ((5, 4, 2), (7, 9, 1), (11, 13, 1)):
        problem = nestgen.mismatch(fuzz_4829, nestgen.random_args(7, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem


@pytest.mark.parametrize("config", nestgen.CONFIG_IDS)
def test_a_store_rewritten_across_an_outer_loop_keeps_its_last_value(config):
    """gcc 12.2 vectorized a serial loop around a SIMD loop whose store rewrites elements of the
    iteration before (benchmarks/results/gcc12_outer_loop_stores); that loop now ends with a
    compiler barrier (the golden files show none where no loop rewrites a store)."""
    for n, m, t in nestgen.SIZES:
        problem = nestgen.mismatch(fuzz_5533, nestgen.random_args(5533, n, m, t), nestgen.CONFIG_OPTIONS[config])
        assert problem is None, problem
    if config == "isl-notile-serial":  # the configuration gcc miscompiled, and its plan given back
        options = nestgen.CONFIG_OPTIONS[config]
        assert "__asm__ volatile" in fuzz_5533.c_source(**options)
        assert "__asm__ volatile" in fuzz_5533.c_source(plan=fuzz_5533.schedule(**options).plan)
