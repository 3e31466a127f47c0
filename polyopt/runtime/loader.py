"""Loading a compiled library with ctypes and calling the kernel.

Part of the runtime (shared library -> callable).  :class:`CompiledKernel` checks and binds the
arguments with a :class:`~.binding.BindingPlan`, then calls the C function with precomputed
``argtypes`` (pointers as ``c_void_p`` from the array's data address -- no slow
``ndpointer`` checks, the plan has done them).  ``ctypes.CDLL`` functions release the GIL during
the call.  The call's thread count is the cores other processes leave free, at most
``OMP_NUM_THREADS`` (:mod:`.threads`).
"""

from __future__ import annotations

import ctypes
import os

from ..codegen.signature import ARRAY, SCALAR, CParam
from ..errors import ArgumentError, CompileError
from . import threads
from .binding import BindingPlan

_CTYPES = {"double": ctypes.c_double, "float": ctypes.c_float, "int": ctypes.c_int, "long": ctypes.c_long}


def open_library(path: str, function_name: str, params: tuple[CParam, ...]):
    """The C function ``function_name`` of the library at ``path``, with its argtypes set.

    Raises CompileError when the file cannot be loaded or lacks the function.
    """
    try:
        lib = ctypes.CDLL(path)
        fn = getattr(lib, function_name)
    except (OSError, AttributeError) as exc:
        raise CompileError(f"cannot load compiled kernel {path}: {exc}") from exc
    fn.argtypes = [ctypes.c_void_p if p.kind == ARRAY else _CTYPES[p.ctype] for p in params]
    fn.restype = None
    return lib, fn


class CompiledKernel:
    """A loaded kernel: call it with the kernel's arguments (positional or by keyword)."""

    def __init__(self, lib, fn, params: tuple[CParam, ...], plan: BindingPlan, meta: dict, path: str):
        self._lib = lib  # keeps the library loaded
        self._fn = fn
        self.params = params
        self.plan = plan
        self.meta = meta  # what polyopt.runtime.load_meta needs (JSON-serializable)
        self.path = path
        self.function_name = meta.get("function_name", "")
        # For each C parameter: (0, index of the array argument), (1, index of the scalar
        # argument) or (2, name of the size parameter).
        order = []
        for p in params:
            if p.kind == ARRAY:
                order.append((0, plan.index[p.name]))
            elif p.kind == SCALAR:
                order.append((1, plan.index[p.name]))
            else:
                order.append((2, p.name))
        self._order = tuple(order)
        missing = [p.name for p in params if p.kind != ARRAY and p.kind != SCALAR
                   and p.name not in plan.params]
        if missing:
            raise ArgumentError(f"compiled kernel expects size parameter '{missing[0]}' which the "
                                "kernel signature does not define")

    def __call__(self, *args, **kwargs) -> None:
        values, params, addresses = self.plan.check(args, kwargs)
        cargs = []
        for kind, key in self._order:
            if kind == 0:
                cargs.append(addresses[key])
            elif kind == 1:
                cargs.append(values[key])
            else:
                cargs.append(params[key])
        governor = threads.governor()
        if governor is not None:
            governor.before_call(self._lib)
        self._fn(*cargs)

    def bind(self, *args, **kwargs) -> dict[str, int]:
        """The size parameters a call with these arguments would use."""
        return self.plan.bind(args, kwargs)

    def __repr__(self) -> str:
        # The signature a call takes and the library's file name (the cache path is in .path).
        name = self.meta.get("kernel_name") or self.function_name
        entry = os.path.basename(self.path).split(".")[0][:12]
        return (f"<compiled kernel {name}({', '.join(self.plan.names)}): C function {self.function_name}, "
                f"cache entry {entry}>")
