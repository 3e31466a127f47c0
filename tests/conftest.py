"""Session-wide test settings: a private disk cache, so runs are hermetic and leave nothing behind."""

import os
import shutil
import tempfile

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
