"""Rich views of the pipeline's objects, found without the model importing them.

The stage objects (Scop, Dependences, Schedule, Kernel) have ``_repr_html_`` for notebooks, but the
HTML is written in :mod:`polyopt.viz`, a layer above every stage: a stage asks this registry for the
renderer of its kind, and the package that assembles the layers (``polyopt/__init__.py``) tells the
registry how to load the views the first time one is wanted.
"""

from __future__ import annotations

import html
from collections.abc import Callable

_RENDERERS: dict[str, Callable[[object], str]] = {}
_LOADER: list[Callable[[], None]] = []


def register(kind: str, render: Callable[[object], str]) -> None:
    """Make ``render(obj)`` the HTML view of objects of ``kind`` ("scop", "schedule" ...)."""
    _RENDERERS[kind] = render


def set_loader(load: Callable[[], None]) -> None:
    """``load()`` registers the views (it imports the module that calls :func:`register`)."""
    _LOADER[:] = [load]


def html_of(kind: str, obj) -> str:
    """The HTML view of ``obj``; its text in a ``<pre>`` when no view is available."""
    if kind not in _RENDERERS and _LOADER:
        _LOADER[0]()
    render = _RENDERERS.get(kind)
    return render(obj) if render is not None else f"<pre>{html.escape(str(obj))}</pre>"
