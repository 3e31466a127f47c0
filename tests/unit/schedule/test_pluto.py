"""The Pluto-style search: hyperplanes, skewing, SCC cuts and the fusion policies."""

import pytest

from polyopt.schedule import ScheduleOptions, compute_schedule, farkas
from polyopt.schedule.pluto import PlutoScheduler
from polyopt.schedule.tree import Band, Sequence

from .conftest import loop, make_deps, stmt


def schedule(deps, **opts):
    return compute_schedule(deps, ScheduleOptions(**opts))


def test_gemm_finds_i_j_k_in_one_band(kernel_deps):
    tree = PlutoScheduler(kernel_deps("gemm"), "max").schedule()
    assert isinstance(tree, Band) and tree.permutable
    assert [m.name for m in tree.members] == ["i", "j", "k"]
    assert [m.expr("S0").text(("i", "j")) for m in tree.members] == ["i", "j", "0"]
    assert isinstance(tree.child, Sequence)  # S0 before S1 at equal (i, j, k)
    # smart fusion gives C *= beta (no k) a loop nest of its own: no guard inside the product's tiles
    smart = PlutoScheduler(kernel_deps("gemm"), "smart").schedule()
    assert isinstance(smart, Sequence) and [names for names, _ in smart.children] == [("S0",), ("S1",)]
    product = smart.children[1][1]
    assert isinstance(product, Band) and [m.name for m in product.members] == ["i", "j", "k"]
    s = schedule(kernel_deps("gemm"))
    assert s.transforms["S1"] == ("1", "i", "j", "k")


@pytest.mark.parametrize("name, expected", [
    ("jacobi_1d", {"S0": ("t", "2*t + i", "0"), "S1": ("t", "2*t + i + 1", "1")}),
    ("jacobi_2d", {"S0": ("t", "2*t + i", "2*t + j"), "S1": ("t", "2*t + i + 1", "2*t + j + 1")}),
    ("seidel_2d", {"S0": ("t", "t + i", "2*t + i + j")}),
    ("heat_3d", {"S0": ("t", "2*t + i", "2*t + j", "2*t + k")}),
])
def test_time_iterated_stencils_are_skewed_into_one_band(kernel_deps, name, expected):
    deps = kernel_deps(name)
    tree = PlutoScheduler(deps, "smart").schedule()
    assert isinstance(tree, Band) and tree.permutable
    assert tree.members[0].name == "t"  # the time loop is in the permutable band
    assert len(tree.members) == deps.scop.statements[0].depth
    s = schedule(deps, tile=False)
    for stmt_name, rows in expected.items():
        assert s.transforms[stmt_name] == rows


def test_fdtd_2d_band_includes_time_and_shifts_hz(kernel_deps):
    s = schedule(kernel_deps("fdtd_2d"), tile=False)
    assert s.transforms["S1"][:3] == ("t", "t + j", "t + i")
    assert s.transforms["S3"][:3] == ("t", "t + j + 1", "t + i + 1")  # hz shifted after ex, ey
    assert s.bands[0].permutable and len(s.bands[0].loops) == 3


@pytest.mark.parametrize("name", ["lu", "cholesky"])
def test_triangular_kernels_get_a_permutable_3d_band(kernel_deps, name):
    s = schedule(kernel_deps(name), tile=False)
    assert len(s.bands) == 1 and s.bands[0].permutable and len(s.bands[0].loops) == 3
    assert s.transforms["S0"] == ("k", "i", "j")  # k outermost, as Pluto does for LU/Cholesky
    assert s.fusion == (tuple(st.name for st in s.scop.statements),)


def test_fusion_policies_differ_on_2mm(kernel_deps):
    deps = kernel_deps("2mm")
    smart = schedule(deps)
    # smart fuses the two initialisations (same domain, no reduction loop) and keeps each product
    # apart (measured on PolyBench's 2mm at LARGE: 24x faster than the original loops this way,
    # 1.8x with everything fused)
    assert smart.fusion == (("S0", "S2"), ("S1",), ("S3",))
    assert "fuse=smart: S1 not fused with S0: S0 would not get a loop of its own in every member " \
           "of the fused band" in smart.decisions
    assert "fuse=smart: S2 not fused with S1: they share no array" in smart.decisions
    assert "fuse=smart: S3 not fused with S1: the fused band would have depth 2 instead of 3" in smart.decisions
    assert schedule(deps, fuse="max").fusion == (("S0", "S1", "S2", "S3"),)
    none = schedule(deps, fuse="none")
    assert none.fusion == (("S0",), ("S1",), ("S2",), ("S3",))
    assert not any("not fused" in d for d in none.decisions)


def test_fusion_policies_differ_on_3mm(kernel_deps):
    deps = kernel_deps("3mm")
    smart = schedule(deps)
    assert smart.fusion == (("S0", "S2", "S4"), ("S1",), ("S3",), ("S5",))
    assert schedule(deps, fuse="none").fusion == tuple((f"S{k}",) for k in range(6))
    assert schedule(deps, fuse="max").fusion == (("S0", "S1", "S2", "S3", "S4", "S5"),)
    # the two independent products share no array (fused with PolyBench's sizes: 8x slower)
    assert "fuse=smart: S3 not fused with S1: they share no array" in smart.decisions
    # smart keeps each product as a 3-deep tiled band with a parallel outer tile loop
    products = [b for b in smart.bands if len(b.tile_loops) == 3]
    assert len(products) == 3
    assert all(b.tile_sizes == (32, 128, 32) and b.tile_loops[0].kind == "parallel" for b in products)


def test_smart_fusion_fuses_loop_nests_that_share_data():
    deps = make_deps("two_products", "N", [
        loop("i", 0, "N", loop("j", 0, "N", stmt("y[i]", "A[i, j]", "x[j]", op="+"))),
        loop("i", 0, "N", loop("j", 0, "N", stmt("z[i]", "B[i, j]", "x[j]", op="+"))),
        loop("i", 0, "N", loop("j", 1, "N", stmt("w[i]", "C[i, j]", "v[j]", op="+")))])  # other domain
    assert schedule(deps).fusion == (("S0", "S1"), ("S2",))  # x is read once per tile for both
    assert "fuse=smart: S2 not fused with S0, S1: they share no array" in schedule(deps).decisions
    assert schedule(deps, fuse="none").fusion == (("S0",), ("S1",), ("S2",))
    assert schedule(deps, fuse="max").fusion == (("S0", "S1", "S2"),)


def test_fusion_needs_a_shift_when_plain_fusion_is_illegal(kernel_deps):
    deps = kernel_deps("shifted_copy")
    s = schedule(deps)
    assert s.fusion == (("S0", "S1"),)
    assert s.transforms["S0"] == ("i", "0")
    assert s.transforms["S1"] == ("i + 1", "1")  # S1[i] reads B[i + 1]: runs one iteration later
    assert schedule(deps, fuse="none").fusion == (("S0",), ("S1",))


def test_smart_fusion_keeps_scalar_statements_out_of_loops():
    deps = make_deps("sum", "N", [stmt("s"), loop("i", 0, "N", stmt("s", "A[i]", op="+")),
                                  stmt("out[0]", "s")])
    s = schedule(deps)
    assert s.fusion == (("S0",), ("S1",), ("S2",))
    assert any("S0 would not get a loop of its own" in d for d in s.decisions)
    assert schedule(deps, fuse="max").fusion == (("S0", "S1"), ("S2",))


def test_cut_between_sccs_when_no_common_hyperplane_exists(kernel_deps):
    # 2mm with max fusion: i is common, then S3 (reading a whole row of tmp) must be cut off.
    s = PlutoScheduler(kernel_deps("2mm"), "max")
    tree = s.schedule()
    assert isinstance(tree, Band) and [m.name for m in tree.members][0] == "i"
    assert any(str(d).startswith("cut S0, S1, S2 | S3") for d in s.decisions)


def test_stuck_search_falls_back_to_isl(kernel_deps, monkeypatch):
    monkeypatch.setattr(farkas, "COEFF_MAX", 0)  # no hyperplane can be found at all
    s = schedule(kernel_deps("jacobi_1d"))
    assert any("using isl's scheduler instead" in d for d in s.decisions)
    # The post-processing still applies (a 2-deep wavefronted band gets square 128x128 tiles).
    assert s.bands[0].tile_sizes == (128, 128)


def test_independent_statements_are_fused_and_parallel():
    deps = make_deps("two", "N", [loop("i", 0, "N", stmt("B[i]", "A[i]")),
                                  loop("i", 0, "N", stmt("C[i]", "A[i]"))])
    s = schedule(deps)
    assert s.fusion == (("S0", "S1"),)
    assert s.bands[0].loops[0].kind == "parallel"


def test_loops_counting_down_keep_their_direction():
    # for i in range(N - 1, 0, -1): A[i] = A[i - 1] + 1 (original schedule row -i)
    deps = make_deps("down", "N", [loop("i", 1, "N", stmt("A[i]", "A[i - 1]"), down=True)])
    s = schedule(deps)
    assert s.transforms["S0"] == ("-i",)
    assert not any("isl's scheduler" in d for d in s.decisions)
    assert s.bands[0].loops[0].reason == "carries WAR on A from S0[i] to S0[i - 1]"
