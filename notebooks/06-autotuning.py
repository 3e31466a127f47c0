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
# # Autotuning: search the legal plans on this machine
#
# The default plan follows rules measured on other machines. `kernel.tune(...)` ranks candidate
# plans (tile sizes, loop orders, fusion, thread thresholds ...) with a cost model, measures the
# promising ones against the best so far on copies of the arguments, and remembers the winner for
# this machine and this size class.

# %%
import numpy as np

import polyopt as po

NI, NJ, NK = po.symbols("NI NJ NK")


@po.kernel
def matmul_acc(C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += A[i, k] * B[k, j]


rng = np.random.default_rng(0)
C, A, B = np.zeros((300, 280)), rng.random((300, 260)), rng.random((260, 280))

# %% [markdown]
# The machine the results are filed under:

# %%
from polyopt.tune.machine import current_machine

print(current_machine().describe())

# %% [markdown]
# Tune for these sizes with a small budget (seconds, compilation included). The report lists
# every candidate: the model's prediction, the measured time, and what became of it; its HTML
# view plots predicted against measured.

# %%
before = C.copy()
report = matmul_acc.tune(C, A, B, budget=8)
assert np.array_equal(C, before)  # tuning works on copies
assert report.candidates[0].status == "default" and report.speedup > 0
report

# %%
print("\n".join(str(report).splitlines()[:6]))

# %% [markdown]
# Calls at sizes of this class now run the tuned plan, and the schedule says so:

# %%
matmul_acc(C, A, B)
assert np.allclose(C, A @ B)
print("\n".join(str(matmul_acc.schedule()).splitlines()[-3:]))
print(matmul_acc.schedule().decisions[0])

# %% [markdown]
# The tuned plan against the default, side by side (interleaved rounds on fresh copies):

# %%
cmp = po.compare(matmul_acc, {"default": {}, "tuned": {"plan": report.best}}, C, A, B, repeat=5)
cmp
