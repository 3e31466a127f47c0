"""The disk cache and the compiler: keys, counting compilations, corruption, concurrency, no-cache."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from polyopt import config
from polyopt.errors import CompileError
from polyopt.runtime import cache, load, load_meta, toolchain

from .conftest import axpy_kernel, axpy_program

REPO = Path(__file__).resolve().parents[3]


def _entry(cache_dir: Path, key: str, suffix: str) -> Path:
    return cache_dir / "lib" / key[:2] / f"{key}{suffix}"


def _fake_compiler(tmp_path: Path, banner: str) -> str:
    """A gcc wrapper whose --version prints ``banner`` (a different compiler identity)."""
    path = tmp_path / f"cc-{abs(hash(banner))}"
    path.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{banner}"; exit 0; fi\nexec gcc "$@"\n')
    path.chmod(0o755)
    return str(path)


def test_key_changes_exactly_when_it_should(tmp_path, monkeypatch):
    base = cache.library_key("int x;")
    assert cache.library_key("int x;") == base
    assert cache.library_key("int y;") != base
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "elsewhere"))  # location is not content
    assert cache.library_key("int x;") == base
    monkeypatch.setenv("POLYOPT_CFLAGS", "-O2 -fopenmp")
    flags_key = cache.library_key("int x;")
    assert flags_key != base
    monkeypatch.setenv("POLYOPT_CC", _fake_compiler(tmp_path, "fakecc 1.0"))
    cc1 = cache.library_key("int x;")
    monkeypatch.setenv("POLYOPT_CC", _fake_compiler(tmp_path, "fakecc 2.0"))
    assert cache.library_key("int x;") not in (cc1, flags_key)
    monkeypatch.delenv("POLYOPT_CC")
    monkeypatch.delenv("POLYOPT_CFLAGS")
    assert cache.library_key("int x;") == base


def test_front_key_covers_parts_and_flags(monkeypatch):
    k = cache.front_key("source", "tile=32")
    assert k == cache.front_key("source", "tile=32")
    assert k != cache.front_key("source", "tile=64") and k != cache.front_key("source2", "tile=32")
    monkeypatch.setenv("POLYOPT_CFLAGS", "-O1")
    assert cache.front_key("source", "tile=32") != k


def test_second_load_does_not_compile(cache_dir):
    before = toolchain.compile_count()
    k1 = load(axpy_program(), axpy_kernel())
    assert toolchain.compile_count() == before + 1
    k2 = load(axpy_program(), axpy_kernel())
    assert toolchain.compile_count() == before + 1
    assert k1.path == k2.path and Path(k1.path).is_relative_to(cache_dir)
    x, y = np.arange(5.0), np.ones(5)
    k2(2.0, x, y)
    np.testing.assert_array_equal(y, 1 + 2 * np.arange(5.0))


def test_compile_hook_is_called(cache_dir):
    seen = []
    remove = toolchain.add_compile_hook(lambda c, so: seen.append((c, so)))
    try:
        load(axpy_program("hooked"), axpy_kernel("hooked"))
    finally:
        remove()
    assert len(seen) == 1 and seen[0][0].endswith(".c")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "record", "no-record"])
def test_damaged_entries_are_rebuilt(cache_dir, damage):
    prog = axpy_program()
    # Built but not loaded: rewriting a library this process has mapped would corrupt the process
    # itself (polyopt only ever publishes with os.replace, which leaves mapped files intact).
    key = cache.build_library(prog.text).key
    so, record = _entry(cache_dir, key, ".so"), _entry(cache_dir, key, ".json")
    if damage == "truncate":
        so.write_bytes(so.read_bytes()[:100])
    elif damage == "garbage":
        so.write_bytes(b"\0" * so.stat().st_size)
    elif damage == "record":
        record.write_text("{not json")
    else:
        record.unlink()
    assert cache.lookup_library(key) is None
    before = toolchain.compile_count()
    k = load(prog, axpy_kernel())
    assert toolchain.compile_count() == before + 1
    assert cache.lookup_library(key) is not None
    y = np.zeros(3)
    k(1.0, np.ones(3), y)
    assert y.tolist() == [1.0, 1.0, 1.0]


def test_compile_error_shows_the_message_and_keeps_the_c_file(cache_dir):
    prog = axpy_program("broken", extra="\n  this is not C;")
    with pytest.raises(CompileError) as info:
        load(prog, axpy_kernel("broken"))
    err = info.value
    assert Path(err.c_file).is_file() and "this is not C" in Path(err.c_file).read_text()
    assert err.c_file in str(err) and "error" in err.compiler_output
    assert not list((cache_dir / "lib").rglob("*.so*"))  # no half-built library left behind


def test_missing_compiler_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("POLYOPT_CC", "/nonexistent/cc")
    with pytest.raises(CompileError, match="POLYOPT_CC"):
        load(axpy_program("nocc"), axpy_kernel("nocc"))


def test_no_cache_builds_in_a_removed_temporary_directory(cache_dir, monkeypatch):
    monkeypatch.setenv("POLYOPT_NO_CACHE", "1")
    before = toolchain.compile_count()
    k1 = load(axpy_program(), axpy_kernel())
    k2 = load(axpy_program(), axpy_kernel())
    assert toolchain.compile_count() == before + 2
    assert not Path(k1.path).exists() and not cache_dir.exists()
    y = np.zeros(2)
    k2(3.0, np.ones(2), y)
    assert y.tolist() == [3.0, 3.0]
    assert cache.lookup_front("anything") is None


def test_no_cache_compile_error_keeps_the_c_file(monkeypatch):
    monkeypatch.setenv("POLYOPT_NO_CACHE", "yes")
    with pytest.raises(CompileError) as info:
        load(axpy_program("broken2", extra="\n  nope;"), axpy_kernel("broken2"))
    assert Path(info.value.c_file).is_file()


def test_config_rejects_bad_booleans(monkeypatch):
    monkeypatch.setenv("POLYOPT_NO_CACHE", "maybe")
    with pytest.raises(Exception, match="POLYOPT_NO_CACHE"):
        config.current()
    monkeypatch.setenv("POLYOPT_NO_CACHE", "0")
    monkeypatch.setenv("POLYOPT_CFLAGS", "-O2 -DX='a b'")
    cfg = config.current()
    assert cfg.use_cache and cfg.cflags == ("-O2", "-DX=a b")
    assert cfg.all_cflags[-2:] == ("-fPIC", "-shared")


def test_front_entries_round_trip_and_survive_corruption(cache_dir):
    compiled = load(axpy_program(), axpy_kernel())
    key = cache.front_key("axpy source", "options")
    assert cache.lookup_front(key) is None
    cache.store_front(key, compiled.meta)
    meta = cache.lookup_front(key)
    assert meta == json.loads(json.dumps(compiled.meta))
    again = load_meta(meta, axpy_kernel())
    y = np.zeros(2)
    again(2.0, np.ones(2), y)
    assert y.tolist() == [2.0, 2.0]
    (cache_dir / "front" / key[:2] / f"{key}.json").write_text("garbage")
    assert cache.lookup_front(key) is None
    # the library vanished: load_meta says so instead of failing
    lib_key = meta["library_key"]
    _entry(cache_dir, lib_key, ".so").unlink()
    assert load_meta(meta, axpy_kernel()) is None
    assert load_meta({"format": 1}, axpy_kernel()) is None


def _race(cache_dir: str, barrier, queue):
    os.environ["POLYOPT_CACHE_DIR"] = cache_dir
    barrier.wait()
    try:
        k = load(axpy_program("raced"), axpy_kernel("raced"))
        y = np.zeros(4)
        k(1.0, np.arange(4.0), y)
        queue.put(y.tolist())
    except BaseException as exc:
        queue.put(repr(exc))


def test_two_processes_compiling_the_same_kernel_both_succeed(cache_dir):
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(str(cache_dir), barrier, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=120)
    assert results == [[0.0, 1.0, 2.0, 3.0]] * 3
    key = cache.library_key(axpy_program("raced").text)
    assert cache.lookup_library(key) is not None
    assert not list((cache_dir / "lib").rglob("*.tmp"))


WARM = textwrap.dedent("""
    import sys, numpy as np
    from polyopt.runtime import cache, load_meta, toolchain
    sys.path.insert(0, {tests!r})
    from conftest import axpy_kernel
    meta = cache.lookup_front({key!r})
    k = load_meta(meta, axpy_kernel())
    y = np.zeros(3)
    k(2.0, np.ones(3), y)
    ran = [m for m in ("polyopt.codegen.generate", "polyopt.poly.build", "cgen") if m in sys.modules]
    print(y.tolist(), toolchain.compile_count(), ran)
""")


def test_warm_front_cache_in_a_new_process_runs_neither_codegen_nor_the_compiler(cache_dir):
    compiled = load(axpy_program(), axpy_kernel())
    key = cache.front_key("axpy", "defaults")
    cache.store_front(key, compiled.meta)
    code = WARM.format(tests=str(Path(__file__).parent), key=key)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["[2.0,", "2.0,", "2.0]", "0", "[]"]
