"""Schedule -> the C of an optimized ``#pragma scop`` region: file-scope functions and a call.

Part of code generation (Schedule -> isl AST -> cgen tree -> C text), used by the C front end
(:mod:`polyopt.cfront`) to replace a region in the user's own file.  The region gets the same code
shape as a Python kernel (:mod:`.generate`):

* the optimized loop nest is the body of a static function whose array parameters are
  ``restrict`` pointers declared as the front end says (:class:`RegionInterface`: the region's own
  names, so its statements are printed as they are), called where the region was;
* parallel loop bodies with an accumulation are outlined into static functions with ``restrict``
  parameters (:mod:`.outline`), ``omp simd`` and ``collapse`` as in the DSL path;
* statement bodies are printed by the caller (``statement_text``), from the original C, given
  each original iterator as a parenthesized C expression in the new loop variables;
* a contraction's register block (:mod:`.register_blocks`) replaces the element a statement
  updates where the caller spells it (``target_text``) and every other reference to its array in
  the statement is to another element (the model's count of those equals the references spelled
  otherwise); a packed panel (:mod:`.packing`) replaces the operand's element as the caller
  spells it, its copy kept inside the indices the region uses; no row panels
  (``register_tiles="blocks"``);
* loop variables are ``<prefix><k>`` with a prefix chosen so that no name in ``taken`` clashes;
  helpers (``floord``, ``min``, ...) become macros ``<prefix>_floord(...)`` defined before the
  functions and undefined after them, so the user's text is left untouched;
* when the front end could not prove that the region's pointers do not overlap, a
  :class:`RuntimeCheck` is printed as a static ``int`` function: the region runs the optimized
  function when it returns 1 and the original code otherwise (the caller prints that ``if``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import cgen as c
import islpy as isl

from ..errors import CodegenError
from ..frontend import syntax as sx
from ..schedule.schedule import Schedule
from . import cexpr as ce
from .ast_build import isl_expr
from .body import EmittedStatement
from .emit import CgenEmitter
from .lower import bounded, lower
from .outline import Outliner
from .printer import Guard, Stmt

# Macro forms of the helpers the AST build may use (integer arithmetic on longs).
_MACROS = {
    "floord": "(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))",
    "ceild": "(n, d) (-{p}floord(-(n), (d)))",
    "min": "(a, b) ((b) < (a) ? (b) : (a))",
    "max": "(a, b) ((b) > (a) ? (b) : (a))",
}


@dataclass(frozen=True)
class RegionParam:
    """One parameter of the region's function.

    ``ctype`` and ``declarator`` declare it (``"const double"``, ``"(*restrict A)[M]"``);
    ``argument`` is what the call passes (``"A"``, ``"&s"``); ``check_declarator`` declares it in
    the runtime check's function (without ``restrict``: there the pointers may overlap).
    """

    name: str
    ctype: str
    declarator: str
    argument: str
    check_declarator: str = ""


@dataclass(frozen=True)
class RegionInterface:
    """How the region's function is declared and called (decided by the C front end).

    ``locals`` are the scalars the region writes, as (name, C type): the function works on local
    copies, loaded by ``prologue`` and stored back by ``epilogue``.
    """

    function: str
    params: tuple[RegionParam, ...]
    prologue: tuple[str, ...] = ()
    epilogue: tuple[str, ...] = ()
    locals: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Footprint:
    """The rows of one pointer a region touches: ``lower`` .. ``upper`` (functions of the
    parameters), each row ``row`` elements of the pointer's own element type ("" for one)."""

    pointer: str
    lower: isl.PwAff
    upper: isl.PwAff
    row: str = ""


@dataclass(frozen=True)
class RuntimeCheck:
    """When the optimized code may run: every pair of footprints is disjoint and every
    condition (a parameter set) holds."""

    disjoint: tuple[tuple[Footprint, Footprint], ...]
    conditions: tuple[isl.Set, ...]
    context: isl.Set


@dataclass(frozen=True)
class RegionCode:
    """The generated C: ``definitions`` for file scope (before the function holding the region),
    ``call`` (a statement) and ``check`` (a condition expression, or None when not needed)."""

    definitions: str
    call: str
    check: str | None
    prefix: str
    loops: tuple = ()  # what was printed for each loop of the schedule (EmittedLoop)


def choose_prefix(taken: frozenset[str] | set[str], base: str = "c") -> str:
    """A prefix ``p`` such that neither ``p<k>`` nor ``p_<helper>`` is in ``taken``."""
    for attempt in [base] + [f"{base}{'_' * k}" for k in range(1, 50)] + [f"polyopt_{base}"]:
        pat = re.compile(re.escape(attempt) + r"\d+\Z")
        if not any(pat.match(n) for n in taken) and not any(
                f"{attempt}_{h}" in taken for h in _MACROS):
            return attempt
    raise CodegenError("cannot find loop-variable names that do not clash with the file's names")


@dataclass(frozen=True)
class RegionTarget:
    """How a region's statement spells the element it writes."""

    text: str  # the element, given the statement's iterators (as ``statement_text`` prints it)
    others: int  # the statement's other references to the element's array, spelled otherwise
    reads: tuple = ()  # (array, text) of every element the statement's value reads, in order


def generate_region(schedule: Schedule, statement_text: Callable[[str, dict[str, str]], str],
                    interface: RegionInterface, *, taken: frozenset[str] | set[str] = frozenset(),
                    check: RuntimeCheck | None = None, context: isl.Set | None = None,
                    separate_tiles: bool = True,
                    target_text: Callable[[str, dict[str, str]], RegionTarget | None] | None = None) -> RegionCode:
    """The optimized region of ``schedule`` (see the module docstring).

    ``statement_text(name, iterators)`` returns the C text (without ``;``) of statement ``name``
    when its original iterators are the given C expressions; ``target_text(name, iterators)`` the
    element it writes (None where it does not write one element of an array) and those it reads.
    Parameters keep their names.
    ``context`` (default: the Scop's) is the parameter set the code must be right for: a smaller
    one must be part of ``check``.  The whole generation runs under a wall-clock limit
    (:func:`.lower.bounded`).
    """
    return bounded(lambda: _generate_region(schedule, statement_text, interface, taken, check, context,
                                            separate_tiles, target_text), schedule.scop.name)


def _generate_region(schedule: Schedule, statement_text: Callable[[str, dict[str, str]], str],
                     interface: RegionInterface, taken: frozenset[str] | set[str], check: RuntimeCheck | None,
                     context: isl.Set | None, separate_tiles: bool, target_text) -> RegionCode:
    scop = schedule.scop
    prefix = choose_prefix(taken)
    rename_call = {h: f"{prefix}_{h}" for h in _MACROS}
    locals_ = dict(interface.locals)
    items: list = []
    helpers: set[str] = set()
    loops: tuple = ()
    if scop.statements:
        bodies = _RegionBodies(scop.statements, statement_text, target_text, prefix, rename_call, set(locals_))
        # the region's scalars are function-level copies (interface.locals), never placed in loops
        checked = lower(schedule, bodies, {}, context=context, separate_tiles=separate_tiles,
                        temporaries=False)
        unknown = checked.helpers - set(_MACROS)
        if unknown:
            raise CodegenError(f"region code needs unsupported helpers {sorted(unknown)}")
        items = [_rename_item(it, prefix, rename_call) for it in checked.items]
        helpers = set(checked.helpers)
        loops = checked.loops

    params = [c.Value(p.ctype, p.declarator) for p in interface.params]
    outliner = Outliner(interface.function, params, [p.name for p in interface.params],
                        {n: (t, n) for n, t in locals_.items()})
    body = [c.Line(line) for line in interface.prologue]
    body += CgenEmitter(lambda name: c.Line(f"/* {name} */"), outliner).items(items)
    body += [c.Line(line) for line in interface.epilogue]
    parts: list = []
    check_call = None
    if check is not None:
        check_fn, check_helpers = _check_function(check, interface, prefix, rename_call, taken)
        helpers |= check_helpers
        parts += [check_fn, c.Line()]
        check_call = f"{interface.function}_check({', '.join(p.argument for p in interface.params)})"
    for function in outliner.functions:
        parts += [function, c.Line()]
    decl = c.FunctionDeclaration(c.Value("static void", interface.function), params or [c.Value("void", "")])
    parts.append(c.FunctionBody(decl, c.Block(body)))
    used = helpers | ({"floord"} if "ceild" in helpers else set())
    lines = ce.vector_math_declarations(schedule.vector_math)  # none for polyopt cc: not the user's to add
    lines += [f"#define {prefix}_{h}{_MACROS[h].format(p=prefix + '_')}" for h in _MACROS if h in used]
    lines += str(c.Module(parts)).splitlines()
    lines += [f"#undef {prefix}_{h}" for h in _MACROS if h in used]
    call = f"{interface.function}({', '.join(p.argument for p in interface.params)});"
    return RegionCode("\n".join(lines) + "\n", call, check_call, prefix, loops)


def _check_function(check: RuntimeCheck, interface: RegionInterface, prefix: str, rename_call: dict[str, str],
                    taken: frozenset[str] | set[str]) -> tuple[c.Generable, set[str]]:
    """``static int <function>_check(...)``: 1 when the optimized function may run.

    Addresses are compared as integers (``__UINTPTR_TYPE__``, predefined by gcc and clang):
    pointers into different objects may not be compared with ``<`` in C."""
    build = isl.AstBuild.from_context(check.context)
    helpers: set[str] = set()

    def text(e: isl.AstExpr) -> str:
        expr = isl_expr(e, {})
        helpers.update(ce.used_helpers(expr))
        return ce.to_c(_rename(expr, prefix, rename_call))

    lines, names = [], {}
    used = set(taken) | {p.name for p in interface.params}
    for pair in check.disjoint:
        for fp in pair:
            if fp.pointer in names:
                continue
            lo, hi = _unused(f"{prefix}_lo_{fp.pointer}", used), _unused(f"{prefix}_hi_{fp.pointer}", used)
            names[fp.pointer] = (lo, hi)
            scale = f" * (long)({fp.row})" if fp.row else ""
            for var, bound, end in ((lo, fp.lower, ""), (hi, fp.upper, " + 1")):
                index = text(build.expr_from_pw_aff(bound))
                lines.append(f"__UINTPTR_TYPE__ {var} = (__UINTPTR_TYPE__)({fp.pointer}) + (__UINTPTR_TYPE__)"
                             f"((long)({index}{end}){scale} * (long)sizeof(*({fp.pointer})));")
    terms = [f"({names[a.pointer][1]} <= {names[b.pointer][0]} || {names[b.pointer][1]} <= {names[a.pointer][0]})"
             for a, b in check.disjoint]
    terms += [f"({text(build.expr_from_set(cond))})" for cond in check.conditions]
    args = [c.Value(p.ctype, p.check_declarator or p.declarator) for p in interface.params]
    decl = c.FunctionDeclaration(c.Value("static int", f"{interface.function}_check"), args)
    body = c.Block([c.Line(x) for x in lines] + [c.Line(f"return {' && '.join(terms) or '1'};")])
    return c.FunctionBody(decl, body), helpers


def _unused(name: str, used: set[str]) -> str:
    while name in used:
        name += "_"
    used.add(name)
    return name


class _RegionBodies:
    """Stands in for BodyBuilder: the caller prints each statement from its original text."""

    def __init__(self, statements, statement_text, target_text, prefix: str, rename_call: dict[str, str],
                 locals_: set[str]):
        self.names = {id(s.body): s.name for s in statements}
        self.model = {s.name: s for s in statements}
        self.statement_text = statement_text
        self.target_text = target_text
        self.prefix = prefix
        self.rename_call = rename_call
        self.locals = locals_
        # No ArrayInfo: statements keep their C text (see .reductions for their reductions)
        self.arrays: dict = {}
        self.prints_model = False  # no part of a statement can be printed on its own (see .row_panels)

    @staticmethod
    def array_extents(array: str, scop) -> tuple:
        """Where a packed panel's copy of ``array`` must stay: one past the largest index the
        region's statements use in each dimension (C does not promise the declared extents hold
        the accesses, and a region's arrays may be pointers).  Every element of that box lies
        between elements the original touches."""
        used = [a.relation.range() for s in scop.statements for a in s.accesses if a.array == array]
        elements = functools.reduce(isl.Set.union, used)
        build = isl.AstBuild.from_context(scop.context)
        return tuple(isl_expr(build.expr_from_pw_aff(elements.dim_max(d) + 1), {})
                     for d in range(elements.dim(isl.dim_type.set)))

    def render(self, e: ce.CExpr) -> str:
        """The C text of ``e`` (in isl's loop variables) as the region prints it."""
        return ce.to_c(_rename(e, self.prefix, self.rename_call))

    def statement(self, body: sx.Assign, iterators: dict[str, ce.CExpr]) -> EmittedStatement:
        """The caller's C text of ``body`` and what the outliner must know about it."""
        exprs = {k: "(" + self.render(v) + ")" for k, v in iterators.items()}
        helpers: set[str] = set()
        for v in iterators.values():
            helpers |= ce.used_helpers(v)
        name = self.names[id(body)]
        text = self.statement_text(name, exprs)
        reads = {a.array for a in _accesses(body.value)}
        target = body.target.array
        written = {target} & self.locals
        read = (reads | ({target} if body.op is not None else set())) & self.locals
        accumulates = body.op is not None or body.target in _accesses(body.value)
        found = None if self.target_text is None else self.target_text(name, exprs)
        return EmittedStatement(text, frozenset(helpers), frozenset(read), frozenset(written), accumulates,
                                target=self._element(name, found),
                                reads=() if found is None else tuple((a, ce.Text(t)) for a, t in found.reads))

    def _element(self, name: str, found: RegionTarget | None) -> ce.CExpr | None:
        """The written element as the statement spells it, when every reference to the element in
        the statement is spelled so: the model's accesses of the array at other elements are as many
        as the references spelled otherwise (a reference spelled otherwise to the same element would
        read memory where the block holds the value)."""
        stmt = self.model[name]
        if found is None or len(stmt.writes) != 1:
            return None
        write = stmt.writes[0]
        elsewhere = sum(1 for a in stmt.accesses
                        if a.array == write.array and not a.relation.is_equal(write.relation))
        return ce.Text(found.text) if found.others == elsewhere else None


def _accesses(e) -> list[sx.Access]:
    """Every array access in a value expression."""
    if isinstance(e, sx.Access):
        return [e]
    out = []
    if dataclasses.is_dataclass(e):
        for f in dataclasses.fields(e):
            v = getattr(e, f.name)
            for x in (v if isinstance(v, tuple) else (v,)):
                if isinstance(x, sx.Expr):
                    out += _accesses(x)
    return out


def _rename(e: ce.CExpr, prefix: str, calls: dict[str, str]) -> ce.CExpr:
    """``e`` with isl's loop variables ``c<k>`` renamed to ``<prefix><k>`` and helpers to macros."""
    if isinstance(e, ce.Var):
        m = re.fullmatch(r"c(\d+)", e.name)
        return ce.Var(prefix + m.group(1)) if m else e
    if isinstance(e, ce.Call):
        return ce.Call(calls.get(e.func, e.func), tuple(_rename(a, prefix, calls) for a in e.args))
    if not dataclasses.is_dataclass(e):
        return e
    changes = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, ce.CExpr):
            changes[f.name] = _rename(v, prefix, calls)
        elif isinstance(v, tuple) and v and all(isinstance(x, ce.CExpr) for x in v):
            changes[f.name] = tuple(_rename(x, prefix, calls) for x in v)
    return dataclasses.replace(e, **changes) if changes else e


def _rename_item(item, prefix: str, calls: dict[str, str]):
    def r(e):
        return None if e is None else _rename(e, prefix, calls)

    if isinstance(item, Stmt):
        return item
    if isinstance(item, Guard):
        return Guard(r(item.cond), [_rename_item(x, prefix, calls) for x in item.then],
                     None if item.orelse is None else [_rename_item(x, prefix, calls) for x in item.orelse])
    m = re.fullmatch(r"c(\d+)", item.var)
    # gcc 12 ignores an unroll pragma, with a warning in the user's build, on a loop whose test
    # calls a helper macro (a conditional expression): PolyBench's trmm, a partial register block
    unroll_by = 0 if item.cond is not None and ce.used_helpers(item.cond) else item.unroll_by
    return dataclasses.replace(item, var=prefix + m.group(1) if m else item.var, init=r(item.init),
                               cond=r(item.cond), inc=r(item.inc), when=r(item.when), unroll_by=unroll_by,
                               body=[_rename_item(x, prefix, calls) for x in item.body])
