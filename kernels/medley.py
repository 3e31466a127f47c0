"""PolyBench 4.2 "medley": deriche, floyd-warshall, nussinov.

A kernel suite file (see :mod:`polyopt.suite`).  As in PolyBench, deriche computes in float and
floyd-warshall and nussinov in int; nussinov's ``seq`` is a ``char`` array in PolyBench and an
``i32`` array here (the DSL has no 8-bit type; the values are 0..3).  PolyBench's macros
``match`` and ``max_score`` and its ternaries are conditional value expressions.  The function for
floyd-warshall is ``floyd_warshall``.
"""

import math

import numpy as np

import polyopt as po

W, H, N = po.symbols("W H N")

# ---------------------------------------------------------------- deriche


@po.kernel
def deriche(alpha: po.f32, imgIn: po.f32[W, H], imgOut: po.f32[W, H], y1: po.f32[W, H], y2: po.f32[W, H]):
    k = ((1.0 - math.exp(-alpha)) * (1.0 - math.exp(-alpha))
         / (1.0 + 2.0 * alpha * math.exp(-alpha) - math.exp(2.0 * alpha)))
    a1 = k
    a5 = k
    a2 = k * math.exp(-alpha) * (alpha - 1.0)
    a6 = a2
    a3 = k * math.exp(-alpha) * (alpha + 1.0)
    a7 = a3
    a4 = -k * math.exp(-2.0 * alpha)
    a8 = a4
    b1 = math.pow(2.0, -alpha)
    b2 = -math.exp(-2.0 * alpha)
    c1 = 1.0
    c2 = 1.0
    for i in range(W):
        ym1 = 0.0
        ym2 = 0.0
        xm1 = 0.0
        for j in range(H):
            y1[i, j] = a1 * imgIn[i, j] + a2 * xm1 + b1 * ym1 + b2 * ym2
            xm1 = imgIn[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for i in range(W):
        yp1 = 0.0
        yp2 = 0.0
        xp1 = 0.0
        xp2 = 0.0
        for j in range(H - 1, -1, -1):
            y2[i, j] = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2
            xp2 = xp1
            xp1 = imgIn[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in range(W):
        for j in range(H):
            imgOut[i, j] = c1 * (y1[i, j] + y2[i, j])
    for j in range(H):
        tm1 = 0.0
        ym1 = 0.0
        ym2 = 0.0
        for i in range(W):
            y1[i, j] = a5 * imgOut[i, j] + a6 * tm1 + b1 * ym1 + b2 * ym2
            tm1 = imgOut[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for j in range(H):
        tp1 = 0.0
        tp2 = 0.0
        yp1 = 0.0
        yp2 = 0.0
        for i in range(W - 1, -1, -1):
            y2[i, j] = a7 * tp1 + a8 * tp2 + b1 * yp1 + b2 * yp2
            tp2 = tp1
            tp1 = imgOut[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in range(W):
        for j in range(H):
            imgOut[i, j] = c2 * (y1[i, j] + y2[i, j])


def init_deriche(W, H):
    i, j = np.ogrid[:W, :H]
    z = np.zeros((W, H), dtype=np.float32)
    return dict(alpha=np.float32(0.25), imgIn=(((313 * i + 991 * j) % 65536) / 65535.0).astype(np.float32),
                imgOut=z.copy(), y1=z.copy(), y2=z.copy())


deriche_case = po.case(
    deriche, category="medley",
    sizes={p: dict(W=w, H=h) for p, w, h in zip(po.suite.PRESETS, (64, 192, 720, 4096, 7680),
                                                 (64, 128, 480, 2160, 4320))},
    init=init_deriche, flops=lambda W, H: 32 * W * H)

# ---------------------------------------------------------------- floyd-warshall


@po.kernel
def floyd_warshall(path: po.i32[N, N]):
    for k in range(N):
        for i in range(N):
            for j in range(N):
                path[i, j] = (path[i, j] if path[i, j] < path[i, k] + path[k, j]
                              else path[i, k] + path[k, j])


def init_floyd_warshall(N):
    i, j = np.ogrid[:N, :N]
    s = i + j
    far = (s % 13 == 0) | (s % 7 == 0) | (s % 11 == 0)
    return dict(path=np.where(far, 999, i * j % 7 + 1).astype(np.int32))


def floyd_warshall_numpy(path):
    for k in range(len(path)):
        np.minimum(path, path[:, k:k + 1] + path[k:k + 1, :], out=path)


floyd_warshall_case = po.case(
    floyd_warshall, category="medley",
    sizes={p: dict(N=n) for p, n in zip(po.suite.PRESETS, (60, 180, 500, 2800, 5600))},
    init=init_floyd_warshall, flops=lambda N: 2 * N ** 3, numpy=floyd_warshall_numpy)

# ---------------------------------------------------------------- nussinov


@po.kernel
def nussinov(seq: po.i32[N], table: po.i32[N, N]):
    for i in range(N - 1, -1, -1):
        for j in range(i + 1, N):
            if j - 1 >= 0:
                table[i, j] = table[i, j] if table[i, j] >= table[i, j - 1] else table[i, j - 1]
            if i + 1 < N:
                table[i, j] = table[i, j] if table[i, j] >= table[i + 1, j] else table[i + 1, j]
            if j - 1 >= 0 and i + 1 < N:
                # adjacent bases do not bond
                if i < j - 1:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1] + (1 if seq[i] + seq[j] == 3 else 0))
                else:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1])
            for k in range(i + 1, j):
                table[i, j] = max(table[i, j], table[i, k] + table[k + 1, j])


def init_nussinov(N):
    return dict(seq=((np.arange(N) + 1) % 4).astype(np.int32), table=np.zeros((N, N), dtype=np.int32))


nussinov_case = po.case(
    nussinov, category="medley",
    sizes={p: dict(N=n) for p, n in zip(po.suite.PRESETS, (60, 180, 500, 2500, 5500))},
    init=init_nussinov, flops=lambda N: N * (N - 1) * (N + 4) // 6 * 2)
