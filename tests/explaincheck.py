"""Check a printed schedule against the C generated for it: every claim of the explanation must hold.

Used by the tests of issue 15's "explanations that contradict themselves".  The printed schedule
(``print(kernel.schedule())``) claims, per band, the kind of every loop (parallel with its collapse
and work threshold, simd, serial, pipelined), the loop nests and where statements are cut apart
(``fusion:`` and the ``cut ... inside loop X`` decisions).  The generated C is read twice:

* its text: every ``#pragma omp`` line, and the clauses on it;
* code generation's report of what it printed for each marked loop (``CProgram.loops``: band, loop
  name, pragma, statements inside), which must itself agree with the text, pragma for pragma.

Then each claim is compared with the report; any difference is returned as a line of text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from polyopt.codegen.emit import IN_ORDER_PRAGMA
from polyopt.schedule.loops import PARALLEL, SIMD

_LOOP = re.compile(r"  (tile|loop) (\S+): (parallel|simd|serial|pipelined)"
                   r"(?: \((?:collapse (\d+))?(?:, )?(?:one thread below (\d+) instances)?\))?"
                   r"(?: -- (.*))?$")
_PRAGMA = re.compile(r"#pragma omp (parallel for|simd)(?: collapse\((\d+)\))?(?: schedule\(dynamic\))?"
                     r"(?: reduction\([^()]*\))*(?: if\((.*)\))?\s*$")


@dataclass
class Group:
    """A group of the fusion line: its statements, the loops they share, the groups inside."""

    statements: frozenset
    loops: tuple = ()
    children: list = field(default_factory=list)


def claims(text: str):
    """(per band: loop name -> (kind, collapse, min_work, reason)), the fusion groups and the cuts
    ((groups, loop or "")) of a printed schedule."""
    bands: list[dict] = []
    fusion, cuts = None, []
    for line in text.splitlines():
        if line.startswith("band "):
            bands.append({})
        elif (m := _LOOP.match(line)) and bands:
            kind, collapse, work = m.group(3), int(m.group(4) or 1), int(m.group(5) or 0)
            bands[-1][m.group(2)] = (kind, collapse, work, m.group(6) or "")
        elif line.startswith("fusion: "):
            fusion = _groups(line[len("fusion: "):])
        elif m := re.match(r"  cut (.*?)(?: inside loop (\S+))? \(", line):
            cuts.append((frozenset(frozenset(g.split(", ")) for g in m.group(1).split(" | ")), m.group(2) or ""))
    return bands, Group(frozenset().union(*(g.statements for g in fusion)), (), fusion), cuts


def _groups(text: str) -> list[Group]:
    out, pos = [], 0
    while pos < len(text):
        group, pos = _group(text, pos)
        out.append(group)
        pos += 1 if pos < len(text) and text[pos] == " " else 0
    return out


def _group(text: str, pos: int) -> tuple[Group, int]:
    assert text[pos] == "(", text[pos:]
    m = re.compile(r"\(([^():]*?)(?: in loops? ([^:]*))?(:|\))").match(text, pos)
    group = Group(frozenset(m.group(1).split(", ")), tuple(m.group(2).split(", ")) if m.group(2) else ())
    pos = m.end()
    if m.group(3) == ":":
        pos += 1
        while text[pos] != ")":
            child, pos = _group(text, pos)
            group.children.append(child)
            pos += 1 if text[pos] == " " else 0
        pos += 1
    return group, pos


def problems(schedule_text: str, c_text: str, loops) -> list[str]:
    """Every claim of ``schedule_text`` that the C (``c_text`` and its report ``loops``) contradicts."""
    out = _text_against_report(c_text, loops)
    bands, root, cuts = claims(schedule_text)
    for e in loops:
        if not 0 <= e.info.band < len(bands) or e.info.name not in bands[e.info.band]:
            out.append(f"band {e.info.band} loop {e.info.name} is in the C but not in the explanation")
    for k, band in enumerate(bands):
        for name, (kind, collapse, work, reason) in band.items():
            mine = [e for e in loops if e.info.band == k and e.info.name == name]
            out += _loop_problems(k, name, kind, collapse, work, reason, mine)
    out += _fusion_problems(root, loops)
    for groups, loop in cuts:
        out += _cut_problems(root, groups, loop, loops)
    return out


def _text_against_report(c_text: str, loops) -> list[str]:
    printed = Counter()
    for line in c_text.splitlines():
        if line.strip() == f"#pragma {IN_ORDER_PRAGMA}":
            continue  # a serial reduction loop kept out of the C compiler's vectorizer (codegen/printer.py)
        if m := _PRAGMA.search(line):
            threshold = re.search(r">= (\d+)", m.group(3)).group(1) if m.group(3) else "0"
            printed[(m.group(1), int(m.group(2) or 1), int(threshold))] += 1
    reported = Counter(("parallel for" if e.kind == PARALLEL else "simd", e.collapse, e.min_work)
                       for e in loops if e.kind in (PARALLEL, SIMD))
    if printed != reported:
        return [f"the pragmas of the C text {dict(printed)} are not those reported {dict(reported)}"]
    return []


def _loop_problems(k, name, kind, collapse, work, reason, mine) -> list[str]:
    where = f"band {k} loop {name}"
    if "in the C" in reason:  # the explanation says itself that the C differs: it must
        return [] if any(not e.as_decided for e in mine) else [f"{where} says the C differs, it does not"]
    out = []
    for e in mine:
        expected = e.info.kind if "distributed over" in reason else kind  # a copy per statement
        if expected == "parallel":
            if (e.kind, e.collapse, e.min_work) != (PARALLEL, collapse, work):
                out.append(f"{where}: explained parallel (collapse {collapse}, if >= {work}), printed {e.kind} "
                           f"(collapse {e.collapse}, if >= {e.min_work}) {e.note}")
        elif expected == "simd":
            if e.kind != SIMD:
                out.append(f"{where}: explained simd, printed {e.kind} {e.note}")
        elif e.kind in (PARALLEL, SIMD):
            out.append(f"{where}: explained {expected}, printed {e.kind}")
    return out


def _fusion_problems(root: Group, loops) -> list[str]:
    out = []
    for e in loops:
        stmts = frozenset(e.statements)
        if not stmts:
            continue
        chain = _chain(root, stmts)  # a copy of a shared loop may hold some of the group's statements
        if chain[-1].children and not any(e.info.name in g.loops for g in chain):
            out.append(f"loop {e.info.name} runs {sorted(stmts)} together, which the fusion line puts apart")
    held: dict = {}  # per loop (band, name): the statements its printed copies hold
    for e in loops:
        held.setdefault((e.info.band, e.info.name), set()).update(e.statements)
    for g in _walk(root):
        if len(g.statements) < 2 or g is root:
            continue
        covering = {name for (_, name), stmts in held.items() if g.statements <= stmts}
        if g.children and not set(g.loops) <= covering:
            out.append(f"{sorted(g.statements)} do not share loops {g.loops} in the C")
        if not g.children and not covering and any(g.statements & stmts for stmts in held.values()):
            out.append(f"{sorted(g.statements)} are said to share their loops, no loop of the C holds them all")
    return out


def _cut_problems(root: Group, groups, loop: str, loops) -> list[str]:
    where = f"cut {' | '.join(', '.join(sorted(x)) for x in groups)} inside loop {loop!r}"
    every = frozenset().union(*groups)
    g = _deepest(root, every)
    if g.children:  # the innermost loop holding them all: the last loop of the group holding them
        inside = g.loops[-1] if g.loops else ""
        return [] if inside == loop else [f"{where}: the fusion line puts it inside loop {inside!r}"]
    # statements that share all their loops: the cut is their order in the body of the innermost
    # loop, which must hold them all
    held: dict = {}
    for e in loops:
        if e.info.name == loop:
            held.setdefault(e.info.band, set()).update(e.statements)
    if not loop or any(every <= stmts for stmts in held.values()):
        return []
    return [f"{where}: no such loop holds them all in the C"]


def _chain(g: Group, stmts) -> list[Group]:
    """The groups from ``g`` down to the deepest one holding all of ``stmts``."""
    for c in g.children:
        if stmts <= c.statements:
            return [g, *_chain(c, stmts)]
    return [g]


def _deepest(g: Group, stmts) -> Group:
    return _chain(g, stmts)[-1]


def _walk(g: Group):
    yield g
    for c in g.children:
        yield from _walk(c)
