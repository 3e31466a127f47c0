"""Schedule -> CProgram: the whole code generation pass.

Part of code generation: names every kernel object in C (:mod:`.signature`), lowers the schedule
to a checked loop tree (:mod:`.lower`: the isl AST walked into loops, guards and statement bodies,
temporaries placed, the order verified against the dependences), and assembles the translation
unit: a comment naming each statement with its source line, ``#include <math.h>``, the helper
functions used, and the kernel function.
"""

from __future__ import annotations

import cgen as c

from ..errors import CodegenError
from ..frontend import syntax as sx
from ..schedule.schedule import Schedule
from . import cexpr as ce
from .body import ArrayInfo, BodyBuilder
from .emit import CgenEmitter
from .lower import bounded, lower
from .outline import Outliner
from .private_arrays import PROLOGUE, PrivateArrays
from .signature import ARRAY, SCALAR, SIZE, CProgram, c_identifier, function_name, make_params


def generate_c(schedule: Schedule, *, separate_tiles: bool = True, verify: bool = True) -> CProgram:
    """The C translation unit for ``schedule`` (see :class:`~.signature.CProgram`).

    Every loop nest is checked against the dependences before it is printed (:mod:`.verify`);
    ``verify=False`` skips that check, for experiments only.  The whole generation runs under a
    wall-clock limit (:func:`.lower.bounded`).
    """
    return bounded(lambda: _generate_c(schedule, separate_tiles, verify), schedule.scop.name)


def _generate_c(schedule: Schedule, separate_tiles: bool, verify: bool) -> CProgram:
    scop = schedule.scop
    kernel = scop.kernel
    if kernel is None:
        raise CodegenError(f"Scop '{scop.name}' has no KernelDef attached; cannot name C parameters")
    taken: set[str] = set()
    params = make_params(kernel, taken)
    by_name = {p.name: p for p in params}
    rename = {p.name: p.c_name for p in params if p.kind == SIZE}
    arrays = {}
    for a in scop.arrays:
        if a.is_local:
            arrays[a.name] = ArrayInfo(c_identifier(a.name, taken), a.dtype, (), True)
        else:
            arrays[a.name] = ArrayInfo(by_name[a.name].c_name, a.dtype, tuple(a.shape), False)
    scalars = {p.name: (p.c_name, kernel.argument(p.name).dtype) for p in params if p.kind == SCALAR}
    bodies = BodyBuilder(arrays, scalars, rename)

    items: list = []
    helpers: set[str] = set()
    function_locals: list[str] = []
    checked = None
    if scop.statements:
        checked = lower(schedule, bodies, rename, separate_tiles=separate_tiles, verify=verify)
        items, helpers, function_locals = checked.items, checked.helpers, checked.function_locals

    def local_decl(name: str):
        info = arrays[name]
        zero = "0" if not info.dtype.is_float else ("0.0f" if info.dtype.c == "float" else "0.0")
        return c.Line(f"{info.dtype.c} {info.c_name} = {zero};")

    fname = function_name(kernel.name)
    values = [_param_value(p) for p in params]
    outliner = Outliner(fname, values, [p.c_name for p in params],
                        {n: (a.dtype.c, a.c_name) for n, a in arrays.items() if a.is_local})
    def array(name: str) -> tuple[str, str, ce.CExpr]:
        info = arrays[name]
        count = ce.IntLit(1)
        for extent in info.shape:
            count = ce.mul(count, bodies.extent(extent))
        return info.c_name, info.dtype.c, count

    emitter = CgenEmitter(local_decl, outliner, PrivateArrays(array))
    body = [local_decl(n) for n in function_locals] + emitter.items(items)
    decl = c.FunctionDeclaration(c.Value("void", fname), values or [c.Value("void", "")])
    parts = [c.Line(_header(schedule)), c.Line(), c.Include("math.h"), c.Line()]
    if schedule.vector_math:
        parts += [c.Line(line) for line in ce.vector_math_declarations(schedule.vector_math)] + [c.Line()]
    if schedule.options.vector_bits:  # for every function of the unit, OpenMP's outlined ones too
        parts += [c.Line(f'#pragma GCC target("prefer-vector-width={schedule.options.vector_bits}")'), c.Line()]
    if checked is not None and checked.private_arrays:
        parts += [c.Line(line) for line in PROLOGUE] + [c.Line()]
    for text in ce.helper_definitions(helpers):
        parts.append(c.Line(text))
    if helpers:
        parts.append(c.Line())
    for function in outliner.functions:
        parts += [function, c.Line()]
    parts.append(c.FunctionBody(decl, c.Block(body)))
    text = str(c.Module(parts)) + "\n"
    verified = ""
    if checked is not None and checked.verified:
        verified = checked.attempt.name + ("" if checked.instances_checked else " (instances not checked)")
    return CProgram(text, fname, params, kernel.name, verified,
                    checked.verify_seconds if checked is not None else 0.0,
                    checked.loops if checked is not None else ())


def _param_value(p) -> c.Value:
    if p.kind == ARRAY:
        const = "" if p.written else "const "
        return c.Value(f"{const}{p.ctype}", f"*restrict {p.c_name}")
    return c.Value(p.ctype, p.c_name)


def _comment_text(s: str) -> str:
    return s.replace("*/", "* /")


def _header(schedule: Schedule) -> str:
    """A block comment naming the kernel, the options and each statement with its source."""
    scop = schedule.scop
    kernel: sx.KernelDef = scop.kernel
    lines = [f"polyopt kernel '{kernel.name}' from {kernel.file}:{kernel.first_line}",
             f"options: {schedule.options.key()}"]
    if schedule.vector_math:
        lines.append(f"SIMD loops call the vector variants of {', '.join(schedule.vector_math)} "
                     "(glibc's libmvec, within 4 ulp)")
    for s in scop.statements:
        where = f"line {s.loc.line}" if s.loc else "line ?"
        lines.append(f"  {s.name}  {where}: {s.source_line}")
    body = "\n".join(f" * {_comment_text(line)}".rstrip() for line in lines)
    return f"/*\n{body}\n */"
