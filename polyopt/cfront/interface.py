"""How an optimized region is called: the parameters of its static function, from the C declarations.

Part of the C front end (region -> KernelDef -> ... -> C): the optimized loop nest becomes a static
function (:func:`polyopt.codegen.region.generate_region`) whose parameters carry the region's own
names, so that its statements are printed as they are:

* integer variables the region reads (its parameters) and those a variably-modified array type
  names (``m`` in ``double A[n][m]``), by value, in their declared type;
* read-only scalars by value;
* arrays and pointers as ``restrict`` pointers to their rows: ``double A[N][M]`` becomes
  ``double (*restrict A)[M]``, ``const float *x`` becomes ``const float *restrict x`` (the
  region's arrays are distinct by the convention of pet, Pluto and PPCG; pointers that might not
  be are checked at run time first, see :mod:`.alias`);
* scalars the region writes through a pointer: the function works on a local copy (so gcc keeps it
  in a register) and stores it back at the end.
"""

from __future__ import annotations

import copy

from pycparser import c_ast

from ..codegen.region import RegionInterface, RegionParam
from ..errors import Diagnostic, KernelSyntaxError
from ..frontend import syntax as sx
from .convert import CRegion
from .decls import CVar
from .exprs import c_text
from .preprocess import ParsedFile
from .scan import written_names


def region_interface(region: CRegion, parsed: ParsedFile, function: str, taken: set[str]) -> RegionInterface:
    """The interface of ``region``'s function ``function``; ``taken`` (names that must not be
    reused) is extended with the new names."""
    vars_ = region.vars
    kernel = region.kernel
    arrays = [a.name for a in kernel.args if a.kind == sx.Argument.ARRAY and vars_[a.name].is_array]
    written_scalars = [a.name for a in kernel.args if a.kind == sx.Argument.ARRAY and not vars_[a.name].is_array]
    scalars = [a.name for a in kernel.args if a.kind == sx.Argument.SCALAR]
    ints = list(kernel.params)
    for name in arrays:  # the extents named by the rows' types (a VLA's inner extents)
        for ident in _inner_extent_names(vars_[name]):
            if ident in vars_ and ident not in ints:
                ints.append(ident)
    # in the order of their declarations (the function's parameters first): easy to read
    order = {name: k for k, name in enumerate(vars_)}
    ints, scalars, arrays, written_scalars = (sorted(group, key=order.__getitem__)
                                              for group in (ints, scalars, arrays, written_scalars))
    _check_extents_unchanged(region, parsed, arrays)
    params = [_by_value(vars_[n]) for n in ints + scalars]
    params += [_row_pointer(vars_[n]) for n in arrays]
    prologue, epilogue = [], []
    for name in written_scalars:
        ref = _fresh(f"polyopt_ref_{name}", taken)
        v = vars_[name]
        ptr = _declare(v, c_ast.PtrDecl(["restrict"], _strip_storage(v.decl.type)), ref)
        check = _declare(v, c_ast.PtrDecl([], _strip_storage(v.decl.type)), ref)
        params.append(RegionParam(ref, ptr[0], ptr[1], f"&{name}", check[1]))
        local = _declare(v, _strip_storage(v.decl.type, drop_const=True), name)
        prologue.append(f"{local[0]} {local[1]} = *{ref};")
        epilogue.append(f"*{ref} = {name};")
    locals_ = tuple((n, _declare(vars_[n], _strip_storage(vars_[n].decl.type, drop_const=True), n)[0])
                    for n in written_scalars)
    return RegionInterface(function, tuple(params), tuple(prologue), tuple(epilogue), locals_)


def _by_value(v: CVar) -> RegionParam:
    ctype, declarator = _declare(v, _strip_storage(v.decl.type), v.name)
    return RegionParam(v.name, ctype, declarator, v.name, declarator)


def _row_pointer(v: CVar) -> RegionParam:
    """``T (*restrict A)[...]`` for an array or pointer ``A`` (and the same without restrict)."""
    t = _strip_storage(v.decl.type)
    if isinstance(t, c_ast.ArrayDecl):
        rows = c_ast.PtrDecl(["restrict"], t.type)
        plain = c_ast.PtrDecl([], t.type)
    else:  # a pointer
        rows = c_ast.PtrDecl(sorted(set(t.quals) | {"restrict"}), t.type)
        plain = t
    ctype, declarator = _declare(v, rows, v.name)
    return RegionParam(v.name, ctype, declarator, v.name, _declare(v, plain, v.name)[1])


def _declare(v: CVar, t, name: str) -> tuple[str, str]:
    """``(type, declarator)`` texts declaring ``name`` with type ``t`` (split for cgen)."""
    t = copy.deepcopy(t)
    inner = t
    while not isinstance(inner, c_ast.TypeDecl):
        inner = inner.type
    inner.declname = name
    text = c_text(c_ast.Decl(name, [], [], [], [], t, None, None))
    base = c_text(c_ast.Typename(None, inner.quals, None, c_ast.TypeDecl(None, inner.quals, None, inner.type)))
    if text.startswith(base + " "):
        return base, text[len(base) + 1:].strip()
    return text, ""


def _strip_storage(t, drop_const: bool = False):
    """A copy of a declaration type (without ``const`` on the variable itself with ``drop_const``)."""
    t = copy.deepcopy(t)
    if drop_const and isinstance(t, c_ast.TypeDecl):
        t.quals = [q for q in t.quals if q != "const"]
    return t


def _inner_extent_names(v: CVar) -> list[str]:
    out: list[str] = []

    def visit(node):
        if isinstance(node, c_ast.ID) and node.name not in out:
            out.append(node.name)
        for _, child in node.children():
            visit(child)

    for d in v.dims[1:]:
        if d is not None:
            visit(d)
    return out


def _check_extents_unchanged(region: CRegion, parsed: ParsedFile, arrays: list[str]) -> None:
    """A variably-modified type keeps the extents of its declaration; the function called at the
    region re-evaluates them, so they must not have been assigned in between."""
    assigned = written_names(region.region.func.body.block_items or [], headers=True)
    diags = []
    for name in arrays:
        for ident in _inner_extent_names(region.vars[name]):
            if ident in assigned and ident in region.vars:
                v = region.vars[name]
                diags.append(Diagnostic(parsed.loc(v.decl.coord),
                                        f"the extent '{ident}' of '{name}' is assigned in "
                                        f"'{region.region.func.decl.name}', so the type of '{name}' "
                                        "may not match its value at the region",
                                        f"use a variable that keeps its value for the extent of '{name}'"))
    if diags:
        raise KernelSyntaxError(diags, region.kernel.name)


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "_"
    taken.add(name)
    return name
