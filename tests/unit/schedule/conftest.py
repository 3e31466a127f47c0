"""Builders for scheduler tests: small loop nests described in Python, turned into a Scop directly.

These stand in for the frontend: ``loop(var, lo, hi, *body)`` and ``stmt(write, *reads, op=...)``
describe a kernel; :func:`make_scop` builds iteration domains, 2d+1 original schedules and access
relations from isl strings, exactly as ``polyopt.poly.build`` would, and :func:`make_deps` adds the
dependence analysis.  The PolyBench-like kernels used by several test files are defined at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import islpy as isl
import pytest

from polyopt.analysis.dependences import compute_dependences
from polyopt.frontend import syntax as sx
from polyopt.frontend.types import f64
from polyopt.poly.scop import AccessRelation, Array, Scop, Statement


@dataclass(frozen=True)
class Loop:
    var: str
    lo: str
    hi: str  # exclusive upper bound
    body: tuple
    down: bool = False  # iterate from hi - 1 down to lo (original schedule row -var)


@dataclass(frozen=True)
class Stmt:
    write: str  # "C[i, j]", or "s" for a scalar
    reads: tuple[str, ...]
    op: str | None  # "+" for "+=", None for "="


def loop(var: str, lo, hi, *body, down: bool = False) -> Loop:
    return Loop(var, str(lo), str(hi), tuple(body), down)


def stmt(write: str, *reads: str, op: str | None = None) -> Stmt:
    return Stmt(write, tuple(reads), op)


_ACCESS = re.compile(r"^\s*(\w+)\s*(?:\[(.*)\])?\s*$")


def _split_access(text: str) -> tuple[str, str]:
    m = _ACCESS.match(text)
    assert m, f"bad access {text!r}"
    return m.group(1), (m.group(2) or "").strip()


def _syntax_access(text: str) -> sx.Access:
    """A syntax node standing for the access (subscripts kept as opaque names)."""
    array, subs = _split_access(text)
    return sx.Access(array, tuple(sx.Name(x.strip(), sx.Name.ITER) for x in subs.split(",") if x.strip()))


def make_scop(name: str, params: str, body, context: str = "") -> Scop:
    """A Scop for the loop nest ``body`` (a list of Loop/Stmt) with parameters ``params`` ("N M")."""
    plist = params.split()
    pdecl = f"[{', '.join(plist)}] -> "
    ctx_text = context or " and ".join(f"{p} >= 1" for p in plist)
    ctx = isl.Set(pdecl + "{ : " + (ctx_text or "true") + " }")
    found: list[tuple[Stmt, tuple[Loop, ...], tuple]] = []

    def walk(items, loops, prefix):
        for k, item in enumerate(items):
            if isinstance(item, Loop):
                walk(item.body, loops + (item,), prefix + (k, f"-{item.var}" if item.down else item.var))
            else:
                found.append((item, loops, prefix + (k,)))

    walk(body, (), ())
    width = max(len(p) for _, _, p in found)
    arrays: dict[str, None] = {}
    statements = []
    for idx, (st, loops, prefix) in enumerate(found):
        sname = f"S{idx}"
        iters = [lp.var for lp in loops]
        tup = f"{sname}[{', '.join(iters)}]"
        cons = " and ".join(f"{lp.lo} <= {lp.var} < {lp.hi}" for lp in loops) or "true"
        domain = isl.Set(f"{pdecl}{{ {tup} : {cons} }}").intersect_params(ctx).coalesce()
        sched_items = [str(p) for p in prefix] + ["0"] * (width - len(prefix))
        schedule = isl.Map(f"{pdecl}{{ {tup} -> [{', '.join(sched_items)}] }}")

        def access(text, is_write, tup=tup, domain=domain):
            array, subs = _split_access(text)
            arrays[array] = None
            rel = isl.Map(f"{pdecl}{{ {tup} -> {array}[{subs}] }}").intersect_domain(domain)
            return AccessRelation(array, rel, is_write, _syntax_access(text))

        writes = (access(st.write, True),)
        reads = ((access(st.write, False),) if st.op else ()) + tuple(access(r, False) for r in st.reads)
        value: sx.Expr = sx.Const(0)
        for r in st.reads:
            node = _syntax_access(r)
            value = node if isinstance(value, sx.Const) else sx.BinOp("*", value, node)
        assign = sx.Assign(_syntax_access(st.write), st.op, value)
        statements.append(Statement(sname, tuple(iters), domain, schedule, reads, writes, assign,
                                    None, tuple(loops)))
    arr_objs = tuple(Array(a, f64, ()) for a in arrays)
    return Scop(name, tuple(plist), ctx, arr_objs, tuple(statements))


def make_deps(name: str, params: str, body, context: str = ""):
    return compute_dependences(make_scop(name, params, body, context))


# ---------------------------------------------------------------- kernels (PolyBench-like)


def gemm():
    return make_deps("gemm", "N", [
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("C[i, j]", "C[i, j]"),
             loop("k", 0, "N", stmt("C[i, j]", "A[i, k]", "B[k, j]", op="+"))))])


def matmul_init():
    """Separate init nest then product nest (the classic 3-loop matmul)."""
    return make_deps("matmul", "N", [
        loop("i", 0, "N", loop("j", 0, "N", stmt("C[i, j]"))),
        loop("i", 0, "N", loop("j", 0, "N", loop("k", 0, "N",
             stmt("C[i, j]", "A[i, k]", "B[k, j]", op="+"))))])


def two_mm():
    return make_deps("2mm", "N", [
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("tmp[i, j]"),
             loop("k", 0, "N", stmt("tmp[i, j]", "A[i, k]", "B[k, j]", op="+")))),
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("D[i, j]", "D[i, j]"),
             loop("k", 0, "N", stmt("D[i, j]", "tmp[i, k]", "C[k, j]", op="+"))))])


def three_mm():
    return make_deps("3mm", "N", [
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("E[i, j]"),
             loop("k", 0, "N", stmt("E[i, j]", "A[i, k]", "B[k, j]", op="+")))),
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("F[i, j]"),
             loop("k", 0, "N", stmt("F[i, j]", "C[i, k]", "D[k, j]", op="+")))),
        loop("i", 0, "N", loop("j", 0, "N",
             stmt("G[i, j]"),
             loop("k", 0, "N", stmt("G[i, j]", "E[i, k]", "F[k, j]", op="+"))))])


def jacobi_1d():
    return make_deps("jacobi_1d", "T N", [
        loop("t", 0, "T",
             loop("i", 1, "N - 1", stmt("B[i]", "A[i - 1]", "A[i]", "A[i + 1]")),
             loop("i", 1, "N - 1", stmt("A[i]", "B[i - 1]", "B[i]", "B[i + 1]")))],
        context="T >= 1 and N >= 3")


def jacobi_2d():
    return make_deps("jacobi_2d", "T N", [
        loop("t", 0, "T",
             loop("i", 1, "N - 1", loop("j", 1, "N - 1",
                  stmt("B[i, j]", "A[i, j]", "A[i, j - 1]", "A[i, j + 1]", "A[i + 1, j]", "A[i - 1, j]"))),
             loop("i", 1, "N - 1", loop("j", 1, "N - 1",
                  stmt("A[i, j]", "B[i, j]", "B[i, j - 1]", "B[i, j + 1]", "B[i + 1, j]", "B[i - 1, j]"))))],
        context="T >= 1 and N >= 3")


def seidel_2d():
    reads = [f"A[i + {a}, j + {b}]" for a in (-1, 0, 1) for b in (-1, 0, 1)]
    return make_deps("seidel_2d", "T N", [
        loop("t", 0, "T", loop("i", 1, "N - 1", loop("j", 1, "N - 1", stmt("A[i, j]", *reads))))],
        context="T >= 1 and N >= 3")


def heat_3d():
    def body(dst, src):
        reads = [f"{src}[i, j, k]"] + [f"{src}[{x}]" for x in (
            "i + 1, j, k", "i - 1, j, k", "i, j + 1, k", "i, j - 1, k", "i, j, k + 1", "i, j, k - 1")]
        inner = loop("k", 1, "N - 1", stmt(f"{dst}[i, j, k]", *reads))
        return loop("i", 1, "N - 1", loop("j", 1, "N - 1", inner))
    return make_deps("heat_3d", "T N", [loop("t", 0, "T", body("B", "A"), body("A", "B"))],
                     context="T >= 1 and N >= 3")


def fdtd_2d():
    return make_deps("fdtd_2d", "T NX NY", [
        loop("t", 0, "T",
             loop("j", 0, "NY", stmt("ey[0, j]", "fict[t]")),
             loop("i", 1, "NX", loop("j", 0, "NY", stmt("ey[i, j]", "ey[i, j]", "hz[i, j]", "hz[i - 1, j]"))),
             loop("i", 0, "NX", loop("j", 1, "NY", stmt("ex[i, j]", "ex[i, j]", "hz[i, j]", "hz[i, j - 1]"))),
             loop("i", 0, "NX - 1", loop("j", 0, "NY - 1",
                  stmt("hz[i, j]", "hz[i, j]", "ex[i, j + 1]", "ex[i, j]", "ey[i + 1, j]", "ey[i, j]"))))],
        context="T >= 1 and NX >= 2 and NY >= 2")


def lu():
    return make_deps("lu", "N", [
        loop("i", 0, "N",
             loop("j", 0, "i",
                  loop("k", 0, "j", stmt("A[i, j]", "A[i, k]", "A[k, j]", op="-")),
                  stmt("A[i, j]", "A[i, j]", "A[j, j]")),
             loop("j", "i", "N",
                  loop("k", 0, "i", stmt("A[i, j]", "A[i, k]", "A[k, j]", op="-"))))])


def cholesky():
    return make_deps("cholesky", "N", [
        loop("i", 0, "N",
             loop("j", 0, "i",
                  loop("k", 0, "j", stmt("A[i, j]", "A[i, k]", "A[j, k]", op="-")),
                  stmt("A[i, j]", "A[i, j]", "A[j, j]")),
             loop("k", 0, "i", stmt("A[i, i]", "A[i, k]", "A[i, k]", op="-")),
             stmt("A[i, i]", "A[i, i]"))])


def matvec():
    return make_deps("matvec", "N M", [
        loop("i", 0, "N",
             stmt("y[i]"),
             loop("j", 0, "M", stmt("y[i]", "A[i, j]", "x[j]", op="+")))])


def shifted_copy():
    """S0: B[i] = A[i]; S1: C[i] = B[i + 1]: fusing the two loops without a shift is illegal."""
    return make_deps("shifted_copy", "N", [
        loop("i", 0, "N", stmt("B[i]", "A[i]")),
        loop("i", 0, "N - 1", stmt("C[i]", "B[i + 1]"))])


def countdown():
    """An outer loop counting down: for i in range(N - 1, 0, -1): A[i, j] = A[i - 1, j] + A[i, j]."""
    return make_deps("countdown", "N", [
        loop("i", 1, "N", loop("j", 0, "N", stmt("A[i, j]", "A[i - 1, j]", "A[i, j]")), down=True)])


KERNELS = {
    "gemm": gemm, "matmul_init": matmul_init, "2mm": two_mm, "3mm": three_mm,
    "jacobi_1d": jacobi_1d, "jacobi_2d": jacobi_2d, "seidel_2d": seidel_2d, "heat_3d": heat_3d,
    "fdtd_2d": fdtd_2d, "lu": lu, "cholesky": cholesky, "matvec": matvec, "shifted_copy": shifted_copy,
    "countdown": countdown,
}


@pytest.fixture(scope="session")
def _deps_cache():
    return {}


@pytest.fixture
def kernel_deps(_deps_cache):
    """Dependences per kernel name, computed once per session; what the schedule stage memoizes on
    them (the schedulers' trees) is dropped for each test, which may change how they are computed."""

    def get(name: str):
        if name not in _deps_cache:
            _deps_cache[name] = KERNELS[name]()
        _deps_cache[name].memo.clear()
        return _deps_cache[name]

    return get


# ---------------------------------------------------------------- FileCheck-style matching


def filecheck(text: str, checks: str) -> None:
    """Match ``checks`` against ``text`` like LLVM's FileCheck (substring matching).

    ``CHECK: s`` finds the next line containing ``s`` at or after the current position,
    ``CHECK-NEXT: s`` requires it on the line right after the previous match, ``CHECK-SAME: s`` on
    the line of the previous match, and
    ``CHECK-NOT: s`` requires that no line between the previous match and the next one contains ``s``.
    """
    lines = text.splitlines()
    pos = 0  # index of the first line not yet consumed
    pending_not: list[str] = []
    for raw in checks.strip().splitlines():
        directive, _, pattern = raw.strip().partition(":")
        pattern = pattern.strip()
        if directive == "CHECK-NOT":
            pending_not.append(pattern)
            continue
        if directive == "CHECK-SAME":
            assert pos > 0 and pattern in lines[pos - 1], (
                f"CHECK-SAME: {pattern!r} not on line {pos}\n--- text ---\n{text}")
            continue
        if directive == "CHECK-NEXT":
            line = lines[pos] if pos < len(lines) else "<eof>"
            assert pos < len(lines) and pattern in line, (
                f"CHECK-NEXT: {pattern!r} not on line {pos + 1}: {line!r}\n--- text ---\n{text}")
            found = pos
        else:
            assert directive == "CHECK", f"unknown directive {directive!r}"
            found = next((k for k in range(pos, len(lines)) if pattern in lines[k]), None)
            assert found is not None, f"CHECK: {pattern!r} not found after line {pos}\n--- text ---\n{text}"
        for bad in pending_not:
            hit = next((k for k in range(pos, found) if bad in lines[k]), None)
            assert hit is None, f"CHECK-NOT: {bad!r} found on line {hit + 1}\n--- text ---\n{text}"
        pending_not = []
        pos = found + 1
    for bad in pending_not:
        hit = next((k for k in range(pos, len(lines)) if bad in lines[k]), None)
        assert hit is None, f"CHECK-NOT: {bad!r} found on line {hit + 1}\n--- text ---\n{text}"


# ---------------------------------------------------------------- reading the final isl tree


def loop_marks(tree: isl.Schedule) -> list:
    """``(LoopInfo, band node, LoopInfos of enclosing marks)`` for every loop mark, top-down."""
    from polyopt.schedule.loops import LOOP_MARK

    out = []

    def visit(node, ancestors):
        if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == LOOP_MARK:
            info = node.mark_get_id().get_user()
            out.append((info, node.child(0), tuple(ancestors)))
            ancestors = ancestors + [info]
        for k in range(node.n_children()):
            visit(node.child(k), ancestors)

    visit(tree.get_root(), [])
    return out


def carries_dependence(band: isl.ScheduleNode, deps: isl.UnionMap) -> bool:
    """Independent check through isl's prefix schedules: does the band's (single) member carry a
    dependence between instances that the enclosing loops and sequences do not separate?"""
    dom = band.get_domain()
    inside = deps.intersect_domain(dom).intersect_range(dom)
    prefix = band.get_prefix_schedule_union_map()
    inside = inside.intersect(prefix.apply_range(prefix.reverse()))
    member = band.band_get_partial_schedule_union_map()
    return not inside.is_subset(member.apply_range(member.reverse()))
