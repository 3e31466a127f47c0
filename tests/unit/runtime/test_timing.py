"""The one timing loop (polyopt.runtime.timing), driven by a fake clock: every variant "takes" the
seconds it adds to the clock, so orders, counts, statistics and early stops are exact."""

from __future__ import annotations

import ast
import math
import pickle
from pathlib import Path

import pytest

from polyopt.errors import PolyoptError
from polyopt.runtime import timing
from polyopt.runtime.timing import Ratio, paired_ratio, time_interleaved


class FakeClock:
    """A clock that moves only when a fake variant runs; it records every call in order."""

    def __init__(self):
        self.now = 0.0
        self.calls: list[tuple[str, object]] = []

    def __call__(self) -> float:
        return self.now

    def variant(self, name: str, costs):
        """A callable that takes ``costs[k]`` seconds on its k-th call (the last one repeats)."""
        costs = list(costs) if isinstance(costs, (list, tuple)) else [costs]
        count = [0]

        def run(*args):
            self.calls.append((name, args[0] if args else None))
            self.now += costs[min(count[0], len(costs) - 1)]
            count[0] += 1

        return run


def test_rounds_rotate_after_warmup_and_every_run_gets_fresh_inputs():
    clock = FakeClock()
    made = iter(range(100))
    t = time_interleaved({n: clock.variant(n, 1.0) for n in "abc"}, repeat=4, warmup=1,
                         fresh=lambda: next(made), clock=clock)
    order = "".join(name for name, _ in clock.calls)
    assert order == "abc" + "abc" + "bca" + "cab" + "abc"
    assert [arg for _, arg in clock.calls] == list(range(15))  # one fresh() per run, warm-up included
    assert t.names == ("a", "b", "c") and t.rounds == 4 and not t.stopped_early
    assert all(len(t.samples[n]) == 4 for n in t.names)


def test_without_fresh_a_variant_is_called_without_arguments():
    seen = []
    time_interleaved({"a": lambda *args: seen.append(args)}, repeat=2, warmup=0, clock=FakeClock())
    assert seen == [(), ()]


def test_warmup_runs_are_not_timed():
    clock = FakeClock()
    t = time_interleaved({"a": clock.variant("a", [100.0, 100.0, 2.0, 3.0, 1.0])}, repeat=3, warmup=2,
                         clock=clock)
    assert t.samples["a"] == (2.0, 3.0, 1.0)


def test_median_minimum_and_spread():
    clock = FakeClock()
    t = time_interleaved({"a": clock.variant("a", [2.0, 4.0, 3.0, 3.0, 8.0])}, repeat=5, warmup=0,
                         clock=clock)
    assert t.median("a") == 3.0 and t.minimum("a") == 2.0
    assert t.spread("a") == pytest.approx((8.0 - 2.0) / 3.0)
    one = time_interleaved({"a": clock.variant("a", 1.0)}, repeat=1, warmup=0, clock=clock)
    assert one.spread("a") == 0.0


def test_ratio_is_paired_by_round():
    # The machine slows down tenfold in round 2, for both variants: pairing cancels it exactly.
    r = paired_ratio([1.0, 10.0, 1.0], [2.0, 20.0, 2.0])
    assert r.estimate == pytest.approx(0.5) and r.low == pytest.approx(0.5) and r.high == pytest.approx(0.5)
    assert r.rounds == 3 and r.beyond() and r.beyond(margin=0.9) and not r.beyond(margin=1.1)


def test_ratio_interval_is_students_t_on_the_logarithms():
    logs = [math.log(1.1), math.log(0.9), math.log(1.2), math.log(1.0)]
    r = paired_ratio([math.exp(x) for x in logs], [1.0] * 4)
    mean = sum(logs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 3)
    half = 3.182 * sd / 2  # t(0.975, 3 df) * sd / sqrt(4)
    want = (math.exp(mean - half), math.exp(mean), math.exp(mean + half))
    assert (r.low, r.estimate, r.high) == pytest.approx(want)
    assert not r.beyond()  # 1.0 is inside: no distinction from these four noisy rounds


def test_ratio_without_enough_rounds_has_no_interval():
    assert paired_ratio([1.0], [2.0]) == Ratio(0.5, 0.0, math.inf, 1)
    empty = paired_ratio([0.0, 1.0], [1.0, 0.0])  # a clock too coarse to see the calls
    assert empty.rounds == 0 and math.isnan(empty.estimate) and not empty.beyond()
    with pytest.raises(PolyoptError, match="same rounds .got 2 and 1"):
        paired_ratio([1.0, 2.0], [1.0])


def test_until_distinct_stops_once_a_clear_difference_is_seen():
    clock = FakeClock()
    t = time_interleaved({"new": clock.variant("new", [1.0, 1.02, 0.99]), "old": clock.variant("old", 2.0)},
                         repeat=20, warmup=0, until_distinct=("new", "old"), clock=clock)
    assert t.stopped_early and t.rounds == 3  # min_rounds: never decided on fewer
    assert t.ratio("new", "old").high < 1


def test_until_distinct_runs_every_round_when_the_variants_are_alike():
    clock = FakeClock()
    noise = [1.0, 1.1, 0.9, 1.05, 0.95]
    t = time_interleaved({"new": clock.variant("new", noise), "old": clock.variant("old", noise[::-1])},
                         repeat=8, warmup=0, until_distinct=("new", "old"), clock=clock)
    assert t.rounds == 8 and not t.stopped_early


def test_until_distinct_waits_for_the_margin():
    clock = FakeClock()
    variants = {"new": clock.variant("new", 1.0), "old": clock.variant("old", 1.03)}
    t = time_interleaved(variants, repeat=6, warmup=0, until_distinct=("new", "old"), clock=clock)
    assert t.stopped_early and t.rounds == 3  # 3% faster, every round: distinct
    t = time_interleaved(variants, repeat=6, warmup=0, until_distinct=("new", "old"), margin=0.05, clock=clock)
    assert t.rounds == 6 and not t.stopped_early  # but not by more than 5%


def test_until_distinct_stops_when_one_of_the_pair_fails():
    clock = FakeClock()

    def broken():
        raise PolyoptError("crashed")

    t = time_interleaved({"new": broken, "old": clock.variant("old", 1.0), "other": clock.variant("x", 1.0)},
                         repeat=10, warmup=0, until_distinct=("new", "old"), errors=(PolyoptError,), clock=clock)
    assert t.rounds == 1 and t.stopped_early
    assert t.names == ("old", "other") and str(t.failed["new"]) == "crashed"
    with pytest.raises(PolyoptError, match="no timings for variant 'new' .it failed: crashed"):
        t.median("new")


def test_a_failing_variant_is_dropped_and_the_others_go_on():
    clock = FakeClock()
    calls = [0]

    def flaky():
        calls[0] += 1
        if calls[0] == 3:
            raise PolyoptError("exit status 139")
        clock.now += 5.0

    t = time_interleaved({"a": clock.variant("a", 1.0), "b": flaky}, repeat=4, warmup=0,
                         errors=(PolyoptError,), clock=clock)
    assert t.names == ("a",) and t.samples["a"] == (1.0,) * 4 and t.rounds == 4
    assert calls[0] == 3 and "139" in str(t.failed["b"])


def test_other_exceptions_propagate():
    def bug():
        raise KeyError("x")

    with pytest.raises(KeyError):
        time_interleaved({"a": bug}, errors=(PolyoptError,), clock=FakeClock())


def test_self_timed_variants_report_their_own_seconds():
    durations = iter([0.5, 0.25, 0.75])
    t = time_interleaved({"prog": lambda: next(durations)}, repeat=3, warmup=0, self_timed=True,
                         clock=lambda: pytest.fail("the clock is not used for self-timed variants"))
    assert t.samples["prog"] == (0.5, 0.25, 0.75)
    with pytest.raises(PolyoptError, match="self-timed variant 'prog' returned None"):
        time_interleaved({"prog": lambda: None}, repeat=1, warmup=0, self_timed=True)


@pytest.mark.parametrize("kwargs, message", [
    (dict(variants={}), "at least one variant"),
    (dict(repeat=0), "repeat >= 1"),
    (dict(warmup=-1), "warmup >= 0"),
    (dict(until_distinct=("a", "zz")), "two different variants"),
    (dict(until_distinct=("a", "a")), "two different variants"),
    (dict(until_distinct=("a", "b"), min_rounds=1), "min_rounds >= 2"),
    (dict(until_distinct=("a", "b"), margin=-0.1), "margin >= 0"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    kwargs.setdefault("variants", {"a": lambda: None, "b": lambda: None})
    with pytest.raises(PolyoptError, match=message):
        time_interleaved(kwargs.pop("variants"), clock=FakeClock(), **kwargs)


def test_the_module_sits_below_the_pipeline():
    """Only the standard library and polyopt.errors: no isl, scheduler, plotting or CLI."""
    tree = ast.parse(Path(timing.__file__).read_text())
    imported = {(node.level, node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {(0, alias.name) for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert {m for level, m in imported if level > 0} == {"errors"}
    assert {m.split(".")[0] for level, m in imported if level == 0} <= {
        "__future__", "math", "statistics", "time", "collections", "dataclasses", "types"}


def test_timings_pickle():
    """An autotuner may time in worker processes: the result travels back by pickle."""
    clock = FakeClock()
    t = time_interleaved({"a": clock.variant("a", 1.0), "b": clock.variant("b", 2.0)}, repeat=3, clock=clock)
    assert pickle.loads(pickle.dumps(t)) == t
