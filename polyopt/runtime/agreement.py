"""Whether two runs of a kernel agree: the tolerance ``polyopt check``, ``po.compare`` and the
benchmarks hold a compiled kernel to, relative to the largest magnitude of each array."""

from __future__ import annotations

import numpy as np

DEFAULT_RTOL = {"f": {4: 1e-4, 8: 1e-9}}
# For a kernel whose schedule reassociates a reduction (a parallel or SIMD sum): durbin's
# recurrence amplifies the reordered sum's rounding to 1.6e-8 of its output at LARGE (float64).
REASSOCIATED_RTOL = {4: 1e-4, 8: 1e-6}



def compare(expected: np.ndarray, actual: np.ndarray, rtol: float | None,
            reassociated: bool = False) -> tuple[float, float, bool]:
    """(max absolute error, max error relative to the array's scale, within tolerance); the default
    tolerance is looser when the kernel's schedule ``reassociated`` a reduction."""
    if expected.shape != actual.shape:
        return float("inf"), float("inf"), False
    if expected.dtype.kind not in "fc":
        diff = np.abs(expected.astype(np.int64) - actual.astype(np.int64)) if expected.size else np.zeros(1)
        err = float(diff.max()) if diff.size else 0.0
        return err, err, err == 0.0
    default = REASSOCIATED_RTOL if reassociated else DEFAULT_RTOL["f"]
    tol = rtol if rtol is not None else default.get(expected.dtype.itemsize, 1e-9)
    both_nan = np.isnan(expected) & np.isnan(actual)
    diff = np.where(both_nan, 0.0, np.abs(expected.astype(np.float64) - actual.astype(np.float64)))
    if not diff.size:
        return 0.0, 0.0, True
    abs_err = float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan")
    if np.isnan(diff).any():  # NaN on one side only
        return float("nan"), float("nan"), False
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(float(finite.max()) if finite.size else 0.0, 1e-300)
    rel = abs_err / scale
    return abs_err, rel, rel <= tol
