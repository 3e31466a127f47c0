"""Drawing helpers of the plots (:mod:`.plots`): figures sized to the data, groups of lattice points
with outlines, numbers and arrows, and axes that say what they show.

Points are integer lattice points of a 2-D slice; a *group* is a set of points that belongs together
(a tile, a parallel step, an iteration of fused loops) and has a rank in execution order.
"""

from __future__ import annotations

import io
import math
import sys

# A qualitative colour cycle: neighbouring ranks get clearly different colours (a sequential map
# such as viridis made consecutive tiles look alike).  tab10, reordered so that dark and light alternate.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
MAX_LABELS = 40  # above this many groups, numbers and arrows would hide the points
# How far an outline stays from its points, in lattice units.  Neighbouring tiles can be as close
# as 1/sqrt(2) across a diagonal (skewed tiles), so two outlines leave a gap only below 0.35.
PAD = 0.3


def colour(rank: int) -> str:
    return PALETTE[rank % len(PALETTE)]


def show_figures_in_notebooks() -> None:
    """Let IPython/Jupyter show a returned Figure as an image.  Our figures are made without pyplot
    (no global state), so IPython's figure formatter, which pyplot's inline backend installs, may
    be missing: the notebook then showed '<Figure size 500x500 with 1 Axes>' instead of the plot.
    A formatter the user configured (``%matplotlib ...``) is left alone."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    if Figure not in png.type_printers:
        png.for_type(Figure, _png_bytes)


def _png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def figure(ax, xy=(), ncols: int = 1, size=(4.6, 4.2)):
    """A new figure whose shape follows the data's extent (or ``ax``'s own figure)."""
    if ax is not None:
        return ax.figure, [ax]
    from matplotlib.figure import Figure

    show_figures_in_notebooks()

    w, h = size
    if xy:
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        ratio = (max(xs) - min(xs) + 2) / (max(ys) - min(ys) + 2)
        ratio = min(max(ratio, 0.5), 2.2)
        # Wide enough for a two-line title, tall enough for the points at equal units.
        w, h = (max(w, 5.0), 4.6 / ratio + 1.0) if ratio >= 1 else (max(4.0 * ratio + 1.0, 5.0), 5.0)
    fig = Figure(figsize=(w * ncols, h), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, k + 1) for k in range(ncols)]


def hull(points) -> list[tuple[float, float]]:
    """The convex hull of ``points`` (counter-clockwise; Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    upper: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


_DISK = tuple((PAD * math.cos(2 * math.pi * k / 16), PAD * math.sin(2 * math.pi * k / 16)) for k in range(16))


def outline(points) -> list[tuple[float, float]]:
    """A polygon at distance PAD around ``points`` (their hull grown by a disk: rounded corners, and
    every edge exactly PAD out, diagonal ones included, so neighbouring outlines never overlap)."""
    return hull([(x + dx, y + dy) for x, y in hull(points) for dx, dy in _DISK])


def label_spot(points) -> tuple[float, float]:
    """Where a group's number goes, never on top of a point: above a lone point; else the group's
    centre, moved into the gap between points when a point of the group sits there."""
    if len(points) == 1:
        x, y = points[0]
        return x, y + 0.48
    cx = sum(x for x, _ in points) / len(points)
    cy = sum(y for _, y in points) / len(points)
    if any(abs(x - cx) < 0.3 and abs(y - cy) < 0.3 for x, y in points):
        return round(cx) + 0.5, round(cy) + 0.5
    return cx, cy


def draw_groups(ax, members: dict, *, outlines: bool = True, lines: bool = False, numbers: bool = True,
                arrows: bool = False):
    """``members``: rank -> list of regions, each a list of (x, y) points.  Points take the rank's
    colour; each region gets an outline (``outlines``: tiles) or a line through its points
    (``lines``: the points of one hyperplane, e.g. an untiled wavefront, whose outlines would
    overlap their neighbours'); numbers sit beside the points; arrows join consecutive ranks."""
    from matplotlib.patches import Polygon

    spots = {}
    for rank in sorted(members):
        c = colour(rank)
        for pts in members[rank]:
            ax.scatter([x for x, _ in pts], [y for _, y in pts], s=22, color=c, zorder=3,
                       edgecolors="white", linewidths=0.4)
            if len(pts) > 1 and lines:
                ordered = sorted(pts)
                ax.plot([x for x, _ in ordered], [y for _, y in ordered], color=c, lw=2.2, alpha=0.45, zorder=2,
                        solid_capstyle="round")
                spots.setdefault(rank, []).append(label_spot([max(pts, key=lambda p: (p[1], -p[0]))]))
                continue
            if len(pts) > 1 and outlines:  # a lone point needs no outline: its colour and number say it
                ax.add_patch(Polygon(outline(pts), closed=True, facecolor=c, alpha=0.16, edgecolor=c, lw=1.4,
                                     zorder=1))
            spots.setdefault(rank, []).append(label_spot(pts))
    if numbers:
        for rank, places in spots.items():
            for x, y in places:
                ax.text(x, y, str(rank), ha="center", va="center", fontsize=8, weight="bold", zorder=5,
                        color=colour(rank), bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none",
                                                      alpha=0.85))
    if arrows:
        order = [spots[r][0] for r in sorted(spots)]
        for a, b in zip(order, order[1:]):
            ax.annotate("", xy=b, xytext=a, zorder=4, arrowprops=dict(
                arrowstyle="-|>", color="#444444", lw=0.8, alpha=0.55, shrinkA=7, shrinkB=7))


def finish_axes(ax, xy, xlabel: str, ylabel: str, title: str) -> None:
    """Integer ticks, limits hugging the points, equal units when the shape allows, and the title."""
    from matplotlib.ticker import MaxNLocator

    if xy:
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
        ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
        span_x, span_y = max(xs) - min(xs) + 1.6, max(ys) - min(ys) + 1.6
        if 0.2 <= span_x / span_y <= 5:  # equal units, unless a slice is a thin strip
            ax.set_aspect("equal", adjustable="box")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9.5)
    ax.grid(True, alpha=0.2, zorder=0)
