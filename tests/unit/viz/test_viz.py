"""HTML views and plots (Agg, rendered to PNG) and the timing table."""

import io

import matplotlib
import numpy as np
import pytest

import polyopt as po

matplotlib.use("Agg")

N, M = po.symbols("N M")


@po.kernel
def seidel(T: int, A: po.f64[N]):
    for t in range(T):
        for i in range(1, N - 1):
            A[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0


@po.kernel
def two(A: po.f64[N, M], B: po.f64[N, M], C: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            B[i, j] = A[i, j] * 2.0
    for i in range(N):
        for j in range(M):
            C[i, j] = B[i, j] + 1.0


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
    return data


def test_html_views_escape_and_show_parts():
    html = seidel.scop._repr_html_()
    assert "<table" in html and "S0" in html and "-&gt;" in html and "A[i - 1]" in html
    dep = seidel.dependences()._repr_html_()
    assert "RAW" in dep and "WAW" in dep
    sched = seidel.schedule(tile=4)._repr_html_()
    assert "pipelined" in sched and "parallel" in sched and "<pre" in sched
    k = seidel._repr_html_()
    assert "#pragma omp parallel for</span>" in k and "&lt;" in k


def test_plot_domain_counts_points_and_arrows():
    fig = po.plot_domain(seidel, "S0", T=4, N=7)
    title = fig.axes[0].get_title()
    assert title.startswith("seidel S0: 20 points,") and "0 dependence arrows" not in title
    _png(fig)
    with pytest.raises(po.PolyoptError, match="missing N"):
        po.plot_domain(seidel, "S0", T=4)


def test_plot_tiles_and_wavefronts():
    s = seidel.schedule(tile=4)
    fig = po.plot_tiles(s, "S0", T=8, N=10)
    assert "tiles in order" in fig.axes[0].get_title()
    _png(fig)
    fig = po.plot_wavefronts(s, "S0", T=8, N=10)
    assert "parallel steps" in fig.axes[0].get_title()
    _png(fig)
    fig = po.plot_wavefronts(seidel.schedule(scheduler="none"), "S0", T=3, N=5)
    assert "no parallel loop: 9 sequential steps" in fig.axes[0].get_title()


def test_plot_fusion_counts_shared_iterations():
    fused = two.schedule(scheduler="none").fuse(0).fuse(1)
    fig = po.plot_fusion(fused, ("S0", "S1"), N=3, M=4)
    assert "share 2 loop(s) (12 fused iterations)" in fig.get_suptitle()
    _png(fig)
    apart = po.plot_fusion(two.schedule(scheduler="none"), ("S0", "S1"), N=3, M=4)
    assert "share 0 loop(s)" in apart.get_suptitle()


def test_compare_table_and_chart():
    s = two.schedule(scheduler="none").fuse(0).fuse(1)
    table = po.compare(two, {"fused": s, "none": "none"}, N=16, M=16, repeat=2)
    assert table.names == ("fused", "none") and all(m > 0 for m in table.medians)
    assert "fused" in str(table) and "<table" in table._repr_html_()
    _png(table.plot())
    rng = np.random.default_rng(0)
    a = rng.random((4, 4))
    assert po.compare(two, {"none": "none"}, a, a.copy(), a.copy(), repeat=1).names == ("none",)
