"""The declarations a ``#pragma scop`` region can see: C variables, their element types and shapes.

Part of the C front end's conversion step (region -> KernelDef): before the region's statements
are read, every name visible at the region -- globals, the function's parameters, the enclosing
blocks' declarations that come before it -- is described by a :class:`CVar`: its element type,
its extents, and what C says about aliasing.

Aliasing follows the convention of pet, Pluto and PPCG: variables declared as arrays (``double
A[N][M]``, a C99 variably-modified ``double A[n][m]`` parameter, a global or local array) are
distinct from each other.  A pointer (``double *p``, ``double (*p)[M]``) may point into any
other array unless it is ``restrict``-qualified; such pointers get a runtime overlap check (see
:mod:`.alias`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pycparser import c_ast

from ..frontend.types import f32, f64, i32, i64
from .preprocess import ParsedFile, Region

FLOAT_TYPES = {"double": f64, "float": f32}
INT_WORDS = {"int", "long", "short", "char", "unsigned", "signed", "size_t", "ssize_t", "ptrdiff_t",
             "_Bool", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
             "uint64_t", "intptr_t", "uintptr_t"}
_QUALIFIERS = ("const", "volatile", "restrict")


@dataclass(frozen=True)
class CVar:
    """A variable visible at the region.

    ``dims`` holds one c_ast extent expression per dimension (None: unknown, the first dimension
    of a pointer), ``()`` for a scalar.  ``pointer``: declared as a pointer, so it may alias other
    arrays unless ``restrict``.  ``indirect``: a pointer to pointers or an array of pointers (its
    rows may alias each other; not an array polyopt models).  ``decl`` is the declaration node.
    """

    name: str
    base: str | None  # "double", "float", "int", "unsigned char", ...; None: another type
    dims: tuple = ()
    pointer: bool = False
    restrict: bool = False
    indirect: bool = False
    decl: c_ast.Decl | None = None

    @property
    def is_array(self) -> bool:
        """An array or a pointer used as one (it has dimensions)."""
        return bool(self.dims)

    @property
    def is_int(self) -> bool:
        """An integer scalar (a candidate size parameter)."""
        return self.base is not None and self.base not in FLOAT_TYPES and not self.dims and not self.indirect


def base_type(t, typedefs: dict | None = None) -> str | None:
    """The element type's name of a declaration type (through arrays and pointers)."""
    while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
        t = t.type
    if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
        names = [n for n in t.type.names if n not in _QUALIFIERS]
        if any(n in FLOAT_TYPES for n in names):
            return next(n for n in names if n in FLOAT_TYPES)
        if names and all(n in INT_WORDS for n in names):
            return " ".join(names)
        if typedefs and len(names) == 1:
            return typedefs.get(names[0])
    return None


def dtype_of(base: str | None):
    """The NumPy-side element type polyopt's model uses for a C element type."""
    if base in FLOAT_TYPES:
        return FLOAT_TYPES[base]
    return i64 if base and "long" in base else i32


def cvar(decl: c_ast.Decl, typedefs: dict) -> CVar:
    """The CVar of one declaration."""
    t = decl.type
    dims: list = []
    pointer = restrict = False
    first = True
    while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
        if isinstance(t, c_ast.ArrayDecl):  # after a pointer: `double (*p)[M]`, rows of M
            dims.append(t.dim)
            restrict = restrict or (first and "restrict" in (t.dim_quals or []))
        else:
            if dims or pointer:  # `double **p`, or `double *a[10]` (an array of pointers)
                return CVar(decl.name, None, (), indirect=True, decl=decl)
            pointer = True
            restrict = "restrict" in (t.quals or [])
            dims.append(None)  # `double *p`, `double (*p)[M]`: unknown first extent
        first = False
        t = t.type
    return CVar(decl.name, base_type(t, typedefs), tuple(dims), pointer, restrict, False, decl)


def visible_vars(parsed: ParsedFile, region: Region) -> dict[str, CVar]:
    """Declarations visible at the region: globals, parameters, enclosing blocks (before it)."""
    typedefs: dict[str, str] = {}
    out: dict[str, CVar] = {}
    for node in parsed.ast.ext:
        if node is region.func:
            break
        if isinstance(node, c_ast.Typedef):
            if node.name not in parsed.opaque_types:
                b = base_type(node.type, typedefs)
                if b is not None:
                    typedefs[node.name] = b
        elif isinstance(node, c_ast.Decl) and node.name and not isinstance(node.type, c_ast.FuncDecl):
            out[node.name] = cvar(node, typedefs)
    params = region.func.decl.type.args
    for p in (params.params if params else []):
        if isinstance(p, c_ast.Decl) and p.name:
            out[p.name] = cvar(p, typedefs)
    path = region.path
    for k, node in enumerate(path):
        child = path[k + 1] if k + 1 < len(path) else None
        if isinstance(node, c_ast.Compound):
            stop = region.start if child is None else None
            for j, item in enumerate(node.block_items or []):
                if item is child or (stop is not None and j >= stop):
                    break
                if isinstance(item, c_ast.Decl) and item.name:
                    out[item.name] = cvar(item, typedefs)
                elif isinstance(item, c_ast.Typedef):
                    b = base_type(item.type, typedefs)
                    if b is not None:
                        typedefs[item.name] = b
        elif isinstance(node, c_ast.For) and isinstance(node.init, c_ast.DeclList):
            for d in node.init.decls:
                out[d.name] = cvar(d, typedefs)
    return out
