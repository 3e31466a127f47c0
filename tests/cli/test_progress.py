"""Progress output: a bar on a terminal (tested on a pseudo-terminal), one line per kernel elsewhere."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import polyopt
from polyopt.cli import main
from polyopt.cli.progress import Progress

from .conftest import DATA

SMALL = str(DATA / "suite" / "small.py")
BARE = str(DATA / "bare.py")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_lines_when_not_on_a_terminal(capsys):
    assert main(["check", SMALL, BARE]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert re.fullmatch(r"check SMALL \[1/3 \d\d:\d\d\] scale: ok \(max rel err 0\.00e\+00\)", lines[0]), lines[0]
    assert [ln.split("] ")[1].split(":")[0] for ln in lines] == ["scale", "matmul", "axpy"]
    assert "3 of 3 kernels match" in out and "[1/3" not in out  # the table stays clean on stdout


def test_quiet_and_failures(capsys, tmp_path, monkeypatch):
    assert main(["compile", SMALL, "-o", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("POLYOPT_CC", str(tmp_path / "no-such-cc"))
    assert main(["compile", BARE, "-o", str(tmp_path)]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("compile [1/1 ") and "axpy: error (" in first and "no-such-cc" in first


def test_progress_bar_names_the_kernel_at_work():
    stream = _Terminal()
    with Progress(2, "bench SMALL", stream=stream, name_width=6) as p:
        p.started("gemm")
        assert "bench SMALL gemm   " in stream.getvalue() and "0/2" in stream.getvalue()
        p.finished("gemm", "ok")
        p.started("syrk")
        p.finished("syrk", "error", "gcc failed")
    text = stream.getvalue()
    assert "bench SMALL: syrk: error (gcc failed)\n" in text  # a failure stays above the bar
    assert re.search(r"bench SMALL done +[█#]+ 2/2 \[\d\d:\d\d\]$", text.rstrip()), text


def _on_a_pty(argv: list[str], env: dict) -> tuple[str, str, int]:
    """Run with stderr on a pseudo-terminal of 100 columns; (terminal text, stdout, status)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed its side
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    return b"".join(chunks).decode(), out, proc.wait()


def test_progress_bar_on_a_pseudo_terminal(cache_dir):
    here = str(Path(polyopt.__file__).parents[1])  # the child imports the polyopt under test
    env = dict(os.environ, POLYOPT_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    terminal, out, status = _on_a_pty([sys.executable, "-m", "polyopt.cli", "check", SMALL, BARE], env)
    assert status == 0, terminal
    frames = [f for f in terminal.split("\r") if f.strip()]
    # The bar is redrawn in place: it names each kernel while it runs, then counts it.
    assert any(re.match(r"check SMALL scale +0/3 \[\d\d:\d\d\]", f) for f in frames), frames
    assert any(re.match(r"check SMALL matmul .*█.* 1/3 \[\d\d:\d\d\]", f) for f in frames), frames
    assert re.match(r"check SMALL done +█+ 3/3 \[\d\d:\d\d\]", frames[-1]), frames[-1]
    assert "\n" not in terminal.rstrip()  # no per-kernel lines on a terminal
    assert "3 of 3 kernels match" in out


# ---------------------------------------------------------------- polyopt cc on several files

SCALE_C = """void scale(int n, double A[n][n], double *restrict v) {
#pragma scop
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      A[i][j] = 2.0 * A[i][j] + v[j];
#pragma endscop
}
"""
SQUARES_C = """void squares(int n, double *restrict v) {
#pragma scop
  for (int i = 0; i < n; i++)
    v[i * i] = 1.0;
#pragma endscop
}
"""


def _c_files(tmp_path: Path) -> list[str]:
    (tmp_path / "a.c").write_text(SCALE_C)
    (tmp_path / "b.c").write_text(SQUARES_C)  # i * i: not affine, an error
    (tmp_path / "c.c").write_text(SCALE_C.replace("scale", "scale2"))
    return [str(tmp_path / n) for n in ("a.c", "b.c", "c.c")]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc preprocesses the C files")
def test_cc_on_several_files_prints_a_line_per_file(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["cc", *_c_files(tmp_path), "-o", str(out)]) == 1  # b.c fails, the others are done
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("cc [")]
    assert len(lines) == 3, err
    assert re.fullmatch(rf"cc \[1/3 \d\d:\d\d\] a\.c: ok \(-> {re.escape(str(out / 'a.c'))}\)", lines[0]), lines[0]
    assert re.match(r"cc \[2/3 \d\d:\d\d\] b\.c: error \(.*b\.c:4:5: error: the subscript `i \* i`",
                    lines[1]), lines[1]
    assert "    4 |     v[i * i] = 1.0;" in err  # the diagnostic itself, gcc style
    assert lines[2].startswith("cc [3/3 ") and "c.c: ok" in lines[2]
    assert (out / "a.c").exists() and (out / "c.c").exists() and not (out / "b.c").exists()
    assert "polyopt_" in (out / "c.c").read_text()
    assert main(["cc", *_c_files(tmp_path)[::2], "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_cc_on_several_files_needs_an_output_directory(tmp_path, capsys):
    files = _c_files(tmp_path)
    assert main(["cc", files[0], files[2], "-o", "-"]) == 2
    assert "-o names a directory" in capsys.readouterr().err
    assert main(["cc", files[0], files[0], "-o", str(tmp_path / "out")]) == 2
    assert "two inputs are named a.c" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc preprocesses the C files")
def test_cc_progress_bar_on_a_pseudo_terminal(tmp_path, cache_dir):
    here = str(Path(polyopt.__file__).parents[1])
    env = dict(os.environ, POLYOPT_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    a, _, c = _c_files(tmp_path)
    terminal, _, status = _on_a_pty([sys.executable, "-m", "polyopt.cli", "cc", a, c, "-o", str(tmp_path / "out")],
                                    env)
    assert status == 0, terminal
    frames = [f for f in terminal.split("\r") if f.strip()]
    assert any(re.match(r"cc a\.c +0/2 \[\d\d:\d\d\]", f) for f in frames), frames
    assert any(re.match(r"cc c\.c .*█.* 1/2 \[\d\d:\d\d\]", f) for f in frames), frames
    assert re.match(r"cc done +█+ 2/2 \[\d\d:\d\d\]", frames[-1]), frames[-1]
    assert "\n" not in terminal.rstrip()  # no per-file lines on a terminal
