"""The emitted-code check (polyopt.codegen.verify): it accepts what polyopt prints and catches a
loop nest that is wrong in any of the ways it looks for, whatever made it wrong."""

from __future__ import annotations

import dataclasses
import random

import islpy as isl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyopt as po
from polyopt.codegen import cexpr as ce
from polyopt.codegen import lower, verify_copies
from polyopt.codegen.c_to_isl import Converter
from polyopt.codegen.generate import generate_c
from polyopt.codegen.printer import Guard, Loop, Stmt
from polyopt.codegen.verify import EmittedOrderError, check_emitted
from polyopt.schedule.loops import PARALLEL, SIMD

N, M = po.symbols("N M")


@po.kernel
def smooth(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(1, N):
        for j in range(M):
            B[i, j] = A[i - 1, j] + A[i, j]
        for j in range(M):
            A[i, j] = 0.5 * B[i, j]


@po.kernel
def prefix(x: po.f64[N]):
    for i in range(1, N):
        x[i] += x[i - 1]


@po.kernel(promote=False)  # t stays a scalar temporary (not promoted to s[i])
def rows(A: po.f64[N, M], s: po.f64[N]):
    for i in range(N):
        t = 0.0
        for j in range(M):
            t += A[i, j]
        s[i] = t


@po.kernel
def blur(A: po.f64[N, M], B: po.f64[N, M]):
    for i in range(1, N - 1):
        for j in range(1, M - 1):
            B[i, j] = 0.0
            for a in range(3):  # unrolled: 6 copies of one statement, read back as one leaf
                for b in range(2):
                    B[i, j] += A[i + a - 1, j + b - 1]


@po.kernel
def trmm_like(B: po.f64[N, M], A: po.f64[N, N]):
    for i in range(N):
        for j in range(M):
            for k in range(i + 1, N):
                B[i, j] += A[k, i] * B[k, j]  # rows below i: read from memory while rows of the block are held


def _checked_tree(kernel, monkeypatch, **options):
    """The loop tree the check saw for ``kernel`` (first AST build), and the rest of its arguments."""
    seen = []
    real = lower.check_emitted

    def capture(items, scop, deps, rename, context, functions=None):
        seen.append((items, scop, deps, rename, context, functions))
        return real(items, scop, deps, rename, context, functions)

    monkeypatch.setattr(lower, "check_emitted", capture)
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "0")  # in this process: the capture must see the check
    program = generate_c(kernel.schedule(**options))
    assert program.verified == "as scheduled"
    return seen[0]


def _loops(items):
    for item in items:
        if isinstance(item, Loop):
            yield item
            yield from _loops(item.body)
        elif isinstance(item, Guard):
            yield from _loops(item.then)
            yield from _loops(item.orelse or [])


def _blocks(items):
    """Every list of items with at least two statements or loops in it."""
    if len(items) > 1:
        yield items
    for item in items:
        if isinstance(item, Loop):
            yield from _blocks(item.body)
        elif isinstance(item, Guard):
            yield from _blocks(item.then)
            yield from _blocks(item.orelse or [])


def test_every_suite_like_kernel_passes_as_printed(monkeypatch):
    for kernel in (smooth, prefix, rows):
        for options in ({}, {"tile": False}, {"scheduler": "isl"}, {"scheduler": "none"}):
            _checked_tree(kernel, monkeypatch, **options)
            monkeypatch.undo()


def test_statements_swapped_in_a_block_are_caught(monkeypatch):
    items, *rest = _checked_tree(smooth, monkeypatch, tile=False, fuse="none")
    block = next(_blocks(items))
    block.reverse()
    with pytest.raises(EmittedOrderError, match="runs before the source"):
        check_emitted(items, *rest)


def test_a_loop_printed_parallel_that_carries_a_dependence_is_caught(monkeypatch):
    items, *rest = _checked_tree(prefix, monkeypatch, tile=False)
    loop = next(_loops(items))
    assert not loop.kind
    loop.kind = PARALLEL
    with pytest.raises(EmittedOrderError, match="RAW on x.*printed 'omp parallel for'"):
        check_emitted(items, *rest)
    loop.kind = SIMD
    with pytest.raises(EmittedOrderError, match="omp simd"):
        check_emitted(items, *rest)


def test_a_shifted_loop_bound_is_caught(monkeypatch):
    items, *rest = _checked_tree(prefix, monkeypatch, tile=False)
    loop = next(_loops(items))
    loop.init = ce.Binary("+", loop.init, ce.IntLit(1))
    with pytest.raises(EmittedOrderError, match="never executes prefix|never executes S0"):
        check_emitted(items, *rest)


def test_a_statement_run_twice_is_caught(monkeypatch):
    items, *rest = _checked_tree(prefix, monkeypatch, tile=False)
    loop = next(_loops(items))
    loop.body.append(loop.body[0])
    with pytest.raises(EmittedOrderError, match="more than once"):
        check_emitted(items, *rest)


def test_a_leaf_that_runs_an_instance_twice_is_caught_despite_the_schedule(monkeypatch):
    # One leaf: an extra loop around the statement, numbered like the loop it wraps, so the
    # schedule the check is handed reads as this leaf's time vectors -- but does not contain them
    items, *rest = _checked_tree(prefix, monkeypatch, tile=False)
    loop = next(_loops(items))
    extra = Loop("c9", loop.dim, ce.IntLit(0), ce.Binary("<=", ce.Var("c9"), ce.IntLit(1)), ce.IntLit(1),
                 loop.body)
    loop.body = [extra]
    assert rest[-1]  # the schedule functions were handed over
    with pytest.raises(EmittedOrderError, match="more than once"):
        check_emitted(items, *rest)
    with pytest.raises(EmittedOrderError, match="more than once"):
        check_emitted(items, *rest[:-1])  # and without them


def test_a_temporary_declared_too_deep_is_caught(monkeypatch):
    items, *rest = _checked_tree(rows, monkeypatch, tile=False)
    outer = next(_loops(items))
    assert "t" in outer.decls
    inner = next(x for x in _loops(outer.body))
    outer.decls.remove("t")
    inner.decls.append("t")  # each j would see its own t: the sum would be lost
    with pytest.raises(EmittedOrderError, match="does not reach its reader"):
        check_emitted(items, *rest)


def test_wrong_iterators_are_caught(monkeypatch):
    items, *rest = _checked_tree(smooth, monkeypatch, tile=False, fuse="none")
    stmt = next(x for x in _statements(items))
    i, j = stmt.iterators
    stmt.iterators = (i, ce.Binary("-", ce.Binary("+", j, ce.IntLit(0)), ce.IntLit(0)))  # same values: fine
    check_emitted(items, *rest)
    stmt.iterators = (ce.Binary("+", i, ce.IntLit(1)), j)  # one row off
    with pytest.raises(EmittedOrderError):
        check_emitted(items, *rest)


def _unrolled(items) -> list:
    """The first block holding a run of copies the check reads as one leaf."""
    block = next(b for b in _blocks(items) if verify_copies.runs(b))
    start, run = next(iter(verify_copies.runs(block).items()))
    assert len(run.positions) == 6 and run.varying == (2, 3) and run.slopes == (2, 1)
    return block, start


def test_unrolled_copies_pass_as_printed(monkeypatch):
    for options in ({}, {"tile": False}):
        _checked_tree(blur, monkeypatch, **options)
        monkeypatch.undo()


def test_unrolled_copies_swapped_are_caught(monkeypatch):
    items, *rest = _checked_tree(blur, monkeypatch, tile=False)
    block, start = _unrolled(items)
    block[start + 1], block[start + 2] = block[start + 2], block[start + 1]
    assert not verify_copies.runs(block)  # no longer an affine run: read copy by copy
    with pytest.raises(EmittedOrderError, match="runs before the source"):
        check_emitted(items, *rest)


def test_unrolled_copies_missing_or_doubled_are_caught(monkeypatch):
    items, *rest = _checked_tree(blur, monkeypatch, tile=False)
    block, start = _unrolled(items)
    last = block[start + 4:start + 6]
    del block[start + 4:start + 6]  # a full box still (a in 0..1): one leaf, and instances never run
    assert verify_copies.runs(block)
    with pytest.raises(EmittedOrderError, match="never executes"):
        check_emitted(items, *rest)
    block[start + 4:start + 4] = last + last[-1:]
    with pytest.raises(EmittedOrderError, match="more than once"):
        check_emitted(items, *rest)


def test_a_run_reads_back_as_the_union_of_its_copies():
    first = isl.Map("[N] -> { S[i, a, b] -> L0[i, 4] : 0 <= i < N and a = 1 and b = 0 }")
    run = verify_copies.CopyRun(None, tuple(range(4, 10)), (1, 2),
                                tuple((a, b) for a in (1, 2, 3) for b in (0, 1)), (2, 1), 2)
    union = isl.Map("[N] -> { S[i, a, b] -> L0[i, p] : false }")
    for (a, b), p in zip(run.constants, run.positions):
        union = union.union(isl.Map(f"[N] -> {{ S[i, a, b] -> L0[i, {p}] : 0 <= i < N and a = {a} and b = {b} }}"))
    assert verify_copies.merged(first, run).is_equal(union)


def test_a_block_whose_rows_are_read_from_memory_after_being_written_is_caught(monkeypatch):
    items, scop, *rest = _checked_tree(trmm_like, monkeypatch)
    assert any(x.held is not None for x in _loops(items))
    check_emitted(items, scop, *rest)  # B[k, j], k > i: read before row k is updated
    # the same loops reading the row above instead: written to the block earlier in its execution
    stmt = scop.statement("S0")
    other = next(a for a in stmt.reads if a.array == "B" and not a.relation.is_equal(stmt.writes[0].relation))
    above = dataclasses.replace(other, relation=isl.Map(
        "[N, M] -> { S0[i, j, k] -> B[i - 1, j] }").intersect_domain(stmt.domain))
    reads = tuple(above if a is other else a for a in stmt.reads)
    scop = dataclasses.replace(scop, statements=(dataclasses.replace(stmt, reads=reads),
                                                 *scop.statements[1:]))
    with pytest.raises(EmittedOrderError, match="reads an element of it from memory after writing it"):
        check_emitted(items, scop, *rest)


def _statements(items):
    for item in items:
        if isinstance(item, Stmt):
            yield item
        elif isinstance(item, Loop):
            yield from _statements(item.body)
        elif isinstance(item, Guard):
            yield from _statements(item.then)
            yield from _statements(item.orelse or [])


def test_the_check_runs_by_default_and_its_time_is_reported():
    program = generate_c(smooth.schedule())
    assert program.verified == "as scheduled" and program.verify_seconds > 0
    unchecked = generate_c(smooth.schedule(), verify=False)
    assert unchecked.verified == "" and unchecked.text == program.text


def test_when_every_ast_fails_the_kernel_is_refused(monkeypatch):
    def always_wrong(items, scop, deps, rename, context, functions=None):
        raise EmittedOrderError("the emitted code violates RAW on x from S0[1] to S0[2]: the sink runs "
                                "before the source")

    monkeypatch.setattr(lower, "check_emitted", always_wrong)
    with pytest.raises(po.CodegenError, match="refusing to emit code for 'prefix'.*RAW on x"):
        generate_c(prefix.schedule())


def test_a_rejected_ast_is_built_again_another_way(monkeypatch):
    calls = []
    real = lower.check_emitted

    def first_fails(items, scop, deps, rename, context, functions=None):
        calls.append(1)
        if len(calls) == 1:
            raise EmittedOrderError("simulated wrong code")
        return real(items, scop, deps, rename, context, functions)

    monkeypatch.setattr(lower, "check_emitted", first_fails)
    monkeypatch.setenv("POLYOPT_ISL_SECONDS", "0")  # in this process: the calls must be counted here
    program = generate_c(smooth.schedule())
    assert program.verified == "with context nodes below the bands" and len(calls) == 2


# ---- the converter reads printed expressions with C's semantics


def _c_value(e: ce.CExpr, env: dict) -> int:
    if isinstance(e, ce.IntLit):
        return e.value
    if isinstance(e, ce.Var):
        return env[e.name]
    if isinstance(e, ce.Unary):
        return -_c_value(e.operand, env)
    if isinstance(e, ce.Call):
        a, b = (_c_value(x, env) for x in e.args)
        return {"min": min, "max": max, "floord": lambda p, q: p // q}[e.func](a, b)
    a, b = _c_value(e.left, env), _c_value(e.right, env)
    if e.op == "+":
        return a + b
    if e.op == "-":
        return a - b
    if e.op == "*":
        return a * b
    q = abs(a) // abs(b) * (1 if (a >= 0) == (b > 0) else -1)  # C truncates toward zero
    return q if e.op == "/" else a - b * q


def _exprs(depth: int):
    leaf = st.one_of(st.integers(-7, 7).map(ce.IntLit), st.sampled_from([ce.Var("c0"), ce.Var("N")]))
    if depth == 0:
        return leaf
    sub = _exprs(depth - 1)
    return st.one_of(
        leaf,
        st.builds(ce.Binary, st.sampled_from(["+", "-"]), sub, sub),
        st.builds(lambda k, x: ce.Binary("*", ce.IntLit(k), x), st.integers(-3, 3), sub),
        st.builds(lambda op, x, k: ce.Binary(op, x, ce.IntLit(k)), st.sampled_from(["/", "%"]), sub,
                  st.integers(1, 5)),
        st.builds(lambda x, k: ce.Call("floord", (x, ce.IntLit(k))), sub, st.integers(1, 5)),
        st.builds(lambda f, x, y: ce.Call(f, (x, y)), st.sampled_from(["min", "max"]), sub, sub),
        st.builds(lambda x: ce.Unary("-", x), sub),
    )


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(_exprs(3), st.integers(0, 2**31))
def test_printed_expressions_read_back_with_c_semantics(expr, seed):
    space = isl.Space.create_from_names(isl.DEFAULT_CONTEXT, set=["c0"], params=["N"])
    conv = Converter(space, {})
    rnd = random.Random(seed)
    for _ in range(4):
        env = {"c0": rnd.randint(-20, 20), "N": rnd.randint(-20, 20)}
        point = isl.Set(f"[N] -> {{ [c0] : c0 = {env['c0']} and N = {env['N']} }}")
        # where the point lies, and where only it lies: both must give C's value there
        for where in (isl.Set.universe(space), point):
            value = conv.pw(expr, where).intersect_domain(point)
            (_, aff), = value.get_pieces()
            assert aff.get_constant_val().to_python() == _c_value(expr, env), (ce.to_c(expr), env)


def test_a_loop_test_that_does_not_hold_on_a_prefix_is_refused(monkeypatch):
    items, *rest = _checked_tree(prefix, monkeypatch, tile=False)
    loop = next(_loops(items))
    var = ce.Var(loop.var)
    # c0 < N && c0 % 2 == 1 stops at the first even value: not the set isl would mean
    loop.cond = ce.Binary("&&", loop.cond, ce.Binary("==", ce.Binary("%", var, ce.IntLit(2)), ce.IntLit(1)))
    with pytest.raises(EmittedOrderError, match="does not hold on a prefix"):
        check_emitted(items, *rest)


# ---------------------------------------------------------------- register tiles' blocks (rule 5)

K = po.symbols("K")


def matmul(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for k in range(K):
            for j in range(M):
                C[i, j] += A[i, k] * B[k, j]


def test_a_block_smaller_than_its_slots_is_caught(monkeypatch):
    items, *rest = _checked_tree(po.kernel(matmul), monkeypatch)
    loop = next(x for x in _loops(items) if x.held is not None)
    loop.held.rows = 2
    with pytest.raises(EmittedOrderError, match="outside it"):
        check_emitted(items, *rest)


def test_a_block_loaded_beyond_the_statement_is_caught(monkeypatch):
    items, *rest = _checked_tree(po.kernel(matmul), monkeypatch)
    loop = next(x for x in _loops(items) if x.held is not None)
    row = loop.held.row
    loop.held.row = dataclasses.replace(row, cond=ce.Binary("<=", ce.Var(row.var), ce.add(row.init, ce.IntLit(4))))
    with pytest.raises(EmittedOrderError, match="loaded or stored where"):
        check_emitted(items, *rest)


def matmul_nt(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[M, K]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * B[j, k]


def test_a_panel_read_beyond_its_copy_is_caught(monkeypatch):
    items, *rest = _checked_tree(po.kernel(matmul_nt), monkeypatch)
    loop = next(x for x in _loops(items) if x.packed is not None)
    loop.packed.kc = 16  # the reads would reach past the copied reduction steps
    with pytest.raises(EmittedOrderError, match="did not fill with its element"):
        check_emitted(items, *rest)


# ---------------------------------------------------------------- row panels (rule 5)


def scaled_matmul(alpha: po.f64, C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for k in range(K):
            for j in range(M):
                C[i, j] += alpha * A[i, k] * B[k, j]


def _row_panel_tree(monkeypatch):
    items, *rest = _checked_tree(po.kernel(scaled_matmul), monkeypatch)
    loops = [x for x in _loops(items) if x.rows is not None]
    assert loops  # the default schedule computes alpha * A[i, k] in a row panel
    return items, rest, loops


def test_a_row_panel_slot_off_by_one_row_is_caught(monkeypatch):
    items, rest, loops = _row_panel_tree(monkeypatch)
    check_emitted(items, *rest)
    panel = loops[0].rows
    key = next(iter(panel.slots))
    panel.slots[key] = ce.add(panel.slots[key], ce.IntLit(1))
    with pytest.raises(EmittedOrderError, match="row panel that the fill did not compute"):
        check_emitted(items, *rest)


def test_a_row_panel_filled_for_fewer_rows_is_caught(monkeypatch):
    items, rest, loops = _row_panel_tree(monkeypatch)
    loops[0].rows.mr -= 1
    with pytest.raises(EmittedOrderError, match="row panel that the fill did not compute"):
        check_emitted(items, *rest)


def test_a_row_panel_of_an_array_the_statement_writes_is_refused(monkeypatch):
    items, rest, loops = _row_panel_tree(monkeypatch)
    loops[0].rows.array = "C"
    with pytest.raises(EmittedOrderError, match="writes 'C', which loop .* row panel reads"):
        check_emitted(items, *rest)
