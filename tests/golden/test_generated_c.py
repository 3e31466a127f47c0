"""Golden files of generated C: the whole translation unit, default options, of a few suite kernels.

The FileCheck-style tests check what a schedule must contain; these keep everything the code
generator prints, so that any change in emitted code shows up in review as a diff of
``tests/golden/*.c``.  When a change is intended, rewrite the files and commit them with it::

    python3 -m pytest -q -p no:cacheprovider tests/golden --update-golden

The C depends on the machine only through its SIMD register file (pinned to AVX-512's for every
test by ``tests/conftest.py``), and on one more thing: the header comment names the kernel's source file by
the path it was imported from.  The comparison uses that path relative to the repository (the
kernels are loaded from this checkout), so the golden files do not depend on where it lives.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from polyopt.suite import cases_in_file

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
UPDATE = "python3 -m pytest -q -p no:cacheprovider tests/golden --update-golden"

# golden file name -> (suite file in kernels/, kernel); what each one shows of the code generator
KERNELS = {
    "gemm": ("blas.py", "gemm"),  # a tiled 3-deep band, the init in a nest of its own, outlined bodies
    "jacobi_2d": ("stencils.py", "jacobi_2d"),  # a time-tiled stencil: skewed, wavefront-parallel
    "seidel_2d": ("stencils.py", "seidel_2d"),  # an in-place stencil: pipelined tiles
    "gemver": ("blas.py", "gemver"),  # a fused pair (S0, S1 in one nest; smart fusion leaves 2mm apart)
    "atax": ("linalg.py", "atax"),  # a reduction along the innermost loop, kept serial
    "conv2d": ("deep_learning.py", "conv2d"),  # 3x3 taps kept around the SIMD loop, never tiled
}

_HEADER = re.compile(r"^( \* polyopt kernel '[^']*' from )(.+):(\d+)$", re.M)


def portable(c_text: str) -> str:
    """``c_text`` with the header's source path made relative to the repository."""
    def relative(m: re.Match) -> str:
        path = Path(m.group(2))
        if path.is_absolute() and path.is_relative_to(ROOT):
            path = path.relative_to(ROOT)
        return f"{m.group(1)}{path.as_posix()}:{m.group(3)}"

    return _HEADER.sub(relative, c_text, count=1)


def generated(name: str) -> str:
    file, kernel = KERNELS[name]
    cases = {c.name: c for c in cases_in_file(ROOT / "kernels" / file)}
    return portable(cases[kernel].kernel.c_source())


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_generated_c_matches_its_golden_file(name, request):
    path = GOLDEN / f"{name}.c"
    current = generated(name)
    if request.config.getoption("--update-golden"):
        if not path.exists() or path.read_text() != current:
            path.write_text(current)
        return
    if not path.exists():
        pytest.fail(f"no golden file {path.relative_to(ROOT)}; write it with: {UPDATE}", pytrace=False)
    golden = path.read_text()
    if current != golden:
        diff = "".join(difflib.unified_diff(golden.splitlines(keepends=True), current.splitlines(keepends=True),
                                            f"{path.relative_to(ROOT)} (golden)", f"{name}: generated now"))
        pytest.fail(f"the generated C of {name} changed:\n{diff}\nIf the change is intended, review it, "
                    f"then rewrite the golden files and commit them: {UPDATE}", pytrace=False)


def test_every_golden_file_belongs_to_a_listed_kernel(request):
    stale = sorted(p for p in GOLDEN.glob("*.c") if p.stem not in KERNELS)
    if request.config.getoption("--update-golden"):
        for path in stale:
            path.unlink()
        return
    assert not stale, f"golden files of kernels no longer listed in KERNELS: {[p.name for p in stale]}; {UPDATE}"


def test_the_header_path_is_made_relative_to_the_repository():
    head = f"/*\n * polyopt kernel 'k' from {ROOT / 'kernels' / 'blas.py'}:29\n * options: x\n */\n"
    assert portable(head) == "/*\n * polyopt kernel 'k' from kernels/blas.py:29\n * options: x\n */\n"
    elsewhere = head.replace(str(ROOT), "/elsewhere")
    assert portable(elsewhere) == elsewhere  # outside the repository: kept, and the comparison fails
    text = generated("seidel_2d")
    assert text.startswith("/*\n * polyopt kernel 'seidel_2d' from kernels/stencils.py:") and str(ROOT) not in text
