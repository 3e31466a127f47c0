"""The schedule stage's passes (polyopt.schedule.passes): loop order, tiling, wavefront, sinking,
distribution, loop kinds, reductions, the decisions given by a plan, and the mark contract."""

import islpy as isl
import pytest

from polyopt.schedule import ScheduleOptions, compute_schedule
from polyopt.schedule.loops import LOOP_MARK, PARALLEL, PIPELINED, SERIAL, SIMD, LoopInfo

from .conftest import carries_dependence, loop, loop_marks, make_deps, stmt


def schedule(deps, **opts):
    return compute_schedule(deps, ScheduleOptions(**opts))


def kinds(infos):
    return [(i.name, i.kind) for i in infos]


@pytest.mark.parametrize("scheduler", ["pluto", "isl"])
def test_gemm_tiled_parallel_outer_point_order_ikj_simd_j(kernel_deps, scheduler):
    s = schedule(kernel_deps("gemm"), scheduler=scheduler)
    band = s.bands[-1]  # the product (ours puts C *= beta in a loop nest of its own before it)
    assert band.statements[-1] == "S1" and band.permutable
    assert band.tile_sizes == (32, 128, 32)  # j, the SIMD loop, gets 128
    assert kinds(band.tile_loops) == [("i_tile", PARALLEL), ("j_tile", SERIAL), ("k_tile", SERIAL)]
    if scheduler == "pluto":  # with its register tile
        assert kinds(band.loops) == [("i_reg", SERIAL), ("j_reg", SERIAL), ("k", SERIAL), ("i", SERIAL),
                                     ("j", SIMD)]
        assert band.loops[2].reductions == ("C[i, j]",) and band.loops[2].block
    else:
        assert kinds(band.loops) == [("i", SERIAL), ("k", SERIAL), ("j", SIMD)]
        assert band.loops[1].reductions == ("C[i, j]",)
    assert "inside parallel loop i_tile" in band.loops[0].reason


def test_gemm_untiled_is_still_reordered(kernel_deps):
    band = schedule(kernel_deps("gemm"), tile=False).bands[-1]
    assert band.tile_sizes is None and band.note == "tiling disabled"
    assert kinds(band.loops) == [("i", PARALLEL), ("k", SERIAL), ("j", SIMD)]


def test_tile_sizes_per_dimension(kernel_deps):
    init, product = schedule(kernel_deps("gemm"), tile=(8, 3, 5)).bands
    assert init.tile_sizes == (8, 3) and product.tile_sizes == (8, 3, 5)
    product = schedule(kernel_deps("gemm"), tile=16).bands[-1]
    assert product.tile_sizes == (16, 16, 16)


def test_options_disable_parallel_and_simd(kernel_deps):
    bands = schedule(kernel_deps("gemm"), parallel=False, vectorize=False).bands
    assert {i.kind for band in bands for i in band.tile_loops + band.loops} == {SERIAL}
    band = schedule(kernel_deps("gemm"), parallel=False).bands[-1]
    assert [i.kind for i in band.loops] == [SERIAL] * 4 + [SIMD]


def test_reduction_is_recognised_serial_across_threads_and_simd_across_lanes(kernel_deps):
    s = schedule(kernel_deps("matvec"), reassociate=True)
    init, band = s.bands
    assert init.statements == ("S0",) and kinds(init.loops) == [("i", PARALLEL)]
    assert kinds(band.tile_loops) == [("i_tile", PARALLEL), ("j_tile", SERIAL)]
    # j stays innermost: with i innermost each step of A[i, j] would fetch a new cache line and no
    # loop of the band reuses A's elements (they stream), whatever j carries
    i, j = band.loops
    assert (j.name, j.kind, j.reductions, j.reduce) == ("j", SIMD, ("y[i]",), (("y", "+", "S1"),))
    assert (i.name, i.kind) == ("i", SERIAL)
    assert "reduction on y[i]: simd, lanes combined (reassociates)" in j.reason
    assert "reduction on y[i] along j_tile: kept serial" in band.tile_loops[1].reason
    serial = schedule(kernel_deps("matvec"), reassociate=False).bands[1].loops[1]
    assert (serial.kind, serial.reduce) == (SERIAL, ()) and "kept serial" in serial.reason
    # by default the rows' parallel loop keeps the original rounding: no lanes inside it
    tiled = schedule(kernel_deps("matvec"), tile=(32, 32)).bands[1].loops[1]
    assert (tiled.kind, tiled.reduce) == (SERIAL, ())
    assert "loop i_tile is parallel without reassociating; reassociate=True would" in tiled.reason
    # ... and under tile=True the band, which streams A, is not tiled: 8 rows' sums run at once
    default = schedule(kernel_deps("matvec")).bands[1]
    assert default.tile_loops == () and "a sum along j that streams A" in default.note
    i_jam, exact, i = default.loops
    assert (i_jam.name, i_jam.kind) == ("i_jam", PARALLEL)
    assert (exact.name, exact.kind, exact.reduce) == ("j", SERIAL, ())
    assert (i.name, i.unroll, i.reason) == ("i", True, "unrolled by 8 and jammed")
    for info, node, _ in loop_marks(s.tree):  # never racy: only the reduction is carried, by j
        if info.kind in (PARALLEL, SIMD) and not info.reduce:
            assert not carries_dependence(node, s.dependences.all)


def test_matvec_untiled_i_parallel_j_reduction(kernel_deps):
    band = schedule(kernel_deps("matvec"), tile=False, reassociate=True).bands[-1]
    assert kinds(band.loops) == [("i", PARALLEL), ("j", SIMD)]
    assert band.loops[1].reductions == ("y[i]",) and band.loops[1].reduce == (("y", "+", "S1"),)


@pytest.mark.parametrize("name", ["jacobi_1d", "jacobi_2d", "seidel_2d", "fdtd_2d"])
def test_stencils_get_a_wavefront_over_tiles(kernel_deps, name):
    s = schedule(kernel_deps(name))
    (band,) = s.bands
    depth = len(band.loops)
    assert band.tile_sizes[0] == (128 if depth == 2 else 32) and len(band.tile_sizes) == depth
    assert band.tile_loops[0].kind == PIPELINED and band.tile_loops[0].name.startswith("t_")
    assert band.tile_loops[1].kind == PARALLEL
    assert band.loops[0].name == "t"
    assert any("wavefront" in d and "parallel" in d for d in s.decisions)
    assert all(i.kind == SERIAL for i in band.loops[:-1])  # every outer point loop carries a dependence
    if name == "seidel_2d":  # one statement: its innermost loop carries A[i, j - 1] -> A[i, j]
        assert band.loops[-1].kind == SERIAL and "carries RAW" in band.loops[-1].reason
        assert band.tile_sizes == (32, 32, 32)
    else:  # the innermost loop is distributed over the statements: each copy is a SIMD loop
        assert band.loops[-1].kind == SIMD and band.loops[-1].reason.startswith("distributed over (S0, ")
        # A 2-deep wavefronted band (jacobi_1d) keeps square tiles: isl's AST build blows up otherwise.
        assert band.tile_sizes[-1] == 128 or name in ("fdtd_2d", "jacobi_1d")


def test_distributed_innermost_loops_are_simd_copies_in_dependence_order(kernel_deps):
    s = schedule(kernel_deps("jacobi_2d"))
    assert any("innermost loop t_j distributed over (S0, S1)" in d for d in s.decisions)
    simd = [node for info, node, _ in loop_marks(s.tree) if info.kind == SIMD]
    # one copy per statement, S0 (writes B) before S1 (reads B), each free of carried dependences
    assert [n.get_domain().get_set_list().get_at(0).get_tuple_name() for n in simd] == ["S0", "S1"]
    assert not any(carries_dependence(n, s.dependences.all) for n in simd)


def test_no_distribution_when_the_innermost_loop_is_already_clean(kernel_deps):
    s = schedule(kernel_deps("gemm"))
    assert not any("distributed" in d for d in s.decisions)
    assert not any("distributed" in d for d in schedule(kernel_deps("seidel_2d")).decisions)
    assert not any("distributed" in d for d in schedule(kernel_deps("jacobi_2d"), vectorize=False).decisions)


def test_no_wavefront_without_tiling_or_parallelism(kernel_deps):
    (band,) = schedule(kernel_deps("jacobi_1d"), tile=False).bands
    # untiled: t carries everything; the distributed inner copies are SIMD loops (a parallel region
    # per time step for one row costs more than it gains)
    assert [i.kind for i in band.loops] == [SERIAL, SIMD]
    (band,) = schedule(kernel_deps("jacobi_1d"), parallel=False).bands
    assert PIPELINED not in [i.kind for i in band.tile_loops]


@pytest.mark.parametrize("name", ["lu", "cholesky"])
def test_triangular_kernels_have_a_parallel_tile_loop(kernel_deps, name):
    s = schedule(kernel_deps(name))
    (band,) = s.bands
    # lu's innermost j is a SIMD loop (longer tile); cholesky's carries a dependence
    assert band.tile_sizes == {"lu": (32, 32, 128), "cholesky": (32, 32, 32)}[name]
    assert PARALLEL in [i.kind for i in band.tile_loops]


def test_inner_parallel_loop_when_outer_carries():
    # for i: for j: A[i, j] = A[i - 1, j]: i carries, j is parallel (not i)
    deps = make_deps("rows", "N", [loop("i", 1, "N", loop("j", 0, "N", stmt("A[i, j]", "A[i - 1, j]")))])
    (band,) = schedule(deps, tile=False).bands
    # j is innermost: a parallel region per row would cost more than it gains; it is a SIMD loop
    assert kinds(band.loops) == [("i", SERIAL), ("j", SIMD)]
    assert band.loops[0].reason == "carries RAW on A from S0[i, j] to S0[i + 1, j]"
    assert band.loops[1].reason.endswith("not parallel: an innermost loop inside a serial loop")
    # tiled, the tile loop over j is the parallel one
    (band,) = schedule(deps).bands
    assert kinds(band.tile_loops)[0] == ("j_tile", PARALLEL)


def test_serial_reason_names_the_dependence_in_decisions():
    deps = make_deps("scan", "N", [loop("i", 1, "N", stmt("A[i]", "A[i - 1]", "B[i]"))])
    s = schedule(deps)
    assert s.bands[0].loops[0].kind == SERIAL
    assert "i not parallel: RAW on A from S0[i] to S0[i + 1]" in s.decisions


def test_marks_follow_the_codegen_contract(kernel_deps):
    s = schedule(kernel_deps("2mm"))
    marks = loop_marks(s.tree)
    assert len(marks) == sum(len(b.loops) + len(b.tile_loops) for b in s.bands)
    for info, node, ancestors in marks:
        assert isinstance(info, LoopInfo)
        assert node.get_type() == isl.schedule_node_type.band and node.band_n_member() == 1
        if info.kind == PARALLEL:  # no nested omp parallel
            assert PARALLEL not in [a.kind for a in ancestors]
    assert set(_marks(s.tree)) == {LOOP_MARK}


def _marks(tree):
    """The names of all mark nodes (read inside the callback: the nodes are not kept alive)."""
    out = []
    tree.get_root().foreach_descendant_top_down(
        lambda n: (out.append(n.mark_get_id().get_name()) if n.get_type() == isl.schedule_node_type.mark
                   else None) or True)
    return out


def test_none_scheduler_has_serial_marks_and_no_tiling(kernel_deps):
    """The original loops keep their names (serial marks) and are neither tiled nor parallel."""
    s = schedule(kernel_deps("gemm"), scheduler="none")
    assert set(_marks(s.tree)) == {LOOP_MARK}
    assert all(b.tile_sizes is None and len(b.loops) == 1 and b.loops[0].kind == SERIAL for b in s.bands)
    assert [b.loops[0].name for b in s.bands] == ["i", "j", "k"]


def test_every_pass_is_timed_under_its_name(kernel_deps):
    s = schedule(kernel_deps("jacobi_2d"))
    names = [n for n, _ in s.timings]
    assert names[0] == "pluto" and names[-2:] == ["isl tree", "legality"]
    assert names[1:-2] == ["order", "tile", "wavefront", "sink", "distribute", "jam", "registers", "kinds", "hold",
                          "pack"]


def test_a_plan_of_the_original_loops_cannot_change_them(kernel_deps):
    from dataclasses import replace

    from polyopt.errors import ScheduleError

    s = schedule(kernel_deps("gemm"), scheduler="none")
    plan = s.plan
    band = plan.bands[0]
    assert not band.permutable
    other = replace(plan, bands=(replace(band, order=band.loops),) + plan.bands[1:])
    compute_schedule(kernel_deps("gemm"), plan=other)  # its own order is fine
    with pytest.raises(ScheduleError, match="changes the original loops"):
        compute_schedule(kernel_deps("gemm"), plan=replace(plan, bands=(replace(band, order=("q",)),)
                                                             + plan.bands[1:]))
