"""``polyopt compile``: every kernel of some files to C, a shared library and a JSON report.

Per kernel, in the output directory: ``NAME.c`` (the generated translation unit), ``NAME.so``
and ``NAME.json`` (statements, dependences, bands, parallel/simd loops, tile sizes, fusion,
decisions, the time per pass, status and error).  When ``polyopt tune`` remembered plans for the
kernel on this machine (and no scheduling option is given), each is built too, as
``NAME.tunedK.c`` / ``NAME.tunedK.so``, listed under ``tuned`` in the report and in the output.
:func:`compile_targets` is the Python entry point; it takes any executor with ``submit`` (see
:mod:`polyopt.cli`).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .. import config
from ..errors import PolyoptError
from ..schedule.loops import PARALLEL, PIPELINED, SIMD
from .common import (
    Target,
    collect,
    ensure_dir,
    first_line,
    format_table,
    run_jobs,
    schedule_overrides,
    track,
)


def compile_one(target: Target, options: dict, out_dir: str) -> dict:
    """Compile one kernel with ``options`` into ``out_dir``; returns (and writes) its report."""
    case = target.load()
    kernel = case.kernel
    out = Path(out_dir)
    report = {"kernel": target.name, "name": target.out_name, "file": target.file, "status": "error"}
    try:
        c_text = kernel.c_source(**options)
        sched = kernel.schedule(**options)  # after the C: it also says what the C does
        c_path = out / f"{target.out_name}.c"
        c_path.write_text(c_text)
        report["c_file"] = str(c_path)
        compiled = kernel.compile(**options)
        so_path = out / f"{target.out_name}.so"
        _write_library(compiled.path, str(c_path), so_path)
        report["library"] = str(so_path)
        report.update(schedule_report(sched))
        if not options:
            report["tuned"] = _compile_tuned(kernel, out, target.out_name)
        report["status"] = "ok"
    except Exception as exc:
        report["error"] = str(exc)
        if not isinstance(exc, PolyoptError):
            report["error"] = f"internal error: {type(exc).__name__}: {exc}"
    report["times"] = [{"pass": n, "seconds": s} for n, s in kernel.times.entries]
    report["total_seconds"] = kernel.times.total()
    (out / f"{target.out_name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _compile_tuned(kernel, out: Path, stem: str) -> list[dict]:
    """The kernel's remembered tuned plans on this machine (``polyopt tune``), each compiled to
    ``NAME.tunedK.c`` / ``.so`` beside the default build; their records for the report."""
    records = []
    for k, entry in enumerate(sorted(kernel.tuned_results().values(), key=lambda e: e.size_class)):
        c_path = out / f"{stem}.tuned{k}.c"
        c_path.write_text(kernel.c_source(plan=entry.plan))
        so_path = out / f"{stem}.tuned{k}.so"
        _write_library(kernel.compile(plan=entry.plan).path, str(c_path), so_path)
        records.append({"sizes": entry.sizes, "size_class": entry.size_class, "when": entry.when,
                        "speedup": entry.speedup, "changes": list(entry.changes), "c_file": str(c_path),
                        "library": str(so_path)})
    return records


def _write_library(cached: str, c_path: str, so_path: Path) -> None:
    """Copy the library from the cache; with the cache off (no file left) compile it again."""
    if cached and Path(cached).is_file():
        shutil.copyfile(cached, so_path)
        return
    from ..runtime.toolchain import compile_shared

    cfg = config.current()
    compile_shared(c_path, str(so_path), cfg.cc, cfg.all_cflags)


def schedule_report(sched) -> dict:
    """The JSON-ready content of a Schedule: what was modelled, found and decided."""
    scop, deps = sched.scop, sched.dependences
    loops = [(lp, b) for b in sched.bands for lp in (*b.tile_loops, *b.loops)]
    opts = sched.options
    return {
        "options": {"scheduler": opts.scheduler, "tile": opts.tile, "fuse": opts.fuse,
                    "parallel": opts.parallel, "vectorize": opts.vectorize},
        "statements": [{"name": s.name, "iterators": list(s.iterators), "domain": str(s.domain),
                        "source": s.source_line.strip() if s.source_line else "",
                        "transform": list(sched.transforms.get(s.name, ()))}
                       for s in scop.statements],
        "dependences": [{"kind": d.kind, "source": d.source, "sink": d.sink, "array": d.array,
                         "distance": list(d.distance) if d.distance is not None else None,
                         "direction": d.direction, "text": d.describe()} for d in deps.edges],
        "bands": [{"statements": list(b.statements), "permutable": b.permutable,
                   "tile_sizes": list(b.tile_sizes) if b.tile_sizes else None,
                   "tile_loops": [_loop(lp) for lp in b.tile_loops],
                   "loops": [_loop(lp) for lp in b.loops], "note": b.note} for b in sched.bands],
        "parallel_loops": [_where(lp, b) for lp, b in loops if lp.kind in (PARALLEL, PIPELINED)],
        "simd_loops": [_where(lp, b) for lp, b in loops if lp.kind == SIMD],
        "tile_sizes": [list(b.tile_sizes) for b in sched.bands if b.tile_sizes],
        "fusion": [list(g) for g in sched.fusion],
        "decisions": list(sched.decisions),
        # loops whose printed C is not what was decided, and why (empty when all are as decided)
        "printed_otherwise": sorted({f"band {e.info.band} loop {e.info.name}: {e.note or e.kind}"
                                     for e in sched.emitted or () if not e.as_decided}),
    }


def _detail(report: dict) -> str:
    """The progress line's fact about a compiled kernel."""
    tuned = f", {len(report['tuned'])} tuned plan(s)" if report.get("tuned") else ""
    return (f"{len(report['bands'])} band(s), {len(report['parallel_loops'])} parallel{tuned}, "
            f"{report['total_seconds']:.1f} s")


def _loop(lp) -> dict:
    return {"name": lp.name, "kind": lp.kind, "reason": lp.reason, "reductions": list(lp.reductions),
            "collapse": lp.collapse, "min_work": lp.min_work}


def _where(lp, band) -> str:
    return f"{lp.name} [{', '.join(band.statements)}]" + (" (pipelined)" if lp.kind == PIPELINED else "")


def compile_targets(targets: list[Target], options: dict, out_dir: str, *, executor=None,
                    progress=None, starting=None) -> list[dict]:
    """Compile every target into ``out_dir`` (created); reports in target order.

    ``executor``: None (here, serially) or anything with ``submit`` -- a ProcessPoolExecutor or a
    Dask ``distributed.Client`` (its workers need polyopt and access to the kernel files).
    ``progress(report)`` / ``starting(target)``: called as each kernel finishes / starts (see
    :func:`~polyopt.cli.common.run_jobs`).
    """
    ensure_dir(out_dir)
    return run_jobs(compile_one, targets, (options, str(Path(out_dir).resolve())),
                    executor=executor, progress=progress, starting=starting)


def run(args, executor=None) -> int:
    """The ``compile`` command."""
    options = schedule_overrides(args)
    targets, failures = collect(args.paths)
    out_dir = ensure_dir(args.output)
    progress, starting, finished = track(targets, "compile", args, _detail)
    with progress:
        reports = compile_targets(targets, options, str(out_dir), executor=executor, progress=finished,
                                  starting=starting)
    rows = []
    for r in reports:
        times = {t["pass"]: t["seconds"] for t in r.get("times", [])}
        rows.append([r["name"], r["status"], len(r.get("statements", [])), len(r.get("dependences", [])),
                     len(r.get("bands", [])), len(r.get("parallel_loops", [])), len(r.get("simd_loops", [])),
                     f"{times.get('schedule', 0) * 1e3:.1f}", f"{r.get('total_seconds', 0) * 1e3:.1f}"])
    for f in failures:
        rows.append([Path(f.file).name, "error", "", "", "", "", "", "", ""])
    print(format_table(["kernel", "status", "stmts", "deps", "bands", "parallel", "simd",
                        "sched ms", "total ms"], rows))
    failed = [r for r in reports if r["status"] != "ok"]
    for r in failed:
        print(f"\n{r['name']} ({r['file']}): {r['error']}")
    for f in failures:
        print(f"\n{f.file}: {f.message}")
    for r in reports:
        for t in r.get("tuned", []):
            sizes = ", ".join(f"{k}={v}" for k, v in sorted(t["sizes"].items()))
            print(f"{r['name']}: tuned plan for sizes like {sizes} ({t['speedup']:.2f}x at tuning, {t['when']}) "
                  f"in {Path(t['library']).name}")
    n_bad = len(failed) + len(failures)
    print(f"\n{len(reports) - len(failed)} compiled, {n_bad} failed; output in {out_dir}")
    if n_bad:
        bad = failed[0]["error"] if failed else failures[0].message
        print(f"polyopt compile: {n_bad} failed (first: {first_line(bad)})", file=sys.stderr)
    return 1 if n_bad else 0
