"""Pass ``kinds``: how every loop of a band runs, from the dependences it carries.

Tile loops first, then point loops, each with the pairs the loops outside it left:

* a wavefront loop is PIPELINED;
* the first loop that carries nothing, with no parallel loop around it, is PARALLEL -- unless it is
  an innermost loop inside a serial loop (a parallel region per outer iteration for one row of work:
  durbin's two such loops ran 2.5x slower than serial code, AMD Zen 3);
* dependence-free tile loops right inside a parallel tile loop are collapsed into it, up to the
  policy's ``max_collapse`` (conv2d's batch loop has a single 32-tile at batch size 8), when their
  values do not depend on the loops they join (OpenMP collapses rectangular nests only: syrk's
  triangular ``j <= i`` keeps ``j_tile`` apart), and not the band's innermost tile loop of
  rectangular tiles: code generation separates full tiles there (constant bounds for the SIMD loop),
  which splits the nest into two loops inside the head.  Collapsed with the full tiles separated one
  loop lower instead, gemm, 2mm and gramschmidt ran 2-5% slower at LARGE on 2 threads (Xeon,
  Sapphire Rapids class), the others alike;
* a parallel loop runs on one thread when one execution of it has fewer statement instances than
  the policy's ``min_parallel_work`` (code generation prints the estimate in an ``if`` clause);
* the innermost loop that carries nothing is SIMD (never inside another SIMD loop);
* every other loop is SERIAL, with the reason: the dependence it carries (or the reduction), or the
  parallel loop around it;
* a parallel or SIMD loop stays serial when a temporary's value may cross its iterations (see
  :func:`_private_temporaries`); loops inside a SIMD loop (fixed taps) are unrolled;
* a parallel loop with a loop inside and a statement that accumulates gets its body outlined into a
  function with ``restrict`` parameters (see :mod:`polyopt.codegen.outline` for the measurements).

A plan's ``kinds`` are applied by loop name and checked: a loop given as parallel or simd that
carries a dependence is refused, naming the dependence.
"""

from __future__ import annotations

from dataclasses import replace

import islpy as isl

from ...errors import IllegalScheduleError
from ..access import along, direction
from ..loops import PARALLEL, PIPELINED, SERIAL, SIMD, LoopInfo
from ..plan import LoopPlan
from ..private_arrays import privatisable
from ..tree import Expr, Member, has_band, member_name
from .work import BandWork, Context, Env


def run(work: BandWork, ctx: Context, env: Env) -> BandWork:
    members = list(work.members)
    last = members.pop() if work.split else None
    nested = any(ctx.rows[st] for st in work.statements)
    given = {lp.name: lp for lp in work.given_value("kinds") or ()}
    vector_last = work.innermost or work.fixed_taps
    separated = all(_one_iterator(m) for m in work.members)  # full tiles separated at the last tile loop
    tile_infos, active, above = _band(work.tiles, ctx.active, ctx.parallel_above, False, nested, ctx, env, given,
                                      separated)
    point_infos, active, above = _band(members, active, above, vector_last and not work.split,
                                       nested or bool(work.tiles), ctx, env, given, jammed=work.jammed,
                                       around=work.tiles)
    split_infos = ()
    if last is not None:
        split_infos = tuple(_copy(last, s, active, above, ctx, env, given) for s in work.split)
    stmts = work.statements
    kept = members + ([last] if last is not None else [])
    rows = {**ctx.rows, **{s: ctx.rows[s] + tuple(m.expr(s).coeffs for m in kept if m.expr(s).is_affine)
                           for s in stmts}}
    simd_above = bool(point_infos) and work.fixed_taps and point_infos[-1].kind == SIMD
    after = Context(active, above, rows, ctx.in_simd or simd_above)
    tile_infos = _outlined(tile_infos, work, env, given)
    point_infos = _outlined(point_infos, work, env, given)
    return replace(work, tile_infos=tuple(tile_infos), point_infos=tuple(point_infos), split_infos=split_infos,
                   after=after)


def copy_name(name: str, stmt: str) -> str:
    """The plan's name for the copy of loop ``name`` that runs ``stmt`` (a distributed loop)."""
    return f"{name}:{stmt}"


def _band(members: list[Member], active, above, innermost: bool, nested: bool, ctx: Context, env: Env,
          given: dict, separated: bool = False, jammed: tuple = (), around: tuple = ()):
    """The LoopInfo of each of ``members`` (outermost first); ``nested``: loops are around them;
    ``separated``: code generation separates full tiles at the last of them; ``jammed``: the (loop,
    factor) unrolled and jammed, which stays serial and is unrolled completely; ``around``: the
    band's loops outside ``members`` (its tile loops)."""
    infos: list[LoopInfo] = []
    opened = None  # index of a parallel tile loop that later tile loops may be collapsed into
    for k, m in enumerate(members):
        before = active
        carried, active = env.carried.split(m, active)
        carried, private = env.carried.privatised(m, carried, before)
        last = innermost and k == len(members) - 1
        lp = given.get(m.name)
        useful = lp is not None or above is None or opened is not None and m.role == "tile"
        left, arrays = _arrays(m, [*around, *members[:k]], carried, before, lp, last, ctx, env) if useful \
            else (carried, ())
        if jammed and m.name == jammed[0]:
            if m.name in given and given[m.name].kind != SERIAL:
                raise IllegalScheduleError(f"loop {m.name} is unrolled and jammed: it cannot be "
                                           f"{given[m.name].kind}")
            infos.append(LoopInfo(m.name, SERIAL, f"unrolled by {jammed[1]} and jammed", unroll=True,
                                  row=_row(m, env)))
            continue
        if m.name in given:
            info = _apply(m, given[m.name], left, private + arrays, before, above, infos, ctx, env, members[:k])
            if info.kind == SERIAL and "collapsed into" in info.reason:
                infos.append(info)
                continue
        else:
            head_arrays = set(infos[opened].private) if opened is not None else set()
            joins = (opened is not None and m.role == "tile"
                     and not (left if arrays and set(arrays) <= head_arrays else carried)
                     and infos[opened].collapse < env.policy.max_collapse
                     and _private_temporaries(m, before, infos[opened], env).kind == PARALLEL)
            why_not = ""
            if joins and separated and k == len(members) - 1:
                why_not = "full tiles are separated at this loop, which would split the collapsed nest"
            elif joins and not _rectangular(members[:opened], members[opened:k], m, ctx, env):
                why_not = "its bounds depend on it (OpenMP collapses rectangular loop nests only)"
                infos[opened] = replace(infos[opened], dynamic=True, reason=f"{infos[opened].reason}; "
                                        "iterations of unequal work: handed out one at a time")
            if joins and not why_not:
                head = infos[opened]
                infos[opened] = replace(head, collapse=head.collapse + 1)
                why = f"carries no dependence; collapsed into parallel loop {head.name}"
                infos.append(_with_private(LoopInfo(m.name, SERIAL, why, row=_row(m, env)), private + arrays, env))
                continue
            opened = None
            arrays = arrays if arrays and not left and env.options.parallel and above is None else ()
            info = _decide(m, [] if arrays else carried, above, last, nested or k > 0, ctx, env)
            if why_not:
                info = replace(info, reason=f"{info.reason}; not collapsed into it: {why_not}")
            if info.reductions and above is None:
                info = _parallel_reduction(m, members[:k], members[k + 1:], carried, active,
                                           last and (nested or k > 0), info, ctx, env)
                if info.kind == SERIAL:
                    env.note(f"{m.name} not parallel: {info.reason}")
            if info.reductions and info.kind == SERIAL and last:
                info = _simd_reduction(m, members[:k], carried, info, _exact_above(above, infos), ctx, env)
            if info.kind in (PARALLEL, SIMD):
                info = _with_private(_private_temporaries(m, before, info, env), private + arrays, env)
            if ctx.in_simd:
                info = replace(info, unroll=True, reason=f"{info.reason}; unrolled inside a SIMD loop")
        if info.kind == PARALLEL:
            above = m.name
            opened = k if m.role == "tile" else None
        infos.append(info)
    return infos, active, above


def _decide(m: Member, carried, above, last: bool, nested: bool, ctx: Context, env: Env) -> LoopInfo:
    opts = env.options
    row = _row(m, env)
    if m.role == "wavefront":
        return LoopInfo(m.name, PIPELINED, "wavefront over tiles: in order, makes the next loop parallel", row=row)
    if not carried:
        small = nested and last
        if opts.parallel and above is None and not small:
            return LoopInfo(m.name, PARALLEL, "carries no dependence", row=row,
                            min_work=env.policy.min_parallel_work)
        if last and opts.vectorize and not ctx.in_simd:
            why = "; not parallel: an innermost loop inside a serial loop" \
                if small and opts.parallel and above is None else ""
            return LoopInfo(m.name, SIMD, f"innermost, carries no dependence{why}", row=row)
        if above is not None:
            return LoopInfo(m.name, SERIAL, f"carries no dependence; inside parallel loop {above}", row=row)
        return LoopInfo(m.name, SERIAL, "carries no dependence; parallel=False", row=row)
    reductions = env.carried.reduction(carried)
    if reductions:
        inside = f"; inside parallel loop {above}" if above is not None else ""
        reason = f"reduction on {', '.join(reductions)} along {m.name}: kept serial{inside}"
        return LoopInfo(m.name, SERIAL, reason, reductions, row=row)  # the caller may make it parallel
    what = env.carried.describe(*carried[0])
    if above is None or last:
        env.note(f"{m.name} not {'parallel' if above is None else 'simd'}: {what}")
    return LoopInfo(m.name, SERIAL, f"carries {what}", row=row, rewrites=_rewrites(carried, env),
                    recurrence=last and env.carried.constant_distance(m, carried))


def _rewrites(carried, env: Env) -> bool:
    """Whether a serial loop carrying ``carried`` has a statement write again an element it wrote
    in an earlier iteration, outside a reduction (see :attr:`LoopInfo.rewrites`)."""
    return not env.carried.reduction(carried) and any(e.kind == "WAW" and e.source == e.sink for e, _ in carried)


def _parallel_reduction(m: Member, outer: list[Member], inner: list[Member], carried, active, small: bool,
                        info: LoopInfo, ctx: Context, env: Env) -> LoopInfo:
    """``info`` (a serial reduction loop), or PARALLEL with the reduction combined across threads
    when the options allow reassociating it, each reduced element is one element for the whole
    loop (so one OpenMP reduction variable or array section per statement holds it), and the loop
    is not an innermost loop inside a serial one (a parallel region per outer iteration)."""
    opts = env.options
    reduced = env.carried.reduced(carried)
    if not opts.parallel or not reduced:
        return info
    if small:
        return replace(info, reason=f"{info.reason} (innermost inside a serial loop: a parallel region "
                                    "per outer iteration would cost more than it saves)")
    if opts.reassociate is False:
        return replace(info, reason=f"{info.reason} (reassociate=False)")
    if opts.reassociate is None and env.carried.any_free(inner, active):
        # another loop of the band can be parallel without reassociating
        return replace(info, reason=f"{info.reason} (a loop inside it is parallel)")
    if not _single_elements(reduced, outer, ctx, env):
        return replace(info, reason=f"{info.reason} (the loops inside it update several elements)")
    shared = _shared_use(m, reduced, env)
    if shared:
        return replace(info, reason=f"{info.reason} ({shared})")
    what = ", ".join(info.reductions)
    env.note(f"{m.name} parallel: reduction on {what} combined across threads (reassociates it)")
    return replace(info, kind=PARALLEL, reason=f"reduction on {what} along {m.name}: parallel, partial "
                                               "results combined (reassociates)", reduce=reduced,
                   min_work=env.policy.min_parallel_work)


def _simd_reduction(m: Member, outer: list[Member], carried, info: LoopInfo, exact_above: str | None,
                    ctx: Context, env: Env) -> LoopInfo:
    """``info`` (an innermost serial reduction loop), or SIMD with the vector lanes' partial
    results combined after the loop, under the same conditions as a parallel reduction (one
    element per reduction statement, no other use of it in the loop).  ``exact_above``: an
    enclosing parallel loop that does not reassociate; under ``reassociate=None`` the nest then
    keeps the original rounding (the results print the same as the original's), and only
    ``reassociate=True`` vectorizes the sum."""
    opts = env.options
    reduced = env.carried.reduced(carried)
    if (not opts.vectorize or ctx.in_simd or opts.reassociate is False or not reduced
            or not _single_elements(reduced, outer, ctx, env) or _shared_use(m, reduced, env)):
        return info
    rounding = any(op not in ("max", "min") for _, op, _ in reduced)  # max and min are exact in any order
    if opts.reassociate is None and exact_above is not None and rounding:
        return replace(info, reason=f"{info.reason} (not simd: loop {exact_above} is parallel without "
                                    "reassociating; reassociate=True would vectorize the sum)")
    strided = _strided_access(m, outer, ctx, env)
    if strided:
        # gathers in a vector loop cost more than the scalar loop's latency: ludcmp's and symm's
        # column walks (k * N + j along k) ran 0.79x / 0.85x of the serial loop as SIMD
        # reductions at LARGE (Xeon Sapphire Rapids, 2 threads)
        return replace(info, reason=f"{info.reason} (not simd: {strided} walks an array with a stride)")
    what = ", ".join(info.reductions)
    env.note(f"{m.name} simd: reduction on {what} combined across vector lanes (reassociates it)")
    return replace(info, kind=SIMD, reason=f"innermost; reduction on {what}: simd, lanes combined (reassociates)",
                   reduce=reduced)


def _exact_above(above: str | None, infos: list[LoopInfo]) -> str | None:
    """The enclosing parallel loop ``above`` unless it is a loop of this band that reassociates
    a reduction itself (then the nest's rounding has changed already)."""
    mine = next((i for i in infos if i.name == above), None)
    return None if mine is not None and mine.reduce else above


def _strided_access(m: Member, outer: list[Member], ctx: Context, env: Env) -> str:
    """A statement of loop ``m`` with an access whose stride along ``m`` is neither 0 nor 1 ("" if
    none; a statement whose direction of ``m`` is not determined counts as none)."""
    for st, e in m.exprs:
        rows = list(ctx.rows[st]) + [o.expr(st).coeffs for o in outer if o.expr(st).is_affine]
        if not e.is_affine:
            continue
        v = direction(rows, e.coeffs, env.scop.statement(st).depth)
        if v is None:
            continue
        for f in env.access[st]:
            step = along(f, v)
            if any(step[:-1]) or abs(step[-1] if step else 0) > 1:
                return st
    return ""


def _shared_use(m: Member, reduced, env: Env) -> str:
    """Why the reduction clause cannot hold: another statement of ``m`` uses a reduced array ("" if
    none).  OpenMP gives each thread a private copy of the reduced variable -- for an array section
    the array's pointer itself points into a private buffer inside the loop -- so no other statement
    of the loop may use that array, even other elements of it (fuzz seed 30: x[i2] written beside a
    reduction on x[N - 1] was lost)."""
    for array, _, _ in reduced:  # a statement reducing another array counts (fuzz seed 6995)
        mine = {st for a, _, st in reduced if a == array}
        users = sorted(st for st in m.statements if st not in mine and array in _arrays_of(env.scop.statement(st)))
        if users:
            return f"{users[0]} uses {array} in the loop too"
    return ""


def _arrays_of(stmt) -> set[str]:
    return {a.array for a in (*stmt.reads, *stmt.writes)}


def _single_elements(reduced, outer, ctx: Context, env: Env) -> bool:
    """Whether each reduction statement of ``reduced`` updates one element once the rows around the
    loop (``ctx.rows`` and the band's ``outer`` members) are fixed, and the reduction statements
    of one array all the same element: code generation holds each reduced element in a scalar
    across the loop, and two scalars for elements that coincide at some outer values lose the
    updates of one (fuzz seed 3920: x[N - 1] and x[i1 + 1] at i1 = N - 2)."""
    first: dict[str, tuple] = {}
    for array, _, st in reduced:
        rows = [Expr(r) for r in ctx.rows[st]] + [o.expr(st) for o in outer]
        write = next(w for w in env.scop.statement(st).writes if w.array == array)
        if not env.isl.invariant(st, rows, write.relation):
            return False
        mine = first.setdefault(array, (st, rows, write.relation))
        if mine[0] != st and not env.isl.same_element(mine, (st, rows, write.relation)):
            return False
    return True


def _copy(last: Member, stmt: str, active, above, ctx: Context, env: Env, given: dict) -> LoopInfo:
    """The LoopInfo of the copy of ``last`` that runs ``stmt`` (distributed innermost loop)."""
    mine = env.carried.inside(active, (stmt,))
    member = Member(((stmt, last.expr(stmt)),), last.name, last.role)
    carried, _ = env.carried.split(member, mine)
    carried, private = env.carried.privatised(member, carried, mine)
    name = copy_name(last.name, stmt)
    if name in given:
        return _apply(member, given[name], carried, private, mine, above, [], ctx, env)
    info = _decide(member, carried, above, True, True, ctx, env)
    if info.kind in (PARALLEL, SIMD):
        info = _with_private(_private_temporaries(member, mine, info, env), private, env)
    elif info.reductions and above is None:
        env.note(f"{name} not parallel: {info.reason}")
    return info


def _with_private(info: LoopInfo, private: tuple[str, ...], env: Env) -> LoopInfo:
    """``info`` recording the temporaries (and argument arrays) privatised to make it parallel,
    simd or collapsed."""
    if not private or info.kind == SERIAL and "collapsed into" not in info.reason:
        return info
    arrays = [n for n in private if not env.scop.array(n).is_local]
    copied = f" ({', '.join(arrays)}: a copy per thread, the last iteration's copied back)" if arrays else ""
    env.note(f"{', '.join(private)} privatised per {info.name}{copied}")
    reason = f"{info.reason}; {', '.join(private)} private per iteration{copied}"
    return replace(info, private=private, reason=reason)


def _arrays(m: Member, outer: list[Member], carried, active, lp: LoopPlan | None, last: bool, ctx: Context,
            env: Env) -> tuple[list, tuple[str, ...]]:
    """``(carried left, argument arrays privatised)`` for loop ``m`` as a parallel loop, or a loop
    collapsed into one (see :mod:`polyopt.schedule.private_arrays`); innermost loops (SIMD
    candidates) privatise none."""
    wanted = lp.kind == PARALLEL or "collapsed into" in lp.reason if lp is not None else not last
    if not carried or not wanted or env.options.private_arrays is False:
        return carried, ()
    rows = {st: [Expr(r) for r in ctx.rows[st]] + [o.expr(st) for o in outer] for st in m.statements}
    return privatisable(env.carried, m, rows, carried, active)


def _rectangular(outer: list[Member], heads: list[Member], m: Member, ctx: Context, env: Env) -> bool:
    """Whether the values of loop ``m`` do not depend on those of the ``heads`` it would be collapsed
    with, once the loops around (``ctx.rows``, then ``outer``) are fixed: OpenMP's ``collapse``
    needs a rectangular nest, and code generation prints a loop whose bounds name a loop of the
    collapse without the clause."""
    image = None
    for s in m.statements:
        rows = [Expr(c) for c in ctx.rows[s]] + [x.expr(s) for x in [*outer, *heads, m]]
        part = env.isl.rows_map(s, rows).range()
        image = part if image is None else image.union(part)
    fixed = image.dim(isl.dim_type.set) - len(heads) - 1
    by_prefix = isl.Map.from_range(image).move_dims(isl.dim_type.in_, 0, isl.dim_type.out, 0, fixed)
    head_values = by_prefix.project_out(isl.dim_type.out, len(heads), 1)
    own_values = by_prefix.project_out(isl.dim_type.out, 0, len(heads))
    return by_prefix.is_equal(head_values.range_product(own_values).flatten_range())


def _one_iterator(m: Member) -> bool:
    """Whether every row of ``m`` moves along at most one iterator (a rectangular tile's point loop,
    as code generation requires to separate full tiles)."""
    return all(e.is_affine and sum(1 for c in e.coeffs if c) <= 1 for _, e in m.exprs)


def _row(m: Member, env: Env) -> str:
    return member_name(m.exprs, env.scop)


def _apply(m: Member, lp: LoopPlan, carried, private, active, above, infos, ctx: Context, env: Env,
           outer: tuple = ()) -> LoopInfo:
    """The given decision ``lp`` for loop ``m`` (``outer``: the members of its band outside it),
    checked."""
    row = _row(m, env)
    kind = lp.kind
    reduce = ()
    if kind in (PARALLEL, SIMD) and carried and lp.reduce:
        reduce = env.carried.reduced(carried)
        if (env.options.reassociate is False or reduce != tuple(sorted(tuple(r) for r in lp.reduce))
                or not _single_elements(reduce, outer, ctx, env) or _shared_use(m, reduce, env)):
            raise IllegalScheduleError(f"loop {m.name} cannot be a {kind} reduction on "
                                       f"{', '.join(r[0] for r in lp.reduce)}: it carries "
                                       f"{env.carried.describe(*carried[0])}",
                                       hint="a reduction runs in parallel only when every dependence the loop "
                                            "carries is a reduction on one element (and reassociate is not False)")
        carried = []
    if kind in (PARALLEL, SIMD):
        if carried:
            raise IllegalScheduleError(f"loop {m.name} cannot be {kind}: it carries "
                                       f"{env.carried.describe(*carried[0])}",
                                       hint="only a loop that carries no dependence can run in parallel")
        if kind == PARALLEL and above is not None:
            raise IllegalScheduleError(f"loop {m.name} cannot be parallel: it is inside parallel loop {above}",
                                       hint="one parallel loop per loop nest")
        checked = _private_temporaries(m, active, LoopInfo(m.name, kind, lp.reason, row=row, reduce=reduce), env)
        if checked.kind != kind:
            raise IllegalScheduleError(f"loop {m.name} cannot be {kind}: {checked.reason}")
    if kind == PIPELINED and m.role != "wavefront":
        raise IllegalScheduleError(f"loop {m.name} cannot be pipelined: only a wavefront loop is")
    if "collapsed into" in lp.reason and not (infos and infos[-1].kind in (PARALLEL, SERIAL) and not carried):
        raise IllegalScheduleError(f"loop {m.name} cannot be collapsed into the loop around it")
    if lp.collapse > 1 and kind != PARALLEL:
        raise IllegalScheduleError(f"loop {m.name} is {kind}: only a parallel loop collapses others")
    if (lp.min_work or lp.dynamic) and kind != PARALLEL:
        what = "min_work" if lp.min_work else "dynamic schedule"
        raise IllegalScheduleError(f"loop {m.name} is {kind}: only a parallel loop has a {what}")
    if lp.unroll_by and "collapsed into" in lp.reason:
        raise IllegalScheduleError(f"loop {m.name} is collapsed into the parallel loop around it: it cannot be "
                                   "unrolled by a factor")
    if lp.unroll_by and (kind != SERIAL or lp.unroll):
        raise IllegalScheduleError(f"loop {m.name} is {'unrolled completely' if lp.unroll else kind}: only a "
                                   "serial loop is unrolled by a factor (gcc takes no unroll pragma on an OpenMP "
                                   "loop)")
    min_work = env.policy.min_parallel_work if lp.min_work is None and kind == PARALLEL else lp.min_work or 0
    used = private if kind in (PARALLEL, SIMD) or "collapsed into" in lp.reason else ()
    return LoopInfo(m.name, kind, lp.reason, lp.reductions, lp.collapse, lp.unroll, lp.outline, row, used, reduce,
                    min_work=min_work, unroll_by=lp.unroll_by, rewrites=kind == SERIAL and _rewrites(carried, env),
                    dynamic=lp.dynamic)


def _outlined(infos, work: BandWork, env: Env, given: dict) -> list[LoopInfo]:
    """Parallel loops whose body is outlined: a loop inside and a statement that accumulates."""
    names = [m.name for m in work.tiles] + [m.name for m in work.members]
    total = len(names)
    accumulates = any(_accumulates(env.scop.statement(s)) for s in work.statements)
    out = []
    for info in infos:
        if info.kind == PARALLEL and info.name not in given and not info.reduce:
            inside = total - names.index(info.name) - info.collapse > 0 or has_band(work.child)
            info = replace(info, outline=accumulates and inside)
        out.append(info)
    return out


def _accumulates(stmt) -> bool:
    """``x op= e`` or ``x = x op e``: the statement reads what it writes."""
    body = stmt.body
    if body is None:
        return False
    return body.op is not None or any(r.array == w.array and r.relation.is_equal(w.relation)
                                      for w in stmt.writes for r in stmt.reads)


def parallel_obstacle(m: Member, active, env: Env) -> str:
    """Why loop ``m`` cannot be a parallel loop where ``active`` dependences are left ("" if it
    can): a dependence it carries (after privatising temporaries), or a temporary's value crossing
    it (see :func:`_private_temporaries`)."""
    carried, _ = env.carried.split(m, active)
    carried, _ = env.carried.privatised(m, carried, active)
    if carried:
        return f"it carries {env.carried.describe(*carried[0])}"
    info = _private_temporaries(m, active, LoopInfo(m.name, PARALLEL, ""), env)
    return info.reason if info.kind != PARALLEL else ""


def _private_temporaries(m: Member, active, info: LoopInfo, env: Env) -> LoopInfo:
    """``info``, or SERIAL when a value of a temporary written under ``m`` may cross its iterations.

    Code generation makes a temporary private to a parallel / simd loop only when every value
    of it is written and read in the same iteration of that loop and of all enclosing ones, in
    the generated code (see :mod:`polyopt.codegen.printer`); otherwise the temporary is shared,
    which code generation refuses under a pragma.  So the loop stays serial when

    * an enclosing loop or sequence carries a value of it (written in one wavefront of tiles,
      read in the next), or
    * a statement that writes or reads a value of it runs at a single iteration of ``m`` (its
      row has no iterator) while ``m`` loops for another statement: isl's AST generation may
      then put that statement outside the loop, before or after it or in a branch of its own
      (``s0 = 0.0`` hoisted above a parallel loop whose first iteration accumulates into
      ``s0``), and the value crosses the loop's boundary.
    """
    stmts = set(m.statements)
    loops = any(e.varies for _, e in m.exprs)
    scop = env.scop
    for e in env.deps.edges:
        if e.kind != "RAW" or not any(a.name == e.array and a.is_local for a in scop.arrays):
            continue
        if any(e.array == array for array, _, _ in info.reduce):
            continue  # reduced, not privatised: one shared copy, combined across threads
        if not (e.source in stmts or e.sink in stmts):
            continue
        if not any(e.array in (w.array for w in scop.statement(s).writes) for s in stmts):
            continue
        live = isl.UnionMap.empty(e.relation.get_space())
        for e2, rel in active:
            if e2 is e:
                live = live.union(rel)
        single = [s for s in (e.source, e.sink) if s in stmts and not m.expr(s).varies]
        if not e.relation.to_union_map().is_subset(live):
            reason = f"temporary '{e.array}' carries a value across an enclosing loop or sequence"
        elif loops and single and not live.is_empty():
            reason = (f"temporary '{e.array}' is {'written' if single[0] == e.source else 'read'} by "
                      f"{single[0]}, which runs at a single iteration of {m.name} and may be generated "
                      f"outside the loop")
        else:
            continue
        env.note(f"{m.name} not {info.kind}: {reason}")
        return LoopInfo(m.name, SERIAL, reason, row=info.row)
    return info
