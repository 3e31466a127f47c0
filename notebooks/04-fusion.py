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
# # Fusion: 2mm with each fusion policy

# %%
import sys

sys.path.insert(0, "..")  # the repository's root folder, where the kernel suite kernels/ lives

import numpy as np

import polyopt as po
from kernels.linalg import mm2, mm2_case

# %%
args = mm2_case.inputs("MINI")
expect = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
mm2.reference(**expect)
for fuse in ("smart", "max", "none"):
    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
    mm2.compile(fuse=fuse)(**out)
    assert np.allclose(out["D"], expect["D"])
    print(fuse, mm2.schedule(fuse=fuse).fusion)

# %% [markdown]
# With `fuse="max"`, the initialisation of `tmp` (S0) and the scaling of `D` (S2) share their outer loops:

# %%
po.plot_fusion(mm2.schedule(fuse="max", tile=False), ("S0", "S2"), NI=4, NJ=5, NK=3, NL=4)

# %%
table = po.compare(mm2, {f: {"fuse": f} for f in ("smart", "max", "none")},
                   NI=48, NJ=48, NK=48, NL=48, repeat=3)
print(table)
table
