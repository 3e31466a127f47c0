"""A private kernel cache for every CLI test, and the path of the test kernels."""

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(d))
    for var in ("POLYOPT_NO_CACHE", "POLYOPT_CC", "POLYOPT_CFLAGS"):
        monkeypatch.delenv(var, raising=False)
    return d
