"""The C front end: ``#pragma scop`` regions of a C file -> the same KernelDef as the Python frontend.

``from_c(text, ...)`` makes one region a :class:`polyopt.Kernel` callable on NumPy arrays;
``optimize_c(text, filename=..., cpp=CppOptions(...), **options)`` rewrites every region of a C file
with its optimized code (``polyopt cc`` and ``polyopt gcc``); ``parse_file`` and ``convert_region``
expose the stages.  pycparser and the C preprocessor are used on first call only.
"""

from .convert import CRegion, convert_region
from .kernel import CKernel, from_c
from .optimize import RegionWarning, optimize_c, optimize_region, schedule_region
from .preprocess import CppOptions, ParsedFile, Region, has_regions, parse_file

__all__ = ["CKernel", "CRegion", "CppOptions", "ParsedFile", "Region", "RegionWarning", "convert_region",
           "from_c", "has_regions", "optimize_c", "optimize_region", "parse_file", "schedule_region"]
