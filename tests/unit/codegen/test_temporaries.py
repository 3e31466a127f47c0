"""Placement of local temporaries: private per iteration wherever no value crosses iterations."""

import numpy as np
import pytest

import polyopt as po

N, M = po.symbols("N M")


@po.kernel
def dead_temp(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            t = A[i, j] * 2.0  # noqa: F841 - never read: each copy of the statement may declare its own t
            B[i, j] = A[i, j] + 1.0


@pytest.mark.parametrize("tile", [5, (7, 3), True, False])
@pytest.mark.parametrize("n,m", [(1, 1), (13, 11), (40, 37)])
def test_dead_temporary_in_split_tiles_compiles_and_runs(tile, n, m):
    A = np.random.default_rng(0).random((n, m))
    B1, B2 = np.zeros((n, m)), np.zeros((n, m))
    dead_temp.compile(tile=tile)(A, B1)
    dead_temp.reference(A, B2)
    np.testing.assert_array_equal(B1, B2)


def test_dead_temporary_is_declared_inside_a_loop():
    c = dead_temp.c_source(tile=5)
    assert "#pragma omp parallel for" in c
    assert c.index("double t") > c.index("for (long c")
