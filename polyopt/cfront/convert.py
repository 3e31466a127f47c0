"""One ``#pragma scop`` region (pycparser AST) -> :class:`~polyopt.frontend.syntax.KernelDef`.

Second step of the C front end (C file -> **KernelDef** -poly-> Scop -> ...).  The region is turned
into the same syntax tree the Python frontend produces, so the polyhedral model, dependences,
scheduling and the AST build work unchanged:

* ``for`` loops with affine bounds (``< <= > >=``; ``++ -- += -=`` by constants), bounds written
  with min/max macros (``a < b ? a : b``), affine ``if``;
* parameters: integer variables the region reads in bounds, subscripts or conditions and never
  writes (unconstrained ``int`` parameters in the model); read-only scalars used in values are
  scalar arguments; scalars the region writes are 0-d arrays (so their final value is kept);
* arrays from the declarations visible at the region (parameters ``double A[N][M]``, fixed-size
  or variable-length arrays) with their extents.

Statement bodies keep their C semantics because code generation prints the ORIGINAL C statement
(see :class:`CRegion.statements`); the syntax tree of a value only has to name what it reads.
Every unsupported construct is reported with file:line; all problems are raised at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from pycparser import c_ast, c_generator

from ..errors import Diagnostic, KernelSyntaxError
from ..frontend import syntax as sx
from ..frontend.types import f32, f64, i32, i64
from .preprocess import ParsedFile, Region

_FLOAT_TYPES = {"double": f64, "float": f32}
_INT_WORDS = {"int", "long", "short", "char", "unsigned", "signed", "size_t", "_Bool"}
_MATH = {"sqrt", "exp", "log", "sin", "cos", "tanh", "fabs", "floor", "ceil", "pow", "abs",
         "fmin", "fmax", "sqrtf", "expf", "logf", "sinf", "cosf", "tanhf", "fabsf", "floorf", "ceilf",
         "powf", "fminf", "fmaxf", "tan", "atan", "atan2", "exp2", "log2", "log10", "cbrt", "fmod",
         "labs", "sinh", "cosh", "asin", "acos", "hypot"}
_ASSIGN_OPS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/"}
_OTHER_ASSIGN = {"%=": "%", "<<=": "<<", ">>=": ">>", "&=": "&", "|=": "|", "^=": "^"}
_CMP = ("<", "<=", ">", ">=", "==", "!=")
_GEN = c_generator.CGenerator()


@dataclass(frozen=True)
class CVar:
    """A variable visible at the region: element type, extents (C expressions), is it an array."""

    name: str
    base: str  # "double", "float", "int", ...
    dims: tuple  # c_ast expressions (None for an unknown extent); () for scalars
    is_pointer: bool = False


@dataclass(frozen=True)
class CRegion:
    """A region converted: its KernelDef and, per statement S<k> in order, the C statement node."""

    kernel: sx.KernelDef
    statements: tuple  # c_ast nodes, one per sx.Assign in program order
    region: Region
    names: frozenset[str]  # every identifier of the file (new names must avoid them)


def c_text(node) -> str:
    """A pycparser node printed as C."""
    return _GEN.visit(node)


def convert_region(parsed: ParsedFile, region: Region, index: int = 0) -> CRegion:
    """Convert ``region`` of ``parsed``; raises KernelSyntaxError listing every problem."""
    conv = _Converter(parsed, region)
    body = conv.block(region.items)
    name = f"{region.func.decl.name}_scop{index}"
    if not conv.diags:
        conv.check_iterators_dead_after()
    if not conv.diags:
        args = conv.arguments()
    if conv.diags:
        raise KernelSyntaxError(conv.diags, name)
    lines = parsed.text.splitlines()
    source = "\n".join(lines[region.first_line - 1:region.last_line])
    kernel = sx.KernelDef(name, tuple(args), tuple(conv.params), (), tuple(body), parsed.filename,
                          region.first_line, source)
    return CRegion(kernel, tuple(conv.c_statements), region, frozenset(conv.all_names))


class _Converter:
    def __init__(self, parsed: ParsedFile, region: Region):
        self.parsed = parsed
        self.region = region
        self.diags: list[Diagnostic] = []
        self.vars = _visible_vars(parsed, region)
        self.written = _written_names(region.items)
        self.active: list[str] = []
        self.loop_vars: set[str] = set()  # iterators declared before the region
        self.params: list[str] = []
        self.scalars: list[str] = []  # read-only scalars used in values
        self.arrays: list[str] = []
        self.c_statements: list = []
        self.all_names = _identifiers(parsed.ast)

    def err(self, node, message: str, hint: str = "") -> None:
        self.diags.append(Diagnostic(self.parsed.loc(getattr(node, "coord", None),
                                                     self.region.first_line), message, hint))

    # ------------------------------------------------------------ statements

    def block(self, items) -> list:
        out = []
        for item in items or []:
            out.extend(self.stmt(item))
        return out

    def stmt(self, node) -> list:
        if isinstance(node, c_ast.Compound):
            return self.block(node.block_items)
        if isinstance(node, c_ast.EmptyStatement):
            return []
        if isinstance(node, c_ast.For):
            loop = self.loop(node)
            return [loop] if loop is not None else []
        if isinstance(node, c_ast.If):
            cond = self.cond(node.cond)
            then = self.stmt(node.iftrue)
            orelse = self.stmt(node.iffalse) if node.iffalse is not None else []
            return [sx.If(cond, tuple(then), tuple(orelse), loc=self.loc(node))] if cond else []
        if isinstance(node, (c_ast.Assignment, c_ast.UnaryOp)):
            a = self.assign(node)
            return [a] if a is not None else []
        what = {c_ast.Decl: "a declaration", c_ast.While: "a while loop", c_ast.DoWhile: "a do-while loop",
                c_ast.FuncCall: "a function call statement", c_ast.Return: "return", c_ast.Break: "break",
                c_ast.Continue: "continue", c_ast.Goto: "goto", c_ast.Switch: "switch",
                c_ast.Pragma: "a #pragma", c_ast.Label: "a label"}.get(type(node), f"`{c_text(node)}`")
        self.err(node, f"{what} is not supported inside #pragma scop",
                 "a region may contain only for loops with affine bounds, affine ifs and assignments "
                 "to array elements or scalars (declare variables before the region)")
        return []

    def loc(self, node):
        return self.parsed.loc(getattr(node, "coord", None), self.region.first_line)

    def loop(self, node: c_ast.For):
        var, lower = self._loop_init(node)
        if var is None:
            return None
        if var in self.active:
            self.err(node, f"loop iterator '{var}' is reused by a nested loop")
            return None
        if var in self.written:
            self.err(node, f"loop iterator '{var}' is assigned in the region",
                     "an iterator may change only in its loop header")
            return None
        step = self._loop_step(node.next, var)
        upper = self._loop_upper(node.cond, var, step)
        if isinstance(node.init, c_ast.Assignment):
            self.loop_vars.add(var)
        self.active.append(var)
        body = self.stmt(node.stmt)
        self.active.pop()
        if lower is None or upper is None or step is None:
            return None
        return sx.For(var, lower, upper, step, tuple(body), loc=self.loc(node))

    def _loop_init(self, node):
        init = node.init
        if isinstance(init, c_ast.DeclList) and len(init.decls) == 1 and init.decls[0].init is not None:
            d = init.decls[0]
            if _base_type(d.type) is None or _base_type(d.type) in _FLOAT_TYPES:
                self.err(node, f"loop iterator '{d.name}' must have an integer type")
                return None, None
            return d.name, self.affine(d.init, "loop bound")
        if isinstance(init, c_ast.Assignment) and init.op == "=" and isinstance(init.lvalue, c_ast.ID):
            v = self.vars.get(init.lvalue.name)
            if v is None or v.dims or v.base in _FLOAT_TYPES:
                self.err(node, f"loop iterator '{init.lvalue.name}' must be an integer variable declared "
                               "before the region or in the loop")
                return None, None
            return init.lvalue.name, self.affine(init.rvalue, "loop bound")
        self.err(node, "unsupported loop initialisation (write `i = lower` or `int i = lower`)")
        return None, None

    def _loop_step(self, nxt, var):
        if isinstance(nxt, c_ast.UnaryOp) and _is_id(nxt.expr, var) and nxt.op in ("p++", "++", "p--", "--"):
            return 1 if "++" in nxt.op else -1
        if isinstance(nxt, c_ast.Assignment) and _is_id(nxt.lvalue, var):
            if nxt.op in ("+=", "-=") and isinstance(nxt.rvalue, c_ast.Constant):
                k = _int_constant(nxt.rvalue)
                if k:
                    return k if nxt.op == "+=" else -k
            if (nxt.op == "=" and isinstance(nxt.rvalue, c_ast.BinaryOp) and nxt.rvalue.op in "+-"
                    and _is_id(nxt.rvalue.left, var) and isinstance(nxt.rvalue.right, c_ast.Constant)):
                k = _int_constant(nxt.rvalue.right)
                if k:
                    return k if nxt.rvalue.op == "+" else -k
        self.err(nxt if nxt is not None else self.region.block,
                 "unsupported loop increment: use ++, --, += or -= by a non-zero integer constant")
        return None

    def _loop_upper(self, cond, var, step):
        if not (isinstance(cond, c_ast.BinaryOp) and cond.op in ("<", "<=", ">", ">=")):
            self.err(cond if cond is not None else self.region.block,
                     "unsupported loop test: write `i < bound`, `i <= bound`, `i > bound` or `i >= bound`")
            return None
        op, bound = cond.op, cond.right
        if not _is_id(cond.left, var):
            if not _is_id(cond.right, var):
                self.err(cond, f"the loop test must compare the iterator '{var}' with a bound")
                return None
            op, bound = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op], cond.left
        upper = self.affine(bound, "loop bound")
        if upper is None or step is None:
            return None
        if (op in ("<", "<=")) != (step > 0):
            self.err(cond, f"the loop test `{c_text(cond)}` does not match the direction of the increment")
            return None
        if op == "<=":
            return _plus(upper, 1)
        if op == ">=":
            return _plus(upper, -1)
        return upper

    def assign(self, node):
        if isinstance(node, c_ast.UnaryOp):
            if node.op not in ("p++", "++", "p--", "--"):
                self.err(node, f"`{c_text(node)}` is not a statement polyopt supports")
                return None
            target = self.target(node.expr)
            if target is None:
                return None
            self.c_statements.append(node)
            return sx.Assign(target, "+" if "++" in node.op else "-", sx.Const(1), loc=self.loc(node))
        target = self.target(node.lvalue)
        value = self.value(node.rvalue)
        if target is None or value is None:
            return None
        self.c_statements.append(node)
        if node.op == "=":
            return sx.Assign(target, None, value, loc=self.loc(node))
        if node.op in _ASSIGN_OPS:
            return sx.Assign(target, _ASSIGN_OPS[node.op], value, loc=self.loc(node))
        if node.op in _OTHER_ASSIGN:  # only the accesses matter: the C statement is printed as is
            return sx.Assign(target, None, sx.BinOp("%", target, value), loc=self.loc(node))
        self.err(node, f"assignment operator {node.op} is not supported")
        return None

    def target(self, node):
        acc = self.access(node, write=True)
        return acc

    # ------------------------------------------------------------ accesses and names

    def access(self, node, write: bool = False):
        indices = []
        base = node
        while isinstance(base, c_ast.ArrayRef):
            indices.append(base.subscript)
            base = base.name
        if not isinstance(base, c_ast.ID):
            self.err(node, f"`{c_text(node)}` is not an access polyopt supports",
                     "use arrays declared with their extents, indexed as A[i][j]")
            return None
        name = base.name
        indices.reverse()
        if name in self.active or name in self.loop_vars:
            self.err(node, f"loop iterator '{name}' cannot be {'assigned' if write else 'indexed'} here")
            return None
        v = self.vars.get(name)
        if v is None:
            self.err(node, f"'{name}' is not declared before the region",
                     "declare arrays and scalars before #pragma scop")
            return None
        if len(indices) != len(v.dims):
            self.err(node, f"'{name}' has {len(v.dims)} dimensions but is used with {len(indices)} subscripts")
            return None
        subs = [self.affine(i, "subscript") for i in indices]
        if any(s is None for s in subs):
            return None
        if name not in self.arrays:
            self.arrays.append(name)
        return sx.Access(name, tuple(subs), loc=self.loc(node))

    def _param(self, node: c_ast.ID, what: str):
        name = node.name
        if name in self.active:
            return sx.Name(name, sx.Name.ITER, loc=self.loc(node))
        v = self.vars.get(name)
        if name in self.loop_vars or name in self.written:
            self.err(node, f"non-affine {what}: '{name}' is written in the region")
            return None
        if v is None or v.dims or v.base in _FLOAT_TYPES or v.base is None:
            self.err(node, f"non-affine {what}: '{name}' is not an integer variable declared before the region")
            return None
        if name not in self.params:
            self.params.append(name)
        return sx.Name(name, sx.Name.PARAM, loc=self.loc(node))

    # ------------------------------------------------------------ affine expressions

    def affine(self, node, what: str):
        loc = self.loc(node)
        if isinstance(node, c_ast.Constant):
            k = _int_constant(node)
            if k is None:
                self.err(node, f"non-affine {what}: {node.value} is not an integer")
            return sx.Const(k, loc=loc) if k is not None else None
        if isinstance(node, c_ast.ID):
            return self._param(node, what)
        if isinstance(node, c_ast.Cast) and _base_type(node.to_type.type) not in _FLOAT_TYPES:
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
                return sx.Const({"+": a.value + b.value, "-": a.value - b.value, "*": a.value * b.value}[node.op],
                                loc=loc)
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
            l, r = c_text(cond.left), c_text(cond.right)
            t, f = c_text(node.iftrue), c_text(node.iffalse)
            if {l, r} == {t, f} and l != r:
                smaller_first = cond.op in ("<", "<=")
                picks_left = t == l
                func = "min" if smaller_first == picks_left else "max"
                args = [self.affine(cond.left, what), self.affine(cond.right, what)]
                return None if None in args else sx.Call(func, tuple(args), loc=self.loc(node))
        self.err(node, f"non-affine {what}: the conditional `{c_text(node)}` is not a min or max")
        return None

    def cond(self, node):
        loc = self.loc(node)
        if isinstance(node, c_ast.BinaryOp) and node.op in _CMP:
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

    # ------------------------------------------------------------ values

    def value(self, node):
        loc = self.loc(node)
        if isinstance(node, c_ast.Constant):
            if node.type in ("char", "string"):
                self.err(node, f"{node.type} literals are not supported in a region")
                return None
            k = _int_constant(node)
            if k is not None:
                return sx.Const(k, loc=loc)
            return sx.Const(float(node.value.rstrip("fFlL")), loc=loc)
        if isinstance(node, c_ast.ID):
            return self._value_name(node)
        if isinstance(node, c_ast.ArrayRef):
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
            if node.op in _CMP:
                return sx.Compare(node.op, a, b, loc=loc)
            if node.op in ("&&", "||"):
                return sx.BoolOp("and" if node.op == "&&" else "or", (a, b), loc=loc)
            return sx.BinOp(node.op, a, b, loc=loc)
        if isinstance(node, c_ast.TernaryOp):
            parts = [self.value(node.cond), self.value(node.iftrue), self.value(node.iffalse)]
            return None if None in parts else sx.IfExp(*parts, loc=loc)
        if isinstance(node, c_ast.FuncCall) and isinstance(node.name, c_ast.ID) and node.name.name in _MATH:
            args = [self.value(a) for a in (node.args.exprs if node.args else [])]
            return None if None in args else sx.Call(node.name.name, tuple(args), loc=loc)
        if isinstance(node, c_ast.FuncCall):
            self.err(node, f"call of `{c_text(node.name)}`: only the usual math functions may be called "
                           "in a region", "polyopt cannot know what another function reads or writes")
            return None
        self.err(node, f"`{c_text(node)}` is not supported in a region value",
                 "values are arithmetic on array elements, scalars, iterators and parameters")
        return None

    def _value_name(self, node: c_ast.ID):
        name = node.name
        if name in self.active:
            return sx.Name(name, sx.Name.ITER, loc=self.loc(node))
        v = self.vars.get(name)
        if v is None:
            self.err(node, f"'{name}' is not declared before the region")
            return None
        if name in self.loop_vars:
            self.err(node, f"loop iterator '{name}' is read outside its loop")
            return None
        if v.dims:
            self.err(node, f"array '{name}' is used without subscripts")
            return None
        if name in self.written:
            return self.access(node)
        if v.base not in _FLOAT_TYPES and v.base is not None and not v.is_pointer:
            if name not in self.params:
                self.params.append(name)
            return sx.Name(name, sx.Name.PARAM, loc=self.loc(node))
        if v.base is None or v.is_pointer:
            self.err(node, f"'{name}' has a type polyopt does not support in a region")
            return None
        if name not in self.scalars:
            self.scalars.append(name)
        return sx.Name(name, sx.Name.SCALAR, loc=self.loc(node))

    # ------------------------------------------------------------ the kernel's arguments

    def arguments(self) -> list:
        args = []
        for name in self.arrays:
            v = self.vars[name]
            shape = []
            for k, d in enumerate(v.dims):
                ext = self.extent(d, name, k)
                if ext is None:
                    return []
                shape.append(ext)
            args.append(sx.Argument(name, sx.Argument.ARRAY, _dtype(v.base), tuple(shape)))
        for name in self.scalars:
            args.append(sx.Argument(name, sx.Argument.SCALAR, _dtype(self.vars[name].base)))
        for name in self.params:
            args.append(sx.Argument(name, sx.Argument.INT, i64))
        return args

    def extent(self, node, array: str, k: int):
        if node is None:
            self.err(self.region.block.block_items[self.region.start],
                     f"array '{array}' has no known extent in dimension {k}",
                     f"declare '{array}' with every extent, e.g. double {array}[N][M]")
            return None
        saved, self.active = self.active, []
        aff = self.affine(node, f"extent of array '{array}'")
        self.active = saved
        return None if aff is None else _to_sympy(aff)

    def check_iterators_dead_after(self) -> None:
        """Iterators declared before the region must not be read after it (their final value is lost)."""
        for name in sorted(self.loop_vars):
            use = _first_use_after(self.region, name)
            if use is not None:
                self.err(use, f"loop iterator '{name}' is read after the region, but the optimized code "
                              "does not leave its final value",
                         f"declare the iterator in the loop (`for (int {name} = ...`) or assign it before use")


# ---------------------------------------------------------------- helpers


def _is_id(node, name: str) -> bool:
    return isinstance(node, c_ast.ID) and node.name == name


def _int_constant(node: c_ast.Constant):
    if node.type not in ("int", "long int", "unsigned int", "long long int", "unsigned long int",
                         "long", "unsigned long", "long long", "unsigned long long int") and \
            not node.type.endswith("int"):
        return None
    text = node.value.rstrip("uUlL")
    try:
        return int(text, 0) if not (len(text) > 1 and text[0] == "0" and text.isdigit()) else int(text, 8)
    except ValueError:
        return None


def _plus(e, k: int):
    if isinstance(e, sx.Const):
        return sx.Const(e.value + k, loc=e.loc)
    return sx.BinOp("+", e, sx.Const(k), loc=e.loc)


def _to_sympy(e):
    if isinstance(e, sx.Const):
        return sympy.Integer(e.value)
    if isinstance(e, sx.Name):
        return sympy.Symbol(e.name, integer=True)
    if isinstance(e, sx.UnaryOp):
        return -_to_sympy(e.operand) if e.op == "-" else _to_sympy(e.operand)
    if isinstance(e, sx.BinOp):
        a, b = _to_sympy(e.left), _to_sympy(e.right)
        return {"+": a + b, "-": a - b, "*": a * b}[e.op]
    if isinstance(e, sx.Call):  # min/max in an extent
        args = [_to_sympy(a) for a in e.args]
        return sympy.Min(*args) if e.func == "min" else sympy.Max(*args)
    raise TypeError(type(e).__name__)


def _dtype(base: str | None):
    if base in _FLOAT_TYPES:
        return _FLOAT_TYPES[base]
    return i64 if base and "long" in base else i32


def _base_type(t) -> str | None:
    """The element type's name of a declaration type (through arrays and pointers)."""
    while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
        t = t.type
    if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
        names = [n for n in t.type.names if n not in ("const", "volatile", "restrict")]
        if any(n in _FLOAT_TYPES for n in names):
            return next(n for n in names if n in _FLOAT_TYPES)
        if names and all(n in _INT_WORDS for n in names):
            return " ".join(names)
    return None


def _cvar(decl: c_ast.Decl, typedefs: dict) -> CVar | None:
    t = decl.type
    dims = []
    pointer = False
    while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
        if isinstance(t, c_ast.ArrayDecl):
            dims.append(t.dim)
        else:
            if dims or pointer:  # pointer to pointer / array of pointers
                return CVar(decl.name, None, (), True)
            pointer = True
            dims.append(None)  # `double (*A)[M]`: unknown first extent
        t = t.type
    base = _base_type(t)
    if base is None and isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
        base = typedefs.get(" ".join(t.type.names))
    if pointer and len(dims) == 1:  # `double *A`: a plain pointer, not an array with extents
        return CVar(decl.name, base, (), True)
    return CVar(decl.name, base, tuple(dims))


def _visible_vars(parsed: ParsedFile, region: Region) -> dict[str, CVar]:
    """Declarations visible at the region: globals, parameters, enclosing blocks (before it)."""
    typedefs: dict[str, str] = {}
    out: dict[str, CVar] = {}
    for node in parsed.ast.ext:
        if node is region.func:
            break
        if isinstance(node, c_ast.Typedef):
            b = _base_type(node.type)
            if b is not None:
                typedefs[node.name] = b
        elif isinstance(node, c_ast.Decl) and node.name and not isinstance(node.type, c_ast.FuncDecl):
            out[node.name] = _cvar(node, typedefs)
    params = region.func.decl.type.args
    for p in (params.params if params else []):
        if isinstance(p, c_ast.Decl) and p.name:
            out[p.name] = _cvar(p, typedefs)
    path = region.path
    for k, node in enumerate(path):
        child = path[k + 1] if k + 1 < len(path) else None
        if isinstance(node, c_ast.Compound):
            stop = region.start if child is None else None
            for j, item in enumerate(node.block_items or []):
                if item is child or (stop is not None and j >= stop):
                    break
                if isinstance(item, c_ast.Decl) and item.name:
                    out[item.name] = _cvar(item, typedefs)
        elif isinstance(node, c_ast.For) and isinstance(node.init, c_ast.DeclList):
            for d in node.init.decls:
                out[d.name] = _cvar(d, typedefs)
    return out


def _written_names(items) -> set[str]:
    out: set[str] = set()

    def visit(node):
        if isinstance(node, c_ast.Assignment):
            base = node.lvalue
            while isinstance(base, c_ast.ArrayRef):
                base = base.name
            if isinstance(base, c_ast.ID):
                out.add(base.name)
        if isinstance(node, c_ast.UnaryOp) and node.op in ("p++", "++", "p--", "--") and \
                isinstance(node.expr, c_ast.ID):
            out.add(node.expr.name)
        if isinstance(node, c_ast.For):  # the header's own increments are not body writes
            visit(node.stmt)
            return
        for _, child in node.children():
            visit(child)

    for item in items:
        visit(item)
    return out


def _identifiers(ast) -> set[str]:
    out: set[str] = set()

    def visit(node):
        if isinstance(node, c_ast.ID):
            out.add(node.name)
        elif isinstance(node, c_ast.Decl) and node.name:
            out.add(node.name)
        elif isinstance(node, c_ast.Typedef):
            out.add(node.name)
        for _, child in node.children():
            visit(child)

    visit(ast)
    return out


def _first_use_after(region: Region, name: str):
    """The first node after the region that reads ``name`` (None if it is dead or overwritten first).

    "After" is the rest of the function in text order and, when the region sits inside a loop, the
    statements of that loop's body before the region too (they run again on the next iteration).
    """
    after: list = []
    path = region.path
    in_loop = None
    for k in range(len(path) - 1, -1, -1):
        node = path[k]
        child = path[k + 1] if k + 1 < len(path) else None
        if isinstance(node, c_ast.Compound):
            items = node.block_items or []
            pos = region.end if child is None else next(j for j, it in enumerate(items) if it is child)
            after.extend(items[pos + 1:])
        if isinstance(node, (c_ast.For, c_ast.While, c_ast.DoWhile)):
            in_loop = node
            after.append(node.next if isinstance(node, c_ast.For) else None)
            after.append(node.cond)
    if in_loop is not None:
        after.append(in_loop.stmt)  # conservative: the whole loop body runs again
    for node in after:
        if node is None:
            continue
        verdict = _first_occurrence(node, name)
        if verdict == "overwritten":
            return None
        if verdict is not None:
            return verdict
    return None


def _first_occurrence(node, name: str):
    """``"overwritten"`` if ``name`` is first assigned a value not depending on it, the reading node
    if it is first read, None if absent."""
    if isinstance(node, c_ast.Assignment) and node.op == "=" and _is_id(node.lvalue, name):
        inner = _first_occurrence(node.rvalue, name)
        return inner if inner is not None else "overwritten"
    if isinstance(node, c_ast.For) and node.init is not None:
        first = _first_occurrence(node.init, name)
        if first is not None:
            return first
        for part in (node.cond, node.stmt, node.next):
            if part is not None:
                r = _first_occurrence(part, name)
                if r is not None:
                    return r
        return None
    if isinstance(node, c_ast.ID) and node.name == name:
        return node
    if isinstance(node, c_ast.Decl) and node.name == name:
        return "overwritten"  # a new variable shadows it
    for _, child in node.children():
        r = _first_occurrence(child, name)
        if r is not None:
            return r
    return None
