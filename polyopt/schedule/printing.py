"""Readable text for a Schedule (``print(kernel.schedule())``), in Pluto's style.

The layout is stable (tests check it line by line)::

    schedule gemm: scheduler=pluto fuse=smart tile=True parallel=True vectorize=True
    T(S1): (i, j, k) -> (32*floor(i/32), 32*floor(j/32), 32*floor(k/32), i, k, j, 1)
    band 0 (S0, S1): permutable, tiled 32x32x32
      tile i_tile: parallel (collapse 2, one thread below 16384 instances) -- carries no dependence
      loop k: serial -- reduction on C[i, j] along k: ...
    fusion: (S0, S1 in loop i: (S0) (S1))
    code: every loop printed as decided
    decisions:
      ...
    tree:
      T(i) parallel
        ...

``T(S)`` rows and the fusion line are read back from the final isl schedule tree: band members,
and the position in each sequence as a constant (Pluto's scalar dimensions); ``fusion`` lists the
loop nests, and inside a group the loops its statements share before they are cut apart.  Once
the code is generated (``Schedule.emitted``), a loop printed otherwise than decided says so
("in the C: ...") and the ``code:`` line counts them.
"""

from __future__ import annotations

import islpy as isl

from .fusion import explain, fusion_text, rendered_lines
from .loops import LOOP_MARK, PARALLEL
from .options import fuse_pairs_text
from .tree import expr_of, from_isl, rows_of, statements_of


def format_schedule(schedule) -> str:
    """The whole printed form of ``schedule``."""
    scop, opts = schedule.scop, schedule.options
    lines = [f"schedule {scop.name}: scheduler={opts.scheduler} fuse={opts.fuse} tile={opts.tile} "
             f"parallel={opts.parallel} vectorize={opts.vectorize}"
             + (f" fuse_pairs={fuse_pairs_text(opts.fuse_pairs)}" if opts.fuse_pairs else "")]
    lines += transformation_lines(schedule)
    for k, band in enumerate(schedule.bands):
        props = ["permutable" if band.permutable else "not permutable"]
        if band.tile_sizes:
            props.append("tiled " + "x".join(map(str, band.tile_sizes)))
        elif band.note:
            props.append(band.note)
        lines.append(f"band {k} ({', '.join(band.statements)}): {', '.join(props)}")
        for role, loops in (("tile", band.tile_loops), ("loop", band.loops)):
            for info in loops:
                reason = f" -- {info.reason}" if info.reason else ""
                printed = _printed(info, schedule.emitted)
                lines.append(f"  {role} {info.name}: {kind_text(info)}{reason}{printed}")
    lines.append("fusion: " + fusion_text(schedule.tree, scop, schedule.emitted))
    if schedule.emitted is not None:
        otherwise = {(e.info.band, e.info.name) for e in schedule.emitted if not e.as_decided}
        lines.append("code: every loop printed as decided" if not otherwise else
                     f"code: {len(otherwise)} loop(s) printed otherwise than decided (\"in the C\" above)")
    decisions = list(schedule.decisions)
    if schedule.emitted is not None:  # the cuts located in the loops of the code (after the model's rewrites)
        first = len(scop.rewrites)
        decisions[first:first + rendered_lines(schedule.notes)] = explain(schedule.notes, schedule.tree, scop,
                                                                          schedule.emitted)
    if decisions:
        lines.append("decisions:")
        lines += [f"  {d}" for d in decisions]
    lines.append("tree:")
    lines += tree_lines(schedule.tree, scop)
    return "\n".join(lines)


def kind_text(info) -> str:
    """``parallel (collapse 2, one thread below 16384 instances)``: a loop's kind and its clauses."""
    extra = [f"collapse {info.collapse}"] if info.collapse > 1 else []
    extra += [f"one thread below {info.min_work} instances"] if info.kind == PARALLEL and info.min_work else []
    return str(info.kind) + (f" ({', '.join(extra)})" if extra else "")


def _printed(info, emitted) -> str:
    """``; in the C: ...`` when a copy of the loop was printed otherwise than decided."""
    if emitted is None:
        return ""
    mine = [e for e in emitted if e.info.band == info.band and e.info.name == info.name]
    bad = [e for e in mine if not e.as_decided]
    if not bad:
        return ""
    notes = dict.fromkeys(e.note or f"printed {e.kind}" for e in bad)
    part = f" ({len(bad)} of {len(mine)} copies)" if len(bad) < len(mine) else ""
    return f"; in the C{part}: {'; '.join(notes)}"


def transformation_lines(schedule) -> list[str]:
    """``T(S1): (i, j, k) -> (...)`` for every statement, from the final tree."""
    scop = schedule.scop
    tree = from_isl(schedule.tree, scop)
    present = statements_of(tree)
    out = []
    for s in scop.statements:
        if s.name not in present:  # isl drops statements whose domain is empty from the tree
            out.append(f"T({s.name}): ({', '.join(s.iterators)}) -> never executed (its domain is empty)")
            continue
        rows = ", ".join(r.text(s.iterators) for r in rows_of(tree, s.name))
        out.append(f"T({s.name}): ({', '.join(s.iterators)}) -> ({rows})")
    return out


def tree_lines(tree: isl.Schedule, scop) -> list[str]:
    """An indented outline of the isl schedule tree: loops with their kind, sequences, statements."""
    out: list[str] = []
    _node_lines(tree.get_root(), scop, 1, None, out)
    return out


def _node_lines(node: isl.ScheduleNode, scop, depth: int, info, out: list[str]) -> None:
    kind = node.get_type()
    pad = "  " * depth
    if kind == isl.schedule_node_type.mark:
        mark = node.mark_get_id()
        nxt = mark.get_user() if mark.get_name() == LOOP_MARK else None
        if nxt is None:
            out.append(f"{pad}mark {mark.get_name()}")
        _node_lines(node.child(0), scop, depth if nxt is not None else depth + 1, nxt, out)
        return
    if kind == isl.schedule_node_type.band:
        mupa = node.band_get_partial_schedule()
        dom = node.get_domain()
        stmts = [s for s in scop.statements if not dom.extract_set(s.domain.get_space()).is_empty()]
        for k in range(node.band_n_member()):
            texts = {s.name: expr_of(mupa.get_at(k), s).text(s.iterators) for s in stmts}
            if len(set(texts.values())) == 1:
                body = next(iter(texts.values()))
            else:
                body = "; ".join(f"{n}: {t}" for n, t in texts.items())
            label = f" [{info.kind} {info.name}]" if info is not None else ""
            out.append(f"{pad}for {body}{label}")
            pad += "  "
            depth += 1
        _node_lines(node.child(0), scop, depth, None, out)
        return
    if kind == isl.schedule_node_type.leaf:
        names = [s.name for s in scop.statements
                 if not node.get_domain().extract_set(s.domain.get_space()).is_empty()]
        out.append(f"{pad}{', '.join(names)}")
        return
    if kind in (isl.schedule_node_type.sequence, isl.schedule_node_type.set):
        out.append(f"{pad}{kind.name}")
        for k in range(node.n_children()):
            _node_lines(node.child(k), scop, depth + 1, None, out)
        return
    if kind == isl.schedule_node_type.filter:
        _node_lines(node.child(0), scop, depth, None, out)
        return
    for k in range(node.n_children()):  # domain and any other structural node
        _node_lines(node.child(k), scop, depth if kind == isl.schedule_node_type.domain else depth + 1,
                    None, out)
