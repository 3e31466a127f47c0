"""FileCheck-style tests of the printed schedule (format_schedule / Schedule.__str__)."""

from polyopt.schedule import ScheduleOptions, compute_schedule
from polyopt.schedule.printing import format_schedule
from polyopt.schedule.tree import Expr

from .conftest import filecheck


def show(deps, **opts) -> str:
    return str(compute_schedule(deps, ScheduleOptions(**opts)))


def test_gemm(kernel_deps):
    filecheck(show(kernel_deps("gemm")), """
        CHECK: schedule gemm: scheduler=pluto fuse=smart tile=True parallel=True vectorize=True
        CHECK-NEXT: T(S0): (i, j) -> (0, 32*floor(i/32), 128*floor(j/128), i, j)
        CHECK-NEXT: T(S1): (i, j, k) -> (1, 32*floor(i/32), 128*floor(j/128), 32*floor(k/32), 4*floor(i/4),
        CHECK-SAME: 16*floor(j/16), k, i, j)
        CHECK-NEXT: band 0 (S0): permutable, tiled 32x128
        CHECK: band 1 (S1): permutable, tiled 32x128x32
        CHECK-NEXT:   tile i_tile: parallel (collapse 2, one thread below 16384 instances) -- carries no dependence
        CHECK-NEXT:   tile j_tile: serial -- carries no dependence; collapsed into parallel loop i_tile
        CHECK-NEXT:   tile k_tile: serial -- reduction on C[i, j] along k_tile
        CHECK-NEXT:   loop i_reg: serial
        CHECK-NEXT:   loop j_reg: serial
        CHECK-NEXT:   loop k: serial -- reduction on C[i, j] along k: kept serial; inside parallel loop i_tile;
        CHECK-SAME: holds the 4x16 block of C in registers
        CHECK-NEXT:   loop i: serial
        CHECK-NEXT:   loop j: simd -- innermost, carries no dependence
        CHECK-NEXT: fusion: (S0) (S1)
        CHECK: S1 not fused with S0: S0 would not get a loop of its own in every member of the fused band
        CHECK: point loops ordered (i, k, j): j innermost
        CHECK: band 1 (S1): register tile 4x16 over (i, j): a 4x16 block of C held across k
        CHECK: tree:
        CHECK-NEXT:   sequence
        CHECK: for 32*floor(i/32) [parallel i_tile]
        CHECK: for k [serial k]
        CHECK-NEXT: for i [serial i]
        CHECK-NEXT: for j [simd j]
        CHECK-NEXT: S1
    """)


def test_gemm_untiled_names_the_reduction(kernel_deps):
    filecheck(show(kernel_deps("gemm"), tile=False), """
        CHECK: T(S1): (i, j, k) -> (1, i, k, j)
        CHECK: band 1 (S1): permutable, tiling disabled
        CHECK-NEXT:   loop i: parallel
        CHECK-NEXT:   loop k: serial -- reduction on C[i, j] along k
        CHECK-NEXT:   loop j: simd
        CHECK-NOT: tile
        CHECK: tree:
    """)


def test_jacobi_1d_wavefront(kernel_deps):
    filecheck(show(kernel_deps("jacobi_1d")), """
        CHECK: T(S0): (t, i) -> (floor(t/128) + floor((2*t + i)/128), 128*floor((2*t + i)/128), t, 0, 2*t + i)
        CHECK-NEXT: T(S1): (t, i) -> (floor(t/128) + floor((2*t + i + 1)/128), 128*floor((2*t + i + 1)/128),
        CHECK-SAME: t, 1, 2*t + i + 1)
        CHECK-NEXT: band 0 (S0, S1): permutable, tiled 128x128
        CHECK-NEXT:   tile t_t_i_wave: pipelined
        CHECK-NEXT:   tile t_i_tile: parallel
        CHECK-NEXT:   loop t: serial -- carries RAW on A from S1[0, 1] to S0[1, 1]
        CHECK-NEXT:   loop t_i: simd -- distributed over (S0, S1): simd (innermost, carries no dependence)
        CHECK: no tile loop is parallel; wavefront t_t_i_wave makes t_i_tile parallel
        CHECK: innermost loop t_i distributed over (S0, S1) so that it carries no dependence between statements
        CHECK: tree:
        CHECK: for t [serial t]
        CHECK-NEXT: sequence
        CHECK-NEXT: for 2*t + i [simd t_i]
        CHECK-NEXT: S0
        CHECK-NEXT: for 2*t + i + 1 [simd t_i]
        CHECK-NEXT: S1
    """)


def test_2mm_fusion_lines(kernel_deps):
    deps = kernel_deps("2mm")
    filecheck(show(deps), """
        CHECK: T(S3): (i, j, k) -> (2, 32*floor(i/32), 128*floor(j/128), 32*floor(k/32), 4*floor(i/4),
        CHECK-SAME: 16*floor(j/16), k, i, j)
        CHECK: band 0 (S0, S2): permutable, tiled 32x128
        CHECK: band 1 (S1): permutable, tiled 32x128x32
        CHECK: band 2 (S3): permutable, tiled 32x128x32
        CHECK: fusion: (S0, S2) (S1) (S3)
        CHECK: fuse=smart: S1 not fused with S0: S0 would not get a loop of its own
        CHECK: fuse=smart: S2 not fused with S1: they share no array
        CHECK: fuse=smart: S3 not fused with S1: the fused band would have depth 2 instead of 3
    """)
    filecheck(show(deps, fuse="max"), """
        CHECK: fusion: (S0, S1, S2, S3 in loops i_tile, j_tile, i, j: (S0) (S1) (S2) (S3))
        CHECK: fuse=max: S3 not fused with S0, S1, S2 inside loop j: no common loop exists
        CHECK-NEXT: cut S0, S1, S2 | S3 inside loop j (fuse=max)
        CHECK: cut S0 | S1 | S2 inside loop j (every loop is scheduled; order by dependences)
    """)
    filecheck(show(deps, fuse="none", tile=False), """
        CHECK: T(S0): (i, j) -> (0, i, j)
        CHECK-NEXT: T(S1): (i, j, k) -> (1, i, k, j)
        CHECK: fusion: (S0) (S1) (S2) (S3)
        CHECK: cut S0 | S1 | S2 | S3 (fuse=none)
    """)


def test_original_order(kernel_deps):
    filecheck(show(kernel_deps("2mm"), scheduler="none"), """
        CHECK: schedule 2mm: scheduler=none
        CHECK-NEXT: T(S0): (i, j) -> (0, i, j, 0)
        CHECK-NEXT: T(S1): (i, j, k) -> (0, i, j, 1, k)
        CHECK: band 0 (S0, S1): not permutable, original order
        CHECK-NEXT:   loop i: serial -- scheduler=none keeps the original loop order
        CHECK: fusion: (S0, S1 in loops i, j: (S0) (S1)) (S2, S3 in loops i, j: (S2) (S3))
        CHECK: tree:
        CHECK-NEXT:   sequence
        CHECK-NEXT:     for i [serial i]
        CHECK-NEXT:       for j [serial j]
        CHECK-NEXT:         sequence
        CHECK-NEXT:           S0
        CHECK-NEXT:           for k [serial k]
        CHECK-NEXT:             S1
        CHECK-NOT: parallel
    """)


def test_printing_is_stable(kernel_deps):
    s = compute_schedule(kernel_deps("seidel_2d"))
    assert format_schedule(s) == str(s) == format_schedule(s)


def test_expr_text():
    e = Expr((2, 1), 1)
    assert e.text(("t", "i")) == "2*t + i + 1"
    assert Expr((0, -1), -3).text(("t", "i")) == "-i - 3"
    assert Expr((0, 0)).text(("t", "i")) == "0"
    assert e.tile(32).text(("t", "i")) == "32*floor((2*t + i + 1)/32)"
    assert Expr((1, 0)).tile_index(8).add(Expr((0, 1)).tile_index(4)).text(("t", "i")) == \
        "floor(t/8) + floor(i/4)"
    assert Expr((0,), 37).tile(32).text(("i",)) == "32"
