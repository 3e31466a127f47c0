"""Pictures of iteration domains and schedules for concrete parameter values (matplotlib).

Points are enumerated with isl (parameters fixed, then ``foreach_point``) and the schedule map is
evaluated on them, so a picture shows exactly what the generated code runs:

* :func:`plot_domain`: a statement's 2-D iteration domain (or a 2-D slice) with dependence arrows;
* :func:`plot_tiles`: the same points, each tile outlined in its colour, numbered and joined by
  arrows in execution order;
* :func:`plot_wavefronts`: outlined and numbered by parallel step (points of one step run concurrently);
* :func:`plot_fusion`: two statements side by side, coloured by the iteration of their shared loops.

Each returns a :class:`matplotlib.figure.Figure` (no pyplot state); pass ``ax=`` to draw into an
existing axes.  Parameters are given as keywords: ``plot_domain(kernel, "S0", N=8)``.  A statement
deeper than two loops is shown as a 2-D slice: the other iterators are fixed (``fixed={"t": 3}``,
by default their first value), and the title says where the slice is.
"""

from __future__ import annotations

import islpy as isl

from ..errors import PolyoptError
from ..schedule.loops import PARALLEL
from .drawing import MAX_LABELS, draw_groups, figure, finish_axes

_KIND_COLOR = {"RAW": "#cf222e", "WAR": "#0969da", "WAW": "#8250df"}
MAX_POINTS = 20000
MAX_ARROWS = 600


def _schedule(obj, options: dict):
    """A Schedule from a Schedule or a Kernel (scheduled with ``options``)."""
    if hasattr(obj, "tree") and hasattr(obj, "scop"):
        return obj
    if hasattr(obj, "schedule") and callable(obj.schedule):
        return obj.schedule(**options)
    raise PolyoptError(f"expected a kernel or a schedule, not {type(obj).__name__}")


def _fix_params(obj, scop, params: dict):
    missing = [p for p in scop.params if p not in params]
    if missing:
        raise PolyoptError(f"plotting needs a value for every size parameter: missing {', '.join(missing)}",
                           hint=f"e.g. {', '.join(f'{p}=8' for p in scop.params)}")
    for k, name in enumerate(obj.get_space().get_var_names(isl.dim_type.param)):
        if name in params:
            obj = obj.fix_val(isl.dim_type.param, k, isl.Val(str(int(params[name]))))
    return obj


class _Slice:
    """A statement's points for the parameter values, over ``dims`` with the other iterators fixed."""

    def __init__(self, scop, stmt: str, dims, fixed, params: dict):
        s = scop.statement(stmt)
        self.scop, self.stmt, self.params = scop, s, params
        dom = _fix_params(s.domain, scop, params)
        self.dims = tuple(s.iterators.index(d) if isinstance(d, str) else d for d in dims)
        given = dict(fixed or {})
        self.fixed: list[tuple[str, int, bool]] = []  # (iterator, value, chosen by the user)
        for k, name in enumerate(s.iterators):
            if k in self.dims:
                continue
            if name in given:
                value, by_user = int(given[name]), True
            else:
                lo = dom.dim_min_val(k)
                if not lo.is_int():
                    continue
                value, by_user = lo.to_python(), False
            dom = dom.fix_val(isl.dim_type.set, k, isl.Val(str(value)))
            self.fixed.append((name, value, by_user))
        self.domain = dom

    def xy(self, p) -> tuple[int, int]:
        return p[self.dims[0]], (p[self.dims[1]] if len(self.dims) > 1 else 0)

    def title(self, what: str) -> str:
        """What is shown, then the parameter values and where the slice is."""
        facts = [", ".join(f"{p} = {self.params[p]}" for p in self.scop.params)]
        if self.fixed:
            where = ", ".join(f"{n} = {v}" for n, v, _ in self.fixed)
            auto = not any(by_user for _, _, by_user in self.fixed)
            facts.append(f"slice at {where}" + (" (first; fixed= sets it)" if auto else ""))
        return f"{self.scop.name} {self.stmt.name}: {what}\n" + " · ".join(f for f in facts if f)

    def finish(self, ax, xy, what: str) -> None:
        it = self.stmt.iterators
        finish_axes(ax, xy, it[self.dims[0]], it[self.dims[1]] if len(self.dims) > 1 else "", self.title(what))


def _points(bounded: isl.Set) -> list[tuple[int, ...]]:
    pts: list = []
    n = bounded.dim(isl.dim_type.set)

    def add(p):
        if len(pts) < MAX_POINTS:
            pts.append(tuple(p.get_coordinate_val(isl.dim_type.set, k).to_python() for k in range(n)))
    bounded.foreach_point(add)
    return pts


def _times(schedule, dom: isl.Set) -> dict:
    """point -> schedule time vector, for the points of ``dom`` (one statement)."""
    smap = schedule.tree.get_map().intersect_domain(dom.to_union_set())
    out = {}
    maps: list = []
    smap.foreach_map(maps.append)
    for m in maps:
        n_in = m.dim(isl.dim_type.in_)
        for p in _points(m.wrap().flatten()):
            out[p[:n_in]] = p[n_in:]
    return out


def plot_domain(obj, stmt: str, *, dims=(0, 1), fixed=None, deps: bool = True, ax=None, **params):
    """The iteration domain of ``stmt`` (2-D, or the slice over ``dims``) with dependence arrows
    between its points, coloured by kind (RAW red, WAR blue, WAW purple).  ``obj``: kernel or schedule."""
    scop = obj.scop
    sl = _Slice(scop, stmt, dims, fixed, params)
    pts = _points(sl.domain)
    xy = [sl.xy(p) for p in pts]
    fig, (ax,) = figure(ax, xy)
    ax.scatter([x for x, _ in xy], [y for _, y in xy], s=24, color="#57606a", zorder=3)
    count = 0
    if deps:
        dependences = obj.dependences() if callable(getattr(obj, "dependences", None)) else obj.dependences
        seen = set()
        for edge in dependences.edges:
            if edge.source != stmt or edge.sink != stmt:
                continue
            rel = _fix_params(edge.relation, scop, params).intersect_domain(sl.domain).intersect_range(sl.domain)
            n = rel.dim(isl.dim_type.in_)
            for p in _points(rel.wrap().flatten()):
                a, b = sl.xy(p[:n]), sl.xy(p[n:])
                if a == b or (a, b) in seen or count >= MAX_ARROWS:
                    continue
                seen.add((a, b))
                count += 1
                ax.annotate("", xy=b, xytext=a, zorder=2, arrowprops=dict(
                    arrowstyle="->", color=_KIND_COLOR.get(edge.kind, "k"), lw=0.9, alpha=0.7))
        for kind, color in _KIND_COLOR.items():
            ax.plot([], [], color=color, label=kind)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)  # off the points
    sl.finish(ax, xy, f"{len(pts)} points, {count} dependence arrows")
    return fig


def _rows_and_kinds(schedule, stmt):
    from ..schedule.rows import read_rows

    r = read_rows(schedule)
    return r.rows[stmt], r.kinds[stmt]


def _ranks(times: dict, prefix: int) -> dict:
    """point -> rank of its group (points whose time vectors share the first ``prefix`` entries)."""
    keys = sorted({t[:prefix] for t in times.values()})
    rank = {k: n for n, k in enumerate(keys)}
    return {p: rank[t[:prefix]] for p, t in times.items()}


def _tile_prefix(schedule, stmt: str, times: dict) -> int:
    """How many leading schedule rows pick the tile: tile rows are floors (or constants between
    them), point rows are affine; without tiling, every row (each point is its own tile)."""
    rows, _ = _rows_and_kinds(schedule, stmt)
    prefix = 0
    for e in rows:
        if e.is_affine and not e.is_constant:
            break
        prefix += 1
    return prefix or len(next(iter(times.values()), ()))


def _regions(sl: _Slice, ranks: dict, split: dict | None = None) -> dict:
    """rank -> the 2-D points of each region of that rank; ``split`` (point -> key) cuts a rank
    into separate regions (the tiles of one parallel step), each outlined on its own."""
    out: dict = {}
    for p, r in ranks.items():
        out.setdefault(r, {}).setdefault(split[p] if split else 0, []).append(sl.xy(p))
    return {r: list(parts.values()) for r, parts in out.items()}


def plot_tiles(obj, stmt: str, *, dims=(0, 1), fixed=None, ax=None, options=None, **params):
    """The points of ``stmt``, each tile outlined in its own colour, numbered in execution order and
    joined by arrows from each tile to the next.  A tile is the set of points sharing the leading
    tile (and wavefront) rows of the schedule."""
    schedule = _schedule(obj, options or {})
    sl = _Slice(schedule.scop, stmt, dims, fixed, params)
    times = _times(schedule, sl.domain)
    ranks = _ranks(times, _tile_prefix(schedule, stmt, times))
    xy = [sl.xy(p) for p in times]
    fig, (ax,) = figure(ax, xy)
    n = max(ranks.values(), default=-1) + 1
    few = n <= MAX_LABELS
    draw_groups(ax, _regions(sl, ranks), numbers=few, arrows=few)
    sl.finish(ax, xy, f"{n} tiles in order" + (" (numbers and arrows)" if few else ""))
    return fig


def plot_wavefronts(obj, stmt: str, *, dims=(0, 1), fixed=None, ax=None, options=None, **params):
    """The points of ``stmt`` by parallel step: points sharing every schedule row above the
    outermost parallel loop run in the same step.  Each step (each of its tiles, when tiled) is
    outlined in the step's colour and carries the step's number."""
    schedule = _schedule(obj, options or {})
    sl = _Slice(schedule.scop, stmt, dims, fixed, params)
    times = _times(schedule, sl.domain)
    _, kinds = _rows_and_kinds(schedule, stmt)
    par = next((d for d, k in enumerate(kinds) if k is not None and k.kind == PARALLEL), None)
    ranks = _ranks(times, par if par is not None else len(kinds))
    # A tiled step is cut into its tiles (each outlined); an untiled step is one region: the
    # points of an affine hyperplane, e.g. a skewed wavefront's diagonal.
    n_rows = len(next(iter(times.values()), ()))
    prefix = _tile_prefix(schedule, stmt, times)
    tiles = _ranks(times, prefix) if prefix < n_rows else None
    xy = [sl.xy(p) for p in times]
    fig, (ax,) = figure(ax, xy)
    n = max(ranks.values(), default=-1) + 1
    draw_groups(ax, _regions(sl, ranks, tiles), outlines=tiles is not None, lines=tiles is None,
                numbers=n <= MAX_LABELS)
    what = f"{n} parallel steps" if par is not None else f"no parallel loop: {n} sequential steps"
    sl.finish(ax, xy, what + (" (numbered)" if n <= MAX_LABELS else ""))
    return fig


def plot_fusion(obj, stmts=None, *, dims=(0, 1), fixed=None, options=None, **params):
    """Two (or more) statements side by side, points coloured by the iteration of the loops they
    share: same colour and number = run in the same iteration of the fused loops.  ``dims`` may be
    a dict ``{stmt: (d0, d1)}`` when the statements have different depths."""
    from ..schedule.rows import paths as _paths
    from ..schedule.rows import read_rows

    schedule = _schedule(obj, options or {})
    scop = schedule.scop
    stmts = tuple(stmts or (s.name for s in scop.statements))
    r = read_rows(schedule)
    paths = _paths(r)
    shared = 0
    while shared < r.ndim and len({paths[s][shared] for s in stmts}) == 1:
        shared += 1
    loops = [d for d in range(shared) if not all(r.rows[s][d].is_constant for s in stmts)]
    slices = {s: _Slice(scop, s, dims.get(s, (0, 1)) if isinstance(dims, dict) else dims, fixed, params)
              for s in stmts}
    all_times = {s: _times(schedule, sl.domain) for s, sl in slices.items()}
    everything = [slices[s].xy(p) for s in stmts for p in all_times[s]]
    fig, axes = figure(None, everything, ncols=len(stmts))
    keys = sorted({tuple(t[d] for d in loops) for times in all_times.values() for t in times.values()})
    rank = {k: n for n, k in enumerate(keys)}
    for ax, s in zip(axes, stmts):
        ranks = {p: rank[tuple(t[d] for d in loops)] for p, t in all_times[s].items()}
        draw_groups(ax, _regions(slices[s], ranks), numbers=len(keys) <= MAX_LABELS)
        it = scop.statement(s).iterators
        d = slices[s].dims
        fixed_text = ", ".join(f"{n} = {v}" for n, v, _ in slices[s].fixed)
        finish_axes(ax, [slices[s].xy(p) for p in all_times[s]], it[d[0]], it[d[1]] if len(d) > 1 else "",
                    f"{s}: {scop.statement(s).source_line}" + (f"\nslice at {fixed_text}" if fixed_text else ""))
    values = ", ".join(f"{p} = {params[p]}" for p in scop.params)
    fig.suptitle(f"{scop.name}: {', '.join(stmts)} share {len(loops)} loop(s) ({len(keys)} fused iterations)\n"
                 f"same colour and number = same iteration · {values}", fontsize=10)
    return fig
