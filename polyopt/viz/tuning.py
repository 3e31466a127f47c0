"""The picture of a tuning report: measured against predicted time per candidate (matplotlib)."""

from __future__ import annotations

import base64
import io
import math


def predicted_vs_measured(report) -> str:
    """An HTML ``<img>`` of measured against predicted time, or '' (without matplotlib, or with
    fewer than two measured candidates that had a prediction)."""
    points = [(c.predicted, c.seconds, c.status) for c in report.timed
              if c.predicted is not None and not math.isnan(c.predicted)]
    if len(points) < 2:
        return ""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return ""
    fig = Figure(figsize=(4.2, 3.2))
    ax = fig.add_subplot()
    colors = {"faster": "#1a7f37", "default": "#0550ae"}
    for pred, got, status in points:
        ax.scatter(pred * 1e3, got * 1e3, s=14, color=colors.get(status, "#888888"))
    lo = min(min(p, g) for p, g, _ in points) * 1e3
    hi = max(max(p, g) for p, g, _ in points) * 1e3
    ax.plot([lo, hi], [lo, hi], color="#cccccc", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("predicted ms")
    ax.set_ylabel("measured ms")
    ax.set_title("cost model vs measurement", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return f"<img src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'/>"
