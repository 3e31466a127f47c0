"""isl's AST generation runs under an operation budget: a clear error instead of a hang."""

from __future__ import annotations

import pytest

import polyopt as po
from polyopt.codegen import ast_build
from polyopt.errors import CodegenError

N, T = po.symbols("N T")


@po.kernel
def jacobi_1d(A: po.f64[N], B: po.f64[N], tsteps: int):
    for t in range(tsteps):  # noqa: B007
        for i in range(1, N - 1):
            B[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0
        for i in range(1, N - 1):
            A[i] = (B[i - 1] + B[i] + B[i + 1]) / 3.0


def test_an_exhausted_budget_names_the_tile_sizes(monkeypatch):
    monkeypatch.setattr(ast_build, "AST_MAX_OPERATIONS", 2000)
    with pytest.raises(CodegenError) as info:
        jacobi_1d.c_source(tile=48)
    assert "gave up on this schedule after 2,000 operations" in str(info.value)
    assert "tile=False" in str(info.value)


def test_the_budget_is_lifted_afterwards(monkeypatch):
    monkeypatch.setattr(ast_build, "AST_MAX_OPERATIONS", 2000)
    with pytest.raises(CodegenError):
        jacobi_1d.c_source(tile=40)
    monkeypatch.undo()
    assert "omp parallel for" in jacobi_1d.c_source(tile=40)
