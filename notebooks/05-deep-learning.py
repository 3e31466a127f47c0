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
# # Deep learning: a strided convolution and a fused matmul + bias + ReLU
# Both come from the suite (`kernels/deep_learning.py`, float32, NCHW), with their inputs.

# %%
import sys

sys.path.insert(0, "..")  # the repository's root folder, where the kernel suite kernels/ lives

import numpy as np

import polyopt as po
from kernels.deep_learning import conv2d, conv2d_case, matmul_bias_relu, matmul_bias_relu_case


def copy(args):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


# %%
args = conv2d_case.inputs("MINI")
mine, ref, numpy = copy(args), copy(args), copy(args)
conv2d(**mine)
conv2d.reference(**ref)
conv2d_case.numpy(**numpy)
# float32, and gcc fuses multiply-adds: equal up to rounding, relative to the values' scale
tol = dict(rtol=1e-4, atol=1e-4 * np.abs(ref["out"]).max())
assert np.allclose(mine["out"], ref["out"], **tol) and np.allclose(mine["out"], numpy["out"], **tol)
conv2d.schedule()

# %%
args = matmul_bias_relu_case.inputs("MINI")
mine, ref = copy(args), copy(args)
matmul_bias_relu(**mine)
matmul_bias_relu.reference(**ref)
assert np.allclose(mine["Y"], ref["Y"], rtol=1e-4, atol=1e-4 * np.abs(ref["Y"]).max()) and (mine["Y"] >= 0).all()
matmul_bias_relu
