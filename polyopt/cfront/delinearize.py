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

import sympy
from pycparser import c_ast

from .decls import CVar


@dataclass(frozen=True)
class Layout:
    """How a one-dimensional array is seen as ``len(monomials)``-dimensional.

    ``monomials`` are the strides in elements, outermost first, each a product of parameters
    (the last is 1); ``extents`` are the parameters naming the inner extents (outermost first,
    one fewer than the monomials).
    """

    array: str
    monomials: tuple  # sympy expressions
    extents: tuple[str, ...]

    def split(self, poly) -> tuple | None:
        """The multi-dimensional subscripts (sympy, in the iterators) of a linear ``poly``."""
        parts = _by_monomial(poly, {str(s) for m in self.monomials for s in m.free_symbols})
        if parts is None or not set(parts) <= set(self.monomials):
            return None
        return tuple(parts.get(m, sympy.Integer(0)) for m in self.monomials)


def subscript_poly(node, iterators: set[str], ints: set[str]):
    """A subscript as a sympy polynomial in iterators and integer variables, or None when it has
    anything else (an array element, a division, a call, a float)."""
    if isinstance(node, c_ast.Constant):
        text = node.value.rstrip("uUlL")
        if node.type not in ("char", "string", "float", "double") and text:
            try:
                return sympy.Integer(int(text, 0) if not (len(text) > 1 and text[0] == "0"
                                                          and text.isdigit()) else int(text, 8))
            except ValueError:
                return None
        return None
    if isinstance(node, c_ast.ID):
        return sympy.Symbol(node.name, integer=True) if node.name in iterators | ints else None
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
        return sympy.expand(a + b if node.op == "+" else a - b if node.op == "-" else a * b)
    return None


def _by_monomial(poly, params: set[str]) -> dict | None:
    """``poly`` as {monomial in ``params``: coefficient (affine in the other symbols)}; None when a
    coefficient is not affine."""
    out: dict = {}
    for term, coeff in sympy.expand(poly).as_coefficients_dict().items():
        mono, rest = sympy.Integer(1), sympy.Integer(coeff)
        for factor, power in term.as_powers_dict().items():
            if factor == 1:
                continue
            if str(factor) in params:
                mono *= factor ** power
            else:
                rest *= factor ** power
        out[mono] = out.get(mono, sympy.Integer(0)) + rest
    if any(_degree(coeff) > 1 for coeff in out.values()):
        return None
    return {m: c for m, c in out.items() if c != 0 or m == 1}


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
        if all(_degree(p) <= 1 for p in polys):
            continue  # affine already
        layout = _chain(name, polys, ints)
        if isinstance(layout, str):
            failures[name] = layout
        else:
            layouts[name] = layout
    return layouts, failures


def _chain(name: str, polys: list, ints: set[str]):
    # The parameters that multiply something are the strides; others are plain (affine) offsets.
    strides = {str(s) for p in polys for term in sympy.Add.make_args(p) if _degree(term) > 1
               for s in term.free_symbols if str(s) in ints}
    parts = []
    for p in polys:
        split = _by_monomial(p, strides)
        if split is None:
            return "a coefficient of a size parameter is not affine in the loop iterators"
        parts.append(split)
    monos = sorted({m for split in parts for m in split} | {sympy.Integer(1)}, key=_degree)
    extents = []
    for inner, outer in zip(monos, monos[1:]):
        ratio = sympy.cancel(outer / inner)
        if not (isinstance(ratio, sympy.Symbol) and str(ratio) in ints):
            return (f"the strides {', '.join(str(m) for m in reversed(monos))} are not successive products "
                    "of size parameters")
        extents.append(str(ratio))
    return Layout(name, tuple(reversed(monos)), tuple(reversed(extents)))


def _degree(e) -> int:
    """Total degree of a polynomial (0 for a constant)."""
    return sympy.Poly(e, *e.free_symbols).total_degree() if e.free_symbols else 0
