"""HTML views and plots (Agg, rendered to PNG) and the timing table."""

import io
import re

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
    assert re.search(r"#pragma omp parallel for if\([^<]* &gt;= \d+[^<]*\)</span>", k) and "&lt;" in k


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


@po.kernel
def smooth(T: int, A: po.f64[N, M]):
    for t in range(T):
        for i in range(1, N - 1):
            for j in range(M):
                A[i, j] = (A[i - 1, j] + A[i, j] + A[i + 1, j]) / 3.0


def test_plot_tiles_outlines_each_tile_and_shows_the_order():
    from matplotlib.patches import Polygon

    fig = po.plot_tiles(seidel.schedule(tile=4), "S0", T=8, N=14)
    ax = fig.axes[0]
    n = int(ax.get_title().split(": ")[1].split()[0])
    assert n == 8 and ax.get_title().endswith("tiles in order (numbers and arrows)\nN = 14, T = 8")
    outlines = [p for p in ax.patches if isinstance(p, Polygon)]
    dots = [c.get_offsets() for c in ax.collections]
    assert len(outlines) == len(dots) == n
    for k, poly in enumerate(outlines):  # each outline holds its own tile's points and no other's
        for m, pts in enumerate(dots):
            inside = poly.get_path().contains_points(pts)
            assert inside.all() if k == m else not inside.any()
    colours = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert all(a != b for a, b in zip(colours, colours[1:]))  # a qualitative map: neighbours differ
    labels = {int(t.get_text()): t.get_position() for t in ax.texts if t.get_text()}
    assert sorted(labels) == list(range(n))
    every = np.concatenate(dots)
    assert all(np.hypot(*(every - xy).T).min() >= 0.3 for xy in labels.values())  # numbers beside the dots
    arrows = [a for a in ax.texts if not a.get_text()]  # annotations without text
    assert len(arrows) == n - 1  # one arrow from each tile to the next
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (x0, x1) == (every[:, 0].min() - 0.8, every[:, 0].max() + 0.8)  # tight: no empty half axis
    assert (y0, y1) == (every[:, 1].min() - 0.8, every[:, 1].max() + 0.8)
    _png(fig)


def test_an_untiled_wavefront_is_drawn_as_lines():
    w = seidel.schedule(scheduler="none").skew(1, 0, 2).skew(0, 1, 1).interchange(0, 1).parallelize(1)
    ax = po.plot_wavefronts(w, "S0", T=6, N=10).axes[0]
    assert ax.get_title().startswith("seidel S0: 18 parallel steps (numbered)")
    # Neighbouring diagonals are closer than two outlines' width: one line per step instead.
    assert not ax.patches and len(ax.lines) == 18 - 4  # the first two and last two steps are one point
    assert sorted(int(t.get_text()) for t in ax.texts) == list(range(18))


def test_titles_say_which_coordinate_is_fixed():
    s = smooth.schedule(tile=4)
    first = po.plot_wavefronts(s, "S0", dims=("i", "j"), T=3, N=8, M=6).axes[0].get_title()
    assert first.splitlines()[1] == "N = 8, M = 6, T = 3 · slice at t = 0 (first; fixed= sets it)"
    chosen = po.plot_tiles(s, "S0", dims=("t", "i"), fixed={"j": 2}, T=3, N=8, M=6).axes[0].get_title()
    assert chosen.splitlines()[1] == "N = 8, M = 6, T = 3 · slice at j = 2"
    assert "slice" not in po.plot_domain(seidel, "S0", T=3, N=5).axes[0].get_title()


def test_plot_fusion_counts_shared_iterations():
    fused = two.schedule(scheduler="none").fuse(0).fuse(1)
    fig = po.plot_fusion(fused, ("S0", "S1"), N=3, M=4)
    assert "share 2 loop(s) (12 fused iterations)" in fig.get_suptitle()
    assert not any(ax.patches for ax in fig.axes)  # lone points: colour and number, no outlines
    assert sorted(int(t.get_text()) for t in fig.axes[0].texts) == list(range(12))
    _png(fig)
    apart = po.plot_fusion(two.schedule(scheduler="none"), ("S0", "S1"), N=3, M=4)
    assert "share 0 loop(s)" in apart.get_suptitle()


def test_compare_table_and_chart():
    s = two.schedule(scheduler="none").fuse(0).fuse(1)
    table = po.compare(two, {"fused": s, "none": "none"}, N=16, M=16, repeat=2)
    assert table.names == ("fused", "none") and all(m > 0 for m in table.medians)
    assert table.timings.rounds == 2 and all(len(s) == 2 for s in table.samples)
    assert table.medians[0] == table.timings.median("fused") and table.timings.spread("none") >= 0
    assert "fused" in str(table) and "<table" in table._repr_html_()
    _png(table.plot())
    rng = np.random.default_rng(0)
    a = rng.random((4, 4))
    assert po.compare(two, {"none": "none"}, a, a.copy(), a.copy(), repeat=1).names == ("none",)
