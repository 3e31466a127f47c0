"""Kernels that once produced wrong code, hung or were refused (issue: trust every generated kernel).

Written to a module of their own because the frontend reads a kernel's source with ``inspect``.
"""

import math

import polyopt as po

N, M = po.symbols("N M")


@po.kernel
def fuzz_1010(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """benchmarks/fuzz.py seed 1010: isl's AST generator ran S5[k] at 2k - 1 instead of 2k under
    fuse="max" (statements of one band with unequal coefficients, guarded by N's parity)."""
    for i0 in range(N - 1, 1, -1):
        y[M - 1] = 0.5 * C[i0, i0]
        s0 = 0.0
        for j1 in range(N - 3, -1, -2):
            for k2 in range(2, i0 + 0):
                if i0 + j1 < 3:
                    x[0] = 0.25 * (y[0] + x[k2] + s0)
            for k3 in range(1, M - 1, 2):
                if j1 % 2 == 0:
                    t1 = 0.25 * (y[k3 - 1] + x[i0 - 2] + x[j1] + s0)  # noqa: F841 - dead, as fuzzed
                    y[k3] = 0.25 * (B[i0 // 2, k3] + B[i0 - 1, k3 - 1] + B[i0, k3])
                else:
                    y[k3 + 1] *= 0.5 + 0.25 * 0.25 * (C[j1, j1] + B[i0, k3 // 2])
                B[i0, k3] *= 0.5 + 0.25 * 0.25 * (A[j1, k3 - 1] + B[i0, k3] + C[j1 + 2, i0] + s0)
            s0 += 0.25 * (C[i0 - 1, i0] + B[i0, M - 1] + y[0])
        C[i0, i0] = 0.125 * s0
    for i4 in range(2, N - 0):
        if i4 != 2:
            y[0] *= 0.5 + 0.25 * 0.5 * C[i4, i4 - 2]
        else:
            B[i4 - 2, 0] = 0.25 * (C[i4 - 1, i4] + A[i4 - 1, M - 1] + A[i4 - 2, M - 1])
        if i4 % 2 == 0:
            x[N - 1] += 0.25 * (x[i4] + x[i4])
    for i5 in range(2, M - 2):
        x[0] = 0.25 * (B[N - 1, 0] + A[N - 1, 0] + A[N - 1, M - 1])
        for j6 in range(2, N - 0):
            C[j6 - 1, j6] = 0.5 * x[j6 - 2]


@po.kernel
def parity_flow(alpha: po.f64, Q: po.f64[N, N], R: po.f64[M, N]):
    """A fuzzed kernel whose WAR analysis ran for minutes (isl's may-source dataflow on ``//``
    subscripts and parity conditions), and whose Farkas constraints took half a minute."""
    for i1 in range(0, M - 2):
        for j2 in range(0, M - 2, 3):
            for k3 in range(2, N - 0):
                for l4 in range(N - 1 - 2, 1, -2):
                    if k3 < N // 2:
                        Q[l4, N - 1] = 0.3333 * (Q[l4 - 1, N - 1] + Q[l4, N - 1] + Q[l4 + 1, N - 1])
                    elif 2 * k3 >= l4 + 1:
                        Q[k3, k3] *= 0.5 + 0.25 * 0.2500 * (R[i1 + 2, k3 // 2] + alpha + Q[k3, k3 - 1])
                for l5 in range(N // 2):
                    if l5 < N // 2:
                        Q[l5, k3] += 0.3333 * ((alpha if alpha > R[i1 + 2, l5] else R[i1 + 2, l5])
                                               + Q[k3 - 1, (k3 + l5) // 2])
                    else:
                        R[i1, k3 - 2] *= 0.5 + 0.25 * 0.3333 * ((R[i1 + 1, k3] if R[i1 + 1, k3] > R[j2, 0]
                                                                 else R[j2, 0]) + R[j2, l5])
                    if k3 + j2 < N - 1:
                        R[j2, k3] += 0.5 * math.sqrt(abs(0.01 * j2))
                    elif i1 >= l5:
                        t6 = 0.2500 * (0.01 * j2 + Q[l5, l5] + Q[k3, k3 - 1])  # noqa: F841 - dead, as fuzzed
                        R[j2, l5 // 2] = 0.2500 * (Q[k3, l5 // 2 * 2] + R[i1, k3 - 1]
                                                   + R[i1 // 2 * 2, l5 // 2 * 2])
                    else:
                        Q[(k3 + l5) // 2, 0] += 0.5 * alpha


@po.kernel
def never_runs(x: po.f64[N], y: po.f64[N]):
    """A statement under a condition that is never true (its domain is empty)."""
    for i in range(N):
        if i < 0:
            x[i] = 1.0
        y[i] = 2.0 * x[i]


@po.kernel
def fuzz_3081(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 3081 (minimised): correct C that gcc 12.2 -O3 miscompiled under small tiles."""
    for j1 in range(0, N - 1):
        for k2 in range(M - 2, 0, -1):
            x[j1] += 0.25 * (y[k2] + y[k2])


@po.kernel
def pointless_wavefront(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M],
                        C: po.f64[N, N]):
    """Fuzz campaign, seeds 3150..3449: the default schedule ran the (j1, 4*j1 + k2) tiles in
    wavefronts although the temporary s0 kept the next tile loop serial; isl's AST generator then
    ran for minutes, past its operation budget."""
    for i0 in range(2, N - 0):
        s0 = 0.0
        for j1 in range(i0 + 1, N - 2):
            s1 = 0.0
            for k2 in range(max(1, i0 - 2), min(N - 0, i0 + 3)):
                t2 = 0.25 * (B[j1 - 2, M - 1] + C[j1 // 2, i0] + C[i0 - 2, j1 - 3] + s1)
                y[M - 1] = 0.25 * (y[M - 1] + math.sqrt(t2))
                C[i0 - 2, k2] = 0.25 * (y[0] + B[i0, M - 1] + B[k2 - 1, 0] + s0)
                s1 += 0.5 * A[j1 - 1, 0]
            A[j1, M - 1] = 0.125 * s1
            for k3 in range(1, M - 1):
                y[k3 - 1] = 0.25 * (x[i0] + A[j1, k3])
            s0 += 0.25 * (y[M - 1] + x[i0 - 1])


@po.kernel
def fuzz_3497(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 3497: the emitted-code check intersected the pairs on the temporaries with
    every same-storage pair, a complement whose pieces multiplied; it ran for minutes and the
    kernel was refused."""
    for i0 in range(2, M - 0):
        B[N - 1, i0] = 0.5 * A[0, i0]
        if i0 >= i0:
            C[N - 1, N - 1] = 0.25 * (y[i0 - 1] + x[N - 1])
    for i1 in range(2, (M - 2) // 2):
        for j2 in range(1, M - 2):
            for k3 in range(1, i1 + 0):
                t0 = 0.25 * (A[0, 2 * i1] + A[N - 1, 2 * i1])  # noqa: F841 - the unread temporary is the point
                C[N - 1, 0] += 0.25 * (B[0, j2] + C[N - 1, N - 1])
                if j2 != 3:
                    x[0] = 0.5 * C[0, 0]
        A[0, 2 * i1] = 0.25 * (A[N - 1, 2 * i1] + C[0, N - 1])
    for i4 in range(2, M - 0):
        for j5 in range(max(1, i4 - 2), min(M - 1, i4 + 3)):
            for k6 in range(max(1, j5 - 2), min(M - 2, j5 + 3)):
                if M % 2 == 0:
                    A[0, i4 // 2] *= 0.5 + 0.25 * 0.25 * (x[0] + y[k6])
                else:
                    t1 = 0.25 * (B[0, i4 - 1] + A[N - 1, k6])  # noqa: F841
                    x[0] = 0.5 * B[N - 1, i4 - 2]
            for k7 in range(i4 + 1, M - 1):
                y[k7 - 1] = 0.25 * (C[0, N - 1] + y[k7] + y[j5])
                x[0] += 0.5 * x[N - 1]


@po.kernel
def fuzz_3789(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 3789 (minimised): correct C that gcc 12.2 -O3 miscompiled by distributing a loop
    against a dependence it carries backwards (under isl's schedule)."""
    for j1 in range(2, N - 1):
        x[j1] = 0.3333 * (x[j1 - 1] + x[j1] + x[j1 + 1])
    for i5 in range(2, N - 1):
        for j6 in range(1, i5 + 0):
            for k7 in range(2, M - 1):
                A[i5, k7 + 1] = 0.5 * A[j6 + 2, k7]
                B[j6 + 2, k7] = 0.3333 * (B[j6 + 2, k7 - 1] + B[j6 + 2, k7] + B[j6 + 2, k7 + 1])
            for k8 in range(1, M - 0):
                if N % 2 == 0:
                    B[i5 // 2, k8] = 0.5 * y[k8]
                else:
                    t0 = 0.25 * (x[i5] + B[i5, k8 - 1] + A[i5, k8])
                    x[i5 - 1] *= 0.5 + 0.25 * 0.25 * (B[j6, 0] + A[0, k8] + B[i5 - 2, k8] + t0)


@po.kernel
def fuzz_3920(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 3920 (minimised): the parallel j2 loop reduced x[N - 1] and x[i1 + 1] in two
    scalars, and at i1 = N - 2 they are one element: one product was lost."""
    for i1 in range(2, N - 1):
        for j2 in range(i1 + 1, N - 0):
            for k4 in range(2, M - 0):
                x[N - 1] *= 0.5 + 0.25 * 0.25 * (C[i1 + 1, j2 - 2] + y[k4 // 2])
                x[i1 + 1] *= 0.5 + 0.25 * 0.5 * B[j2, k4]


@po.kernel
def fuzz_4269(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 4269: the wavefront over the skewed tiles of i1 (stride 3) and j2 sent isl's AST
    generator into stride detection (generalized basis reduction) for minutes, without counting
    operations."""
    for i0 in range(2, M - 0):
        C[N - 1, N - 1] = 0.25 * (x[N - 1] + x[N - 1])
    for i1 in range(0, M - 2, 3):
        for j2 in range(2, N - 0):
            C[j2 // 2, j2 - 2] += 0.25 * (C[j2 - 1, j2 // 2] + B[j2 - 2, i1] + C[j2 // 2, j2])
        for j3 in range(1, (M - 2) // 2):
            C[N - 1, 0] *= 0.5 + 0.25 * 0.25 * (x[0] + B[N - 1, i1 + 2])
            A[N - 1, 2 * j3] = 0.25 * (B[N - 1, i1 + 1] + A[0, 2 * j3])


@po.kernel
def fuzz_4250(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 4250: isl's scheduler ran for minutes on it under fuse="max", past its operation
    budget."""
    for t in range(T):
        for i0 in range(1, M - 1):
            C[N - 1, N - 1] += 0.5 * B[N - 1, i0]
            x[N - 1] = 0.25 * (x[N - 1] + x[N - 1])
        for i1 in range(2, (M - 1) // 2):
            for j2 in range(M):
                y[j2] = 0.5 * y[M - 1]
            for j3 in range(M):
                y[j3] = 0.25 * (y[0] + A[N - 1, 2 * i1] + A[N - 1, M - 1] + y[M - 1 - j3])
            x[0] = 0.25 * (y[0] + B[N - 1, 2 * i1] + x[0])
            for j4 in range(1, M - 1):
                for k5 in range(2, N - 0):
                    if k5 != 2:
                        y[2 * i1] = 0.5 * y[j4 - 1]
                    if k5 >= j4:
                        B[0, 2 * i1] *= 0.5 + 0.25 * 0.25 * (C[N - 1, k5] + math.sqrt(x[k5 - 2]))
                    else:
                        x[k5 - 2] += 0.5 * C[k5, k5 - 2]
                for k6 in range(2, N - 2):
                    if i1 >= k6:
                        t0 = 0.25 * (A[k6, j4 - 1] + B[k6 + 1, j4 + 1] + A[k6 - 2, j4])
                        C[k6 // 2, k6] *= 0.5 + 0.25 * 0.25 * (x[N - 1] + A[k6 - 1, 2 * i1] + C[k6, k6 - 1] + t0)
                    else:
                        A[k6 + 1, 2 * i1] = 0.5 * A[k6, 0]
        for i7 in range(2, N - 0):
            x[i7 - 1] = 0.5 * C[i7, i7]


@po.kernel
def fuzz_4609(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 4609: whether the wavefront loop over the tiles of (t, i0) could have a private copy
    of ``y`` took isl minutes, inside one subset test over the tiles' floors."""
    for t in range(T):
        for i0 in range(2, M - 2):
            for j1 in range(max(1, i0 - 2), min(M - 0, i0 + 3)):
                if i0 >= j1:
                    A[0, i0] = 0.3333 * (A[0, i0 - 1] + A[0, i0] + A[0, i0 + 1])
                else:
                    C[N - 1, N - 1] = 0.25 * (A[N - 1, i0] + B[0, M - 1] + x[N - 1])
                y[j1 - 1] = 0.25 * (B[N - 1, j1] + x[0])


@po.kernel
def fuzz_4829(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 4829: the row-streams rule chose to jam i0, whose innermost loop is no SIMD loop
    that could stay inside the jammed copies: the default schedule was refused."""
    for i0 in range(0, N - 1):
        for j1 in range(1, M - 2, 3):
            A[i0, M - 1] = 0.5 * math.sqrt(A[i0, j1])
        for j2 in range(1, M - 0):
            A[i0, j2] *= 0.5 + 0.25 * 0.25 * (x[i0] + math.sqrt(y[j2 - 1]))


@po.kernel
def fuzz_5533(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    """Fuzz seed 5533 (minimised): under isl's schedule (k5, i3, j4) gcc 12.2 -O3 vectorized the i3
    loop around the SIMD j4 loop without checking the store to B against itself."""
    for i3 in range(2, M - 1):
        for j4 in range(max(0, i3 - 2), min(M - 0, i3 + 3)):
            for k5 in range(0, N - 2):
                B[k5 + 2, j4] = 0.25 * (C[k5, k5] + A[k5 + 2, i3] + C[0, k5])
