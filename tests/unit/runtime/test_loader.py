"""Calling compiled code: every kind of C parameter, keywords, and the metadata round trip."""

from __future__ import annotations

import numpy as np
import pytest

from polyopt.errors import ArgumentError
from polyopt.runtime import load, load_meta

from .conftest import mixed_kernel, mixed_program


@pytest.fixture
def mixed():
    return load(mixed_program(), mixed_kernel())


def test_every_parameter_kind_reaches_c(mixed):
    n, m = 3, 2
    A = np.arange((n + 2) * 2 * m, dtype=np.float32).reshape(n + 2, 2 * m)
    B = np.array([5, 6, 7], np.int32)
    C = np.zeros(n + m)
    mixed(0.25, 9, A, B, C)
    assert C.tolist() == [0.25, 9.0, 3.0, 2.0, A[-1, -1] + 7]
    C[:] = 0
    mixed(np.float32(0.5), k=np.int64(-4), A=A, B=B, C=C)  # keywords, NumPy scalars, negative int
    assert C[:4].tolist() == [0.5, -4.0, 3.0, 2.0]


def test_bad_call_raises_before_reaching_c(mixed):
    C = np.zeros(5)
    with pytest.raises(ArgumentError, match="'A' has dtype float64"):
        mixed(0.25, 1, np.zeros((5, 4)), np.zeros(3, np.int32), C)
    assert not C.any()


def test_meta_reloads_the_same_library(mixed):
    again = load_meta(mixed.meta, mixed_kernel())
    assert again is not None and again.path == mixed.path
    assert [p.c_name for p in again.params] == [p.c_name for p in mixed.params]
