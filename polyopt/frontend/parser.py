"""Python function -> :class:`KernelDef`: the entry point of the frontend.

First stage of the pipeline (Python function -frontend-> KernelDef -poly-> Scop -> ...).  The
function's source is retrieved and parsed (:mod:`.source`), its signature gives the arguments
and size parameters (:mod:`.signature`), and the body is walked statement by statement here,
expressions being converted and checked by :mod:`.exprs`.  Every problem is collected and one
:class:`KernelSyntaxError` is raised at the end; nothing but a :class:`PolyoptError` ever
escapes :func:`parse_kernel`.
"""

from __future__ import annotations

import ast
import types

from ..errors import InternalError, KernelSyntaxError, PolyoptError
from . import syntax as sx
from .exprs import ExprConverter
from .names import Environment
from .scope import KernelScope, is_range
from .signature import parse_signature
from .source import retrieve_source
from .types import f32, f64, i64


def parse_kernel(func) -> sx.KernelDef:
    """Parse a kernel function into its syntax tree.

    Raises :class:`KernelSyntaxError` listing every problem found, or :class:`PolyoptError` when
    the function's source cannot be retrieved.
    """
    if not isinstance(func, types.FunctionType):
        raise PolyoptError(f"a kernel must be a Python function defined with `def`, not "
                           f"{type(func).__name__}", hint="decorate a `def` function with @po.kernel")
    try:
        return _Parser(func).parse()
    except PolyoptError:
        raise
    except Exception as exc:  # a frontend bug must not surface as a bare traceback
        raise InternalError(
            f"internal error in the frontend while parsing kernel '{func.__name__}': "
            f"{type(exc).__name__}: {exc}",
            hint="this is a polyopt bug; please report it with the kernel") from exc


# Statements that are never allowed, with what to say about them.
_FORBIDDEN = {
    ast.While: ("`while` loops are not supported", "use `for v in range(...)` with affine bounds"),
    ast.Break: ("`break` is not supported", "loops run their whole range; guard the body with an `if` "
                                             "on an affine condition"),
    ast.Continue: ("`continue` is not supported", "guard the rest of the body with an `if` on an affine "
                                                   "condition"),
    ast.With: ("`with` is not supported in a kernel", "move it outside the kernel"),
    ast.AsyncWith: ("`async with` is not supported in a kernel", "move it outside the kernel"),
    ast.AsyncFor: ("`async for` is not supported", "use `for v in range(...)`"),
    ast.Try: ("`try` is not supported in a kernel", "handle errors outside the kernel"),
    ast.Raise: ("`raise` is not supported in a kernel", "check arguments before calling the kernel"),
    ast.Assert: ("`assert` is not supported in a kernel", "check arguments before calling the kernel"),
    ast.Import: ("imports are not allowed in a kernel", "import at module level"),
    ast.ImportFrom: ("imports are not allowed in a kernel", "import at module level"),
    ast.Global: ("`global` is not supported", "pass the value as an argument"),
    ast.Nonlocal: ("`nonlocal` is not supported", "pass the value as an argument"),
    ast.Delete: ("`del` is not supported in a kernel", "remove it"),
    ast.FunctionDef: ("nested function definitions are not supported", "define helpers outside and "
                                                                         "inline their code"),
    ast.AsyncFunctionDef: ("nested function definitions are not supported", "inline the code"),
    ast.ClassDef: ("class definitions are not supported in a kernel", "define classes outside"),
    ast.Match: ("`match` is not supported", "use if/elif with affine conditions"),
}
if hasattr(ast, "TryStar"):
    _FORBIDDEN[ast.TryStar] = _FORBIDDEN[ast.Try]

_AUG_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_AUG_TEXT = {ast.FloorDiv: "//=", ast.Mod: "%=", ast.Pow: "**=", ast.MatMult: "@=", ast.BitAnd: "&=",
             ast.BitOr: "|=", ast.BitXor: "^=", ast.LShift: "<<=", ast.RShift: ">>="}

# Calls whose result is a float whatever their arguments (C's math functions return double).
_FLOAT_CALLS = {"sqrt", "exp", "log", "sin", "cos", "tanh", "fabs", "floor", "ceil", "pow", "float"}


class _Parser:
    def __init__(self, func):
        self.func = func
        self.name = func.__name__

    def parse(self) -> sx.KernelDef:
        src = retrieve_source(self.func)
        loops, assigned = _bound_names(src.tree.body)
        self.scope = KernelScope(src, Environment(self.func), {}, set(), loops, assigned)
        self.exprs = ExprConverter(self.scope)
        args, params = parse_signature(self.func, src.tree, self.scope)
        self.params = set(params)
        # A loop variable clashing with an argument or size is reported at its `for`; keeping it
        # out of the loop names avoids a second report at every other use of that name.
        loops -= self.params | self.scope.size_names | set(self.scope.args) | self.scope.broken
        self.local_values: dict[str, list[sx.Expr]] = {}
        self.local_loc: dict[str, object] = {}
        body = self._block(src.tree.body, top=True)
        locals_ = self._infer_locals()
        if self.scope.diagnostics:
            raise KernelSyntaxError(self.scope.diagnostics, self.name)
        return sx.KernelDef(self.name, args, params, locals_, body, src.file, src.def_line, src.text)

    def _err(self, node, message, hint=""):
        self.scope.error(node, message, hint)

    # ------------------------------------------------------------ statements

    def _block(self, stmts: list[ast.stmt], top: bool = False) -> tuple[sx.Stmt, ...]:
        out = []
        for k, s in enumerate(stmts):
            if top and k == 0 and _is_docstring(s):
                continue
            node = self._stmt(s, last=top and k == len(stmts) - 1)
            if node is not None:
                out.append(node)
        return tuple(out)

    def _stmt(self, s: ast.stmt, last: bool) -> sx.Stmt | None:
        if isinstance(s, ast.For):
            return self._for(s)
        if isinstance(s, ast.If):
            cond = self.exprs.condition(s.test, affine=True)
            then, orelse = self._block(s.body), self._block(s.orelse)
            return None if cond is None else sx.If(cond, then, orelse, loc=self.scope.loc(s))
        if isinstance(s, ast.Assign):
            if len(s.targets) != 1:
                self._err(s.targets[1], "chained assignment `a = b = value` is not supported",
                          "assign the value to one target, then copy it in a second statement")
                self.exprs.value(s.value)
                return None
            return self._assign(s, s.targets[0], None, s.value)
        if isinstance(s, ast.AugAssign):
            op = _AUG_OPS.get(type(s.op))
            if op is None:
                text = _AUG_TEXT.get(type(s.op), "this operator")
                self._err(s, f"augmented assignment `{text}` is not supported",
                          "only += -= *= /= are supported; write it out, e.g. `x = x // 2`")
                return None
            return self._assign(s, s.target, op, s.value)
        if isinstance(s, ast.AnnAssign):
            self._err(s, "annotated assignments are not supported in a kernel body",
                      "drop the annotation: a temporary's type is inferred from its values")
            return None
        if isinstance(s, ast.Pass):
            return None
        if isinstance(s, ast.Return):
            if s.value is not None:
                self._err(s, "a kernel cannot return a value",
                          "write results into an array argument")
            elif not last:
                self._err(s, "`return` is only allowed as the last statement of a kernel",
                          "guard the remaining statements with an `if` on an affine condition")
            return None
        if isinstance(s, ast.Expr):
            what = "a call" if isinstance(s.value, ast.Call) else "an expression"
            self._err(s, f"{what} used as a statement has no effect in a kernel",
                      "kernels only assign to array elements and temporaries")
            return None
        msg, hint = _FORBIDDEN.get(type(s), (f"`{type(s).__name__}` statements are not supported",
                                             "kernels are made of for loops, if statements and "
                                             "assignments"))
        self._err(s, msg, hint)
        return None

    def _for(self, s: ast.For) -> sx.For | None:
        ok = True
        if s.orelse:
            self._err(s, "`for ... else` is not supported", "move the else block after the loop")
            ok = False
        var = s.target.id if isinstance(s.target, ast.Name) else None
        if var is None:
            self._err(s.target, "a loop variable must be a plain name",
                      "write `for i in range(...)` and index inside the body")
            ok = False
        elif var in self.scope.active_loops:
            self._err(s.target, f"loop variable '{var}' shadows the enclosing loop variable '{var}'",
                      "give the inner loop another variable name")
            ok = False
        elif var in self.scope.args or var in self.scope.broken:
            self._err(s.target, f"loop variable '{var}' shadows the argument '{var}'",
                      "give the loop variable another name")
            ok = False
        elif var in self.scope.size_names or var in self.params:
            self._err(s.target, f"loop variable '{var}' has the name of the size parameter '{var}'",
                      "give the loop variable another name")
            ok = False
        bounds = self._range(s.iter)
        if var is not None:
            self.scope.active_loops.append(var)
        body = self._block(s.body)
        if var is not None:
            self.scope.active_loops.pop()
        if not ok or bounds is None:
            return None
        lower, upper, step = bounds
        return sx.For(var, lower, upper, step, body, loc=self.scope.loc(s))

    def _range(self, it: ast.expr):
        """(lower, upper, step) of ``range(...)``, or None (reported)."""
        hint = "loops are `for v in range(hi)`, `range(lo, hi)` or `range(lo, hi, step)`"
        if not (isinstance(it, ast.Call) and is_range(self.scope, it.func)):
            callee = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else ""
            if callee == "reversed":
                hint = "count down with range(hi - 1, lo - 1, -1)"
            elif callee == "range":
                hint = "'range' is redefined here (a kernel variable or a global); do not shadow range"
            self._err(it, f"a kernel can only loop over range(), not `{ast.unparse(it)[:40]}`", hint)
            return None
        if it.keywords or any(isinstance(a, ast.Starred) for a in it.args) or not 1 <= len(it.args) <= 3:
            self._err(it, f"range() takes 1 to 3 positional arguments, got `{ast.unparse(it)[:40]}`", hint)
            return None
        parts = [self.exprs.affine(a, "loop bound") for a in it.args[:2]]
        step = 1
        if len(it.args) == 3:
            e = self.exprs.affine(it.args[2], "loop step")
            if e is not None and not isinstance(e, sx.Const):
                self._err(it.args[2], "the step of range() must be an integer constant",
                          "use a literal step such as 2 or -1")
                e = None
            elif e is not None and e.value == 0:
                self._err(it.args[2], "the step of range() must not be zero", "use a step such as 1 or -1")
                e = None
            if e is None:
                return None
            step = e.value
        if any(p is None for p in parts):
            return None
        if len(parts) == 1:
            return sx.Const(0, loc=self.scope.loc(it)), parts[0], step
        return parts[0], parts[1], step

    def _assign(self, s: ast.stmt, target: ast.expr, op: str | None, value_node: ast.expr):
        loc = self.scope.loc(s)
        local = None
        if isinstance(target, ast.Subscript):
            acc = self.exprs.access(target)
        elif isinstance(target, ast.Name):
            acc, local = self._local_target(target, op)
        else:
            what = {ast.Tuple: "a tuple", ast.List: "a list", ast.Attribute: "an attribute",
                    ast.Starred: "a starred name"}.get(type(target), "this target")
            self._err(target, f"assignment to {what} is not supported",
                      "assign to one array element A[i, j] or one temporary per statement")
            if isinstance(target, (ast.Tuple, ast.List)):
                return None  # the value is then a tuple too; one message is enough
            acc = None
        value = self.exprs.value(value_node)
        if local is not None:
            self.scope.assigned.add(local)
            self.local_loc.setdefault(local, self.scope.loc(target))
            if value is not None:
                self.local_values.setdefault(local, []).append(value)
        if acc is None or value is None:
            return None
        return sx.Assign(acc, op, value, loc=loc)

    def _local_target(self, target: ast.Name, op: str | None):
        """(Access, local name) for an assignment to a plain name; (None, None) when reported."""
        name = target.id
        kind = self.scope.classify(name)
        if kind == "arg":
            arg = self.scope.args[name]
            if arg.kind == sx.Argument.ARRAY:
                self._err(target, f"assignment to the array '{name}' without a subscript",
                          f"assign to its elements, e.g. {name}[i] = ...")
            else:
                what = "scalar" if arg.kind == sx.Argument.SCALAR else "size"
                self._err(target, f"assignment to the {what} argument '{name}'",
                          "arguments are read-only in a kernel; use a temporary with another name")
            return None, None
        if kind == "broken":
            return None, None
        if name in self.scope.loop_names:
            self._err(target, f"assignment to the loop variable '{name}'",
                      "loop variables are read-only; use a temporary with another name")
            return None, None
        if name in self.scope.size_names or name in self.params:
            self._err(target, f"temporary '{name}' has the name of the size parameter '{name}'",
                      "give the temporary another name")
            return None, name  # counts as assigned: its reads are not reported again
        if op is not None and name not in self.scope.assigned:
            self._err(target, f"temporary '{name}' is read before it is assigned",
                      f"assign '{name}' earlier in the kernel (in program text order)")
            return None, name
        return sx.Access(name, (), loc=self.scope.loc(target)), name

    # ------------------------------------------------------------ temporaries

    def _infer_locals(self) -> tuple[sx.Local, ...]:
        """Each temporary's dtype: the widest float dtype among the array elements, scalar
        arguments and float temporaries in the values assigned to it; else f64 if a float literal,
        `/` or a float function appears; else i64.  Iterated to a fixed point, since temporaries
        feed each other (dtypes only grow, so it terminates)."""
        dtypes = {n: i64 for n in self.local_loc}
        changed = True
        while changed:
            changed = False
            for name in dtypes:
                new = self._dtype_of(self.local_values.get(name, []), dtypes)
                if new is not dtypes[name]:
                    dtypes[name] = new
                    changed = True
        return tuple(sx.Local(n, dtypes[n], loc=self.local_loc[n]) for n in self.local_loc)

    def _dtype_of(self, values, dtypes):
        floats: set = set()
        floatish = False
        stack = list(values)
        while stack:
            e = stack.pop()
            if isinstance(e, sx.Access):
                dt = self.scope.args[e.array].dtype if e.indices else dtypes.get(e.array, i64)
                if dt.is_float:
                    floats.add(dt)
            elif isinstance(e, sx.Name) and e.kind == sx.Name.SCALAR:
                if self.scope.args[e.name].dtype.is_float:
                    floats.add(self.scope.args[e.name].dtype)
            elif isinstance(e, sx.Const):
                floatish |= isinstance(e.value, float)
            elif isinstance(e, sx.BinOp):
                floatish |= e.op == "/" or (e.op == "**" and isinstance(e.right, sx.Const)
                                            and e.right.value < 0)
                stack += [e.left, e.right]
            elif isinstance(e, sx.UnaryOp):
                stack.append(e.operand)
            elif isinstance(e, sx.Call):
                floatish |= e.func in _FLOAT_CALLS
                stack += list(e.args)
            elif isinstance(e, sx.IfExp):  # the condition is not part of the value
                stack += [e.then, e.orelse]
        if floats:
            return f64 if f64 in floats else f32
        return f64 if floatish else i64


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


def _bound_names(body: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """(loop variables, other assigned plain names) of a function body, nested scopes excluded.

    Python decides per function that a name is local, so a temporary assigned anywhere shadows a
    global of the same name everywhere in the kernel.
    """
    loops: set[str] = set()
    assigned: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                             ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            loops.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                assigned |= _target_names(t)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            assigned |= _target_names(node.target)
        stack.extend(ast.iter_child_nodes(node))
    return loops, assigned - loops


def _target_names(t: ast.expr) -> set[str]:
    if isinstance(t, ast.Name):
        return {t.id}
    if isinstance(t, (ast.Tuple, ast.List)):
        return set().union(*(_target_names(e) for e in t.elts)) if t.elts else set()
    if isinstance(t, ast.Starred):
        return _target_names(t.value)
    return set()
