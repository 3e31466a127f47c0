"""Pass ``distribute``: the innermost loop of a fused band split into one copy per statement.

A fused innermost loop that carries a dependence between statements (stencils skewed for time
tiling: ``S1`` at column ``c`` reads what ``S0`` wrote at ``c - 1``) cannot be vectorized; one whose
statements' rows are shifted differently by fusion needs guards inside the loop body.  Putting the
statements in sequence *around* copies of that loop keeps every dependence satisfied when the pairs
still unordered by the outer loops all go forward in the sequence (a topological order of the
statements exists); each copy then carries only its statement's own dependences, and is a SIMD
loop when it carries none.  A plan's ``distribute`` gives the order of the copies (``()``: none).
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import IllegalScheduleError
from ..tree import Band, Leaf, Member, Node, Sequence
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    given = work.given_value("distribute")
    if given is not None:
        return replace(work, split=_check_given(work, tuple(given), ctx, env)) if given else work
    stmts = work.statements
    vector_last = work.innermost or work.fixed_taps
    if not (vector_last and len(stmts) > 1 and len(work.members) > 1 and env.options.vectorize):
        return work
    order = _order(work, ctx, env)
    return replace(work, split=order) if order else work


def _pending(work: BandWork, ctx: Context, env: Env):
    """(pairs carried by the innermost loop, pairs left unordered by the loops outside it)."""
    loops = list(work.tiles) + list(work.members)
    rest = env.carried.after(loops[:-1], ctx.active)
    carried, _ = env.carried.split(loops[-1], rest)
    return carried, rest


def _order(work: BandWork, ctx: Context, env: Env) -> tuple[str, ...] | None:
    carried, rest = _pending(work, ctx, env)
    stmts = work.statements
    last = work.members[-1]
    # Rows shifted by different constants (S1 at column c + 1) need guards in a shared loop.
    shifts = {last.expr(s).const for s in stmts}
    if not carried and len(shifts) == 1:
        return None  # already dependence-free and without guards: keep the statements fused
    after = _successors(stmts, rest)
    order: list[str] = []
    ready = [s for s in stmts if not any(s in after[t] for t in stmts)]
    while ready:
        s = ready.pop(0)
        order.append(s)
        for t in sorted(after[s], key=stmts.index):
            if all(t not in after[u] for u in stmts if u not in order):
                ready.append(t)
        ready.sort(key=stmts.index)
    if len(order) != len(stmts):
        return None  # a cycle between statements: they must stay in one loop
    self_carried = {e.source for e, _ in carried if e.source == e.sink}
    if all(s in self_carried for s in stmts):
        return None  # every copy would still carry a dependence: nothing to vectorize
    why = "it carries no dependence between statements" if carried else "it needs no guards"
    env.note(f"{work.label}: innermost loop {last.name} distributed over ({', '.join(order)}) so that {why}")
    return tuple(order)


def _successors(stmts, rest) -> dict[str, set[str]]:
    after = {s: set() for s in stmts}
    for e, _ in rest:
        if e.source != e.sink:
            after[e.source].add(e.sink)
    return after


def _check_given(work: BandWork, order: tuple[str, ...], ctx: Context, env: Env) -> tuple[str, ...]:
    if sorted(order) != sorted(work.statements) or len(work.members) < 2:
        raise IllegalScheduleError(f"{work.label}: cannot distribute its innermost loop over ({', '.join(order)})",
                                   hint=f"name each of {', '.join(work.statements)} once")
    _, rest = _pending(work, ctx, env)
    after = _successors(work.statements, rest)
    for k, s in enumerate(order):
        for t in order[:k]:
            if t in after[s]:
                raise IllegalScheduleError(f"{work.label}: distributing over ({', '.join(order)}) puts {t} "
                                           f"before {s}, which must come first", hint="order the copies by "
                                           "the dependences between the statements")
    return order


def restrict(node: Node, stmt: str) -> Node:
    """The part of ``node`` that runs ``stmt``."""
    if isinstance(node, Leaf):
        return Leaf((stmt,))
    if isinstance(node, Sequence):
        return restrict(next(child for names, child in node.children if stmt in names), stmt)
    members = tuple(Member(((stmt, m.expr(stmt)),), m.name, m.role) for m in node.members)
    return replace(node, members=members, child=restrict(node.child, stmt))


def copy_of(last: Member, stmt: str, below: Node, infos, band_id: int) -> Band:
    """The copy of the innermost loop ``last`` for ``stmt``, over ``below``."""
    return Band((Member(((stmt, last.expr(stmt)),), last.name, last.role),), below, True, infos=infos,
                band_id=band_id)
