"""Accumulators promoted to the array element they are stored into.

A kernel often sums into a local scalar and stores the result into an array element afterwards
(PolyBench's ludcmp, as people write an LU factorisation or a triangular solve)::

    w = A[i, j]
    for k in range(j):           ->      for k in range(j):
        w -= A[i, k] * A[k, j]               A[i, j] -= A[i, k] * A[k, j]
    A[i, j] = w / A[j, j]                A[i, j] = A[i, j] / A[j, j]

The scalar orders every step of the sum before the next element's: the reduction loop stays
innermost, reading ``A[k, j]`` down a column, and no schedule can interchange it (the scalar's
dependences cross every iteration).  Written into the element, the same operations in the same
order become an ordinary array update that the scheduler tiles and interchanges like ``lu``.

A *region* is, in one statement list, a plain assignment ``w = e`` to a local scalar (``e`` does
not read ``w``) and the last later statement of that list, before ``w`` is assigned that way
again, that reads ``w``: a plain assignment ``E = f(w)`` to an array element; every statement
between that writes ``w`` adds to it or subtracts from it (a sum: a running maximum keeps the
scalar, whose vector reduction an element has not).  In the region ``w`` is replaced by ``E``;
``E = E`` at either end (``w = A[i, j]`` above, or ``f`` being ``w`` itself) is dropped.  That
keeps every value when, for every execution of the region (its outer loop values):

* no statement between the two, nor ``f`` itself apart from ``w``, reads or writes ``E`` (only
  the first statement's ``e`` may read it, before it is written) -- ``E`` then holds ``w`` from
  the first statement on, where the original held its old value;
* every read of ``w`` in the kernel lies in a region that is promoted (its value after the region
  is never used), and ``w`` has the element type of ``E``'s array (the same rounding).

The first condition is proved with isl on the original model: the elements each statement of the
region accesses, for the region's loop values, do not meet ``E``.  Bitwise the same results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import islpy as isl

from ..frontend import syntax as sx


@dataclass(frozen=True)
class Promotion:
    """One promoted region: the scalar, the element (as text) and the statement it was stored by."""

    local: str
    element: str
    line: int | None

    def text(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.local} promoted to {self.element}, the element it is stored into{where}"


@dataclass(frozen=True)
class Promoted:
    """The kernel after promotion, the promotions made, and where each statement came from."""

    kernel: sx.KernelDef
    promotions: tuple[Promotion, ...]
    # id(statement of ``kernel``) -> (the original statement, ((scalar, the original statement
    # storing it), ...) replaced in it); statements not listed are the original ones
    origins: dict

    def origin(self, node: sx.Assign) -> tuple:
        """``(original statement, ((scalar, original store), ...))`` of a statement of ``kernel``."""
        return self.origins.get(id(node), (node, ()))


def promote_accumulators(kernel: sx.KernelDef, scop, names: frozenset[str] | None = None) -> Promoted:
    """``kernel`` with every region of :mod:`this module <polyopt.poly.promote>` whose
    conditions ``scop`` (the model of ``kernel``) proves promoted.  ``names``: the scalars that
    may be promoted (default: every local scalar); a C region names the scalars it writes (arrays
    of rank 0 there) whose value the code after it does not read."""
    locals_ = {loc.name: loc.dtype for loc in kernel.locals if names is None or loc.name in names}
    locals_.update({a.name: a.dtype for a in kernel.args
                    if names is not None and a.name in names and a.kind == sx.Argument.ARRAY and not a.shape})
    if not locals_:
        return Promoted(kernel, (), {})
    by_node = {id(s.body): s for s in scop.statements}
    found: list[tuple[tuple, int, int, str]] = []  # (list path, start, end, local)
    _regions(kernel.body, (), locals_, found)
    chosen = [r for r in found if _legal(r, kernel, scop, by_node, locals_)]
    # a scalar read outside its promoted regions keeps all of them (its value after one is used)
    covered: dict[str, int] = {}
    for path, a, b, local in chosen:
        covered[local] = covered.get(local, 0) + _reads_of(_list(kernel.body, path)[a:b + 1], local)
    chosen = [r for r in chosen if covered[r[3]] == _reads_of(kernel.body, r[3])]
    if not chosen:
        return Promoted(kernel, (), {})
    promotions = []
    origins: dict = {}
    body = kernel.body
    for path, a, b, local in sorted(chosen, key=lambda r: (r[0], -r[1])):  # later regions first
        items = list(_list(body, path))
        store = items[b]
        element = store.target
        region = [_renamed(x, local, element) for x in items[a:b + 1]]
        first = origins.get(id(store), (store, ()))[0]
        for old, renamed in zip(sx.assignments(items[a:b + 1]), sx.assignments(region)):
            source, done = origins.get(id(old), (old, ()))
            origins[id(renamed)] = (source, done + ((local, first),))
        if store.value == sx.Access(local, ()):
            region = region[:-1]  # E = E at the end
        if _same_element(items[a].value, element):
            region = region[1:]  # E = E at the start: w = A[i, j]
        items[a:b + 1] = region
        body = _with_list(body, path, tuple(items))
        promotions.append(Promotion(local, _element_text(store), store.loc.line if store.loc else None))
    used = set()
    _locals_used(body, used)
    new = replace(kernel, body=body, locals=tuple(loc for loc in kernel.locals if loc.name in used))
    return Promoted(new, tuple(reversed(promotions)), origins)


# ---------------------------------------------------------------- finding regions


def _regions(body: tuple, path: tuple, locals_: dict, out: list) -> None:
    for k, node in enumerate(body):
        if isinstance(node, sx.For):
            _regions(node.body, path + ((k, "body"),), locals_, out)
        elif isinstance(node, sx.If):
            _regions(node.then, path + ((k, "then"),), locals_, out)
            _regions(node.orelse, path + ((k, "orelse"),), locals_, out)
    for k, node in enumerate(body):
        local = _plain_local_init(node, locals_)
        if local is None:
            continue
        end = next((m for m in range(k + 1, len(body)) if _plain_local_init(body[m], locals_) == local), len(body))
        last = max((m for m in range(k + 1, end) if _reads_of((body[m],), local)), default=None)
        if last is None:
            continue
        store = body[last]
        if (isinstance(store, sx.Assign) and store.op is None and store.target.indices
                and store.target.array not in locals_ and _sums(body[k + 1:last], local)):
            out.append((path, k, last, local))


def _sums(nodes, local: str) -> bool:
    """Whether every statement of ``nodes`` that writes ``local`` adds to it or subtracts from it
    (``w += e``, ``e`` not reading ``w``): a sum, which the scheduler reduces as well in an element
    (a running maximum held in a scalar has a vector reduction an element has not)."""
    for node in nodes:
        if isinstance(node, sx.Assign):
            if node.target == sx.Access(local, ()) and (node.op not in ("+", "-") or _reads_of(
                    (node,), local, values_only=True)):
                return False
        elif isinstance(node, sx.For) and not _sums(node.body, local):
            return False
        elif isinstance(node, sx.If) and not _sums(node.then + node.orelse, local):
            return False
    return True


def _plain_local_init(node, locals_: dict) -> str | None:
    """The local scalar ``node`` assigns plainly, from a value that does not read it."""
    if (isinstance(node, sx.Assign) and node.op is None and not node.target.indices
            and node.target.array in locals_ and not _reads_of((node,), node.target.array, values_only=True)):
        return node.target.array
    return None


# ---------------------------------------------------------------- legality


def _legal(region: tuple, kernel: sx.KernelDef, scop, by_node: dict, locals_: dict) -> bool:
    path, a, b, local = region
    items = _list(kernel.body, path)
    store = by_node[id(items[b])]
    element = store.writes[0]
    depth = store.depth
    if kernel.argument(element.array).dtype != locals_[local]:
        return False
    for node in items[a:b + 1]:
        for stmt in (by_node[id(x)] for x in sx.assignments((node,))):
            for access in stmt.accesses:
                if access.array != element.array:
                    continue
                if stmt is store and access.is_write:
                    continue
                if node is items[a]:  # the first statement's value may read E (before it is written)
                    continue
                if _meets(access.relation, element.relation, depth):
                    return False
    return True


def _meets(access: isl.Map, element: isl.Map, depth: int) -> bool:
    """Whether an instance of ``access``'s statement touches the element ``element`` writes at the
    same values of the first ``depth`` iterators (the loops around the region)."""
    pairs = access.apply_range(element.reverse())  # { T[...] -> S[...] : the same element }
    same = isl.Map.universe(pairs.get_space())
    for k in range(depth):
        same = same.equate(isl.dim_type.in_, k, isl.dim_type.out, k)
    return not pairs.intersect(same).is_empty()


# ---------------------------------------------------------------- rewriting


def _same_element(e: sx.Expr, element: sx.Access) -> bool:
    """Whether ``e`` reads ``element`` itself (the same array and subscripts)."""
    return isinstance(e, sx.Access) and e.array == element.array and e.indices == element.indices


def _reads_of(nodes, local: str, values_only: bool = False) -> int:
    """How many reads of local scalar ``local`` the statements ``nodes`` make."""
    count = 0
    for node in nodes:
        if isinstance(node, sx.Assign):
            count += sum(1 for e in _accesses(node.value) if e.array == local)
            count += sum(1 for i in node.target.indices for e in _accesses(i) if e.array == local)
            if not values_only and node.op is not None and node.target.array == local:
                count += 1
        elif isinstance(node, sx.For):
            count += _reads_of(node.body, local, values_only)
        elif isinstance(node, sx.If):
            count += _reads_of(node.then + node.orelse, local, values_only)
    return count


def _accesses(e: sx.Expr):
    if isinstance(e, sx.Access):
        yield e
        for i in e.indices:
            yield from _accesses(i)
        return
    for child in sx.children(e):
        yield from _accesses(child)


def _renamed(node, local: str, element: sx.Access):
    """``node`` with the local scalar ``local`` replaced by ``element`` (reads and writes)."""
    if isinstance(node, sx.Assign):
        target = element if node.target == sx.Access(local, ()) else node.target
        return replace(node, target=target, value=_expr(node.value, local, element))
    if isinstance(node, sx.For):
        return replace(node, body=tuple(_renamed(x, local, element) for x in node.body))
    if isinstance(node, sx.If):
        return replace(node, then=tuple(_renamed(x, local, element) for x in node.then),
                       orelse=tuple(_renamed(x, local, element) for x in node.orelse))
    return node


def _expr(e: sx.Expr, local: str, element: sx.Access) -> sx.Expr:
    if isinstance(e, sx.Access) and e.array == local and not e.indices:
        return replace(element, loc=e.loc)
    changes = {}
    for name in e.__dataclass_fields__:
        v = getattr(e, name)
        if isinstance(v, sx.Expr):
            changes[name] = _expr(v, local, element)
        elif isinstance(v, tuple) and v and all(isinstance(x, sx.Expr) for x in v):
            changes[name] = tuple(_expr(x, local, element) for x in v)
    return replace(e, **changes) if changes else e


def _list(body: tuple, path: tuple) -> tuple:
    """The statement list at ``path`` ((index, attribute) steps from ``body``)."""
    for k, attr in path:
        body = getattr(body[k], attr)
    return body


def _with_list(body: tuple, path: tuple, new: tuple) -> tuple:
    """``body`` with the statement list at ``path`` replaced by ``new``."""
    if not path:
        return new
    (k, attr), rest = path[0], path[1:]
    node = replace(body[k], **{attr: _with_list(getattr(body[k], attr), rest, new)})
    return body[:k] + (node,) + body[k + 1:]


def _locals_used(body, out: set) -> None:
    for node in body:
        if isinstance(node, sx.Assign):
            if not node.target.indices:
                out.add(node.target.array)
            out.update(e.array for e in _accesses(node.value) if not e.indices)
        elif isinstance(node, sx.For):
            _locals_used(node.body, out)
        elif isinstance(node, sx.If):
            _locals_used(node.then + node.orelse, out)


def _element_text(store: sx.Assign) -> str:
    """The stored element as the user wrote it (its statement's text before ``=``)."""
    line = store.loc.source_line.strip() if store.loc is not None else ""
    return line.split("=")[0].strip() if "=" in line else store.target.array
