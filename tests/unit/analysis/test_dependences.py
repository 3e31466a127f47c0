"""Dependences on known kernels: exact relations, kinds, arrays and distance vectors."""

import islpy as isl

import polyopt as po

N, M, K = po.symbols("N M K")


def edges(kernel, kind=None, source=None, sink=None, array=None):
    return [e for e in kernel.dependences().edges
            if (kind is None or e.kind == kind) and (source is None or e.source == source)
            and (sink is None or e.sink == sink) and (array is None or e.array == array)]


@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            C[i, j] *= beta
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


@po.kernel
def jacobi_1d(T: int, A: po.f64[N], B: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1])
        for i in range(1, N - 1):
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1])


@po.kernel
def trisolv(L: po.f64[N, N], x: po.f64[N], b: po.f64[N]):
    for i in range(N):
        x[i] = b[i]
        for j in range(i):
            x[i] -= L[i, j] * x[j]
        x[i] = x[i] / L[i, i]


def test_gemm_raw_on_c_is_carried_by_k():
    (carried,) = edges(gemm, "RAW", "S1", "S1", "C")
    assert carried.distance == (0, 1, 0)
    expected = isl.Map("[N, M, K] -> { S1[i, k, j] -> S1[i, k + 1, j] : 0 <= i < N and 0 <= j < M "
                       "and 0 <= k < K - 1 }")
    assert carried.relation.is_equal(expected.intersect_params(gemm.scop.context))
    (init,) = edges(gemm, "RAW", "S0", "S1", "C")
    # Value-based: only the first k iteration reads the value S0 wrote.
    assert init.relation.is_equal(isl.Map("[N, M, K] -> { S0[i, j] -> S1[i, 0, j] : 0 <= i < N and "
                                          "0 <= j < M and K >= 1 }").intersect_params(gemm.scop.context))
    assert not edges(gemm, array="A") and not edges(gemm, array="B")  # read-only arrays


def test_jacobi_1d_distance_vectors():
    deps = {(e.kind, e.source, e.sink, e.array): e for e in jacobi_1d.dependences().edges}
    assert deps["RAW", "S0", "S1", "B"].distances == ((0,),)
    assert deps["RAW", "S1", "S0", "A"].distances == ((1,),)
    assert deps["WAR", "S0", "S1", "A"].distance == (0,)
    assert deps["WAR", "S1", "S0", "B"].distance == (1,)
    assert deps["WAW", "S0", "S0", "B"].distance == (1, 0)
    assert len(deps) == 6
    # The reads of A by S0 at time t+1 come from S1 at time t: the flow relation is exact.
    raw = deps["RAW", "S1", "S0", "A"].relation
    assert raw.is_equal(isl.Map(
        "[N, T] -> { S1[t, i] -> S0[t + 1, i2] : 0 <= t < T - 1 and 1 <= i < N - 1 and 1 <= i2 < N - 1 "
        "and i2 - 1 <= i <= i2 + 1 }").intersect_params(jacobi_1d.scop.context))


def test_triangular_kernel_dependences():
    raw = trisolv.dependences().raw
    expected_reads_of_x = isl.UnionMap(
        "[N] -> { S2[j] -> S1[i, j] : 0 <= j < i < N }").intersect_params(trisolv.scop.context)
    assert expected_reads_of_x.is_subset(raw)
    (chain,) = edges(trisolv, "RAW", "S1", "S1", "x")
    assert chain.distance == (0, 1)


def test_all_is_the_union_and_summary_is_readable():
    deps = gemm.dependences()
    assert deps.all.is_equal(deps.raw.union(deps.war).union(deps.waw))
    text = deps.summary()
    assert "RAW on C: S1 -> S1 distance (0, 1, 0)" in text
    assert text.startswith("gemm:")


def test_no_dependences_between_independent_statements():
    @po.kernel
    def copy(A: po.f64[N], B: po.f64[N]):
        for i in range(N):
            B[i] = A[i]

    assert copy.dependences().edges == ()
    assert copy.dependences().all.is_empty()
