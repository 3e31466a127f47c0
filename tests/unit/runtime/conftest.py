"""Hand-made kernels for runtime tests: a KernelDef and matching hand-written C (no isl needed)."""

from __future__ import annotations

import pytest

from polyopt.codegen.signature import CProgram, make_params
from polyopt.frontend import syntax as sx
from polyopt.frontend.intpoly import IntPoly
from polyopt.frontend.types import f32, f64, i32

Nsym, Msym = IntPoly.symbol("N"), IntPoly.symbol("M")


def _i():
    return sx.Name("i", sx.Name.ITER)


def axpy_kernel(name: str = "axpy") -> sx.KernelDef:
    """axpy(a: f64, x: f64[N], y: f64[N]): y[i] += a * x[i]."""
    body = sx.For("i", sx.Const(0), sx.Name("N", sx.Name.PARAM), 1, (
        sx.Assign(sx.Access("y", (_i(),)), "+",
                  sx.BinOp("*", sx.Name("a", sx.Name.SCALAR), sx.Access("x", (_i(),)))),))
    args = (sx.Argument("a", sx.Argument.SCALAR, f64),
            sx.Argument("x", sx.Argument.ARRAY, f64, (Nsym,)),
            sx.Argument("y", sx.Argument.ARRAY, f64, (Nsym,)))
    return sx.KernelDef(name, args, ("N",), (), (body,), "<test>", 1, "")


AXPY_C = """
void polyopt_{name}(double a, const double *restrict x, double *restrict y, long N)
{{
  for (long i = 0; i < N; i += 1)
    y[i] += a * x[i];{extra}
}}
"""


def axpy_program(name: str = "axpy", extra: str = "") -> CProgram:
    kd = axpy_kernel(name)
    return CProgram(AXPY_C.format(name=name, extra=extra), f"polyopt_{name}", make_params(kd, set()), name)


def mixed_kernel() -> sx.KernelDef:
    """mixed(s: f32, k: int, A: f32[N + 2, 2*M], B: i32[N], C: f64[N + M]) writes C."""
    body = sx.Assign(sx.Access("C", (sx.Const(0),)), None, sx.Const(1.0))
    args = (sx.Argument("s", sx.Argument.SCALAR, f32),
            sx.Argument("k", sx.Argument.INT, i32),
            sx.Argument("A", sx.Argument.ARRAY, f32, (Nsym + 2, 2 * Msym)),
            sx.Argument("B", sx.Argument.ARRAY, i32, (Nsym,)),
            sx.Argument("C", sx.Argument.ARRAY, f64, (Nsym + Msym,)))
    return sx.KernelDef("mixed", args, ("N", "M", "k"), (), (body,), "<test>", 1, "")


MIXED_C = """
void polyopt_mixed(float s, long k, const float *restrict A, const int *restrict B, double *restrict C,
                   long N, long M)
{
  C[0] = s;
  C[1] = k;
  C[2] = N;
  C[3] = M;
  C[4] = A[(N + 1) * (2 * M) + 2 * M - 1] + B[N - 1];
}
"""


def mixed_program() -> CProgram:
    kd = mixed_kernel()
    return CProgram(MIXED_C, "polyopt_mixed", make_params(kd, set()), "mixed")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """A fresh cache directory per test; compiler settings from the defaults."""
    d = tmp_path / "cache"
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(d))
    for var in ("POLYOPT_NO_CACHE", "POLYOPT_CC", "POLYOPT_CFLAGS"):
        monkeypatch.delenv(var, raising=False)
    return d
