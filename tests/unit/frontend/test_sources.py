"""Kernels from unusual sources: unevaluable annotations, exec() and lambdas, and the property that the
frontend never crashes (mutated kernels are parsed or rejected with a clear PolyoptError)."""

import linecache
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polyopt as po
from polyopt.errors import KernelSyntaxError, PolyoptError
from polyopt.frontend import parse_kernel
from polyopt.frontend.syntax import KernelDef

N, M = po.symbols("N M")


# ---------------------------------------------------------------- source retrieval


def test_unevaluable_string_annotation(tmp_path):
    path = tmp_path / "bad_ann.py"
    path.write_text("from __future__ import annotations\nimport polyopt as po\n\n"
                    "def k(A: po.f64[NOPE]):\n    pass\n")
    func = _load(path, "k")
    with pytest.raises(KernelSyntaxError) as info:
        parse_kernel(func)
    (d,) = info.value.diagnostics
    assert (d.location.line, d.location.col) == (4, 9)
    assert "cannot be evaluated" in d.message and "NOPE" in d.message


def test_exec_defined_kernel_without_source_is_a_clear_error():
    ns = {"po": po, "N": N}
    exec("def k(A: po.f64[N]):\n    A[0] = 1.0\n", ns)
    with pytest.raises(PolyoptError) as info:
        parse_kernel(ns["k"])
    assert not isinstance(info.value, KernelSyntaxError)
    assert "cannot retrieve the source code of kernel 'k'" in str(info.value)
    assert "exec()" in info.value.hint


def test_lambda_and_non_functions_are_rejected():
    with pytest.raises(PolyoptError, match="lambda"):
        parse_kernel(lambda A: None)
    with pytest.raises(PolyoptError, match="`def`"):
        parse_kernel(len)
    with pytest.raises(PolyoptError, match="`def`"):
        parse_kernel(42)


# ---------------------------------------------------------------- property: never crash


_BASES = [
    '''def k(alpha: po.f64, A: po.f64[N, M], B: po.f32[M], n: int):
    for i in range(1, N - 1):
        for j in range(max(0, i - 2), min(M, n), 2):
            s = alpha * A[i, j] + B[j] / 2.0
            if 0 <= i - j < 3 and i % 2 == 0:
                A[i, j] += s if s > 0 else math.sqrt(-s)
            else:
                A[i][j] = -s ** 2
''',
    '''def k(x: po.f64, A: po.f64[N], B: po.f64[N, N]):
    for t in range(N - 1, -1, -1):
        u = 0.0
        for k in range(t + 1, N):
            u -= B[t, k] * A[k]
        A[t] = (x + u) / B[t, t]
    return
''',
]
_ATOMS = ["i", "j", "k", "t", "s", "u", "N", "M", "n", "A", "B", "x", "alpha", "math", "sqrt", "range",
          "min", "max", "abs", "int", "float", "print", "po", "f64", "0", "1", "2", "2.5", "True", "None"]
_TOKENS = ["i", "j", "k", "t", "s", "u", "N", "M", "n", "A", "B", "x", "alpha", "math", "sqrt", "range",
           "min", "max", "0", "1", "-1", "2.5", "+", "-", "*", "/", "//", "%", "**", "<", "==", "(", ")",
           "[", "]", ",", ":", "=", "+=", "if", "else", "for", "in", "not", "and", "pass", "return",
           "while", "break", "lambda", "A[i]", "B[i, j]", "po.f64", "int", "\n        "]
_counter = [0]


def _load(path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, name)


def _define(src):
    """Define kernel ``k`` from ``src`` with its source registered in linecache, or None."""
    _counter[0] += 1
    filename = f"<polyopt-fuzz-{_counter[0]}>"
    header = "from __future__ import annotations\n"
    text = header + src
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(text, filename, "exec")
    except (SyntaxError, ValueError):
        return None
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    import math

    ns = {"po": po, "N": N, "M": M, "math": math}
    try:
        exec(code, ns)
    except Exception:
        return None
    return ns.get("k")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(base=st.sampled_from(_BASES), data=st.data())
def test_parser_never_crashes_on_mutated_kernels(base, data):
    tokens = list(re.finditer(r"\w+|\*\*|//|\+=|-=|[^\s\w]", base))
    words = [m.span() for m in tokens if m.group()[0].isalnum() or m.group()[0] == "_"]
    spans = [m.span() for m in tokens]
    src = base
    for _ in range(data.draw(st.integers(1, 3))):
        # replacing a word by a word keeps the text valid Python most of the time
        kind = data.draw(st.sampled_from(["word"] * 3 + ["replace"] * 2 + ["delete", "insert"]))
        start, end = data.draw(st.sampled_from(words if kind == "word" else spans))
        if end > len(src):
            continue
        tok = data.draw(st.sampled_from(_ATOMS if kind == "word" else _TOKENS))
        if kind in ("word", "replace"):
            src = src[:start] + tok + src[end:]
        elif kind == "delete":
            src = src[:start] + src[end:]
        else:
            src = src[:start] + tok + " " + src[start:]
    func = _define(src)
    if func is None:
        return
    try:
        result = parse_kernel(func)
    except PolyoptError as exc:
        assert "internal error" not in str(exc), src
        if isinstance(exc, KernelSyntaxError):
            assert exc.diagnostics and all(d.location is not None for d in exc.diagnostics)
    else:
        assert isinstance(result, KernelDef)


def test_fuzz_bases_parse():
    for src in _BASES:
        assert isinstance(parse_kernel(_define(src)), KernelDef)
