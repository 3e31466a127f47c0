"""The frontend turns accepted kernels into the expected syntax trees (``loc`` excluded from ==)."""

import importlib.util
import math
import textwrap
from math import sqrt
from pathlib import Path

import numpy as np
import pytest

import polyopt as po
from polyopt.frontend import parse_kernel
from polyopt.frontend import syntax as sx
from polyopt.frontend.types import f32, f64, i64

N, M, K = po.symbols("N M K")
Q = po.symbols("Q")
_LINES = Path(__file__).read_text().splitlines()


def I(name):  # noqa: E743 - short constructors keep expected trees readable
    return sx.Name(name, sx.Name.ITER)


def P(name):
    return sx.Name(name, sx.Name.PARAM)


def S(name):
    return sx.Name(name, sx.Name.SCALAR)


C = sx.Const


def acc(array, *indices):
    return sx.Access(array, tuple(indices))


def b(op, left, right):
    return sx.BinOp(op, left, right)


def loop(var, lower, upper, *body, step=1):
    return sx.For(var, lower, upper, step, tuple(body))


def marker_line(marker):
    """The 1-based line of this file that ends with ``# marker``."""
    return next(n for n, line in enumerate(_LINES, 1) if line.rstrip().endswith(f"# {marker}"))


# ---------------------------------------------------------------- a whole kernel


def gemm(alpha: po.f64, beta: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            C[i, j] *= beta
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


def test_gemm_tree_args_and_params():
    kd = parse_kernel(gemm)
    assert kd.name == "gemm"
    assert kd.params == ("N", "M", "K")
    assert kd.locals == ()
    assert [(a.name, a.kind, a.dtype) for a in kd.args] == [
        ("alpha", "scalar", f64), ("beta", "scalar", f64), ("C", "array", f64), ("A", "array", f64),
        ("B", "array", f64)]
    assert tuple(map(str, kd.argument("A").shape)) == ("N", "K")
    expected = (loop("i", C(0), P("N"),
                     loop("j", C(0), P("M"), sx.Assign(acc("C", I("i"), I("j")), "*", S("beta"))),
                     loop("k", C(0), P("K"),
                          loop("j", C(0), P("M"), sx.Assign(
                              acc("C", I("i"), I("j")), "+",
                              b("*", b("*", S("alpha"), acc("A", I("i"), I("k"))),
                                acc("B", I("k"), I("j"))))))),)
    assert kd.body == expected


def test_kernel_def_file_lines_and_source():
    kd = parse_kernel(gemm)
    assert kd.file == __file__
    assert _LINES[kd.first_line - 1].startswith("def gemm(")
    assert kd.source.startswith("def gemm(") and "C[i, j] += alpha" in kd.source


def kitchen_sink(x: po.f64, A: po.f64[N, M], n: int):
    for i in range(N):
        for j in range(max(0, i - n), M, 2):
            if i % 2 and not 0 <= j < i:
                s = x if A[i, j] > 0 else -math.sqrt(abs(A[i][j]))
                A[i, j] = s ** 2 + float(j) // 3
            elif True:
                A[i, j] /= n


@pytest.mark.parametrize("func", [gemm, kitchen_sink])
def test_every_node_has_a_location_on_its_line(func):
    kd = parse_kernel(func)
    stack = list(kd.body)
    seen = 0
    while stack:
        node = stack.pop()
        assert node.loc is not None and node.loc.file == __file__
        assert node.loc.source_line == _LINES[node.loc.line - 1]
        seen += 1
        for value in vars(node).values():
            items = value if isinstance(value, tuple) else (value,)
            stack += [x for x in items if isinstance(x, (sx.Expr, sx.Stmt))]
    assert seen > 20


def test_nested_kernel_columns_are_those_of_the_file():
    def outer():
        def scale(A: po.f64[N]):
            for i in range(N):
                A[i] = A[i] * 2  # nested-col
        return scale

    kd = parse_kernel(outer())
    assign = kd.body[0].body[0]
    line = marker_line("nested-col")
    assert assign.loc.line == line
    assert assign.loc.col == _LINES[line - 1].index("A[i] =")
    assert assign.value.right.loc.col == _LINES[line - 1].index("2  #")


def _decorate(f):
    return f


@_decorate
def decorated(A: po.f64[N]):  # decorated-def
    for i in range(N):
        A[i] = 0.0


def test_first_line_is_the_def_not_the_decorator():
    kd = parse_kernel(decorated)
    assert kd.first_line == marker_line("decorated-def")
    assert kd.source.startswith("@_decorate")
    assert kd.body[0].loc.line == marker_line("decorated-def") + 1


# ---------------------------------------------------------------- loops


def test_range_forms():
    def k(A: po.f64[N + 2, 2 * M]):
        for i in range(1, N - 1):
            for j in range(0, M, 2):
                A[i, j] = 0.0
        for i in range(N - 2, -1, -1):
            for j in range(max(0, i - 1), min(M, i + 3, 2 * N)):
                A[i // 2, 3 * j % 5] = 1.0
            for j in range(i * 2 + 1, -(N // 3)):
                A[i, j] = 2.0

    body = parse_kernel(k).body
    assert body[0] == loop("i", C(1), b("-", P("N"), C(1)),
                           loop("j", C(0), P("M"), sx.Assign(acc("A", I("i"), I("j")), None, C(0.0)), step=2))
    inner = loop("j", sx.Call("max", (C(0), b("-", I("i"), C(1)))),
                 sx.Call("min", (P("M"), b("+", I("i"), C(3)), b("*", C(2), P("N")))),
                 sx.Assign(acc("A", b("//", I("i"), C(2)), b("%", b("*", C(3), I("j")), C(5))), None, C(1.0)))
    third = loop("j", b("+", b("*", I("i"), C(2)), C(1)), sx.UnaryOp("-", b("//", P("N"), C(3))),
                 sx.Assign(acc("A", I("i"), I("j")), None, C(2.0)))
    assert body[1] == loop("i", b("-", P("N"), C(2)), C(-1), inner, third, step=-1)


def test_constant_subexpressions_are_folded():
    def k(A: po.f64[N]):
        for i in range(-1 + 2, N - (2 * 3), 5 // 2 % 3):
            A[i // (1 + 1)] = 0.0

    (f,) = parse_kernel(k).body
    assert (f.lower, f.upper, f.step) == (C(1), b("-", P("N"), C(6)), 2)
    assert f.body[0].target == acc("A", b("//", I("i"), C(2)))


def test_int_argument_is_a_parameter_after_the_size_symbols():
    def k(T: int, A: po.f64[M, N], B: po.f64[K + 1, N], U: int):
        for t in range(T):
            for i in range(U):
                A[i, t] = B[t, i] + T

    kd = parse_kernel(k)
    assert kd.params == ("M", "N", "K", "T", "U")
    assert kd.argument("T").kind == sx.Argument.INT and kd.argument("T").dtype is i64
    assert kd.body[0].upper == P("T")
    assert kd.body[0].body[0].body[0].value == b("+", acc("B", I("t"), I("i")), P("T"))


def test_params_in_first_appearance_order():
    def k(A: po.f64[Q], B: po.f64[K, N + Q], C: po.f64[M]):
        pass

    assert parse_kernel(k).params == ("Q", "K", "N", "M")


def test_size_inferable_through_another_extent():
    def k(A: po.f64[N + M], B: po.f64[N]):
        for i in range(N + M):
            A[i] = 0.0

    assert parse_kernel(k).params == ("M", "N")


def test_size_symbols_from_the_closure_and_renamed_symbols():
    n = po.symbols("Len")

    def k(A: po.f64[n]):
        for i in range(n):
            A[i] = i

    kd = parse_kernel(k)
    assert kd.params == ("Len",)
    assert kd.body[0].upper == P("Len")
    assert kd.body[0].body[0].value == I("i")


def test_string_annotations_with_closure_symbols(tmp_path):
    src = textwrap.dedent('''
        from __future__ import annotations
        import polyopt as po

        def make():
            R = po.symbols("R")

            def k(x: po.f32, A: po.f32[R, 2 * R], n: int):
                for i in range(R):
                    A[i, 2 * i] = x
            return k
        ''')
    path = tmp_path / "future_mod.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("future_mod", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    kd = parse_kernel(mod.make())
    assert kd.params == ("R", "n")
    assert kd.argument("A").dtype is f32 and kd.argument("x").kind == sx.Argument.SCALAR
    assert kd.file == str(path)
    assert kd.body[0].loc.line == 9 and kd.body[0].loc.col == 8


# ---------------------------------------------------------------- conditions


def test_if_elif_else_and_chained_comparisons():
    def k(A: po.f64[N, N]):
        for i in range(N):
            for j in range(N):
                if 0 <= i - 1 < j:
                    A[i, j] = 1.0
                elif i % 2 == 0 and not (j > 3 or i != j):
                    A[i, j] = 2.0
                elif max(i, j) >= N - 1:
                    pass
                else:
                    A[i, j] = 3.0

    (stmt,) = parse_kernel(k).body[0].body[0].body
    im1 = b("-", I("i"), C(1))
    assert stmt.cond == sx.BoolOp("and", (sx.Compare("<=", C(0), im1), sx.Compare("<", im1, I("j"))))
    second = stmt.orelse[0]
    assert second.cond == sx.BoolOp("and", (
        sx.Compare("==", b("%", I("i"), C(2)), C(0)),
        sx.Not(sx.BoolOp("or", (sx.Compare(">", I("j"), C(3)), sx.Compare("!=", I("i"), I("j")))))))
    third = second.orelse[0]
    assert third.cond == sx.Compare(">=", sx.Call("max", (I("i"), I("j"))), b("-", P("N"), C(1)))
    assert third.then == ()
    assert third.orelse == (sx.Assign(acc("A", I("i"), I("j")), None, C(3.0)),)


def test_truthiness_condition_is_compare_with_zero():
    def k(A: po.f64[N]):
        for i in range(N):
            if i % 3:
                A[i] = 1.0

    cond = parse_kernel(k).body[0].body[0].cond
    assert cond == sx.Compare("!=", b("%", I("i"), C(3)), C(0))


# ---------------------------------------------------------------- statements and values


def test_chained_subscript_is_one_access():
    def k(A: po.f64[N, M], B: po.f64[N, M]):
        for i in range(N):
            for j in range(M):
                A[i][j] = B[i][j + 0] + B[i, j]

    a = parse_kernel(k).body[0].body[0].body[0]
    assert a.target == acc("A", I("i"), I("j"))
    assert a.value == b("+", acc("B", I("i"), b("+", I("j"), C(0))), acc("B", I("i"), I("j")))


def test_augmented_operators():
    def k(A: po.f64[N]):
        for i in range(N):
            A[i] += 1.0
            A[i] -= 1.0
            A[i] *= 2.0
            A[i] /= 2.0

    ops = [s.op for s in parse_kernel(k).body[0].body]
    assert ops == ["+", "-", "*", "/"]


def test_math_and_numpy_calls_are_identified_by_object():
    mymath = math

    def k(x: po.f64, A: po.f64[N], B: po.f64[N]):
        for i in range(N):
            A[i] = sqrt(B[i]) + np.sqrt(x) + mymath.exp(B[i]) + np.abs(B[i]) + abs(x)
            B[i] = pow(A[i], 2) + math.pow(x, 0.5) + np.power(x, 3) + min(x, A[i], 1.0) + max(x, 0)
            A[i] = math.floor(x) + np.ceil(x) + math.fabs(x) + np.tanh(x) + math.log(x) + float(i) + int(x)
            B[i] = np.minimum(x, 1.0) + np.maximum(x, 2.0) + math.sin(x) * np.cos(x) + math.pi - np.e

    def calls(e):
        if isinstance(e, sx.Call):
            return [e.func]
        if isinstance(e, sx.BinOp):
            return calls(e.left) + calls(e.right)
        return []

    body = parse_kernel(k).body[0].body
    assert calls(body[0].value) == ["sqrt", "sqrt", "exp", "abs", "abs"]
    assert calls(body[1].value) == ["pow", "pow", "pow", "min", "max"]
    assert calls(body[2].value) == ["floor", "ceil", "fabs", "tanh", "log", "float", "int"]
    assert calls(body[3].value) == ["min", "max", "sin", "cos"]
    assert body[3].value.left.right == C(math.pi) and body[3].value.right == C(np.e)
    assert body[1].value.left.left.left.left == sx.Call("pow", (acc("A", I("i")), C(2)))


def test_value_operators_ifexp_and_unary():
    def k(x: po.f64, A: po.f64[N], B: po.i32[N]):
        for i in range(N):
            A[i] = -A[i] ** 2 + (x if A[i] > x and not B[i] == 0 else -1.5) + B[i] // 2 % 3 + +x
            A[i] = A[i] ** -2 + i * N

    body = parse_kernel(k).body[0].body
    cond = sx.BoolOp("and", (sx.Compare(">", acc("A", I("i")), S("x")),
                             sx.Not(sx.Compare("==", acc("B", I("i")), C(0)))))
    expected = b("+", b("+", b("+", sx.UnaryOp("-", b("**", acc("A", I("i")), C(2))),
                                   sx.IfExp(cond, S("x"), C(-1.5))),
                        b("%", b("//", acc("B", I("i")), C(2)), C(3))),
                 sx.UnaryOp("+", S("x")))
    assert body[0].value == expected
    assert body[1].value == b("+", b("**", acc("A", I("i")), C(-2)), b("*", I("i"), P("N")))


def test_docstring_pass_and_final_return_are_ignored():
    def k(A: po.f64[N]):
        """Docstring."""
        pass
        for i in range(N):
            pass
            A[i] = 0.0
        return

    body = parse_kernel(k).body
    assert body == (loop("i", C(0), P("N"), sx.Assign(acc("A", I("i")), None, C(0.0))),)


# ---------------------------------------------------------------- temporaries


def test_locals_are_accesses_with_inferred_dtypes():
    def k(x: po.f32, A: po.f32[N], B: po.f64[N], I32: po.i32[N]):
        for i in range(N):
            s = A[i] * x          # f32 only
            t = s + 1             # from a f32 temporary
            u = A[i] + B[i]       # widest float
            v = I32[i] + i        # ints only
            w = v / 2             # true division
            y = math.sqrt(i)      # float function
            z = 1.5               # float literal
            B[i] = s + t + u + v + w + y + z

    kd = parse_kernel(k)
    assert [(loc.name, loc.dtype) for loc in kd.locals] == [
        ("s", f32), ("t", f32), ("u", f64), ("v", i64), ("w", f64), ("y", f64), ("z", f64)]
    first = kd.body[0].body[0]
    assert first == sx.Assign(acc("s"), None, b("*", acc("A", I("i")), S("x")))
    assert kd.body[0].body[1].value == b("+", acc("s"), C(1))


def test_local_dtype_fixed_point_over_later_assignments():
    def k(A: po.f64[N], B: po.f32[N]):
        s = 0
        for i in range(N):
            t = s
            s += B[i]
            A[i] = t

    kd = parse_kernel(k)
    assert {loc.name: loc.dtype for loc in kd.locals} == {"s": f32, "t": f32}
    assert kd.locals[0].loc.line == kd.body[0].loc.line


def test_ifexp_condition_does_not_type_the_local():
    def k(A: po.f64[N], B: po.i64[N]):
        for i in range(N):
            c = B[i] if A[i] > 0.5 else 0
            B[i] = c

    assert parse_kernel(k).locals == (sx.Local("c", i64),)


@pytest.mark.parametrize("value, dtype", [("1", i64), ("1.0", f64), ("i / 2", f64), ("x", f32),
                                          ("x + y", f64), ("float(i)", f64), ("i ** -1", f64)])
def test_local_dtype_rules(tmp_path, value, dtype):
    src = textwrap.dedent(f'''
        import polyopt as po
        N = po.symbols("N")

        def k(x: po.f32, y: po.f64, A: po.f64[N]):
            for i in range(N):
                t = {value}
                A[i] = t
        ''')
    path = tmp_path / "dtype_mod.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("dtype_mod", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert parse_kernel(mod.k).locals == (sx.Local("t", dtype),)
