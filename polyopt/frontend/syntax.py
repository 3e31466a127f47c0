"""The kernel syntax tree: what the frontend produces from a Python function.

Every node is a frozen dataclass carrying its :class:`SourceLocation`.  The same expression
nodes serve for affine expressions (bounds, subscripts, conditions) and for value expressions
(right-hand sides); the frontend has already checked that the affine ones are affine, so later
layers can convert them without further checks.

Names are resolved by the frontend: a :class:`Name` knows whether it is a loop iterator, a size
parameter, a scalar argument or a local temporary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SourceLocation
from .types import DType

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    loc: SourceLocation | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Const(Expr):
    """An int or float literal."""

    value: int | float


@dataclass(frozen=True)
class Name(Expr):
    """A resolved name.  ``kind`` is one of ITER, PARAM, SCALAR (a scalar argument), LOCAL."""

    ITER = "iter"
    PARAM = "param"
    SCALAR = "scalar"
    LOCAL = "local"

    name: str
    kind: str


@dataclass(frozen=True)
class Access(Expr):
    """``array[i0, i1, ...]`` with affine subscripts; a local scalar is ``Access(name, ())``."""

    array: str
    indices: tuple[Expr, ...]


@dataclass(frozen=True)
class BinOp(Expr):
    """Binary arithmetic; ``op`` in ``+ - * / // % **``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class UnaryOp(Expr):
    """``op`` is ``-`` or ``+``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Call(Expr):
    """A call of a known function; ``func`` in ``min max abs sqrt exp log sin cos tanh pow fabs floor ceil``."""

    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare(Expr):
    """A single comparison; ``op`` in ``< <= > >= == !=`` (chains are split by the frontend)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp(Expr):
    """``op`` is ``and`` or ``or``."""

    op: str
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True)
class IfExp(Expr):
    """``then if cond else orelse`` on values (not affine)."""

    cond: Expr
    then: Expr
    orelse: Expr


# ---------------------------------------------------------------- statements


def children(e: Expr) -> tuple[Expr, ...]:
    """The operands of ``e`` (an access's subscripts are not among them)."""
    if isinstance(e, (BinOp, Compare)):
        return (e.left, e.right)
    if isinstance(e, (UnaryOp, Not)):
        return (e.operand,)
    if isinstance(e, Call):
        return e.args
    if isinstance(e, BoolOp):
        return e.values
    if isinstance(e, IfExp):
        return (e.cond, e.then, e.orelse)
    return ()


@dataclass(frozen=True)
class Stmt:
    loc: SourceLocation | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class For(Stmt):
    """``for var in range(lower, upper, step)``; ``step`` is a non-zero int.

    With a positive step the iterations are ``lower, lower + step, ...`` while ``< upper``;
    with a negative step ``lower, lower + step, ...`` while ``> upper`` (Python's semantics).
    """

    var: str
    lower: Expr
    upper: Expr
    step: int
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class If(Stmt):
    """``if cond: then else: orelse`` with an affine condition (``elif`` nests in ``orelse``)."""

    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class Assign(Stmt):
    """``target op= value``; ``op`` is ``None`` for plain ``=``, else one of ``+ - * /``.

    ``target`` is an :class:`Access` to an array argument or to a local temporary (zero indices).
    """

    target: Access
    op: str | None
    value: Expr


# ---------------------------------------------------------------- kernel


@dataclass(frozen=True)
class Argument:
    """A kernel argument.  ``kind`` is ARRAY, SCALAR (a value of ``dtype``) or INT (a size given as int)."""

    ARRAY = "array"
    SCALAR = "scalar"
    INT = "int"

    name: str
    kind: str
    dtype: DType
    shape: tuple = ()  # IntPoly extents in the parameters, for arrays
    loc: SourceLocation | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Local:
    """A scalar temporary assigned inside the kernel body; its type is inferred from its uses."""

    name: str
    dtype: DType
    loc: SourceLocation | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class KernelDef:
    """A whole parsed kernel.

    ``params`` are the size parameters in a fixed order: the size symbols first (in order of first
    appearance in the signature), then the ``int`` arguments.
    """

    name: str
    args: tuple[Argument, ...]
    params: tuple[str, ...]
    locals: tuple[Local, ...]
    body: tuple[Stmt, ...]
    file: str
    first_line: int
    source: str

    def argument(self, name: str) -> Argument:
        for a in self.args:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def arrays(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.args if a.kind == Argument.ARRAY)


def assignments(body):
    """The assignments of the statement list ``body``, in program order (an ``if``'s branch
    ``then`` before ``orelse``): the order of the model's statements S0, S1, ..."""
    for node in body:
        if isinstance(node, Assign):
            yield node
        elif isinstance(node, For):
            yield from assignments(node.body)
        elif isinstance(node, If):
            yield from assignments(node.then + node.orelse)
