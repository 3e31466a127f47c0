"""Views for notebooks: HTML reprs (:mod:`.html`), matplotlib plots (:mod:`.plots`), timing
comparisons (:mod:`.compare`).  Depends on every stage; nothing but ``polyopt/__init__`` (lazily)
and the ``_repr_html_`` one-liners of the stage objects import it.
"""

from __future__ import annotations

__all__ = ["plot_domain", "plot_tiles", "plot_wavefronts", "plot_fusion", "compare", "Comparison"]


def __getattr__(name: str):
    import importlib

    if name in ("plot_domain", "plot_tiles", "plot_wavefronts", "plot_fusion"):
        return getattr(importlib.import_module(".plots", __name__), name)
    if name in ("compare", "Comparison"):
        return getattr(importlib.import_module(".timing", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
