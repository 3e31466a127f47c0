"""What names mean inside one kernel: the scope, diagnostics, and resolving names and calls.

Part of the frontend (Python ``ast`` -> KernelDef).  :class:`KernelScope` holds the kernel's
names and collects its diagnostics; :class:`ScopedConverter` is the part of the expression
converter (:mod:`.exprs`) that resolves global names, size symbols and called functions.
"""

from __future__ import annotations

import ast
import builtins

from ..errors import Diagnostic
from . import syntax as sx
from .names import KNOWN_FUNCTION_NAMES, MISSING, Environment, describe, function_spec, lookup_attribute
from .source import KernelSource

INT64_MAX = 2**63 - 1


class KernelScope:
    """What names mean inside one kernel, and the diagnostics collected so far.

    ``loop_names`` and ``local_names`` hold every loop variable and every assigned plain name of
    the whole function (Python decides locality per function, not per statement);
    ``active_loops`` are the loops enclosing the statement being parsed and ``assigned`` the
    temporaries assigned so far in program text order.
    """

    def __init__(self, source: KernelSource, env: Environment, args: dict, size_names: set[str],
                 loop_names: set[str], local_names: set[str]):
        self.source = source
        self.env = env
        self.args = args
        self.size_names = size_names
        self.loop_names = loop_names
        self.local_names = local_names
        self.active_loops: list[str] = []
        self.assigned: set[str] = set()
        self.broken: set[str] = set()  # arguments whose annotation was rejected
        self.diagnostics: list[Diagnostic] = []

    def error(self, node: ast.AST, message: str, hint: str = "") -> None:
        self.diagnostics.append(Diagnostic(self.source.loc(node), message, hint))

    def loc(self, node: ast.AST):
        return self.source.loc(node)

    def classify(self, name: str) -> str:
        """``iter`` (an enclosing loop), ``dead_iter`` (a loop variable outside its loop), ``arg``,
        ``broken`` (an argument already reported), ``local`` or ``global``."""
        if name in self.active_loops:
            return "iter"
        if name in self.loop_names:
            return "dead_iter"
        if name in self.args:
            return "arg"
        if name in self.broken:
            return "broken"
        if name in self.local_names:
            return "local"
        return "global"


class ScopedConverter:
    """Name and call resolution shared by the converters of one kernel's expressions."""

    def __init__(self, scope: KernelScope):
        self.scope = scope
        self.env = scope.env

    def _err(self, node, message, hint=""):
        self.scope.error(node, message, hint)

    # ------------------------------------------------------------ shared pieces

    def _int_literal(self, node: ast.Constant, value: int):
        if abs(value) > INT64_MAX:
            self._err(node, f"integer literal {value} does not fit in 64 bits",
                      "use a smaller constant (generated code computes with 64-bit integers)")
            return None
        return sx.Const(value, loc=self.scope.loc(node))

    def _global_symbol(self, node: ast.Name, obj):
        """A size symbol from the enclosing scope as a PARAM name, checking it can be bound."""
        if obj.name not in self.scope.size_names:
            self._err(node, f"size '{obj.name}' cannot be inferred from the arguments",
                      f"make '{obj.name}' an `int` argument or an array extent")
            return None
        return sx.Name(obj.name, sx.Name.PARAM, loc=self.scope.loc(node))

    def _unknown_global(self, node: ast.Name, obj, hint: str):
        name = node.id
        if obj is MISSING:
            self._err(node, f"unknown name '{name}'", hint)
        elif function_spec(obj) is not None:
            self._err(node, f"function '{name}' is used without calling it", f"call it: {name}(...)")
        else:
            self._err(node, f"'{name}' is {describe(obj)} from the enclosing scope, which a kernel "
                            "cannot use here", hint)

    def _dead_iter(self, node: ast.Name):
        self._err(node, f"loop variable '{node.id}' is used outside its loop",
                  "use a loop variable only inside the body of its `for` loop")

    def _resolve_callee(self, func: ast.expr):
        """(printable name, resolved object) of a call's function expression."""
        if isinstance(func, ast.Name):
            if self.scope.classify(func.id) != "global":
                return func.id, None
            return func.id, self.env.lookup(func.id)
        parts = []
        node = func
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and self.scope.classify(node.id) == "global":
            parts.reverse()
            return ".".join([node.id] + parts), lookup_attribute(self.env, node.id, parts)
        return ast.unparse(func), None

    def _call_target(self, node: ast.Call):
        """The FuncSpec of a call after checking its form, or None (reported)."""
        text, obj = self._resolve_callee(node.func)
        spec = function_spec(obj) if obj is not None else None
        if spec is None:
            if obj is None and isinstance(node.func, ast.Name):
                self._err(node, f"'{text}' is a variable of the kernel, not a function",
                          "kernels may call only " + KNOWN_FUNCTION_NAMES)
            else:
                self._err(node, f"call of unknown function '{text}'",
                          "kernels may call only " + KNOWN_FUNCTION_NAMES)
            return None
        ok = True
        if node.keywords:
            self._err(node.keywords[0],
                      f"keyword arguments are not supported in a call of '{text}'",
                      "pass the arguments positionally")
            ok = False
        for a in node.args:
            if isinstance(a, ast.Starred):
                self._err(a, f"*-unpacking is not supported in a call of '{text}'",
                          "pass each argument explicitly")
                ok = False
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            want = (f"{spec.min_args}" if spec.max_args == spec.min_args else
                    f"at least {spec.min_args}" if spec.max_args is None else
                    f"{spec.min_args} to {spec.max_args}")
            self._err(node, f"'{text}' takes {want} argument{'s' if want != '1' else ''}, got {n}",
                      f"call it with {want} argument{'s' if want != '1' else ''}")
            ok = False
        return spec if ok else None


def is_range(scope: KernelScope, func: ast.expr) -> bool:
    """Whether ``func`` (a call's function) is the builtin ``range``."""
    return (isinstance(func, ast.Name) and scope.classify(func.id) == "global"
            and scope.env.lookup(func.id) is builtins.range)


def snippet(node: ast.AST, limit: int = 40) -> str:
    """The source text of ``node``, shortened to ``limit`` characters for a message."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."
