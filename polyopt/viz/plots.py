"""Pictures of iteration domains and schedules for concrete parameter values (matplotlib).

Points are enumerated with isl (parameters fixed, then ``foreach_point``) and the schedule map is
evaluated on them, so a picture shows exactly what the generated code runs:

* :func:`plot_domain`: a statement's 2-D iteration domain (or a 2-D slice) with dependence arrows;
* :func:`plot_tiles`: the same points coloured and numbered by tile, in execution order;
* :func:`plot_wavefronts`: coloured by parallel step (points of one step run concurrently);
* :func:`plot_fusion`: two statements side by side, coloured by the iteration of their shared loops.

Each returns a :class:`matplotlib.figure.Figure` (no pyplot state); pass ``ax=`` to draw into an
existing axes.  Parameters are given as keywords: ``plot_domain(kernel, "S0", N=8)``.
"""

from __future__ import annotations

import islpy as isl

from ..errors import PolyoptError
from ..schedule.schedule import PARALLEL

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


def _slice(scop, stmt: str, dims, fixed, params: dict):
    """The statement's domain for the parameter values, other iterators fixed (default: minimum)."""
    s = scop.statement(stmt)
    dom = _fix_params(s.domain, scop, params)
    dims = tuple(s.iterators.index(d) if isinstance(d, str) else d for d in dims)
    fixed = dict(fixed or {})
    for k, name in enumerate(s.iterators):
        if k in dims:
            continue
        if name in fixed:
            dom = dom.fix_val(isl.dim_type.set, k, isl.Val(str(int(fixed[name]))))
        else:
            lo = dom.dim_min_val(k)
            if lo.is_int():
                dom = dom.fix_val(isl.dim_type.set, k, lo)
    return dom, dims


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


def _figure(ax, ncols: int = 1, size=(5, 4.5)):
    if ax is not None:
        return ax.figure, [ax]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1]), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, k + 1) for k in range(ncols)]


def _axes_labels(ax, stmt, dims, title: str):
    ax.set_xlabel(stmt.iterators[dims[0]])
    ax.set_ylabel(stmt.iterators[dims[1]] if len(dims) > 1 else "")
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(True, alpha=0.25)


def _xy(p, dims):
    return p[dims[0]], (p[dims[1]] if len(dims) > 1 else 0)


def plot_domain(obj, stmt: str, *, dims=(0, 1), fixed=None, deps: bool = True, ax=None, **params):
    """The iteration domain of ``stmt`` (2-D, or the slice over ``dims``) with dependence arrows
    between its points, coloured by kind (RAW red, WAR blue, WAW purple).  ``obj``: kernel or schedule."""
    scop = obj.scop
    dom, dims = _slice(scop, stmt, dims, fixed, params)
    pts = _points(dom)
    fig, (ax,) = _figure(ax)
    ax.scatter([_xy(p, dims)[0] for p in pts], [_xy(p, dims)[1] for p in pts], s=28, color="#57606a", zorder=3)
    count = 0
    if deps:
        dependences = obj.dependences() if callable(getattr(obj, "dependences", None)) else obj.dependences
        seen = set()
        for edge in dependences.edges:
            if edge.source != stmt or edge.sink != stmt:
                continue
            rel = _fix_params(edge.relation, scop, params).intersect_domain(dom).intersect_range(dom)
            n = rel.dim(isl.dim_type.in_)
            for p in _points(rel.wrap().flatten()):
                a, b = _xy(p[:n], dims), _xy(p[n:], dims)
                if a == b or (a, b) in seen or count >= MAX_ARROWS:
                    continue
                seen.add((a, b))
                count += 1
                ax.annotate("", xy=b, xytext=a, zorder=2, arrowprops=dict(
                    arrowstyle="->", color=_KIND_COLOR.get(edge.kind, "k"), lw=0.9, alpha=0.7))
        for kind, color in _KIND_COLOR.items():
            ax.plot([], [], color=color, label=kind)
        ax.legend(loc="upper right", fontsize=8)
    s = scop.statement(stmt)
    _axes_labels(ax, s, dims, f"{scop.name} {stmt}: {len(pts)} points, {count} dependence arrows")
    return fig


def _rows_and_kinds(schedule, stmt):
    from ..schedule.transform import read_rows

    r = read_rows(schedule)
    return r.rows[stmt], r.kinds[stmt]


def _ordered_groups(times: dict, prefix: int) -> dict:
    """point -> rank of its group (points whose time vectors share the first ``prefix`` entries)."""
    keys = sorted({t[:prefix] for t in times.values()})
    rank = {k: n for n, k in enumerate(keys)}
    return {p: rank[t[:prefix]] for p, t in times.items()}


def _draw_groups(ax, groups: dict, dims, numbers: bool, cmap: str = "viridis"):
    import matplotlib

    n = max(groups.values(), default=0) + 1
    colors = matplotlib.colormaps[cmap].resampled(max(n, 2))
    pts = list(groups)
    ax.scatter([_xy(p, dims)[0] for p in pts], [_xy(p, dims)[1] for p in pts], s=40,
               c=[colors(groups[p]) for p in pts], zorder=3, edgecolors="k", linewidths=0.3)
    if numbers:
        for g in range(n):
            members = [_xy(p, dims) for p in pts if groups[p] == g]
            if not members:  # a group of the other statement (plot_fusion)
                continue
            cx = sum(x for x, _ in members) / len(members)
            cy = sum(y for _, y in members) / len(members)
            ax.text(cx, cy, str(g), ha="center", va="center", fontsize=8, weight="bold", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", alpha=0.8, lw=0))
    return n


def plot_tiles(obj, stmt: str, *, dims=(0, 1), fixed=None, ax=None, options=None, **params):
    """The points of ``stmt`` coloured by tile, tiles numbered in execution order.  A tile is the set
    of points sharing the leading tile (and wavefront) rows of the schedule."""
    schedule = _schedule(obj, options or {})
    dom, dims = _slice(schedule.scop, stmt, dims, fixed, params)
    times = _times(schedule, dom)
    rows, _ = _rows_and_kinds(schedule, stmt)
    prefix = 0
    for e in rows:  # tile rows are floors (or constants between them); point rows are affine
        if e.is_affine and not e.is_constant:
            break
        prefix += 1
    fig, (ax,) = _figure(ax)
    if prefix == 0:
        prefix = len(next(iter(times.values()), ()))
    n = _draw_groups(ax, _ordered_groups(times, prefix), dims, numbers=True)
    _axes_labels(ax, schedule.scop.statement(stmt), dims, f"{schedule.scop.name} {stmt}: {n} tiles in order")
    return fig


def plot_wavefronts(obj, stmt: str, *, dims=(0, 1), fixed=None, ax=None, options=None, **params):
    """The points of ``stmt`` coloured by parallel step: points sharing every schedule row above the
    outermost parallel loop run in the same step."""
    schedule = _schedule(obj, options or {})
    dom, dims = _slice(schedule.scop, stmt, dims, fixed, params)
    times = _times(schedule, dom)
    _, kinds = _rows_and_kinds(schedule, stmt)
    par = next((d for d, k in enumerate(kinds) if k is not None and k.kind == PARALLEL), None)
    prefix = par if par is not None else len(kinds)
    fig, (ax,) = _figure(ax)
    n = _draw_groups(ax, _ordered_groups(times, prefix), dims, numbers=_few_groups(times, prefix), cmap="plasma")
    what = f"{n} parallel steps" if par is not None else f"no parallel loop: {n} sequential steps"
    _axes_labels(ax, schedule.scop.statement(stmt), dims, f"{schedule.scop.name} {stmt}: {what}")
    return fig


def _few_groups(times: dict, prefix: int, limit: int = 40) -> bool:
    """Whether there are few enough groups to number them legibly."""
    return len({t[:prefix] for t in times.values()}) <= limit


def plot_fusion(obj, stmts=None, *, dims=(0, 1), fixed=None, options=None, **params):
    """Two (or more) statements side by side, points coloured by the iteration of the loops they
    share: same colour = run in the same iteration of the fused loops.  ``dims`` may be a dict
    ``{stmt: (d0, d1)}`` when the statements have different depths."""
    from ..schedule.transform import _paths, read_rows

    schedule = _schedule(obj, options or {})
    scop = schedule.scop
    stmts = tuple(stmts or (s.name for s in scop.statements))
    r = read_rows(schedule)
    paths = _paths(r)
    shared = 0
    while shared < r.ndim and len({paths[s][shared] for s in stmts}) == 1:
        shared += 1
    loops = [d for d in range(shared) if not all(r.rows[s][d].is_constant for s in stmts)]
    fig, axes = _figure(None, ncols=len(stmts))
    all_times = {}
    slices = {}
    for s in stmts:
        sd = dims.get(s, (0, 1)) if isinstance(dims, dict) else dims
        dom, sdims = _slice(scop, s, sd, fixed, params)
        slices[s] = sdims
        all_times[s] = _times(schedule, dom)
    keys = sorted({tuple(t[d] for d in loops) for times in all_times.values() for t in times.values()})
    rank = {k: n for n, k in enumerate(keys)}
    for ax, s in zip(axes, stmts):
        groups = {p: rank[tuple(t[d] for d in loops)] for p, t in all_times[s].items()}
        _draw_groups(ax, groups, slices[s], numbers=len(keys) <= 40, cmap="turbo")
        _axes_labels(ax, scop.statement(s), slices[s], f"{s}")
    fig.suptitle(f"{scop.name}: {', '.join(stmts)} share {len(loops)} loop(s) "
                 f"({len(keys)} fused iterations)", fontsize=10)
    return fig
