"""C names and the C parameter list."""

from __future__ import annotations

from polyopt.codegen.signature import ARRAY, SCALAR, SIZE, CParam, c_identifier, function_name, make_params
from polyopt.frontend import syntax as sx
from polyopt.frontend.types import f32, f64, i64


def test_identifiers_avoid_c_keywords_helpers_iterators_and_each_other():
    taken: set[str] = set()
    names = [c_identifier(n, taken) for n in ["A", "double", "floord", "c0", "py_x", "A", "é", "double_"]]
    assert names[0] == "A"
    assert names[1] == "double_" and names[2] == "floord_" and names[3] == "c0_"
    assert names[4] != "py_x" and names[5] != "A"
    assert names[6].isascii() and names[6].isidentifier()
    assert len(set(names)) == len(names)


def test_parameter_order_and_declarations():
    from polyopt.frontend.intpoly import IntPoly

    n = IntPoly.symbol("N")
    body = (sx.Assign(sx.Access("B", (sx.Const(0),)), None, sx.Const(1.0)),)
    kd = sx.KernelDef("k", (sx.Argument("A", sx.Argument.ARRAY, f32, (n,)),
                            sx.Argument("s", sx.Argument.SCALAR, f64),
                            sx.Argument("B", sx.Argument.ARRAY, f64, (n,)),
                            sx.Argument("m", sx.Argument.INT, i64)),
                      ("N", "m"), (), body, "<t>", 1, "")
    params = make_params(kd, set())
    assert [(p.name, p.kind) for p in params] == [("A", ARRAY), ("s", SCALAR), ("B", ARRAY), ("m", SIZE),
                                                  ("N", SIZE)]
    assert params[0].declaration() == "const float *restrict A"
    assert params[2].declaration() == "double *restrict B"
    assert params[3].declaration() == "long m"
    assert CParam.from_json(params[2].to_json()) == params[2]
    assert function_name("my-kernel") == "polyopt_my_kernel"
