"""Scop construction: domains, accesses and original schedules against hand-written isl strings."""

import islpy as isl
import pytest

import polyopt as po

N, M, K = po.symbols("N M K")
T = po.symbols("T")


def _domain(kernel, name="S0"):
    return kernel.scop.statement(name).domain


def _access(kernel, stmt, array, write=False):
    s = kernel.scop.statement(stmt)
    rels = [a.relation for a in (s.writes if write else s.reads) if a.array == array]
    assert len(rels) == 1, rels
    return rels[0]


def assert_set(actual, expected: str):
    exp = isl.Set(expected)
    assert actual.is_equal(exp), f"{actual}\n  !=\n{exp}"


def assert_map(actual, expected: str):
    exp = isl.Map(expected)
    assert actual.is_equal(exp), f"{actual}\n  !=\n{exp}"


def test_rectangular_domain_and_accesses():
    @po.kernel
    def k(A: po.f64[N, M], B: po.f64[N, M]):
        for i in range(N):
            for j in range(M):
                A[i, j] = B[i, j] * 2.0

    assert_set(_domain(k), "[N, M] -> { S0[i, j] : 0 <= i < N and 0 <= j < M and N >= 1 and M >= 1 }")
    assert_map(_access(k, "S0", "B"), "[N, M] -> { S0[i, j] -> B[i, j] : 0 <= i < N and 0 <= j < M }")
    assert_map(_access(k, "S0", "A", write=True),
               "[N, M] -> { S0[i, j] -> A[i, j] : 0 <= i < N and 0 <= j < M }")
    assert k.scop.params == ("N", "M")
    assert_set(k.scop.context, "[N, M] -> { : N >= 1 and M >= 1 }")


def test_triangular_min_max_and_steps():
    @po.kernel
    def k(A: po.f64[N, N]):
        for i in range(N):
            for j in range(max(0, i - 2), min(N, i + 3)):
                A[i, j] += 1.0
        for i in range(N - 1, -1, -2):
            A[i, 0] = 0.0
        for i in range(1, N, 3):
            A[i, i] = 0.0

    assert_set(_domain(k, "S0"),
               "[N] -> { S0[i, j] : 0 <= i < N and j >= 0 and j >= i - 2 and j < N and j <= i + 2 }")
    assert_set(_domain(k, "S1"), "[N] -> { S1[i] : 0 <= i < N and exists e: N - 1 - i = 2e and N >= 1 }")
    assert_set(_domain(k, "S2"), "[N] -> { S2[i] : 1 <= i < N and exists e: i = 1 + 3e }")
    # A loop counting down is ordered by -i in the original schedule.
    sched = k.scop.statement("S1").schedule
    assert_map(sched.intersect_domain(_domain(k, "S1")),
               "[N] -> { S1[i] -> [1, -i, 0, 0, 0] : 0 <= i < N and exists e: N - 1 - i = 2e }")


def test_conditions_elif_else_and_modulo():
    @po.kernel
    def k(A: po.f64[N]):
        for i in range(N):
            if i % 2 == 0 and i < 10:
                A[i] = 1.0
            elif not (i > N - 3):
                A[i] = 2.0
            else:
                A[i] = 3.0

    assert_set(_domain(k, "S0"), "[N] -> { S0[i] : 0 <= i < N and i < 10 and i mod 2 = 0 }")
    assert_set(_domain(k, "S1"),
               "[N] -> { S1[i] : 0 <= i < N and (i mod 2 = 1 or i >= 10) and i <= N - 3 }")
    assert_set(_domain(k, "S2"),
               "[N] -> { S2[i] : 0 <= i < N and (i mod 2 = 1 or i >= 10) and i > N - 3 }")
    # Branches are ordered by their textual position (if: 0, else: 1) under the same loop.
    for name, dims in (("S0", "0, 0, 0, 0"), ("S1", "1, 0, 0, 0"), ("S2", "1, 0, 1, 0")):
        sched = k.scop.statement(name).schedule
        assert_map(sched, f"[N] -> {{ {name}[i] -> [0, i, 0, {dims}] }}")
    # The branches partition the iterations: no i runs two of them.
    both = _domain(k, "S0").set_tuple_name("X").intersect(_domain(k, "S1").set_tuple_name("X"))
    assert both.is_empty()


def test_quasi_affine_subscripts_and_extents():
    @po.kernel
    def k(A: po.f64[N + 2, 2 * M], B: po.f64[N]):
        for i in range(N):
            for j in range(M):
                A[i + 2, 2 * j + 1] = B[i // 2]

    assert_map(_access(k, "S0", "B"),
               "[N, M] -> { S0[i, j] -> B[floor(i/2)] : 0 <= i < N and 0 <= j < M }")
    assert_map(_access(k, "S0", "A", write=True),
               "[N, M] -> { S0[i, j] -> A[i + 2, 2j + 1] : 0 <= i < N and 0 <= j < M }")


def test_int_argument_is_a_parameter_and_locals_are_scalars():
    @po.kernel
    def k(T: int, A: po.f64[N]):
        for t in range(T):
            for i in range(N):
                s = A[i] * 0.5
                A[i] = s + A[i]  # reads A[i]: s stays a scalar (not promoted to it)

    assert k.scop.params == ("N", "T")
    assert_set(k.scop.context, "[N, T] -> { : N >= 1 }")
    assert k.scop.array("s").is_local and k.scop.array("s").shape == ()
    assert_map(_access(k, "S1", "s"), "[N, T] -> { S1[t, i] -> s[] : 0 <= t < T and 0 <= i < N }")


def test_compound_assignment_reads_its_target():
    @po.kernel
    def k(A: po.f64[N], x: po.f64[N]):
        for i in range(N):
            A[i] *= x[i]

    s = k.scop.statement("S0")
    assert [a.array for a in s.reads] == ["A", "x"]
    assert [a.array for a in s.writes] == ["A"]


def test_out_of_bounds_access_is_reported_at_its_location():
    with pytest.raises(po.KernelSyntaxError) as err:

        @po.kernel
        def k(A: po.f64[N], B: po.f64[N]):
            for i in range(N):
                A[i] = B[i + 1]  # the read of B at i = N - 1 is outside B

        k.scop  # noqa: B018 - the model is built lazily

    msg = str(err.value)
    assert "outside its extents" in msg and "'B'" in msg
    line = test_out_of_bounds_access_is_reported_at_its_location.__code__.co_firstlineno + 6
    assert f":{line}:" in msg


def test_printed_scop_is_readable():
    @po.kernel
    def gemm(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
        for i in range(N):
            for k in range(K):
                for j in range(M):
                    C[i, j] += A[i, k] * B[k, j]

    text = str(gemm.scop)
    assert "Scop gemm" in text
    assert "params: [N, M, K]" in text
    assert "S0[i, k, j]: C[i, j] += A[i, k] * B[k, j]" in text
    assert "read:     B[k, j]" in text
    assert "write:    C[i, j]" in text
