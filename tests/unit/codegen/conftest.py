"""Helpers for code generation tests: compile a Python kernel with a given schedule tree.

The scheduler is not needed: :func:`original_tree` is the kernel's original order as one band,
and tests that need tiles or marks build trees by hand with :func:`band`, :func:`mark` and
friends.  :func:`reference` runs the original Python function with its size symbols bound.
"""

from __future__ import annotations

import types

import islpy as isl
import numpy as np
import pytest
import sympy

from polyopt.analysis.dependences import compute_dependences
from polyopt.codegen import generate_c
from polyopt.frontend import parse_kernel
from polyopt.poly.build import build_scop
from polyopt.runtime import load
from polyopt.schedule.loops import LOOP_MARK, LoopInfo
from polyopt.schedule.options import ScheduleOptions
from polyopt.schedule.schedule import Schedule


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Compile into a cache directory private to this test session."""
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "polyopt-cache"))
    monkeypatch.delenv("POLYOPT_NO_CACHE", raising=False)


class Compiled:
    """A kernel taken through parse -> scop -> deps -> (given tree) -> C -> callable."""

    def __init__(self, func, tree_fn=None, *, separate_tiles=True):
        self.func = func
        self.kdef = parse_kernel(func)
        self.scop = build_scop(self.kdef)
        self.deps = compute_dependences(self.scop)
        tree = (tree_fn or original_tree)(self.scop)
        self.schedule = Schedule(self.scop, self.deps, tree, ScheduleOptions())
        self.program = generate_c(self.schedule, separate_tiles=separate_tiles)
        self._ck = None

    @property
    def text(self) -> str:
        return self.program.text

    @property
    def kernel(self):
        if self._ck is None:
            self._ck = load(self.program, self.kdef)
        return self._ck

    def check(self, *arrays_and_scalars, rtol=1e-12, atol=1e-12):
        """Run compiled and Python versions on copies of the arguments; compare every array."""
        c_args = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays_and_scalars]
        py_args = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays_and_scalars]
        self.kernel(*c_args)
        reference(self.func, self.kernel.bind(*py_args), *py_args)
        for c_arr, p_arr in zip(c_args, py_args):
            if isinstance(c_arr, np.ndarray):
                np.testing.assert_allclose(c_arr, p_arr, rtol=rtol, atol=atol)
        return c_args


def compile_kernel(func, tree_fn=None, **kw) -> Compiled:
    return Compiled(func, tree_fn, **kw)


def reference(func, sizes: dict[str, int], *args):
    """Call ``func`` with every size symbol it sees replaced by its value."""
    def swap(v):
        return sizes.get(v.name, v) if isinstance(v, sympy.Symbol) else v

    globs = {k: swap(v) for k, v in func.__globals__.items()}
    closure = None
    if func.__closure__:
        closure = tuple(types.CellType(swap(c.cell_contents)) for c in func.__closure__)
    return types.FunctionType(func.__code__, globs, func.__name__, func.__defaults__, closure)(*args)


# ---------------------------------------------------------------- schedule trees by hand


def original_tree(scop) -> isl.Schedule:
    """The original (2d+1) order as a single band."""
    umap = scop.original_schedule()
    mupa = isl.MultiUnionPwAff.from_union_map(umap)
    return isl.Schedule.from_domain(scop.domain()).insert_partial_schedule(mupa)


def mupa(scop, per_stmt: dict[str, list[str]]) -> isl.MultiUnionPwAff:
    """A band from per-statement expressions: {"S0": ["i", "j"], ...} over their iterators."""
    params = ", ".join(scop.params)
    n = len(next(iter(per_stmt.values())))
    members = []
    for k in range(n):
        pieces = []
        for name, exprs in per_stmt.items():
            st = scop.statement(name)
            pieces.append(f"{name}[{', '.join(st.iterators)}] -> [({exprs[k]})]")
        members.append("{ " + "; ".join(pieces) + " }")
    return isl.MultiUnionPwAff(f"[{params}] -> [{', '.join(members)}]")


def mark(node: isl.ScheduleNode, kind: str, reductions=()) -> isl.ScheduleNode:
    """Insert a LOOP_MARK above ``node`` (a band); returns the handle of the band."""
    return node.insert_mark(isl.Id(LOOP_MARK, user=LoopInfo("loop", kind, reductions=reductions))).child(0)
