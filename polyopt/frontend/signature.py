"""A kernel's signature -> its :class:`Argument` list and size parameters.

Part of the frontend (Python function -> KernelDef).  Annotations are taken as the objects Python
evaluated (or, under ``from __future__ import annotations``, evaluated here with the function's
globals and closure).  Array extents must be affine in the size symbols with integer coefficients,
and every size symbol must be inferable from the array shapes at call time: a symbol is inferable
when some extent involves it and no other symbol that is not already inferable.
"""

from __future__ import annotations

import ast
import warnings

import numpy as np

from . import syntax as sx
from .intpoly import IntPoly
from .scope import KernelScope
from .types import ArrayType, DType, i64

_ANNOTATION_HINT = ("annotate arrays like po.f64[N, M], scalars as po.f64, po.f32, po.i32 or po.i64, "
                    "and sizes given directly as `int`")


def parse_signature(func, fn: ast.FunctionDef, scope: KernelScope) -> tuple[tuple, tuple]:
    """(arguments, params) of ``func`` whose ``def`` is ``fn``; problems go to ``scope``.

    Also fills ``scope.args`` and ``scope.size_names`` (the inferable size symbols).
    """
    a = fn.args
    if a.vararg is not None:
        scope.error(a.vararg, f"*{a.vararg.arg} is not supported in a kernel signature",
                    "list every argument explicitly")
    if a.kwarg is not None:
        scope.error(a.kwarg, f"**{a.kwarg.arg} is not supported in a kernel signature",
                    "list every argument explicitly")
    for kw in a.kwonlyargs:
        scope.error(kw, f"keyword-only argument '{kw.arg}' is not supported",
                    "remove the `*` so that every argument can be passed by position")
    for d in [*a.defaults, *(d for d in a.kw_defaults if d is not None)]:
        scope.error(d, "default argument values are not supported in a kernel",
                    "pass every argument explicitly")
    if fn.returns is not None and not (isinstance(fn.returns, ast.Constant) and fn.returns.value is None):
        scope.error(fn.returns, "a kernel returns nothing; its return annotation can only be None",
                    "write results into an array argument and drop the return annotation")

    annotations = getattr(func, "__annotations__", None) or {}
    args: list[sx.Argument] = []
    seen: set[str] = set()
    for arg in [*a.posonlyargs, *a.args]:
        if arg.arg in seen:  # not reachable from valid Python, but cheap to guard
            continue
        seen.add(arg.arg)
        parsed = _argument(arg, annotations.get(arg.arg, _NO_ANNOTATION), scope)
        if parsed is not None:
            args.append(parsed)
        else:  # later uses of the name are not reported again
            scope.broken.add(arg.arg)
    scope.args.update({x.name: x for x in args})
    params = _params(args, a, scope)
    return tuple(args), params


_NO_ANNOTATION = object()


def _argument(arg: ast.arg, ann, scope: KernelScope) -> sx.Argument | None:
    loc = scope.loc(arg)
    where = arg.annotation if arg.annotation is not None else arg
    if ann is _NO_ANNOTATION or arg.annotation is None:
        scope.error(arg, f"argument '{arg.arg}' has no type annotation", _ANNOTATION_HINT)
        return None
    if isinstance(ann, str):
        try:
            # the user's own annotation text, evaluated where Python would have evaluated it
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning of a malformed annotation
                ann = eval(ann, dict(scope.env.globals), scope.env.namespace())
        except Exception as exc:
            scope.error(where, f"the annotation of '{arg.arg}' cannot be evaluated: "
                               f"{type(exc).__name__}: {exc}", _ANNOTATION_HINT)
            return None
    if ann is int:
        return sx.Argument(arg.arg, sx.Argument.INT, i64, (), loc=loc)
    if isinstance(ann, DType):
        return sx.Argument(arg.arg, sx.Argument.SCALAR, ann, (), loc=loc)
    if isinstance(ann, ArrayType):
        ok = bool(ann.shape)
        if not ok:
            scope.error(where, f"array '{arg.arg}' has no extents", "give its shape, e.g. po.f64[N]")
        for extent in ann.shape:
            problem = _extent_problem(extent)
            if problem:
                scope.error(where, f"extent {extent} of array '{arg.arg}' {problem}",
                            "extents are affine in the size symbols with integer coefficients, "
                            "e.g. N, N + 2, 2 * M")
                ok = False
        if not ok:
            return None
        return sx.Argument(arg.arg, sx.Argument.ARRAY, ann.dtype, tuple(_intpoly(e) for e in ann.shape), loc=loc)
    hint = _ANNOTATION_HINT
    if ann is float:
        hint = "use po.f64 (or po.f32) for a scalar value, or `int` for a size"
    elif isinstance(ann, type) and issubclass(ann, (np.ndarray, np.generic)):
        hint = "use polyopt types: po.f64[N, M] for arrays, po.f64 for scalars"
    scope.error(where, f"argument '{arg.arg}' has an unsupported annotation {ann!r}", hint)
    return None


def _extent_problem(extent) -> str:
    """Why ``extent`` (sympy, from the annotation) is not a valid array extent, or '' when it is."""
    import sympy  # the annotations hold sympy expressions, so sympy is loaded already

    if not isinstance(extent, sympy.Expr):
        return "is not a number or size expression"
    syms = sorted(extent.free_symbols, key=lambda s: s.name)
    for s in syms:
        if not isinstance(s, sympy.Symbol) or not s.name.isidentifier():
            return f"uses '{s}', which is not a valid size name"
    e = sympy.expand(extent)
    if not syms:
        if not e.is_Integer:
            return "is not an integer"
        return "" if int(e) > 0 else "must be positive"
    poly = e.as_poly(*syms)
    if poly is None or poly.total_degree() > 1:
        return "is not affine in the size symbols"
    if not all(c.is_Integer for c in poly.coeffs()):
        return "has a non-integer coefficient"
    return ""


def _intpoly(extent) -> IntPoly:
    """A valid extent (see :func:`_extent_problem`) as an IntPoly."""
    import sympy

    out = IntPoly.const(0)
    for term, coeff in sympy.expand(extent).as_coefficients_dict().items():
        out = out + (IntPoly.const(int(coeff)) if term == 1 else IntPoly.symbol(term.name) * int(coeff))
    return out


def _params(args: list[sx.Argument], a: ast.arguments, scope: KernelScope) -> tuple[str, ...]:
    """Size symbols in order of first appearance in the shapes, then ``int`` arguments."""
    ast_args = {x.arg: x for x in [*a.posonlyargs, *a.args]}
    order: list[str] = []
    extents: list[tuple[sx.Argument, IntPoly]] = []
    for arg in args:
        for e in arg.shape:
            extents.append((arg, e))
            for s in sorted(e.free_symbols):
                if s not in order:
                    order.append(s)
    # A symbol is inferable once an extent involves it and otherwise only inferable symbols.
    known: set[str] = set()
    changed = True
    while changed:
        changed = False
        for _, e in extents:
            unknown = {s for s in e.free_symbols if e.coeff(s) != 0} - known
            if len(unknown) == 1:
                known |= unknown
                changed = True
    for name in order:
        if name not in known:
            arg = next(x for x, e in extents if name in e.free_symbols)
            node = ast_args[arg.name]
            scope.error(node.annotation or node, f"size '{name}' cannot be inferred from the arguments: "
                        "it only appears in extents together with other unknown sizes",
                        f"give some array an extent that involves only '{name}' (like {name} or "
                        f"{name} + 1), or make '{name}' an `int` argument")
    params = list(order)
    for arg in args:
        if arg.name in order:
            node = ast_args[arg.name]
            scope.error(node, f"argument '{arg.name}' has the same name as the size symbol used in "
                              "the array extents", "rename the argument or the size symbol")
        elif arg.kind == sx.Argument.INT:
            params.append(arg.name)
    scope.size_names.update(order)
    return tuple(params)
