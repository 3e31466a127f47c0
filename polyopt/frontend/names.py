"""Resolving names that are not kernel variables: the function's closure, globals and builtins.

Part of the frontend (Python function -> KernelDef).  A name that is not a loop variable, a local
temporary or an argument is looked up the way Python would at call time (closure cells, then the
function's globals, then builtins).  What it resolves to decides what it means in the kernel: a
sympy Symbol is a size parameter, a known math/numpy/builtin function is a :class:`Call` target
(identified by the object itself, so ``from math import sqrt`` and ``np.sqrt`` both work), and
``math.pi`` / ``math.e`` (and numpy's) are float constants.  Anything else is an error.
"""

from __future__ import annotations

import builtins
import math
import types
from dataclasses import dataclass

import numpy as np

MISSING = object()  # a name that resolves to nothing


@dataclass(frozen=True)
class FuncSpec:
    """A function callable from a kernel: its name in :class:`Call.func` and its arity."""

    name: str
    min_args: int
    max_args: int | None  # None: any number >= min_args
    returns_float: bool  # the result is a float whatever the arguments (for local type inference)


def _table():
    one = {n: FuncSpec(n, 1, 1, True) for n in
           ("sqrt", "exp", "log", "sin", "cos", "tanh", "fabs", "floor", "ceil")}
    pow_ = FuncSpec("pow", 2, 2, True)
    entries = [(getattr(math, n), s) for n, s in one.items()]
    entries += [(getattr(np, n), s) for n, s in one.items()]
    entries += [
        (math.pow, pow_), (np.power, pow_), (builtins.pow, FuncSpec("pow", 2, 2, False)),
        (builtins.min, FuncSpec("min", 2, None, False)), (builtins.max, FuncSpec("max", 2, None, False)),
        (np.minimum, FuncSpec("min", 2, 2, False)), (np.maximum, FuncSpec("max", 2, 2, False)),
        (builtins.abs, FuncSpec("abs", 1, 1, False)), (np.abs, FuncSpec("abs", 1, 1, False)),
        (builtins.float, FuncSpec("float", 1, 1, True)), (builtins.int, FuncSpec("int", 1, 1, False)),
    ]
    return tuple(entries)


_FUNCTIONS = _table()
_CONSTANTS = ((math.pi, "pi"), (math.e, "e"), (np.pi, "pi"), (np.e, "e"))

KNOWN_FUNCTION_NAMES = ("min, max, abs, pow, float, int and sqrt, exp, log, sin, cos, tanh, fabs, "
                        "floor, ceil from math or numpy")


def function_spec(obj) -> FuncSpec | None:
    """The spec of a known callable (matched by identity), or None."""
    for f, spec in _FUNCTIONS:
        if f is obj:
            return spec
    return None


def constant_value(obj) -> float | None:
    """``math.pi``/``math.e``/``np.pi``/``np.e`` (matched by identity) as a float, else None."""
    for c, _ in _CONSTANTS:
        if c is obj:
            return float(c)
    return None


class Environment:
    """The non-local names a kernel function can see, resolved like Python would at call time."""

    def __init__(self, func):
        self.globals = getattr(func, "__globals__", {}) or {}
        self.closure: dict[str, object] = {}
        code = getattr(func, "__code__", None)
        cells = getattr(func, "__closure__", None) or ()
        if code is not None:
            for name, cell in zip(code.co_freevars, cells):
                try:
                    self.closure[name] = cell.cell_contents
                except ValueError:  # an empty cell: the variable is not bound yet
                    pass
        # the builtins the function itself uses at call time
        b = getattr(func, "__builtins__", None) or self.globals.get("__builtins__", builtins)
        self.builtins = b if isinstance(b, dict) else vars(b)

    def lookup(self, name: str):
        """The object ``name`` refers to, or :data:`MISSING`."""
        for scope in (self.closure, self.globals, self.builtins):
            if name in scope:
                return scope[name]
        return MISSING

    def namespace(self) -> dict:
        """Closure variables, for evaluating string annotations (globals are passed separately)."""
        return dict(self.closure)


def lookup_attribute(env: Environment, base: str, attrs: list[str]):
    """Resolve ``base.a.b`` through module objects only (never runs user code), or MISSING."""
    obj = env.lookup(base)
    for a in attrs:
        if not isinstance(obj, types.ModuleType):
            return MISSING
        obj = vars(obj).get(a, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def describe(obj) -> str:
    """A short description of a Python object for error messages."""
    if isinstance(obj, types.ModuleType):
        return f"the module '{obj.__name__}'"
    if callable(obj):
        return f"the function/class '{getattr(obj, '__name__', type(obj).__name__)}'"
    return f"a Python {type(obj).__name__} value"
