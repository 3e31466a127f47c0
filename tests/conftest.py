"""Session-wide test settings: a private disk cache, so runs are hermetic and leave nothing behind."""

import os
import shutil
import tempfile

import pytest

_OWN_CACHE = None


def pytest_addoption(parser):
    parser.addoption("--update-notebooks", action="store_true",
                     help="write each executed notebook source (notebooks/NN-*.py) to its paired .ipynb")
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files of tests/golden with what the code generates now")


def pytest_configure(config):
    global _OWN_CACHE
    if "POLYOPT_CACHE_DIR" not in os.environ:
        _OWN_CACHE = tempfile.mkdtemp(prefix="polyopt-test-cache-")
        os.environ["POLYOPT_CACHE_DIR"] = _OWN_CACHE


def pytest_unconfigure(config):
    if _OWN_CACHE is not None:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def simd_registers(monkeypatch):
    """Every test schedules as for a machine with 32 SIMD registers on which gcc emits 256-bit
    vectors (AVX-512 under gcc's Intel tuning: gemm's register tile is 4x16 in 32-row tiles),
    whatever machine runs it, so that printed schedules, explanations and
    golden files are the same everywhere; ``simd_registers(n)`` switches to ``n`` registers (16:
    AVX2) from then on in the test."""
    from polyopt import hardware

    def pin(n: int) -> None:
        # only the register count: the CPU's identity (the tuner's machine key) stays the real one,
        # which `polyopt tune` in a child process files its results under
        monkeypatch.setattr(hardware, "simd_registers", lambda: n)

    # and gcc's 256-bit vectors (its Intel AVX-512 tuning; AVX2)
    monkeypatch.setattr(hardware, "simd_bytes", lambda: 32)
    pin(32)
    return pin
