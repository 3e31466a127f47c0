"""Register tiles of contractions (polyopt.schedule.passes.registers) and their blocks in the
generated code (polyopt.codegen.register_blocks; the emitted-code check of the blocks is tested
with the check, in tests/unit/codegen/test_verify.py)."""

import re
from dataclasses import replace

import numpy as np
import pytest

import polyopt as po
from polyopt.errors import ScheduleError
from polyopt.schedule.loops import SERIAL, SIMD

N, M, K = po.symbols("N M K")


def gemm_nt(C: po.f32[N, M], A: po.f32[N, K], B: po.f32[M, K]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * B[j, k]


def matmul(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for k in range(K):
            for j in range(M):
                C[i, j] += A[i, k] * B[k, j]


def diagonal_sum(C: po.f64[N + M], A: po.f64[N, M, K]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i + j] += A[i, j, k]


def stencil(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(1, N - 1):
        for j in range(1, M - 1):
            B[i, j] = A[i - 1, j] + A[i + 1, j] + A[i, j]


def _band(plan):
    return next(b for b in plan.bands if b.registers is not None and b.statements == ("S0",))


def test_a_contraction_gets_a_register_tile_sized_by_its_element_type():
    plan = po.kernel(matmul).schedule().plan
    band = _band(plan)
    assert band.registers == ("i", 4, "j", 16)  # 128 bytes of doubles
    loops = {lp.name: lp for lp in band.kinds}
    assert [lp.name for lp in band.kinds][-5:] == ["i_reg", "j_reg", "k", "i", "j"]
    assert loops["k"].kind == SERIAL and "holds the 4x16 block of C" in loops["k"].reason
    assert loops["i"].unroll_by == 4 and loops["j"].kind == SIMD
    assert _band(po.kernel(gemm_nt).schedule().plan).registers == ("i", 4, "j", 32)  # floats


def test_sixteen_simd_registers_get_a_narrower_register_tile_in_whole_row_tiles(simd_registers):
    """With 16 registers (AVX2) a 4x16 block of doubles is 16 accumulators and leaves none for the
    loads: 6x8 (12 accumulators), in row tiles of 96, a whole number of 6-row strips."""
    simd_registers(16)
    schedule = po.kernel(matmul).schedule()
    band = _band(schedule.plan)
    assert band.registers == ("i", 6, "j", 8) and band.tile[0] == 96
    assert _band(po.kernel(gemm_nt).schedule().plan).registers == ("i", 6, "j", 16)  # floats
    assert "register tile 6x8 over (i, j)" in str(schedule)
    rng = np.random.default_rng(0)
    for n, m, kk in ((97, 30, 5), (13, 17, 33)):  # a partial row tile and partial strips
        C, A, B = rng.random((n, m)), rng.random((n, kk)), rng.random((kk, m))
        want = C + A @ B
        po.kernel(matmul)(C, A, B)
        assert np.allclose(C, want, rtol=1e-12, atol=1e-12)


def test_a_register_tile_is_a_plan_decision():
    k = po.kernel(matmul)
    plan = k.schedule().plan
    index = plan.bands.index(_band(plan))
    off = k.schedule(plan=plan.with_band(index, registers=())).plan
    assert _band(off).registers == () and "_reg" not in " ".join(lp.name for lp in _band(off).kinds)
    wide = k.schedule(plan=plan.with_band(index, registers=("i", 8, "j", 8))).plan
    assert _band(wide).registers == ("i", 8, "j", 8)
    assert "register tile 8x8 over (i, j)" in str(wide)
    swapped = k.schedule(plan=plan.with_band(index, registers=("j", 2, "i", 4))).plan
    assert [lp.name for lp in _band(swapped).kinds][-2:] == ["j", "i"]


@pytest.mark.parametrize("registers, message", [
    (("i", 4, "k", 16), "must be two of"),
    (("i", 4, "i", 16), "must be two of"),
    (("i", 0, "j", 16), "mr 0 is not an int"),
    (("i", 4, "j", 1000), "nr 1000 is not an int"),
    (("i", 4), "must be (row loop, mr, column loop, nr)"),
])
def test_bad_register_tiles_are_refused(registers, message):
    k = po.kernel(matmul)
    plan = k.schedule().plan
    index = plan.bands.index(_band(plan))
    with pytest.raises(ScheduleError, match=re.escape(message)):
        k.schedule(plan=plan.with_band(index, registers=registers))


def test_no_register_tile_where_the_loops_do_not_move_the_element_apart():
    k = po.kernel(diagonal_sum)  # C[i + j]: the scheduler's band of k holds no loop that moves it
    plan = k.schedule().plan
    assert all(not b.registers for b in plan.bands)
    index = next(i for i, b in enumerate(plan.bands) if "k" in b.loops)
    with pytest.raises(ScheduleError, match="has no register tile: fewer than two loops move the element of C"):
        k.schedule(plan=plan.with_band(index, registers=("i", 4, "j", 16)))


def test_a_band_that_is_no_contraction_has_no_register_tile():
    k = po.kernel(stencil)
    plan = k.schedule().plan
    assert all(not b.registers for b in plan.bands)
    with pytest.raises(ScheduleError, match="no register tile: it does not accumulate into one element of B"):
        k.schedule(plan=plan.with_band(0, registers=("i", 4, "j", 16)))


def test_register_tile_and_jam_exclude_each_other():
    k = po.kernel(matmul)
    plan = k.schedule().plan
    index = plan.bands.index(_band(plan))
    with pytest.raises(ScheduleError, match="unroll-and-jam"):
        k.schedule(plan=plan.with_band(index, jam=(("i", 2),), registers=("i", 4, "j", 16)))


def test_the_block_is_printed_around_the_reduction_loop():
    text = po.kernel(matmul).c_source()
    assert re.search(r"double polyopt_blk\d+\[4\]\[16\];", text)
    assert re.search(r"polyopt_blk\d+\[c\d+ - c\d+\]\[c\d+ - c\d+\] \+= A\[", text)
    assert "#pragma GCC unroll 4" in text


def matmul_nt(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[M, K]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * B[j, k]


def test_a_transposed_column_operand_is_packed_per_reduction_tile():
    k = po.kernel(matmul_nt)
    plan = k.schedule().plan
    band = _band(plan)
    assert band.pack == ("B",) and "B packed" in str(plan)
    tile = next(lp for lp in k.schedule().bands[0].tile_loops if lp.name == "k_tile")
    assert tile.pack[0] == "B" and tile.pack[4:7] == (32, 128, 16)  # kc, nc, nr
    index = plan.bands.index(band)
    assert _band(k.schedule(plan=plan.with_band(index, pack=())).plan).pack == ()
    text = k.c_source()
    assert re.search(r"double polyopt_pack\d+\[4096\];", text) and "polyopt_pack0[(" in text
    # B[k, j] is read in memory order already: not packed, and the schedule says why
    s = po.kernel(matmul).schedule()
    assert _band(s.plan).pack == ()
    assert any("nothing packed: B is read along j in memory order already" in line for line in s.decisions)


def test_only_the_column_operand_can_be_packed():
    k = po.kernel(matmul_nt)
    plan = k.schedule().plan
    index = plan.bands.index(_band(plan))
    with pytest.raises(ScheduleError, match="only B can be packed, not A"):
        k.schedule(plan=plan.with_band(index, pack=("A",)))
    with pytest.raises(ScheduleError, match="only the operands of a held register tile"):
        k.schedule(plan=plan.with_band(index, registers=(), pack=("B",)))
    # a column tile that is not a whole number of strips: no panel (refused when a plan asks for one)
    with pytest.raises(ScheduleError, match="B cannot be packed: the j tile"):
        k.schedule(plan=plan.with_band(index, tile=(32, 40, 32)))
    odd = k.schedule(plan=plan.with_band(index, tile=(32, 40, 32), pack=None))
    assert _band(odd.plan).pack == ()
    assert any("nothing packed: the j tile (40) is not a whole number of 16-column strips" in line
               for line in odd.decisions)


def lower_syrk(C: po.f64[N, N], A: po.f64[N, K]):
    for i in range(N):
        for j in range(i + 1):
            for k in range(K):
                C[i, j] += A[i, k] * A[j, k]


def test_512_bit_code_gets_8_row_register_tiles_and_packed_panels(monkeypatch):
    from polyopt import hardware

    monkeypatch.setattr(hardware, "simd_bytes", lambda: 64)
    square = po.kernel(matmul).schedule()
    band = _band(square.plan)
    assert band.registers == ("i", 8, "j", 16) and band.tile == (128, 256, 128)
    assert "B packed per k tile: 128x256 panels, 16 columns at a time" in str(square)
    source = po.kernel(matmul).c_source()
    assert "polyopt_ps += 16" in source  # the contiguous panel copied strip by strip
    triangle = _band(po.kernel(lower_syrk).schedule().plan)
    assert triangle.registers == ("i", 8, "j", 16) and triangle.tile[0] == 128


def test_a_parallel_tile_loop_over_a_triangle_hands_out_its_iterations_one_at_a_time():
    schedule = po.kernel(lower_syrk).schedule()
    head = next(lp for b in schedule.plan.bands for lp in b.kinds if lp.name == "i_tile")
    assert "iterations of unequal work: handed out one at a time" in str(schedule)
    assert "#pragma omp parallel for schedule(dynamic)" in po.kernel(lower_syrk).c_source()
    assert head.kind.value == "parallel"
    assert "schedule(dynamic)" not in po.kernel(matmul).c_source()  # a rectangle: equal blocks


def test_the_plan_records_the_dynamic_schedule_and_takes_it_back():
    kernel = po.kernel(lower_syrk)
    plan = kernel.schedule().plan
    band = next(k for k, b in enumerate(plan.bands) if any(lp.dynamic for lp in b.kinds))
    assert kernel.c_source(plan=plan) == kernel.c_source()
    kinds = tuple(replace(lp, dynamic=False) for lp in plan.bands[band].kinds)
    assert "schedule(dynamic)" not in kernel.c_source(plan=plan.with_band(band, kinds=kinds))
    serial = tuple(replace(lp, kind="serial", collapse=1, min_work=0) if lp.dynamic else lp
                   for lp in plan.bands[band].kinds)
    with pytest.raises(ScheduleError, match="only a parallel loop has a dynamic schedule"):
        kernel.schedule(plan=plan.with_band(band, kinds=serial))


def symm_update(C: po.f64[N, M], A: po.f64[N, N], B: po.f64[N, M]):
    for i in range(N):
        for j in range(M):
            for k in range(i):
                C[k, j] += B[i, j] * A[i, k]


def test_a_row_loop_bounded_by_the_reduction_gets_its_block_where_the_printed_tile_allows():
    kernel = po.kernel(symm_update)
    band = _band(kernel.schedule().plan)
    assert band.registers == ("k", 4, "j", 16)
    source = kernel.c_source()
    assert "polyopt_blk" in source  # held in the tiles off the diagonal
    assert "register block not held: the row or column loop's bounds depend on a reduction loop" in source
    rng = np.random.default_rng(5)
    C, A, B = rng.random((45, 37)), rng.random((45, 45)), rng.random((45, 37))
    expect = C + np.tril(A, -1).T @ B
    kernel(C, A, B)
    np.testing.assert_allclose(C, expect, rtol=1e-12)


def test_a_plan_that_packs_a_contiguous_operand_is_applied_on_a_machine_whose_default_does_not():
    kernel = po.kernel(matmul)  # 256-bit code pinned: the default packs nothing here
    plan = kernel.schedule().plan
    index = next(k for k, b in enumerate(plan.bands) if b.registers)
    assert not plan.bands[index].pack
    packed = kernel.schedule(plan=plan.with_band(index, pack=("B",)))
    assert "B packed per k tile" in str(packed)
    rng = np.random.default_rng(3)
    C, A, B = rng.random((37, 45)), rng.random((37, 29)), rng.random((29, 45))
    expect = C + A @ B
    kernel.compile(plan=packed.plan)(C, A, B)
    np.testing.assert_allclose(C, expect, rtol=1e-12)


def trmm_like(B: po.f64[N, M], A: po.f64[N, N]):
    for i in range(N):
        for j in range(M):
            for k in range(i + 1, N):
                B[i, j] += A[k, i] * B[k, j]  # rows below i, read before they are updated


def rows_above(B: po.f64[N, M], A: po.f64[N, N]):
    for i in range(N):
        for j in range(M):
            for k in range(i):
                B[i, j] += A[i, k] * B[k, j]  # rows above i, read after they are updated


def test_a_contraction_that_reads_its_array_before_writing_it_gets_a_register_tile():
    kernel = po.kernel(trmm_like)
    assert _band(kernel.schedule().plan).registers == ("i", 4, "j", 16)
    assert "polyopt_blk" in kernel.c_source()
    rng = np.random.default_rng(11)
    for n, m in ((1, 1), (9, 17), (45, 37)):
        B, A = rng.random((n, m)), rng.random((n, n))
        expect = B + np.tril(A, -1).T @ B
        kernel(B, A)
        np.testing.assert_allclose(B, expect, rtol=1e-12)


def test_no_register_tile_where_the_statement_reads_what_it_wrote():
    kernel = po.kernel(rows_above)
    schedule = kernel.schedule()
    assert not any(b.registers for b in schedule.plan.bands)
    assert "no register tile: it reads an element of B after writing it" in str(schedule)
    rng = np.random.default_rng(12)
    B, A = rng.random((33, 21)), rng.random((33, 33))
    expect = B.copy()
    for i in range(33):
        expect[i] += A[i, :i] @ expect[:i]
    kernel(B, A)
    np.testing.assert_allclose(B, expect, rtol=1e-12)
