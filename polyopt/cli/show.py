"""``polyopt show``: print a kernel's Scop, dependences, schedule and/or C.

The path is a suite file or folder (``FILE.py[:KERNEL]``) or a C file (``FILE.c[:REGION]``).
"""

from __future__ import annotations

from ..suite import split_kernel_path
from .common import c_targets, collect, schedule_overrides
from .coptions import cpp_options


def run(args) -> int:
    """The ``show`` command; with no part selected, shows all four."""
    options = schedule_overrides(args)
    if split_kernel_path(args.path)[0].endswith(".c"):  # C regions, as `polyopt cc` compiles them
        targets, failures = c_targets(args.path, cpp_options(args), as_cc=True), []
    else:
        targets, failures = collect([args.path])
    if failures:
        print(failures[0].message)
        return 1
    parts = [p for p in ("scop", "deps", "schedule", "c") if getattr(args, p)]
    parts = parts or ["scop", "deps", "schedule", "c"]
    for k, t in enumerate(targets):
        kernel = t.case.kernel
        if len(targets) > 1:
            print(("\n" if k else "") + f"=== {t.name} ({t.file}) ===")
        for part in parts:
            if len(parts) > 1:
                print(f"--- {part}")
            if part == "scop":
                print(kernel.scop)
            elif part == "deps":
                print(kernel.dependences().summary())
            elif part == "schedule":
                kernel.c_source(**options)  # generated first, the schedule also says what the C does
                print(kernel.schedule(**options))
            else:
                print(kernel.c_source(**options))
    return 0
