"""IntPoly: the extents below the front ends (no sympy below them)."""

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from polyopt.frontend.intpoly import IntPoly, quotient
from polyopt.frontend.signature import _intpoly

N, M = IntPoly.symbol("N"), IntPoly.symbol("M")


def test_arithmetic_reads_and_prints_like_sympy():
    e = 2 * N + M - 3
    assert str(e) == "M + 2*N - 3" and e.linear() == {"M": 1, "N": 2} and e.constant == -3
    assert str(-N + 1) == "-N + 1" and str(N * M - N) == "M*N - N" and str(N * N) == "N**2"
    assert (N * M).degree == 2 and IntPoly.const(0).degree == 0 and str(IntPoly()) == "0"
    assert (N + 1) - N == IntPoly.const(1) and 3 - N == -(N - 3)
    assert e.value({"N": 5, "M": 7}) == 14 and e.free_symbols == {"N", "M"}


def test_nonaffine_extents_are_refused_by_linear():
    with pytest.raises(ValueError, match="not affine"):
        (N * M).linear()


def test_quotient_of_monomials():
    assert quotient(("m", "n"), ("m",)) == ("n",)
    assert quotient(("m",), ("n",)) is None and quotient(("m",), ()) == ("m",)


@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9), st.integers(-50, 50), st.integers(-50, 50))
def test_agrees_with_sympy(a, b, c, n, m):
    sn, sm = sympy.symbols("N M", integer=True)
    ours = _intpoly(a * sn + b * sm + c)
    assert ours == a * N + b * M + c
    assert ours.value({"N": n, "M": m}) == int((a * sn + b * sm + c).subs({sn: n, sm: m}))
    plain = {"N": sympy.Symbol("N"), "M": sympy.Symbol("M")}  # sympy's own N is a function
    assert sympy.sympify(str(ours), locals=plain) == a * plain["N"] + b * plain["M"] + c
