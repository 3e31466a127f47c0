"""Every suite kernel's printed schedule describes its generated C (issue 15, item 5).

For each kernel of ``kernels/``, once its C is generated, every claim of ``print(kernel.schedule())``
-- each loop's kind, collapse and work threshold, the loop nests and shared loops of the ``fusion:``
line, the loop each cut is inside -- is compared with the C (its pragmas, and code generation's
report of what it printed for each loop, which must agree with them): see :mod:`tests.explaincheck`.
The default options for every kernel (their programs are shared with the suite's end-to-end test),
and other schedulers and policies for the BLAS file.
"""

from __future__ import annotations

import pytest

from polyopt.suite import discover
from tests.explaincheck import problems

from .test_suite_kernels import CASES, KERNELS

OTHER = {"untiled": {"tile": False}, "max fusion": {"fuse": "max"}, "isl": {"scheduler": "isl"},
         "original": {"scheduler": "none"}}


def _check(kernel, options: dict) -> None:
    text = kernel.c_source(**options)
    schedule = kernel.schedule(**options)
    assert schedule.emitted is not None
    found = problems(str(schedule), text, schedule.emitted)
    assert not found, "\n".join(found) + "\n--- schedule\n" + str(schedule)


@pytest.mark.parametrize("name", sorted(CASES))
def test_explanation_describes_the_code(name):
    _check(CASES[name].kernel, {})


@pytest.mark.parametrize("config", sorted(OTHER))
def test_explanations_of_other_schedules(config):
    for case in discover([KERNELS / "blas.py"]):
        _check(case.kernel, OTHER[config])
