"""Polynomials with integer coefficients in named integer symbols: the array extents of a kernel.

Every array extent below the front ends is an :class:`IntPoly` (``N + 2``, ``2*M``), and so are
the linearised subscripts the C front end splits (``i*m + j``).  The Python front end reads its
extents as sympy expressions (``po.f64[N + 2]``, with ``po.symbols``) and converts them here once;
the layers below never see sympy, so ``polyopt cc`` does not import it (0.5-0.8 s of a 2 s run on
an AMD EPYC Zen 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Monomial = tuple[str, ...]  # sorted symbol names, repeated for powers; () is the constant term


@dataclass(frozen=True)
class IntPoly:
    """A polynomial with integer coefficients: sorted (monomial, coefficient) pairs, none zero."""

    terms: tuple[tuple[Monomial, int], ...] = ()

    @staticmethod
    def symbol(name: str) -> IntPoly:
        return IntPoly((((name,), 1),))

    @staticmethod
    def const(value: int) -> IntPoly:
        return IntPoly((((), int(value)),) if value else ())

    @staticmethod
    def of(value) -> IntPoly:
        """``value`` (an IntPoly or an int) as an IntPoly."""
        if isinstance(value, IntPoly):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return IntPoly.const(value)
        raise TypeError(f"not an integer polynomial: {value!r}")

    @staticmethod
    def _from(coeffs: Mapping[Monomial, int]) -> IntPoly:
        return IntPoly(tuple(sorted((m, c) for m, c in coeffs.items() if c)))

    # ---------------------------------------------------------------- arithmetic

    def __add__(self, other) -> IntPoly:
        out = dict(self.terms)
        for m, c in IntPoly.of(other).terms:
            out[m] = out.get(m, 0) + c
        return IntPoly._from(out)

    __radd__ = __add__

    def __neg__(self) -> IntPoly:
        return IntPoly(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other) -> IntPoly:
        return self + -IntPoly.of(other)

    def __rsub__(self, other) -> IntPoly:
        return IntPoly.of(other) + -self

    def __mul__(self, other) -> IntPoly:
        out: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in IntPoly.of(other).terms:
                m = tuple(sorted(m1 + m2))
                out[m] = out.get(m, 0) + c1 * c2
        return IntPoly._from(out)

    __rmul__ = __mul__

    # ---------------------------------------------------------------- reading

    @property
    def free_symbols(self) -> frozenset[str]:
        return frozenset(s for m, _ in self.terms for s in m)

    @property
    def degree(self) -> int:
        """The total degree (0 for a constant, including 0)."""
        return max((len(m) for m, _ in self.terms), default=0)

    @property
    def constant(self) -> int:
        return dict(self.terms).get((), 0)

    def is_constant(self) -> bool:
        return self.degree == 0

    def coeff(self, name: str) -> int:
        """The coefficient of the degree-one term in ``name``."""
        return dict(self.terms).get((name,), 0)

    def linear(self) -> dict[str, int]:
        """The coefficient of each symbol; ValueError when the polynomial is not affine."""
        if self.degree > 1:
            raise ValueError(f"{self} is not affine")
        return {m[0]: c for m, c in self.terms if m}

    def value(self, values: Mapping[str, int]) -> int:
        """The polynomial's value for integer ``values`` of all its symbols (KeyError if one is missing)."""
        total = 0
        for m, c in self.terms:
            for s in m:
                c *= values[s]
            total += c
        return total

    def __str__(self) -> str:
        # sympy's order: higher degree first, then by name; the constant last
        terms = sorted(self.terms, key=lambda t: (-len(t[0]), t[0]))
        out = ""
        for m, c in terms:
            body = "*".join(f"{s}**{m.count(s)}" if m.count(s) > 1 else s for s in sorted(set(m)))
            text = body if abs(c) == 1 and body else f"{abs(c)}*{body}" if body else str(abs(c))
            out += (f"-{text}" if c < 0 else text) if not out else (f" - {text}" if c < 0 else f" + {text}")
        return out or "0"

    def __repr__(self) -> str:
        return f"IntPoly({self})"


def quotient(outer: Monomial, inner: Monomial) -> Monomial | None:
    """``outer / inner`` when ``inner`` divides ``outer`` (as monomials), else None."""
    rest = list(outer)
    for s in inner:
        if s not in rest:
            return None
        rest.remove(s)
    return tuple(rest)
