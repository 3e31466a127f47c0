"""A loop whose inner loop is a window moving with it (a band matrix) keeps its order: the window is
short for a fixed outer iteration, and so would the outer loop be below it."""

from __future__ import annotations

import re

import numpy as np
import pytest

import polyopt as po
from polyopt.schedule.loops import PARALLEL
from tests.agreement import agrees

N = po.symbols("N")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def tridiagonal_product(A: po.f64[N, N], x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        for j in range(max(0, i - 1), min(N, i + 2)):
            y[i] += A[i, j] * x[j]


def test_tridiagonal_product_keeps_the_parallel_row_loop_outside():
    s = tridiagonal_product.schedule()
    outer = s.bands[0].loops[0]
    assert outer.name == "i" and outer.kind == PARALLEL
    assert "loop i stays above the loops of a few iterations inside it" in str(s)
    assert "moved below" not in str(s)
    c = tridiagonal_product.c_source()
    assert re.search(r"#pragma omp parallel for if\(.*\)\n  for \(long c0 = 0; c0 < N; c0 \+= 1\)", c), c
    assert "for (long c1 = max(0, c0 - 1); c1 <= min(N - 1, c0 + 1); c1 += 1)" in c  # stride-1 rows
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 10):
        assert agrees(tridiagonal_product, dict(A=rng.random((n, n)), x=rng.random(n), y=rng.random(n)))
