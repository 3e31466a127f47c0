"""Deep-learning kernels: convolutions, pooling, batch norm, matrix products and a 27-point 3-D stencil.

A kernel suite file (see :mod:`polyopt.suite`), in float32 and NCHW layout (the row-wise kernels,
layer norm, softmax and attention, are in ``deep_learning_rows.py``).  Padding is handled in
the loop bounds with ``max``/``min`` so that no access ever leaves an array; strides are constant
multipliers in the subscripts.  MINI and SMALL are small enough for the pure-Python reference;
LARGE and EXTRALARGE are ResNet-like layer shapes.
"""

import math

import numpy as np

import polyopt as po

NB, C, K, H, W, OH, OW, L, R, B, NI, NJ, NK, N = po.symbols("NB C K H W OH OW L R B NI NJ NK N")


def _sizes(**columns):
    """The five presets from one tuple of values per parameter (MINI .. EXTRALARGE)."""
    return {p: {k: v[n] for k, v in columns.items()} for n, p in enumerate(po.suite.PRESETS)}


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------- conv2d: 3x3, stride 2, padding 1


@po.kernel
def conv2d(inp: po.f32[NB, C, H, W], wt: po.f32[K, C, 3, 3], out: po.f32[NB, K, OH, OW]):
    """out[n, k] = sum over c, r, s of wt[k, c, r, s] * inp[n, c, 2*oh + r - 1, 2*ow + s - 1]."""
    for n in range(NB):
        for k in range(K):
            for oh in range(OH):
                for ow in range(OW):
                    out[n, k, oh, ow] = 0.0
                    for c in range(C):
                        # r and s only where the input row/column 2*oh + r - 1 lies in [0, H)
                        for r in range(max(0, 1 - 2 * oh), min(3, H + 1 - 2 * oh)):
                            for s in range(max(0, 1 - 2 * ow), min(3, W + 1 - 2 * ow)):
                                out[n, k, oh, ow] += wt[k, c, r, s] * inp[n, c, 2 * oh + r - 1, 2 * ow + s - 1]


def _conv_sizes(nb, c, k, hw):
    return dict(NB=nb, C=c, K=k, H=hw, W=hw, OH=(hw - 1) // 2 + 1, OW=(hw - 1) // 2 + 1)


def init_conv2d(NB, C, K, H, W, OH, OW):
    rng = np.random.default_rng(0)
    return dict(inp=_rand(rng, NB, C, H, W), wt=_rand(rng, K, C, 3, 3),
                out=np.zeros((NB, K, OH, OW), dtype=np.float32))


def conv2d_numpy(inp, wt, out):
    padded = np.pad(inp, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))[:, :, ::2, ::2]
    out[:] = np.einsum("nchwrs,kcrs->nkhw", win[:, :, :out.shape[2], :out.shape[3]], wt)


conv2d_case = po.case(
    conv2d, category="deep_learning",
    sizes={p: _conv_sizes(*v) for p, v in zip(po.suite.PRESETS, ((2, 3, 4, 8), (2, 8, 16, 16),
                                                                  (4, 64, 64, 56), (8, 128, 256, 56),
                                                                  (16, 256, 512, 28)))},
    init=init_conv2d, flops=lambda NB, C, K, H, W, OH, OW: 2 * NB * K * OH * OW * C * 9, numpy=conv2d_numpy)

# ---------------------------------------------------------------- depthwise conv2d: 3x3, stride 1, padding 1


@po.kernel
def depthwise_conv2d(inp: po.f32[NB, C, H, W], wt: po.f32[C, 3, 3], out: po.f32[NB, C, H, W]):
    for n in range(NB):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    out[n, c, h, w] = 0.0
                    for r in range(max(0, 1 - h), min(3, H + 1 - h)):
                        for s in range(max(0, 1 - w), min(3, W + 1 - w)):
                            out[n, c, h, w] += wt[c, r, s] * inp[n, c, h + r - 1, w + s - 1]


def init_depthwise_conv2d(NB, C, H, W):
    rng = np.random.default_rng(1)
    return dict(inp=_rand(rng, NB, C, H, W), wt=_rand(rng, C, 3, 3),
                out=np.zeros((NB, C, H, W), dtype=np.float32))


def depthwise_conv2d_numpy(inp, wt, out):
    padded = np.pad(inp, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    out[:] = np.einsum("nchwrs,crs->nchw", win, wt)


depthwise_conv2d_case = po.case(
    depthwise_conv2d, category="deep_learning",
    sizes=_sizes(NB=(1, 2, 4, 8, 16), C=(4, 16, 64, 256, 512), H=(8, 16, 56, 56, 112), W=(8, 16, 56, 56, 112)),
    init=init_depthwise_conv2d, flops=lambda NB, C, H, W: 2 * NB * C * H * W * 9, numpy=depthwise_conv2d_numpy)

# ---------------------------------------------------------------- batch norm (inference)


@po.kernel
def batchnorm(eps: po.f32, inp: po.f32[NB, C, H, W], mean: po.f32[C], var: po.f32[C], gamma: po.f32[C],
              beta: po.f32[C], out: po.f32[NB, C, H, W]):
    """out[n, c] = (inp[n, c] - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c], statistics given."""
    for n in range(NB):
        for c in range(C):
            # one scale and shift per channel, not a square root per element
            scale = gamma[c] / math.sqrt(var[c] + eps)
            shift = beta[c] - mean[c] * scale
            for h in range(H):
                for w in range(W):
                    out[n, c, h, w] = inp[n, c, h, w] * scale + shift


def init_batchnorm(NB, C, H, W):
    rng = np.random.default_rng(8)
    return dict(eps=np.float32(1e-5), inp=_rand(rng, NB, C, H, W), mean=_rand(rng, C),
                var=(rng.random(C) + 0.5).astype(np.float32), gamma=_rand(rng, C), beta=_rand(rng, C),
                out=np.zeros((NB, C, H, W), dtype=np.float32))


def batchnorm_numpy(eps, inp, mean, var, gamma, beta, out):
    scale = gamma / np.sqrt(var + eps)
    out[:] = inp * scale[:, None, None] + (beta - mean * scale)[:, None, None]


batchnorm_case = po.case(
    batchnorm, category="deep_learning",
    sizes=_sizes(NB=(2, 2, 8, 32, 64), C=(3, 8, 64, 64, 128), H=(8, 16, 56, 112, 112), W=(8, 16, 56, 112, 112)),
    init=init_batchnorm, flops=lambda NB, C, H, W: NB * C * (2 * H * W + 4), numpy=batchnorm_numpy)

# ---------------------------------------------------------------- batched matmul


@po.kernel
def batched_matmul(A: po.f32[B, NI, NK], Bm: po.f32[B, NK, NJ], Cm: po.f32[B, NI, NJ]):
    for b in range(B):
        for i in range(NI):
            for j in range(NJ):
                Cm[b, i, j] = 0.0
            for k in range(NK):
                for j in range(NJ):
                    Cm[b, i, j] += A[b, i, k] * Bm[b, k, j]


def init_batched_matmul(B, NI, NJ, NK):
    rng = np.random.default_rng(2)
    return dict(A=_rand(rng, B, NI, NK), Bm=_rand(rng, B, NK, NJ), Cm=np.zeros((B, NI, NJ), dtype=np.float32))


def batched_matmul_numpy(A, Bm, Cm):
    Cm[:] = np.matmul(A, Bm)


batched_matmul_case = po.case(
    batched_matmul, category="deep_learning",
    sizes=_sizes(B=(2, 4, 16, 64, 128), NI=(8, 32, 128, 256, 512), NJ=(10, 32, 128, 256, 512),
                 NK=(12, 32, 64, 128, 128)),
    init=init_batched_matmul, flops=lambda B, NI, NJ, NK: 2 * B * NI * NJ * NK, numpy=batched_matmul_numpy)

# ---------------------------------------------------------------- matmul + bias + ReLU


@po.kernel
def matmul_bias_relu(X: po.f32[NI, NK], Wt: po.f32[NK, NJ], bias: po.f32[NJ], Y: po.f32[NI, NJ]):
    for i in range(NI):
        for j in range(NJ):
            Y[i, j] = bias[j]
        for k in range(NK):
            for j in range(NJ):
                Y[i, j] += X[i, k] * Wt[k, j]
        for j in range(NJ):
            Y[i, j] = max(Y[i, j], 0.0)


def init_matmul_bias_relu(NI, NJ, NK):
    rng = np.random.default_rng(3)
    return dict(X=_rand(rng, NI, NK), Wt=_rand(rng, NK, NJ), bias=_rand(rng, NJ),
                Y=np.zeros((NI, NJ), dtype=np.float32))


def matmul_bias_relu_numpy(X, Wt, bias, Y):
    Y[:] = np.maximum(X @ Wt + bias, 0.0)


matmul_bias_relu_case = po.case(
    matmul_bias_relu, category="deep_learning",
    sizes=_sizes(NI=(16, 64, 256, 1024, 4096), NJ=(20, 128, 512, 1024, 4096), NK=(24, 96, 512, 2048, 4096)),
    init=init_matmul_bias_relu, flops=lambda NI, NJ, NK: NI * NJ * (2 * NK + 2), numpy=matmul_bias_relu_numpy)

# ---------------------------------------------------------------- linear layer: weight stored out x in


@po.kernel
def linear(X: po.f32[NI, NK], Wl: po.f32[NJ, NK], bias: po.f32[NJ], Y: po.f32[NI, NJ]):
    """Y = X Wl^T + bias, PyTorch's nn.Linear: the weight is stored as (outputs, inputs), so the
    reduction runs along the rows of both operands."""
    for i in range(NI):
        for j in range(NJ):
            Y[i, j] = bias[j]
            for k in range(NK):
                Y[i, j] += X[i, k] * Wl[j, k]


def init_linear(NI, NJ, NK):
    rng = np.random.default_rng(5)
    return dict(X=_rand(rng, NI, NK), Wl=_rand(rng, NJ, NK), bias=_rand(rng, NJ),
                Y=np.zeros((NI, NJ), dtype=np.float32))


def linear_numpy(X, Wl, bias, Y):
    Y[:] = X @ Wl.T + bias


linear_case = po.case(
    linear, category="deep_learning",
    sizes=_sizes(NI=(16, 64, 256, 1024, 4096), NJ=(20, 128, 512, 1024, 4096), NK=(24, 96, 512, 2048, 4096)),
    init=init_linear, flops=lambda NI, NJ, NK: NI * NJ * 2 * NK, numpy=linear_numpy)

# ---------------------------------------------------------------- matmul + bias + GELU


@po.kernel
def matmul_bias_gelu(X: po.f32[NI, NK], Wt: po.f32[NK, NJ], bias: po.f32[NJ], Y: po.f32[NI, NJ]):
    """Y = gelu(X Wt + bias), GELU in its tanh approximation (0.79788... is sqrt(2 / pi))."""
    for i in range(NI):
        for j in range(NJ):
            Y[i, j] = bias[j]
        for k in range(NK):
            for j in range(NJ):
                Y[i, j] += X[i, k] * Wt[k, j]
        for j in range(NJ):
            x = Y[i, j]
            Y[i, j] = 0.5 * x * (1.0 + math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def init_matmul_bias_gelu(NI, NJ, NK):
    rng = np.random.default_rng(9)
    return dict(X=_rand(rng, NI, NK), Wt=_rand(rng, NK, NJ), bias=_rand(rng, NJ),
                Y=np.zeros((NI, NJ), dtype=np.float32))


def matmul_bias_gelu_numpy(X, Wt, bias, Y):
    x = X @ Wt + bias
    Y[:] = 0.5 * x * (1.0 + np.tanh(np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x ** 3)))


matmul_bias_gelu_case = po.case(
    matmul_bias_gelu, category="deep_learning",
    sizes=_sizes(NI=(16, 64, 256, 1024, 4096), NJ=(20, 128, 512, 1024, 4096), NK=(24, 96, 512, 2048, 4096)),
    init=init_matmul_bias_gelu, flops=lambda NI, NJ, NK: NI * NJ * (2 * NK + 10),
    numpy=matmul_bias_gelu_numpy)

# ---------------------------------------------------------------- max pooling: 3x3, stride 2, padding 1


@po.kernel
def max_pool2d(inp: po.f32[NB, C, H, W], out: po.f32[NB, C, OH, OW]):
    for n in range(NB):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    out[n, c, oh, ow] = -3.4e38  # below every float32 input (padding never wins)
                    for r in range(max(0, 1 - 2 * oh), min(3, H + 1 - 2 * oh)):
                        for s in range(max(0, 1 - 2 * ow), min(3, W + 1 - 2 * ow)):
                            out[n, c, oh, ow] = max(out[n, c, oh, ow], inp[n, c, 2 * oh + r - 1, 2 * ow + s - 1])


def init_max_pool2d(NB, C, H, W, OH, OW):
    rng = np.random.default_rng(4)
    return dict(inp=_rand(rng, NB, C, H, W), out=np.zeros((NB, C, OH, OW), dtype=np.float32))


def max_pool2d_numpy(inp, out):
    padded = np.pad(inp, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))[:, :, ::2, ::2]
    out[:] = win[:, :, :out.shape[2], :out.shape[3]].max(axis=(4, 5))


def _pool_sizes(nb, c, hw):
    return dict(NB=nb, C=c, H=hw, W=hw, OH=(hw - 1) // 2 + 1, OW=(hw - 1) // 2 + 1)


max_pool2d_case = po.case(
    max_pool2d, category="deep_learning",
    sizes={p: _pool_sizes(*v) for p, v in zip(po.suite.PRESETS, ((1, 3, 9), (2, 8, 32), (8, 64, 112),
                                                                  (32, 64, 112), (64, 64, 224)))},
    init=init_max_pool2d, flops=lambda NB, C, H, W, OH, OW: NB * C * OH * OW * 9, numpy=max_pool2d_numpy)

# ---------------------------------------------------------------- average pooling: 2x2, stride 2


@po.kernel
def avg_pool2d(inp: po.f32[NB, C, 2 * OH, 2 * OW], out: po.f32[NB, C, OH, OW]):
    for n in range(NB):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    out[n, c, oh, ow] = 0.0
                    for r in range(2):
                        for s in range(2):
                            out[n, c, oh, ow] += inp[n, c, 2 * oh + r, 2 * ow + s]
                    out[n, c, oh, ow] *= 0.25


def init_avg_pool2d(NB, C, OH, OW):
    rng = np.random.default_rng(5)
    return dict(inp=_rand(rng, NB, C, 2 * OH, 2 * OW), out=np.zeros((NB, C, OH, OW), dtype=np.float32))


def avg_pool2d_numpy(inp, out):
    nb, c, oh, ow = out.shape
    out[:] = inp.reshape(nb, c, oh, 2, ow, 2).mean(axis=(3, 5))


avg_pool2d_case = po.case(
    avg_pool2d, category="deep_learning",
    sizes=_sizes(NB=(1, 2, 8, 32, 64), C=(3, 8, 64, 256, 512), OH=(4, 16, 28, 28, 56), OW=(4, 16, 28, 28, 56)),
    init=init_avg_pool2d, flops=lambda NB, C, OH, OW: NB * C * OH * OW * 5, numpy=avg_pool2d_numpy)

# ---------------------------------------------------------------- 1-D convolution (valid)


@po.kernel
def conv1d(inp: po.f32[NB, C, L], wt: po.f32[K, C, R], out: po.f32[NB, K, L - R + 1]):
    for n in range(NB):
        for k in range(K):
            for x in range(L - R + 1):
                out[n, k, x] = 0.0
                for c in range(C):
                    for r in range(R):
                        out[n, k, x] += wt[k, c, r] * inp[n, c, x + r]


def init_conv1d(NB, C, K, L, R):
    rng = np.random.default_rng(6)
    return dict(inp=_rand(rng, NB, C, L), wt=_rand(rng, K, C, R),
                out=np.zeros((NB, K, L - R + 1), dtype=np.float32))


def conv1d_numpy(inp, wt, out):
    win = np.lib.stride_tricks.sliding_window_view(inp, wt.shape[2], axis=2)
    out[:] = np.einsum("ncxr,kcr->nkx", win, wt)


conv1d_case = po.case(
    conv1d, category="deep_learning",
    sizes=_sizes(NB=(1, 2, 8, 16, 32), C=(3, 16, 64, 256, 512), K=(4, 16, 64, 256, 512),
                 L=(20, 64, 256, 1024, 2048), R=(3, 5, 7, 9, 11)),
    init=init_conv1d, flops=lambda NB, C, K, L, R: 2 * NB * K * (L - R + 1) * C * R, numpy=conv1d_numpy)

# ---------------------------------------------------------------- 27-point 3-D stencil


@po.kernel
def stencil3d27(TSTEPS: int, A: po.f32[N, N, N], Bt: po.f32[N, N, N], coef: po.f32[3, 3, 3]):
    """TSTEPS double sweeps A -> Bt -> A of the weighted 3x3x3 neighbourhood sum (interior points)."""
    for t in range(TSTEPS):  # noqa: B007 - the time loop
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    Bt[i, j, k] = 0.0
                    for a in range(3):
                        for b in range(3):
                            for c in range(3):
                                Bt[i, j, k] += coef[a, b, c] * A[i + a - 1, j + b - 1, k + c - 1]
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                for k in range(1, N - 1):
                    A[i, j, k] = 0.0
                    for a in range(3):
                        for b in range(3):
                            for c in range(3):
                                A[i, j, k] += coef[a, b, c] * Bt[i + a - 1, j + b - 1, k + c - 1]


def init_stencil3d27(N, TSTEPS):
    rng = np.random.default_rng(7)
    a, b, c = np.ogrid[:3, :3, :3]
    dist = np.abs(a - 1) + np.abs(b - 1) + np.abs(c - 1)  # 0 centre, 1 face, 2 edge, 3 corner
    coef = np.choose(dist, [0.4, 0.05, 0.02, 0.01]).astype(np.float32)  # weights sum to 0.98
    A = _rand(rng, N, N, N)
    return dict(TSTEPS=TSTEPS, A=A, Bt=A.copy(), coef=coef)


def _sweep27(dst, src, coef):
    n = src.shape[0]
    acc = np.zeros((n - 2, n - 2, n - 2), dtype=np.float32)
    for a in range(3):
        for b in range(3):
            for c in range(3):
                acc += coef[a, b, c] * src[a:a + n - 2, b:b + n - 2, c:c + n - 2]
    dst[1:-1, 1:-1, 1:-1] = acc


def stencil3d27_numpy(TSTEPS, A, Bt, coef):
    for _ in range(TSTEPS):
        _sweep27(Bt, A, coef)
        _sweep27(A, Bt, coef)


stencil3d27_case = po.case(
    stencil3d27, category="deep_learning",
    sizes=_sizes(N=(8, 24, 64, 256, 512), TSTEPS=(2, 4, 20, 50, 100)),
    init=init_stencil3d27, flops=lambda N, TSTEPS: TSTEPS * 2 * 54 * (N - 2) ** 3,
    numpy=stencil3d27_numpy)
