"""Private copies of argument arrays: a parallel loop whose every iteration fills a scratch array
before using it gets a copy per thread, the last iteration's copied back (doitgen's ``sum_``).
Refused wherever a value crosses iterations, comes from before the loop, or is used after it,
or an iteration leaves part of the array unwritten; the emitted-code check proves it again."""

from __future__ import annotations

import numpy as np
import pytest

import polyopt as po
from kernels.linalg import doitgen as suite_doitgen
from polyopt.codegen import verify
from polyopt.errors import OptionError
from polyopt.schedule import private_arrays
from polyopt.schedule.loops import PARALLEL
from polyopt.schedule.passes import kinds
from tests.agreement import agrees

N, M = po.symbols("N M")
doitgen = suite_doitgen.py_func  # fills sum_[p] in every iteration of r, q


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


def row_scratch(A: po.f64[N, M], B: po.f64[N, M], t: po.f64[M]):
    for i in range(N):
        for j in range(M):
            t[j] = A[i, j] * 2.0
        for j in range(M):
            B[i, j] = t[M - 1 - j] + t[j]


def partial_fill(A: po.f64[N, M], B: po.f64[N, M], t: po.f64[M]):
    for i in range(N):
        for j in range(M - 1):
            t[j] = A[i, j]
        for j in range(M - 1):
            B[i, j] = t[M - 2 - j] * 3.0  # reversed: the two loops cannot be fused


def carried(A: po.f64[N, M], B: po.f64[N, M], t: po.f64[M]):
    for i in range(N):
        for j in range(M):
            B[i, j] = t[M - 1 - j]  # the previous row's values (or the caller's), reversed
        for j in range(M):
            t[j] = A[i, j]


def used_after(A: po.f64[N, M], B: po.f64[N, M], t: po.f64[M], out: po.f64[M]):
    for i in range(N):
        for j in range(M):
            t[j] = A[i, j]
        for j in range(M):
            B[i, j] = t[j] * 2.0
    for j in range(M):
        out[j] = t[j]


def _infos(schedule):
    return [info for band in schedule.bands for info in band.tile_loops + band.loops]


def _args(fn, sizes: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    k = po.kernel(fn)
    out = {}
    for a in k.syntax.arrays:
        shape = tuple(s.value(sizes) for s in a.shape)
        out[a.name] = rng.random(shape)
    return out


def test_doitgens_scratch_array_is_private_and_the_outer_loop_parallel():
    k = po.kernel(doitgen)
    s = k.schedule()
    outer = _infos(s)[0]
    assert outer.kind == PARALLEL and outer.private == ("sum_",)
    text = str(s)
    assert "sum_ privatised per" in text and "a copy per thread, the last iteration's copied back" in text
    code = k.c_source()
    assert "polyopt_copies_sum_" in code and "memcpy(polyopt_shared_sum_" in code
    for sizes in ({"NR": 3, "NQ": 2, "NP": 5}, {"NR": 1, "NQ": 1, "NP": 1}, {"NR": 37, "NQ": 5, "NP": 33},
                  {"NR": 2, "NQ": 1, "NP": 4}):
        assert agrees(k, _args(doitgen, sizes, 1))


def test_a_two_dimensional_sweep_of_a_scratch_row_runs_its_rows_in_parallel():
    k = po.kernel(row_scratch)
    s = k.schedule()
    assert [i for i in _infos(s) if i.kind == PARALLEL and i.private == ("t",)]
    for n, m in ((1, 1), (5, 3), (70, 41)):
        assert agrees(k, _args(row_scratch, {"N": n, "M": m}, 2))


@pytest.mark.parametrize("fn", [partial_fill, carried, used_after], ids=lambda f: f.__name__)
def test_scratch_arrays_that_do_not_qualify_stay_shared(fn):
    k = po.kernel(fn)
    assert not any("t" in i.private for i in _infos(k.schedule()))
    assert "polyopt_copies" not in k.c_source()
    for n, m in ((1, 1), (4, 3), (40, 37)):
        assert agrees(k, _args(fn, {"N": n, "M": m}, 3))


def test_the_option_turns_copies_off_and_is_checked():
    k = po.kernel(doitgen, private_arrays=False)
    assert not any(i.private for i in _infos(k.schedule()))
    assert "polyopt_copies" not in k.c_source()
    with pytest.raises(OptionError):
        po.kernel(doitgen, private_arrays="yes")


def test_the_emitted_code_check_refuses_a_copy_the_last_iteration_does_not_fill(monkeypatch):
    """With the scheduler's fill test broken, partial_fill's copy would copy back an unwritten
    element: the emitted-code check refuses every AST, and the fallback compiles the original
    loops without copies."""
    monkeypatch.setattr(private_arrays, "_fills", lambda *a: True)
    calls = []
    real = verify._Checker._check_copies

    def spy(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(verify._Checker, "_check_copies", spy)
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "0")  # in this process: the spy must see the check
    k = po.kernel(partial_fill)
    assert any("t" in i.private for i in _infos(k.schedule()))
    for n, m in ((3, 4), (40, 37)):
        assert agrees(k, _args(partial_fill, {"N": n, "M": m}, 4))
    text = str(k.schedule())
    assert calls and "fallback" in text and "private_arrays=False" in text


def test_the_emitted_code_check_refuses_a_copy_whose_values_cross_iterations(monkeypatch):
    """A scheduler that privatised every array a loop carries would give carried's rows the
    previous row's values from a private copy: refused, and compiled without copies."""
    def everything(carried_deps, member, outer, pairs, active):
        names = tuple(sorted({e.array for e, _ in pairs if not carried_deps.scop.array(e.array).is_local}))
        return [(e, r) for e, r in pairs if e.array not in names], names

    monkeypatch.setattr(kinds, "privatisable", everything)
    k = po.kernel(carried)
    assert any("t" in i.private for i in _infos(k.schedule()))
    for n, m in ((3, 4), (40, 37)):
        assert agrees(k, _args(carried, {"N": n, "M": m}, 5))
    assert "fallback" in str(k.schedule())
