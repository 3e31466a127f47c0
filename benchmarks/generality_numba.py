"""The kernels of bench_generality.py as a numba user writes them: ``@njit(parallel=True)``, plain
loops, ``prange`` on the outer loop.

Each function takes the same arguments as the suite kernel of the same name (sizes from the array
shapes) and works in place.  Temporaries start from ``0.0`` as people write them, so numba keeps
them in float64 even for float32 arrays (the results then differ from the float32 kernels by
rounding only).  ludcmp's outer loop carries a dependence (one step of the factorisation each), so
``prange`` goes on the outermost loop that does not; durbin has no parallel loop worth one (see
its docstring) and stays serial; deriche gets one ``prange`` per sweep.  Importing this module
needs numba.
"""

import math

from numba import njit, prange


@njit(parallel=True)
def layernorm(eps, X, gamma, beta, Y):
    """Row-wise layer norm, rows in parallel."""
    nr, d = X.shape
    for i in prange(nr):
        mu = 0.0
        for j in range(d):
            mu += X[i, j]
        mu = mu / d
        var = 0.0
        for j in range(d):
            var += (X[i, j] - mu) * (X[i, j] - mu)
        var = var / d
        rstd = 1.0 / math.sqrt(var + eps)
        for j in range(d):
            Y[i, j] = (X[i, j] - mu) * rstd * gamma[j] + beta[j]


@njit(parallel=True)
def softmax(X, Y):
    """Row-wise softmax, rows in parallel."""
    nr, d = X.shape
    for i in prange(nr):
        m = X[i, 0]
        for j in range(1, d):
            m = max(m, X[i, j])
        s = 0.0
        for j in range(d):
            Y[i, j] = math.exp(X[i, j] - m)
            s += Y[i, j]
        for j in range(d):
            Y[i, j] = Y[i, j] / s


@njit(parallel=True)
def attention(Q, Km, V, P, out):
    """One attention head, query rows in parallel."""
    s_len, dk = Q.shape
    dv = V.shape[1]
    for i in prange(s_len):
        for j in range(s_len):
            acc = 0.0
            for d in range(dk):
                acc += Q[i, d] * Km[j, d]
            P[i, j] = acc / math.sqrt(dk)
        m = P[i, 0]
        for j in range(1, s_len):
            m = max(m, P[i, j])
        s = 0.0
        for j in range(s_len):
            P[i, j] = math.exp(P[i, j] - m)
            s += P[i, j]
        for j in range(s_len):
            P[i, j] = P[i, j] / s
        for e in range(dv):
            out[i, e] = 0.0
        for j in range(s_len):
            for e in range(dv):
                out[i, e] += P[i, j] * V[j, e]


@njit(parallel=True)
def batchnorm(eps, inp, mean, var, gamma, beta, out):
    """Batch-norm inference, images of the batch in parallel."""
    nb, c_n, h_n, w_n = inp.shape
    for n in prange(nb):
        for c in range(c_n):
            scale = gamma[c] / math.sqrt(var[c] + eps)
            shift = beta[c] - mean[c] * scale
            for h in range(h_n):
                for w in range(w_n):
                    out[n, c, h, w] = inp[n, c, h, w] * scale + shift


@njit(parallel=True)
def matmul_bias_gelu(X, Wt, bias, Y):
    """Y = gelu(X Wt + bias), rows in parallel."""
    ni, nk = X.shape
    nj = Wt.shape[1]
    for i in prange(ni):
        for j in range(nj):
            Y[i, j] = bias[j]
        for k in range(nk):
            for j in range(nj):
                Y[i, j] += X[i, k] * Wt[k, j]
        for j in range(nj):
            x = Y[i, j]
            Y[i, j] = 0.5 * x * (1.0 + math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


@njit(parallel=True)
def conv2d(inp, wt, out):
    """3x3 convolution, stride 2, padding 1, images of the batch in parallel."""
    nb, c_n, h_n, w_n = inp.shape
    _, k_n, oh_n, ow_n = out.shape
    for n in prange(nb):
        for k in range(k_n):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    out[n, k, oh, ow] = 0.0
                    for c in range(c_n):
                        for r in range(max(0, 1 - 2 * oh), min(3, h_n + 1 - 2 * oh)):
                            for s in range(max(0, 1 - 2 * ow), min(3, w_n + 1 - 2 * ow)):
                                out[n, k, oh, ow] += wt[k, c, r, s] * inp[n, c, 2 * oh + r - 1, 2 * ow + s - 1]


@njit(parallel=True)
def deriche(alpha, imgIn, imgOut, y1, y2):
    """The Deriche edge detector: every row sweep and column sweep in parallel."""
    w_n, h_n = imgIn.shape
    k = ((1.0 - math.exp(-alpha)) * (1.0 - math.exp(-alpha))
         / (1.0 + 2.0 * alpha * math.exp(-alpha) - math.exp(2.0 * alpha)))
    a1 = a5 = k
    a2 = a6 = k * math.exp(-alpha) * (alpha - 1.0)
    a3 = a7 = k * math.exp(-alpha) * (alpha + 1.0)
    a4 = a8 = -k * math.exp(-2.0 * alpha)
    b1 = math.pow(2.0, -alpha)
    b2 = -math.exp(-2.0 * alpha)
    c1 = c2 = 1.0
    for i in prange(w_n):
        ym1 = ym2 = xm1 = 0.0
        for j in range(h_n):
            y1[i, j] = a1 * imgIn[i, j] + a2 * xm1 + b1 * ym1 + b2 * ym2
            xm1 = imgIn[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for i in prange(w_n):
        yp1 = yp2 = xp1 = xp2 = 0.0
        for j in range(h_n - 1, -1, -1):
            y2[i, j] = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2
            xp2 = xp1
            xp1 = imgIn[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in prange(w_n):
        for j in range(h_n):
            imgOut[i, j] = c1 * (y1[i, j] + y2[i, j])
    for j in prange(h_n):
        tm1 = ym1 = ym2 = 0.0
        for i in range(w_n):
            y1[i, j] = a5 * imgOut[i, j] + a6 * tm1 + b1 * ym1 + b2 * ym2
            tm1 = imgOut[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for j in prange(h_n):
        tp1 = tp2 = yp1 = yp2 = 0.0
        for i in range(w_n - 1, -1, -1):
            y2[i, j] = a7 * tp1 + a8 * tp2 + b1 * yp1 + b2 * yp2
            tp2 = tp1
            tp1 = imgOut[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in prange(w_n):
        for j in range(h_n):
            imgOut[i, j] = c2 * (y1[i, j] + y2[i, j])


@njit(parallel=True)
def ludcmp(A, b, x, y):
    """LU decomposition and the two triangular solves; the row loop is serial (each row needs the
    rows above), so the loop over the upper part of a row, whose elements are independent, is the
    parallel one."""
    n = A.shape[0]
    for i in range(n):
        for j in range(i):
            w = A[i, j]
            for k in range(j):
                w -= A[i, k] * A[k, j]
            A[i, j] = w / A[j, j]
        for j in prange(i, n):
            w = A[i, j]
            for k in range(i):
                w -= A[i, k] * A[k, j]
            A[i, j] = w
    for i in range(n):
        w = b[i]
        for j in range(i):
            w -= A[i, j] * y[j]
        y[i] = w
    for i in range(n - 1, -1, -1):
        w = y[i]
        for j in range(i + 1, n):
            w -= A[i, j] * x[j]
        x[i] = w / A[i, i]


@njit
def durbin(r, y, z):
    """Levinson-Durbin recursion, serial: every step needs the previous one, and ``prange`` on the
    three inner loops (the only parallel ones; numba reduces ``sum_`` by itself) made it 11x slower
    at N=6000 on 2 threads (512 ms against 46 ms: a parallel region per step for a few microseconds
    of work), so a numba user keeps the loops serial."""
    n = r.shape[0]
    y[0] = -r[0]
    beta = 1.0
    alpha = -r[0]
    for k in range(1, n):
        beta = (1 - alpha * alpha) * beta
        sum_ = 0.0
        for i in range(k):
            sum_ += r[k - i - 1] * y[i]
        alpha = -(r[k] + sum_) / beta
        for i in range(k):
            z[i] = y[i] + alpha * y[k - i - 1]
        for i in range(k):
            y[i] = z[i]
        y[k] = alpha


KERNELS = {f.__name__: f for f in (layernorm, softmax, attention, batchnorm, matmul_bias_gelu, conv2d,
                                    deriche, ludcmp, durbin)}
