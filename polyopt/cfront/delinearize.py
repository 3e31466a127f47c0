"""Linearised subscripts (``a[i * m + j]``) -> multi-dimensional accesses (``a[i][j]`` of ``[*][m]``).

Part of the C front end's conversion step.  C code written against ``double *a`` indexes a 2-D
array by hand; the subscript multiplies an iterator by a size parameter, which is not affine, so
the polyhedral model cannot hold it as it is.  As in Polly's delinearization, the subscripts of
every access to the array are written as polynomials in the iterators and the size parameters and
grouped by their monomial in the parameters::

    (i + 1) * m + j - 1   =   (i + 1) * m  +  (j - 1) * 1      ->   a[i + 1][j - 1]  of  [*][m]

The monomials of all the array's accesses must form a chain ``1 | p1 | p1*p2 | ...`` (each one
the previous times one parameter: the extents, innermost first), and each coefficient must be
affine in the iterators.  The result is exact only while every inner subscript stays within its
row (``0 <= j - 1 < m``); :mod:`.alias` proves that or makes it part of the runtime check.
Subscripts that are already affine (``a[100 * i + j]`` after macro expansion) are left alone: a
one-dimensional affine access is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from pycparser import c_ast

from ..frontend.intpoly import IntPoly, Monomial, quotient
from .decls import CVar


@dataclass(frozen=True)
class Layout:
    """How a one-dimensional array is seen as ``len(monomials)``-dimensional.

    ``monomials`` are the strides in elements, outermost first, each a product of parameters
    (the last is 1); ``extents`` are the parameters naming the inner extents (outermost first,
    one fewer than the monomials).
    """

    array: str
    monomials: tuple[Monomial, ...]
    extents: tuple[str, ...]

    def split(self, poly: IntPoly) -> tuple[IntPoly, ...] | None:
        """The multi-dimensional subscripts (in the iterators) of a linear ``poly``."""
        parts = _by_monomial(poly, {s for m in self.monomials for s in m})
        if parts is None or not set(parts) <= set(self.monomials):
            return None
        return tuple(parts.get(m, IntPoly()) for m in self.monomials)


def subscript_poly(node, iterators: set[str], ints: set[str]) -> IntPoly | None:
    """A subscript as a polynomial in iterators and integer variables, or None when it has
    anything else (an array element, a division, a call, a float)."""
    if isinstance(node, c_ast.Constant):
        text = node.value.rstrip("uUlL")
        if node.type not in ("char", "string", "float", "double") and text:
            try:
                return IntPoly.const(int(text, 0) if not (len(text) > 1 and text[0] == "0"
                                                          and text.isdigit()) else int(text, 8))
            except ValueError:
                return None
        return None
    if isinstance(node, c_ast.ID):
        return IntPoly.symbol(node.name) if node.name in iterators | ints else None
    if isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+"):
        inner = subscript_poly(node.expr, iterators, ints)
        return None if inner is None else (-inner if node.op == "-" else inner)
    if isinstance(node, c_ast.Cast):
        return subscript_poly(node.expr, iterators, ints)
    if isinstance(node, c_ast.BinaryOp) and node.op in ("+", "-", "*"):
        a = subscript_poly(node.left, iterators, ints)
        b = subscript_poly(node.right, iterators, ints)
        if a is None or b is None:
            return None
        return a + b if node.op == "+" else a - b if node.op == "-" else a * b
    return None


def _by_monomial(poly: IntPoly, params: set[str]) -> dict[Monomial, IntPoly] | None:
    """``poly`` as {monomial in ``params``: coefficient (affine in the other symbols)}; None when a
    coefficient is not affine."""
    out: dict[Monomial, IntPoly] = {}
    for term, coeff in poly.terms:
        mono = tuple(s for s in term if s in params)
        rest = IntPoly.const(coeff)
        for s in term:
            if s not in params:
                rest = rest * IntPoly.symbol(s)
        out[mono] = out.get(mono, IntPoly()) + rest
    if any(coeff.degree > 1 for coeff in out.values()):
        return None
    return {m: c for m, c in out.items() if c.terms or m == ()}


def plan_layouts(items, iterators: set[str], vars_: dict[str, CVar], written: set[str]):
    """Per one-dimensional array with a non-affine subscript: its :class:`Layout`, or the reason
    (a message) why it has none.  Returns ``(layouts, failures)``."""
    ints = {n for n, v in vars_.items() if v.is_int and n not in written and n not in iterators}
    subscripts: dict[str, list] = {}

    def visit(node):
        if (isinstance(node, c_ast.ArrayRef) and isinstance(node.name, c_ast.ID)
                and node.name.name in vars_ and len(vars_[node.name.name].dims) == 1):
            subscripts.setdefault(node.name.name, []).append(node.subscript)
        for _, child in node.children():
            visit(child)

    for item in items:
        visit(item)
    layouts, failures = {}, {}
    for name, subs in subscripts.items():
        polys = [subscript_poly(s, iterators, ints) for s in subs]
        if any(p is None for p in polys):
            continue  # not polynomial: the affine conversion reports it
        if all(p.degree <= 1 for p in polys):
            continue  # affine already
        layout = _chain(name, polys, ints)
        if isinstance(layout, str):
            failures[name] = layout
        else:
            layouts[name] = layout
    return layouts, failures


def _chain(name: str, polys: list, ints: set[str]):
    # The parameters that multiply something are the strides; others are plain (affine) offsets.
    strides = {s for p in polys for term, _ in p.terms if len(term) > 1 for s in term if s in ints}
    parts = []
    for p in polys:
        split = _by_monomial(p, strides)
        if split is None:
            return "a coefficient of a size parameter is not affine in the loop iterators"
        parts.append(split)
    monos = sorted({m for split in parts for m in split} | {()}, key=len)
    extents = []
    for inner, outer in zip(monos, monos[1:]):
        ratio = quotient(outer, inner)
        if ratio is None or len(ratio) != 1 or ratio[0] not in ints:
            strides = ", ".join(str(IntPoly(((m, 1),))) for m in reversed(monos))
            return f"the strides {strides} are not successive products of size parameters"
        extents.append(ratio[0])
    return Layout(name, tuple(reversed(monos)), tuple(reversed(extents)))
