"""check_legal on hand-written schedules, and legality of every schedule we produce."""

import islpy as isl
import pytest

from polyopt.analysis.legality import Violation, check_legal
from polyopt.errors import IllegalScheduleError
from polyopt.schedule import ScheduleOptions, compute_schedule
from polyopt.schedule.loops import PARALLEL, SIMD

from .conftest import KERNELS, carries_dependence, loop_marks


def test_original_schedule_is_legal(kernel_deps):
    for name in ("gemm", "lu", "fdtd_2d"):
        deps = kernel_deps(name)
        check_legal(deps, deps.scop.original_schedule())


def test_reversed_reduction_loop_is_rejected_with_the_dependence_named(kernel_deps):
    deps = kernel_deps("gemm")
    bad = isl.UnionMap("[N] -> { S0[i, j] -> [0, i, j, 0]; S1[i, j, k] -> [1, i, j, -k] }")
    with pytest.raises(IllegalScheduleError) as info:
        check_legal(deps, bad)
    assert "RAW on C from S1[0, 0, 0] to S1[0, 0, 1]" in str(info.value)
    v = info.value.violation
    assert isinstance(v, Violation)
    assert (v.kind, v.array, v.source, v.sink) == ("RAW", "C", "S1", "S1")
    assert v.source_point == (0, 0, 0) and v.sink_point == (0, 0, 1)


def test_fusion_without_shift_is_illegal(kernel_deps):
    deps = kernel_deps("shifted_copy")  # S0: B[i] = A[i]; S1: C[i] = B[i + 1]
    fused = isl.UnionMap("[N] -> { S0[i] -> [i, 0]; S1[i] -> [i, 1] }")
    with pytest.raises(IllegalScheduleError, match=r"RAW on B from S0\[1\] to S1\[0\]"):
        check_legal(deps, fused)
    check_legal(deps, isl.UnionMap("[N] -> { S0[i] -> [i, 0]; S1[i] -> [i + 1, 1] }"))


def test_illegal_tree_is_rejected(kernel_deps):
    deps = kernel_deps("jacobi_1d")
    # interchange t and i: reads of the next time step would run before the writes they need
    tree = isl.Schedule.from_domain(deps.scop.domain()).insert_partial_schedule(
        isl.MultiUnionPwAff("[T, N] -> [{ S0[t, i] -> [(i)]; S1[t, i] -> [(i)] }, "
                            "{ S0[t, i] -> [(t)]; S1[t, i] -> [(t)] }]"))
    with pytest.raises(IllegalScheduleError, match="illegal schedule: it violates"):
        check_legal(deps, tree)


def test_missing_instances_are_reported(kernel_deps):
    deps = kernel_deps("shifted_copy")
    partial = isl.UnionMap("[N] -> { S0[i] -> [0, i]; S1[i] -> [1, i] : i > 0 }")
    with pytest.raises(IllegalScheduleError, match=r"does not schedule S1\[0\]"):
        check_legal(deps, partial)


def test_schedule_objects_are_accepted(kernel_deps):
    s = compute_schedule(kernel_deps("matvec"))
    check_legal(s.dependences, s)
    check_legal(s.dependences, s.tree)
    with pytest.raises(TypeError):
        check_legal(s.dependences, "not a schedule")


COMBINATIONS = [(sched, fuse, tile) for sched in ("pluto", "isl") for fuse in ("smart", "max", "none")
                for tile in (True, False, (4, 3, 5))] + [("none", "smart", True)]


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_combination_is_legal_and_never_racy(kernel_deps, name):
    deps = kernel_deps(name)
    alldeps = deps.all
    for scheduler, fuse, tile in COMBINATIONS:
        s = compute_schedule(deps, ScheduleOptions(scheduler=scheduler, fuse=fuse, tile=tile))
        check_legal(deps, s.tree)  # compute_schedule checked it too; this is the public entry
        assert s.tree.get_domain().is_equal(deps.scop.domain())
        for info, node, ancestors in loop_marks(s.tree):
            if info.kind in (PARALLEL, SIMD):
                assert not carries_dependence(node, _unreduced(deps, info, alldeps)), (scheduler, fuse, tile, info)
            if info.kind == PARALLEL:
                assert PARALLEL not in [a.kind for a in ancestors]


def _unreduced(deps, info, alldeps):
    """The dependences a parallel or simd loop must not carry: all, but a reduction loop's
    reductions (a statement on itself, on the array it reduces) and the anti/output dependences on
    the temporaries it privatises."""
    if not info.reduce and not info.private:
        return alldeps
    reduced = {(array, stmt) for array, _, stmt in info.reduce}
    kept = [e.relation.to_union_map() for e in deps.edges
            if not (e.source == e.sink and (e.array, e.source) in reduced)
            and not (e.array in info.private and e.kind in ("WAR", "WAW"))]
    out = isl.UnionMap.empty(alldeps.get_space())
    for m in kept:
        out = out.union(m)
    return out
