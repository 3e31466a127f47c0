"""The fuzzer's fixed sample, run on every change: 50 seeded programs x every configuration.

The same programs, configurations, sizes and verdicts as ``benchmarks/fuzz.py --seed 0 --count 50``
(which runs each in a worker process under a time limit; here the isl budgets are what stops a
runaway computation).  Every pair must agree with the Python original -- a refusal (a budget, an AST
the emitted-code check refused) fails too, so a change that makes polyopt give up on a program it
handled before is seen as well as a wrong result.
"""

from __future__ import annotations

import pytest

from . import nestgen

SAMPLE = range(50)


@pytest.mark.parametrize("seed", SAMPLE)
def test_fuzz_sample_program_matches_reference_in_every_configuration(tmp_path, seed):
    source = nestgen.render(nestgen.generate(nestgen.Chooser.from_seed(seed)))
    kern = nestgen.load_kernel(source, tmp_path, f"polyopt_fuzz_sample_{seed}")
    references: dict = {}
    failures = []
    for config in nestgen.CONFIG_IDS:
        kind, message = nestgen.outcome(kern, config, seed, references)
        if kind != "ok":
            failures.append(f"[{config}] {kind}: {message}")
    assert not failures, "\n".join(failures) + f"\n--- program (seed {seed}) ---\n{source}"
