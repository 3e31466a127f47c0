import math

import polyopt as po

N, M = po.symbols("N M")


@po.kernel
def kern(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
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
