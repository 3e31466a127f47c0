"""Rejected kernels: every problem reported at once, at the exact line and column, with a hint.

Expected positions come from this file itself: the offending line ends with ``# <marker>`` and
the column is where a given snippet starts on that line.
"""
# The kernels below are wrong on purpose (undefined names, unused variables, shadowed loops,
# two statements on one line).
# ruff: noqa: F821, F823, F841, B007, E702

from pathlib import Path

import pytest

import polyopt as po
from polyopt.errors import KernelSyntaxError
from polyopt.frontend import parse_kernel

N, M = po.symbols("N M")
TSTEPS = po.symbols("TSTEPS")
SCALE = 3
_LINES = Path(__file__).read_text().splitlines()


def where(marker, snippet):
    """(line, col) of ``snippet`` on the line of this file ending with ``# marker``."""
    for n, line in enumerate(_LINES, 1):
        if line.rstrip().endswith(f"# {marker}"):
            return n, line.index(snippet)
    raise AssertionError(f"no marker {marker}")


def diagnostics(func):
    with pytest.raises(KernelSyntaxError) as info:
        parse_kernel(func)
    assert info.value.kernel_name == func.__name__
    return info.value.diagnostics


def expect(diags, marker, snippet, *words):
    """Exactly one diagnostic at the marked position; its message contains ``words``."""
    line, col = where(marker, snippet)
    found = [d for d in diags if (d.location.line, d.location.col) == (line, col)]
    assert len(found) == 1, f"{marker}: {[(d.location.line, d.location.col, d.message) for d in diags]}"
    d = found[0]
    for w in words:
        assert w in d.message, d.message
    assert d.hint
    assert d.location.file == __file__
    assert d.location.source_line == _LINES[line - 1]
    return d


def only(func, marker, snippet, *words):
    diags = diagnostics(func)
    assert len(diags) == 1, [d.message for d in diags]
    return expect(diags, marker, snippet, *words)


# ---------------------------------------------------------------- several problems at once


def test_all_problems_are_reported_together_in_order():
    def k(alpha: po.f64, A: po.f64[N, M], B: po.f64[N]):
        for i in range(N):
            for j in range(M):
                A[i * j, 0] = A[B[i], j]  # many-1
                while j < 3:  # many-2
                    break
        alpha = 2.0  # many-3
        A[0] = 1.0  # many-4
        A[0, 0] = undefined_name  # many-5

    diags = diagnostics(k)
    assert len(diags) == 6
    expect(diags, "many-1", "i * j", "non-affine subscript")
    expect(diags, "many-1", "B[i]", "non-affine subscript", "'B'")
    expect(diags, "many-2", "while", "while")
    expect(diags, "many-3", "alpha", "scalar argument 'alpha'")
    expect(diags, "many-4", "A[0]", "2 dimensions", "1 subscript")
    expect(diags, "many-5", "undefined_name", "unknown name 'undefined_name'")
    assert [d.location.line for d in diags] == sorted(d.location.line for d in diags)


def test_rendered_message_has_caret_under_the_column():
    def k(A: po.f64[N]):
        for i in range(N):
            A[i * i] = 0.0  # caret

    with pytest.raises(KernelSyntaxError) as info:
        parse_kernel(k)
    text = str(info.value)
    line, col = where("caret", "i * i")
    assert text.startswith("1 problem in kernel 'k':")
    assert f"{__file__}:{line}:{col + 1}: non-affine subscript" in text
    lines = text.splitlines()
    src = next(k for k, ln in enumerate(lines) if ln.strip().startswith("A[i * i] = 0.0"))
    assert lines[src + 1].index("^") == lines[src].index("i * i")
    assert "hint:" in lines[src + 2]


def test_columns_count_characters_after_non_ascii_text():
    def k(α: po.f64, A: po.f64[N]):
        for i in range(N):
            t = α; A[i * i] = t  # uni

    d = only(k, "uni", "i * i", "non-affine subscript")
    assert d.location.col != _LINES[d.location.line - 1].encode().index(b"i * i")


# ---------------------------------------------------------------- subscripts and bounds


def test_non_affine_subscripts():
    def k(A: po.f64[N], B: po.i64[N], x: po.f64):
        for i in range(N):
            A[i * i] = 0.0  # sub-1
            A[B[i]] = 0.0  # sub-2
            A[i // x] = 0.0  # sub-3
            A[i / 2] = 0.0  # sub-4
            A[i % 0] = 0.0  # sub-5
            A[abs(i)] = 0.0  # sub-6

    diags = diagnostics(k)
    assert len(diags) == 6
    expect(diags, "sub-1", "i * i", "multiplies two non-constant")
    expect(diags, "sub-2", "B[i]", "reads the array 'B'")
    expect(diags, "sub-3", "x]", "scalar argument 'x'")
    expect(diags, "sub-4", "i / 2", "true division")
    expect(diags, "sub-5", "0]", "by 0")
    expect(diags, "sub-6", "abs(i)", "abs()")


def test_data_dependent_bounds():
    def k(A: po.f64[N], n: po.i64, x: po.f64):
        for i in range(int(A[0])):  # bound-1
            A[i] = 0.0
        for i in range(n):  # bound-2
            A[i] = 0.0
        for i in range(0, N * N):  # bound-3
            A[i] = 0.0
        s = 1
        for i in range(s):  # bound-4
            A[i] = x

    diags = diagnostics(k)
    assert len(diags) == 4
    expect(diags, "bound-1", "int(A[0])", "data-dependent loop bound")
    d = expect(diags, "bound-2", "n)", "data-dependent loop bound", "scalar argument 'n'")
    assert "`int`" in d.hint
    expect(diags, "bound-3", "N * N", "non-affine loop bound")
    expect(diags, "bound-4", "s)", "temporary 's'")


def test_wrong_number_of_indices():
    def k(A: po.f64[N, M], B: po.f64[N]):
        for i in range(N):
            B[i] = A[i]  # rank-1
            B[i, i] = A[i][i][i]  # rank-2

    diags = diagnostics(k)
    assert len(diags) == 3
    expect(diags, "rank-1", "A[i]", "'A' has 2 dimensions but is indexed with 1 subscript")
    expect(diags, "rank-2", "B[i, i]", "'B' has 1 dimension but is indexed with 2 subscripts")
    expect(diags, "rank-2", "A[i][i][i]", "indexed with 3 subscripts")


def test_slices_and_unsubscripted_arrays():
    def k(A: po.f64[N], B: po.f64[N]):
        for i in range(N):
            A[i] = B  # arr-1
            A[i] = B[1:3]  # arr-2

    diags = diagnostics(k)
    assert len(diags) == 2
    expect(diags, "arr-1", "B  #", "array 'B' is used without a subscript")
    expect(diags, "arr-2", "1:3", "slices")


# ---------------------------------------------------------------- loops


def test_loop_steps():
    def k(A: po.f64[N]):
        for i in range(0, N, N):  # step-1
            A[i] = 0.0
        for i in range(0, N, 0):  # step-2
            A[i] = 0.0
        for i in range(0, N, 1.5):  # step-3
            A[i] = 0.0

    diags = diagnostics(k)
    assert len(diags) == 3
    expect(diags, "step-1", "N)", "integer constant")
    expect(diags, "step-2", "0)", "must not be zero")
    expect(diags, "step-3", "1.5", "1.5 is not an integer")


def test_range_arity_and_non_range_iterables():
    def k(A: po.f64[N]):
        for i in range():  # it-1
            A[i] = 0.0
        for i in range(0, 1, 2, 3):  # it-2
            A[i] = 0.0
        for x in A:  # it-3
            pass
        for i in reversed(range(N)):  # it-4
            A[i] = 0.0
        for i in range(stop=N):  # it-5
            A[i] = 0.0

    diags = diagnostics(k)
    assert len(diags) == 5
    expect(diags, "it-1", "range()", "range() takes 1 to 3 positional arguments")
    expect(diags, "it-2", "range(", "range() takes 1 to 3")
    expect(diags, "it-3", "A:", "only loop over range()")
    d = expect(diags, "it-4", "reversed", "only loop over range()")
    assert "-1" in d.hint
    expect(diags, "it-5", "range(", "range() takes 1 to 3")


def test_loop_variable_rules():
    def k(A: po.f64[N], x: po.f64):
        for i in range(N):
            for i in range(N):  # lv-1
                A[i] = 0.0
            i = 3  # lv-2
        for x in range(N):  # lv-3
            pass
        for N in range(3):  # lv-4
            pass
        for A[0] in range(3):  # lv-5
            pass
        for j in range(N):
            pass
        A[j] = 1.0  # lv-6
        for k in range(N):  # lv-7
            A[k] = 0.0
        else:
            pass

    diags = diagnostics(k)
    assert len(diags) == 7
    expect(diags, "lv-1", "i in", "shadows the enclosing loop variable")
    expect(diags, "lv-2", "i = 3", "assignment to the loop variable 'i'")
    expect(diags, "lv-3", "x in", "shadows the argument 'x'")
    expect(diags, "lv-4", "N in", "size parameter 'N'")
    expect(diags, "lv-5", "A[0] in", "plain name")
    expect(diags, "lv-6", "j]", "loop variable 'j' is used outside its loop")
    expect(diags, "lv-7", "for k", "`for ... else` is not supported")


# ---------------------------------------------------------------- statements


def test_forbidden_statements():
    def k(A: po.f64[N]):
        global SCALE  # st-1
        for i in range(N):
            if i > 2:
                continue  # st-2
            with open("x"):  # st-3
                pass
            try:  # st-4
                pass
            except Exception:
                pass

            def helper():  # st-5
                pass

            class Local:  # st-6
                pass
            A[i] = (lambda: 1.0)()  # st-7
            print(i)  # st-8
            return 1  # st-9
        return  # st-10

    diags = diagnostics(k)
    assert len(diags) == 9
    expect(diags, "st-1", "global", "`global`")
    expect(diags, "st-2", "continue", "`continue`")
    expect(diags, "st-3", "with", "`with`")
    expect(diags, "st-4", "try", "`try`")
    expect(diags, "st-5", "def", "nested function")
    expect(diags, "st-6", "class", "class definitions")
    expect(diags, "st-7", "lambda", "lambda expressions are not supported")
    expect(diags, "st-8", "print", "has no effect")
    expect(diags, "st-9", "return", "cannot return a value")


def test_nonlocal_and_early_return():
    count = 0

    def k(A: po.f64[N]):
        nonlocal count  # nl-1
        for i in range(N):
            return  # nl-2
        A[0] = 1.0

    diags = diagnostics(k)
    assert len(diags) == 2
    expect(diags, "nl-1", "nonlocal", "`nonlocal`")
    expect(diags, "nl-2", "return", "last statement")
    assert count == 0


def test_assignment_targets():
    def k(alpha: po.f64, n: int, A: po.f64[N]):
        for i in range(N):
            alpha = 1.0  # as-1
            n += 1  # as-2
            a, b = 1.0, 2.0  # as-3
            A = 0.0  # as-4
            A[i] //= 2  # as-5
            A[i] = A[i] = 1.0  # as-6
            t: float = 1.0  # as-7
            A[i] **= 2  # as-8

    diags = diagnostics(k)
    assert len(diags) == 8
    expect(diags, "as-1", "alpha", "assignment to the scalar argument 'alpha'")
    expect(diags, "as-2", "n +=", "assignment to the size argument 'n'")
    expect(diags, "as-3", "a, b", "tuple")
    expect(diags, "as-4", "A = 0.0", "array 'A' without a subscript")
    expect(diags, "as-5", "A[i] //=", "`//=`")
    expect(diags, "as-6", "A[i] = 1.0", "chained assignment")
    expect(diags, "as-7", "t: float", "annotated")
    expect(diags, "as-8", "A[i] **=", "`**=`")


def test_local_read_before_assignment():
    def k(A: po.f64[N]):
        for i in range(N):
            if i > 0:
                A[i] = t  # rb-1
            t = A[i]
            u += 1.0  # rb-2
            w = w + 1.0  # rb-3

    diags = diagnostics(k)
    assert len(diags) == 3
    expect(diags, "rb-1", "t  #", "temporary 't' is read before it is assigned")
    expect(diags, "rb-2", "u +=", "temporary 'u' is read before")
    expect(diags, "rb-3", "w + 1.0", "temporary 'w' is read before")


def test_temporary_named_like_a_size():
    def k(A: po.f64[N]):
        for i in range(3):
            N = 2  # sz-1
            A[i] = N

    diags = diagnostics(k)
    expect(diags, "sz-1", "N = 2", "size parameter 'N'")


# ---------------------------------------------------------------- conditions and values


def test_data_dependent_conditions():
    def k(A: po.f64[N], x: po.f64):
        for i in range(N):
            if A[i] > 0:  # if-1
                A[i] = 0.0
            if i < x:  # if-2
                A[i] = 0.0
            if i is N:  # if-3
                A[i] = 0.0

    diags = diagnostics(k)
    assert len(diags) == 3
    d = expect(diags, "if-1", "A[i] >", "data-dependent condition", "'A'")
    assert "if cond else" in d.hint
    expect(diags, "if-2", "x:", "data-dependent condition", "'x'")
    expect(diags, "if-3", "i is", "`is`")


def test_value_errors():
    def k(A: po.f64[N], x: po.f64):
        for i in range(N):
            A[i] = x ** x  # val-1
            A[i] = A[i] ** 0.5  # val-2
            A[i] = (A[i] > x)  # val-3
            A[i] = A[i] & 1  # val-4
            A[i] = math_missing.sqrt(x)  # val-5
            A[i] = len(A)  # val-6
            A[i] = SCALE * x  # val-7
            A[i] = TSTEPS  # val-8
            A[i] = x.real  # val-9
            A[i] = max(x)  # val-10
            A[i] = "s"  # val-11
            A[i] = [x][0]  # val-12
            A[i] = x[0]  # val-13
            A[i] = 10 ** 30 + 99999999999999999999  # val-14

    diags = diagnostics(k)
    assert len(diags) == 15
    d = expect(diags, "val-1", "x  #", "exponent of `**` must be an integer constant")
    assert "pow(" in d.hint and "sqrt(" in d.hint
    expect(diags, "val-2", "0.5", "exponent")
    expect(diags, "val-3", "A[i] >", "not a value")
    expect(diags, "val-4", "A[i] & 1", "`&`")
    expect(diags, "val-5", "math_missing", "unknown function 'math_missing.sqrt'")
    expect(diags, "val-6", "len(A)", "unknown function 'len'")
    expect(diags, "val-7", "SCALE", "'SCALE' is a Python int value")
    d = expect(diags, "val-8", "TSTEPS", "size 'TSTEPS' cannot be inferred from the arguments")
    assert "`int` argument" in d.hint
    expect(diags, "val-9", "x.real", "not supported")
    expect(diags, "val-10", "max(x)", "'max' takes at least 2 arguments, got 1")
    expect(diags, "val-11", '"s"', "str constant")
    expect(diags, "val-12", "[x]", "not an element of an array argument")
    expect(diags, "val-13", "x[0]", "scalar argument 'x' is not an array")
    expect(diags, "val-14", "99999999999999999999", "does not fit in 64 bits")
    line, col = where("val-14", "10 ** 30")
    assert not any(d.location.line == line and d.location.col == col for d in diags)


def test_size_only_used_in_the_body_must_be_inferable():
    def k(A: po.f64[N]):
        for t in range(TSTEPS):  # ts-1
            for i in range(N):
                A[i] += 1.0

    d = only(k, "ts-1", "TSTEPS", "size 'TSTEPS' cannot be inferred from the arguments")
    assert "`int` argument or an array extent" in d.hint


# ---------------------------------------------------------------- signatures


def test_signature_errors():
    def k(a, b: float, c: po.f64[N * M], d: po.f64[N / 2], e=po.f64, *args: po.f64, f: po.f64, **kw):  # sig
        pass

    diags = diagnostics(k)
    expect(diags, "sig", "a,", "argument 'a' has no type annotation")
    d = expect(diags, "sig", "float", "unsupported annotation")
    assert "po.f64" in d.hint
    expect(diags, "sig", "po.f64[N * M]", "not affine")
    expect(diags, "sig", "po.f64[N / 2]", "non-integer coefficient")
    expect(diags, "sig", "args", "*args")
    expect(diags, "sig", "f:", "keyword-only")
    expect(diags, "sig", "kw", "**kw")
    expect(diags, "sig", "po.f64, *", "default argument values")
    assert len(diags) == 9  # also: e has no annotation


def test_non_inferable_sizes_and_name_clashes():
    def k(A: po.f64[N + M], N: int):  # clash
        pass

    diags = diagnostics(k)
    assert len(diags) == 3
    for name in ("N", "M"):
        assert any(f"size '{name}' cannot be inferred" in d.message for d in diags)
    expect(diags, "clash", "N: int", "same name as the size symbol")


# ---------------------------------------------------------------- source retrieval


def test_kernel_with_less_indented_string_line_still_parses():
    def k(A: po.f64[N]):
        """Docstring whose second line is less indented than the def.
"""
        for i in range(N):
            A[i] = i * 2.0  # dedent

    kd = parse_kernel(k)
    line, col = where("dedent", "A[i] =")
    assert (kd.body[0].body[0].loc.line, kd.body[0].body[0].loc.col) == (line, col)
