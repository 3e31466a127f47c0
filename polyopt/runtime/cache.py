"""The content-addressed disk cache: compiled libraries and program metadata.

Part of the runtime (C text -> shared library -> callable).  Two levels:

1. **Libraries** (``<dir>/lib/<k2>/<key>.{c,so,json}``): the key hashes the C text, polyopt's own
   source files, the islpy and cgen versions, the compiler's identity (``--version``, and the CPU
   for ``-march=native``) and the flags.  ``<key>.json`` records the size and SHA-256 of the
   ``.so``; an entry whose library does not match it (truncated, corrupt, half-copied) is rebuilt.
2. **Front entries** (``<dir>/front/<k2>/<key>.json``): a key -> metadata store so that, with a
   warm cache, a new process calls a kernel without running the polyhedral pipeline or the
   compiler.  The caller computes the key with :func:`front_key` from what determines the
   program (kernel source, options), stores :attr:`CompiledKernel.meta` with :func:`store_front`
   after compiling, and later gives :func:`lookup_front`'s result to
   :func:`polyopt.runtime.load_meta`.

Every file is published atomically (written to a temporary file in the same directory, then
``os.replace``), so readers only ever see complete files and two processes compiling the same
kernel at once both succeed (gcc's output for the same C file and flags is byte-identical).
``POLYOPT_CACHE_DIR`` moves the cache; ``POLYOPT_NO_CACHE=1`` builds each library in a temporary
directory that is removed once loaded (see :mod:`polyopt.config`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from .. import config
from . import toolchain

FORMAT = 1
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_fingerprint: str | None = None
_versions: str | None = None


# ---------------------------------------------------------------- keys


def source_fingerprint() -> str:
    """SHA-256 of polyopt's own Python source files (computed once per process)."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256()
        for path in sorted(_PACKAGE_DIR.rglob("*.py")):
            h.update(str(path.relative_to(_PACKAGE_DIR)).encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
        _fingerprint = h.hexdigest()
    return _fingerprint


def library_versions() -> str:
    """The islpy and cgen versions, without importing them (computed once per process)."""
    global _versions
    if _versions is None:
        from importlib import metadata

        parts = []
        for dist in ("islpy", "cgen"):
            try:
                parts.append(f"{dist}={metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{dist}=none")
        _versions = ";".join(parts)
    return _versions


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", errors="surrogatepass") + b"\0")
    return h.hexdigest()


def library_key(c_text: str, cfg: config.Config | None = None) -> str:
    """The key of the library built from ``c_text`` with the current compiler and flags."""
    cfg = cfg or config.current()
    return _digest(f"lib-v{FORMAT}", c_text, source_fingerprint(), library_versions(),
                   toolchain.compiler_identity(cfg.cc, cfg.all_cflags), " ".join(cfg.all_cflags))


def front_key(*parts: str, cfg: config.Config | None = None) -> str:
    """A front-cache key from ``parts`` (e.g. the kernel's source and options key).

    It also covers polyopt's source, the islpy/cgen versions, the compiler command and flags, and
    the CPU when compiling for ``-march=native``; it does not run the compiler (so an upgraded
    compiler keeps serving libraries built by the old one, which remain valid).
    """
    cfg = cfg or config.current()
    flags = " ".join(cfg.all_cflags)
    machine = toolchain.machine_identity() if "native" in flags else ""
    return _digest(f"front-v{FORMAT}", *parts, source_fingerprint(), library_versions(), cfg.cc, flags,
                   machine)


# ---------------------------------------------------------------- files


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _entry_dir(root: Path, kind: str, key: str) -> Path:
    return root / kind / key[:2]


@dataclass(frozen=True)
class Library:
    """A compiled shared library on disk; ``temp_dir`` is removed by :meth:`release`."""

    path: Path
    key: str
    temp_dir: Path | None = None

    def release(self) -> None:
        """Remove the temporary build directory (a loaded library stays mapped)."""
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def lookup_library(key: str, cfg: config.Config | None = None) -> Library | None:
    """The verified cached library for ``key``, or None (missing, or not matching its record)."""
    cfg = cfg or config.current()
    if not cfg.use_cache:
        return None
    d = _entry_dir(cfg.cache_dir, "lib", key)
    so, record = d / f"{key}.so", d / f"{key}.json"
    try:
        meta = json.loads(record.read_text())
        if (meta.get("format") != FORMAT or so.stat().st_size != meta["size"]
                or _file_sha256(so) != meta["sha256"]):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Library(so, key)


def invalidate_library(key: str, cfg: config.Config | None = None) -> None:
    """Forget a cached library (e.g. one that verified but failed to load)."""
    cfg = cfg or config.current()
    d = _entry_dir(cfg.cache_dir, "lib", key)
    for suffix in (".json", ".so"):
        try:
            (d / f"{key}{suffix}").unlink()
        except OSError:
            pass


def build_library(c_text: str, *, what: str = "kernel", cfg: config.Config | None = None) -> Library:
    """The library for ``c_text``: from the cache when present and intact, else compiled.

    With the cache off (or its directory unusable) the library is built in a temporary
    directory; call :meth:`Library.release` once it is loaded.
    """
    cfg = cfg or config.current()
    key = library_key(c_text, cfg)
    if cfg.use_cache:
        found = lookup_library(key, cfg)
        if found is not None:
            return found
        d = _entry_dir(cfg.cache_dir, "lib", key)
        try:
            d.mkdir(parents=True, exist_ok=True)
            _atomic_write(d / f"{key}.c", c_text.encode())
        except OSError as exc:
            warnings.warn(f"polyopt: cache directory {cfg.cache_dir} is not usable ({exc}); compiling "
                          "without the cache (set POLYOPT_CACHE_DIR or POLYOPT_NO_CACHE=1)",
                          RuntimeWarning, stacklevel=2)
        else:
            return _compile_into_cache(d, key, cfg, what)
    return _compile_temporary(c_text, key, cfg, what)


def _compile_into_cache(d: Path, key: str, cfg: config.Config, what: str) -> Library:
    c_path, so = d / f"{key}.c", d / f"{key}.so"
    tmp = d / f".{key}.{os.getpid()}.{uuid.uuid4().hex}.so.tmp"
    try:
        # Compile the published C file (not a private copy): the file name ends up in the
        # library, so concurrent builds of the same key produce identical bytes.
        toolchain.compile_shared(str(c_path), str(tmp), cfg.cc, cfg.all_cflags, what=what)
        record = {"format": FORMAT, "size": tmp.stat().st_size, "sha256": _file_sha256(tmp)}
        os.replace(tmp, so)
        _atomic_write(d / f"{key}.json", json.dumps(record).encode())
    finally:
        if tmp.exists():
            tmp.unlink()
    return Library(so, key)


def _compile_temporary(c_text: str, key: str, cfg: config.Config, what: str) -> Library:
    d = Path(tempfile.mkdtemp(prefix="polyopt-"))
    c_path, so = d / f"{key}.c", d / f"{key}.so"
    c_path.write_text(c_text)
    # On failure the directory is kept: the error message points at the C file in it.
    toolchain.compile_shared(str(c_path), str(so), cfg.cc, cfg.all_cflags, what=what)
    return Library(so, key, temp_dir=d)


# ---------------------------------------------------------------- front entries


def lookup_front(key: str, cfg: config.Config | None = None) -> dict | None:
    """The metadata stored under ``key`` by :func:`store_front`, or None."""
    cfg = cfg or config.current()
    if not cfg.use_cache:
        return None
    path = _entry_dir(cfg.cache_dir, "front", key) / f"{key}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("meta"), dict):
        return None
    return data["meta"]


def store_front(key: str, meta: dict, cfg: config.Config | None = None) -> None:
    """Store JSON-serializable ``meta`` under ``key`` (a no-op when the cache is off or unusable)."""
    cfg = cfg or config.current()
    if not cfg.use_cache:
        return
    d = _entry_dir(cfg.cache_dir, "front", key)
    try:
        d.mkdir(parents=True, exist_ok=True)
        _atomic_write(d / f"{key}.json", json.dumps({"format": FORMAT, "meta": meta}).encode())
    except OSError as exc:
        warnings.warn(f"polyopt: cannot write to cache directory {cfg.cache_dir}: {exc}",
                      RuntimeWarning, stacklevel=2)
