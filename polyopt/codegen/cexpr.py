"""A small C expression tree and its precedence-aware printer.

Part of code generation (Schedule -> isl AST -> cgen tree -> C text).  Every C expression polyopt
emits -- loop bounds from the isl AST, subscripts, statement bodies -- is built as a tree of these
nodes and printed here, never assembled from strings, so sub-expressions substituted into others
are parenthesized exactly where C needs it.  A loop test printed at the top level gets no outer
parentheses (gcc's OpenMP rejects ``for (...; (c0 < N); ...)``).

The module also holds the C helper functions (``floord``, ``min``, Python's ``//`` and ``%``, ...)
that generated code may call; :func:`helper_definitions` emits only the ones a program uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import CodegenError
from ..hardware import VECTOR_MATH

LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# C precedence levels, higher binds tighter.
_ATOM = 17
_POSTFIX = 16
_UNARY = 15
_TERNARY = 3
_BINARY = {
    "*": 13, "/": 13, "%": 13,
    "+": 12, "-": 12,
    "<": 10, "<=": 10, ">": 10, ">=": 10,
    "==": 9, "!=": 9,
    "&&": 5, "||": 4,
}
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})


class CExpr:
    """Base class of C expression nodes; ``str(e)`` is its C text."""

    __slots__ = ()

    def __str__(self) -> str:
        return to_c(self)


@dataclass(frozen=True)
class Var(CExpr):
    """A C identifier (a variable, parameter or loop iterator)."""

    name: str


@dataclass(frozen=True)
class Text(CExpr):
    """C text printed as it is, an operand of its own: a C region's spelling of an array element,
    taken from the user's statement (see :mod:`polyopt.codegen.region`)."""

    text: str


@dataclass(frozen=True)
class IntLit(CExpr):
    """An integer literal; values outside C ``int`` get an ``L`` suffix."""

    value: int


@dataclass(frozen=True)
class FloatLit(CExpr):
    """A floating-point literal of C type ``double`` or ``float`` (printed with an ``f`` suffix)."""

    value: float
    ctype: str = "double"


@dataclass(frozen=True)
class Unary(CExpr):
    """``op operand`` with ``op`` in ``- !``."""

    op: str
    operand: CExpr


@dataclass(frozen=True)
class Cast(CExpr):
    """``(ctype)operand``."""

    ctype: str
    operand: CExpr


@dataclass(frozen=True)
class Binary(CExpr):
    """``left op right`` for the arithmetic, comparison and logical operators of C."""

    op: str
    left: CExpr
    right: CExpr

    def __post_init__(self):
        if self.op not in _BINARY:
            raise CodegenError(f"unknown C binary operator {self.op!r}")


@dataclass(frozen=True)
class Ternary(CExpr):
    """``cond ? then : orelse``."""

    cond: CExpr
    then: CExpr
    orelse: CExpr


@dataclass(frozen=True)
class Call(CExpr):
    """``func(args...)``; ``func`` is a C function or helper name."""

    func: str
    args: tuple[CExpr, ...]


@dataclass(frozen=True)
class Index(CExpr):
    """``base[index]`` (arrays are passed as flat pointers and indexed linearly)."""

    base: CExpr
    index: CExpr


# ---------------------------------------------------------------- convenience constructors


def add(a: CExpr, b: CExpr) -> CExpr:
    """``a + b`` on integers: folds literals, drops a zero operand and re-associates ``a + (b + c)``
    as ``a + b + c`` (exact for integers, and reads better in subscripts)."""
    if isinstance(b, Binary) and b.op == "+":
        return add(add(a, b.left), b.right)
    if isinstance(b, Unary) and b.op == "-":
        return Binary("-", a, b.operand)
    if isinstance(a, IntLit) and isinstance(b, IntLit):
        return IntLit(a.value + b.value)
    if isinstance(b, IntLit) and b.value == 0:
        return a
    if isinstance(a, IntLit) and a.value == 0:
        return b
    return Binary("+", a, b)


def mul(a: CExpr, b: CExpr) -> CExpr:
    """``a * b``, folding integer literals and dropping a unit operand."""
    if isinstance(a, IntLit) and isinstance(b, IntLit):
        return IntLit(a.value * b.value)
    if isinstance(b, IntLit) and b.value == 1:
        return a
    if isinstance(a, IntLit) and a.value == 1:
        return b
    return Binary("*", a, b)


# ---------------------------------------------------------------- printing


def to_c(e: CExpr) -> str:
    """The C text of ``e`` with only the parentheses C needs (none around the whole expression)."""
    return _render(e)[0]


def _wrap(e: CExpr, need: int) -> str:
    text, prec = _render(e)
    return f"({text})" if prec < need else text


def _render(e: CExpr) -> tuple[str, int]:
    """(text, precedence of its outermost operator)."""
    if isinstance(e, Var):
        return e.name, _ATOM
    if isinstance(e, Text):
        return e.text, _ATOM
    if isinstance(e, IntLit):
        return _int_text(e.value)
    if isinstance(e, FloatLit):
        return _float_text(e.value, e.ctype)
    if isinstance(e, Binary):
        prec = _BINARY[e.op]
        # Left-associative: the left operand may have the same precedence, the right may not
        # (``a - (b - c)``, ``a / (b * c)``).  Comparisons and logical operators of another
        # kind get parentheses for clarity (``(a < b) == c``, ``a || (b && c)``).
        left_need = prec + 1 if e.op in _COMPARISONS else prec
        left, right = _wrap(e.left, left_need), _wrap(e.right, prec + 1)
        if e.op == "||":
            left = _wrap(e.left, _ATOM) if _is_op(e.left, "&&") else left
            right = _wrap(e.right, _ATOM) if _is_op(e.right, "&&") else right
        elif e.op in _COMPARISONS:
            left = _wrap(e.left, _ATOM) if _is_op(e.left, *_COMPARISONS) else left
        return f"{left} {e.op} {right}", prec
    if isinstance(e, Unary):
        inner = _wrap(e.operand, _UNARY)
        if e.op == "-" and inner.startswith(("-", "+")):  # never print "--x" (a decrement)
            inner = f"({inner})"
        return f"{e.op}{inner}", _UNARY
    if isinstance(e, Cast):
        return f"({e.ctype}){_wrap(e.operand, _UNARY)}", _UNARY
    if isinstance(e, Ternary):
        # Nested conditionals and logical conditions are parenthesized for readability.
        cond = _wrap(e.cond, _BINARY["=="])
        return f"{cond} ? {_wrap(e.then, _TERNARY + 1)} : {_wrap(e.orelse, _TERNARY + 1)}", _TERNARY
    if isinstance(e, Call):
        return f"{e.func}({', '.join(to_c(a) for a in e.args)})", _POSTFIX
    if isinstance(e, Index):
        return f"{_wrap(e.base, _POSTFIX)}[{to_c(e.index)}]", _POSTFIX
    raise CodegenError(f"cannot print C expression node {type(e).__name__}")


def _is_op(e: CExpr, *ops: str) -> bool:
    return isinstance(e, Binary) and e.op in ops


def _int_text(v: int) -> tuple[str, int]:
    if not LONG_MIN <= v <= LONG_MAX:
        raise CodegenError(f"integer constant {v} does not fit in a C long")
    if v == LONG_MIN:  # the literal 9223372036854775808 does not fit in a long
        return "(-9223372036854775807L - 1)", _ATOM
    text = str(v) if INT_MIN <= v <= INT_MAX else f"{v}L"
    return text, (_UNARY if v < 0 else _ATOM)


def _float_text(v: float, ctype: str) -> tuple[str, int]:
    suffix = "f" if ctype == "float" else ""
    if math.isnan(v):
        return ("NAN" if suffix else "(double)NAN"), _ATOM
    if math.isinf(v):
        base = "INFINITY" if suffix else "(double)INFINITY"
        return (f"-{base}", _UNARY) if v < 0 else (base, _ATOM)
    text = repr(float(v))  # shortest round-trip decimal; always has '.' or 'e'
    if "." not in text and "e" not in text:
        text += ".0"
    return text + suffix, (_UNARY if text.startswith("-") else _ATOM)


# ---------------------------------------------------------------- helper functions

# name -> (C definition, helpers it uses).  All integer helpers work on ``long`` and evaluate
# each argument exactly once (they are functions, not macros).
_HELPERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "floord": ("static inline long floord(long n, long d) "
               "{ long q = n / d; return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q; }", ()),
    "ceild": ("static inline long ceild(long n, long d) { return -floord(-n, d); }", ("floord",)),
    "min": ("static inline long min(long a, long b) { return b < a ? b : a; }", ()),
    "max": ("static inline long max(long a, long b) { return b > a ? b : a; }", ()),
    # Python's // and % on ints (floor semantics); a zero divisor gives 0 like NumPy instead of
    # trapping, and LONG_MIN // -1 wraps instead of trapping.
    "py_floordiv": ("static inline long py_floordiv(long a, long b) {\n"
                    "    if (b == 0) return 0;\n"
                    "    if (b == -1) return (long)(0UL - (unsigned long)a);\n"
                    "    long q = a / b;\n"
                    "    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;\n"
                    "}", ()),
    "py_mod": ("static inline long py_mod(long a, long b) {\n"
               "    if (b == 0 || b == -1) return 0;\n"
               "    long r = a % b;\n"
               "    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;\n"
               "}", ()),
    "py_abs": ("static inline long py_abs(long a) "
               "{ return a < 0 ? (long)(0UL - (unsigned long)a) : a; }", ()),
    "py_ipow": ("static inline long py_ipow(long x, long n) {\n"
                "    unsigned long r = 1, b = (unsigned long)x;\n"
                "    for (; n > 0; n >>= 1) { if (n & 1) r *= b; b *= b; }\n"
                "    return (long)r;\n"
                "}", ()),
}


def _float_helpers(suffix: str, ctype: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Python's min/max, float // and %, and squaring for one float type (CPython's algorithms)."""
    f = suffix
    t = ctype
    s = f or "_d"  # helper suffix: py_min_d (double), py_minf (float)
    return {
        f"py_min{s}": (f"static inline {t} py_min{s}({t} a, {t} b) {{ return b < a ? b : a; }}", ()),
        f"py_max{s}": (f"static inline {t} py_max{s}({t} a, {t} b) {{ return b > a ? b : a; }}", ()),
        f"py_sq{s}": (f"static inline {t} py_sq{s}({t} a) {{ return a * a; }}", ()),
        f"py_fmod{s}": (
            f"static inline {t} py_fmod{s}({t} a, {t} b) {{\n"
            f"    {t} m = fmod{f}(a, b);\n"
            f"    if (m != 0) {{ if ((b < 0) != (m < 0)) m += b; }}\n"
            f"    else m = copysign{f}(0, b);\n"
            f"    return m;\n"
            f"}}", ()),
        f"py_floordiv{s}": (
            f"static inline {t} py_floordiv{s}({t} a, {t} b) {{\n"
            f"    {t} m = fmod{f}(a, b);\n"
            f"    {t} d = (a - m) / b;\n"
            f"    if (m != 0 && ((b < 0) != (m < 0))) d -= 1;\n"
            f"    if (d == 0) return copysign{f}(0, a / b);\n"
            f"    {t} q = floor{f}(d);\n"
            f"    if (d - q > ({t})0.5) q += 1;\n"
            f"    return q;\n"
            f"}}", ()),
    }


_HELPERS.update(_float_helpers("", "double"))
_HELPERS.update(_float_helpers("f", "float"))
_HELPERS["py_sq"] = ("static inline long py_sq(long a) "
                     "{ return (long)((unsigned long)a * (unsigned long)a); }", ())

HELPER_NAMES = frozenset(_HELPERS)


def vector_math_declarations(names) -> list[str]:
    """OpenMP ``declare simd`` declarations of the math functions ``names`` (keys of
    :data:`polyopt.hardware.VECTOR_MATH`), double and float: a SIMD loop calling them calls their
    vector variants."""
    out = []
    for name in sorted(names):
        for ctype, suffix in (("double", ""), ("float", "f")):
            args = ", ".join([ctype] * VECTOR_MATH[name])
            out += ["#pragma omp declare simd notinbranch", f"{ctype} {name}{suffix}({args});"]
    return out


def helper_definitions(used: set[str] | frozenset[str]) -> list[str]:
    """C definitions of the helpers in ``used`` and of those they depend on, in a fixed order."""
    needed: set[str] = set()
    stack = list(used)
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        if name not in _HELPERS:
            raise CodegenError(f"unknown C helper {name!r}")
        needed.add(name)
        stack.extend(_HELPERS[name][1])
    return [_HELPERS[n][0] for n in _HELPERS if n in needed]


def used_helpers(e: CExpr) -> set[str]:
    """Names of helper functions called anywhere in ``e``."""
    out: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Call):
            if x.func in _HELPERS:
                out.add(x.func)
            stack.extend(x.args)
        elif isinstance(x, Binary):
            stack += [x.left, x.right]
        elif isinstance(x, (Unary, Cast)):
            stack.append(x.operand)
        elif isinstance(x, Ternary):
            stack += [x.cond, x.then, x.orelse]
        elif isinstance(x, Index):
            stack += [x.base, x.index]
    return out


def substitute(e: CExpr, values: dict[str, CExpr]) -> CExpr:
    """``e`` with each variable named in ``values`` replaced by its expression."""
    if isinstance(e, Var):
        return values.get(e.name, e)
    if isinstance(e, Binary):
        return Binary(e.op, substitute(e.left, values), substitute(e.right, values))
    if isinstance(e, Unary):
        return Unary(e.op, substitute(e.operand, values))
    if isinstance(e, Cast):
        return Cast(e.ctype, substitute(e.operand, values))
    if isinstance(e, Ternary):
        return Ternary(substitute(e.cond, values), substitute(e.then, values), substitute(e.orelse, values))
    if isinstance(e, Call):
        return Call(e.func, tuple(substitute(a, values) for a in e.args))
    if isinstance(e, Index):
        return Index(substitute(e.base, values), substitute(e.index, values))
    return e
