"""Loops of a few iterations (a filter's taps): no skew for them, SIMD loops sunk below them or
kept around them (unrolled), and smaller wavefront tiles for 4-deep stencil bands."""

from __future__ import annotations

import re

import numpy as np
import pytest

import polyopt as po
from tests.agreement import agrees

from .conftest import filecheck

NB, C, K, H, W, OH, OW, N, M = po.symbols("NB C K H W OH OW N M")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def conv(inp: po.f64[NB, C, H, W], wt: po.f64[K, C, 3, 3], out: po.f64[NB, K, OH, OW]):
    """Stride-2 3x3 convolution with padding 1: the taps' bounds depend on oh and ow."""
    for n in range(NB):
        for k in range(K):
            for oh in range(OH):
                for ow in range(OW):
                    out[n, k, oh, ow] = 0.0
                    for c in range(C):
                        for r in range(max(0, 1 - 2 * oh), min(3, H + 1 - 2 * oh)):
                            for s in range(max(0, 1 - 2 * ow), min(3, W + 1 - 2 * ow)):
                                out[n, k, oh, ow] += wt[k, c, r, s] * inp[n, c, 2 * oh + r - 1, 2 * ow + s - 1]


@po.kernel
def conv1d(inp: po.f64[NB, C, W], wt: po.f64[K, C, M], out: po.f64[NB, K, W]):
    """A 1-D convolution whose taps run M times, a parameter: a reduction of any length."""
    for n in range(NB):
        for k in range(K):
            for x in range(W - M + 1):
                out[n, k, x] = 0.0
                for c in range(C):
                    for r in range(M):
                        out[n, k, x] += wt[k, c, r] * inp[n, c, x + r]


@po.kernel
def box(A: po.f64[N, N, N], B: po.f64[N, N, N], coef: po.f64[3, 3, 3]):
    """A 27-point sum: taps with fixed bounds."""
    for i in range(1, N - 1):
        for j in range(1, N - 1):
            for k in range(1, N - 1):
                B[i, j, k] = 0.0
                for a in range(3):
                    for b in range(3):
                        for c in range(3):
                            B[i, j, k] += coef[a, b, c] * A[i + a - 1, j + b - 1, k + c - 1]


@po.kernel
def heat(A: po.f64[N, N, N], B: po.f64[N, N, N], tsteps: int):
    for t in range(tsteps):  # noqa: B007
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    B[i, j, k] = 0.125 * (A[i + 1, j, k] + A[i - 1, j, k] + A[i, j + 1, k] + A[i, j - 1, k]
                                          + A[i, j, k + 1] + A[i, j, k - 1]) + 0.25 * A[i, j, k]
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    A[i, j, k] = 0.125 * (B[i + 1, j, k] + B[i - 1, j, k] + B[i, j + 1, k] + B[i, j - 1, k]
                                          + B[i, j, k + 1] + B[i, j, k - 1]) + 0.25 * B[i, j, k]


def test_conv_taps_are_not_skewed_and_the_simd_loop_goes_below_them():
    filecheck(str(conv.schedule()), """
        CHECK: T(S1): (n, k, oh, ow, c, r, s) -> (
        CHECK-SAME: n, k, oh, c, r, s, ow)
        CHECK: stops before 2*c + r: it would only add loops of fewer than 8 iterations
        CHECK: loop ow moved below the loops of a few iterations or reductions inside it, one copy per statement
    """)
    text = conv.c_source()
    # the innermost loop of the product is the SIMD loop over ow, below the taps r and s
    assert re.search(r"#pragma omp simd\n\s*for \(long c\d+ = [^\n]*\n\s*\{\n\s*out\[[^\n]*\+= wt", text)


@pytest.mark.parametrize("hw", [1, 2, 5, 8])
def test_conv_matches_python_at_the_borders(hw):
    rng = np.random.default_rng(hw)
    o = (hw - 1) // 2 + 1
    args = dict(inp=rng.random((2, 3, hw, hw)), wt=rng.random((4, 3, 3, 3)), out=np.zeros((2, 4, o, o)))
    assert agrees(conv, args)
    assert agrees(conv, args, tile=False)


def test_the_simd_loop_goes_below_a_reduction_of_any_length():
    schedule = conv1d.schedule()
    assert re.search(r"T\(S1\): \(n, k, x, c, r\) -> \(.*, n, k, c, r, x\)", str(schedule))
    assert "loop x moved below the loops of a few iterations or reductions inside it" in str(schedule)
    rng = np.random.default_rng(4)
    for w, m in ((1, 1), (5, 3), (40, 9)):
        args = dict(inp=rng.random((2, 3, w)), wt=rng.random((4, 3, m)), out=np.zeros((2, 4, w)))
        assert agrees(conv1d, args)


def test_fixed_taps_stay_inside_the_simd_loop_unrolled():
    s = box.schedule()
    assert s.transforms["S1"] == ("i", "j", "k", "1", "a", "b", "c")
    taps = [info for band in s.bands for info in band.loops if info.name in ("a", "b", "c")]
    assert len(taps) == 3 and all(i.unroll and i.kind == "serial" for i in taps)
    text = box.c_source()
    # unrolled by isl: 27 statements of straight-line code in each copy of the SIMD loop, no tap loop
    assert text.count("/* S1 */") % 27 == 0 and not re.search(r"c\d+ <= 2;", text)
    assert "omp simd" in text


def test_fixed_taps_match_python():
    rng = np.random.default_rng(3)
    args = dict(A=rng.random((7, 7, 7)), B=np.zeros((7, 7, 7)), coef=rng.random((3, 3, 3)))
    assert agrees(box, args)
    assert agrees(box, args, vectorize=False)


def test_four_deep_wavefront_band_gets_small_wavefront_tiles():
    filecheck(str(heat.schedule()), """
        CHECK: band 0 (S0, S1): permutable, tiled 8x8x128x1024
        CHECK-NEXT: tile t_t_i_wave: pipelined
        CHECK-NEXT: tile t_i_tile: parallel
    """)
    rng = np.random.default_rng(4)
    args = dict(A=rng.random((9, 9, 9)), B=rng.random((9, 9, 9)), tsteps=5)
    assert agrees(heat, args)


@po.kernel
def never_runs(x: po.f64[N], B: po.f64[N, M], C: po.f64[N, N]):
    """Found by fuzzing: the statement's domain is empty (i + j >= 3), so every loop looked narrow
    and each loop in turn was moved below the others, forever."""
    for i in range(1, N):
        for j in range(2, M - 2):
            for k in range(max(0, i - 2), min(N - 1, i + 3)):
                if i + j < 2:
                    x[i] += 0.25 * (C[k, N - 1] + B[i - 1, j // 2])


def test_a_statement_that_never_runs_has_no_narrow_loops():
    rng = np.random.default_rng(5)
    args = dict(x=rng.random(6), B=rng.random((6, 7)), C=rng.random((6, 6)))
    assert agrees(never_runs, args)
