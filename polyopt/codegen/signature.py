"""The C function signature (ABI) of a generated kernel and the CProgram stage object.

Part of code generation (Schedule -> C text); the runtime reads the parameter list to call the
compiled function.  The ABI is::

    void <function>(<each kernel argument in order>, <each size parameter not given as an int
                    argument, in KernelDef.params order>)

* an array argument is a ``restrict`` pointer to its element type (``const`` when never written),
  indexed row-major from its shape expressions;
* a scalar argument is passed by value in its C type;
* a size parameter (an ``int`` argument or a size symbol) is a ``long``.

This module does not import islpy, so a process that finds a kernel in the disk cache can load
and call it without importing isl.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from ..frontend import syntax as sx
from .cexpr import HELPER_NAMES

ARRAY = "array"
SCALAR = "scalar"
SIZE = "size"

# C keywords, names from <math.h>/<stdlib.h> the generated code may refer to, and our helpers.
_C_RESERVED = frozenset("""
auto break case char const continue default do double else enum extern float for goto if inline int
long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert
_Thread_local bool true false NULL main
sqrt sqrtf exp expf log logf sin sinf cos cosf tanh tanhf fabs fabsf floor floorf ceil ceilf pow powf
fmod fmodf copysign copysignf INFINITY NAN
""".split()) | HELPER_NAMES
_ITERATOR = re.compile(r"c\d+\Z")  # isl's loop iterators
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def c_identifier(name: str, taken: set[str]) -> str:
    """A C identifier for the Python name ``name`` that is not in ``taken`` (which it is added to).

    Names are kept when possible; C keywords, helper names, isl iterator names (``c0``...),
    names starting with ``polyopt_`` or ``py_`` and non-ASCII names are changed.
    """
    base = name if _IDENT.match(name) else "v_" + "".join(
        ch if re.match(r"[A-Za-z0-9_]", ch) else f"u{ord(ch):x}" for ch in name)
    if (base in _C_RESERVED or _ITERATOR.match(base) or base.startswith(("polyopt_", "py_", "__"))
            or keyword.iskeyword(base)):
        base = base + "_"
    out, k = base, 1
    while out in taken or out in _C_RESERVED or _ITERATOR.match(out):
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


@dataclass(frozen=True)
class CParam:
    """One parameter of the generated C function."""

    name: str  # the kernel argument's name, or the size parameter's name
    c_name: str
    kind: str  # ARRAY, SCALAR or SIZE
    ctype: str  # element type for arrays, value type otherwise ("long" for sizes)
    dtype: str = ""  # NumPy dtype name for arrays and scalars
    written: bool = False  # arrays: whether the kernel writes it

    def declaration(self) -> str:
        """The C declaration of this parameter."""
        if self.kind == ARRAY:
            const = "" if self.written else "const "
            return f"{const}{self.ctype} *restrict {self.c_name}"
        return f"{self.ctype} {self.c_name}"

    def to_json(self) -> list:
        return [self.name, self.c_name, self.kind, self.ctype, self.dtype, self.written]

    @classmethod
    def from_json(cls, data) -> CParam:
        name, c_name, kind, ctype, dtype, written = data
        return cls(str(name), str(c_name), str(kind), str(ctype), str(dtype), bool(written))


@dataclass(frozen=True)
class CProgram:
    """Generated C for one kernel and schedule: the whole translation unit and its entry point."""

    text: str
    function_name: str
    params: tuple[CParam, ...]
    kernel_name: str = ""
    # How the loop nest was checked against the dependences (polyopt.codegen.verify): "" when the
    # check was switched off, else the AST build that passed it; and the seconds the check took.
    verified: str = ""
    verify_seconds: float = 0.0
    # What was printed for each loop of the schedule (polyopt.schedule.loops.EmittedLoop), for the
    # explanation: where the code is not what the schedule decided, it says why.
    loops: tuple = ()

    @property
    def c_source(self) -> str:
        return self.text


def written_arrays(kernel: sx.KernelDef) -> frozenset[str]:
    """Names of the array arguments assigned anywhere in the kernel body."""
    out: set[str] = set()
    stack = list(kernel.body)
    while stack:
        s = stack.pop()
        if isinstance(s, sx.For):
            stack.extend(s.body)
        elif isinstance(s, sx.If):
            stack.extend(s.then)
            stack.extend(s.orelse)
        elif isinstance(s, sx.Assign) and s.target.indices:
            out.add(s.target.array)
    return frozenset(out)


def make_params(kernel: sx.KernelDef, taken: set[str]) -> tuple[CParam, ...]:
    """The C parameter list of ``kernel`` (see the module docstring); fills ``taken`` with names."""
    written = written_arrays(kernel)
    params: list[CParam] = []
    for a in kernel.args:
        c_name = c_identifier(a.name, taken)
        if a.kind == sx.Argument.ARRAY:
            params.append(CParam(a.name, c_name, ARRAY, a.dtype.c, a.dtype.numpy, a.name in written))
        elif a.kind == sx.Argument.SCALAR:
            params.append(CParam(a.name, c_name, SCALAR, a.dtype.c, a.dtype.numpy))
        else:
            params.append(CParam(a.name, c_name, SIZE, "long", "int64"))
    given = {a.name for a in kernel.args}
    for p in kernel.params:
        if p not in given:
            params.append(CParam(p, c_identifier(p, taken), SIZE, "long", "int64"))
    return tuple(params)


def function_name(kernel_name: str) -> str:
    """The exported C symbol for a kernel."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", kernel_name)
    return f"polyopt_{safe}"
