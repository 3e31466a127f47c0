"""A wall-clock limit for the isl computations that isl's operation budget cannot stop.

isl counts operations in most of its algorithms, but not in all: its AST generator's stride
detection (``isl_ast_build_detect_strides`` -> ``isl_set_get_stride_info`` -> an affine hull ->
generalized basis reduction) pivots without counting, and ran for minutes on fuzz seeds 4269 and
4481; its scheduler did the same on seed 4250 (``benchmarks/results/fuzz_hangs_2026-12-06``).  A
Python signal handler never runs while isl holds the thread, and isl offers no way to interrupt it
from another thread.  So :func:`run_bounded` runs such a computation in a forked child process and
waits for its pickled result until the deadline; past it, the child is killed and the caller gets
:class:`~polyopt.errors.TimeLimitExceeded`.  The same guard turns a crash inside isl (an abort on
an internal assertion) into an error instead of the end of the user's process.

A fork costs about 10 ms in a process that has polyopt, islpy and NumPy loaded (AMD EPYC Zen 3 VM),
against 50 ms to seconds for the computations guarded.  The child's work is lost to the parent:
only the returned value comes back, so the guarded function must return everything it computed
(and its value must pickle).  Without ``os.fork`` (not Linux), inside a guarded child, or with
``POLYOPT_ISL_SECONDS=0``, the function runs in the calling process, unguarded.
"""

from __future__ import annotations

import contextvars
import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from ..config import isl_seconds
from ..errors import InternalError, TimeLimitExceeded

T = TypeVar("T")

_IN_CHILD = False
_CAP: contextvars.ContextVar[float | None] = contextvars.ContextVar("polyopt_seconds_cap", default=None)


@contextmanager
def capped(seconds: float):
    """Within the body, no :func:`run_bounded` waits longer than ``seconds`` (the autotuner gives a
    candidate no more time than its budget has left)."""
    token = _CAP.set(seconds)
    try:
        yield
    finally:
        _CAP.reset(token)


def limit() -> float | None:
    """The seconds :func:`run_bounded` grants now, or None when it runs functions unguarded."""
    if _IN_CHILD or not hasattr(os, "fork"):
        return None
    seconds = isl_seconds()
    cap = _CAP.get()
    if seconds is None or cap is None:
        return seconds
    return min(seconds, max(cap, 0.1))


def run_bounded(fn: Callable[[], T], what: str, hint: str = "") -> T:
    """``fn()``, computed in a child process that may take at most :func:`limit` seconds.

    Exceptions raised by ``fn`` reach the caller as they were raised (polyopt's errors keep every
    attribute; an exception that does not pickle becomes an :class:`InternalError` with its
    traceback).  Raises :class:`TimeLimitExceeded` naming ``what`` past the limit, and
    :class:`InternalError` when the child dies without an answer (a crash inside isl).
    """
    seconds = limit()
    if seconds is None:
        return fn()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, answer, and leave without running the parent's exit handlers
        os.close(read_end)
        _answer(fn, write_end)
    os.close(write_end)
    try:
        payload = _collect(read_end, time.monotonic() + seconds)
    finally:
        os.close(read_end)
        _reap(pid)
    if payload is None:
        raise TimeLimitExceeded(
            f"{what} did not finish within {seconds:g} s", seconds=seconds,
            hint=hint or "set POLYOPT_ISL_SECONDS to allow more time, or simplify the kernel")
    if not payload:
        raise InternalError(f"{what} ended without an answer (isl crashed)",
                            hint="please report the kernel; compile with simpler options meanwhile")
    ok, value = pickle.loads(payload)
    if ok:
        return value
    raise value


def _answer(fn: Callable[[], object], fd: int) -> None:
    global _IN_CHILD
    _IN_CHILD = True
    code = 0
    try:
        try:
            payload = pickle.dumps((True, fn()))
        except BaseException as exc:  # every failure goes back to the parent, which raises it
            try:
                payload = pickle.dumps((False, exc))
            except Exception:
                text = "".join(traceback.format_exception(exc))
                payload = pickle.dumps((False, InternalError(f"polyopt failed in a guarded computation:\n{text}")))
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:  # nothing may escape into the parent's code running in this process
        code = 1
    finally:
        os._exit(code)


def _collect(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes to ``fd`` up to its end, or None at ``deadline``."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> None:
    """Stop the child (it may still run past the deadline) and collect its exit status."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)

