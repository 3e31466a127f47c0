"""The frontend: a Python kernel function -> its syntax tree (:class:`~.syntax.KernelDef`).

``parse_kernel`` is the only entry point; it raises :class:`polyopt.errors.KernelSyntaxError`
holding every problem found in the kernel.
"""

from .parser import parse_kernel

__all__ = ["parse_kernel"]
