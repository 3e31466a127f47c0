"""Readable text for a Scop (``print(kernel.scop)``)."""

from __future__ import annotations

import islpy as isl


def _constraints(s: isl.Set) -> str:
    """The constraint part of a printed isl set: ``[N] -> { S0[i] : 0 <= i < N }`` -> ``0 <= i < N``."""
    text = str(s)
    body = text[text.index("{") + 1: text.rindex("}")].strip()
    return body.split(":", 1)[1].strip() if ":" in body else "true"


def _target(m: isl.Map) -> str:
    text = str(m)
    body = text[text.index("{") + 1: text.rindex("}")].strip()
    arrow = body.split("->", 1)[1]
    return arrow.split(":", 1)[0].strip()


def format_scop(scop) -> str:
    lines = [f"Scop {scop.name}"]
    ctx = _constraints(scop.context)
    lines.append(f"  params: [{', '.join(scop.params)}]" + (f"  context: {ctx}" if ctx != "true" else ""))
    lines.append("  arrays:")
    for a in scop.arrays:
        shape = "[" + ", ".join(str(x) for x in a.shape) + "]" if a.shape else "scalar"
        kind = " (local)" if a.is_local else ""
        lines.append(f"    {a.name}: {a.dtype.name} {shape}{kind}")
    lines.append("  statements:")
    for s in scop.statements:
        where = f"  # line {s.loc.line}" if s.loc else ""
        lines.append(f"    {s.name}[{', '.join(s.iterators)}]: {s.source_line}{where}")
        lines.append(f"      domain:   {_constraints(s.domain)}")
        sched = str(s.schedule)
        lines.append(f"      schedule: {sched[sched.index('{') + 1: sched.rindex('}')].strip()}")
        for acc in s.reads:
            lines.append(f"      read:     {_target(acc.relation)}")
        for acc in s.writes:
            lines.append(f"      write:    {_target(acc.relation)}")
    return "\n".join(lines)
