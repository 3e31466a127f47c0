"""Contractions with register tiles, compiled and run: every form (loop order, a transposed
operand, a batch loop, a triangular domain, float32) at random sizes that are multiples of no
block size, against NumPy; and the suite's contractions against their Python originals."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polyopt as po
from polyopt.suite import discover, random_inputs

N, M, K, B = po.symbols("N M K B")


@po.kernel
def ikj(C: po.f64[N, M], A: po.f64[N, K], Bm: po.f64[K, M]):
    for i in range(N):
        for k in range(K):
            for j in range(M):
                C[i, j] += A[i, k] * Bm[k, j]


@po.kernel
def nt32(C: po.f32[N, M], A: po.f32[N, K], Bm: po.f32[M, K]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * Bm[j, k]


@po.kernel
def tn(C: po.f64[N, M], A: po.f64[K, N], Bm: po.f64[K, M]):
    for k in range(K):
        for i in range(N):
            for j in range(M):
                C[i, j] += 2.0 * A[k, i] * Bm[k, j]


@po.kernel
def batched(C: po.f64[B, N, M], A: po.f64[B, N, K], Bm: po.f64[B, K, M]):
    for b in range(B):
        for i in range(N):
            for k in range(K):
                for j in range(M):
                    C[b, i, j] += A[b, i, k] * Bm[b, k, j]


@po.kernel
def lower_syrk(C: po.f64[N, N], A: po.f64[N, K]):
    for i in range(N):
        for k in range(K):
            for j in range(i + 1):
                C[i, j] += A[i, k] * A[j, k]


@po.kernel
def trmm_rows(C: po.f64[N, M], A: po.f64[N, N]):
    for i in range(N):
        for j in range(M):
            for k in range(i + 1, N):
                C[i, j] += A[k, i] * C[k, j]  # rows below i, read before the block updates them


@po.kernel
def scaled(C: po.f64[N, M], A: po.f64[N, K], Bm: po.f64[K, M], alpha: po.f64):
    for i in range(N):
        for k in range(K):
            for j in range(M):
                C[i, j] -= A[i, k] * alpha * Bm[k, j]


def _reference(name, C, A, Bm):
    if name == "ikj":
        return C + A @ Bm
    if name == "nt32":
        return C + A.astype(np.float64) @ Bm.astype(np.float64).T
    if name == "tn":
        return C + 2.0 * A.T @ Bm
    if name == "batched":
        return C + A @ Bm
    if name == "scaled":
        return C - 1.5 * A @ Bm
    if name == "trmm_rows":
        return C + np.tril(A, -1).T @ C
    return C + np.tril(A @ A.T)


FORMS = {"ikj": ikj, "nt32": nt32, "tn": tn, "batched": batched, "lower_syrk": lower_syrk, "scaled": scaled,
         "trmm_rows": trmm_rows}


def test_every_form_gets_a_register_tile():
    for name, kernel in FORMS.items():
        assert any(b.registers for b in kernel.schedule().plan.bands), name


def test_a_factor_of_the_row_and_reduction_iterators_gets_a_row_panel():
    for kernel, factor in ((tn, "2.0 * A[k, i]"), (scaled, "A[i, k] * alpha")):
        schedule = kernel.schedule()
        assert ("row:A",) in [b.pack for b in schedule.plan.bands], kernel.name
        assert f"row panel: {factor} computed once per i and k per tile" in str(schedule)
        assert "polyopt_rows0" in kernel.c_source()
    assert not any("row:" in a for b in ikj.schedule().plan.bands for a in b.pack or ())  # A[i, k] alone
    plan = scaled.schedule().plan
    band = next(k for k, b in enumerate(plan.bands) if b.registers)
    deep = scaled.schedule(plan=plan.with_band(band, tile=(12, 16, 65536), pack=None))
    assert re.search(r"no row panel: a \d+x65536 panel is larger than a thread's buffer", str(deep))


def test_a_row_panel_changes_no_bit_of_the_result():
    case = SUITE["gemm"]
    plan = case.kernel.schedule().plan
    band = next(k for k, b in enumerate(plan.bands) if b.pack == ("row:A",))
    params = {p: v + 5 for p, v in case.sizes["SMALL"].items()}
    inputs = case.init(**params)
    without = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    case.kernel(**inputs)
    case.kernel.compile(plan=plan.with_band(band, pack=()))(**without)
    assert np.array_equal(inputs["C"], without["C"])


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(form=st.sampled_from(sorted(FORMS)), n=st.integers(1, 70), m=st.integers(1, 150), k=st.integers(1, 70),
       b=st.integers(1, 3))
def test_register_tiled_contractions_match_numpy(form, n, m, k, b):
    _check(FORMS[form], form, (n, m, k, b), seed=n * 10007 + m * 101 + k)


def _check(kernel, form: str, sizes: tuple, seed: int) -> None:
    """Run ``kernel`` (of contraction form ``form``) at ``sizes`` (n, m, k, batch) against NumPy."""
    n, m, k, b = sizes
    rng = np.random.default_rng(seed)
    dtype = np.float32 if form == "nt32" else np.float64
    shapes = {"ikj": ((n, m), (n, k), (k, m)), "nt32": ((n, m), (n, k), (m, k)), "tn": ((n, m), (k, n), (k, m)),
              "batched": ((b, n, m), (b, n, k), (b, k, m)), "lower_syrk": ((n, n), (n, k), None),
              "scaled": ((n, m), (n, k), (k, m)), "trmm_rows": ((n, m), (n, n), None)}[form]
    C, A, Bm = (None if s is None else rng.random(s).astype(dtype) for s in shapes)
    expect = _reference(form, C.astype(np.float64), A, A if Bm is None else Bm)
    kernel(*((C, A) if Bm is None else (C, A, Bm)), *((1.5,) if form == "scaled" else ()))
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(C, expect, rtol=tolerance, atol=tolerance)


# the register file pinned once for all examples (the fixture is the same for each of them)
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(sorted(FORMS)), n=st.integers(1, 200), m=st.integers(1, 150), k=st.integers(1, 70))
def test_avx2_register_tiles_match_numpy(simd_registers, form, n, m, k):
    """The same forms with 16 SIMD registers (AVX2): 6-row register tiles in 96-row tiles, which
    sizes up to 200 cut into full and partial tiles and strips."""
    simd_registers(16)
    kernel = po.kernel(FORMS[form].py_func)  # a new kernel object: its schedule is made now
    assert any(b.registers and b.registers[1] == 6 for b in kernel.schedule().plan.bands), form
    _check(kernel, form, (n, m, k, 2), seed=n * 7919 + m * 31 + k)


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(sorted(FORMS)), n=st.integers(1, 300), m=st.integers(1, 300), k=st.integers(1, 150))
def test_512_bit_register_tiles_match_numpy(monkeypatch, form, n, m, k):
    """The same forms where gcc emits 512-bit vectors (AMD Zen 4): 8-row register tiles in
    128x256x128 tiles, batch loops one at a time, the column operand packed even where it is
    contiguous -- sizes up to 300 cut into full and partial tiles, strips and panels."""
    from polyopt import hardware

    monkeypatch.setattr(hardware, "simd_bytes", lambda: 64)
    kernel = po.kernel(FORMS[form].py_func)
    schedule = kernel.schedule()
    assert any(b.registers and b.registers[1] == 8 for b in schedule.plan.bands), form
    if form in ("ikj", "nt32", "scaled"):
        assert "packed per k tile" in str(schedule), form
    _check(kernel, form, (n, m, k, 3), seed=n * 7907 + m * 37 + k)


SUITE = {c.name: c for c in discover([Path(__file__).resolve().parents[2] / "kernels"])}


REGISTER_TILED = ["gemm", "syrk", "syr2k", "mm2", "mm3", "batched_matmul", "matmul_bias_relu", "linear",
                  "covariance", "attention", "symm", "trmm"]


def test_the_suite_contractions_get_register_tiles():
    for name in REGISTER_TILED:
        assert any(b.registers for b in SUITE[name].kernel.schedule().plan.bands), name


@pytest.mark.parametrize("name", REGISTER_TILED + ["doitgen", "conv2d"])
def test_suite_contractions_at_odd_sizes(name):
    case = SUITE[name]
    # SMALL, each size moved off every multiple of a tile or register block (conv2d's sizes are
    # tied to each other: as they are, it has no register tile anyway)
    params = {p: v + (0 if name == "conv2d" else 3) for p, v in case.sizes["SMALL"].items()}
    inputs = case.init(**params) if case.init is not None else random_inputs(case.kernel, params)
    expect = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    case.kernel.reference(**expect)
    case.kernel(**inputs)
    for key, want in expect.items():
        if isinstance(want, np.ndarray):
            rtol = 1e-4 if want.dtype == np.float32 else 1e-9
            np.testing.assert_allclose(inputs[key], want, rtol=rtol, atol=rtol, err_msg=f"{name}: {key}")
