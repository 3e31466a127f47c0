"""A kernel without a Case (the suite gives it default sizes and random inputs)."""

import polyopt as po

N = po.symbols("N")


@po.kernel
def axpy(a: po.f64, x: po.f64[N], y: po.f64[N]):
    for i in range(N):
        y[i] += a * x[i]
