"""scheduler="none" (original order) and scheduler="isl" (isl's own scheduler)."""

import islpy as isl
import pytest

from polyopt.schedule import ScheduleOptions, compute_schedule
from polyopt.schedule.isl_scheduler import isl_tree
from polyopt.schedule.loops import PARALLEL, SIMD

from .conftest import KERNELS


def _same_order(a: isl.UnionMap, b: isl.UnionMap, domain: isl.UnionSet) -> bool:
    a, b = a.intersect_domain(domain), b.intersect_domain(domain)
    return a.lex_lt_union_map(a).is_equal(b.lex_lt_union_map(b))


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_none_is_exactly_the_original_order(kernel_deps, name):
    deps = kernel_deps(name)
    s = compute_schedule(deps, ScheduleOptions(scheduler="none"))
    assert _same_order(s.schedule_map(), deps.scop.original_schedule(), deps.scop.domain())


def test_none_tree_mirrors_the_loop_nest(kernel_deps):
    s = compute_schedule(kernel_deps("cholesky"), ScheduleOptions(scheduler="none"))
    shape = []

    def visit(node, depth):
        t = node.get_type()
        if t == isl.schedule_node_type.band:
            assert node.band_n_member() == 1
            shape.append((depth, "band"))
        elif t == isl.schedule_node_type.sequence:
            shape.append((depth, "sequence"))
        else:
            kinds = isl.schedule_node_type
            assert t in (kinds.domain, kinds.filter, kinds.leaf, kinds.mark)  # serial marks name the loops
        for k in range(node.n_children()):
            visit(node.child(k), depth + 1)

    visit(s.tree.get_root(), 0)
    # for i { for j { for k {S0}; S1 }; for k {S2}; S3 }
    assert [k for _, k in shape] == ["band", "sequence", "band", "sequence", "band", "band"]
    assert s.fusion == (("S0", "S1", "S2", "S3"),)


def test_isl_scheduler_restores_context_options(kernel_deps):
    ctx = isl.DEFAULT_CONTEXT

    def state():
        return (ctx.get_schedule_serialize_sccs(), ctx.get_schedule_whole_component(),
                ctx.get_schedule_max_coefficient(), ctx.get_schedule_outer_coincidence(),
                ctx.get_max_operations())

    before = state()
    for fuse in ("smart", "max", "none"):
        isl_tree(kernel_deps("2mm"), fuse)
    assert state() == before


def test_isl_scheduler_fusion_follows_the_policy(kernel_deps):
    deps = kernel_deps("gemm")
    fused = compute_schedule(deps, ScheduleOptions(scheduler="isl"))
    split = compute_schedule(deps, ScheduleOptions(scheduler="isl", fuse="none"))
    assert fused.fusion == (("S0", "S1"),)
    assert split.fusion == (("S0",), ("S1",))
    assert split.bands[1].loops[-1].kind == SIMD and split.bands[1].tile_loops[0].kind == PARALLEL


def test_isl_scheduler_on_stencil_gets_the_same_post_processing(kernel_deps):
    s = compute_schedule(kernel_deps("jacobi_2d"), ScheduleOptions(scheduler="isl"))
    (band,) = s.bands
    assert band.tile_sizes == (32, 32, 128)
    assert [i.kind for i in band.tile_loops[:2]] == ["pipelined", PARALLEL]


def test_timings_name_each_pass(kernel_deps):
    for scheduler in ("pluto", "isl", "none"):
        s = compute_schedule(kernel_deps("matvec"), ScheduleOptions(scheduler=scheduler))
        names = [n for n, _ in s.timings]
        assert names[0] == scheduler and names[-1] == "legality"
        assert all(t >= 0 for _, t in s.timings)


def test_isl_failure_falls_back_to_the_original_order(kernel_deps, monkeypatch):
    from polyopt.schedule import isl_scheduler

    monkeypatch.setattr(isl_scheduler, "MAX_OPERATIONS", 10)  # isl gives up at once
    s = compute_schedule(kernel_deps("matvec"), ScheduleOptions(scheduler="isl"))
    assert any("keeping the original loop order" in d for d in s.decisions)
    assert s.transforms["S1"] == ("i", "1", "j")
    assert s.bands[0].loops[0].kind == PARALLEL  # still post-processed: the i loop is parallel
