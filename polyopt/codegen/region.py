"""Schedule -> the bare loop nest of a region (no function around it), for source-to-source use.

Part of code generation (Schedule -> isl AST -> cgen tree -> C text), used by the C front end
(:mod:`polyopt.cfront`) to replace a ``#pragma scop`` region in the user's own file.  It reuses the
AST build and the loop-tree printer of :mod:`.generate`; what differs is the naming:

* statement bodies are printed by the caller (``statement_text``), from the original C, given
  each original iterator as a parenthesized C expression in the new loop variables;
* loop variables are ``<prefix><k>`` with a prefix chosen so that no name in ``taken`` clashes;
* helpers (``floord``, ``min``, ...) become macros ``<prefix>_floord(...)`` defined at the top of
  the block and undefined at its end, so the text outside the region is left untouched.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

import cgen as c
import islpy as isl

from ..errors import CodegenError
from ..schedule.schedule import Schedule
from . import cexpr as ce
from .ast_build import build_ast
from .body import EmittedStatement
from .printer import CgenEmitter, Guard, Stmt, TreeBuilder

# Macro forms of the helpers the AST build may use (integer arithmetic on longs).
_MACROS = {
    "floord": "(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))",
    "ceild": "(n, d) (-{p}floord(-(n), (d)))",
    "min": "(a, b) ((b) < (a) ? (b) : (a))",
    "max": "(a, b) ((b) > (a) ? (b) : (a))",
}


@dataclass(frozen=True)
class RegionCode:
    """The generated block: its text (a ``{ ... }`` block) and the loop-variable prefix used."""

    text: str
    prefix: str


def choose_prefix(taken: frozenset[str] | set[str], base: str = "c") -> str:
    """A prefix ``p`` such that neither ``p<k>`` nor ``p_<helper>`` is in ``taken``."""
    for attempt in [base] + [f"{base}{'_' * k}" for k in range(1, 50)] + [f"polyopt_{base}"]:
        pat = re.compile(re.escape(attempt) + r"\d+\Z")
        if not any(pat.match(n) for n in taken) and not any(
                f"{attempt}_{h}" in taken for h in _MACROS):
            return attempt
    raise CodegenError("cannot find loop-variable names that do not clash with the file's names")


def generate_region(schedule: Schedule,
                    statement_text: Callable[[str, dict[str, str]], str], *,
                    taken: frozenset[str] | set[str] = frozenset(), indent: str = "",
                    separate_tiles: bool = True) -> RegionCode:
    """The optimized loop nest of ``schedule`` as a C block using the file's own names.

    ``statement_text(name, iterators)`` returns the C text (without ``;``) of statement ``name``
    when its original iterators are the given C expressions.  Parameters keep their names.
    """
    scop = schedule.scop
    prefix = choose_prefix(taken)
    rename_call = {h: f"{prefix}_{h}" for h in _MACROS}
    lines: list[str] = []
    if scop.statements:
        ast = build_ast(schedule.tree, scop.context, {s.name: s.depth for s in scop.statements}, {},
                        separate_tiles=separate_tiles)
        bodies = _RegionBodies(scop.statements, statement_text, prefix, rename_call)
        walker = TreeBuilder(ast, bodies, {s.name: s for s in scop.statements}, {})
        try:
            items = walker.walk(ast.root)
        except isl.Error as exc:
            raise CodegenError(f"isl failed while printing the AST: {exc}") from exc
        unknown = walker.helpers - set(_MACROS)
        if unknown:
            raise CodegenError(f"region code needs unsupported helpers {sorted(unknown)}")
        items = [_rename_item(it, prefix, rename_call) for it in items]
        used = _closure(walker.helpers)
        for h in _MACROS:
            if h in used:
                lines.append(f"#define {prefix}_{h}{_MACROS[h].format(p=prefix + '_')}")
        body = CgenEmitter(lambda name: c.Line(f"/* {name} */")).items(items)
        text = "\n".join(str(n) for n in body)
        lines.extend(text.splitlines())
        for h in _MACROS:
            if h in used:
                lines.append(f"#undef {prefix}_{h}")
    out = ["{"] + [("  " + ln if ln and not ln.startswith("#") else ln) for ln in lines] + ["}"]
    return RegionCode("\n".join(indent + ln if ln and not ln.startswith("#") else ln for ln in out),
                      prefix)


def _closure(helpers: set[str]) -> set[str]:
    return set(helpers) | ({"floord"} if "ceild" in helpers else set())


class _RegionBodies:
    """Stands in for BodyBuilder: the caller prints each statement from its original text."""

    def __init__(self, statements, statement_text, prefix: str, rename_call: dict[str, str]):
        self.names = {id(s.body): s.name for s in statements}
        self.statement_text = statement_text
        self.prefix = prefix
        self.rename_call = rename_call

    def statement(self, body, iterators: dict[str, ce.CExpr]) -> EmittedStatement:
        exprs = {k: "(" + ce.to_c(_rename(v, self.prefix, self.rename_call)) + ")"
                 for k, v in iterators.items()}
        helpers: set[str] = set()
        for v in iterators.values():
            helpers |= ce.used_helpers(v)
        text = self.statement_text(self.names[id(body)], exprs)
        return EmittedStatement(text, frozenset(helpers), frozenset(), frozenset())


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
    var = prefix + m.group(1) if m else item.var
    return dataclasses.replace(item, var=var, init=r(item.init), cond=r(item.cond), inc=r(item.inc),
                               body=[_rename_item(x, prefix, calls) for x in item.body], decls=list(item.decls))
