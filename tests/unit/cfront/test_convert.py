"""The C front end's conversion of #pragma scop regions to KernelDef, and its error messages."""

import pytest

from polyopt.cfront import convert_region, parse_file
from polyopt.errors import KernelSyntaxError, PolyoptError
from polyopt.frontend import syntax as sx

HEAD = ("#define N 10\n#define MIN(a,b) ((a)<(b)?(a):(b))\n"
        "void f(int n, double A[N][N], double x[N], double s) {\n  int i, j;\n")


def convert(body: str):
    parsed = parse_file(HEAD + "#pragma scop\n" + body + "\n#pragma endscop\n}\n", "t.c")
    return convert_region(parsed, parsed.regions[0])


def test_loops_params_and_minmax():
    r = convert("for (i = 0; i < MIN(n, N); i++)\n  for (j = i; j >= 0; j -= 2)\n    A[i][j] = s * x[j];")
    k = r.kernel
    assert k.params == ("n",)
    outer = k.body[0]
    assert isinstance(outer, sx.For) and outer.upper == sx.Call("min", (sx.Name("n", "param"), sx.Const(10)))
    inner = outer.body[0]
    assert inner.step == -2 and inner.upper == sx.Const(-1)
    assert {a.name: a.kind for a in k.args} == {"A": "array", "x": "array", "s": "scalar", "n": "int"}
    assert len(r.statements) == 1


def test_written_scalar_is_an_array_of_rank_zero():
    r = convert("for (i = 0; i < n; i++) s += x[i];")
    assert r.kernel.argument("s").kind == sx.Argument.ARRAY and r.kernel.argument("s").shape == ()


@pytest.mark.parametrize("body, message", [
    ("for (i = 0; i < n; i++) A[i][x[i]] = 0;", "data-dependent subscript"),
    ("for (i = 0; i < n * n; i++) x[i] = 0;", "multiplies two variables"),
    ("for (i = 0; i < n; i++) x[i] = g(i);", "call of `g`"),
    ("for (i = 0; i < n; i++) { double t = 1; x[i] = t; }", "a declaration"),
    ("for (i = 0; i < n; i += n) x[i] = 0;", "unsupported loop increment"),
    ("for (i = 0; i < n; i++) if (x[i] > 0) x[i] = 0;", "data-dependent condition"),
    ("for (i = 0; i < n; i--) x[i] = 0;", "direction of the increment"),
])
def test_unsupported_constructs_name_the_line(body, message):
    with pytest.raises(KernelSyntaxError) as info:
        convert(body)
    assert message in str(info.value) and "t.c:6:" in str(info.value)


def test_iterator_read_after_region_is_rejected():
    parsed = parse_file(HEAD + "#pragma scop\nfor (i = 0; i < n; i++) x[i] = 0;\n#pragma endscop\n"
                        "  x[0] = i;\n}\n", "t.c")
    with pytest.raises(KernelSyntaxError, match="read after the region"):
        convert_region(parsed, parsed.regions[0])


def test_unmatched_pragma():
    with pytest.raises(PolyoptError, match="without a matching #pragma endscop"):
        parse_file(HEAD + "#pragma scop\n x[0] = 1;\n}\n", "t.c")


def test_chained_assignment_is_two_statements_in_c_order():
    parsed = parse_file("void f(double s) {\n  double a, b;\n#pragma scop\n  a = b = s * 2;\n#pragma endscop\n}\n",
                        "t.c")
    r = convert_region(parsed, parsed.regions[0])
    from polyopt.cfront.exprs import c_text

    assert [c_text(s) for s in r.statements] == ["b = s * 2", "a = b"]
    assert [s.target.array for s in r.kernel.body] == ["b", "a"]


def test_comma_in_a_for_header_is_an_induction_variable():
    r = convert("for (i = 0, j = N - 1; i < n; i++, j--)\n  x[j] = A[i][j];")
    from polyopt.cfront.exprs import c_text

    assert c_text(r.statements[0]) == "x[(10 - 1) - i] = A[i][(10 - 1) - i]"
    (loop,) = r.kernel.body
    assert loop.var == "i" and loop.body[0].target.indices[0] == sx.BinOp(
        "+", sx.Const(9), sx.BinOp("*", sx.Const(-1), sx.BinOp("-", sx.Name("i", "iter"), sx.Const(0))))


def test_pointer_parameters_are_arrays_of_unknown_extent():
    parsed = parse_file("void f(int n, const double *x, double *restrict y) {\n#pragma scop\n"
                        "  for (int i = 0; i < n; i++) y[i] += *x * x[i];\n#pragma endscop\n}\n", "t.c")
    r = convert_region(parsed, parsed.regions[0])
    assert set(r.unknown_extents) == {"x", "y"}
    assert r.vars["y"].restrict and not r.vars["x"].restrict and r.vars["x"].pointer


def test_the_written_element_as_the_statement_spells_it():
    """What a register block replaces in a region's statement (polyopt.cfront.optimize.target_text):
    the written element as printed, and how many references to its array are spelled otherwise."""
    from polyopt.cfront.optimize import target_text

    def target(body: str):
        r = convert("for (i = 0; i < N; i++)\n  for (j = 0; j < N; j++)\n    " + body)
        return target_text(r.statements[0], {"i": "(c1)", "j": "(c2)"}, {"i", "j"})

    found = target("A[i][j] += s * A[j][i] + A[i][j];")
    assert (found.text, found.others) == ("A[(c1)][(c2)]", 1)
    assert target("A[i][j]++;").text == "A[(c1)][(c2)]"
    assert target("A[i][j] = A[i][0 + j] * s;").others == 1  # the same element, spelled otherwise
