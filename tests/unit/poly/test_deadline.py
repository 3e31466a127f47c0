"""The wall-clock limit for isl computations (polyopt.poly.deadline)."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time

import pytest

from polyopt.errors import (
    BudgetExceeded,
    Diagnostic,
    InternalError,
    KernelSyntaxError,
    OptionError,
    SourceLocation,
    TimeLimitExceeded,
)
from polyopt.poly import deadline


def test_the_value_comes_back_from_the_child_and_the_child_is_separate():
    parent = os.getpid()
    pid, values = deadline.run_bounded(lambda: (os.getpid(), list(range(100_000))), "a sum")
    assert pid != parent and values == list(range(100_000))  # more than a pipe's buffer


def test_a_computation_past_the_limit_is_stopped_and_named(monkeypatch):
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "0.5")
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="isl's code generator did not finish within 0.5 s") as info:
        deadline.run_bounded(lambda: time.sleep(60), "isl's code generator", hint="try tile=False")
    assert time.monotonic() - start < 30
    assert isinstance(info.value, BudgetExceeded) and info.value.seconds == 0.5
    assert "try tile=False" in str(info.value)


def test_the_cap_shortens_the_limit(monkeypatch):
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "100")
    with deadline.capped(0.3):
        assert deadline.limit() == pytest.approx(0.3)
        with pytest.raises(TimeLimitExceeded, match="within 0.3 s"):
            deadline.run_bounded(lambda: time.sleep(60), "x")
    assert deadline.limit() == 100


def test_polyopt_errors_cross_with_every_attribute():
    loc = SourceLocation("k.py", 3, 4, "    x = y\n")
    problems = (Diagnostic(loc, "first", "do this"), Diagnostic(None, "second"))

    def fail():
        raise KernelSyntaxError(problems, kernel_name="k")

    with pytest.raises(KernelSyntaxError) as info:
        deadline.run_bounded(fail, "x")
    assert info.value.diagnostics == problems and info.value.location == loc
    assert str(info.value) == str(KernelSyntaxError(problems, kernel_name="k"))
    again = pickle.loads(pickle.dumps(BudgetExceeded("m", hint="h", operations=7)))
    assert (again.message, again.hint, again.operations) == ("m", "h", 7)


def test_an_exception_that_does_not_pickle_becomes_an_internal_error():
    lock = threading.Lock()

    class Odd(Exception):
        def __init__(self):
            super().__init__("odd")
            self.lock = lock  # a lock does not pickle

    def fail():
        raise Odd()

    with pytest.raises(InternalError, match="Odd: odd"):
        deadline.run_bounded(fail, "x")


def test_a_crash_in_the_child_is_an_error_not_the_end_of_the_process():
    with pytest.raises(InternalError, match="the check ended without an answer"):
        deadline.run_bounded(lambda: os.kill(os.getpid(), signal.SIGKILL), "the check")


def test_zero_seconds_runs_in_this_process(monkeypatch):
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "0")
    assert deadline.limit() is None
    with deadline.capped(5):  # a cap shortens a limit, it makes none
        assert deadline.limit() is None
    assert deadline.run_bounded(os.getpid, "x") == os.getpid()


def test_inside_a_guarded_child_nothing_forks_again():
    outer, inner = deadline.run_bounded(lambda: (os.getpid(), deadline.run_bounded(os.getpid, "inner")), "outer")
    assert outer == inner != os.getpid()


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_bad_limit_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", raw)
    with pytest.raises(OptionError, match="POLYOPT_ISL_SECONDS"):
        deadline.limit()
