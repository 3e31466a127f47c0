"""Argument checking and size-parameter binding for compiled kernels.

Part of the runtime (a call's Python arguments -> C arguments).  A :class:`BindingPlan` is built
once per kernel from its signature (``KernelDef.args`` and their extents): which array
dimension determines which size parameter (``N + 2`` -> ``N = shape - 2``, ``2*M`` -> ``M = shape / 2``
exactly; extents with several symbols are solved once the others are known; ``int`` arguments give
their parameter directly), and what to check.  Each call then checks types, dtypes, ranks,
shape consistency, sizes >= 1, C-contiguity, alignment, writability of written arrays and
that a written array overlaps no other array argument (the C code uses ``restrict`` pointers).
Every failure is an :class:`ArgumentError` naming the argument and the expected and actual values.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..codegen.signature import written_arrays
from ..errors import ArgumentError, PolyoptError
from ..frontend import syntax as sx
from ..frontend.intpoly import IntPoly

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (_LONG_MIN, _LONG_MAX)}


@dataclass(frozen=True)
class _Extent:
    """Dimension ``dim`` of argument ``arg`` has extent ``const + sum(coeff * param)``."""

    arg: int
    dim: int
    terms: tuple[tuple[str, int], ...]
    const: int
    text: str  # the extent as written in the signature

    def value(self, params: dict[str, int]) -> int:
        v = self.const
        for p, c in self.terms:
            v += c * params[p]
        return v


@dataclass(frozen=True)
class _Solve:
    """Size parameter ``param`` from extent ``extent``: (shape - rest) / coeff."""

    param: str
    coeff: int
    extent: _Extent


def _affine_terms(expr: IntPoly) -> tuple[tuple[tuple[str, int], ...], int]:
    if expr.degree > 1:
        raise PolyoptError(f"array extent {expr} is not affine in the size symbols")
    return tuple(sorted(expr.linear().items())), expr.constant


class BindingPlan:
    """How to check a call's arguments and derive the size parameters (see the module docstring)."""

    def __init__(self, kernel: sx.KernelDef):
        self.kernel_name = kernel.name
        self.args = tuple(kernel.args)
        self.names = tuple(a.name for a in self.args)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.params = tuple(kernel.params)
        int_args = {a.name: i for i, a in enumerate(self.args) if a.kind == sx.Argument.INT}
        self.int_params = tuple((name, i) for name, i in int_args.items())
        self.size_params = tuple(p for p in self.params if p not in int_args)
        written = written_arrays(kernel)
        self.written = tuple(i for i, a in enumerate(self.args) if a.kind == sx.Argument.ARRAY
                             and a.name in written)
        self.arrays = tuple(i for i, a in enumerate(self.args) if a.kind == sx.Argument.ARRAY)
        self.extents = tuple(_Extent(i, d, *_affine_terms(e), str(e))
                             for i, a in enumerate(self.args) if a.kind == sx.Argument.ARRAY
                             for d, e in enumerate(a.shape))
        self.steps, self.source = self._solve_order(set(int_args))
        self.checkers = tuple(self._checker(a) for a in self.args)

    @classmethod
    def from_kernel(cls, kernel: sx.KernelDef) -> BindingPlan:
        """The plan for ``kernel``."""
        return cls(kernel)

    def _solve_order(self, known: set[str]):
        """Solving steps in order, and where each parameter comes from (for messages)."""
        known = set(known)
        source = {p: f"int argument '{p}'" for p in known}
        steps: list[_Solve] = []
        progress = True
        while progress:
            progress = False
            for ext in self.extents:
                unknown = [(p, c) for p, c in ext.terms if p not in known]
                if len(unknown) == 1:
                    p, c = unknown[0]
                    steps.append(_Solve(p, c, ext))
                    known.add(p)
                    source[p] = f"{self.names[ext.arg]}.shape[{ext.dim}]"
                    progress = True
        missing = [p for p in self.params if p not in known]
        if missing:
            raise PolyoptError(f"kernel '{self.kernel_name}': the size {missing[0]} cannot be determined "
                               "from the array shapes",
                               hint=f"pass {missing[0]} as an `int` argument or give some array the "
                                    f"extent {missing[0]}")
        return tuple(steps), source

    # ------------------------------------------------------------ per-argument checks

    def _checker(self, a: sx.Argument):
        if a.kind == sx.Argument.ARRAY:
            return self._array_checker(a)
        if a.kind == sx.Argument.SCALAR and a.dtype.is_float:
            return _float_checker(a)
        return _int_checker(a, "long" if a.kind == sx.Argument.INT else a.dtype.c)

    def _array_checker(self, a: sx.Argument):
        name, dtype, ndim = a.name, a.dtype.np_dtype, len(a.shape)
        annotation = repr(a.dtype) + "[" + ", ".join(str(s) for s in a.shape) + "]"
        must_write = self.index[a.name] in self.written

        def converted(how: str) -> str:
            # A converted array is a copy: for an array the kernel writes, the results go to the copy.
            if not must_write:
                return f"pass {how}"
            return (f"the kernel writes '{name}', so a converted copy receives the results: "
                    f"out = {how}, pass out, then copy back with {name}[...] = out")

        def check(x):
            if not isinstance(x, np.ndarray):
                raise ArgumentError(f"argument '{name}' must be a NumPy array ({annotation}), "
                                    f"got {type(x).__name__}",
                                    hint=converted(f"np.asarray({name}, dtype=np.{dtype.name})"))
            if x.dtype != dtype:
                raise ArgumentError(f"argument '{name}' has dtype {x.dtype}, expected {dtype} ({annotation})",
                                    hint=converted(f"{name}.astype(np.{dtype.name})"))
            if x.ndim != ndim:
                raise ArgumentError(f"argument '{name}' has {x.ndim} dimension(s) (shape {x.shape}), "
                                    f"expected {ndim} ({annotation})")
            flags = x.flags
            if not flags.c_contiguous:
                raise ArgumentError(f"argument '{name}' is not C-contiguous (a strided view or Fortran "
                                    "order)", hint=converted(f"np.ascontiguousarray({name})"))
            if not flags.aligned:
                raise ArgumentError(f"argument '{name}' is not aligned for its dtype",
                                    hint=f"pass a copy: {name}.copy()")
            if must_write and not flags.writeable:
                raise ArgumentError(f"argument '{name}' is written by the kernel but is read-only",
                                    hint=f"pass a writable array, e.g. {name}.copy()")
            return x

        return check

    # ------------------------------------------------------------ the call

    def arguments(self, args, kwargs=None) -> list:
        """The arguments in signature order (positional and keyword), or ArgumentError."""
        n = len(self.names)
        if len(args) > n:
            raise ArgumentError(f"kernel '{self.kernel_name}' takes {n} argument(s) but {len(args)} "
                                "were given")
        values = list(args) + [_MISSING] * (n - len(args))
        if kwargs:
            for key, v in kwargs.items():
                i = self.index.get(key)
                if i is None:
                    raise ArgumentError(f"kernel '{self.kernel_name}' got an unexpected keyword argument "
                                        f"'{key}'", hint=f"its arguments are {', '.join(self.names)}")
                if values[i] is not _MISSING:
                    raise ArgumentError(f"kernel '{self.kernel_name}' got multiple values for argument "
                                        f"'{key}'")
                values[i] = v
        if len(args) < n:
            for i, v in enumerate(values):
                if v is _MISSING:
                    raise ArgumentError(f"kernel '{self.kernel_name}' is missing argument "
                                        f"'{self.names[i]}'")
        return values

    def check(self, args, kwargs=None) -> tuple[list, dict[str, int], dict[int, int]]:
        """Check a call; returns (argument values in signature order with scalars converted to
        Python numbers, size parameters, data address of each array argument by position)."""
        values = self.arguments(args, kwargs)
        checkers = self.checkers
        for i in range(len(values)):
            values[i] = checkers[i](values[i])
        params: dict[str, int] = {}
        for name, i in self.int_params:
            params[name] = values[i]
        for step in self.steps:
            ext = step.extent
            actual = values[ext.arg].shape[ext.dim]
            rest = ext.const
            for p, c in ext.terms:
                if p != step.param:
                    rest += c * params[p]
            q, r = divmod(actual - rest, step.coeff)
            if r:
                raise ArgumentError(
                    f"argument '{self.names[ext.arg]}' has extent {actual} in dimension {ext.dim}, "
                    f"but {ext.text} cannot equal {actual} for an integer {step.param}"
                    + self._context(ext, params, step.param))
            params[step.param] = q
        for p in self.size_params:
            if params[p] < 1:
                raise ArgumentError(f"size {p} = {params[p]} (from {self.source[p]}) must be at least 1",
                                    hint="polyopt kernels are compiled for sizes >= 1")
        for ext in self.extents:
            actual = values[ext.arg].shape[ext.dim]
            expected = ext.value(params)
            if actual != expected:
                raise ArgumentError(
                    f"argument '{self.names[ext.arg]}' has shape {values[ext.arg].shape}: dimension "
                    f"{ext.dim} is {actual} but {ext.text} = {expected}" + self._context(ext, params))
        addresses = {i: values[i].__array_interface__["data"][0] for i in self.arrays}
        if self.written and len(self.arrays) > 1:
            self._check_overlap(values, addresses)
        return values, params, addresses

    def bind(self, args, kwargs=None) -> dict[str, int]:
        """The size parameters implied by the arguments, after all the checks of a real call."""
        return self.check(args, kwargs)[1]

    def _context(self, ext: _Extent, params: dict[str, int], skip: str = "") -> str:
        parts = [f"{p} = {params[p]} from {self.source[p]}"
                 for p, _ in ext.terms if p != skip and p in params]
        return f" ({'; '.join(parts)})" if parts else ""

    def _check_overlap(self, values, addresses) -> None:
        spans = {i: (addresses[i], addresses[i] + values[i].nbytes) for i in self.arrays if values[i].nbytes}
        for w in self.written:
            if w not in spans:
                continue
            lo, hi = spans[w]
            for i, (a, b) in spans.items():
                if i != w and a < hi and lo < b:
                    raise ArgumentError(
                        f"arguments '{self.names[w]}' and '{self.names[i]}' share memory, and the kernel "
                        f"writes '{self.names[w]}'",
                        hint="the compiled code assumes arrays do not overlap; pass a copy")


_MISSING = object()


def _float_checker(a: sx.Argument):
    name, annotation = a.name, repr(a.dtype)

    def check(x):
        if isinstance(x, float):
            return x
        if isinstance(x, (numbers.Real, np.floating, np.integer)) and not isinstance(x, np.ndarray):
            return float(x)
        if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biuf":
            return float(x)
        raise ArgumentError(f"argument '{name}' must be a real number ({annotation}), got {type(x).__name__}")

    return check


def _int_checker(a: sx.Argument, ctype: str):
    name, annotation = a.name, ("int" if a.kind == sx.Argument.INT else repr(a.dtype))
    lo, hi = _INT_RANGE.get(ctype, _INT_RANGE["long"])

    def check(x):
        if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
            v = int(x)
        elif isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iu":
            v = int(x)
        else:
            got = f"{type(x).__name__} {x!r}" if isinstance(x, (float, np.floating)) else type(x).__name__
            raise ArgumentError(f"argument '{name}' must be an integer ({annotation}), got {got}")
        if not lo <= v <= hi:
            raise ArgumentError(f"argument '{name}' = {v} does not fit in a C {ctype} ({annotation})")
        return v

    return check
