import polyopt as po

N, M = po.symbols("N M")


@po.kernel
def kern(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, N]):
    for i0 in range(2, M - 0):
        C[N - 1, N - 1] = 0.25 * (x[N - 1] + x[N - 1])
    for i1 in range(0, M - 2, 3):
        for j2 in range(2, N - 0):
            C[j2 // 2, j2 - 2] += 0.25 * (C[j2 - 1, j2 // 2] + B[j2 - 2, i1] + C[j2 // 2, j2])
        for j3 in range(1, (M - 2) // 2):
            C[N - 1, 0] *= 0.5 + 0.25 * 0.25 * (x[0] + B[N - 1, i1 + 2])
            A[N - 1, 2 * j3] = 0.25 * (B[N - 1, i1 + 1] + A[0, 2 * j3])
