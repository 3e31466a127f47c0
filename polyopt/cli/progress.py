"""Progress of a command that works through many kernels or files (check, compile, bench, cc).

On a terminal: one tqdm bar on stderr that names the kernel at work, counts ``n/total`` and shows
the elapsed time; a kernel that fails is printed above the bar as soon as it fails.  Elsewhere
(a pipe, a CI log, a file): one line per kernel as it finishes, so a long run is never silent and
the log says how far it got::

    check SMALL [ 3/30 00:41] gemm: ok (max rel err 0.00e+00)

Everything goes to stderr, so the result table on stdout stays clean for pipes and files.
"""

from __future__ import annotations

import os
import sys
import time


def add_progress_option(parser) -> None:
    """``-q/--quiet``: no progress output (the command's results are still printed)."""
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")


class Progress:
    """Reports kernels as they start and finish.  Use as a context manager::

        with Progress(len(targets), "check SMALL") as progress:
            for t in targets:
                progress.started(t.name)
                progress.finished(t.name, status, "detail")
    """

    def __init__(self, total: int, label: str, *, stream=None, enabled: bool = True, name_width: int = 0):
        self.total = total
        self.label = label
        self.name_width = name_width  # the longest kernel name, so that the bar does not move
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled and total > 0
        self.done = 0
        self._start = time.monotonic()
        self._bar = None
        if self.enabled and _is_terminal(self.stream):
            from tqdm import tqdm

            # A terminal that reports no width (some CI pseudo-terminals) would get no bar at all.
            sized = _columns(self.stream) > 0
            self._bar = tqdm(total=total, desc=self._desc(""), file=self.stream, leave=True,
                             dynamic_ncols=sized, ncols=None if sized else 100,
                             bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]")

    def _desc(self, what: str) -> str:
        return f"{self.label} {what:<{self.name_width}}"

    def started(self, name: str) -> None:
        """``name`` is now being worked on (shown in the bar; jobs run one at a time)."""
        if self._bar is not None:
            self._bar.set_description_str(self._desc(name))

    def finished(self, name: str, status: str, detail: str = "") -> None:
        """``name`` is done with ``status`` ("ok", "error", "mismatch", ...); ``detail`` is a short fact."""
        self.done += 1
        if not self.enabled:
            return
        what = f"{name}: {status}" + (f" ({detail})" if detail else "")
        if self._bar is None:
            width = len(str(self.total))
            elapsed = _clock(time.monotonic() - self._start)
            print(f"{self.label} [{self.done:>{width}}/{self.total} {elapsed}] {what}", file=self.stream,
                  flush=True)
            return
        if status != "ok":  # a failure stays on screen above the bar
            self._bar.write(f"{self.label}: {what}", file=self.stream)
        self._bar.set_description_str(self._desc(name if self.done < self.total else "done"), refresh=False)
        self._bar.update(1)

    def write(self, text: str) -> None:
        """Print ``text`` (a diagnostic) on the stream, above the bar on a terminal; also when quiet."""
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def _clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour), as tqdm shows elapsed time."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
