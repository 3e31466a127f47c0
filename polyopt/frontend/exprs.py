"""Python expressions -> syntax-tree expressions, with the affine checks.

Part of the frontend (Python ``ast`` -> KernelDef).  Two grammars share the node classes of
:mod:`polyopt.frontend.syntax`:

* affine expressions (loop bounds and steps, subscripts, ``if`` conditions): integer literals,
  loop variables and size parameters combined by ``+ -``, ``*`` by a constant, ``//`` and ``%``
  by a positive constant, ``min``/``max``.  Name-free sub-expressions are folded into one
  :class:`Const` (so ``-1`` is ``Const(-1)``, and a divisor is always a literal for later layers).
* value expressions (right-hand sides): any arithmetic on array elements, scalars, temporaries,
  loop variables and sizes, calls of known math functions and ``x if c else y``.

Every problem is recorded in the :class:`KernelScope` and the converter returns ``None`` for the
offending sub-expression, so one pass reports all problems without cascading messages.
"""

from __future__ import annotations

import ast
import math

from . import syntax as sx
from .names import constant_value
from .scope import INT64_MAX, ScopedConverter, snippet
from .types import is_size_symbol

_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
          ast.Pow: "**"}
_INT_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "//": lambda a, b: a // b, "%": lambda a, b: a % b}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_OP_TEXT = {ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
            ast.RShift: ">>", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
            ast.NotIn: "not in", ast.Not: "not"}

# What each affine context is called in messages, and what is allowed there.
_AFFINE_FORMS = ("+ and -, * by an integer constant, // and % by a positive integer constant, "
                 "min() and max(), integer literals")
_AFFINE_HINTS = {
    "loop bound": "loop bounds may use only enclosing loop variables and size parameters (" + _AFFINE_FORMS
                  + "); a size given at call time must be an `int` argument or an array extent",
    "subscript": "subscripts must be affine in the loop variables and size parameters ("
                 + _AFFINE_FORMS + ")",
    "condition": "`if` conditions may use only loop variables and size parameters (" + _AFFINE_FORMS
                 + "); to choose between values depending on data write `x if cond else y` on the "
                   "right-hand side",
    "loop step": "the step of range() must be a non-zero integer constant such as 2 or -1",
}
_DATA_PREFIX = {"loop bound": "data-dependent loop bound", "subscript": "non-affine subscript",
                "condition": "data-dependent condition", "loop step": "non-constant loop step"}
_NONAFFINE_PREFIX = {"loop bound": "non-affine loop bound", "subscript": "non-affine subscript",
                     "condition": "non-affine condition", "loop step": "non-constant loop step"}


class ExprConverter(ScopedConverter):
    """Converts Python expressions of one kernel, reporting problems to its scope."""

    # ------------------------------------------------------------ affine expressions

    def affine(self, node: ast.expr, what: str):
        """An affine expression for ``what`` (loop bound, subscript, condition, loop step)."""
        loc = self.scope.loc(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool):
                return self._int_literal(node, v)
            self._err(node, f"{_NONAFFINE_PREFIX[what]}: {v!r} is not an integer", _AFFINE_HINTS[what])
            return None
        if isinstance(node, ast.Name):
            return self._affine_name(node, what)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.affine(node.operand, what)
            if operand is None:
                return None
            op = "-" if isinstance(node.op, ast.USub) else "+"
            if isinstance(operand, sx.Const):
                return self._fold(node, -operand.value if op == "-" else operand.value)
            return sx.UnaryOp(op, operand, loc=loc)
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv,
                                                              ast.Mod):
            return self._affine_binop(node, what)
        if isinstance(node, ast.Call):
            return self._affine_call(node, what)
        if isinstance(node, ast.Subscript):
            base = node
            while isinstance(base, ast.Subscript):
                base = base.value
            name = base.id if isinstance(base, ast.Name) else ast.unparse(base)
            self._err(node, f"{_DATA_PREFIX[what]}: it reads the array '{name}'", _AFFINE_HINTS[what])
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            self._err(node, f"{_NONAFFINE_PREFIX[what]}: `/` is true division",
                      "use `//` (floor division by a positive integer constant) in " + what + "s")
            return None
        self._err(node, f"{_NONAFFINE_PREFIX[what]}: `{snippet(node)}` is not an affine expression",
                  _AFFINE_HINTS[what])
        return None

    def _fold(self, node, value: int):
        if abs(value) > INT64_MAX:
            self._err(node, f"constant {value} does not fit in 64 bits", "use smaller constants")
            return None
        return sx.Const(value, loc=self.scope.loc(node))

    def _affine_name(self, node: ast.Name, what: str):
        name, kind = node.id, self.scope.classify(node.id)
        loc = self.scope.loc(node)
        if kind == "iter":
            return sx.Name(name, sx.Name.ITER, loc=loc)
        if kind in ("dead_iter", "broken"):
            if kind == "dead_iter":
                self._dead_iter(node)
            return None
        if kind == "local":
            self._err(node, f"{_DATA_PREFIX[what]}: it uses the temporary '{name}'", _AFFINE_HINTS[what])
            return None
        if kind == "arg":
            arg = self.scope.args[name]
            if arg.kind == sx.Argument.INT:
                return sx.Name(name, sx.Name.PARAM, loc=loc)
            if arg.kind == sx.Argument.SCALAR:
                hint = (f"annotate '{name}' as `int` to make it a size parameter"
                        if what != "subscript" else _AFFINE_HINTS[what])
                self._err(node, f"{_DATA_PREFIX[what]}: it uses the scalar argument '{name}'", hint)
                return None
            self._err(node, f"{_DATA_PREFIX[what]}: it uses the array '{name}'", _AFFINE_HINTS[what])
            return None
        obj = self.env.lookup(name)
        if is_size_symbol(obj):
            return self._global_symbol(node, obj)
        self._unknown_global(node, obj, _AFFINE_HINTS[what])
        return None

    def _affine_binop(self, node: ast.BinOp, what: str):
        op = _ARITH[type(node.op)]
        left, right = self.affine(node.left, what), self.affine(node.right, what)
        if left is None or right is None:
            return None
        lc, rc = isinstance(left, sx.Const), isinstance(right, sx.Const)
        if op in ("//", "%"):
            if not rc:
                self._err(node.right, f"{_NONAFFINE_PREFIX[what]}: `{op}` by a non-constant",
                          f"`{op}` is allowed only by a positive integer constant")
                return None
            if right.value <= 0:
                self._err(node.right, f"{_NONAFFINE_PREFIX[what]}: `{op}` by {right.value}",
                          f"`{op}` is allowed only by a positive integer constant")
                return None
        if op == "*" and not (lc or rc):
            self._err(node, f"{_NONAFFINE_PREFIX[what]}: `{snippet(node)}` multiplies two "
                            "non-constant expressions", _AFFINE_HINTS[what])
            return None
        if lc and rc:
            return self._fold(node, _INT_OPS[op](left.value, right.value))
        return sx.BinOp(op, left, right, loc=self.scope.loc(node))

    def _affine_call(self, node: ast.Call, what: str):
        spec = self._call_target(node)
        if spec is None:
            return None
        if spec.name not in ("min", "max"):
            prefix = _DATA_PREFIX[what] if self._reads_data(node) else _NONAFFINE_PREFIX[what]
            self._err(node, f"{prefix}: calls of '{spec.name}()' are not allowed here", _AFFINE_HINTS[what])
            return None
        args = [self.affine(a, what) for a in node.args]
        if any(a is None for a in args):
            return None
        if all(isinstance(a, sx.Const) for a in args):
            pick = min if spec.name == "min" else max
            return self._fold(node, pick(a.value for a in args))
        return sx.Call(spec.name, tuple(args), loc=self.scope.loc(node))

    def _reads_data(self, node: ast.expr) -> bool:
        """Whether ``node`` reads an array, a scalar argument or a temporary."""
        for n in ast.walk(node):
            if isinstance(n, ast.Subscript):
                return True
            if isinstance(n, ast.Name):
                kind = self.scope.classify(n.id)
                if kind == "local" or (kind == "arg" and self.scope.args[n.id].kind != sx.Argument.INT):
                    return True
        return False

    # ------------------------------------------------------------ conditions

    def condition(self, node: ast.expr, *, affine: bool):
        """A condition: of an ``if`` statement (``affine=True``) or of a value ``x if c else y``."""
        operand = (lambda n: self.affine(n, "condition")) if affine else self.value
        loc = self.scope.loc(node)
        if isinstance(node, ast.Compare):
            return self._compare(node, operand)
        if isinstance(node, ast.BoolOp):
            values = [self.condition(v, affine=affine) for v in node.values]
            if any(v is None for v in values):
                return None
            return sx.BoolOp("and" if isinstance(node.op, ast.And) else "or", tuple(values), loc=loc)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.condition(node.operand, affine=affine)
            return None if inner is None else sx.Not(inner, loc=loc)
        if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int)):
            return sx.Const(int(bool(node.value)), loc=loc)
        # Python truthiness: `if e:` means `e != 0`.
        e = operand(node)
        return None if e is None else sx.Compare("!=", e, sx.Const(0, loc=loc), loc=loc)

    def _compare(self, node: ast.Compare, operand):
        for op in node.ops:
            if type(op) not in _CMP:
                self._err(node, f"comparison operator `{_OP_TEXT.get(type(op), '?')}` is not supported",
                          "compare numbers with < <= > >= == !=")
                return None
        sides = [operand(n) for n in [node.left, *node.comparators]]
        if any(s is None for s in sides):
            return None
        srcs = [node.left, *node.comparators]
        parts = tuple(sx.Compare(_CMP[type(op)], sides[k], sides[k + 1], loc=self.scope.loc(srcs[k]))
                      for k, op in enumerate(node.ops))
        # a chain `a < b < c` is `a < b and b < c` (b has no side effects in a kernel)
        return parts[0] if len(parts) == 1 else sx.BoolOp("and", parts, loc=self.scope.loc(node))

    # ------------------------------------------------------------ accesses

    def access(self, node: ast.Subscript):
        """``A[i, j]`` or ``A[i][j]`` on an array argument, with affine subscripts."""
        index_nodes: list[ast.expr] = []
        base = node
        while isinstance(base, ast.Subscript):
            sl = base.slice
            index_nodes[:0] = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
            base = base.value
        if not isinstance(base, ast.Name):
            self._err(node, f"`{snippet(node)}` is not an element of an array argument",
                      "subscript an array argument directly: A[i, j]")
            return None
        name = base.id
        kind = self.scope.classify(name)
        if kind == "broken":
            for ix in index_nodes:  # still check the subscripts
                if not isinstance(ix, (ast.Slice, ast.Starred)):
                    self.affine(ix, "subscript")
            return None
        arg = self.scope.args.get(name) if kind == "arg" else None
        if arg is None or arg.kind != sx.Argument.ARRAY:
            what = {"local": "the temporary", "iter": "the loop variable",
                    "dead_iter": "the loop variable"}.get(kind, "")
            if arg is not None:
                what = "the scalar argument" if arg.kind == sx.Argument.SCALAR else "the size argument"
            subject = f"{what} '{name}'" if what else f"'{name}'"
            self._err(node, f"{subject} is not an array and cannot be subscripted",
                      "only array arguments (annotated like po.f64[N, M]) can be indexed")
            return None
        indices = []
        ok = True
        for ix in index_nodes:
            if isinstance(ix, ast.Slice):
                self._err(ix, "slices are not supported in kernels", "write a loop over the elements")
                ok = False
            elif isinstance(ix, ast.Starred):
                self._err(ix, "*-unpacking is not supported in subscripts", "write every subscript")
                ok = False
            else:
                e = self.affine(ix, "subscript")
                ok = ok and e is not None
                indices.append(e)
        rank = len(arg.shape)
        if len(index_nodes) != rank:
            self._err(node, f"'{name}' has {rank} dimension{'s' if rank != 1 else ''} but is indexed "
                            f"with {len(index_nodes)} subscript{'s' if len(index_nodes) != 1 else ''}",
                      f"index every dimension, e.g. {name}[{', '.join('ijklmn'[:rank]) or '...'}]")
            ok = False
        return sx.Access(name, tuple(indices), loc=self.scope.loc(node)) if ok else None

    # ------------------------------------------------------------ values

    def value(self, node: ast.expr):
        """A value expression (a right-hand side, a call argument, an ``IfExp`` branch)."""
        loc = self.scope.loc(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool):
                return self._int_literal(node, v)
            if isinstance(v, float):
                if not math.isfinite(v):
                    self._err(node, f"float literal {ast.unparse(node)} is not finite",
                              "use a finite constant")
                    return None
                return sx.Const(v, loc=loc)
            self._err(node, f"{type(v).__name__} constant {v!r} is not supported in a kernel value",
                      "values are int or float numbers; for a truth value write `1.0 if cond else 0.0`")
            return None
        if isinstance(node, ast.Name):
            return self._value_name(node)
        if isinstance(node, ast.Subscript):
            return self.access(node)
        if isinstance(node, ast.Attribute):
            text, obj = self._resolve_callee(node)
            c = constant_value(obj) if obj is not None else None
            if c is not None:
                return sx.Const(c, loc=loc)
            self._err(node, f"`{text}` is not supported in a kernel",
                      "attributes are limited to math.pi, math.e, np.pi and np.e")
            return None
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                self._err(node, f"unary `{_OP_TEXT[type(node.op)]}` is not supported on values",
                          "use `not` only in conditions; values support unary - and +")
                return None
            operand = self.value(node.operand)
            if operand is None:
                return None
            op = "-" if isinstance(node.op, ast.USub) else "+"
            if isinstance(operand, sx.Const):
                return sx.Const(-operand.value if op == "-" else operand.value, loc=loc)
            return sx.UnaryOp(op, operand, loc=loc)
        if isinstance(node, ast.BinOp):
            return self._value_binop(node)
        if isinstance(node, ast.IfExp):
            parts = (self.condition(node.test, affine=False), self.value(node.body), self.value(node.orelse))
            return None if any(p is None for p in parts) else sx.IfExp(*parts, loc=loc)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Lambda):
                self._unsupported_expr(node.func)
                return None
            spec = self._call_target(node)
            args = [self.value(a) for a in node.args if not isinstance(a, ast.Starred)]
            if spec is None or any(a is None for a in args):
                return None
            return sx.Call(spec.name, tuple(args), loc=loc)
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            self._err(node, "a comparison or `and`/`or` is not a value",
                      "use it as a condition: `1.0 if cond else 0.0`")
            return None
        self._unsupported_expr(node)
        return None

    def _value_name(self, node: ast.Name):
        name, kind = node.id, self.scope.classify(node.id)
        loc = self.scope.loc(node)
        if kind == "iter":
            return sx.Name(name, sx.Name.ITER, loc=loc)
        if kind in ("dead_iter", "broken"):
            if kind == "dead_iter":
                self._dead_iter(node)
            return None
        if kind == "arg":
            arg = self.scope.args[name]
            if arg.kind == sx.Argument.ARRAY:
                rank = len(arg.shape)
                self._err(node, f"array '{name}' is used without a subscript",
                          f"read one element, e.g. {name}[{', '.join('ijklmn'[:rank]) or '...'}]")
                return None
            kind_ = sx.Name.SCALAR if arg.kind == sx.Argument.SCALAR else sx.Name.PARAM
            return sx.Name(name, kind_, loc=loc)
        if kind == "local":
            if name not in self.scope.assigned:
                self._err(node, f"temporary '{name}' is read before it is assigned",
                          f"assign '{name}' earlier in the kernel (in program text order)")
                return None
            return sx.Access(name, (), loc=loc)
        obj = self.env.lookup(name)
        if is_size_symbol(obj):
            return self._global_symbol(node, obj)
        c = constant_value(obj)
        if c is not None:
            return sx.Const(c, loc=loc)
        self._unknown_global(node, obj,
                             "a kernel can use its arguments, loop variables, temporaries assigned in "
                             "the kernel and size symbols (po.symbols); pass other values as arguments")
        return None

    def _value_binop(self, node: ast.BinOp):
        if type(node.op) not in _ARITH:
            self._err(node, f"operator `{_OP_TEXT[type(node.op)]}` is not supported",
                      "values support + - * / // % and ** by an integer constant")
            return None
        op = _ARITH[type(node.op)]
        left, right = self.value(node.left), self.value(node.right)
        if left is None or right is None:
            return None
        if op == "**" and not (isinstance(right, sx.Const) and isinstance(right.value, int)):
            self._err(node.right, "the exponent of `**` must be an integer constant",
                      "use pow(x, y) for a general power, or sqrt(x) for a square root")
            return None
        return sx.BinOp(op, left, right, loc=self.scope.loc(node))

    def _unsupported_expr(self, node: ast.expr):
        kinds = {
            ast.Lambda: ("lambda expressions are not supported", "write the expression inline"),
            ast.NamedExpr: ("assignment expressions (:=) are not supported",
                            "assign the temporary in its own statement"),
            ast.Starred: ("*-unpacking is not supported", "write the values explicitly"),
            ast.Slice: ("slices are not supported in kernels", "write a loop over the elements"),
            ast.JoinedStr: ("strings are not supported in kernels", "kernels compute numbers only"),
            ast.Await: ("await is not supported", "a kernel is plain synchronous code"),
            ast.Yield: ("yield is not supported", "a kernel writes its results into array arguments"),
            ast.YieldFrom: ("yield is not supported", "a kernel writes its results into array arguments"),
        }
        msg, hint = kinds.get(type(node), (None, None))
        if msg is None:
            if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp,
                                 ast.DictComp, ast.GeneratorExp)):
                msg, hint = (f"`{snippet(node)}`: containers and comprehensions are not supported",
                             "kernels compute scalar values; write a loop")
            else:
                msg, hint = f"`{snippet(node)}` is not supported in a kernel", \
                    "values are arithmetic on array elements, scalars, loop variables and sizes"
        self._err(node, msg, hint)
