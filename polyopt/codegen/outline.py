"""Parallel loop bodies as static functions with ``restrict`` parameters.

Part of code generation.  gcc outlines the body of every ``#pragma omp parallel for`` loop into a
function that reaches the kernel's pointers through a shared structure, and the ``restrict``
qualifiers are lost on the way: gcc 12 then assumes that ``tmp[i]`` and ``y[i]`` may alias, keeps
reloading and storing them inside the inner loops instead of holding them in registers, and
gesummv ran 4x slower than the same loops without the pragma.  Giving the body its own static
function whose parameters are ``restrict`` pointers restores the aliasing information; gcc inlines
it (one call site) and keeps the qualifiers through inlining.

The scheduler asks for it on parallel loops with a loop inside and a statement that accumulates
(``+=``, ``x = x - ...``): the aliasing information matters for keeping the accumulated value in a
register.
Measured at LARGE on 2 threads, time inline / time outlined: gesummv 3.5, atax 1.7, gemm 1.7,
stencil3d27 1.4, 2mm 1.4, covariance 1.4, syrk 1.25; without accumulation: jacobi-2d 0.82,
heat-3d 0.98 (so those stay inline); with it and a wavefront: fdtd-2d 0.94, lu 0.96.
"""

from __future__ import annotations

import cgen as c

from ..schedule.loops import PARALLEL
from . import cexpr as ce
from .printer import Loop, Stmt, walk_items


class Outliner:
    """Collects the static functions for the parallel loop bodies of one kernel."""

    def __init__(self, fname: str, params: list[c.Value], names: list[str], locals_: dict[str, tuple[str, str]]):
        self.fname = fname
        self.params = params  # the kernel's parameters, as declared in its signature
        self.names = names  # their C names, in the same order
        self.locals = locals_  # temporary -> (C type, C name)
        self.functions: list = []

    def wants(self, loop: Loop) -> bool:
        """Whether ``loop``'s body is outlined (the scheduler decides: see
        :mod:`polyopt.schedule.passes.kinds`)."""
        return loop.kind == PARALLEL and loop.outline

    def emit(self, loop: Loop, outer_vars: list[str], emitter) -> list:
        """The pragma and ``for`` nest of ``loop`` around a call of a new function holding its body
        (emitted by ``emitter``); ``outer_vars`` are the loop variables around ``loop``."""
        chain = loop.chain()
        inner = chain[-1]
        loop_vars = list(dict.fromkeys(outer_vars + [x.var for x in chain]))
        body = emitter.items(inner.body, loop_vars)
        used, declared = set(), set(inner.decls)
        for x in walk_items(inner.body):
            if isinstance(x, Stmt):
                used |= x.emitted.locals_read | x.emitted.locals_written
            elif isinstance(x, Loop):
                declared |= set(x.decls)
        # temporaries declared outside and only read inside (check_private forbids writes)
        outside = sorted(used - declared)
        name = f"{self.fname}_par{len(self.functions)}"
        args = ([c.Value("long", v) for v in loop_vars] + list(self.params)
                + [c.Value(self.locals[n][0], self.locals[n][1]) for n in outside])
        decl = c.FunctionDeclaration(c.Value("static void", name), args)
        decls = [emitter.local_decl(n) for n in inner.decls]
        self.functions.append(c.FunctionBody(decl, c.Block([*decls, *body])))
        names = loop_vars + self.names + [self.locals[n][1] for n in outside]
        call = c.Line(f"{name}({', '.join(names)});")
        out = [c.Comment(loop.note)] if loop.note else []
        return out + [c.Pragma(loop.pragma), _for_nest(chain, c.Block(emitter.body(inner, [call])))]


def _for_nest(chain: list[Loop], body: c.Block) -> c.Generable:
    """The ``for`` statements of a collapsed ``chain`` around ``body``."""
    for loop in reversed(chain):
        body = c.For(f"long {loop.var} = {ce.to_c(loop.init)}", ce.to_c(loop.cond),
                     f"{loop.var} += {ce.to_c(loop.inc)}", body)
        body = c.Block([body])
    return body.contents[0]
