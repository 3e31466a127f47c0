"""Which loops statements share, and where the scheduler cut them apart: the explanation's words.

The Pluto-style scheduler (:mod:`.pluto`) cuts a group of statements into a sequence when they
cannot (or, by the fusion policy, should not) share their next loop.  It records each cut as a
:class:`Cut`; :func:`explain` turns it into explanation lines naming the loop the cut is inside --
"cut S0 | S1 inside loop i".  The printed ``fusion:`` line (:func:`fusion_text`) lists the loop
nests and, inside each, the loops its statements share before they go into loops of their own.
Both read which loops hold which statements from :func:`loops_of`: from the final schedule tree,
and again, once the code is generated, from what code generation reports it printed -- isl may put
a statement that runs at one iteration of a loop before that loop, or inside it under a guard --
so the two always agree with each other and with the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import islpy as isl

from .loops import LOOP_MARK
from .tree import expr_of

NO_COMMON_LOOP = "no common loop exists"  # why a merge is refused whatever the fusion policy


@dataclass(frozen=True)
class Cut:
    """A sequence made by the scheduler: its groups of statements, why, and which merges the fusion
    policy refused on the way (``(statements, other group, reason)``)."""

    groups: tuple[tuple[str, ...], ...]
    why: str
    refusals: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = ()
    fuse: str = ""

    def lines(self, loop: str = "") -> list[str]:
        """The explanation lines, the cut inside ``loop`` ("" for outside every loop)."""
        at = f" inside loop {loop}" if loop else ""
        out = [f"fuse={self.fuse}: {', '.join(stmts)} not fused with {', '.join(other)}{at}: {reason}"
               for stmts, other, reason in self.refusals]
        out.append(f"cut {' | '.join(', '.join(g) for g in self.groups)}{at} ({self.why})")
        return out

    def __str__(self) -> str:
        return self.lines()[-1]  # the cut itself, not yet located


@dataclass(frozen=True)
class Fused:
    """A merge the fusion policy made: ``statements`` (an SCC) got the next loop of ``group``.
    Not printed (the fusion line shows the result); the autotuner tries keeping such pairs apart."""

    statements: tuple[str, ...]
    group: tuple[str, ...]
    fuse: str = ""


def explain(notes, tree: isl.Schedule, scop, emitted=None) -> list[str]:
    """``notes`` (lines and :class:`Cut`) as text lines, each Cut located in ``tree``: inside the
    innermost loop that holds all its statements (see :func:`loops_of`)."""
    loops = loops_of(tree, scop, emitted)
    out: list[str] = []
    for note in notes:
        if isinstance(note, Fused):
            continue
        if not isinstance(note, Cut):
            out.append(note)
            continue
        every = {s for g in note.groups for s in g}
        holding = [name for name, held in loops if every <= held]
        out += note.lines(holding[-1] if holding else "")
    return out


def rendered_lines(notes) -> int:
    """How many lines :func:`explain` makes of ``notes``."""
    return sum(len(n.lines()) if isinstance(n, Cut) else 0 if isinstance(n, Fused) else 1 for n in notes)


def loops_of(tree: isl.Schedule, scop, emitted=None) -> list[tuple[str, frozenset]]:
    """Every loop of ``tree``, outer before inner: its name and the statements it holds.

    Given ``emitted`` (code generation's report, :class:`~.loops.EmittedLoop`), a loop holds the
    statements that some printed copy of it holds.  Before code generation, those whose row in it
    has an iterator: a statement whose row has none runs at one iteration of the loop, and code
    generation may put it before the loop or inside it under a guard.
    """
    printed: dict | None = None
    if emitted is not None:
        printed = {}
        for e in emitted:
            printed.setdefault((e.info.band, e.info.name), set()).update(e.statements)
    out: list = []
    _visit(tree.get_root(), scop, printed, out)
    return out


def _visit(node: isl.ScheduleNode, scop, printed, out: list) -> None:
    if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
        info = node.mark_get_id().get_user()
        band = node.child(0)
        below = [s for s in scop.statements if not band.get_domain().extract_set(s.domain.get_space()).is_empty()]
        if printed is not None:
            held = printed.get((info.band, info.name), set()) & {s.name for s in below}
        else:
            row = band.band_get_partial_schedule().get_at(0)
            held = {s.name for s in below if expr_of(row, s).varies}
        out.append((info.name, frozenset(held)))
    for k in range(node.n_children()):
        _visit(node.child(k), scop, printed, out)


def fusion_text(tree: isl.Schedule, scop, emitted=None) -> str:
    """``(S0, S1 in loop i: (S0) (S1)) (S2)``: the loop nests of ``tree`` and, inside each, the loops
    its statements share before they go into loops of their own; statements that share all their
    loops are one group, ``(S0, S1)``.  Which loops hold a statement: :func:`loops_of` (from the
    code when ``emitted`` is given)."""
    loops = loops_of(tree, scop, emitted)
    stmts = _leaf_statements(tree.get_root(), scop)
    return " ".join(_fusion_group(group, loops, frozenset()) for group in _together(stmts, loops, frozenset()))


def _leaf_statements(node: isl.ScheduleNode, scop) -> list[str]:
    """The statements of the tree at ``node``, in the order its leaves run them."""
    if node.get_type() == isl.schedule_node_type.leaf:
        dom = node.get_domain()
        return [s.name for s in scop.statements if not dom.extract_set(s.domain.get_space()).is_empty()]
    return [s for k in range(node.n_children()) for s in _leaf_statements(node.child(k), scop)]


def _together(stmts: list[str], loops, used: frozenset) -> list[list[str]]:
    """``stmts`` in groups that a loop not in ``used`` holds together (transitively), in order."""
    group = {s: {s} for s in stmts}
    for k, (_, held) in enumerate(loops):
        inside = [s for s in stmts if s in held]
        if k in used or len(inside) < 2:
            continue
        merged = set().union(*(group[s] for s in inside))
        for s in merged:
            group[s] = merged
    out: list[list[str]] = []
    for s in stmts:
        if not any(s in g for g in out):
            out.append([t for t in stmts if t in group[s]])
    return out


def _fusion_group(stmts: list[str], loops, used: frozenset) -> str:
    """The text of a group of statements (which the loops in ``used`` all hold)."""
    names = ", ".join(stmts)
    shared = [k for k, (_, held) in enumerate(loops) if k not in used and set(stmts) <= held]
    inner = used | set(shared)
    own = any(held & set(stmts) for k, (_, held) in enumerate(loops) if k not in inner)
    parts = _together(stmts, loops, inner)
    if len(stmts) < 2 or len(parts) < 2 or not own:  # one statement, or all share all their loops
        return f"({names})"
    where = ", ".join(loops[k][0] for k in shared)
    where = f" in loop{'s' if len(shared) > 1 else ''} {where}" if shared else ""
    return f"({names}{where}: {' '.join(_fusion_group(p, loops, inner) for p in parts)})"
