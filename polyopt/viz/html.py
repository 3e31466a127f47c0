"""HTML views (``_repr_html_``) of the stage objects: Scop, Dependences, Schedule, Kernel.

Read-only and concise: a title, a small table, and the object's own printed form in a ``<pre>``.
Everything user-provided is HTML-escaped.  The stage classes call these through one-line methods
with a lazy import, so the lower layers never import this module at import time.
"""

from __future__ import annotations

import html
import re

from .. import views

_STYLE = ("font-family: monospace; font-size: 12px; border-collapse: collapse; margin: 4px 0")
_PRAGMA = re.compile(r"^(\s*)(#pragma omp [^\n]*)$", re.M)


def _esc(x) -> str:
    return html.escape(str(x))


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th style='text-align:left; padding: 2px 8px'>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding: 2px 8px'>{_esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table style='{_STYLE}'><tr>{head}</tr>{body}</table>"


def _pre(text: str, raw: bool = False) -> str:
    inner = text if raw else _esc(text)
    return f"<pre style='font-size: 12px; line-height: 1.3'>{inner}</pre>"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{_esc(summary)}</summary>{body}</details>"


def scop_html(scop) -> str:
    """One row per statement: name, iterators, domain, accesses, source line."""
    rows = []
    for s in scop.statements:
        acc = ", ".join(f"{'W' if a.is_write else 'R'} {a.array}" for a in s.accesses)
        rows.append([s.name, ", ".join(s.iterators), str(s.domain), acc, s.source_line])
    params = ", ".join(scop.params) or "none"
    return (f"<div><b>Scop {_esc(scop.name)}</b> &mdash; parameters: {_esc(params)}"
            + _table(["statement", "iterators", "domain", "accesses", "source"], rows)
            + _details("printed form", _pre(str(scop))) + "</div>")


def dependences_html(deps) -> str:
    """One row per dependence edge: kind, array, source -> sink, distance or direction."""
    rows = []
    for e in deps.edges:
        if e.distance is not None:
            dist = f"({', '.join(map(str, e.distance))})"
        elif e.distances:
            dist = ", ".join(f"({', '.join(map(str, v))})" for v in e.distances)
        else:
            dist = f"({e.direction})" if e.direction else ""
        rows.append([e.kind, e.array, f"{e.source} -> {e.sink}", dist])
    title = f"<b>Dependences of {_esc(deps.scop.name)}</b>: {len(deps.edges)} edge(s)"
    if not rows:
        return f"<div>{title}</div>"
    return f"<div>{title}" + _table(["kind", "array", "edge", "distance / direction"], rows) + "</div>"


def schedule_html(schedule) -> str:
    """The loop tree with each loop's kind coloured, the per-statement rows, and the full text."""
    from ..schedule.printing import transformation_lines, tree_lines

    text = "\n".join(_esc(line) for line in tree_lines(schedule.tree, schedule.scop))
    text = re.sub(r"\[(parallel|simd|pipelined) ", lambda m: f"[<b style='color:{_COLOR[m.group(1)]}'>"
                  f"{m.group(1)}</b> ", text)
    parts = [f"<div><b>Schedule of {_esc(schedule.scop.name)}</b>",
             _pre("\n".join(transformation_lines(schedule))), _pre(text, raw=True)]
    if schedule.trace:
        parts.append(_details("trace (Python)", _pre("\n".join(schedule.trace))))
    parts.append(_details("full printed form", _pre(str(schedule))))
    return "".join(parts) + "</div>"


_COLOR = {"parallel": "#1a7f37", "simd": "#0550ae", "pipelined": "#9a6700"}


def c_html(text: str) -> str:
    """C source with its ``#pragma omp`` lines highlighted."""
    esc = _esc(text)
    esc = _PRAGMA.sub(lambda m: f"{m.group(1)}<span style='background:#dafbe1; color:#1a7f37; "
                      f"font-weight:bold'>{m.group(2)}</span>", esc)
    return _pre(esc, raw=True)


def kernel_html(kernel) -> str:
    """The kernel's signature and the C generated for its default options, OpenMP highlighted."""
    c = kernel.c_source()
    n_par = c.count("#pragma omp parallel")
    n_simd = c.count("#pragma omp simd")
    return (f"<div><b>{_esc(repr(kernel))}</b> &mdash; {n_par} parallel loop(s), {n_simd} simd loop(s)"
            + c_html(c) + "</div>")


def tune_report_html(report) -> str:
    """Summary line, what changed, the predicted-vs-measured plot, every candidate."""
    from .tuning import predicted_vs_measured

    head = (f"<div><b>Tuned {_esc(report.kernel)}</b>: {report.speedup:.2f}x the default "
            f"({report.default_seconds * 1e3:.3f} ms &rarr; {report.best_seconds * 1e3:.3f} ms), "
            f"{len(report.candidates)} candidates in {report.seconds:.1f} s on {_esc(report.machine)}")
    changes = _pre("\n".join(report.changes) or "the default plan won")
    rows = [[c.description, _ms(c.predicted), _ms(c.seconds), c.status + (f": {c.why}" if c.why else "")]
            for c in report.candidates]
    table = _table(["candidate", "predicted ms", "measured ms", "status"], rows)
    return head + changes + predicted_vs_measured(report) + table + "</div>"


def _ms(seconds) -> str:
    return "" if seconds is None or seconds != seconds else f"{seconds * 1e3:.3f}"


views.register("scop", scop_html)
views.register("dependences", dependences_html)
views.register("schedule", schedule_html)
views.register("kernel", kernel_html)
views.register("tune_report", tune_report_html)
