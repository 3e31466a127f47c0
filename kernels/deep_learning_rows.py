"""Deep-learning kernels over rows: layer norm, softmax and scaled-dot-product attention.

A kernel suite file (see :mod:`polyopt.suite`), in float32, written as people write them: one
loop over the rows (tokens) and, per row, reductions into scalar temporaries (the mean, the
variance, the maximum, the sum of exponentials) followed by a loop that uses them.  Every row is
independent, which the scheduler sees once the temporaries are privatised per row.  MINI and
SMALL are small enough for the pure-Python reference; LARGE is a transformer layer's shape
(sequence 512, head dimension 64 for attention).
"""

import math

import numpy as np

import polyopt as po

NR, D, S, DK, DV = po.symbols("NR D S DK DV")


def _sizes(**columns):
    """The five presets from one tuple of values per parameter (MINI .. EXTRALARGE)."""
    return {p: {k: v[n] for k, v in columns.items()} for n, p in enumerate(po.suite.PRESETS)}


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# rows x features: tokens of a batch by the model's width
_ROW_SIZES = _sizes(NR=(8, 32, 512, 4096, 16384), D=(16, 64, 768, 1024, 4096))

# ---------------------------------------------------------------- layer norm


@po.kernel
def layernorm(eps: po.f32, X: po.f32[NR, D], gamma: po.f32[D], beta: po.f32[D], Y: po.f32[NR, D]):
    """Y[i] = (X[i] - mean(X[i])) / sqrt(var(X[i]) + eps) * gamma + beta, row by row."""
    for i in range(NR):
        mu = 0.0
        for j in range(D):
            mu += X[i, j]
        mu = mu / D
        var = 0.0
        for j in range(D):
            var += (X[i, j] - mu) * (X[i, j] - mu)
        var = var / D
        rstd = 1.0 / math.sqrt(var + eps)
        for j in range(D):
            Y[i, j] = (X[i, j] - mu) * rstd * gamma[j] + beta[j]


def init_layernorm(NR, D):
    rng = np.random.default_rng(10)
    return dict(eps=np.float32(1e-5), X=_rand(rng, NR, D), gamma=_rand(rng, D), beta=_rand(rng, D),
                Y=np.zeros((NR, D), dtype=np.float32))


def layernorm_numpy(eps, X, gamma, beta, Y):
    mu = X.mean(axis=1, keepdims=True)
    var = ((X - mu) ** 2).mean(axis=1, keepdims=True)
    Y[:] = (X - mu) / np.sqrt(var + eps) * gamma + beta


layernorm_case = po.case(
    layernorm, category="deep_learning", sizes=_ROW_SIZES, init=init_layernorm,
    flops=lambda NR, D: NR * (8 * D + 4), numpy=layernorm_numpy)

# ---------------------------------------------------------------- softmax


@po.kernel
def softmax(X: po.f32[NR, D], Y: po.f32[NR, D]):
    """Y[i] = exp(X[i] - max(X[i])) / sum(exp(X[i] - max(X[i]))), row by row."""
    for i in range(NR):
        m = X[i, 0]
        for j in range(1, D):
            m = max(m, X[i, j])
        s = 0.0
        for j in range(D):
            Y[i, j] = math.exp(X[i, j] - m)
            s += Y[i, j]
        for j in range(D):
            Y[i, j] = Y[i, j] / s


def init_softmax(NR, D):
    rng = np.random.default_rng(11)
    return dict(X=_rand(rng, NR, D), Y=np.zeros((NR, D), dtype=np.float32))


def softmax_numpy(X, Y):
    e = np.exp(X - X.max(axis=1, keepdims=True))
    Y[:] = e / e.sum(axis=1, keepdims=True)


softmax_case = po.case(
    softmax, category="deep_learning", sizes=_ROW_SIZES, init=init_softmax,
    flops=lambda NR, D: NR * 5 * D, numpy=softmax_numpy)

# ---------------------------------------------------------------- scaled-dot-product attention


@po.kernel
def attention(Q: po.f32[S, DK], Km: po.f32[S, DK], V: po.f32[S, DV], P: po.f32[S, S], out: po.f32[S, DV]):
    """One head: P = softmax(Q Km^T / sqrt(DK)) row by row, out = P V (P is the workspace)."""
    for i in range(S):
        for j in range(S):
            acc = 0.0
            for d in range(DK):
                acc += Q[i, d] * Km[j, d]
            P[i, j] = acc / math.sqrt(DK)
        m = P[i, 0]
        for j in range(1, S):
            m = max(m, P[i, j])
        s = 0.0
        for j in range(S):
            P[i, j] = math.exp(P[i, j] - m)
            s += P[i, j]
        for j in range(S):
            P[i, j] = P[i, j] / s
        for e in range(DV):
            out[i, e] = 0.0
        for j in range(S):
            for e in range(DV):
                out[i, e] += P[i, j] * V[j, e]


def init_attention(S, DK, DV):
    rng = np.random.default_rng(12)
    return dict(Q=_rand(rng, S, DK), Km=_rand(rng, S, DK), V=_rand(rng, S, DV),
                P=np.zeros((S, S), dtype=np.float32), out=np.zeros((S, DV), dtype=np.float32))


def attention_numpy(Q, Km, V, P, out):
    scores = Q @ Km.T / np.float32(math.sqrt(Q.shape[1]))
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    P[:] = e / e.sum(axis=1, keepdims=True)
    out[:] = P @ V


attention_case = po.case(
    attention, category="deep_learning",
    sizes=_sizes(S=(16, 64, 256, 512, 2048), DK=(8, 16, 64, 64, 128), DV=(8, 16, 64, 64, 128)),
    init=init_attention, flops=lambda S, DK, DV: S * S * (2 * DK + 6 + 2 * DV), numpy=attention_numpy)
