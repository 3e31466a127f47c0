"""Shared test helper: a kernel compiled with some options agrees with its Python original."""

from __future__ import annotations

import numpy as np


def agrees(kern, args: dict, **options) -> bool:
    """Run the Python original and the kernel compiled with ``options`` on copies of ``args``;
    True when every array ends equal (to 1e-12 relative: gcc may contract a*b+c into an FMA)."""
    want = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    got = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    kern.reference(**want)
    kern.compile(**options)(**got)
    return all(np.allclose(got[k], want[k], rtol=1e-12) for k in want if isinstance(want[k], np.ndarray))
