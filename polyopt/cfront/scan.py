"""Name-level facts about a region and its surroundings, from the pycparser AST.

Part of the C front end's conversion step: which names a region writes, which identifiers a file
uses (new names must avoid them), and whether a variable is read after the region (an iterator
declared before the region must be dead after it, since the optimized code does not leave its
final value).
"""

from __future__ import annotations

from pycparser import c_ast

from .preprocess import Region


def lvalue_base(node):
    """The variable an lvalue stores into: ``A`` for ``A[i][j]``, ``*p``, ``*(p + i)``, ``s``."""
    while True:
        if isinstance(node, c_ast.ArrayRef):
            node = node.name
        elif isinstance(node, c_ast.UnaryOp) and node.op == "*":
            node = node.expr
        elif isinstance(node, c_ast.BinaryOp) and node.op in ("+", "-"):  # *(p + i): the pointer first
            node = node.left
        else:
            return node.name if isinstance(node, c_ast.ID) else None


def written_names(items, *, headers: bool = False) -> set[str]:
    """Names assigned (``=``, ``op=``, ``++``, ``--``) in ``items``; the increments of ``for``
    headers only with ``headers``."""
    out: set[str] = set()

    def visit(node):
        if isinstance(node, c_ast.Assignment):
            out.add(lvalue_base(node.lvalue))
        if isinstance(node, c_ast.UnaryOp) and node.op in ("p++", "++", "p--", "--"):
            out.add(lvalue_base(node.expr))
        if isinstance(node, c_ast.For) and not headers:  # the header's own updates are not body writes
            visit(node.stmt)
            return
        for _, child in node.children():
            visit(child)

    for item in items:
        visit(item)
    out.discard(None)
    return out


def identifiers(ast) -> set[str]:
    """Every identifier the file declares or uses."""
    out: set[str] = set()

    def visit(node):
        if isinstance(node, c_ast.ID):
            out.add(node.name)
        elif isinstance(node, c_ast.Decl) and node.name:
            out.add(node.name)
        elif isinstance(node, c_ast.Typedef):
            out.add(node.name)
        for _, child in node.children():
            visit(child)

    visit(ast)
    return out


def first_use_after(region: Region, name: str):
    """The first node after the region that reads ``name`` (None if it is dead or overwritten first).

    "After" is the rest of the function in text order and, when the region sits inside a loop, the
    statements of that loop's body before the region too (they run again on the next iteration).
    """
    after: list = []
    path = region.path
    in_loop = None
    for k in range(len(path) - 1, -1, -1):
        node = path[k]
        child = path[k + 1] if k + 1 < len(path) else None
        if isinstance(node, c_ast.Compound):
            items = node.block_items or []
            pos = region.end if child is None else next(j for j, it in enumerate(items) if it is child)
            after.extend(items[pos + 1:])
        if isinstance(node, (c_ast.For, c_ast.While, c_ast.DoWhile)):
            in_loop = node
            after.append(node.next if isinstance(node, c_ast.For) else None)
            after.append(node.cond)
    if in_loop is not None:
        after.append(in_loop.stmt)  # conservative: the whole loop body runs again
    for node in after:
        if node is None:
            continue
        verdict = _first_occurrence(node, name)
        if verdict == "overwritten":
            return None
        if verdict is not None:
            return verdict
    return None


def _first_occurrence(node, name: str):
    """``"overwritten"`` if ``name`` is first assigned a value not depending on it, the reading node
    if it is first read, None if absent."""
    if (isinstance(node, c_ast.Assignment) and node.op == "=" and isinstance(node.lvalue, c_ast.ID)
            and node.lvalue.name == name):
        inner = _first_occurrence(node.rvalue, name)
        return inner if inner is not None else "overwritten"
    if isinstance(node, c_ast.For) and node.init is not None:
        first = _first_occurrence(node.init, name)
        if first is not None:
            return first
        for part in (node.cond, node.stmt, node.next):
            if part is not None:
                r = _first_occurrence(part, name)
                if r is not None:
                    return r
        return None
    if isinstance(node, c_ast.ID) and node.name == name:
        return node
    if isinstance(node, c_ast.Decl) and node.name == name:
        return "overwritten"  # a new variable shadows it
    for _, child in node.children():
        r = _first_occurrence(child, name)
        if r is not None:
            return r
    return None
