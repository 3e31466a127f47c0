"""Kernel syntax tree -> Scop: iteration domains, accesses and the original schedule in isl.

Each assignment becomes a statement ``S<k>`` (program order) whose domain lives in the space of
its enclosing loop iterators.  Loop bounds, steps and ``if`` conditions become constraints; the
frontend has already checked that they are affine, so conversion cannot fail on user input.  The
original order is the classic 2d+1 schedule ``[b0, l1, b1, l2, ..., bd]`` where ``l`` is the
iterator (negated for loops that count down) and ``b`` the textual position; all statements are
padded to the same length.

Every access is also checked against its array's extents: an access that can fall outside the
array for some parameter values is reported at its source location, because compiled C would read
or write out of bounds where Python would raise or wrap around.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import islpy as isl

from ..errors import Diagnostic, KernelSyntaxError, ModelError
from ..frontend import syntax as sx
from ..frontend.intpoly import IntPoly
from .scop import AccessRelation, Array, Scop, Statement

CTX = isl.DEFAULT_CONTEXT


@dataclass(frozen=True)
class _Loop:
    node: sx.For


@dataclass(frozen=True)
class _Cond:
    expr: sx.Expr
    negated: bool


def build_scop(kernel: sx.KernelDef) -> Scop:
    """Build the polyhedral model of ``kernel``; raises KernelSyntaxError for out-of-bounds accesses."""
    try:
        return _Builder(kernel).build()
    except isl.Error as exc:  # translate at the layer boundary
        raise ModelError(f"building the polyhedral model of '{kernel.name}' failed in isl: {exc}",
                         hint="this is a polyopt bug; please report the kernel") from exc


class _Builder:
    def __init__(self, kernel: sx.KernelDef):
        self.kernel = kernel
        self.params = list(kernel.params)
        self.param_space = isl.Space.create_from_names(CTX, set=[], params=self.params)
        self.statements: list[Statement] = []
        self.diagnostics: list[Diagnostic] = []
        self.schedule_items: list[tuple] = []
        self.arrays = self._arrays()
        self.array_by_name = {a.name: a for a in self.arrays}

    # ------------------------------------------------------------ arrays and context

    def _arrays(self) -> tuple[Array, ...]:
        arrays = [Array(a.name, a.dtype, tuple(a.shape)) for a in self.kernel.arrays]
        arrays += [Array(loc.name, loc.dtype, (), is_local=True) for loc in self.kernel.locals]
        return tuple(arrays)

    def _context(self) -> isl.Set:
        """Size symbols are at least 1; ``int`` arguments are unconstrained."""
        ctx = isl.Set.universe(self.param_space)
        int_args = {a.name for a in self.kernel.args if a.kind == sx.Argument.INT}
        affs = isl.affs_from_space(self.param_space)
        for p in self.params:
            if p not in int_args:
                ctx = ctx & affs[p].ge_set(affs[0] + 1)
        return ctx.params()

    # ------------------------------------------------------------ walk

    def build(self) -> Scop:
        self.context = self._context()
        self._walk(self.kernel.body, loops=(), conds=(), prefix=())
        if self.diagnostics:
            raise KernelSyntaxError(self.diagnostics, self.kernel.name)
        width = max((len(items) for items in self.schedule_items), default=1)
        stmts = tuple(replace(s, schedule=_schedule_map(s.domain.get_space(), items, width))
                      for s, items in zip(self.statements, self.schedule_items))
        return Scop(self.kernel.name, tuple(self.params), self.context, self.arrays, stmts, self.kernel)

    def _walk(self, body, loops, conds, prefix):
        """``prefix`` lists the original-schedule dimensions so far: ints for textual positions,
        ``_Loop`` for loop iterators.  Two statements share the prefix up to the body list where
        they diverge, and diverge on a textual position, so the padded vectors order correctly."""
        for k, node in enumerate(body):
            pos = prefix + (k,)
            if isinstance(node, sx.For):
                self._walk(node.body, loops + (_Loop(node),), conds, pos + (_Loop(node),))
            elif isinstance(node, sx.If):
                self._walk(node.then, loops, conds + (_Cond(node.cond, False),), pos + (0,))
                self._walk(node.orelse, loops, conds + (_Cond(node.cond, True),), pos + (1,))
            elif isinstance(node, sx.Assign):
                self._statement(node, loops, conds, pos)
            else:  # the frontend only produces the three kinds above
                raise ModelError(f"unexpected syntax node {type(node).__name__}")

    # ------------------------------------------------------------ one statement

    def _statement(self, node: sx.Assign, loops, conds, prefix):
        name = f"S{len(self.statements)}"
        iters = tuple(lp.node.var for lp in loops)
        space = isl.Space.create_from_names(CTX, set=list(iters), params=self.params).set_tuple_name(
            isl.dim_type.set, name)
        env = isl.affs_from_space(space)
        domain = isl.Set.universe(space).intersect_params(self.context)
        for lp in loops:
            domain = domain & self._loop_set(lp.node, env)
        for c in conds:
            cs = self._cond_set(c.expr, env)
            domain = domain & (cs.complement() if c.negated else cs)
        domain = domain.coalesce()
        writes = (self._access(node.target, env, domain, True),)
        reads = [self._access(node.target, env, domain, False)] if node.op is not None else []
        reads += [self._access(a, env, domain, False) for a in _reads_in(node.value)]
        stmt = Statement(name, iters, domain, None, tuple(reads), writes, node, node.loc,
                         tuple(lp.node for lp in loops))
        for acc in stmt.accesses:
            self._check_bounds(acc, domain)
        self.statements.append(stmt)
        self.schedule_items.append(
            tuple(item if isinstance(item, int) else _loop_dim(loops, item)
                  for item in prefix))

    def _loop_set(self, loop: sx.For, env) -> isl.Set:
        v = env[loop.var]
        lo, hi = self._aff(loop.lower, env), self._aff(loop.upper, env)
        if loop.step > 0:
            s = lo.le_set(v) & v.lt_set(hi)
        else:
            s = hi.lt_set(v) & v.le_set(lo)
        if abs(loop.step) != 1:
            offset = (v - lo).mod_val(isl.Val(abs(loop.step)))
            s = s & offset.eq_set(env[0])
        return s

    # ------------------------------------------------------------ accesses

    def _access(self, acc: sx.Access, env, domain, is_write) -> AccessRelation:
        space = domain.get_space()
        rel = isl.Map.from_domain_and_range(
            isl.Set.universe(space),
            isl.Set.universe(isl.Space.create_from_names(CTX, set=[], params=self.params)
                             .set_tuple_name(isl.dim_type.set, acc.array)))
        for idx in acc.indices:
            rel = rel.flat_range_product(isl.Map.from_pw_aff(self._aff(idx, env)))
        rel = rel.set_tuple_name(isl.dim_type.out, acc.array).intersect_domain(domain).coalesce()
        return AccessRelation(acc.array, rel, is_write, acc)

    def _check_bounds(self, acc: AccessRelation, domain: isl.Set):
        array = self.array_by_name[acc.array]
        if array.is_local:
            return
        space = acc.relation.range().get_space()
        env = isl.affs_from_space(space)
        inside = isl.Set.universe(space)
        for k, extent in enumerate(array.shape):
            var = _dim_aff(space, k)
            inside = inside & env[0].le_set(var) & var.lt_set(self._extent_aff(extent, env))
        outside = acc.relation.range().subtract(inside).intersect_params(self.context)
        if outside.is_empty():
            return
        point = outside.sample_point()
        example = ""
        if not point.is_void():
            ps = ", ".join(f"{p}={point.get_coordinate_val(isl.dim_type.param, i).to_python()}"
                           for i, p in enumerate(self.params))
            idx = ", ".join(str(point.get_coordinate_val(isl.dim_type.set, i).to_python())
                            for i in range(len(array.shape)))
            example = f" (e.g. {acc.array}[{idx}] with {ps})" if ps else f" (e.g. {acc.array}[{idx}])"
        shape = ", ".join(str(s) for s in array.shape)
        self.diagnostics.append(Diagnostic(
            acc.node.loc,
            f"access to '{acc.array}' can fall outside its extents [{shape}]{example}",
            "make the loop bounds or conditions keep every subscript within 0 <= index < extent "
            "(compiled code does not check bounds, and negative indices do not wrap around)"))

    # ------------------------------------------------------------ affine conversion

    def _aff(self, e: sx.Expr, env) -> isl.PwAff:
        if isinstance(e, sx.Const):
            return env[0] + int(e.value)
        if isinstance(e, sx.Name):
            return env[e.name]
        if isinstance(e, sx.UnaryOp):
            a = self._aff(e.operand, env)
            return -a if e.op == "-" else a
        if isinstance(e, sx.BinOp):
            if e.op in ("//", "%"):
                a, c = self._aff(e.left, env), _const_value(e.right)
                return a.scale_down_val(isl.Val(c)).floor() if e.op == "//" else a.mod_val(isl.Val(c))
            a, b = self._aff(e.left, env), self._aff(e.right, env)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op == "*":
                return a.mul(b)  # one side is constant (checked by the frontend)
        if isinstance(e, sx.Call) and e.func in ("min", "max"):
            parts = [self._aff(a, env) for a in e.args]
            out = parts[0]
            for p in parts[1:]:
                out = out.min(p) if e.func == "min" else out.max(p)
            return out
        raise ModelError(f"expression {type(e).__name__} is not affine", location=e.loc)

    def _cond_set(self, e: sx.Expr, env) -> isl.Set:
        if isinstance(e, sx.Compare):
            a, b = self._aff(e.left, env), self._aff(e.right, env)
            if e.op == "!=":
                return a.lt_set(b) | a.gt_set(b)
            method = {"<": "lt_set", "<=": "le_set", ">": "gt_set", ">=": "ge_set", "==": "eq_set"}[e.op]
            return getattr(a, method)(b)
        if isinstance(e, sx.BoolOp):
            sets = [self._cond_set(v, env) for v in e.values]
            out = sets[0]
            for s in sets[1:]:
                out = (out & s) if e.op == "and" else (out | s)
            return out
        if isinstance(e, sx.Not):
            return self._cond_set(e.operand, env).complement()
        if isinstance(e, sx.Const):  # `if True:` style constant conditions
            universe = isl.Set.universe(env[0].get_domain_space())
            return universe if e.value else universe.subtract(universe)
        raise ModelError(f"condition {type(e).__name__} is not affine", location=e.loc)

    def _extent_aff(self, extent: IntPoly, env) -> isl.PwAff:
        """An extent (affine in the parameters) as a PwAff over ``env``."""
        out = env[0] + extent.constant
        for name, coeff in extent.linear().items():
            out = out + env[name].scale_val(isl.Val(coeff))
        return out

# ---------------------------------------------------------------- helpers


def _loop_dim(loops, item: _Loop):
    """A loop item of the schedule prefix as ("loop", depth, step sign)."""
    depth = next(d for d, lp in enumerate(loops) if lp.node is item.node)
    return ("loop", depth, 1 if item.node.step > 0 else -1)


def _schedule_map(space: isl.Space, items, width: int) -> isl.Map:
    """{ S[iters] -> [items..., 0...] } with ``width`` output dimensions."""
    ls = isl.LocalSpace.from_space(space)
    zero = isl.Aff.zero_on_domain(ls)
    lst = isl.AffList.alloc(CTX, width)
    for item in items:
        if isinstance(item, int):
            lst = lst.add(zero + item)
        else:
            _, depth, sign = item
            var = isl.Aff.var_on_domain(ls, isl.dim_type.set, depth)
            lst = lst.add(var if sign > 0 else -var)
    for _ in range(width - len(items)):
        lst = lst.add(zero)
    ma_space = isl.Space.map_from_domain_and_range(space, _anonymous_set_space(space, width))
    return isl.Map.from_multi_aff(isl.MultiAff.from_aff_list(ma_space, lst))


def _anonymous_set_space(space: isl.Space, n: int) -> isl.Space:
    return isl.Space.set_alloc(CTX, 0, n).align_params(space.params())


def _dim_aff(space, k):
    return isl.PwAff.from_aff(isl.Aff.var_on_domain(isl.LocalSpace.from_space(space), isl.dim_type.set, k))


def _const_value(e: sx.Expr) -> int:
    if isinstance(e, sx.Const):
        return int(e.value)
    if isinstance(e, sx.UnaryOp) and e.op == "-":
        return -_const_value(e.operand)
    raise ModelError("expected an integer constant", location=e.loc)


def _reads_in(e: sx.Expr):
    """Every array/local read in a value expression, left to right."""
    if isinstance(e, sx.Access):
        yield e
        return
    for child in sx.children(e):
        yield from _reads_in(child)


