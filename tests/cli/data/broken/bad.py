"""A kernel polyopt rejects when the file is imported (non-affine subscript)."""

import polyopt as po

N = po.symbols("N")


@po.kernel
def squares(A: po.f64[N]):
    for i in range(N):
        A[i * i] = 1.0
