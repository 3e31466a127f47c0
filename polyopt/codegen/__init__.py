"""Code generation: Schedule -> isl AST -> cgen tree -> C text (a :class:`CProgram`).

``generate_c`` imports islpy on first use only, so that the runtime can import
:class:`CProgram` and :class:`CParam` without loading isl.
"""

from .signature import CParam, CProgram


def generate_c(schedule, *, separate_tiles: bool = True) -> CProgram:
    """The C translation unit for ``schedule``; see :func:`polyopt.codegen.generate.generate_c`."""
    from .generate import generate_c as _generate

    return _generate(schedule, separate_tiles=separate_tiles)


__all__ = ["CParam", "CProgram", "generate_c"]
