"""SIMD variants of the math functions (ScheduleOptions.vector_math): declared where allowed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import polyopt as po
from polyopt import hardware

N = po.symbols("N")
DECL = "#pragma omp declare simd notinbranch\nfloat expf(float);"


def rows(X: po.f32[N, N], Y: po.f32[N, N]):
    for i in range(N):
        for j in range(N):
            Y[i, j] = math.exp(X[i, j]) + pow(X[i, j], 1.5)


def plain(X: po.f32[N, N], Y: po.f32[N, N]):
    for i in range(N):
        for j in range(N):
            Y[i, j] = math.sqrt(X[i, j])


@pytest.fixture
def libmvec(monkeypatch):
    monkeypatch.setattr(hardware, "vector_math_library", lambda: True)


@pytest.mark.usefixtures("libmvec")
@pytest.mark.parametrize("options, declared", [
    ({}, True),
    ({"vector_math": True, "reassociate": False}, True),
    ({"reassociate": False}, False),  # the original rounding asked for
    ({"vector_math": False}, False),
    ({"vectorize": False}, False),
])
def test_declared_by_the_options(options, declared):
    k = po.kernel(rows)
    text = k.c_source(**options)
    assert (DECL in text) is declared
    assert ("float powf(float, float);" in text) is declared
    assert ("vector variants of exp, pow" in text) is declared
    assert ("vector variants of exp, pow" in str(k.schedule(**options))) is declared  # a decision


@pytest.mark.usefixtures("libmvec")
def test_only_the_functions_called():
    assert "declare simd" not in po.kernel(plain).c_source()


def test_not_without_the_library(monkeypatch):
    monkeypatch.setattr(hardware, "vector_math_library", lambda: False)
    assert "declare simd" not in po.kernel(rows).c_source(vector_math=True)


def test_option_values_are_checked():
    with pytest.raises(po.errors.OptionError):
        po.kernel(rows).c_source(vector_math="yes")


@pytest.mark.skipif(not hardware.vector_math_library(), reason="no libmvec on this machine")
def test_vector_variants_stay_within_a_few_ulp():
    k = po.kernel(rows)
    assert DECL in k.c_source()  # the vector variants are what runs
    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 20.0, (67, 67)).astype(np.float32)
    Y = np.zeros_like(X)
    k(X, Y)
    want = np.exp(X.astype(np.float64)) + X.astype(np.float64) ** 1.5
    assert np.allclose(Y, want, rtol=4e-6, atol=0)


C_SOURCE = """
#include <math.h>
void k(int n, float x[n], float y[n]) {
#pragma scop
  for (int i = 0; i < n; i++)
    y[i] = expf(x[i]);
#pragma endscop
}
"""


@pytest.mark.usefixtures("libmvec")
def test_c_regions_declare_them_in_their_own_unit_only():
    from polyopt.cfront.optimize import optimize_c
    k = po.from_c(C_SOURCE)  # a translation unit of polyopt's own
    assert DECL in k.c_source() and k.schedule().vector_math == ("exp",)
    assert "declare simd" not in optimize_c(C_SOURCE)  # polyopt cc: the user's file
