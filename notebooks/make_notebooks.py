"""Writes the .ipynb notebooks of this folder from the cell lists below (run: python make_notebooks.py)."""

from pathlib import Path

import nbformat

HERE = Path(__file__).parent
SETUP = "import numpy as np\nimport polyopt as po"

NOTEBOOKS = {
    "01-getting-started": [
        "# Getting started\nWrite a kernel as a Python function, call it on NumPy arrays, look at each stage.",
        SETUP,
        '''N, M = po.symbols("N M")

@po.kernel
def scale_add(alpha: po.f64, A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            A[i, j] = alpha * A[i, j] + B[i, j]''',
        '''rng = np.random.default_rng(0)
A, B = rng.random((30, 20)), rng.random((30, 20))
A2 = A.copy()
scale_add(2.0, A, B)
scale_add.reference(2.0, A2, B)
assert np.allclose(A, A2)''',
        "scale_add.scop",
        "scale_add.dependences()",
        "s = scale_add.schedule()\nassert 'parallel' in str(s)\ns",
        "scale_add",
    ],
    "02-gemm-schedules": [
        "# GEMM: tile sizes, loop orders, timing side by side",
        SETUP,
        '''NI, NJ, NK = po.symbols("NI NJ NK")

@po.kernel
def gemm(alpha: po.f64, beta: po.f64, C: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ]):
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]''',
        "base = gemm.schedule(scheduler='none')\nprint(base)",
        "## A loop order by hand: (i, j, k), fused with the initialisation, parallel over i",
        '''ijk = base.interchange(2, 3, stmts="S1").fuse(1).parallelize(0)
print("\\n".join(ijk.trace))
ijk''',
        '''try:
    base.fuse(1)          # fusing before the interchange breaks a dependence
    raise AssertionError("should be illegal")
except po.IllegalScheduleError as e:
    print(e)
    assert "on C" in str(e)''',
        '''tiled = ijk.tile(0, (16, 16))
rng = np.random.default_rng(0)
C, A, B = rng.random((40, 30)), rng.random((40, 20)), rng.random((20, 30))
C2 = C.copy()
gemm.compile(schedule=tiled)(1.5, 1.2, C, A, B)
gemm.reference(1.5, 1.2, C2, A, B)
assert np.allclose(C, C2)''',
        '''table = po.compare(gemm, {"auto": gemm.schedule(), "auto tile=16": gemm.schedule(tile=16),
                         "ijk tiled": tiled, "none": "none"}, NI=96, NJ=96, NK=96, repeat=3)
print(table)
assert len(table.medians) == 4
table.plot()''',
    ],
    "03-stencils": [
        "# Stencils: skewing, tiling, wavefronts, pictures",
        SETUP,
        '''N = po.symbols("N")

@po.kernel
def seidel(T: int, A: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            A[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0''',
        "seidel.dependences()",
        "po.plot_domain(seidel, 'S0', T=6, N=10)",
        '''s = seidel.schedule(scheduler='none')
try:
    s.parallelize(1)
    raise AssertionError("the i loop carries a dependence")
except po.IllegalScheduleError as e:
    print(e)''',
        "## Skew, then a wavefront: the inner loop becomes parallel",
        '''w = s.skew(1, 0, 2).skew(0, 1, 1).interchange(0, 1).parallelize(1)
a = np.random.default_rng(0).random(50); b = a.copy()
seidel.compile(schedule=w)(8, a); seidel.reference(8, b)
assert np.allclose(a, b)
po.plot_wavefronts(w, 'S0', T=6, N=10)''',
        '''auto = seidel.schedule(tile=4)
print(auto)
po.plot_tiles(auto, 'S0', T=8, N=14)''',
        "po.plot_wavefronts(auto, 'S0', T=8, N=14)",
    ],
    "04-fusion": [
        "# Fusion: 2mm with each fusion policy",
        SETUP,
        '''NI, NJ, NK, NL = po.symbols("NI NJ NK NL")

@po.kernel
def mm2(alpha: po.f64, beta: po.f64, tmp: po.f64[NI, NJ], A: po.f64[NI, NK], B: po.f64[NK, NJ],
        C: po.f64[NJ, NL], D: po.f64[NI, NL]):
    for i in range(NI):
        for j in range(NJ):
            tmp[i, j] = 0.0
            for k in range(NK):
                tmp[i, j] += alpha * A[i, k] * B[k, j]
    for i in range(NI):
        for l in range(NL):
            D[i, l] *= beta
            for j in range(NJ):
                D[i, l] += tmp[i, j] * C[j, l]''',
        '''rng = np.random.default_rng(0)
args = (1.5, 1.2, rng.random((12, 10)), rng.random((12, 8)), rng.random((8, 10)), rng.random((10, 9)),
        rng.random((12, 9)))
expect = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
mm2.reference(*expect)
for fuse in ("smart", "max", "none"):
    out = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    mm2.compile(fuse=fuse)(*out)
    assert np.allclose(out[6], expect[6])
    print(fuse, mm2.schedule(fuse=fuse).fusion)''',
        "po.plot_fusion(mm2.schedule(fuse='max', tile=False), ('S0', 'S2'), NI=4, NJ=5, NK=3, NL=4)",
        '''table = po.compare(mm2, {f: {"fuse": f} for f in ("smart", "max", "none")},
                   NI=48, NJ=48, NK=48, NL=48, repeat=3)
print(table)
table''',
    ],
    "05-deep-learning": [
        "# Deep learning: conv2d and a ReLU",
        SETUP,
        '''C, H, W, K, R = po.symbols("C H W K R")

@po.kernel
def conv2d(out: po.f64[K, H, W], x: po.f64[C, H + R - 1, W + R - 1], w: po.f64[K, C, R, R]):
    for k in range(K):
        for h in range(H):
            for v in range(W):
                out[k, h, v] = 0.0
                for c in range(C):
                    for p in range(R):
                        for q in range(R):
                            out[k, h, v] += x[c, h + p, v + q] * w[k, c, p, q]''',
        '''rng = np.random.default_rng(0)
out, x, w = np.zeros((4, 10, 12)), rng.random((3, 12, 14)), rng.random((4, 3, 3, 3))
out2 = out.copy()
conv2d(out, x, w)
conv2d.reference(out2, x, w)
assert np.allclose(out, out2)
conv2d.schedule()''',
        '''@po.kernel
def relu(A: po.f64[K, H, W]):
    for k in range(K):
        for h in range(H):
            for v in range(W):
                A[k, h, v] = max(A[k, h, v], 0.0)

a = rng.standard_normal((4, 10, 12)); b = a.copy()
relu(a); relu.reference(b)
assert np.allclose(a, b) and (a >= 0).all()
relu''',
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(c) if c.startswith("#") else nbformat.v4.new_code_cell(c)
                    for c in cells]
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
