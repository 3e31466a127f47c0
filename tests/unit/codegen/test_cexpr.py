"""The C expression printer: exact golden strings, and random expressions evaluated in Python and C."""

from __future__ import annotations

import ctypes
import itertools
import random
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyopt.codegen import cexpr as ce
from polyopt.errors import CodegenError

V = ce.Var
I = ce.IntLit  # noqa: E741 - short names keep the golden cases readable
B = ce.Binary


@pytest.mark.parametrize("expr, text", [
    (B("<", V("c0"), B("-", V("N"), I(1))), "c0 < N - 1"),  # no outer parentheses on a loop test
    (B("-", V("a"), B("-", V("b"), V("c"))), "a - (b - c)"),
    (B("-", B("-", V("a"), V("b")), V("c")), "a - b - c"),
    (B("*", B("+", V("a"), V("b")), V("c")), "(a + b) * c"),
    (B("/", V("a"), B("*", V("b"), V("c"))), "a / (b * c)"),
    (B("%", B("*", V("a"), V("b")), I(4)), "a * b % 4"),
    (B("+", V("a"), B("*", V("b"), V("c"))), "a + b * c"),
    (B("||", B("&&", V("a"), V("b")), V("c")), "(a && b) || c"),
    (B("||", B("||", V("a"), V("b")), V("c")), "a || b || c"),
    (B("==", B("<", V("a"), V("b")), I(0)), "(a < b) == 0"),
    (ce.Unary("-", I(-3)), "-(-3)"),
    (ce.Unary("-", B("+", V("a"), V("b"))), "-(a + b)"),
    (B("-", V("a"), I(-3)), "a - -3"),
    (ce.Cast("double", B("+", V("a"), V("b"))), "(double)(a + b)"),
    (ce.Ternary(B("<", V("a"), V("b")), V("a"), ce.Ternary(V("c"), I(1), I(2))), "a < b ? a : (c ? 1 : 2)"),
    (ce.Index(V("A"), B("+", B("*", V("i"), V("N")), V("j"))), "A[i * N + j]"),
    (ce.Call("floord", (B("-", V("N"), I(1)), I(32))), "floord(N - 1, 32)"),
    (I(2**40), "1099511627776L"),
    (I(-(2**63)), "(-9223372036854775807L - 1)"),
    (ce.FloatLit(2.0, "float"), "2.0f"),
    (ce.FloatLit(1e-300), "1e-300"),
    (ce.FloatLit(3.0), "3.0"),
])
def test_golden(expr, text):
    assert ce.to_c(expr) == text


def test_add_reassociates_integer_sums():
    e = ce.add(ce.mul(V("i"), V("N")), B("+", V("c1"), ce.Unary("-", V("x"))))
    assert ce.to_c(e) == "i * N + c1 - x"
    assert ce.add(I(2), I(3)) == I(5) and ce.mul(V("a"), I(1)) == V("a")


def test_out_of_range_literal_is_an_error():
    with pytest.raises(CodegenError):
        ce.to_c(I(2**63))


def test_helpers_include_dependencies():
    defs = "\n".join(ce.helper_definitions({"ceild"}))
    assert "ceild" in defs and "floord" in defs and "py_mod" not in defs
    assert ce.used_helpers(ce.Call("ceild", (ce.Call("min", (V("a"), V("b"))), I(2)))) == {"ceild", "min"}


# ---------------------------------------------------------------- property: Python vs compiled C

NVARS = 3


def _c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _wrap(v: int) -> int:
    return (v + 2**63) % 2**64 - 2**63


def _eval(e, env):
    """Python evaluation with C's semantics (``long`` wrapping under -fwrapv) for our operators."""
    return _wrap(_eval_raw(e, env))


def _eval_raw(e, env):
    if isinstance(e, ce.Var):
        return env[e.name]
    if isinstance(e, ce.IntLit):
        return e.value
    if isinstance(e, ce.Unary):
        v = _eval(e.operand, env)
        return -v if e.op == "-" else int(not v)
    if isinstance(e, ce.Ternary):
        return _eval(e.then, env) if _eval(e.cond, env) else _eval(e.orelse, env)
    if isinstance(e, ce.Call):
        args = [_eval(a, env) for a in e.args]
        return {"floord": lambda a, b: a // b, "min": min, "max": max, "py_mod": lambda a, b: a % b,
                "py_floordiv": lambda a, b: a // b}[e.func](*args)
    a, b = _eval(e.left, env), _eval(e.right, env)
    ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: _c_div(a, b),
           "%": lambda: a - b * _c_div(a, b), "<": lambda: int(a < b), "<=": lambda: int(a <= b),
           ">": lambda: int(a > b), ">=": lambda: int(a >= b), "==": lambda: int(a == b),
           "!=": lambda: int(a != b), "&&": lambda: int(bool(a) and bool(b)),
           "||": lambda: int(bool(a) or bool(b))}
    return ops[e.op]()


_ARITH = ["+", "-", "*"]
_LOGIC = ["<", "<=", ">", ">=", "==", "!=", "&&", "||"]


def _random_expr(rng: random.Random, depth: int) -> ce.CExpr:
    """A random integer expression over x0..x2 mixing every operator the printer handles."""
    if depth == 0 or rng.random() < 0.15:
        return V(f"x{rng.randrange(NVARS)}") if rng.random() < 0.6 else I(rng.randint(-20, 20))
    sub = lambda: _random_expr(rng, depth - 1)  # noqa: E731
    divisor = I(rng.choice([-7, -3, -2, -1, 1, 2, 3, 5, 32]))
    kind = rng.randrange(10)
    if kind < 4:
        return B(rng.choice(_ARITH), sub(), sub())
    if kind == 4:
        return B(rng.choice(_LOGIC), sub(), sub())
    if kind == 5:
        return B(rng.choice(["/", "%"]), sub(), divisor)
    if kind == 6:
        return ce.Unary(rng.choice(["-", "-", "!"]), sub())
    if kind == 7:
        return ce.Ternary(sub(), sub(), sub())
    if kind == 8:
        return ce.Call(rng.choice(["min", "max"]), (sub(), sub()))
    return ce.Call(rng.choice(["floord", "py_mod", "py_floordiv"]), (sub(), divisor))


_counter = itertools.count()


def _compile(exprs, tmp_path):
    body = "\n".join(f"  out[{k}] = {ce.to_c(e)};" for k, e in enumerate(exprs))
    helpers = set().union(*(ce.used_helpers(e) for e in exprs))
    args = ", ".join(f"long x{k}" for k in range(NVARS))
    src = "\n".join(ce.helper_definitions(helpers)) + f"\nvoid f({args}, long *out) {{\n{body}\n}}\n"
    # A fresh file name per compilation: dlopen returns the already loaded library for a known path.
    name = f"e{next(_counter)}"
    c_file, so = tmp_path / f"{name}.c", tmp_path / f"{name}.so"
    c_file.write_text(src)
    subprocess.run(["gcc", "-O1", "-fPIC", "-shared", "-fwrapv", "-o", str(so), str(c_file)], check=True)
    lib = ctypes.CDLL(str(so))
    lib.f.restype = None
    return lib.f


@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1),
       values=st.lists(st.tuples(*[st.integers(-50, 50)] * NVARS), min_size=4, max_size=4))
def test_printed_expressions_evaluate_like_the_tree(seed, values, tmp_path):
    rng = random.Random(seed)
    exprs = [_random_expr(rng, 5) for _ in range(150)]
    f = _compile(exprs, tmp_path)
    out = (ctypes.c_long * len(exprs))()
    for vals in values:
        f(*[ctypes.c_long(v) for v in vals], out)
        env = {f"x{k}": v for k, v in enumerate(vals)}
        for k, e in enumerate(exprs):
            expected = _eval(e, env)
            assert out[k] == expected, ce.to_c(e)
