"""Command-line options shared by the commands that read C files (cc, gcc, bench, show).

The preprocessor options a C compiler takes -- ``-I DIR``, ``-D NAME[=VALUE]``, ``-U NAME``,
``-include FILE``, ``-iquote DIR``, ``-isystem DIR``, ``-std=STD`` -- are accepted in gcc's
spellings (``-Iinc`` and ``-I inc``, ``-DN=4`` and ``-D N=4``) and become a
:class:`polyopt.cfront.CppOptions`; ``-D`` and ``-U`` keep their relative order, as in gcc.
"""

from __future__ import annotations

import argparse


class _Macro(argparse.Action):
    """Appends ``(flag, value)`` to ``dest`` so that -D and -U keep their order."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.append((option_string, values))
        setattr(namespace, self.dest, items)


def add_cpp_options(parser) -> None:
    """The preprocessor options, in their own argument group."""
    g = parser.add_argument_group("C preprocessor (as for gcc)")
    g.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="add DIR to the include search path")
    g.add_argument("-D", dest="macros", action=_Macro, metavar="NAME[=VALUE]", help="define a macro")
    g.add_argument("-U", dest="macros", action=_Macro, metavar="NAME", help="undefine a macro")
    g.add_argument("-include", dest="includes", action="append", default=[], metavar="FILE",
                   help="include FILE before the source")
    g.add_argument("-iquote", dest="quote_dirs", action="append", default=[], metavar="DIR",
                   help='add DIR to the search path of #include "..."')
    g.add_argument("-isystem", dest="system_dirs", action="append", default=[], metavar="DIR",
                   help="add DIR as a system include directory")
    g.add_argument("-std", dest="std", metavar="STD", help="the C standard (default gnu11)")


def cpp_options(args):
    """The :class:`~polyopt.cfront.CppOptions` of parsed command-line ``args``."""
    from ..cfront import CppOptions

    return CppOptions(include_dirs=tuple(getattr(args, "include_dirs", None) or ()),
                      macros=tuple(getattr(args, "macros", None) or ()),
                      includes=tuple(getattr(args, "includes", None) or ()),
                      quote_dirs=tuple(getattr(args, "quote_dirs", None) or ()),
                      system_dirs=tuple(getattr(args, "system_dirs", None) or ()),
                      std=getattr(args, "std", None))
