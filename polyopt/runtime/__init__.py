"""The runtime: CProgram -> shared library (through the disk cache) -> callable.

* :func:`load` compiles a program (or finds it in the cache) and returns a :class:`CompiledKernel`.
* :func:`load_meta` loads from the metadata of an earlier :func:`load` (``CompiledKernel.meta``)
  without the C text, or returns None when the library is no longer in the cache.
* :func:`front_key`, :func:`lookup_front`, :func:`store_front`: the key -> metadata store that lets
  a new process skip the whole pipeline; see :mod:`.cache`.  Typical use by the caller::

      key = runtime.front_key(kernel_source, options.key())
      meta = runtime.lookup_front(key)
      compiled = runtime.load_meta(meta, kernel_def) if meta else None
      if compiled is None:
          compiled = runtime.load(generate_c(schedule), kernel_def)
          runtime.store_front(key, compiled.meta)

This package does not import islpy.
"""

from __future__ import annotations

from ..codegen.signature import CParam, CProgram
from ..errors import CompileError
from ..frontend.syntax import KernelDef
from . import cache
from .binding import BindingPlan
from .cache import front_key, lookup_front, store_front
from .loader import CompiledKernel, open_library

META_FORMAT = 1


def _meta(program_key: str, function_name: str, params, kernel_name: str) -> dict:
    return {"format": META_FORMAT, "library_key": program_key, "function_name": function_name,
            "kernel_name": kernel_name, "params": [p.to_json() for p in params]}


def load(program: CProgram, kernel: KernelDef) -> CompiledKernel:
    """Compile ``program`` through the disk cache and load it; calls take ``kernel``'s arguments."""
    plan = BindingPlan.from_kernel(kernel)
    what = f"kernel '{kernel.name}'"
    lib = cache.build_library(program.text, what=what)
    try:
        try:
            handle, fn = open_library(str(lib.path), program.function_name, program.params)
        except CompileError:
            if lib.temp_dir is not None:
                raise
            # A cached library that verified but does not load: rebuild it once.
            cache.invalidate_library(lib.key)
            lib = cache.build_library(program.text, what=what)
            handle, fn = open_library(str(lib.path), program.function_name, program.params)
    finally:
        lib.release()
    meta = _meta(lib.key, program.function_name, program.params, kernel.name)
    return CompiledKernel(handle, fn, program.params, plan, meta, str(lib.path))


def load_meta(meta: dict | None, kernel: KernelDef) -> CompiledKernel | None:
    """The kernel described by ``meta`` (from ``CompiledKernel.meta``) if its library is cached
    and intact; None otherwise (the caller then runs the pipeline and :func:`load`)."""
    try:
        if not meta or meta.get("format") != META_FORMAT:
            return None
        params = tuple(CParam.from_json(p) for p in meta["params"])
        key, fname = str(meta["library_key"]), str(meta["function_name"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    lib = cache.lookup_library(key)
    if lib is None:
        return None
    try:
        handle, fn = open_library(str(lib.path), fname, params)
    except CompileError:
        cache.invalidate_library(key)
        return None
    return CompiledKernel(handle, fn, params, BindingPlan.from_kernel(kernel), dict(meta), str(lib.path))


__all__ = ["BindingPlan", "CompiledKernel", "front_key", "load", "load_meta", "lookup_front", "store_front"]
