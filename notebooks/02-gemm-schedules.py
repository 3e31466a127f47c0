# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # GEMM: tile sizes, loop orders, timing side by side

# %%
import sys

sys.path.insert(0, "..")  # the repository's root folder, where the kernel suite kernels/ lives

import numpy as np

import polyopt as po
from kernels.blas import gemm

# %%
base = gemm.schedule(scheduler="none")
print(base)

# %% [markdown]
# ## A loop order by hand: (i, j, k), fused with the initialisation, parallel over i

# %%
ijk = base.interchange(2, 3, stmts="S1").fuse(1).parallelize(0)
print("\n".join(ijk.trace))
ijk

# %%
try:
    base.fuse(1)  # fusing before the interchange breaks a dependence
    raise AssertionError("should be illegal")
except po.IllegalScheduleError as e:
    print(e)
    assert "on C" in str(e)

# %%
tiled = ijk.tile(0, (16, 16))
rng = np.random.default_rng(0)
C, A, B = rng.random((40, 30)), rng.random((40, 20)), rng.random((20, 30))
C2 = C.copy()
gemm.compile(schedule=tiled)(1.5, 1.2, C, A, B)
gemm.reference(1.5, 1.2, C2, A, B)
assert np.allclose(C, C2)

# %% [markdown]
# The tiles of the hand schedule in the (i, j) plane of the fused nest's first statement:

# %%
po.plot_tiles(tiled, "S0", NI=40, NJ=30, NK=20)

# %%
table = po.compare(gemm, {"auto": gemm.schedule(), "auto tile=16": gemm.schedule(tile=16),
                          "ijk tiled": tiled, "none": "none"}, NI=96, NJ=96, NK=96, repeat=3)
print(table)
assert len(table.medians) == 4
table.plot()
