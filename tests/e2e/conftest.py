"""Shared setup of the end-to-end tests: a private disk cache for the whole session.

The compiled kernels are kept per configuration on each Kernel object, so a session compiles
every (kernel, configuration) pair once; the private cache keeps the user's cache untouched.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def e2e_cache_dir(tmp_path_factory):
    """Point POLYOPT_CACHE_DIR at a session-private directory (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in ("POLYOPT_CACHE_DIR", "POLYOPT_NO_CACHE")}
    os.environ["POLYOPT_CACHE_DIR"] = str(tmp_path_factory.mktemp("polyopt-cache"))
    os.environ.pop("POLYOPT_NO_CACHE", None)
    yield os.environ["POLYOPT_CACHE_DIR"]
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
