"""Property-based differential test: random affine loop nests, every configuration vs the reference.

Hypothesis drives the generator of :mod:`.nestgen` (so failures shrink to small programs); each
program is written to a real module file (the frontend reads source with ``inspect``), compiled
under every configuration of ``nestgen.CONFIGS`` and run at several small sizes, including 1.
``python benchmarks/fuzz.py --count N`` runs many more programs on demand.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import nestgen

_COUNTER = itertools.count()


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_nest_matches_reference_in_every_configuration(tmp_path_factory, data):
    nodes = nestgen.generate(nestgen.Chooser.from_hypothesis(data))
    source = nestgen.render(nodes)
    directory = tmp_path_factory.mktemp("nests")
    kern = nestgen.load_kernel(source, directory, f"polyopt_random_nest_{next(_COUNTER)}")
    problem = nestgen.check_program(kern, sizes=((1, 1, 1), (2, 3, 2), (6, 5, 2)))
    assert problem is None, f"{problem}\n--- program ---\n{source}"


def test_generator_is_deterministic_and_varied():
    """The seeded generator gives the same program for a seed and different ones across seeds."""
    first = [nestgen.render(nestgen.generate(nestgen.Chooser.from_seed(s))) for s in range(12)]
    again = [nestgen.render(nestgen.generate(nestgen.Chooser.from_seed(s))) for s in range(12)]
    assert first == again
    assert len(set(first)) == 12
    joined = "\n".join(first)
    # windows, guards (also on a parameter's parity), reductions, counting down, doubled
    # subscripts (unequal coefficients in a band) and in-place stencils
    for feature in ("range(", "min(", "if ", "+=", ", -", "2 * ", "N % 2", "0.3333 * ("):
        assert feature in joined, feature


def test_minimize_removes_irrelevant_statements():
    nodes = [nestgen.Node("for i in range(N):", [nestgen.Node("x[i] = 1.0"), nestgen.Node("y[0] = 2.0")]),
             nestgen.Node("for j in range(M):", [nestgen.Node("y[j] = 3.0")])]
    small = nestgen.minimize(nodes, lambda ns: "for i in range(N):\n        x[i] = 1.0" in nestgen.render(ns))
    assert nestgen.render(small).count("\n    ") == 2  # the loop and the one statement left
