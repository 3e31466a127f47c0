"""Element types, size symbols and array annotations used in kernel signatures.

``po.f64[N, M]`` is an :class:`ArrayType`; ``po.f64`` alone annotates a scalar argument.
Size symbols are sympy integer symbols, so extents such as ``N + 2`` or ``2 * M`` are ordinary
sympy expressions; the frontend checks that they are affine and turns them into
:class:`~.intpoly.IntPoly`.  sympy is imported on first use: the C front end never needs it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DType:
    """A scalar element type: its name, NumPy dtype and C type."""

    name: str
    numpy: str
    c: str

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(self.numpy)

    @property
    def is_float(self) -> bool:
        return self.numpy.startswith("float")

    def __getitem__(self, shape) -> ArrayType:
        if not isinstance(shape, tuple):
            shape = (shape,)
        import sympy

        return ArrayType(self, tuple(sympy.sympify(s) for s in shape))

    def __repr__(self) -> str:
        return f"po.{self.name}"


f32 = DType("f32", "float32", "float")
f64 = DType("f64", "float64", "double")
i32 = DType("i32", "int32", "int")
i64 = DType("i64", "int64", "long")

DTYPES = {d.name: d for d in (f32, f64, i32, i64)}


@dataclass(frozen=True)
class ArrayType:
    """An array annotation: element type and extents (sympy expressions in the size symbols)."""

    dtype: DType
    shape: tuple

    def __repr__(self) -> str:
        return f"po.{self.dtype.name}[{', '.join(str(s) for s in self.shape)}]"


def symbols(names: str):
    """Size parameters: ``N, M = po.symbols("N M")``; a single name returns one symbol."""
    parts = names.replace(",", " ").split()
    if not parts:
        raise ValueError("po.symbols needs at least one name")
    import sympy

    syms = tuple(sympy.Symbol(p, integer=True) for p in parts)
    return syms[0] if len(syms) == 1 else syms


def is_size_symbol(obj) -> bool:
    """Whether ``obj`` is a size symbol (from :func:`symbols`; none exists before sympy is loaded)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(obj, sympy.Symbol)
