"""Statement bodies: a syntax.Assign -> one C statement, preserving Python's semantics.

Part of code generation: the AST printer calls :meth:`BodyBuilder.statement` for every statement
instance in the isl AST, passing each original loop iterator as a C expression in the loop
variables (from the AST build's at_each_domain callback).

Typing follows what the Python function computes on NumPy arrays (NEP 50): loop variables, sizes,
literals and f64/i64 scalar arguments are Python numbers ("weak": they adopt the type of the array
element they meet), array elements and temporaries have their dtype ("strong").  So an ``f32``
kernel computes in ``float`` with ``2.0f`` literals, ``i32 * f32`` elements compute in ``double``,
and every integer operation is done in ``long`` (no ``int`` overflow).  ``//`` and ``%`` are
floor division and modulo, ``/`` is true division, ``**`` takes an integer constant exponent.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CodegenError
from ..frontend import syntax as sx
from ..frontend.intpoly import IntPoly
from . import cexpr as ce


@dataclass(frozen=True)
class VType:
    """A value's type: kind ``int``/``float``, ``bits`` of floats (32/64), and weakness."""

    kind: str
    bits: int
    weak: bool

    @property
    def ctype(self) -> str:
        if self.kind == "int":
            return "long"
        return "float" if self.bits == 32 else "double"


INT_WEAK = VType("int", 64, True)
INT_STRONG = VType("int", 64, False)
F64_WEAK = VType("float", 64, True)
F64 = VType("float", 64, False)
F32 = VType("float", 32, False)


@dataclass(frozen=True)
class Value:
    """An emitted C expression, its semantic type, its actual C type and, for literals, the value."""

    expr: ce.CExpr
    vt: VType
    cty: str
    const: int | float | None = None


def _dtype_vtype(dtype, weak: bool) -> VType:
    if dtype.is_float:
        return VType("float", 32 if dtype.c == "float" else 64, weak)
    return VType("int", 64, weak)


def promote(a: VType, b: VType) -> VType:
    """The type of ``a op b`` for arithmetic operators (NumPy's promotion with weak scalars)."""
    if a.kind == "int" and b.kind == "int":
        return VType("int", 64, a.weak and b.weak)
    if a.kind == "float" and b.kind == "float":
        if a.weak and b.weak:
            return F64_WEAK
        if a.weak:
            return b
        if b.weak:
            return a
        return F64 if 64 in (a.bits, b.bits) else F32
    f, i = (a, b) if a.kind == "float" else (b, a)
    if f.weak:
        return F64_WEAK if i.weak else F64
    return f if i.weak else F64  # a strong int element with a float element: float64


def convert(v: Value, to: VType) -> ce.CExpr:
    """``v`` as a C expression of type ``to.ctype`` (literals are printed in that type)."""
    if v.const is not None:
        return _literal(v.const, to)
    if v.cty != to.ctype:
        return ce.Cast(to.ctype, v.expr)
    return v.expr


def _literal(value, vt: VType) -> ce.CExpr:
    if vt.kind == "int":
        if isinstance(value, float):
            raise CodegenError(f"float constant {value!r} used as an integer")
        return ce.IntLit(int(value))
    return ce.FloatLit(float(value), vt.ctype)


@dataclass(frozen=True)
class ArrayInfo:
    """What the body printer needs to know about an array or temporary."""

    c_name: str
    dtype: object  # frontend.types.DType
    shape: tuple  # IntPoly extents; () for temporaries and 0-d arrays
    is_local: bool


@dataclass(frozen=True)
class EmittedStatement:
    """One C statement and what it uses."""

    text: str  # without the trailing semicolon
    helpers: frozenset[str]
    locals_read: frozenset[str]
    locals_written: frozenset[str]
    accumulates: bool = False  # updates its target from its old value (``+=``, ``x = x - ...``)
    target: ce.CExpr | None = None  # the element or temporary written
    reads: tuple = ()  # (array, element expression) of each argument array element read


_FLOAT_FUNCS = ("sqrt", "exp", "log", "sin", "cos", "tanh", "fabs", "floor", "ceil")


class BodyBuilder:
    """Translates statement bodies for one kernel; holds the Python -> C name maps."""

    def __init__(self, arrays: dict[str, ArrayInfo], scalars: dict[str, tuple[str, object]],
                 params: dict[str, str]):
        self.arrays = arrays
        self.prints_model = True  # statements are printed from the model (a C region keeps its text)
        self.scalars = scalars  # name -> (c_name, DType)
        self.params = params  # name -> c_name
        self._iters: dict[str, ce.CExpr] = {}
        self._replaced: dict[int, Value] = {}  # id(subexpression) -> its value (see statement())
        self._reads: set[str] = set()  # arrays and temporaries read by the current statement
        self._elements: list = []  # (array, element expression) read by the current statement

    # ------------------------------------------------------------ statements

    @staticmethod
    def render(e: ce.CExpr) -> str:
        """The C text of ``e`` as this kernel prints it (a C region renames isl's loop variables)."""
        return ce.to_c(e)

    def statement(self, body: sx.Assign, iterators: dict[str, ce.CExpr],
                  replaced: dict[int, Value] | None = None) -> EmittedStatement:
        """The C text of ``body`` with each loop iterator replaced by its expression, and each
        subexpression ``e`` with ``id(e)`` in ``replaced`` by that value."""
        self._iters = iterators
        self._replaced = replaced or {}
        target = body.target
        lhs = self._access(target)
        tvt = lhs.vt
        self._reads = set()  # the target is written, not read (its subscripts are affine)
        self._elements = []
        value = self.value(body.value)
        if body.op is None:
            rhs = value.expr
            if value.const is not None:  # NumPy truncates a float stored into an int array
                const = int(value.const) if tvt.kind == "int" else value.const
                rhs = _literal(const, tvt)
            text = f"{ce.to_c(lhs.expr)} = {ce.to_c(rhs)}"
        else:
            if body.op not in ("+", "-", "*", "/"):
                raise CodegenError(f"unsupported augmented assignment {body.op}=", location=body.loc)
            result = promote(tvt, value.vt)
            if body.op == "/" and result.kind == "int":
                result = F64
            rhs = convert(value, result)
            text = f"{ce.to_c(lhs.expr)} {body.op}= {ce.to_c(rhs)}"
        helpers = ce.used_helpers(lhs.expr) | ce.used_helpers(rhs)
        written = {target.array} if self.arrays[target.array].is_local else set()
        locals_read = {n for n in self._reads if self.arrays[n].is_local}
        if body.op is not None and written:
            locals_read |= written
        target_text = ce.to_c(lhs.expr)
        accumulates = body.op is not None or target_text in ce.to_c(rhs)
        return EmittedStatement(text, frozenset(helpers), frozenset(locals_read), frozenset(written), accumulates,
                                lhs.expr, tuple(self._elements))

    # ------------------------------------------------------------ values

    def expression(self, e: sx.Expr, iterators: dict[str, ce.CExpr]) -> Value:
        """``e`` (a part of a statement's value) as a typed C expression, each loop iterator
        replaced by its expression."""
        self._iters, self._replaced, self._reads, self._elements = iterators, {}, set(), []
        return self.value(e)

    def value(self, e: sx.Expr) -> Value:
        """``e`` as a typed C expression."""
        if id(e) in self._replaced:
            return self._replaced[id(e)]
        if isinstance(e, sx.Const):
            if isinstance(e.value, bool) or not isinstance(e.value, (int, float)):
                raise CodegenError(f"unsupported constant {e.value!r}", location=e.loc)
            if isinstance(e.value, int):
                return Value(ce.IntLit(e.value), INT_WEAK, "long", e.value)
            return Value(ce.FloatLit(e.value), F64_WEAK, "double", e.value)
        if isinstance(e, sx.Name):
            return self._name(e)
        if isinstance(e, sx.Access):
            return self._access(e)
        if isinstance(e, sx.UnaryOp):
            v = self.value(e.operand)
            if e.op == "+":
                return v
            if v.const is not None:
                return Value(_literal(-v.const, v.vt), v.vt, v.cty, -v.const)
            return Value(ce.Unary("-", v.expr), v.vt, v.cty)
        if isinstance(e, sx.BinOp):
            return self._binop(e)
        if isinstance(e, sx.Call):
            return self._call(e)
        if isinstance(e, sx.IfExp):
            cond = self.condition(e.cond)
            a, b = self.value(e.then), self.value(e.orelse)
            vt = promote(a.vt, b.vt)
            return Value(ce.Ternary(cond, convert(a, vt), convert(b, vt)), vt, vt.ctype)
        if isinstance(e, (sx.Compare, sx.BoolOp, sx.Not)):
            return Value(self.condition(e), INT_WEAK, "int")
        raise CodegenError(f"cannot generate C for {type(e).__name__}", location=e.loc)

    def condition(self, e: sx.Expr) -> ce.CExpr:
        """A C truth value for a condition on values."""
        if isinstance(e, sx.Compare):
            a, b = self.value(e.left), self.value(e.right)
            vt = promote(a.vt, b.vt)
            return ce.Binary(e.op, convert(a, vt), convert(b, vt))
        if isinstance(e, sx.BoolOp):
            op = "&&" if e.op == "and" else "||"
            parts = [self.condition(v) for v in e.values]
            out = parts[0]
            for p in parts[1:]:
                out = ce.Binary(op, out, p)
            return out
        if isinstance(e, sx.Not):
            return ce.Unary("!", self.condition(e.operand))
        if isinstance(e, sx.Const):
            return ce.IntLit(1 if e.value else 0)
        v = self.value(e)
        return ce.Binary("!=", v.expr, _literal(0, v.vt))

    def _name(self, e: sx.Name) -> Value:
        if e.kind == sx.Name.ITER:
            if e.name not in self._iters:
                raise CodegenError(f"loop variable '{e.name}' is not in scope", location=e.loc)
            return Value(self._iters[e.name], INT_WEAK, "long")
        if e.kind == sx.Name.PARAM:
            return Value(ce.Var(self.params[e.name]), INT_WEAK, "long")
        if e.kind == sx.Name.SCALAR:
            c_name, dtype = self.scalars[e.name]
            # f64/i64 scalars stand for Python floats/ints; f32/i32 keep their declared type.
            weak = dtype.c in ("double", "long")
            return Value(ce.Var(c_name), _dtype_vtype(dtype, weak), dtype.c)
        if e.kind == sx.Name.LOCAL:
            return self._access(sx.Access(e.name, (), loc=e.loc))
        raise CodegenError(f"unknown name kind {e.kind!r} for '{e.name}'", location=e.loc)

    def _access(self, e: sx.Access) -> Value:
        info = self.arrays.get(e.array)
        if info is None:
            raise CodegenError(f"unknown array '{e.array}'", location=e.loc)
        self._reads.add(e.array)
        vt = _dtype_vtype(info.dtype, False)
        if info.is_local:
            return Value(ce.Var(info.c_name), vt, info.dtype.c)
        if len(e.indices) != len(info.shape):
            raise CodegenError(f"'{e.array}' has {len(info.shape)} dimensions but {len(e.indices)} "
                               "subscripts", location=e.loc)
        index: ce.CExpr = ce.IntLit(0)
        for k, sub in enumerate(e.indices):
            sv = self.value(sub)
            if sv.vt.kind != "int":
                raise CodegenError(f"subscript of '{e.array}' is not an integer", location=sub.loc)
            idx = convert(sv, INT_WEAK)
            index = idx if k == 0 else ce.add(ce.mul(index, self.extent(info.shape[k])), idx)
        element = ce.Index(ce.Var(info.c_name), index)
        self._elements.append((e.array, element))
        return Value(element, vt, info.dtype.c)

    def extent(self, expr: IntPoly) -> ce.CExpr:
        """An extent (affine in the size parameters) as C."""
        if expr.degree > 1 or not expr.free_symbols <= self.params.keys():
            raise CodegenError(f"array extent {expr} is not affine in the size parameters")
        out: ce.CExpr | None = None
        const = expr.constant
        for name, coeff in sorted(expr.linear().items()):
            term = ce.mul(ce.IntLit(abs(coeff)), ce.Var(self.params[name]))
            if out is None:
                out = ce.Unary("-", term) if coeff < 0 else term
            else:
                out = ce.Binary("-" if coeff < 0 else "+", out, term)
        if out is None:
            return ce.IntLit(const)
        if const:
            out = ce.Binary("-" if const < 0 else "+", out, ce.IntLit(abs(const)))
        return out

    def array_extents(self, array: str, scop) -> tuple:
        """The extents of ``array`` as C, one per dimension."""
        return tuple(self.extent(e) for e in scop.array(array).shape)

    # ------------------------------------------------------------ operators

    def _binop(self, e: sx.BinOp) -> Value:
        a, b = self.value(e.left), self.value(e.right)
        if e.op == "**":
            return self._power(a, e.right, e)
        vt = promote(a.vt, b.vt)
        if (a.const is not None and b.const is not None and vt.kind == "int"
                and e.op in ("+", "-", "*")):  # fold: C int literals could overflow
            v = {"+": a.const + b.const, "-": a.const - b.const, "*": a.const * b.const}[e.op]
            return Value(ce.IntLit(v), vt, "long", v)
        if e.op in ("+", "-", "*"):
            return Value(ce.Binary(e.op, convert(a, vt), convert(b, vt)), vt, vt.ctype)
        if e.op == "/":
            if vt.kind == "int":
                vt = F64_WEAK if vt.weak else F64
            return Value(ce.Binary("/", convert(a, vt), convert(b, vt)), vt, vt.ctype)
        if e.op in ("//", "%"):
            x, y = convert(a, vt), convert(b, vt)
            if vt.kind == "int":
                if e.op == "//" and b.const is not None and b.const > 0:
                    func = "floord"
                else:
                    func = "py_floordiv" if e.op == "//" else "py_mod"
            else:
                base = "py_floordiv" if e.op == "//" else "py_fmod"
                func = base + ("f" if vt.bits == 32 else "_d")
            return Value(ce.Call(func, (x, y)), vt, vt.ctype)
        raise CodegenError(f"unsupported operator {e.op!r}", location=e.loc)

    def _power(self, base: Value, exponent: sx.Expr, e: sx.BinOp) -> Value:
        if not (isinstance(exponent, sx.Const) and isinstance(exponent.value, int)):
            raise CodegenError("the exponent of ** must be an integer constant", location=e.loc)
        n = exponent.value
        vt = base.vt
        if vt.kind == "int" and n < 0:  # Python: int ** negative int is a float
            vt = F64_WEAK if vt.weak else F64
            x = convert(base, vt)
            return Value(ce.Call("pow", (x, ce.FloatLit(float(n)))), vt, vt.ctype)
        x = convert(base, vt)
        if n == 0:
            return Value(_literal(1, vt), vt, vt.ctype, 1 if vt.kind == "int" else 1.0)
        if n == 1:
            return Value(x, vt, vt.ctype)
        if vt.kind == "int":
            if n == 2:
                return Value(ce.Call("py_sq", (x,)), vt, "long")
            return Value(ce.Call("py_ipow", (x, ce.IntLit(n))), vt, "long")
        f = "f" if vt.bits == 32 else ""
        if n == 2:
            return Value(ce.Call("py_sqf" if f else "py_sq_d", (x,)), vt, vt.ctype)
        return Value(ce.Call("pow" + f, (x, ce.FloatLit(float(n), vt.ctype))), vt, vt.ctype)

    def _call(self, e: sx.Call) -> Value:
        args = [self.value(a) for a in e.args]
        f = e.func
        if f in ("min", "max"):
            if len(args) < 2:
                raise CodegenError(f"{f}() needs at least two arguments", location=e.loc)
            vt = args[0].vt
            for a in args[1:]:
                vt = promote(vt, a.vt)
            name = f if vt.kind == "int" else f"py_{f}" + ("f" if vt.bits == 32 else "_d")
            out = convert(args[0], vt)
            for a in args[1:]:
                out = ce.Call(name, (out, convert(a, vt)))
            return Value(out, vt, vt.ctype)
        if len(args) != (2 if f == "pow" else 1):
            raise CodegenError(f"wrong number of arguments for {f}()", location=e.loc)
        a = args[0]
        if f == "abs":
            if a.vt.kind == "int":
                return Value(ce.Call("py_abs", (convert(a, a.vt),)), a.vt, "long")
            return Value(ce.Call("fabsf" if a.vt.bits == 32 else "fabs", (a.expr,)), a.vt, a.vt.ctype)
        if f == "float":
            return Value(convert(a, F64_WEAK), F64_WEAK, "double")
        if f == "int":
            if a.vt.kind == "int":
                return a
            return Value(ce.Cast("long", a.expr), INT_WEAK, "long")  # truncation, like int()
        if f == "pow":
            vt = promote(a.vt, args[1].vt)
            if vt.kind == "int":
                vt = F64_WEAK if vt.weak else F64
            name = "powf" if vt.bits == 32 else "pow"
            return Value(ce.Call(name, (convert(a, vt), convert(args[1], vt))), vt, vt.ctype)
        if f in _FLOAT_FUNCS:
            vt = a.vt if a.vt.kind == "float" else VType("float", 64, a.vt.weak)
            name = f + ("f" if vt.bits == 32 else "")
            return Value(ce.Call(name, (convert(a, vt),)), vt, vt.ctype)
        raise CodegenError(f"unsupported function {f}()", location=e.loc)

