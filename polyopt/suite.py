"""Kernel suites: kernels with their size presets, inputs, flop counts and NumPy formulations.

A suite file is an ordinary Python module that defines ``@po.kernel`` functions and declares a
:class:`Case` for each with :func:`case`::

    gemm_case = po.case(gemm, category="blas",
                        sizes={"MINI": dict(NI=20, NJ=25, NK=30), ...},
                        init=init_gemm,                 # init(**sizes) -> {arg name: value}
                        flops=lambda NI, NJ, NK: 2 * NI * NJ * NK,
                        numpy=gemm_numpy)               # optional: numpy(**args), same effect in place

:func:`discover` imports files and folders and returns every Case found; a bare kernel without a
Case is wrapped in one with small default sizes and random inputs, so ``polyopt check`` works on
any file of kernels.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import PolyoptError
from .kernel import Kernel

PRESETS = ("MINI", "SMALL", "MEDIUM", "LARGE", "EXTRALARGE")
DEFAULT_SIZE = 10  # per size parameter, for kernels declared without a Case


@dataclass(frozen=True, eq=False)
class Case:
    """A kernel of a suite with everything needed to check and benchmark it."""

    kernel: Kernel
    sizes: dict[str, dict[str, int]]
    init: Callable[..., dict] | None = None
    flops: Callable[..., float] | None = None
    numpy: Callable[..., None] | None = None
    category: str = ""
    source_file: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        return self.kernel.name

    def params_for(self, size: str) -> dict[str, int]:
        """The parameter values of a preset; a clear error names the presets that exist."""
        if size not in self.sizes:
            raise PolyoptError(f"kernel '{self.name}' has no size preset {size!r}",
                               hint=f"presets: {', '.join(self.sizes)}")
        return dict(self.sizes[size])

    def inputs(self, size: str, seed: int = 0) -> dict:
        """Fresh arguments for a preset: from ``init`` if declared, else random values of the right shapes."""
        params = self.params_for(size)
        if self.init is not None:
            return self.init(**params)
        return random_inputs(self.kernel, params, seed)

    def flop_count(self, size: str) -> float | None:
        return None if self.flops is None else float(self.flops(**self.params_for(size)))


def case(kernel: Kernel, *, sizes: dict, init=None, flops=None, numpy=None, category: str = "") -> Case:
    """Declare a suite entry for ``kernel`` (see the module docstring)."""
    if not isinstance(kernel, Kernel):
        raise PolyoptError(f"po.case expects a @po.kernel, not {type(kernel).__name__}")
    unknown = sorted(set(sizes) - set(PRESETS))
    if unknown:
        raise PolyoptError(f"unknown size preset {unknown[0]!r} for '{kernel.name}'",
                           hint=f"use {', '.join(PRESETS)}")
    return Case(kernel, {k: dict(v) for k, v in sizes.items()}, init, flops, numpy, category)


def random_inputs(kernel: Kernel, params: dict[str, int], seed: int = 0) -> dict:
    """Random arguments for ``kernel`` with the size parameters ``params`` (values in [0, 1) / small ints)."""
    from .frontend.syntax import Argument

    rng = np.random.default_rng(seed)
    out = {}
    for a in kernel.syntax.args:
        if a.kind == Argument.INT:
            out[a.name] = params.get(a.name, DEFAULT_SIZE)
        elif a.kind == Argument.SCALAR:
            out[a.name] = a.dtype.np_dtype.type(1.5 if a.dtype.is_float else 3)
        else:
            shape = tuple(e.value(params) for e in a.shape)
            if a.dtype.is_float:
                out[a.name] = rng.random(shape).astype(a.dtype.np_dtype) + 0.5
            else:
                out[a.name] = rng.integers(1, 10, size=shape).astype(a.dtype.np_dtype)
    return out


def default_case(kernel: Kernel, source_file: str = "") -> Case:
    """A Case for a kernel declared without one: every preset uses DEFAULT_SIZE per parameter."""
    params = {p: DEFAULT_SIZE for p in kernel.syntax.params}
    return Case(kernel, {p: dict(params) for p in PRESETS}, category="", source_file=source_file)


def _load_module(path: Path):
    name = f"polyopt_suite_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PolyoptError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except PolyoptError:
        raise
    except Exception as exc:
        raise PolyoptError(f"{path}: importing failed: {type(exc).__name__}: {exc}") from exc
    return module


def cases_in_file(path: str | Path) -> list[Case]:
    """Every Case (or bare kernel) defined in one Python file, in definition order."""
    path = Path(path)
    module = _load_module(path)
    found: list[Case] = []
    covered = set()
    for value in vars(module).values():
        if isinstance(value, Case):
            found.append(replace(value, source_file=str(path)))
            covered.add(id(value.kernel))
    for value in vars(module).values():
        if isinstance(value, Kernel) and id(value) not in covered:
            found.append(default_case(value, str(path)))
            covered.add(id(value))
    return found


def no_such_kernel(path_text: str, name: str, existing: list[str]) -> str:
    """One line for an unknown ``FILE:KERNEL``: the closest name, and the kernels that do exist."""
    import difflib

    if not existing:
        return f"{path_text}: no kernel named {name!r} (it defines no kernels)"
    close = difflib.get_close_matches(name, existing, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(existing[:20]) + (f", ... ({len(existing)} in all)" if len(existing) > 20 else "")
    return f"{path_text}: no kernel named {name!r}{guess} (kernels there: {shown})"


def split_kernel_path(raw: str) -> tuple[str, str]:
    """``FILE:KERNEL`` -> (FILE, KERNEL); a plain path -> (path, "")."""
    if raw.count(":") == 1 and not Path(raw).exists():
        path, _, name = raw.partition(":")
        return path, name
    return raw, ""


def suite_files(path: Path) -> list[Path]:
    """The kernel files of a path: itself, or every ``*.py`` below a folder not starting with ``_``."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.py") if not p.name.startswith("_"))
    return [path]


def discover(paths) -> list[Case]:
    """Cases from files and folders (recursively, see :func:`suite_files`), in path order.

    A path may name one kernel as ``FILE:KERNEL``.  Missing paths and unknown kernel names raise
    PolyoptError with one clear line.
    """
    out: list[Case] = []
    for raw in paths:
        path_text, only = split_kernel_path(str(raw))
        path = Path(path_text)
        if not path.exists():
            raise PolyoptError(f"{path_text}: no such file or directory")
        cases = [c for f in suite_files(path) for c in cases_in_file(f)]
        if only:
            existing = [c.name for c in cases]
            cases = [c for c in cases if c.name == only]
            if not cases:
                raise PolyoptError(no_such_kernel(path_text, only, existing))
        out.extend(cases)
    return out
