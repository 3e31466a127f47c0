"""The C front end: ``#pragma scop`` regions of a C file -> the same KernelDef as the Python frontend.

``from_c(text, ...)`` makes one region a :class:`polyopt.Kernel` callable on NumPy arrays;
``optimize_c(text, filename=..., **options)`` rewrites every region of a C file with its optimized
loop nest (``polyopt cc``, see :func:`cli_cc`); ``parse_file`` and ``convert_region`` expose the
stages.  pycparser and the C preprocessor are used on first call only.
"""

from .convert import CRegion, convert_region
from .kernel import CKernel, from_c
from .optimize import RegionWarning, cli_cc, optimize_c, optimize_region, schedule_region
from .preprocess import ParsedFile, Region, parse_file

__all__ = ["CKernel", "CRegion", "ParsedFile", "Region", "RegionWarning", "cli_cc", "convert_region", "from_c",
           "optimize_c", "optimize_region", "parse_file", "schedule_region"]
