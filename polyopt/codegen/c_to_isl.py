"""Printed C loop expressions back to isl sets, for the emitted-code check (:mod:`.verify`).

The check reads the loops and guards codegen printed, not the isl AST they came from, so that it
checks what the C compiler will see.  :class:`Converter` turns their C expressions into isl
objects with C's semantics.
"""

from __future__ import annotations

import islpy as isl

from ..errors import CodegenError
from . import cexpr as ce
from .printer import Loop, names_in


class EmittedOrderError(CodegenError):
    """The printed loop nest would not compute what the kernel computes (see :mod:`.verify`)."""

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_SETS = {"<": "lt_set", "<=": "le_set", ">": "gt_set", ">=": "ge_set", "==": "eq_set", "!=": "ne_set"}


class Converter:
    """Printed C expressions over loop variables and parameters, as isl objects with C's semantics.

    Each conversion is done *where* some set of variable values holds (the values of the loops
    around, the guards passed): there a truncating ``/`` or ``%`` of a numerator proved
    non-negative is a floor division, and bounds by ``min``/``max`` become conjunctions.  Both
    keep the sets free of the case splits that would otherwise multiply through a loop nest
    (a wavefront-tiled jacobi-1d gave 60 pieces per statement without them).
    """

    def __init__(self, space: isl.Space, c_to_param: dict[str, str]):
        self.affs = isl.affs_from_space(space)
        self.c_to_param = c_to_param
        self._constants: dict[int, isl.PwAff] = {}  # isl objects are immutable: one per value will do

    def _constant(self, value: int) -> isl.PwAff:
        if value not in self._constants:
            self._constants[value] = self.affs[0] + value
        return self._constants[value]

    def pw(self, e: ce.CExpr, where: isl.Set) -> isl.PwAff:
        if isinstance(e, ce.IntLit):
            return self._constant(e.value)
        if isinstance(e, ce.Var):
            name = e.name if e.name in self.affs else self.c_to_param.get(e.name, e.name)
            if name not in self.affs:
                raise EmittedOrderError(f"unknown name {e.name!r} in a printed loop bound or guard")
            return self.affs[name]
        if isinstance(e, ce.Unary) and e.op == "-":
            return -self.pw(e.operand, where)
        if isinstance(e, ce.Cast):
            return self.pw(e.operand, where)
        if isinstance(e, ce.Binary) and e.op in ("+", "-", "*", "/", "%"):
            a, b = self.pw(e.left, where), self.pw(e.right, where)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op == "*":
                return a.mul(b)
            # C truncates toward zero; on a numerator that is never negative that is a floor
            natural = where.is_subset(a.ge_set(self.affs[0]))
            if e.op == "/":
                return a.div(b).floor() if natural else a.tdiv_q(b)
            return a - a.div(b).floor().mul(b) if natural else a.tdiv_r(b)
        if isinstance(e, ce.Call) and len(e.args) == 2:
            a, b = self.pw(e.args[0], where), self.pw(e.args[1], where)
            if e.func == "floord":
                return a.div(b).floor()
            if e.func == "ceild":
                return a.div(b).ceil()
            if e.func == "min":
                return a.min(b)
            if e.func == "max":
                return a.max(b)
        if isinstance(e, ce.Ternary):
            test = self.cond(e.cond, where)
            return self.pw(e.then, where.intersect(test)).intersect_domain(test).union_add(
                self.pw(e.orelse, where.subtract(test)).intersect_domain(test.complement()))
        raise EmittedOrderError(f"cannot read the printed expression {ce.to_c(e)} as an affine function")

    def cond(self, e: ce.CExpr, where: isl.Set) -> isl.Set:
        """The values where condition ``e`` holds."""
        if isinstance(e, ce.Binary):
            if e.op == "&&":
                left = self.cond(e.left, where)
                return left.intersect(self.cond(e.right, where.intersect(left)))
            if e.op == "||":
                return self.cond(e.left, where).union(self.cond(e.right, where))
            if e.op in _SETS:
                return self._compare(e.op, e.left, e.right, where)
        if isinstance(e, ce.Unary) and e.op == "!":
            return self.cond(e.operand, where).complement()
        return self.pw(e, where).ne_set(self.affs[0])  # C: any non-zero value is true

    def _compare(self, op: str, left: ce.CExpr, right: ce.CExpr, where: isl.Set) -> isl.Set:
        """``left op right``, with ``x <= min(a, b)`` as ``x <= a and x <= b`` (and the like)."""
        for a, o, b in ((left, op, right), (right, _FLIP[op], left)):
            if isinstance(b, ce.Call) and len(b.args) == 2 and (
                    (b.func == "min" and o in ("<", "<=")) or (b.func == "max" and o in (">", ">="))):
                first = self._compare(o, a, b.args[0], where)
                return first.intersect(self._compare(o, a, b.args[1], where.intersect(first)))
        return getattr(self.pw(left, where), _SETS[op])(self.pw(right, where))

    def loop_values(self, loop: Loop, where: isl.Set) -> isl.Set:
        """The values of ``loop.var`` (with the outer variables), where ``where`` holds outside."""
        var = ce.Var(loop.var)
        if loop.cond is None:  # degenerate: one iteration
            return self._compare("==", var, loop.init, where)
        if not isinstance(loop.inc, ce.IntLit) or loop.inc.value < 1:
            raise EmittedOrderError(f"loop {loop.var} has step {ce.to_c(loop.inc)}, not a positive constant")
        values = self._compare(">=", var, loop.init, where)
        test = self.cond(loop.cond, where)
        values = values.intersect(test)
        step = loop.inc.value
        if step > 1:
            residue = self._residue(loop.init, step, where)
            offset = self.affs[loop.var] - (self.pw(loop.init, where) if residue is None else residue)
            values = values.intersect(offset.mod_val(step).eq_set(self.affs[0]))
        if not _upper_bounds_only(loop.cond, loop.var):
            # The loop stops at the first value failing its test, so the test must hold on a prefix
            # of the values from the start: wherever it holds past the start, it holds a step before.
            names = [test.get_dim_name(isl.dim_type.set, k) for k in range(test.dim(isl.dim_type.set))]
            params = test.get_space().get_var_names(isl.dim_type.param)
            back = isl.MultiAff(f"[{', '.join(params)}] -> {{ [{', '.join(names)}] -> "
                                f"[{', '.join(f'{n} - {step}' if n == loop.var else n for n in names)}] }}")
            past = values.intersect(self._compare(">=", var, ce.Binary("+", loop.init, ce.IntLit(step)), where))
            if not past.is_subset(test.preimage_multi_aff(back)):
                raise EmittedOrderError(f"the test of loop {loop.var} ({ce.to_c(loop.cond)}) does not hold "
                                        "on a prefix of its values")
        return values

    def _residue(self, e: ce.CExpr, step: int, where: isl.Set) -> int | None:
        """``e mod step`` when it is one constant where ``where`` holds (each argument of a ``max``
        or ``min`` alike), else None."""
        parts = e.args if isinstance(e, ce.Call) and e.func in ("min", "max") else (e,)
        values = set()
        for part in parts:
            residue = self.pw(part, where).mod_val(step).intersect_domain(where).coalesce()
            for _, aff in residue.get_pieces():
                if not aff.is_cst():
                    return None
                values.add(aff.get_constant_val().to_python())
        return values.pop() if len(values) == 1 else None


def _upper_bounds_only(cond: ce.CExpr, var: str) -> bool:
    """Whether ``cond`` is a conjunction of ``var < bound`` / ``var <= bound`` (also through
    ``min``) with bounds free of ``var``: such a test holds on a prefix of any increasing values."""
    if isinstance(cond, ce.Binary) and cond.op == "&&":
        return _upper_bounds_only(cond.left, var) and _upper_bounds_only(cond.right, var)
    if isinstance(cond, ce.Binary) and cond.op in ("<", "<=", ">", ">="):
        bound, other = (cond.right, cond.left) if cond.op in ("<", "<=") else (cond.left, cond.right)
        return other == ce.Var(var) and var not in names_in(bound)
    return False
