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
    """Every test schedules as for a machine with 32 SIMD registers (AVX-512: gemm's register tile
    is 4x16 in 32-row tiles), whatever machine runs it, so that printed schedules, explanations and
    golden files are the same everywhere; ``simd_registers(n)`` switches to ``n`` registers (16:
    AVX2) from then on in the test."""
    from polyopt import hardware

    def pin(n: int) -> None:
        flags = frozenset({"avx2", "avx512f"} if n >= 32 else {"avx2"})
        caches = tuple(hardware.FALLBACK_CACHES.items())
        cpu = hardware.Cpu(f"a CPU with {n} SIMD registers (x86_64)", flags, caches)
        assert cpu.vector_registers == n
        monkeypatch.setattr(hardware, "cpu", lambda: cpu)

    pin(32)
    return pin
