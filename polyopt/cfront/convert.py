"""One ``#pragma scop`` region (pycparser AST) -> :class:`~polyopt.frontend.syntax.KernelDef`.

Second step of the C front end (C file -> **KernelDef** -poly-> Scop -> ...).  The region is turned
into the same syntax tree the Python frontend produces, so the polyhedral model, dependences,
scheduling and the AST build work unchanged:

* ``for`` loops with affine bounds (``< <= > >=``; ``++ -- += -=`` by constants), bounds written
  with min/max macros (``a < b ? a : b``), affine ``if``; a comma in a ``for`` header declares
  more induction variables (``for (i = 0, j = n - 1; i < n; i++, j--)``: ``j`` becomes
  ``n - 1 - i`` everywhere) or initialises a scalar before the loop;
* statements: assignments ``= += -= *= /= ...`` and ``++``/``--`` to array elements (arrays,
  pointers, ``*p``) or scalars; chains ``a1 = a5 = k;`` (as ``a5 = k; a1 = a5;``, exactly C's
  meaning) and comma lists ``a = 1, b = 2;``;
* parameters: integer variables the region reads in bounds, subscripts or conditions and never
  writes (unconstrained ``int`` parameters in the model); read-only scalars used in values are
  scalar arguments; scalars the region writes are 0-d arrays (so their final value is kept);
* arrays from the declarations visible at the region (:mod:`.decls`), pointers included, with
  linearised subscripts delinearised (:mod:`.delinearize`).

Statement bodies keep their C semantics because code generation prints the ORIGINAL C statement
(see :class:`CRegion.statements`); the syntax tree of a value only has to name what it reads.
Every unsupported construct is reported with file:line:col; all problems are raised at once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from pycparser import c_ast

from ..errors import Diagnostic, KernelSyntaxError
from ..frontend import syntax as sx
from ..frontend.types import i64
from .decls import CVar, cvar, dtype_of, visible_vars
from .delinearize import Layout, plan_layouts
from .exprs import ExprConverter, c_text, int_constant, is_id, to_intpoly
from .preprocess import ParsedFile, Region
from .scan import first_use_after, identifiers, written_names

_ASSIGN_OPS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/"}
_OTHER_ASSIGN = {"%=", "<<=", ">>=", "&=", "|=", "^="}
_INCREMENTS = ("p++", "++", "p--", "--")


@dataclass(frozen=True)
class CRegion:
    """A region converted.

    ``kernel`` is its KernelDef with the declared extents of its arrays (``()`` when an extent
    is unknown or not affine: see ``unknown_extents``); ``model`` the same kernel without
    extents, which is what the polyhedral model is built from (C does not promise that accesses
    stay inside declared extents, and the original performs exactly the same accesses).
    ``statements`` holds, per statement S<k> in order, the C statement node to print.
    """

    kernel: sx.KernelDef
    statements: tuple  # c_ast nodes, one per sx.Assign in program order
    region: Region
    names: frozenset[str]  # every identifier of the file (new names must avoid them)
    vars: dict[str, CVar] = field(default_factory=dict, compare=False)
    layouts: dict[str, Layout] = field(default_factory=dict, compare=False)
    unknown_extents: tuple[str, ...] = ()

    @property
    def model(self) -> sx.KernelDef:
        """The kernel without extents (what the polyhedral model is built from)."""
        args = tuple(replace(a, shape=()) if a.kind == sx.Argument.ARRAY else a for a in self.kernel.args)
        return replace(self.kernel, args=args)


def convert_region(parsed: ParsedFile, region: Region, index: int = 0) -> CRegion:
    """Convert ``region`` of ``parsed``; raises KernelSyntaxError listing every problem."""
    conv = _Converter(parsed, region)
    body = conv.block(region.items)
    name = f"{region.func.decl.name}_scop{index}"
    if not conv.diags:
        conv.check_iterators_dead_after()
    args, unknown = conv.arguments() if not conv.diags else ([], [])
    if conv.diags:
        raise KernelSyntaxError(conv.diags, name)
    lines = parsed.text.splitlines()
    source = "\n".join(lines[region.first_line - 1:region.last_line])
    kernel = sx.KernelDef(name, tuple(args), tuple(conv.params), (), tuple(body), parsed.filename,
                          region.first_line, source)
    layouts = {a: lay for a, lay in conv.layouts.items() if a in conv.arrays}
    return CRegion(kernel, tuple(conv.c_statements), region, frozenset(conv.all_names), conv.vars,
                   layouts, tuple(unknown))


class _Converter(ExprConverter):
    def __init__(self, parsed: ParsedFile, region: Region):
        self.parsed = parsed
        self.region = region
        self.diags: list[Diagnostic] = []
        self.vars = visible_vars(parsed, region)
        self.written = written_names(region.items)
        self.active: list[str] = []
        self.derived: dict[str, tuple] = {}  # comma induction variable -> (syntax, C expression)
        self.loop_vars: set[str] = set()  # iterators declared before the region
        self.params: list[str] = []
        self.scalars: list[str] = []  # read-only scalars used in values
        self.arrays: list[str] = []
        self.c_statements: list = []
        self.all_names = identifiers(parsed.ast)
        self.layouts, self.layout_failures = plan_layouts(region.items, _header_vars(region.items),
                                                          self.vars, self.written)

    # ------------------------------------------------------------ statements

    def block(self, items) -> list:
        """The syntax statements of a list of C block items."""
        out = []
        for item in items or []:
            out.extend(self.stmt(item))
        return out

    def stmt(self, node) -> list:
        """The syntax statements of one C statement (a chain or comma list gives several)."""
        if isinstance(node, c_ast.Compound):
            return self.block(node.block_items)
        if isinstance(node, c_ast.EmptyStatement):
            return []
        if isinstance(node, c_ast.For):
            return self.loop(node)
        if isinstance(node, c_ast.If):
            cond = self.cond(node.cond)
            then = self.stmt(node.iftrue)
            orelse = self.stmt(node.iffalse) if node.iffalse is not None else []
            return [sx.If(cond, tuple(then), tuple(orelse), loc=self.loc(node))] if cond else []
        if isinstance(node, c_ast.ExprList):  # `a = 1, b = 2;`
            return [s for e in node.exprs for s in self.stmt(e)]
        if isinstance(node, c_ast.Assignment) and isinstance(node.rvalue, c_ast.Assignment):
            # `a = b = c;` is `b = c; a = b;`: the value of an assignment is its target's new value
            inner = node.rvalue
            outer = c_ast.Assignment(node.op, node.lvalue, copy.deepcopy(inner.lvalue), coord=node.coord)
            return self.stmt(inner) + self.stmt(outer)
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

    def assign(self, node):
        """One assignment or increment as an Assign; its C node is kept for printing."""
        if isinstance(node, c_ast.UnaryOp):
            if node.op not in _INCREMENTS:
                self.err(node, f"`{c_text(node)}` is not a statement polyopt supports")
                return None
            target = self.access(node.expr, write=True)
            if target is None:
                return None
            self.c_statements.append(self._printed(node))
            return sx.Assign(target, "+" if "++" in node.op else "-", sx.Const(1), loc=self.loc(node))
        target = self.access(node.lvalue, write=True)
        value = self.value(node.rvalue)
        if target is None or value is None:
            return None
        if node.op == "=":
            result = sx.Assign(target, None, value, loc=self.loc(node))
        elif node.op in _ASSIGN_OPS:
            result = sx.Assign(target, _ASSIGN_OPS[node.op], value, loc=self.loc(node))
        elif node.op in _OTHER_ASSIGN:  # only the accesses matter: the C statement is printed as is
            result = sx.Assign(target, None, sx.BinOp("%", target, value), loc=self.loc(node))
        else:
            self.err(node, f"assignment operator {node.op} is not supported")
            return None
        self.c_statements.append(self._printed(node))
        return result

    def _printed(self, node):
        """The statement as it is printed: derived induction variables replaced by their value."""
        if not self.derived:
            return node
        node = copy.deepcopy(node)

        def visit(n):
            for attr, child in n.children():
                if isinstance(child, c_ast.ID) and child.name in self.derived:
                    _set_child(n, attr, copy.deepcopy(self.derived[child.name][1]))
                else:
                    visit(child)

        visit(node)
        return node

    # ------------------------------------------------------------ loops

    def loop(self, node: c_ast.For) -> list:
        """A for loop (after the scalar initialisations of its header, if any)."""
        inits = self._init_list(node)
        if inits is None:
            return []
        var = self._tested_var(node.cond, list(inits))
        nexts = self._next_list(node.next)
        if var is None or nexts is None:
            return []
        step = nexts.pop(var, None)
        if step is None:
            self.err(node, f"unsupported loop increment of '{var}': use ++, --, += or -= by a non-zero "
                           "integer constant")
            return []
        before: list = []  # initialisations of scalars that are not induction variables
        others = []
        for name, (init, declared) in inits.items():
            if name == var:
                continue
            if name in nexts:
                others.append((name, init, nexts.pop(name)))
            elif declared:
                self.err(node, f"'{name}' is declared in the loop header but never updated by it")
            else:
                assign = c_ast.Assignment("=", c_ast.ID(name, coord=node.coord), init, coord=node.coord)
                before.extend(self.stmt(assign))
        for name in nexts:
            self.err(node.next, f"the loop header updates '{name}', which it does not initialise")
        names = [var] + [o[0] for o in others]
        if var in self.active:
            self.err(node, f"loop iterator '{var}' is reused by a nested loop")
            return before
        for name in names:
            if name in self.written:
                self.err(node, f"loop iterator '{name}' is assigned in the region",
                         "an iterator may change only in its loop header")
                return before
        lower = self.affine(inits[var][0], "loop bound")
        upper = self._loop_upper(node.cond, var, step)
        derived = {name: self._derived(name, init, other_step, var, inits, lower, step)
                   for name, init, other_step in others}
        if lower is None or upper is None or None in derived.values():
            return before
        self.loop_vars.update(n for n in names if not inits[n][1])
        self.active.append(var)
        saved, self.derived = self.derived, {**self.derived, **derived}
        body = self.stmt(node.stmt)
        self.derived = saved
        self.active.pop()
        return before + [sx.For(var, lower, upper, step, tuple(body), loc=self.loc(node))]

    def _init_list(self, node) -> dict | None:
        """``{name: (initial value node, declared in the header)}`` of a for header's init."""
        init = node.init
        out = {}
        if isinstance(init, c_ast.DeclList):
            for d in init.decls:
                v = cvar(d, {})
                if d.init is None or not v.is_int:
                    self.err(node, f"loop iterator '{d.name}' must have an integer type and a start value")
                    return None
                self.vars[d.name] = v
                out[d.name] = (d.init, True)
            return out
        for a in (init.exprs if isinstance(init, c_ast.ExprList) else [init]):
            if not (isinstance(a, c_ast.Assignment) and a.op == "=" and isinstance(a.lvalue, c_ast.ID)):
                self.err(node, "unsupported loop initialisation (write `i = lower` or `int i = lower`)")
                return None
            v = self.vars.get(a.lvalue.name)
            if v is None or v.is_array or v.base is None:
                self.err(node, f"'{a.lvalue.name}' must be a variable declared before the region or in the loop")
                return None
            out[a.lvalue.name] = (a.rvalue, False)
        return out

    def _tested_var(self, cond, names: list[str]):
        if isinstance(cond, c_ast.BinaryOp):
            for side in (cond.left, cond.right):
                if isinstance(side, c_ast.ID) and side.name in names:
                    if not self.vars[side.name].is_int:
                        self.err(cond, f"loop iterator '{side.name}' must have an integer type")
                        return None
                    return side.name
        self.err(cond if cond is not None else self.region.block,
                 "unsupported loop test: compare the iterator with a bound (`i < bound`, `i <= bound`, "
                 "`i > bound` or `i >= bound`)")
        return None

    def _next_list(self, nxt) -> dict | None:
        """``{name: constant step}`` of a for header's increment list."""
        out = {}
        for e in (nxt.exprs if isinstance(nxt, c_ast.ExprList) else [nxt]):
            step = _step(e)
            if step is None:
                self.err(nxt if nxt is not None else self.region.block,
                         "unsupported loop increment: use ++, --, += or -= by a non-zero integer constant")
                return None
            out[step[0]] = step[1]
        return out

    def _derived(self, name, init, step, var, inits, lower, var_step):
        """The induction variable ``name = init + step * (var - lower) / var_step`` as (syntax, C
        expression); None (reported) when its start value is not affine."""
        if _names_in(init) & set(inits):
            self.err(init, f"the start value of '{name}' uses another variable of the same loop header")
            return None
        start = self.affine(init, "loop bound")
        if start is None or lower is None:
            return None
        count = sx.BinOp("-", sx.Name(var, sx.Name.ITER), lower)
        c_count = c_ast.ID(var)
        if not (isinstance(lower, sx.Const) and lower.value == 0):
            c_count = c_ast.BinaryOp("-", c_count, copy.deepcopy(inits[var][0]))
        if abs(var_step) == 1:
            scale = step * var_step
        else:  # var - lower is a multiple of var_step: the division is exact
            scale = step
            count = sx.BinOp("//", count if var_step > 0 else sx.UnaryOp("-", count), sx.Const(abs(var_step)))
            c_count = c_ast.BinaryOp("/", c_count, c_ast.Constant("int", str(var_step)))
        syntax = sx.BinOp("+", start, sx.BinOp("*", sx.Const(scale), count))
        if abs(scale) != 1:
            c_count = c_ast.BinaryOp("*", c_ast.Constant("int", str(abs(scale))), c_count)
        return syntax, c_ast.BinaryOp("+" if scale > 0 else "-", copy.deepcopy(init), c_count)

    def _loop_upper(self, cond, var, step):
        if not (isinstance(cond, c_ast.BinaryOp) and cond.op in ("<", "<=", ">", ">=")):
            self.err(cond if cond is not None else self.region.block,
                     "unsupported loop test: write `i < bound`, `i <= bound`, `i > bound` or `i >= bound`")
            return None
        op, bound = cond.op, cond.right
        if not is_id(cond.left, var):
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

    # ------------------------------------------------------------ the kernel's arguments

    def arguments(self) -> tuple[list, list[str]]:
        """The KernelDef's arguments (arrays by first use, scalars, parameters) and the arrays
        whose extents are unknown or not affine."""
        args, unknown = [], []
        for name in self.arrays:
            v = self.vars[name]
            shape = self._extents(v) if name not in self.layouts else None
            if shape is None:
                unknown.append(name)
            args.append(sx.Argument(name, sx.Argument.ARRAY, dtype_of(v.base), shape or ()))
        for name in self.scalars:
            args.append(sx.Argument(name, sx.Argument.SCALAR, dtype_of(self.vars[name].base)))
        for name in self.params:
            args.append(sx.Argument(name, sx.Argument.INT, i64))
        return args, unknown

    def _extents(self, v: CVar):
        """The declared extents (new parameters they name are added), or None."""
        if any(d is None for d in v.dims):
            return None
        saved = (self.active, list(self.diags), list(self.params))
        self.active = []
        shape = [self.affine(d, f"extent of array '{v.name}'") for d in v.dims]
        self.active = saved[0]
        if len(self.diags) != len(saved[1]):
            self.diags[:], self.params[:] = saved[1], saved[2]
            return None
        extents = tuple(to_intpoly(e) for e in shape)
        return None if None in extents else extents

    def check_iterators_dead_after(self) -> None:
        """Iterators declared before the region must not be read after it (their final value is lost)."""
        for name in sorted(self.loop_vars):
            use = first_use_after(self.region, name)
            if use is not None:
                self.err(use, f"loop iterator '{name}' is read after the region, but the optimized code "
                              "does not leave its final value",
                         f"declare the iterator in the loop (`for (int {name} = ...`) or assign it before use")


# ---------------------------------------------------------------- helpers


def _step(e):
    """``(name, step)`` of ``i++``, ``--i``, ``i += 2``, ``i = i - 1``; None otherwise."""
    if isinstance(e, c_ast.UnaryOp) and e.op in _INCREMENTS and isinstance(e.expr, c_ast.ID):
        return e.expr.name, 1 if "++" in e.op else -1
    if isinstance(e, c_ast.Assignment) and isinstance(e.lvalue, c_ast.ID):
        var = e.lvalue.name
        if e.op in ("+=", "-=") and isinstance(e.rvalue, c_ast.Constant):
            k = int_constant(e.rvalue)
            if k:
                return var, k if e.op == "+=" else -k
        if (e.op == "=" and isinstance(e.rvalue, c_ast.BinaryOp) and e.rvalue.op in "+-"
                and is_id(e.rvalue.left, var) and isinstance(e.rvalue.right, c_ast.Constant)):
            k = int_constant(e.rvalue.right)
            if k:
                return var, k if e.rvalue.op == "+" else -k
    return None


def _plus(e, k: int):
    if isinstance(e, sx.Const):
        return sx.Const(e.value + k, loc=e.loc)
    return sx.BinOp("+", e, sx.Const(k), loc=e.loc)


def _header_vars(items) -> set[str]:
    """Names initialised in the for headers of a region (its iterators and induction variables)."""
    out: set[str] = set()

    def visit(node):
        if isinstance(node, c_ast.For):
            init = node.init
            if isinstance(init, c_ast.DeclList):
                out.update(d.name for d in init.decls)
            for a in (init.exprs if isinstance(init, c_ast.ExprList) else [init]):
                if isinstance(a, c_ast.Assignment) and isinstance(a.lvalue, c_ast.ID):
                    out.add(a.lvalue.name)
        for _, child in node.children():
            visit(child)

    for item in items:
        visit(item)
    return out


def _names_in(node) -> set[str]:
    out = {node.name} if isinstance(node, c_ast.ID) else set()
    for _, child in node.children():
        out |= _names_in(child)
    return out


def _set_child(parent, attr: str, value) -> None:
    """Replace the child ``attr`` (``name`` or ``exprs[2]``, as pycparser's children() names it)."""
    if "[" in attr:
        field_name, k = attr[:-1].split("[")
        getattr(parent, field_name)[int(k)] = value
    else:
        setattr(parent, attr, value)
