"""isl's AST generation runs under an operation budget: a clear error instead of a hang."""

from __future__ import annotations

import islpy as isl
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


def _walk(tree):
    """(band sizes, LoopChains of chain marks) of ``tree`` (isl's nodes live only in the callback)."""
    bands, chains = [], []

    def visit(node):
        if node.get_type() == isl.schedule_node_type.band:
            bands.append(node.band_n_member())
        elif (node.get_type() == isl.schedule_node_type.mark
              and node.mark_get_id().get_name() == ast_build.LOOP_CHAIN_MARK):
            chains.append(node.mark_get_id().get_user())
        return True

    tree.get_root().foreach_descendant_top_down(visit)
    return bands, chains


def test_a_chain_of_marked_bands_becomes_one_band_with_every_decision():
    """Wavefront tiles as one band: the same schedule, and each loop's decision by its depth."""
    tree = jacobi_1d.schedule(tile=32).tree
    merged = ast_build.merge_loop_chains(tree)
    assert merged.get_map().is_equal(tree.get_map())
    assert max(_walk(tree)[0]) == 1
    bands, chains = _walk(merged)
    assert max(bands) >= 3
    assert chains and sorted(chains[0].infos) == list(range(len(chains[0].infos)))
    kinds = [str(info.kind) for _, info in sorted(chains[0].infos.items())]
    assert kinds[:2] == ["pipelined", "parallel"], kinds
    text = jacobi_1d.c_source(tile=32)  # the decisions reach the printed loops
    assert "omp parallel for" in text and "omp simd" in text
