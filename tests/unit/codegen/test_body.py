"""Statement bodies keep Python's semantics: compiled kernels against the Python function."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import polyopt as po

from .conftest import compile_kernel

N, M = po.symbols("N M")
rng = np.random.default_rng(1234)


def ints(*shape, lo=-50, hi=50, dtype=np.int64):
    return rng.integers(lo, hi, size=shape).astype(dtype)


def nonzero_ints(*shape):
    a = ints(*shape, lo=-9, hi=9)
    a[a == 0] = 7
    return a


def integer_ops(A: po.i64[N], B: po.i64[N], C: po.i64[N, 8], F: po.f64[N, 2]):
    for i in range(N):
        C[i, 0] = A[i] // B[i] + A[i] % B[i] * 100
        C[i, 1] = A[i] // 4 - A[i] % 3 + (i - 3) // 2
        C[i, 2] = A[i] ** 2 + A[i] ** 3 - B[i] ** 0
        C[i, 3] = abs(A[i]) + min(A[i], B[i], 3) * max(A[i], -B[i])
        C[i, 4] = A[i] if A[i] > B[i] else -B[i]
        C[i, 5] = i * N - A[i] * (B[i] - 2) - -A[i]
        C[i, 6] = 1 if A[i] >= 0 and not B[i] < 0 else 2
        C[i, 7] = A[i] // -3 + A[i] % -3
        F[i, 0] = A[i] / B[i]
        F[i, 1] = (i + 1) / 2 + (i + 1) ** -2


def test_integer_semantics_follow_python():
    k = compile_kernel(integer_ops)
    n = 40
    k.check(ints(n), nonzero_ints(n), ints(n, 8), np.zeros((n, 2)))
    text = k.text
    assert "py_floordiv(" in text and "py_mod(" in text and "floord(" in text
    assert "long" in text and "(double)" in text


def float_ops(X: po.f64[N], Y: po.f64[N], out: po.f64[N, 10], s: po.f64, n: po.i64):
    for i in range(N):
        out[i, 0] = X[i] // Y[i] + X[i] % Y[i]
        out[i, 1] = math.sqrt(abs(X[i])) + math.exp(Y[i] / 10) + math.log(abs(Y[i]) + 1.0)
        out[i, 2] = math.sin(X[i]) * math.cos(Y[i]) - math.tanh(X[i])
        out[i, 3] = math.floor(X[i]) + math.ceil(Y[i]) + math.fabs(X[i])
        out[i, 4] = X[i] ** 2 + X[i] ** 3 + Y[i] ** -2
        out[i, 5] = math.pow(abs(X[i]), 0.5) + s * n
        out[i, 6] = float(i) / 3 + int(X[i] * 10)
        out[i, 7] = min(X[i], Y[i]) + max(X[i], 2.5, Y[i])
        out[i, 8] = -X[i] if X[i] < Y[i] else Y[i] * 2
        out[i, 9] = (X[i] - Y[i]) * (X[i] + Y[i]) / (1.0 + i)


def test_float_semantics_follow_python():
    k = compile_kernel(float_ops)
    n = 33
    X = rng.uniform(-5, 5, n)
    Y = rng.uniform(-5, 5, n)
    Y[np.abs(Y) < 0.1] = 0.5
    k.check(X, Y, np.zeros((n, 10)), 1.5, 3, rtol=1e-12, atol=1e-12)


def single_precision(A: po.f32[N], B: po.f32[N], I: po.i32[N], out: po.f32[N], wide: po.f64[N]):
    for i in range(N):
        out[i] = A[i] * 2.0 + math.sqrt(abs(B[i])) + i
        wide[i] = A[i] * I[i]


def test_f32_kernels_compute_in_float():
    k = compile_kernel(single_precision)
    text = k.text
    assert "2.0f" in text and "sqrtf(" in text and "fabsf(" in text
    n = 17
    A = rng.uniform(-3, 3, n).astype(np.float32)
    B = rng.uniform(-3, 3, n).astype(np.float32)
    out = k.check(A, B, ints(n, dtype=np.int32), np.zeros(n, np.float32), np.zeros(n), rtol=1e-6, atol=1e-6)
    # float32 * int32 elements promote to float64 in NumPy: the product is exact in double
    assert out[4].dtype == np.float64


def int32_wraps(A: po.i32[N], B: po.i32[N], C: po.i32[N]):
    for i in range(N):
        C[i] = A[i] * B[i] + 1


def test_int32_arithmetic_is_done_in_long_and_wraps_on_store():
    k = compile_kernel(int32_wraps)
    A = np.full(5, 2**20, np.int32)
    B = np.full(5, 2**15, np.int32)
    C = np.zeros(5, np.int32)
    k.kernel(A, B, C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = (A.astype(np.int64) * B + 1).astype(np.int32)
    np.testing.assert_array_equal(C, expected)
    assert "(long)" in k.text


def shapes_and_offsets(A: po.f64[N + 2, 2 * M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            B[i, j] = A[i + 2, 2 * j + 1] - A[i, 2 * j] + i * M + j


def test_affine_extents_and_subscripts():
    k = compile_kernel(shapes_and_offsets)
    assert "(N + 2)" not in k.text or "* (N + 2)" not in k.text  # row length is the LAST extent
    assert "* (2 * M)" in k.text
    k.check(rng.random((7, 10)), np.zeros((5, 5)))
    k.check(rng.random((3, 2)), np.zeros((1, 1)))


def reverse_and_strided(A: po.f64[N + 1], B: po.f64[N]):
    for i in range(N - 1, -1, -1):
        A[i] = A[i + 1] * 0.5 + A[i]
    for j in range(0, N, 3):
        B[j] = A[j] + j
    for j in range(1, N, 3):
        if j < N - 2:
            B[j] = -A[j]


def test_negative_and_non_unit_steps_and_conditions():
    k = compile_kernel(reverse_and_strided)
    for n in (1, 2, 10, 11):
        k.check(rng.random(n + 1), np.zeros(n))


def temporaries(A: po.f64[N], B: po.f64[N], S: po.f64[2]):
    acc = 0.0
    for i in range(N):
        t = A[i] * 2.0
        B[i] = t + t * t
        acc += t
    S[0] = acc
    last = 0.0
    for i in range(N):
        if i == 0:
            last = A[i]
        B[i] += last
    S[1] = last


def test_temporaries_are_declared_where_their_values_live():
    k = compile_kernel(temporaries)
    k.check(rng.random(9), np.zeros(9), np.zeros(2))
    text = k.text
    body = text[text.index("{", text.index("void polyopt_")):]
    # `acc` and `last` carry values across iterations: function scope; `t` is per iteration.
    top = body[: body.index("for (")]
    assert "double acc = 0.0;" in top and "double last = 0.0;" in top
    assert "double t = 0.0;" not in top and "double t = 0.0;" in body


def double(min: po.f64[N], c0: po.f64[N], floord: po.f64[N], restrict: po.f64):
    for i in range(N):
        min[i] = c0[i] + floord[i] * restrict


def test_python_names_that_clash_with_c_are_renamed():
    k = compile_kernel(double)
    names = {p.name: p.c_name for p in k.program.params}
    assert names["min"] != "min" and names["c0"] != "c0" and names["restrict"] != "restrict"
    assert len(set(names.values())) == len(names)
    k.check(np.zeros(4), rng.random(4), rng.random(4), 2.0)


@pytest.mark.parametrize("n", [1, 2])
def test_size_one_and_two(n):
    k = compile_kernel(shapes_and_offsets)
    k.check(rng.random((n + 2, 2 * n)), np.zeros((n, n)))
