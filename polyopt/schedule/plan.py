"""The plan: every decision of the schedule stage as data that can be printed, changed and re-checked.

A :class:`Plan` holds the scheduler's tree (fusion and hyperplanes) and, per band in the order the
passes visit them, what each pass decided: the loop order, the tile sizes, the wavefront, moving
the innermost loop below a filter's taps, distributing it over the statements, and every loop's
kind (parallel / pipelined / simd / serial, with collapse, the smallest work worth threads, unrolling
and outlining).  A field left ``None`` means "decide": ``kernel.schedule(plan=p)`` applies every
decision given and takes the others itself, and the result is checked against the dependences like
any hand transformation (a loop given as parallel that carries a dependence is refused, naming it).

Plans are frozen and JSON-serialisable (:meth:`Plan.to_json` / :meth:`Plan.from_json`); schedule
rows are stored structurally, so no text has to be parsed back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from ..errors import ScheduleError
from .loops import LoopKind
from .options import fuse_pairs_text
from .tree import Band, Expr, Leaf, Member, Node, Sequence

VERSION = 1
MAX_UNROLL_BY = 64


@dataclass(frozen=True)
class LoopPlan:
    """The decision about one loop: its stable name, its kind, and what code generation applies."""

    name: str
    kind: LoopKind
    reason: str = ""
    collapse: int = 1
    unroll: bool = False
    outline: bool = False
    reductions: tuple[str, ...] = ()
    private: tuple[str, ...] = ()  # temporaries with a copy per iteration (recomputed when applied)
    reduce: tuple[tuple[str, str, str], ...] = ()  # a parallel reduction's (array, op, statement)s
    # a parallel loop runs on one thread below this many statement instances (0: never); None:
    # the policy's value (TilePolicy.min_parallel_work)
    min_work: int | None = None
    unroll_by: int = 0  # a loop without an OpenMP pragma unrolled by this factor (0: the compiler's choice)
    dynamic: bool = False  # a parallel loop's iterations handed out one at a time (OpenMP schedule(dynamic))

    def __post_init__(self):
        try:
            object.__setattr__(self, "kind", LoopKind(self.kind))
        except ValueError:
            raise ScheduleError(f"loop {self.name}: unknown kind {self.kind!r}",
                                hint=f"kinds: {', '.join(k.value for k in LoopKind)}") from None
        if not isinstance(self.collapse, int) or self.collapse < 1:
            raise ScheduleError(f"loop {self.name}: collapse must be a positive int, not {self.collapse!r}")
        by = self.unroll_by
        if isinstance(by, bool) or not isinstance(by, int) or not (by == 0 or 2 <= by <= MAX_UNROLL_BY):
            raise ScheduleError(f"loop {self.name}: unroll_by must be 0 or 2..{MAX_UNROLL_BY}, not {by!r}")
        if self.min_work is not None and (not isinstance(self.min_work, int) or self.min_work < 0):
            raise ScheduleError(f"loop {self.name}: min_work must be a non-negative int, not {self.min_work!r}")


@dataclass(frozen=True)
class BandPlan:
    """The decisions about one band (``None``: let the pass decide).

    ``loops`` are the stable names of the band's point loops in the scheduler's order, the order
    ``tile`` sizes follow; ``order`` lists them outermost first; ``tile`` is ``()`` for a band left
    untiled; ``distribute`` is ``()`` when the innermost loop is not distributed, else the statement
    order of its copies; ``jam`` names a point loop unrolled and jammed with its factor (``()``:
    none); ``registers`` is a contraction's register tile ``(row, mr, column, nr)``: an ``mr`` x ``nr``
    block of its result held in registers across its reduction loops (``()``: none); ``pack`` names
    the arrays whose panels it copies to a local buffer per tile, ``"row:A"`` for a row panel of a
    factor that reads A (``alpha * A[i, k]`` computed once per tile), ``()`` for none; ``kinds``
    gives every loop the band emits (tile loops first).
    """

    statements: tuple[str, ...]
    loops: tuple[str, ...]
    permutable: bool
    order: tuple[str, ...] | None = None
    tile: tuple[int, ...] | None = None
    wavefront: bool | None = None
    sink: bool | None = None
    distribute: tuple[str, ...] | None = None
    kinds: tuple[LoopPlan, ...] | None = None
    note: str = ""
    jam: tuple[tuple[str, int], ...] | None = None  # (point loop, factor) unrolled and jammed; () none
    registers: tuple | None = None  # (row loop, mr, column loop, nr) of a register tile; () none
    pack: tuple[str, ...] | None = None  # arrays whose panels a register tile packs; () none

    def __post_init__(self):
        for name in ("statements", "loops", "order", "tile", "distribute", "kinds"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if self.jam is not None:
            object.__setattr__(self, "jam", tuple(tuple(j) for j in self.jam))
        if isinstance(self.registers, list):
            object.__setattr__(self, "registers", tuple(self.registers))
        if isinstance(self.pack, list):
            object.__setattr__(self, "pack", tuple(self.pack))

    def decided(self) -> BandPlan:
        """This band with only the facts that identify it (every decision open again)."""
        return BandPlan(self.statements, self.loops, self.permutable)


@dataclass(frozen=True)
class Plan:
    """Every decision of one schedule (see the module docstring)."""

    kernel: str
    options: dict  # the ScheduleOptions it was made with (scheduler, tile, fuse, parallel, vectorize)
    tree: Node  # the scheduler's tree: fusion and hyperplanes, before tiling
    bands: tuple[BandPlan, ...] = ()
    fusion: tuple[tuple[str, ...], ...] = ()
    notes: tuple = field(default=(), compare=False)  # the scheduler's explanation: lines and Cuts (.fusion)

    def schedule_options(self):
        """The ScheduleOptions the plan was made with."""
        from dataclasses import fields

        from .options import ScheduleOptions

        names = {f.name for f in fields(ScheduleOptions)}
        return ScheduleOptions(**{k: v for k, v in self.options.items() if k in names})

    def digest(self) -> str:
        """A short hash of the plan's JSON text (equal plans, equal digests)."""
        import hashlib

        return hashlib.sha256(self.to_json().encode()).hexdigest()[:20]

    # -------------------------------------------------------- changing a plan

    def band(self, index: int) -> BandPlan:
        """The ``index``-th band, as printed (``band 0``, ``band 1`` ...)."""
        if not 0 <= index < len(self.bands):
            raise ScheduleError(f"the plan has {len(self.bands)} band(s); there is no band {index}")
        return self.bands[index]

    def with_band(self, index: int, **changes) -> Plan:
        """A new plan whose band ``index`` has ``changes`` (``tile=(64, 64)``, ``order=("j", "i")``,
        ``wavefront=False`` ...); the loop kinds of that band and of every band after it are
        decided again, since they depend on the loops around them, and so are its panels (``pack``)
        when ``registers`` changes without them."""
        bad = sorted(set(changes) - {"order", "tile", "wavefront", "sink", "distribute", "jam", "registers",
                                     "pack", "kinds"})
        if bad:
            raise ScheduleError(f"a band has no decision {bad[0]!r}",
                                hint="decisions: order, tile, wavefront, sink, distribute, jam, registers, "
                                     "pack, kinds")
        if "registers" in changes and "pack" not in changes:  # the panels belong to a register tile
            changes["pack"] = None
        bands = list(self.bands)
        bands[index] = replace(self.band(index), **{"kinds": None, **changes})
        for k in range(index + 1, len(bands)):
            bands[k] = replace(bands[k], kinds=None)
        return replace(self, bands=tuple(bands))

    def undecided(self) -> Plan:
        """The tree of this plan with every post-processing decision open."""
        return replace(self, bands=())

    # -------------------------------------------------------- text

    def __str__(self) -> str:
        opts = self.options
        lines = [f"plan for {self.kernel}: scheduler={opts.get('scheduler')} fuse={opts.get('fuse')} "
                 f"tile={opts.get('tile')} parallel={opts.get('parallel')} vectorize={opts.get('vectorize')}"
                 + (f" fuse_pairs={fuse_pairs_text(opts['fuse_pairs'])}" if opts.get("fuse_pairs") else ""),
                 "fusion: " + " ".join(f"({', '.join(g)})" for g in self.fusion)]
        for k, b in enumerate(self.bands):
            facts = [f"loops {', '.join(b.loops)}"]
            if b.order is not None and b.order != b.loops:
                facts.append(f"order {', '.join(b.order)}")
            if b.tile is not None:
                facts.append("tiled " + "x".join(map(str, b.tile)) if b.tile else "not tiled")
            if b.wavefront:
                facts.append("wavefront")
            if b.sink:
                facts.append(f"{(b.order or b.loops)[-1]} moved below the taps")
            if b.distribute:
                facts.append(f"innermost loop distributed over ({', '.join(b.distribute)})")
            for name, factor in b.jam or ():
                facts.append(f"{name} unrolled by {factor} and jammed")
            if b.registers:
                row, mr, col, nr = b.registers
                facts.append(f"register tile {mr}x{nr} over ({row}, {col})")
            if b.pack:
                facts.append(f"{', '.join(b.pack)} packed")
            lines.append(f"band {k} ({', '.join(b.statements)}): {'; '.join(facts)}")
            for lp in b.kinds or ():
                extra = [f"collapse {lp.collapse}"] if lp.collapse > 1 else []
                extra += [f"one thread below {lp.min_work} instances"] if lp.min_work else []
                extra += ["unrolled"] if lp.unroll else []
                extra += [f"unrolled by {lp.unroll_by}"] if lp.unroll_by else []
                extra += ["body outlined"] if lp.outline else []
                more = f" ({', '.join(extra)})" if extra else ""
                lines.append(f"  {lp.name}: {lp.kind}{more}" + (f" -- {lp.reason}" if lp.reason else ""))
        return "\n".join(lines)

    # -------------------------------------------------------- JSON

    def to_json(self) -> str:
        """The plan as JSON text (``Plan.from_json`` reads it back)."""
        data = {"version": VERSION, "kernel": self.kernel, "options": _plain(self.options),
                "tree": _node_json(self.tree), "fusion": [list(g) for g in self.fusion],
                "bands": [_band_json(b) for b in self.bands]}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """A plan from :meth:`to_json` text."""
        try:
            data = json.loads(text)
            if data.get("version") != VERSION:
                raise ScheduleError(f"plan version {data.get('version')!r} is not {VERSION}",
                                    hint="make the plan again with this polyopt: kernel.schedule().plan")
            options = dict(data["options"])
            if isinstance(options.get("tile"), list):
                options["tile"] = tuple(options["tile"])
            if options.get("fuse_pairs") is not None:
                options["fuse_pairs"] = tuple(tuple(p) for p in options["fuse_pairs"])
            return cls(data["kernel"], options, _node_from(data["tree"]),
                       tuple(_band_from(b) for b in data["bands"]),
                       tuple(tuple(g) for g in data["fusion"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ScheduleError(f"not a polyopt plan: {type(exc).__name__}: {exc}",
                                hint="read it from Plan.to_json() output") from None


def _plain(options: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}


def _expr_json(e: Expr) -> dict:
    return {"coeffs": list(e.coeffs), "const": e.const, "params": [list(p) for p in e.params],
            "floors": [[s, _expr_json(inner), d] for s, inner, d in e.floors]}


def _expr_from(d: dict) -> Expr:
    return Expr(tuple(d["coeffs"]), d["const"], tuple((p, c) for p, c in d["params"]),
                tuple((s, _expr_from(inner), div) for s, inner, div in d["floors"]))


def _node_json(node: Node) -> dict:
    if isinstance(node, Leaf):
        return {"leaf": list(node.statements)}
    if isinstance(node, Sequence):
        return {"sequence": [{"statements": list(names), "child": _node_json(child)}
                             for names, child in node.children]}
    return {"band": [{"name": m.name, "rows": {s: _expr_json(e) for s, e in m.exprs}} for m in node.members],
            "permutable": node.permutable, "id": node.band_id, "child": _node_json(node.child)}


def _node_from(d: dict) -> Node:
    if "leaf" in d:
        return Leaf(tuple(d["leaf"]))
    if "sequence" in d:
        return Sequence(tuple((tuple(c["statements"]), _node_from(c["child"])) for c in d["sequence"]))
    members = tuple(Member(tuple((s, _expr_from(e)) for s, e in m["rows"].items()), m["name"])
                    for m in d["band"])
    return Band(members, _node_from(d["child"]), bool(d["permutable"]), band_id=d.get("id", -1))


def _band_json(b: BandPlan) -> dict:
    out = asdict(b)
    if b.kinds is not None:
        out["kinds"] = [{**asdict(lp), "kind": lp.kind.value} for lp in b.kinds]
    return out


def _band_from(d: dict) -> BandPlan:
    def tup(key):
        return None if d.get(key) is None else tuple(d[key])

    kinds = d.get("kinds")
    if kinds is not None:
        kinds = tuple(LoopPlan(k["name"], LoopKind(k["kind"]), k.get("reason", ""), k.get("collapse", 1),
                               k.get("unroll", False), k.get("outline", False), tuple(k.get("reductions", ())),
                               tuple(k.get("private", ())), tuple(tuple(r) for r in k.get("reduce", ())),
                               k.get("min_work"), k.get("unroll_by", 0), bool(k.get("dynamic", False)))
                      for k in kinds)
    return BandPlan(tuple(d["statements"]), tuple(d["loops"]), bool(d["permutable"]), tup("order"), tup("tile"),
                    d.get("wavefront"), d.get("sink"), tup("distribute"), kinds, d.get("note", ""), tup("jam"),
                    tup("registers"), tup("pack"))
