"""Privatisation of scalar temporaries: a temporary whose values stay in one iteration of a loop
gets a copy per iteration, so the anti/output dependences on it do not keep the loop serial."""

from __future__ import annotations

import math

import numpy as np
import pytest

import polyopt as po
from kernels.solvers import init_ludcmp, ludcmp
from polyopt.schedule.loops import PARALLEL, SERIAL
from tests.agreement import agrees

N, M = po.symbols("N M")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))


@po.kernel
def layer_norm(X: po.f64[N, M], Y: po.f64[N, M]):
    for i in range(N):
        mu = 0.0
        for j in range(M):
            mu += X[i, j]
        mu = mu / M
        var = 0.0
        for j in range(M):
            var += (X[i, j] - mu) * (X[i, j] - mu)
        r = 1.0 / math.sqrt(var / M + 1e-5)
        for j in range(M):
            Y[i, j] = (X[i, j] - mu) * r


@po.kernel
def carried_value(A: po.f64[N], B: po.f64[N]):
    s = 0.0
    for i in range(N):
        B[i] = s  # reads the value written in the previous iteration
        s = A[i]


@po.kernel
def live_after_loop(A: po.f64[N], B: po.f64[N]):
    for i in range(N):
        t = A[i] * 2.0
        B[i] = t
    B[0] = t  # the last iteration's value is used after the loop


def _loop(schedule, name):
    return next(info for band in schedule.bands for info in band.tile_loops + band.loops if info.name == name)


def test_row_temporaries_are_privatised_and_the_row_loop_is_parallel():
    s = layer_norm.schedule()
    info = _loop(s, "i")
    assert info.kind == PARALLEL and info.private == ("mu", "r", "var")
    text = str(s)
    assert ("loop i: parallel (one thread below 16384 instances) -- carries no dependence; mu, r, var private "
            "per iteration") in text
    assert "mu, r, var privatised per i" in text
    assert "#pragma omp parallel for" in layer_norm.c_source()
    rng = np.random.default_rng(1)
    for n, m in ((1, 1), (3, 7), (17, 5)):
        assert agrees(layer_norm, dict(X=rng.random((n, m)), Y=np.zeros((n, m))))


@pytest.mark.parametrize("kern, dep", [(carried_value, "RAW on s"), (live_after_loop, "t")])
def test_a_value_crossing_iterations_or_leaving_the_loop_is_not_privatised(kern, dep):
    info = _loop(kern.schedule(), "i")
    assert info.kind != PARALLEL and not info.private
    if kern is carried_value:
        assert info.kind == SERIAL and dep in info.reason
    rng = np.random.default_rng(2)
    for n in (1, 2, 9):
        assert agrees(kern, dict(A=rng.random(n), B=np.zeros(n)))


def test_a_plan_keeps_the_privatised_loop_and_records_it():
    plan = layer_norm.schedule().plan
    (loop_i,) = [lp for band in plan.bands for lp in band.kinds or () if lp.name == "i"]
    assert loop_i.kind == PARALLEL and loop_i.private == ("mu", "r", "var")
    again = po.Plan.from_json(plan.to_json())
    assert layer_norm.c_source(plan=again) == layer_norm.c_source()


def test_fusion_keeps_a_sweep_that_is_parallel_once_its_temporary_is_private():
    """ludcmp's two sweeps over a row: the second is parallel with ``w`` private per ``j``, the
    first carries a dependence along ``j``; fused into one ``j`` loop, both were serial.  (With its
    accumulators promoted, the default, ludcmp has no ``w`` left: kept here as written.)"""
    scalar = po.kernel(ludcmp.py_func, promote=False)
    s = scalar.schedule()
    sweeps = [band for band in s.bands if band.statements in (("S0", "S1", "S2"), ("S3", "S4", "S5"))]
    assert [[info.kind for info in band.loops] for band in sweeps] == [[SERIAL], [PARALLEL]]
    assert sweeps[1].loops[0].private == ("w",)
    assert "would have no parallel loop" in str(s)
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 40):
        args = init_ludcmp(n)
        args["A"] = args["A"] + rng.random((n, n)) * 0.01
        assert agrees(scalar, args) and agrees(ludcmp, args)
