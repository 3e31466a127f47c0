"""The plan (polyopt.schedule.plan): every decision as data that round-trips, changes and is re-checked."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import polyopt as po
from polyopt.errors import IllegalScheduleError, ScheduleError
from polyopt.schedule.plan import LoopPlan, Plan
from tests.agreement import agrees

N, M, K, T = po.symbols("N M K T")


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            C[i, j] *= beta
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def jacobi(steps: int, A: po.f64[N, N], B: po.f64[N, N]):
    for t in range(steps):
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, j + 1] + A[i + 1, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, j + 1] + B[i + 1, j] + B[i - 1, j])


def _gemm_args(rng):
    return dict(alpha=1.5, beta=0.5, C=rng.random((37, 41)), A=rng.random((37, 29)), B=rng.random((29, 41)))


@pytest.mark.parametrize("kernel, options", [(gemm, {}), (gemm, {"tile": False}), (gemm, {"fuse": "max"}),
                                             (jacobi, {}), (jacobi, {"scheduler": "isl"}),
                                             (jacobi, {"scheduler": "none"})])
def test_a_schedules_plan_gives_byte_identical_c(kernel, options):
    plan = kernel.schedule(**options).plan
    assert kernel.c_source(plan=plan) == kernel.c_source(**options)
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert kernel.c_source(plan=again) == kernel.c_source(**options)


def test_the_plan_records_every_decision():
    plan = gemm.schedule().plan
    assert plan.fusion == (("S0",), ("S1",))
    update = plan.band(1)
    assert update.statements == ("S1",) and update.loops == ("i", "j", "k")
    assert update.order == ("i", "k", "j") and update.tile == (32, 128, 32) and not update.wavefront
    kinds = {lp.name: lp for lp in update.kinds}
    assert kinds["i_tile"].kind == "parallel" and kinds["i_tile"].collapse == 2 and kinds["i_tile"].outline
    assert kinds["j"].kind == "simd" and kinds["k"].reductions == ("C[i, j]",)
    text = str(plan)
    assert "band 1 (S1): loops i, j, k; order i, k, j; tiled 32x128x32" in text
    assert "i_tile: parallel (collapse 2, one thread below 16384 instances, body outlined) -- carries no " \
           "dependence" in text


def test_changed_tile_sizes_and_order_compile_and_agree():
    rng = np.random.default_rng(0)
    plan = gemm.schedule().plan.with_band(1, tile=(8, 16, 4), order=("k", "i", "j"), registers=())
    assert plan.band(1).kinds is None  # decided again
    s = gemm.schedule(plan=plan)
    assert s.bands[1].tile_sizes == (8, 16, 4)
    assert [lp.name for lp in s.bands[1].loops] == ["k", "i", "j"]
    assert "16*floor(j/16)" in "\n".join(s.transforms["S1"]) or "tiled 8x16x4" in str(s)
    assert agrees(gemm, _gemm_args(rng), plan=plan)


def test_an_untiled_band_and_no_wavefront_are_decisions_too():
    rng = np.random.default_rng(1)
    plan = jacobi.schedule().plan
    assert plan.band(0).wavefront
    serial = plan.with_band(0, wavefront=False)
    s = jacobi.schedule(plan=serial)
    assert all(lp.kind != "pipelined" for b in s.bands for lp in b.tile_loops)
    args = dict(steps=3, A=rng.random((19, 19)), B=rng.random((19, 19)))
    assert agrees(jacobi, args, plan=serial)
    untiled = plan.with_band(0, tile=(), wavefront=False)
    assert jacobi.schedule(plan=untiled).bands[0].tile_sizes is None
    assert agrees(jacobi, args, plan=untiled)


def test_a_loop_given_as_parallel_that_carries_a_dependence_is_refused():
    plan = gemm.schedule().plan
    band = plan.band(1)
    kinds = tuple(replace(lp, kind="parallel", collapse=1) if lp.name == "k" else lp for lp in band.kinds)
    bad = replace(plan, bands=(plan.bands[0], replace(band, kinds=kinds)))
    with pytest.raises(IllegalScheduleError, match=r"loop k cannot be parallel: it carries RAW on C from "
                                                   r"S1\[i, k, j\] to S1\[i, k \+ 1, j\]"):
        gemm.compile(plan=bad)


def test_a_plan_that_does_not_fit_is_refused_clearly():
    plan = gemm.schedule().plan
    with pytest.raises(ScheduleError, match="for kernel 'gemm', not 'jacobi'"):
        jacobi.schedule(plan=plan)
    with pytest.raises(ScheduleError, match="gives 2 tile size"):
        gemm.schedule(plan=plan.with_band(1, tile=(8, 8)))
    with pytest.raises(ScheduleError, match="not a polyopt plan"):
        Plan.from_json('{"version": 1}')
    with pytest.raises(po.OptionError, match="a plan or options, not both"):
        gemm.compile(plan=plan, tile=False)
    with pytest.raises(ScheduleError, match="unknown kind"):
        LoopPlan("i", "sideways")


def test_a_plan_can_be_given_to_the_decorator_and_as_json():
    rng = np.random.default_rng(2)
    plan = gemm.schedule().plan.with_band(1, tile=(16, 16, 16))
    fixed = po.kernel(plan=plan.to_json())(gemm.py_func)
    assert fixed.schedule().bands[1].tile_sizes == (16, 16, 16)
    assert fixed.c_source() == gemm.c_source(plan=plan)
    assert agrees(fixed, _gemm_args(rng))


def test_distribution_order_against_the_dependences_is_refused():
    plan = jacobi.schedule().plan
    band = plan.band(0)
    assert band.distribute == ("S0", "S1")
    with pytest.raises(IllegalScheduleError, match="puts S1 before S0"):
        jacobi.schedule(plan=plan.with_band(0, distribute=("S1", "S0")))


@po.kernel
def two_sums(A: po.f64[N, M], B: po.f64[N, M], x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        for j in range(M):
            x[i] += A[i, j]
    for i in range(N):
        for j in range(M):
            y[i] += B[i, j] * x[i]


def test_fuse_pairs_overrides_the_fusion_policy_for_one_pair():
    rng = np.random.default_rng(4)
    args = dict(A=rng.random((23, 17)), B=rng.random((23, 17)), x=rng.random(23), y=rng.random(23))
    assert two_sums.schedule().plan.fusion == (("S0",), ("S1",))
    fused = two_sums.schedule(fuse_pairs=[("S1", "S0", "fuse")])
    assert fused.plan.fusion == (("S0", "S1"),)
    assert "fuse_pairs=S1+S0" in str(fused).splitlines()[0]
    assert agrees(two_sums, args, fuse_pairs=[("S1", "S0", "fuse")])
    # "apart" wins over fuse="max"; the plan keeps the option through JSON
    apart = two_sums.schedule(fuse="max", fuse_pairs=[("S0", "S1", "apart")]).plan
    assert apart.fusion == (("S0",), ("S1",))
    again = Plan.from_json(apart.to_json())
    assert again == apart and two_sums.schedule(plan=again).plan.fusion == apart.fusion
    with pytest.raises(ScheduleError, match="fuse_pairs names S7, which 'two_sums' does not have"):
        two_sums.schedule(fuse_pairs=[("S7", "S0", "fuse")])
    with pytest.raises(po.OptionError, match="invalid fuse_pairs entry"):
        two_sums.schedule(fuse_pairs=[("S1", "S0", "together")])


def test_a_serial_loop_unrolled_by_a_factor_is_printed_with_gccs_pragma():
    rng = np.random.default_rng(5)
    plan = two_sums.schedule(tile=(32, 32)).plan  # tiled: by default the rows are jammed instead
    band, loop = next((k, lp) for k, b in enumerate(plan.bands) for lp in b.kinds or () if lp.kind == "serial")
    kinds = tuple(replace(lp, unroll_by=4) if lp is loop else lp for lp in plan.band(band).kinds)
    unrolled = plan.with_band(band, kinds=kinds)
    assert f"{loop.name}: serial (unrolled by 4)" in str(unrolled)
    assert Plan.from_json(unrolled.to_json()) == unrolled
    assert "#pragma GCC unroll 4\n" in two_sums.c_source(plan=unrolled)
    args = dict(A=rng.random((23, 17)), B=rng.random((23, 17)), x=rng.random(23), y=rng.random(23))
    assert agrees(two_sums, args, plan=unrolled)
    simd = gemm.schedule().plan
    index = next(k for k, b in enumerate(simd.bands) for lp in b.kinds or () if lp.kind == "simd")
    kinds = tuple(replace(lp, unroll_by=2) if lp.kind == "simd" else lp for lp in simd.band(index).kinds)
    with pytest.raises(IllegalScheduleError, match="only a serial loop is unrolled by a factor"):
        gemm.schedule(plan=simd.with_band(index, kinds=kinds))
    with pytest.raises(ScheduleError, match="unroll_by must be 0 or 2..64"):
        LoopPlan("i", "serial", unroll_by=1)


@po.kernel
def row_sums(A: po.f64[N, M], B: po.f64[N, M], x: po.f64[M], y: po.f64[N]):
    for i in range(N):
        y[i] = 0.0
        for j in range(M):
            y[i] += A[i, j] * x[j] + B[i, j] * x[j]


def test_unroll_and_jam_puts_independent_rows_inside_the_column_loop():
    rng = np.random.default_rng(6)
    plan = row_sums.schedule().plan
    band = next(k for k, b in enumerate(plan.bands) if b.permutable and len(b.loops) == 2)
    outer = (plan.band(band).order or plan.band(band).loops)[0]
    jammed = plan.with_band(band, jam=((outer, 4),))
    text = str(row_sums.schedule(plan=jammed))
    assert f"{outer} unrolled by 4 and jammed inside" in text
    assert f"{outer} unrolled by 4 and jammed" in str(jammed)
    made = row_sums.schedule(plan=jammed).plan
    assert Plan.from_json(made.to_json()) == made
    # four rows per iteration of the column loop: the statement printed four times in it
    source = row_sums.c_source(plan=jammed)
    assert source.count("/* S1 */") >= 4
    for n, m in ((13, 7), (4, 9), (1, 3)):
        args = dict(A=rng.random((n, m)), B=rng.random((n, m)), x=rng.random(m), y=np.zeros(n))
        assert agrees(row_sums, args, plan=jammed)


def test_a_jam_that_cannot_be_made_is_refused():
    plan = row_sums.schedule().plan
    band = next(k for k, b in enumerate(plan.bands) if b.permutable and len(b.loops) == 2)
    inner = (plan.band(band).order or plan.band(band).loops)[-1]
    outer = (plan.band(band).order or plan.band(band).loops)[0]
    with pytest.raises(ScheduleError, match=f"cannot jam loop '{inner}'"):
        row_sums.schedule(plan=plan.with_band(band, jam=((inner, 4),)))
    with pytest.raises(ScheduleError, match="jam factor 1 is not an int from 2 to 16"):
        row_sums.schedule(plan=plan.with_band(band, jam=((outer, 1),)))
