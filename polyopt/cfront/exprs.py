"""C expressions of a region -> kernel-syntax expressions: affine forms, conditions, values, accesses.

Part of the C front end's conversion step (region -> KernelDef); :mod:`.convert` walks the
statements and uses :class:`ExprConverter` for every expression in them:

* affine expressions (bounds, subscripts, conditions): integer literals, ``+ -``, ``*`` by a
  constant, min/max written as ``a < b ? a : b`` or ``min(a, b)``, casts to integer types,
  enclosing iterators and *parameters* (integer variables the region reads and never writes);
* accesses: ``A[i][j]`` on arrays and pointers (``double *p``, ``double (*p)[M]``), ``*p`` and
  ``*(p + i)``, and linearised subscripts ``a[i * m + j]`` through :mod:`.delinearize`;
* values: anything arithmetic; only what they read matters to the model, because code
  generation prints the ORIGINAL C statement.

Every problem is recorded as a Diagnostic with its file:line:col; nothing is raised here.
"""

from __future__ import annotations

from pycparser import c_ast, c_generator

from ..errors import Diagnostic
from ..frontend import syntax as sx
from ..frontend.intpoly import IntPoly
from .decls import FLOAT_TYPES, base_type
from .delinearize import subscript_poly

MATH_FUNCTIONS = {
    "sqrt", "exp", "log", "sin", "cos", "tanh", "fabs", "floor", "ceil", "pow", "abs", "fmin", "fmax",
    "sqrtf", "expf", "logf", "sinf", "cosf", "tanhf", "fabsf", "floorf", "ceilf", "powf", "fminf", "fmaxf",
    "tan", "atan", "atan2", "exp2", "log2", "log10", "cbrt", "fmod", "labs", "sinh", "cosh", "asin", "acos",
    "hypot", "tanf", "atanf", "atan2f", "exp2f", "log2f", "log10f", "cbrtf", "fmodf", "sinhf", "coshf",
    "asinf", "acosf", "hypotf", "round", "roundf", "trunc", "truncf", "copysign", "copysignf", "fma", "fmaf"}
CMP = ("<", "<=", ">", ">=", "==", "!=")
_GEN = c_generator.CGenerator()


def c_text(node) -> str:
    """A pycparser node printed as C."""
    return _GEN.visit(node)


def int_constant(node: c_ast.Constant):
    """The value of an integer literal, or None for other constants."""
    if node.type in ("char", "string", "float", "double", "long double"):
        return None
    text = node.value.rstrip("uUlL")
    try:
        return int(text, 0) if not (len(text) > 1 and text[0] == "0" and text.isdigit()) else int(text, 8)
    except ValueError:
        return None


def is_id(node, name: str) -> bool:
    """Whether ``node`` is the identifier ``name``."""
    return isinstance(node, c_ast.ID) and node.name == name


class ExprConverter:
    """Expression conversion; the state (names in scope, what was used) lives in :mod:`.convert`."""

    def err(self, node, message: str, hint: str = "") -> None:
        """Record a problem at ``node``."""
        self.diags.append(Diagnostic(self.loc(node), message, hint))

    def loc(self, node):
        """The SourceLocation of ``node`` in the original file."""
        return self.parsed.loc(getattr(node, "coord", None), self.region.first_line)

    # ------------------------------------------------------------ affine expressions

    def affine(self, node, what: str):
        """``node`` as an affine syntax expression (None, reported, when it is not one); ``what``
        names the context in messages ("loop bound", "subscript")."""
        loc = self.loc(node)
        if isinstance(node, c_ast.Constant):
            k = int_constant(node)
            if k is None:
                self.err(node, f"non-affine {what}: {node.value} is not an integer")
            return sx.Const(k, loc=loc) if k is not None else None
        if isinstance(node, c_ast.ID):
            if node.name in self.derived:
                return self.derived[node.name][0]
            return self._param(node, what)
        if isinstance(node, c_ast.Cast) and base_type(node.to_type.type) not in FLOAT_TYPES:
            return self.affine(node.expr, what)
        if isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+"):
            a = self.affine(node.expr, what)
            if isinstance(a, sx.Const):
                return sx.Const(-a.value if node.op == "-" else a.value, loc=loc)
            return sx.UnaryOp(node.op, a, loc=loc) if a is not None else None
        if isinstance(node, c_ast.BinaryOp) and node.op in ("+", "-", "*"):
            a, b = self.affine(node.left, what), self.affine(node.right, what)
            if a is None or b is None:
                return None
            if isinstance(a, sx.Const) and isinstance(b, sx.Const):
                value = {"+": a.value + b.value, "-": a.value - b.value, "*": a.value * b.value}[node.op]
                return sx.Const(value, loc=loc)
            if node.op == "*" and not (isinstance(a, sx.Const) or isinstance(b, sx.Const)):
                self.err(node, f"non-affine {what}: `{c_text(node)}` multiplies two variables")
                return None
            return sx.BinOp(node.op, a, b, loc=loc)
        if isinstance(node, c_ast.TernaryOp):
            return self._minmax(node, what)
        if isinstance(node, c_ast.FuncCall) and isinstance(node.name, c_ast.ID) and \
                node.name.name in ("min", "max") and node.args is not None and len(node.args.exprs) == 2:
            args = [self.affine(a, what) for a in node.args.exprs]
            return None if None in args else sx.Call(node.name.name, tuple(args), loc=loc)
        if isinstance(node, c_ast.ArrayRef):
            self.err(node, f"data-dependent {what}: `{c_text(node)}` reads an array")
            return None
        self.err(node, f"non-affine {what}: `{c_text(node)}`",
                 "use + and -, * by an integer constant, min/max (a < b ? a : b), integer literals, "
                 "enclosing loop iterators and integer variables the region does not write")
        return None

    def _minmax(self, node: c_ast.TernaryOp, what: str):
        cond = node.cond
        if isinstance(cond, c_ast.BinaryOp) and cond.op in ("<", "<=", ">", ">="):
            left, right = c_text(cond.left), c_text(cond.right)
            t, f = c_text(node.iftrue), c_text(node.iffalse)
            if {left, right} == {t, f} and left != right:
                smaller_first = cond.op in ("<", "<=")
                picks_left = t == left
                func = "min" if smaller_first == picks_left else "max"
                args = [self.affine(cond.left, what), self.affine(cond.right, what)]
                return None if None in args else sx.Call(func, tuple(args), loc=self.loc(node))
        self.err(node, f"non-affine {what}: the conditional `{c_text(node)}` is not a min or max")
        return None

    def _param(self, node: c_ast.ID, what: str):
        name = node.name
        if name in self.active:
            return sx.Name(name, sx.Name.ITER, loc=self.loc(node))
        v = self.vars.get(name)
        if name in self.loop_vars or name in self.written:
            self.err(node, f"non-affine {what}: '{name}' is written in the region")
            return None
        if v is None or not v.is_int:
            self.err(node, f"non-affine {what}: '{name}' is not an integer variable declared before the region")
            return None
        if name not in self.params:
            self.params.append(name)
        return sx.Name(name, sx.Name.PARAM, loc=self.loc(node))

    def cond(self, node):
        """An affine condition (comparisons joined by ``&& || !``)."""
        loc = self.loc(node)
        if isinstance(node, c_ast.BinaryOp) and node.op in CMP:
            a, b = self.affine(node.left, "condition"), self.affine(node.right, "condition")
            return sx.Compare(node.op, a, b, loc=loc) if a is not None and b is not None else None
        if isinstance(node, c_ast.BinaryOp) and node.op in ("&&", "||"):
            a, b = self.cond(node.left), self.cond(node.right)
            op = "and" if node.op == "&&" else "or"
            return sx.BoolOp(op, (a, b), loc=loc) if a is not None and b is not None else None
        if isinstance(node, c_ast.UnaryOp) and node.op == "!":
            a = self.cond(node.expr)
            return sx.Not(a, loc=loc) if a is not None else None
        self.err(node, f"non-affine condition: `{c_text(node)}`",
                 "an if inside a region must compare affine expressions of iterators and parameters; "
                 "to choose between values depending on data use `c ? x : y` in the assigned value")
        return None

    # ------------------------------------------------------------ accesses

    def access(self, node, write: bool = False):
        """An array element or scalar as an Access (the array recorded as used)."""
        split = _split_access(node)
        if split is None:
            self.err(node, f"`{c_text(node)}` is not an access polyopt supports",
                     "index arrays and pointers as A[i][j], p[i] or *p")
            return None
        base, indices = split
        name = base.name
        if name in self.active or name in self.loop_vars or name in self.derived:
            self.err(node, f"loop iterator '{name}' cannot be {'assigned' if write else 'indexed'} here")
            return None
        v = self.vars.get(name)
        if v is None:
            self.err(node, f"'{name}' is not declared before the region",
                     "declare arrays and scalars before #pragma scop")
            return None
        if v.indirect:
            self.err(node, f"'{name}' is a pointer to pointers (or an array of pointers), whose rows may "
                           "alias each other", "pass the data as a 2-D array `double A[n][m]`, a pointer to "
                                               "rows `double (*A)[m]` or a linearised `double *a`")
            return None
        if name in self.layouts and len(indices) == 1:
            subs = self._delinearized(name, indices[0])
        elif len(indices) != len(v.dims):
            self.err(node, f"'{name}' has {len(v.dims)} dimensions but is used with {len(indices)} subscripts")
            return None
        elif name in self.layout_failures:
            self.err(node, f"the subscript `{c_text(indices[0])}` of '{name}' is not affine and cannot be "
                           f"delinearised: {self.layout_failures[name]}",
                     "write i * m + j with the same size parameters in every access of the array")
            return None
        else:
            subs = [self.affine(i, "subscript") for i in indices]
        if subs is None or any(s is None for s in subs):
            return None
        if name not in self.arrays:
            self.arrays.append(name)
        return sx.Access(name, tuple(subs), loc=self.loc(node))

    def _delinearized(self, name: str, index):
        layout = self.layouts[name]
        poly = subscript_poly(index, set(self.active) | set(self.derived), set(self.vars))
        parts = layout.split(poly) if poly is not None else None
        if parts is None:
            self.err(index, f"the subscript `{c_text(index)}` of '{name}' does not fit the layout "
                            f"[*]{''.join(f'[{e}]' for e in layout.extents)} of its other accesses")
            return None
        for e in layout.extents:
            self._param(c_ast.ID(e, coord=index.coord), "array extent")
        return [self._from_poly(p, index) for p in parts]

    def _from_poly(self, expr: IntPoly, node):
        """An affine polynomial in iterators, derived iterators and parameters as syntax."""
        out = None
        for term, coeff in sorted(expr.terms, key=lambda t: not t[0]):  # the constant last
            if not term:
                part = sx.Const(coeff)
            else:
                name = self.affine(c_ast.ID(term[0], coord=node.coord), "subscript")
                if name is None:
                    return None
                part = name if coeff == 1 else sx.BinOp("*", sx.Const(coeff), name)
            out = part if out is None else sx.BinOp("+", out, part)
        return out if out is not None else sx.Const(0)

    # ------------------------------------------------------------ values

    def value(self, node):
        """A right-hand side: only what it reads matters (the C text is printed as it is)."""
        loc = self.loc(node)
        if isinstance(node, c_ast.Constant):
            if node.type in ("char", "string"):
                self.err(node, f"{node.type} literals are not supported in a region")
                return None
            k = int_constant(node)
            return sx.Const(k if k is not None else float(node.value.rstrip("fFlL")), loc=loc)
        if isinstance(node, c_ast.ID):
            return self._value_name(node)
        if isinstance(node, c_ast.ArrayRef) or (isinstance(node, c_ast.UnaryOp) and node.op == "*"):
            return self.access(node)
        if isinstance(node, c_ast.Cast):
            return self.value(node.expr)
        if isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+", "!", "~"):
            a = self.value(node.expr)
            return None if a is None else (sx.Not(a, loc=loc) if node.op == "!" else sx.UnaryOp("-", a, loc=loc))
        if isinstance(node, c_ast.BinaryOp):
            a, b = self.value(node.left), self.value(node.right)
            if a is None or b is None:
                return None
            if node.op in CMP:
                return sx.Compare(node.op, a, b, loc=loc)
            if node.op in ("&&", "||"):
                return sx.BoolOp("and" if node.op == "&&" else "or", (a, b), loc=loc)
            return sx.BinOp(node.op, a, b, loc=loc)
        if isinstance(node, c_ast.TernaryOp):
            parts = [self.value(node.cond), self.value(node.iftrue), self.value(node.iffalse)]
            return None if None in parts else sx.IfExp(*parts, loc=loc)
        if isinstance(node, c_ast.FuncCall) and isinstance(node.name, c_ast.ID) and \
                node.name.name in MATH_FUNCTIONS:
            args = [self.value(a) for a in (node.args.exprs if node.args else [])]
            return None if None in args else sx.Call(node.name.name, tuple(args), loc=loc)
        if isinstance(node, c_ast.FuncCall):
            self.err(node, f"call of `{c_text(node.name)}`: only the usual math functions may be called "
                           "in a region", "polyopt cannot know what another function reads or writes")
            return None
        if isinstance(node, c_ast.Assignment):
            self.err(node, f"the assignment `{c_text(node)}` inside an expression is not supported",
                     "write it as a statement of its own (chains such as `a = b = c;` are fine)")
            return None
        self.err(node, f"`{c_text(node)}` is not supported in a region value",
                 "values are arithmetic on array elements, scalars, iterators and parameters")
        return None

    def _value_name(self, node: c_ast.ID):
        name = node.name
        if name in self.active:
            return sx.Name(name, sx.Name.ITER, loc=self.loc(node))
        if name in self.derived:
            return self.derived[name][0]
        v = self.vars.get(name)
        if v is None:
            self.err(node, f"'{name}' is not declared before the region")
            return None
        if name in self.loop_vars:
            self.err(node, f"loop iterator '{name}' is read outside its loop")
            return None
        if v.is_array or v.indirect:
            self.err(node, f"array '{name}' is used without subscripts")
            return None
        if name in self.written:
            return self.access(node)
        if v.is_int:
            if name not in self.params:
                self.params.append(name)
            return sx.Name(name, sx.Name.PARAM, loc=self.loc(node))
        if v.base is None:
            self.err(node, f"'{name}' has a type polyopt does not support in a region")
            return None
        if name not in self.scalars:
            self.scalars.append(name)
        return sx.Name(name, sx.Name.SCALAR, loc=self.loc(node))


def _split_access(node):
    """``(ID, [subscript nodes])`` of ``A[i][j]``, ``s``, ``*p`` or ``*(p + e)``; None otherwise."""
    if isinstance(node, c_ast.UnaryOp) and node.op == "*":
        inner = node.expr
        if isinstance(inner, c_ast.ID):
            return inner, [c_ast.Constant("int", "0", coord=node.coord)]
        if isinstance(inner, c_ast.BinaryOp) and inner.op == "+" and isinstance(inner.left, c_ast.ID):
            return inner.left, [inner.right]
        return None
    indices = []
    while isinstance(node, c_ast.ArrayRef):
        indices.append(node.subscript)
        node = node.name
    return (node, indices[::-1]) if isinstance(node, c_ast.ID) else None


def to_intpoly(e) -> IntPoly | None:
    """An affine syntax expression as an extent, or None when it is not a polynomial (min/max)."""
    if isinstance(e, sx.Const):
        return IntPoly.const(e.value)
    if isinstance(e, sx.Name):
        return IntPoly.symbol(e.name)
    if isinstance(e, sx.UnaryOp):
        inner = to_intpoly(e.operand)
        return None if inner is None else -inner if e.op == "-" else inner
    if isinstance(e, sx.BinOp) and e.op in ("+", "-", "*"):
        a, b = to_intpoly(e.left), to_intpoly(e.right)
        if a is None or b is None:
            return None
        return a + b if e.op == "+" else a - b if e.op == "-" else a * b
    return None
