"""``po.from_c``: one ``#pragma scop`` region of C source -> a :class:`polyopt.Kernel` on NumPy arrays.

The C front end's entry point for Python users (C text -cfront-> KernelDef -poly-> Scop -> ... ->
C function -runtime-> callable).  The region becomes a :class:`CKernel`, the ordinary Kernel object
(``.scop``, ``.dependences()``, ``.schedule()``, ``.c_source()``, ``.compile()``, calls), except
for how its C is printed:

* The KernelDef's value trees only name what a statement reads and writes; they do not carry C's
  semantics (integer ``/`` truncates, casts, ``float`` arithmetic, ``%=`` ...).  So statements are
  printed from the ORIGINAL C text (:func:`polyopt.codegen.region.generate_region`), placed in a
  wrapper function with the standard flat-pointer ABI (:mod:`polyopt.codegen.signature`) that
  re-creates the region's names: ``double (*restrict A)[M] = (double (*)[M]) arg;`` for arrays,
  sizes with their declared C type, written scalars as locals stored back at the end.
* ``reference()`` runs the region's original loops (preprocessed, otherwise unchanged) compiled
  by gcc in the same wrapper: the executable specification.

Arguments, in ``kernel.syntax.args`` order: the arrays in order of first use in the region, then
the read-only floating-point scalars, then the integer parameters (sizes), all named as in C.
C does not promise that accesses stay within the declared extents (``double A[100]`` indexed up
to a parameter ``n``); such a kernel still builds, and every call checks that its sizes keep every
access inside the arrays it was given.
"""

from __future__ import annotations

import dataclasses

from pycparser import c_ast

from .. import pipeline
from ..codegen.signature import ARRAY, SCALAR, SIZE, CProgram, function_name, make_params
from ..errors import ArgumentError, PolyoptError, SourceLocation, user_facing
from ..frontend import syntax as sx
from ..kernel import Kernel
from .convert import CRegion, convert_region
from .decls import visible_vars
from .exprs import c_text
from .interface import region_interface
from .optimize import dead_scalars, region_register_tiles, region_statements, substitute, target_text
from .preprocess import CppOptions, ParsedFile, parse_file

# C element types whose storage is exactly that of the NumPy dtype the front end gives them.
_EXACT_TYPES = {
    "double": "double", "float": "float",
    "int": "int", "signed": "int", "signed int": "int",
    "long": "long", "long int": "long", "signed long": "long", "signed long int": "long",
    "long long": "long", "long long int": "long", "signed long long": "long",
    "signed long long int": "long",
}


@user_facing
def from_c(source_text: str, *, name: str | None = None, filename: str = "<string>", region=0,
           cpp: CppOptions | None = None, **options) -> CKernel:
    """The kernel of one ``#pragma scop`` region of C source, callable on NumPy arrays.

    ``region`` is the region's index in the file (0 = first) or the name of the C function holding
    it (its first region).  ``name`` renames the kernel (default ``<function>_scop<index>``).
    ``options`` are the default scheduling options, as for ``@po.kernel``.  Arguments of the
    kernel: see :attr:`Kernel.syntax` ``.args`` (arrays by first use, then scalars, then sizes).
    ``cpp`` are the preprocessor options (``-I -D ...``, see :class:`CppOptions`).
    """
    parsed = parse_file(source_text, filename, options=cpp)
    index = _region_index(parsed, region)
    converted = convert_region(parsed, parsed.regions[index], index)
    if name is not None:
        if not name.isidentifier():
            raise PolyoptError(f"from_c: kernel name {name!r} is not an identifier")
        converted = dataclasses.replace(converted, kernel=dataclasses.replace(converted.kernel, name=name))
    return CKernel(converted, parsed, **options)


def _region_index(parsed: ParsedFile, region) -> int:
    first = parsed.text.splitlines()[0] if parsed.text.strip() else ""
    if not parsed.regions:
        raise PolyoptError("no #pragma scop region in the C source",
                           location=SourceLocation(parsed.filename, 1, 0, first),
                           hint="mark the loop nest with #pragma scop ... #pragma endscop")
    lines = ", ".join(str(r.first_line) for r in parsed.regions)
    if isinstance(region, str):
        for k, r in enumerate(parsed.regions):
            if region in (r.func.decl.name, f"{r.func.decl.name}_scop{k}"):
                return k
        raise PolyoptError(f"no #pragma scop region in a function named {region!r}",
                           location=SourceLocation(parsed.filename, parsed.regions[0].first_line, 0, ""),
                           hint=f"regions start at lines {lines}")
    if isinstance(region, bool) or not isinstance(region, int) or not 0 <= region < len(parsed.regions):
        last = parsed.regions[-1]
        raise PolyoptError(f"region {region!r} does not exist: the C source has {len(parsed.regions)} "
                           f"#pragma scop region(s)",
                           location=SourceLocation(parsed.filename, last.first_line, 0, ""),
                           hint=f"use region=0..{len(parsed.regions) - 1} (regions start at lines {lines})")
    return region


class CKernel(Kernel):
    """A kernel from a C ``#pragma scop`` region (see the module docstring)."""

    def __init__(self, region: CRegion, parsed: ParsedFile, **options):
        # Kernel.__init__ parses a Python function; here the KernelDef comes from the C front end.
        self.py_func = None
        # its written scalars are arguments the caller sees: kept unless asked (promote=True: as
        # `polyopt cc` compiles the region, a scalar the C code after it never reads is promoted,
        # and its argument then keeps the value it had; what `polyopt show FILE.c` displays)
        self._start({"promote": False, **options})
        # its statements keep their C text: register blocks and packed panels, no row panels (optimize.py)
        self.options = dataclasses.replace(self.options, register_tiles=region_register_tiles(self.options))
        self.region = region
        self.parsed = parsed
        self.syntax = region.kernel
        self._vars = visible_vars(parsed, region.region)
        self._reference = None
        self._outside = None  # isl parameter set where some access leaves its array, once known
        self._checked: dict[tuple, bool] = {}
        if region.unknown_extents:
            name = region.unknown_extents[0]
            raise PolyoptError(f"from_c needs the extents of every array, and those of '{name}' are not "
                               "known (a pointer) or not affine", location=self._region_location(),
                               hint=f"declare '{name}' with its extents (double {name}[n][m]), or use "
                                    "`polyopt cc`, which needs no extents")
        self._check_element_types()
        self.__name__ = self.syntax.name
        self.__doc__ = f"C region {parsed.filename}:{region.region.first_line}"

    @property
    def name(self) -> str:
        return self.syntax.name

    def _check_element_types(self) -> None:
        for a in self.syntax.args:
            base = self._vars[a.name].base
            if a.kind != sx.Argument.INT and _EXACT_TYPES.get(base) != a.dtype.c:
                raise PolyoptError(f"'{a.name}' has element type '{base}', which from_c cannot share with a "
                                   "NumPy array", location=self._region_location(),
                                   hint="from_c supports double, float, int and long data")

    def _region_location(self) -> SourceLocation:
        return self.parsed.loc(None, self.region.region.first_line)

    # ------------------------------------------------------------ model

    @property
    @user_facing
    def scop(self):
        """The polyhedral model, built without the array extents (C does not promise that accesses
        stay inside them); the sizes for which some access leaves its array are remembered, and
        calls with such sizes are refused."""
        if self._scop is None:
            self._scop = pipeline.scop(self.region.model, self.times, promote=self.promote,
                                       accumulators=dead_scalars(self.region))
            outside = _outside_params(self._scop, self.syntax)
            self._outside = None if outside.is_empty() else outside
        return self._scop

    # ------------------------------------------------------------ C

    def _codegen(self, schedule):
        """The optimized loop nest of ``schedule`` with the original C statements, in the wrapper."""
        from ..codegen.region import generate_region

        with pipeline.run_pass("codegen", self.times):
            by_name = dict(zip((s.name for s in schedule.scop.statements),
                               region_statements(self.region, schedule.scop)))
            iterators = {s.name: set(s.iterators) for s in schedule.scop.statements}

            def statement_text(stmt: str, exprs: dict[str, str]) -> str:
                return substitute(by_name[stmt], exprs, iterators[stmt])

            def written_element(stmt: str, exprs: dict[str, str]):
                return target_text(by_name[stmt], exprs, iterators[stmt])

            taken = self._taken()
            interface = region_interface(self.region, self.parsed, function_name(self.name) + "_region", taken)
            code = generate_region(schedule, statement_text, interface, taken=taken, target_text=written_element)
            comment = f"polyopt C kernel '{self.name}', options: {schedule.options.key()}"
            program = self._wrap("{\n  " + code.call + "\n}", comment, code.definitions)
            return dataclasses.replace(program, loops=code.loops)

    def _original_block(self) -> str:
        """The region's statements as they are (macros expanded), with its iterators declared."""
        iters: list[str] = []
        args = {a.name for a in self.syntax.args}

        def visit(node):
            if isinstance(node, c_ast.For):
                inits = node.init.exprs if isinstance(node.init, c_ast.ExprList) else [node.init]
                for a in inits:
                    if (isinstance(a, c_ast.Assignment) and isinstance(a.lvalue, c_ast.ID)
                            and a.lvalue.name not in iters and a.lvalue.name not in args):
                        iters.append(a.lvalue.name)
            for _, child in node.children():
                visit(child)

        for item in self.region.region.items:
            visit(item)
        decls = "".join(f"  {self._vars[i].base} {i};\n" for i in iters)
        body = c_text(c_ast.Compound(list(self.region.region.items)))
        return "{\n" + decls + body + "}"

    def _taken(self) -> set[str]:
        return set(self.region.names) | {self._arg_prefix() + a.name for a in self.syntax.args}

    def _arg_prefix(self) -> str:
        prefix = "polyopt_arg_"
        while any(n.startswith(prefix) for n in self.region.names):
            prefix += "_"
        return prefix

    def _wrap(self, block: str, comment: str, definitions: str = "") -> CProgram:
        """``block`` in a function with the flat-pointer ABI, the region's names declared, after
        the file-scope ``definitions`` it calls."""
        kernel = self.syntax
        prefix = self._arg_prefix()
        written = _assigned(kernel.body)  # written_arrays() leaves out rank-0 arrays (written scalars)
        params = tuple(dataclasses.replace(p, c_name=prefix + p.name, written=p.name in written)
                       for p in make_params(kernel, set()))
        sizes, pointers, store = [], [], []
        for p in params:
            if p.kind == SIZE:  # the declared C type: arithmetic on sizes keeps C's semantics
                ctype = self._vars[p.name].base
                sizes.append(f"{ctype} {p.name} = ({ctype}){p.c_name};")
            elif p.kind == SCALAR:
                pointers.append(f"{p.ctype} {p.name} = {p.c_name};")
            else:
                shape = kernel.argument(p.name).shape
                if not shape:  # a scalar the region writes: a local, stored back at the end
                    pointers.append(f"{p.ctype} {p.name} = *{p.c_name};")
                    if p.written:
                        store.append(f"*{p.c_name} = {p.name};")
                    continue
                inner = "".join(f"[{_c_extent(e)}]" for e in shape[1:])
                # not const: the region's function takes its rows as they are declared in C
                pointers.append(f"{p.ctype} (*restrict {p.name}){inner} = ({p.ctype} (*){inner}){p.c_name};")
        signature = ", ".join(
            f"{'' if p.written else 'const '}{p.ctype} *restrict {p.c_name}" if p.kind == ARRAY
            else f"{p.ctype} {p.c_name}" for p in params) or "void"
        typedefs = self._typedefs()
        fname = function_name(kernel.name)
        body = "\n".join("  " + line for line in sizes + pointers)
        body += "\n" + "\n".join("  " + line for line in block.splitlines()) + "\n"
        body += "".join(f"  {line}\n" for line in store)
        text = (f"/* {comment.replace('*/', '* /')}\n * from {kernel.file}:{kernel.first_line} */\n"
                "#include <math.h>\n#include <stddef.h>\n" + "".join(t + "\n" for t in typedefs)
                + (f"\n{definitions}" if definitions else "") + f"\nvoid {fname}({signature})\n{{\n{body}}}\n")
        return CProgram(text, fname, params, kernel.name)

    def _typedefs(self) -> list[str]:
        """The user's typedefs the region's statements (in casts) and the declarations of its
        variables name; the opaque stand-ins the preprocessing step declares for system headers'
        types are not the user's and are left out."""
        used: set[str] = set()

        def visit(node):
            if isinstance(node, c_ast.IdentifierType):
                used.update(node.names)
            for _, child in node.children():
                visit(child)

        for item in self.region.region.items:
            visit(item)
        for a in self.syntax.args:
            if self._vars[a.name].decl is not None:
                visit(self._vars[a.name].decl.type)
        return [c_text(n) + ";" for n in self.parsed.ast.ext
                if isinstance(n, c_ast.Typedef) and n.name in used and n.name not in self.parsed.opaque_types]

    def _cache_source(self) -> str:
        # The C statements decide the results, and the KernelDef does not carry their semantics.
        return repr(self.syntax) + "\n" + self._wrap(self._original_block(), "reference").text

    # ------------------------------------------------------------ calls

    @user_facing
    def compile(self, schedule=None, **options):
        """As :meth:`Kernel.compile`; calls check the sizes against the arrays' extents if needed."""
        compiled = super().compile(schedule, **options)
        _ = self.scop  # building the model tells whether the extents need checking
        return compiled if self._outside is None else _Checked(compiled, self)

    @user_facing
    def reference(self, *args, **kwargs):
        """Run the ORIGINAL region (its own loops, compiled by gcc) on the arguments."""
        if self._reference is None:
            program = self._wrap(self._original_block(), f"original region of '{self.name}'")
            self._reference = pipeline.compile_program(program, self.syntax, self.times)
        self.check_extents(args, kwargs)
        return self._reference(*args, **kwargs)

    def check_extents(self, args, kwargs) -> None:
        """Raise ArgumentError when these sizes would make an access leave its array."""
        _ = self.scop
        if self._outside is None:
            return
        values = self.bind(*args, **kwargs)
        key = tuple(sorted(values.items()))
        if key not in self._checked:
            import islpy as isl

            space = ", ".join(self._scop.params)
            fixed = " and ".join(f"{p} = {values[p]}" for p in self._scop.params) or "true"
            point = isl.Set(f"[{space}] -> {{ : {fixed} }}")
            self._checked[key] = point.intersect(self._outside).is_empty()
        if not self._checked[key]:
            sizes = ", ".join(f"{k}={v}" for k, v in key)
            raise ArgumentError(f"kernel '{self.name}': with {sizes} the region accesses an array outside "
                                "its extents", hint="pass larger arrays or smaller sizes")


class _Checked:
    """A compiled C kernel whose calls first check the sizes against the arrays' extents."""

    def __init__(self, compiled, kernel: CKernel):
        self._compiled = compiled
        self._kernel = kernel

    def __call__(self, *args, **kwargs):
        self._kernel.check_extents(args, kwargs)
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._compiled, name)


def _assigned(body) -> set[str]:
    """Names of the arrays (of any rank) assigned in ``body``."""
    out: set[str] = set()
    for s in body:
        if isinstance(s, sx.For):
            out |= _assigned(s.body)
        elif isinstance(s, sx.If):
            out |= _assigned(s.then) | _assigned(s.orelse)
        elif isinstance(s, sx.Assign):
            out.add(s.target.array)
    return out


def _outside_params(scop, kernel: sx.KernelDef):
    """The parameter values for which some access of ``scop`` falls outside ``kernel``'s extents."""
    import islpy as isl

    shapes = {a.name: a.shape for a in kernel.args if a.kind == sx.Argument.ARRAY}
    space = ", ".join(scop.params)
    outside = isl.Set(f"[{space}] -> {{ : 1 = 0 }}")
    for s in scop.statements:
        for acc in (*s.reads, *s.writes):
            shape = shapes.get(acc.array, ())
            if not shape:
                continue
            dims = [f"i{k}" for k in range(len(shape))]
            cond = " and ".join(f"0 <= {d} < {_c_extent(e)}" for d, e in zip(dims, shape))
            inside = isl.Set(f"[{space}] -> {{ {acc.array}[{', '.join(dims)}] : {cond} }}")
            outside = outside.union(acc.relation.range().subtract(inside).params())
    return outside.intersect(scop.context).coalesce()


def _c_extent(expr) -> str:
    """An extent (affine in the sizes, as the binding requires) as C and isl text."""
    return str(expr)
