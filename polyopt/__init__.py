"""polyopt: a polyhedral loop-nest optimizer for affine kernels written in Python.

    import polyopt as po
    N, M = po.symbols("N M")

    @po.kernel
    def scale(alpha: po.f64, A: po.f64[N, M]):
        for i in range(N):
            for j in range(M):
                A[i, j] *= alpha
"""

# The one place the version is written: setup.cfg reads it (version = attr: polyopt.__version__).
__version__ = "0.2.0"

import importlib

from . import views as _views
from .errors import (
    ArgumentError,
    BudgetExceeded,
    CodegenError,
    CompileError,
    IllegalScheduleError,
    InternalError,
    KernelSyntaxError,
    ModelError,
    OptionError,
    PolyoptError,
    ScheduleError,
    SourceLocation,
    TimeLimitExceeded,
)
from .frontend.types import f32, f64, i32, i64, symbols
from .kernel import Kernel, kernel
from .suite import Case, case

# The stages' notebook views live in polyopt.viz, a layer above them: wire them here, on demand.
_views.set_loader(lambda: importlib.import_module("polyopt.viz.html"))

__all__ = [
    "__version__",
    "ArgumentError", "BudgetExceeded", "CodegenError", "CompileError", "IllegalScheduleError", "InternalError",
    "KernelSyntaxError",
    "ModelError", "OptionError", "PolyoptError", "ScheduleError", "SourceLocation", "TimeLimitExceeded",
    "f32", "f64", "i32", "i64", "symbols", "Kernel", "kernel", "Case", "case", "Plan",
]

_VIZ = ("plot_domain", "plot_tiles", "plot_wavefronts", "plot_fusion", "compare", "Comparison")


def __getattr__(name: str):
    # Notebook helpers load lazily: importing polyopt must not import matplotlib.
    if name == "from_c":  # the C front end loads lazily: importing polyopt must not import pycparser
        from .cfront import from_c

        return from_c
    if name == "Plan":  # the plan holds schedule trees: importing polyopt must not import isl
        from .schedule.plan import Plan

        return Plan
    if name in _VIZ:
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
