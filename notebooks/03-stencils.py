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
# # Stencils: skewing, tiling, wavefronts, pictures
# A 1-D Gauss-Seidel sweep: small enough to see every point of its iteration space.

# %%
import numpy as np

import polyopt as po

# %%
N = po.symbols("N")


@po.kernel
def seidel(T: int, A: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            A[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0


# %%
seidel.dependences()

# %%
po.plot_domain(seidel, "S0", T=6, N=10)

# %%
s = seidel.schedule(scheduler="none")
try:
    s.parallelize(1)
    raise AssertionError("the i loop carries a dependence")
except po.IllegalScheduleError as e:
    print(e)

# %% [markdown]
# ## Skew, then a wavefront: the inner loop becomes parallel

# %%
w = s.skew(1, 0, 2).skew(0, 1, 1).interchange(0, 1).parallelize(1)
a = np.random.default_rng(0).random(50)
b = a.copy()
seidel.compile(schedule=w)(8, a)
seidel.reference(8, b)
assert np.allclose(a, b)
po.plot_wavefronts(w, "S0", T=6, N=10)

# %% [markdown]
# ## What the scheduler finds: skewed tiles, run as a wavefront of tiles

# %%
auto = seidel.schedule(tile=4)
print(auto)
po.plot_tiles(auto, "S0", T=8, N=14)

# %%
po.plot_wavefronts(auto, "S0", T=8, N=14)
