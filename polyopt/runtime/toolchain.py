"""The C compiler: invocation, identity, and a compilation counter.

Part of the runtime (C text -> shared library -> callable).  :func:`compile_shared` turns a C
file into a shared library and translates every failure into :class:`CompileError` carrying the
compiler's output and the path of the C file (which is kept).  :func:`compiler_identity` is the
compiler's ``--version`` output (plus the machine for ``-march=native``), computed once per
process and compiler, for cache keys.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence

from ..errors import CompileError

_MAX_OUTPUT = 6000  # characters of compiler output kept in an error message

_identity_cache: dict[str, str] = {}
_machine: str | None = None
_lock = threading.Lock()
_compilations = 0
_hooks: list[Callable[[str, str], None]] = []


def compile_count() -> int:
    """How many times this process has run the compiler on a kernel."""
    return _compilations


def add_compile_hook(hook: Callable[[str, str], None]) -> Callable[[], None]:
    """Call ``hook(c_path, so_path)`` after every successful compilation; returns a remover."""
    _hooks.append(hook)
    return lambda: _hooks.remove(hook) if hook in _hooks else None


def compiler_identity(cc: str, cflags: Sequence[str] = ()) -> str:
    """A string identifying the compiler (its path and ``--version``), cached per process.

    With ``-march=native`` the machine's CPU model and flags are included too, because the same
    compiler generates different code on different machines.
    """
    key = cc + ("\0native" if any(f.startswith(("-march=native", "-mcpu=native", "-mtune=native"))
                                  for f in cflags) else "")
    with _lock:
        if key in _identity_cache:
            return _identity_cache[key]
    path = shutil.which(cc) or cc
    try:
        proc = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=60)
        version = proc.stdout.strip() or proc.stderr.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise _missing_compiler(cc, exc) from exc
    ident = f"{path}\n{version}"
    if key.endswith("native"):
        ident += "\n" + machine_identity()
    with _lock:
        _identity_cache[key] = ident
    return ident


def machine_identity() -> str:
    """The CPU architecture, model and feature flags (what ``-march=native`` depends on), cached."""
    global _machine
    if _machine is not None:
        return _machine
    text = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags", "Features"))]
        # All cores are normally identical; one of each line identifies the CPU.
        text += "\n" + hashlib.sha256("".join(sorted(set(lines))).encode()).hexdigest()
    except OSError:
        pass
    _machine = text
    return text


def _missing_compiler(cc: str, exc: BaseException) -> CompileError:
    return CompileError(f"cannot run the C compiler {cc!r}: {exc}\n"
                        "    hint: install gcc or set POLYOPT_CC to a C compiler that accepts gcc's flags",
                        compiler_output=str(exc))


def compile_shared(c_path: str, so_path: str, cc: str, cflags: Sequence[str], *,
                   what: str = "kernel") -> None:
    """Compile ``c_path`` into the shared library ``so_path``; raises CompileError on failure."""
    global _compilations
    # -lm: the library must name the math library it calls (the SIMD variants of libmvec are
    # not in the Python process otherwise, and loading it would fail)
    cmd = [cc, *cflags, "-o", so_path, c_path, "-lm"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as exc:
        raise _missing_compiler(cc, exc) from exc
    if proc.returncode != 0:
        output = (proc.stderr + proc.stdout).strip()
        shown = output if len(output) <= _MAX_OUTPUT else output[:_MAX_OUTPUT] + "\n[... truncated]"
        raise CompileError(
            f"{cc} failed to compile the generated C for {what} (exit status {proc.returncode}):\n"
            f"{shown}\ncommand: {' '.join(cmd)}\nC file: {c_path}",
            c_file=c_path, compiler_output=output)
    with _lock:
        _compilations += 1
    for hook in list(_hooks):
        hook(c_path, so_path)
