"""The one operation budget for isl computations (polyopt.poly.budget)."""

from __future__ import annotations

import islpy as isl
import pytest

from polyopt.errors import BudgetExceeded
from polyopt.poly import budget

CTX = isl.DEFAULT_CONTEXT
HEAVY = "[N] -> { [i, j, k] : 0 <= i < N and 0 <= j < i and 0 <= k < j and (i + 2j + 3k) mod 7 = 3 }"


def _heavy():
    return isl.Set(HEAVY).coalesce().lexmin()


def test_an_exhausted_budget_names_the_computation_and_the_limit_is_restored():
    CTX.set_max_operations(0)
    with pytest.raises(BudgetExceeded, match="dependence analysis of 'k' gave up after 20 isl operations") as info:
        with budget.isl_budget(20, "dependence analysis of 'k'", hint="try this"):
            _heavy()
    assert info.value.operations == 20 and "try this" in str(info.value)
    assert CTX.get_max_operations() == 0
    _heavy()  # the count was reset: the next computation is not starved


def test_the_previous_limit_comes_back_after_a_budget():
    CTX.set_max_operations(10**9)
    try:
        with budget.isl_budget(10**7, "x"):
            assert CTX.get_max_operations() == 10**7
            _heavy()
        assert CTX.get_max_operations() == 10**9
    finally:
        CTX.set_max_operations(0)


def test_other_isl_failures_are_not_mistaken_for_the_budget():
    with pytest.raises(isl.Error):
        with budget.isl_budget(10**7, "x"):
            isl.Set("{ [x] : x > }")  # a syntax error, with plenty of budget left
    assert not budget.quota_spent()


def test_a_cap_lowers_every_budget_inside_it():
    with budget.capped(20):
        with pytest.raises(BudgetExceeded, match="gave up after 20 isl operations"):
            with budget.isl_budget(10**7, "isl's code generator"):
                _heavy()
        with budget.isl_budget(10**7, "y"):
            assert CTX.get_max_operations() == 20
    with budget.isl_budget(10**7, "z"):
        assert CTX.get_max_operations() == 10**7
