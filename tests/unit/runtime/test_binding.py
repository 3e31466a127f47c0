"""Argument checking and size binding (no compilation involved)."""

from __future__ import annotations

import numpy as np
import pytest

from polyopt.errors import ArgumentError, PolyoptError
from polyopt.frontend import syntax as sx
from polyopt.frontend.types import f64
from polyopt.runtime.binding import BindingPlan

from .conftest import Msym, Nsym, axpy_kernel, mixed_kernel


@pytest.fixture
def mixed():
    return BindingPlan.from_kernel(mixed_kernel())


def good_mixed_args(n=3, m=2):
    return [np.float64(1.5), 4, np.zeros((n + 2, 2 * m), np.float32), np.zeros(n, np.int32),
            np.zeros(n + m)]


def test_sizes_are_solved_from_shapes(mixed):
    assert mixed.bind(good_mixed_args(3, 2)) == {"k": 4, "N": 3, "M": 2}
    assert mixed.bind(good_mixed_args(1, 1)) == {"k": 4, "N": 1, "M": 1}


def test_keyword_arguments(mixed):
    s, k, A, B, C = good_mixed_args()
    assert mixed.bind([s, k], {"C": C, "A": A, "B": B})["N"] == 3
    values, params, addresses = mixed.check([], {"s": 2, "k": 1, "A": A, "B": B, "C": C})
    assert values[0] == 2.0 and isinstance(values[0], float)
    assert addresses[4] == C.__array_interface__["data"][0]


@pytest.mark.parametrize("mutate, message", [
    (lambda a: a.__setitem__(2, np.zeros((5, 3), np.float32)), "cannot equal 3 for an integer M"),
    (lambda a: a.__setitem__(3, np.zeros(4, np.int32)), "dimension 0 is 4 but N = 3"),
    (lambda a: a.__setitem__(4, np.zeros(6)), "dimension 0 is 6 but M + N = 5"),
    (lambda a: a.__setitem__(2, np.zeros((5, 4), np.float64)), "has dtype float64, expected float32"),
    (lambda a: a.__setitem__(3, np.zeros((3, 1), np.int32)), "has 2 dimension(s)"),
    (lambda a: a.__setitem__(4, list(range(5))), "must be a NumPy array"),
    (lambda a: a.__setitem__(4, np.zeros(10)[::2]), "not C-contiguous"),
    (lambda a: a.__setitem__(0, "x"), "must be a real number"),
    (lambda a: a.__setitem__(1, 2.0), "must be an integer"),
    (lambda a: a.__setitem__(1, True), "must be an integer"),
    (lambda a: a.__setitem__(1, 2**63), "does not fit in a C long"),
])
def test_bad_arguments_are_named(mixed, mutate, message):
    args = good_mixed_args()
    mutate(args)
    with pytest.raises(ArgumentError) as info:
        mixed.bind(args)
    assert message in str(info.value)


def test_sizes_must_be_at_least_one(mixed):
    with pytest.raises(ArgumentError, match=r"size N = 0 \(from A.shape\[0\]\) must be at least 1"):
        mixed.bind([1.0, 1, np.zeros((2, 2), np.float32), np.zeros(0, np.int32), np.zeros(1)])


def test_written_arrays_must_be_writable_and_not_overlap():
    plan = BindingPlan.from_kernel(axpy_kernel())
    x, y = np.ones(4), np.zeros(4)
    ro = np.zeros(4)
    ro.flags.writeable = False
    with pytest.raises(ArgumentError, match="'y' is written by the kernel but is read-only"):
        plan.bind([1.0, x, ro])
    plan.bind([1.0, ro, y])  # a read-only input is fine
    with pytest.raises(ArgumentError, match="'y' and 'x' share memory"):
        plan.bind([1.0, y, y])
    buf = np.zeros(8)
    with pytest.raises(ArgumentError, match="share memory"):
        plan.bind([1.0, buf[2:6], buf[:4]])
    plan.bind([1.0, buf[4:], buf[:4]])  # adjacent, not overlapping


def test_conversion_hints_say_where_the_results_of_a_written_array_go():
    plan = BindingPlan.from_kernel(axpy_kernel())
    x, y = np.ones(4), np.zeros(4)
    with pytest.raises(ArgumentError) as read:
        plan.bind([1.0, x.astype(np.float32), y])
    assert read.value.hint == "pass x.astype(np.float64)"  # only read: a converted copy is fine
    with pytest.raises(ArgumentError) as written:
        plan.bind([1.0, x, y.astype(np.float32)])
    assert written.value.hint == ("the kernel writes 'y', so a converted copy receives the results: "
                                  "out = y.astype(np.float64), pass out, then copy back with y[...] = out")
    with pytest.raises(ArgumentError, match=r"copy back with y\[\.\.\.\] = out"):
        plan.bind([1.0, x, np.zeros(8)[::2]])  # not contiguous: np.ascontiguousarray copies too


def test_call_shape_errors():
    plan = BindingPlan.from_kernel(axpy_kernel())
    x, y = np.ones(4), np.zeros(4)
    with pytest.raises(ArgumentError, match="takes 3 argument"):
        plan.bind([1.0, x, y, y])
    with pytest.raises(ArgumentError, match="missing argument 'y'"):
        plan.bind([1.0, x])
    with pytest.raises(ArgumentError, match="multiple values for argument 'x'"):
        plan.bind([1.0, x], {"x": x, "y": y})
    with pytest.raises(ArgumentError, match="unexpected keyword argument 'z'"):
        plan.bind([1.0, x, y], {"z": 1})
    assert issubclass(ArgumentError, TypeError)


def test_an_undeterminable_size_is_reported_when_the_plan_is_built():
    kd = sx.KernelDef("k", (sx.Argument("A", sx.Argument.ARRAY, f64, (Nsym + Msym,)),), ("N", "M"), (), (),
                      "<test>", 1, "")
    with pytest.raises(PolyoptError, match="cannot be determined"):
        BindingPlan.from_kernel(kd)


def test_scalar_conversions():
    plan = BindingPlan.from_kernel(mixed_kernel())
    args = good_mixed_args()
    args[0], args[1] = np.float32(0.25), np.int16(7)
    values, params, _ = plan.check(args)
    assert values[0] == 0.25 and params["k"] == 7 and type(params["k"]) is int
    args[0] = 3  # an int is a fine float value
    assert plan.check(args)[0][0] == 3.0
