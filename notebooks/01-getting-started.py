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
# # Getting started
# Write a kernel as a Python function, call it on NumPy arrays, and look at each stage of the
# pipeline: the polyhedral model, the dependences, the schedule and the generated C.

# %%
import sys

sys.path.insert(0, "..")  # the repository's root folder, where the kernel suite kernels/ lives

import numpy as np

import polyopt as po

# %% [markdown]
# A kernel is loops over `range()` with array updates. Sizes are symbols: each call binds them
# from the shapes of the arrays it is given.

# %%
N, M = po.symbols("N M")


@po.kernel
def scale_add(alpha: po.f64, A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            A[i, j] = alpha * A[i, j] + B[i, j]


# %%
rng = np.random.default_rng(0)
A, B = rng.random((30, 20)), rng.random((30, 20))
A2 = A.copy()
scale_add(2.0, A, B)  # the generated C: parallel, vectorized, compiled once and cached on disk
scale_add.reference(2.0, A2, B)  # the original Python function, the executable specification
assert np.allclose(A, A2)

# %% [markdown]
# Every stage prints a one-line summary (its `repr`), a full text (`print`) and, in a notebook, a table.

# %%
for stage in (scale_add.scop, scale_add.dependences(), scale_add.schedule()):
    print(repr(stage))

# %%
scale_add.scop

# %%
scale_add.dependences()

# %%
s = scale_add.schedule()
assert "parallel" in str(s)
s

# %% [markdown]
# ## The schedule as a picture
# With 4x4 tiles on a 10x12 instance: each tile is outlined in its own colour, numbered and
# joined by an arrow to the next one in the order the generated code runs them. The outer tile
# loop is parallel: the tiles of one column run on different threads.

# %%
po.plot_tiles(scale_add.schedule(tile=4), "S0", N=10, M=12)

# %% [markdown]
# The kernel itself shows the C generated for its default options, OpenMP pragmas highlighted:

# %%
scale_add

# %% [markdown]
# ## Kernels of the suite
# `kernels/` holds the PolyBench and deep-learning suite. Each kernel comes with a `Case`: its size
# presets, inputs, flop count and a NumPy formulation (what `polyopt check` and `polyopt bench` use).

# %%
from kernels.blas import gemm, gemm_case

args = gemm_case.inputs("MINI")
expect = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
gemm(**args)
gemm.reference(**expect)
assert np.allclose(args["C"], expect["C"])
gemm.schedule()
