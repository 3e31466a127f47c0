"""Delinearisation of linearised subscripts (a[i * m + j] -> a[i][j] of a [*][m] array)."""

from pycparser import c_parser

from polyopt.cfront.decls import CVar
from polyopt.cfront.delinearize import plan_layouts
from polyopt.frontend.intpoly import IntPoly


def _plan(statement: str, pointers="abcde", ints="mnp", iterators=("i", "j", "k")):
    items = c_parser.CParser().parse("void f(void) { " + statement + " }").ext[0].body.block_items
    vars_ = {n: CVar(n, "double", (None,), pointer=True) for n in pointers}
    vars_.update({n: CVar(n, "int") for n in ints})
    return plan_layouts(items, set(iterators), vars_, set())


def test_strides_that_are_products_of_parameters():
    layouts, failures = _plan("a[(i + 1) * m + j - 1] = b[i * m * p + j * p + k] + c[i * m + j + n];")
    assert not failures
    assert layouts["a"].extents == ("m",) and layouts["b"].extents == ("m", "p")
    i, j, m, n = (IntPoly.symbol(s) for s in "ijmn")
    assert layouts["a"].split((i + 1) * m + j - 1) == (i + 1, j - 1)
    assert layouts["c"].split(i * m + j + n) == (i, j + n)  # a parameter offset stays in the row


def test_affine_subscripts_are_left_alone():
    layouts, failures = _plan("a[100 * i + j] = b[2 * i + n];")
    assert layouts == {} and failures == {}


def test_strides_that_are_not_a_chain():
    layouts, failures = _plan("d[i * n + j * m] = 0;")
    assert "d" not in layouts and "not successive products" in failures["d"]


def test_all_accesses_share_one_layout():
    layouts, _ = _plan("a[i * m + j] = a[(i - 1) * m + j] + a[j];")
    assert layouts["a"].monomials == (("m",), ())
