"""Loop printing: OpenMP pragmas from marks, private temporaries, full-tile isolation, gemm."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import islpy as isl
import numpy as np
import pytest

import polyopt as po
from polyopt.errors import CodegenError
from polyopt.schedule.loops import PARALLEL, PIPELINED, SERIAL, SIMD

from .conftest import compile_kernel, mark, mupa

N, M, K = po.symbols("N M K")
rng = np.random.default_rng(7)


def gemm(alpha: po.f64, beta: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            C[i, j] *= beta
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


def gemm_tree(tile=32, outer=PARALLEL, inner=SIMD):
    """S0: (i, j) with marks; S1: (i, k, j) tiled, tile loop i marked ``outer``, point j ``inner``."""
    def build(scop):
        root = isl.Schedule.from_domain(scop.domain()).get_root()
        filters = isl.UnionSetList.from_union_set(isl.UnionSet("{ S0[i, j] }"))
        seq = root.child(0).insert_sequence(filters.add(isl.UnionSet("{ S1[i, k, j] }")))
        n = seq.child(0).child(0).insert_partial_schedule(mupa(scop, {"S0": ["i"]}))
        n = mark(n, outer).child(0).insert_partial_schedule(mupa(scop, {"S0": ["j"]}))
        n = mark(n, inner)
        n = n.get_schedule().get_root().child(0).child(1).child(0)
        n = n.insert_partial_schedule(mupa(scop, {"S1": ["i", "k", "j"]}))
        n = n.band_tile(isl.MultiVal(f"{{ [{tile}, {tile}, {tile}] }}")).band_split(1)
        n = mark(n, outer).child(0).band_split(1).child(0).child(0)  # point band (i, k, j)
        n = mark(n.band_split(2).child(0), inner)
        return n.get_schedule()
    return build


def _pragma_loops(text: str) -> list[tuple[str, str]]:
    """(pragma, loop variable) for each pragma, with the loop that follows it."""
    return re.findall(r"#pragma (omp [a-z ]+)\n\s*for \(long (c\d+)", text)


@pytest.fixture(scope="module")
def tiled_gemm():
    return compile_kernel(gemm, gemm_tree())


def test_pragmas_exactly_on_marked_loops(tiled_gemm):
    text = tiled_gemm.text
    found = _pragma_loops(text)
    assert text.count("#pragma") == len(found)  # every pragma is directly on a for loop
    kinds = {p for p, _ in found}
    assert kinds == {"omp parallel for", "omp simd"}
    # S0's i and the tile loop of S1 are the parallel loops; every simd loop is innermost.
    assert [v for p, v in found if p == "omp parallel for"] == ["c0", "c0"]
    for m in re.finditer(r"#pragma omp simd\n\s*for \([^)]*\)\s*\{([^{}]*)\}", text):
        assert "for (" not in m.group(1)


def test_no_pragma_without_a_mark_or_for_other_kinds():
    plain = compile_kernel(gemm)
    assert "#pragma" not in plain.text
    other = compile_kernel(gemm, gemm_tree(outer=PIPELINED, inner=SERIAL))
    assert "#pragma" not in other.text


def test_loop_tests_are_not_parenthesized(tiled_gemm):
    for cond in re.findall(r"for \(long c\d+ = [^;]*; ([^;]*);", tiled_gemm.text):
        assert not cond.startswith("(")


def test_full_tiles_are_isolated_with_constant_bounds(tiled_gemm):
    text = tiled_gemm.text
    assert re.search(r"for \(long c5 = 0; c5 <= 31; c5 \+= 1\)", text)
    plain = compile_kernel(gemm, gemm_tree(), separate_tiles=False)
    assert not re.search(r"for \(long c5 = 0; c5 <= 31; c5 \+= 1\)", plain.text)


@pytest.mark.parametrize("n, m, k", [(70, 45, 100), (1, 1, 1), (64, 64, 64), (33, 1, 2)])
def test_tiled_gemm_matches_numpy(tiled_gemm, n, m, k):
    A, B, C = rng.random((n, k)), rng.random((k, m)), rng.random((n, m))
    expected = 0.5 * C + 1.5 * (A @ B)
    tiled_gemm.kernel(1.5, 0.5, C, A, B)
    np.testing.assert_allclose(C, expected, rtol=1e-12)


def test_gemm_inner_loop_vectorizes(tiled_gemm, tmp_path):
    c_file = tmp_path / "gemm.c"
    c_file.write_text(tiled_gemm.text)
    proc = subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", "-fPIC", "-shared",
                           "-fopt-info-vec-optimized", "-o", str(tmp_path / "g.so"), str(c_file)],
                          capture_output=True, text=True, check=True)
    lines = tiled_gemm.text.splitlines()
    loop_line = next(k + 1 for k, ln in enumerate(lines) if "c5 <= 31" in ln)  # the full-tile loop
    # gcc names the line of the loop's statement: `for` line, `{`, statement.
    vectorized = {int(m) for m in re.findall(r"gemm\.c:(\d+):\d+: optimized: loop vectorized", proc.stderr)}
    assert vectorized & {loop_line, loop_line + 1, loop_line + 2}


def scaled_temp(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            t = A[i, j] * 2.0
            B[i, j] = t * t + 1.0


def _two_loops(kind_i, kind_j):
    def build(scop):
        band = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
        n = band.insert_partial_schedule(mupa(scop, {"S0": ["i"], "S1": ["i"]}))
        n = mark(n, kind_i).child(0).insert_partial_schedule(mupa(scop, {"S0": ["j"], "S1": ["j"]}))
        n = mark(n, kind_j).child(0)
        seq = isl.UnionSetList.from_union_set(isl.UnionSet("{ S0[i, j] }")).add(isl.UnionSet("{ S1[i, j] }"))
        return n.insert_sequence(seq).get_schedule()
    return build


def test_temporaries_in_parallel_loops_are_private():
    k = compile_kernel(scaled_temp, _two_loops(PARALLEL, SIMD))
    text = k.text
    # declared inside the innermost loop body, after both pragmas
    assert text.index("double t = 0.0;") > text.index("#pragma omp simd")
    A = rng.random((13, 7))
    B = np.zeros((13, 7))
    k.kernel(A, B)
    np.testing.assert_allclose(B, (2 * A) ** 2 + 1)


def running(A: po.f64[N], B: po.f64[N]):
    s = 0.0
    for i in range(N):
        s = s + A[i]
        B[i] = s


def test_parallel_loop_sharing_a_temporary_is_rejected():
    def build(scop):
        band = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
        filters = isl.UnionSetList.from_union_set(isl.UnionSet("{ S0[] }")).add(
            isl.UnionSet("{ S1[i]; S2[i] }"))
        seq = band.insert_sequence(filters)
        n = seq.child(1).child(0).insert_partial_schedule(mupa(scop, {"S1": ["i"], "S2": ["i"]}))
        n = mark(n, PARALLEL).child(0)
        return n.insert_sequence(isl.UnionSetList.from_union_set(isl.UnionSet("{ S1[i] }")).add(
            isl.UnionSet("{ S2[i] }"))).get_schedule()
    with pytest.raises(CodegenError, match="temporary 's'"):
        compile_kernel(running, build)


def test_reduction_marks_are_printed_serial_with_a_note():
    def build(scop):
        band = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
        n = band.insert_partial_schedule(mupa(scop, {"S0": ["i"], "S1": ["i"]}))
        n = mark(n, PARALLEL).child(0).insert_partial_schedule(mupa(scop, {"S0": ["j"], "S1": ["j"]}))
        n = mark(n, PARALLEL, reductions=("B[i, j]",)).child(0)
        seq = isl.UnionSetList.from_union_set(isl.UnionSet("{ S0[i, j] }")).add(isl.UnionSet("{ S1[i, j] }"))
        return n.insert_sequence(seq).get_schedule()
    text = compile_kernel(scaled_temp, build).text
    assert text.count("#pragma omp parallel for") == 1
    assert "reduction on B[i, j]" in text


def stencil(A: po.f64[N + 2], T: int):
    for t in range(T):  # noqa: B007 - `t` names the time dimension in the hand-made schedule
        for i in range(1, N + 1):
            A[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0


def test_skewed_tiles_are_not_isolated_but_rectangular_ones_are(tiled_gemm):
    from polyopt.codegen.ast_build import isolate_full_tiles

    def skewed(scop):
        band = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
        band = band.insert_partial_schedule(mupa(scop, {"S0": ["t", "t + i"]}))
        return band.band_tile(isl.MultiVal("{ [8, 8] }")).get_schedule()

    k = compile_kernel(stencil, skewed)
    ctx = k.scop.context.params()
    assert isolate_full_tiles(k.schedule.tree, ctx)[1] == 0
    assert isolate_full_tiles(tiled_gemm.schedule.tree, tiled_gemm.scop.context.params())[1] == 1
    for n, steps in [(1, 1), (20, 3), (9, 17)]:
        k.check(rng.random(n + 2), steps)


def test_errors_inside_isl_callbacks_become_codegen_errors(tiled_gemm):
    from polyopt.codegen.ast_build import build_ast

    wrong = {"S0": 5, "S1": 3}  # S0 has two iterators: the at_each_domain callback raises
    with pytest.raises(CodegenError, match="S0 has 2 iterators"):
        build_ast(tiled_gemm.schedule.tree, tiled_gemm.scop.context, wrong, {})


def test_a_loop_mark_without_loop_info_is_rejected():
    def build(scop):
        band = isl.Schedule.from_domain(scop.domain()).get_root().child(0)
        band = band.insert_partial_schedule(mupa(scop, {"S0": ["i", "j"], "S1": ["i", "j"]}))
        return band.insert_mark(isl.Id("polyopt_loop", user="parallel")).get_schedule()
    with pytest.raises(CodegenError, match="without a LoopInfo"):
        compile_kernel(scaled_temp, build)


def test_trip_counts_of_printed_loops():
    from polyopt.codegen import cexpr as ce
    from polyopt.codegen.emit import _trip_count
    from polyopt.codegen.printer import Loop

    c0, c3 = ce.Var("c0"), ce.Var("c3")
    tile = Loop("c3", 0, c0, ce.Binary("<=", c3, ce.add(c0, ce.IntLit(2))), ce.IntLit(1), [])
    assert _trip_count(tile) == 3
    strided = Loop("c3", 0, c0, ce.Binary("<", c3, ce.add(c0, ce.IntLit(32))), ce.IntLit(8), [])
    assert _trip_count(strided) == 4
    partial = Loop("c3", 0, c0, ce.Binary("<=", c3, ce.Call("min", (ce.Var("N"), c0))), ce.IntLit(1), [])
    assert _trip_count(partial) is None
    assert _trip_count(Loop("c3", 0, c0, ce.Binary("<", c3, ce.Var("N")), ce.IntLit(1), [])) is None


def test_only_serial_reductions_gcc_would_unroll_into_a_chain_are_kept_scalar():
    """keeps_order: gcc 12.2 miscompiles in-order sums of several terms per iteration; a sum of one
    term per iteration (a layer norm's row) or over a long inner loop keeps gcc's vectorizer."""

    def row_sums(A: po.f64[N, M], s: po.f64[N]):
        for i in range(N):
            for j in range(M):
                s[i] += A[i, j]

    kern = po.kernel(row_sums)
    assert "if(0)" not in kern.c_source(parallel=False, vectorize=False, tile=False)
    assert "if(0)" not in kern.c_source(parallel=False, vectorize=False, tile=32)
    small = kern.c_source(parallel=False, vectorize=False, tile=(4, 2))
    assert small.count("#pragma omp simd if(0)") >= 1
    assert all("#pragma omp simd" not in line or "if(0)" in line for line in small.splitlines())
    for n, m in ((1, 1), (5, 7), (9, 4)):
        a, want = rng.random((n, m)), rng.random(n)
        got = want.copy()
        kern.compile(parallel=False, vectorize=False, tile=(4, 2))(a, got)
        np.testing.assert_allclose(got, want + a.sum(axis=1), rtol=1e-12)


def row_sweep(P: po.f64[N, M], X: po.f64[N, M]):
    for i in range(N):
        for j in range(1, M):
            P[i, j] = 0.5 * P[i, j - 1] + X[i, j]


def closure(D: po.f64[N, N]):
    for k in range(N):
        for i in range(N):
            for j in range(N):
                D[i, j] = min(D[i, j], D[i, k] + D[k, j])


@pytest.mark.parametrize("func, innermost_recurrence, isolated", [
    (row_sweep, True, 0),  # j: P[i, j - 1] -> P[i, j] at distance 1: nothing vectorizes it
    (closure, False, 1),   # j carries D[i, k] only where j == k: gcc vectorizes it with a check
    ("lu", False, 0),      # the band's loops end above a sequence of SIMD loops with bounds of their own
])
def test_full_tiles_where_the_innermost_loop_can_vectorize(func, innermost_recurrence, isolated):
    from polyopt.codegen.ast_build import isolate_full_tiles
    from polyopt.suite import cases_in_file
    if isinstance(func, str):  # the suite's kernel
        solvers = Path(__file__).resolve().parents[3] / "kernels" / "solvers.py"
        k = next(c.kernel for c in cases_in_file(solvers) if c.name == func)
    else:
        k = po.kernel(func)
    s = k.schedule()
    innermost = s.bands[-1].loops[-1]
    assert innermost.recurrence is innermost_recurrence
    assert isolate_full_tiles(s.tree, s.scop.context.params())[1] == isolated


def test_a_strip_isl_printed_no_loop_for_is_taken_where_its_point_loop_starts():
    """The leftover column strip of a register tile: ``16 * floord(start, 16)`` with a start gcc sees
    is fixed in the loop (so the slot ``j - strip`` is contiguous, not a gather), unless the start
    names a loop below the strip's place; gemm's printed leftover strip has no ``floord(c7``."""
    from polyopt.codegen import cexpr as ce
    from polyopt.codegen.printer import Loop, unprinted_strip

    j, i = ce.Var("c7"), ce.Var("c6")
    start = ce.Binary("-", ce.Var("NJ"), ce.Binary("%", ce.Var("NJ"), ce.IntLit(16)))
    col = Loop("c7", 8, start, ce.Binary("<", j, ce.Var("NJ")), ce.IntLit(1), [])
    row = Loop("c6", 7, ce.Var("c3"), ce.Binary("<", i, ce.Var("NI")), ce.IntLit(1), [col])
    assert ce.to_c(unprinted_strip(j, [row, col], 16)) == "16 * floord(NJ - NJ % 16, 16)"
    triangle = Loop("c7", 8, i, ce.Binary("<", j, ce.Var("NJ")), ce.IntLit(1), [])
    assert ce.to_c(unprinted_strip(j, [row, triangle], 16)) == "16 * floord(c7, 16)"
    source = po.kernel(gemm).c_source()
    assert [line for line in source.splitlines() if "floord(c" in line] == []
    assert "floord(-((M + 16) % 16) + M, 16)" in source


def test_a_collapse_stops_where_isl_printed_no_loop_for_the_next_tile_loop():
    """A tile of at least a loop's extent is one tile: isl prints no loop for it, and the loop
    directly inside the parallel one is another (the reduction tile loop): it must not join the
    collapse (the emitted-code check refused gemm's region with constant sizes, NJ = 221 < 256)."""
    from polyopt.codegen import cexpr as ce
    from polyopt.codegen.printer import Loop, collapse_parallel

    c0 = ce.Var("c0")
    for inner_var, collapsed, short in (("c2", 1, "loop c2 is not the next loop of the schedule"), ("c1", 2, "")):
        v = ce.Var(inner_var)
        inner = Loop(inner_var, 1, ce.IntLit(0), ce.Binary("<", v, ce.IntLit(240)), ce.IntLit(128), [])
        outer = Loop("c0", 0, ce.IntLit(0), ce.Binary("<", c0, ce.IntLit(203)), ce.IntLit(128), [inner],
                     kind=PARALLEL, collapse=2)
        collapse_parallel([outer])
        assert (outer.collapsed, outer.short) == (collapsed, short), inner_var
