"""The kernel suite (``kernels/``) end to end at MINI size.

Every Case found by :func:`polyopt.suite.discover` is compiled with the default options and with
``scheduler="none"`` and run on copies of its preset inputs; the outputs must match the kernel's
executable specification (``Kernel.reference``, the original Python function).  Declared NumPy
formulations must match the reference too.  The reference is slow pure Python, so it runs once per
kernel (MINI only) and its result is shared by the tests of that kernel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import polyopt as po
from polyopt.config import EXACT_CFLAGS
from polyopt.suite import PRESETS, discover

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
CASES = {c.name: c for c in discover([KERNELS])}
CONFIGS = {"default": {}, "none": {"scheduler": "none"}}
_REFERENCE: dict[str, dict] = {}

# Kernels whose PolyBench inputs amplify rounding differences without bound: gramschmidt's MINI
# matrix is rank deficient (M < N), so columns past the rank are normalised rounding noise.  They
# are compiled without floating-point contraction (no fma), which makes every schedule that keeps
# the dependences compute bit for bit what the Python reference computes; they are then compared
# exactly, a stronger check than a tolerance.
EXACT = {"gramschmidt"}
NO_CONTRACTION = " ".join(EXACT_CFLAGS)


def _copy(inputs: dict) -> dict:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}


def _reference(case) -> tuple[dict, dict]:
    """(fresh MINI inputs, the arguments after running the reference on them), computed once."""
    if case.name not in _REFERENCE:
        inputs = case.inputs("MINI")
        ref = _copy(inputs)
        case.kernel.reference(**ref)
        _REFERENCE[case.name] = ref
    return case.inputs("MINI"), _REFERENCE[case.name]


def _rtol(arr: np.ndarray) -> float:
    # Schedules keep every dependence, so only gcc's contractions (fma) and, for NumPy
    # formulations, the summation order differ from the reference.
    return 1e-4 if arr.dtype == np.float32 else 1e-8


def _assert_same(got: dict, ref: dict, what: str) -> None:
    for name, want in ref.items():
        if not isinstance(want, np.ndarray):
            continue
        have = got[name]
        if np.issubdtype(want.dtype, np.floating):
            scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
            ok = np.allclose(have, want, rtol=_rtol(want), atol=_rtol(want) * scale)
        else:
            ok = np.array_equal(have, want)
        if not ok:
            bad = np.argwhere(~np.isclose(have, want, rtol=_rtol(want)))
            where = tuple(bad[0]) if len(bad) else ()
            pytest.fail(f"{what}: array '{name}' differs from the reference "
                        f"(first at {where}: {have[where]!r} vs {want[where]!r})")


def test_suite_is_complete():
    """The 30 PolyBench kernels and the deep-learning ones are all there, each fully described."""
    assert len(CASES) >= 30
    for case in CASES.values():
        assert set(case.sizes) == set(PRESETS), case.name
        assert case.init is not None and case.flops is not None, case.name
        assert case.category, case.name
        assert case.flop_count("MINI") > 0, case.name


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("name", CASES)
def test_compiled_matches_reference(name, config, monkeypatch):
    case = CASES[name]
    inputs, ref = _reference(case)
    if name in EXACT:
        monkeypatch.setenv("POLYOPT_CFLAGS", NO_CONTRACTION)
        # a fresh Kernel: compiled callables are kept per schedule options, not per compiler flags
        po.kernel(case.kernel.py_func).compile(**CONFIGS[config])(**inputs)
        for arr_name, want in ref.items():
            if isinstance(want, np.ndarray):
                np.testing.assert_array_equal(inputs[arr_name], want, err_msg=f"{name} [{config}]")
        return
    case.kernel.compile(**CONFIGS[config])(**inputs)
    _assert_same(inputs, ref, f"{name} [{config}]")


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.numpy is not None])
def test_numpy_formulation_matches_reference(name):
    case = CASES[name]
    inputs, ref = _reference(case)
    case.numpy(**inputs)
    _assert_same(inputs, ref, f"{name} [numpy]")


@pytest.mark.parametrize("name", CASES)
def test_presets_bind(name):
    """Every preset's inputs have the shapes the kernel expects (binding checks them)."""
    case = CASES[name]
    params = case.params_for("MINI")
    bound = case.kernel.bind(**case.inputs("MINI"))
    assert {k: bound[k] for k in params} == params
