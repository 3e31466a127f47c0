"""How the dependence relations are computed (polyopt.analysis.dataflow): the next-write WAR, the
per-array fallback to memory-based relations, and the budget."""

from __future__ import annotations

import islpy as isl
import pytest

import polyopt as po
from polyopt.analysis import dataflow
from polyopt.analysis.dependences import compute_dependences
from polyopt.poly import budget
from tests.agreement import agrees

from .test_dependences import gemm, jacobi_1d, trisolv

N, M = po.symbols("N M")


@po.kernel
def reduce_rows(A: po.f64[N, M], s: po.f64[N]):
    for i in range(N):
        t = 0.0
        for j in range(M - 1, 0, -2):
            t += A[i, j]
        s[i] = t + s[i]  # reads s[i]: t stays a scalar (not promoted to s[i], see polyopt.poly.promote)


def _reads_since_previous_write(scop):
    """The former definition of WAR (reads as may-sources killed by the writes), as the spec."""
    order = scop.original_schedule()
    reads, writes = scop.reads(), scop.writes()

    def flow(sink, must, may=None):
        info = isl.UnionAccessInfo.from_sink(sink).set_must_source(must)
        if may is not None:
            info = info.set_may_source(may)
        return info.set_schedule_map(order).compute_flow().get_may_dependence()

    waw = flow(writes, writes)
    war = flow(writes, writes, reads).subtract(waw).intersect_domain(reads.domain())
    identity = isl.UnionMap.empty(scop.context.get_space())
    for s in scop.statements:
        identity = identity.union(isl.Map.identity(s.domain.get_space().map_from_set()).to_union_map())
    return war.subtract(identity).intersect_params(scop.context)


@pytest.mark.parametrize("kernel", [gemm, jacobi_1d, trisolv, reduce_rows])
def test_next_write_war_equals_reads_since_previous_write(kernel):
    rel = dataflow.dependence_relations(kernel.scop)
    assert rel.war.is_equal(_reads_since_previous_write(kernel.scop))
    assert rel.approximate == ()


def test_memory_based_relations_contain_the_exact_ones():
    scop = jacobi_1d.scop
    exact = dataflow.dependence_relations(scop)
    memory = dataflow.memory_based(scop, scop.reads(), scop.writes())
    for kind in ("raw", "war", "waw"):
        assert getattr(exact, kind).is_subset(getattr(memory, kind).intersect_params(scop.context))


def test_an_exhausted_budget_falls_back_to_memory_based_relations(monkeypatch):
    scop = reduce_rows.scop
    monkeypatch.setattr(budget, "DEPENDENCES", 30)
    with pytest.raises(po.BudgetExceeded, match="gave up after 30 isl operations"):
        compute_dependences(scop)  # even the memory-based relations are too much for 30 operations
    monkeypatch.setattr(budget, "DEPENDENCES", 10**7)
    monkeypatch.setattr(dataflow, "_exact", _refuse)
    deps = compute_dependences(scop)
    assert set(deps.approximate) == {"t", "s"}
    assert "memory-based (not exact) on" in str(deps)
    exact = dataflow.Relations(*(getattr(reduce_rows.dependences(), k) for k in ("raw", "war", "waw")))
    for kind in ("raw", "war", "waw"):
        assert getattr(exact, kind).is_subset(getattr(deps, kind))


def _refuse(scop, reads, writes, what):
    raise po.BudgetExceeded(f"simulated: {what}")


@po.kernel
def parity_scalar(T: int, D: po.f64[N, M, N], R: po.f64[M, N]):
    for t in range(T):
        for i1 in range(1, N - 2):
            D[i1 - 1, 0, i1 + 2] = 0.3333 * (R[0, i1 + 2] + D[i1 // 2 * 2, 0, i1 // 2 * 2])
            for j2 in range(M - 1 - 1, 0, -2):
                s3 = 0.0
                for k4 in range(j2, M - 2):
                    s3 += 0.2500 * (0.01 * j2 + R[j2, i1 - 1] + D[i1 + 1, k4, i1 - 1])


def test_an_isl_failure_on_one_array_gives_memory_based_relations_for_it():
    """isl's compute_flow fails ("affine expression involves some of the domain dimensions") on
    the WAW of the scalar s3 written under a parity condition; the others stay exact."""
    deps = parity_scalar.dependences()
    assert deps.approximate == ("s3",)
    rng = __import__("numpy").random.default_rng(0)
    for n, m, t in ((5, 6, 2), (6, 5, 1), (4, 7, 3)):
        args = dict(T=t, D=rng.random((n, m, n)), R=rng.random((m, n)))
        for options in ({}, {"tile": False}, {"scheduler": "isl"}, {"fuse": "max", "tile": 3}):
            assert agrees(parity_scalar, args, **options), (n, m, t, options)
