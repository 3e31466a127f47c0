"""The thread governor (polyopt.runtime.threads): a call gets the cores other processes leave free."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import polyopt as po
from polyopt.runtime import threads
from polyopt.runtime.threads import Governor, Sample, free_cores, threads_for

N = po.symbols("N")


def test_free_cores_subtract_this_process_from_the_busy_time():
    before, after = Sample(busy=10.0, own=2.0, when=0.0), Sample(busy=10.9, own=2.5, when=0.5)
    # 0.9 s busy over 0.5 s, 0.5 s of it ours: others kept 0.8 core busy
    assert free_cores(before, after, cpus=2) == pytest.approx(1.2)
    assert free_cores(before, Sample(busy=10.2, own=2.4, when=0.5), cpus=2) == 2.0  # only us
    assert threads_for(1.2, most=2) == 1
    assert threads_for(1.6, most=2) == 2
    assert threads_for(0.0, most=8) == 1
    assert threads_for(7.9, most=4) == 4


def test_the_governor_follows_the_load_and_respects_omp_num_threads(monkeypatch):
    clock = {"busy": 0.0, "own": 0.0, "children": 0.0, "now": 100.0}
    monkeypatch.setattr(threads, "_busy_seconds", lambda cpus: clock["busy"])
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(threads.os, "times", lambda: os.times_result((clock["own"], 0, clock["children"], 0, 0)))
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    gov = Governor()
    assert gov.most == 3 and gov.threads() == 3

    def advance(seconds, others, ours):
        clock["now"] += seconds
        clock["busy"] += (others + ours) * seconds
        clock["own"] += ours * seconds

    advance(0.5, others=2.0, ours=1.0)  # two cores busy elsewhere: two left
    assert gov.threads() == 2
    advance(0.01, others=4.0, ours=0.0)  # too soon for another look
    assert gov.threads() == 2
    advance(0.5, others=4.0, ours=0.0)
    assert gov.threads() == 1
    advance(0.5, others=0.0, ours=2.0)
    assert gov.threads() == 3
    # a compiler this process ran and waited for is its own work, not another process's
    clock["now"] += 0.5
    clock["busy"] += 2.0
    clock["children"] += 2.0
    assert gov.threads() == 3


def test_adapting_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("POLYOPT_ADAPT_THREADS", "0")
    assert threads.governor() is None


@po.kernel
def scale(x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        y[i] = 2.0 * x[i]


def test_a_call_sets_the_openmp_thread_count(monkeypatch):
    compiled = scale.compile()
    gov = threads.governor()
    if gov is None:
        pytest.skip("this machine has no /proc/stat to watch")
    monkeypatch.setattr(gov, "threads", lambda: 1)
    x = np.arange(5.0)
    y = np.zeros(5)
    compiled(x, y)
    assert np.array_equal(y, 2.0 * x)
    get = compiled._lib.omp_get_max_threads
    get.restype = ctypes.c_int
    assert get() == 1
    monkeypatch.setattr(gov, "threads", lambda: 2)
    compiled(x, y)
    assert get() == 2


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_a_busy_process_beside_takes_a_thread_away(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    gov = Governor()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        gov.threads()  # a fresh look once the busy process runs
        time.sleep(0.5)
        assert gov.threads() < len(gov.cpus)
    finally:
        busy.kill()
        busy.wait()
