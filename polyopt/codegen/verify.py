"""The emitted-code check: the order the printed loop nest executes, checked against the dependences.

Part of code generation.  It runs on every kernel after the isl AST has been walked into loops,
guards and statements (:mod:`.printer`) and the OpenMP pragmas, collapses and temporaries have
been placed, before any C is emitted.  It trusts neither the scheduler nor isl's AST generator
(which can emit wrong code from a legal schedule, see ``islpy-facts.md``): it reads only what will
be printed --

* each ``for`` loop's initial value, test and (constant, positive) step, each guard's condition and
  each statement's iterators, all as the C expressions that are printed, rebuilt as isl sets with C's
  semantics (``/`` and ``%`` truncate, ``floord`` floors, ``min``/``max``/``?:``);
* the position of every item among its siblings, and which branch of a guard it is in;
* where each temporary is declared, and which loops carry ``omp parallel for`` (with the loops it
  collapses) or ``omp simd``.

From these it derives, per statement instance, the *time vector* of its execution: the positions
and loop values on its path from the function body, in execution order (a shorter vector is
compared as if padded with zeros).  In isl, a leaf's vectors are its loop values, in a space of the
leaf's own (``L3[...]``); its positions are constants known per leaf.  The pairs of instances fall
apart into one map per pair of leaves, and each comparison is written for that pair
(:mod:`.verify_pairs`): positions are compared in Python, and only pairs of leaves below a loop
are tested for crossing it.  Then, with isl:

1. for every dependence (RAW, WAR, WAW), the sink's time vector comes after the source's;
2. no loop printed parallel or simd has two iterations of one execution linked by a dependence;
3. a temporary's value reaches its readers: the writer and reader of every RAW pair on it use the
   same declaration of it in the same iteration of the loop declaring it.  WAR and WAW pairs on a
   temporary that use different declarations (different iterations of a loop that declares it:
   a private copy each) need no order;
4. a loop that holds a private copy of an argument array (see :mod:`.private_arrays`) reads no value
   of it from before the kernel (something wrote each element it reads before; rule 3 puts the
   last such write in the same iteration), and its last iteration writes every element of the array,
   so the copy it copies back is whole and holds the original order's final values;
5. a loop that holds a register tile's block (see :mod:`.register_blocks`) runs one statement
   below it, which accesses the array at one element only; in each execution of the loop, two
   instances that access one element use one slot of the block, every slot is within the block,
   and the block's load and store visit exactly the (row, column) pairs the instances use; a loop
   that packs a panel (see :mod:`.packing`) runs one statement, which does not write the packed
   array and reads, at each instance, the slot the copy filled with the element it read before;
   a loop that computes a row panel (see :mod:`.row_panels`) likewise, the slot filled with the
   factor at the instance's row and reduction step;
6. every instance of the model is executed, exactly once, and nothing else is.  This one needs
   each leaf's loops projected onto its statement's iterators, which the existentials of wavefront
   tiles make expensive, so it runs under a budget of its own and is skipped (and reported) when it
   runs out; rules 1-5 cover every pair of instances that is executed, whatever the coverage.

A failure raises :class:`EmittedOrderError` naming the rule, the dependence and a pair of
instances; code generation then retries isl's AST generation another way or refuses the kernel.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import islpy as isl

from ..analysis.dataflow import accesses_of, memory_based
from ..analysis.legality import example_pair
from ..errors import BudgetExceeded
from ..poly import budget
from ..schedule.loops import PARALLEL
from ..schedule.private_arrays import array_extent, uncovered_reads
from . import verify_copies
from . import verify_pairs as vp
from .c_to_isl import Converter, EmittedOrderError
from .printer import Guard, Loop, Stmt
from .reductions import other_use_of_reduced, without_reductions
from .verify_blocks import check_blocks, check_packs, check_rows
from .verify_copies import CopyRun


@dataclass(eq=False)
class _Leaf:
    """One statement in the printed tree, with what lies on its path from the function body; or a
    run of consecutive copies of one statement among their siblings (isl's unrolling prints one per
    iteration), read as one leaf whose last time-vector entry is the copy's position."""

    stmt: Stmt  # the (first) copy
    path: tuple  # enclosing loops (Loop) and guards ((Guard, holds)), outermost first
    entries: list  # time-vector entries: an int (position / branch), a Loop (its value) or COPY
    run: CopyRun | None = None  # for a run of copies

    @property
    def loops(self) -> list[Loop]:
        return [x for x in self.path if isinstance(x, Loop)]


def check_emitted(items: list, scop, dependences, rename: dict[str, str], context: isl.Set | None = None,
                  functions: dict[str, isl.PwMultiAff] | None = None) -> bool:
    """Raise :class:`EmittedOrderError` unless the loop tree ``items`` executes ``scop`` in an order
    that respects ``dependences`` (see the module docstring), for every parameter value in ``context``
    (default: the Scop's).  ``rename`` maps parameter names to their C names; a temporary that no
    loop declares is at function scope.  ``functions`` (the schedule isl was given, per statement)
    only speeds up rule 6: nothing it says is trusted.  Returns whether the instance check (rule 6)
    was completed within its budget too."""
    checker = _Checker(items, scop, dependences, rename, scop.context if context is None else context)
    try:
        with budget.isl_budget(budget.VERIFY, f"checking the code generated for '{scop.name}'"):
            checker.run()
    except BudgetExceeded as exc:
        raise EmittedOrderError(exc.message, hint="the emitted code could not be verified") from exc
    try:
        with budget.isl_budget(budget.VERIFY_INSTANCES, f"checking the instances of '{scop.name}'"):
            checker.check_instances(functions or {})
    except BudgetExceeded:
        return False
    return True


class _Checker:
    def __init__(self, items, scop, dependences, rename, context):
        self.scop = scop
        self.deps = dependences
        self.context = context
        self.leaves: list[_Leaf] = []
        self.sites: dict[int, int] = {}  # id(Loop) -> its dimension in the time vectors (its depth)
        self._walk(items, (), [])
        self.by_tuple = {_tuple(k): leaf for k, leaf in enumerate(self.leaves)}
        # one space for every loop variable of the tree (a leaf leaves the others unconstrained)
        names = list(dict.fromkeys(x.var for leaf in self.leaves for x in leaf.loops))
        self.space = isl.Space.create_from_names(isl.DEFAULT_CONTEXT, set=names, params=list(scop.params))
        self.conv = Converter(self.space, {c: p for p, c in rename.items()})
        self.space_params = scop.context.get_space()
        self._where_cache: dict[tuple, isl.Set] = {}

    # ------------------------------------------------------------ the printed tree

    def _walk(self, items, path: tuple, entries: list) -> None:
        # rule 5 reads each statement below a block or panel as printed: no runs there
        plain = not any(isinstance(x, Loop) and _holds_panel(x) for x in path)
        runs = verify_copies.runs(items) if plain else {}
        inside = {j for run in runs.values() for j in run.positions}
        for k, item in enumerate(items):
            # a position among siblings orders them; an only child needs none
            here = entries + [k] if len(items) > 1 else entries
            if k in runs:
                self.leaves.append(_Leaf(item, path, entries + [COPY], runs[k]))
            elif k in inside:
                continue
            elif isinstance(item, Stmt):
                self.leaves.append(_Leaf(item, path, here))
            elif isinstance(item, Guard):
                # with an else, a branch entry keeps the paths of the two branches apart (only one of
                # them runs for given outer values, so it does not change the order)
                two = item.orelse is not None
                self._walk(item.then, path + ((item, True),), here + [0] if two else here)
                if two:
                    self._walk(item.orelse, path + ((item, False),), here + [1])
            elif isinstance(item, Loop):
                self.sites[id(item)] = sum(isinstance(x, Loop) for x in path)
                self._walk(item.body, path + (item,), here + [item])
            else:
                raise EmittedOrderError(f"unexpected item {type(item).__name__} in the loop tree")

    # ------------------------------------------------------------ what each leaf executes

    def _where(self, path: tuple) -> isl.Set:
        """The values of the loop variables (and parameters) where the items of ``path`` run."""
        key = tuple(id(x) if isinstance(x, Loop) else (id(x[0]), x[1]) for x in path)
        if key not in self._where_cache:
            if not path:
                out = isl.Set.universe(self.space).intersect_params(self.context)
            else:
                outer = self._where(path[:-1])
                last = path[-1]
                if isinstance(last, Loop):
                    out = outer.intersect(self.conv.loop_values(last, outer))
                else:
                    guard, holds = last
                    test = self.conv.cond(guard.cond, outer)
                    out = outer.intersect(test) if holds else outer.subtract(test)
            self._where_cache[key] = out.coalesce()
        return self._where_cache[key]

    def _executed(self, index: int, leaf: _Leaf) -> isl.Map:
        """``{ S[iterators] -> L<index>[time vector] }`` for the instances ``leaf`` executes."""
        values = self._where(leaf.path)
        names = [self.space.get_dim_name(isl.dim_type.set, k) for k in range(self.space.dim(isl.dim_type.set))]
        texts = [x.var for x in leaf.loops] + ([] if leaf.run is None else [str(leaf.run.positions[0])])
        clock = isl.Map(f"{self._pdecl()}{{ [{', '.join(names)}] -> {_tuple(index)}[{', '.join(texts)}] }}")
        # the loop variables outside the leaf's path are unconstrained and vanish in the composition
        out = self._instances(leaf.stmt, values).intersect_domain(values).reverse().apply_range(clock)
        return out if leaf.run is None else verify_copies.merged(out, leaf.run)

    def _instances(self, printed: Stmt, values: isl.Set) -> isl.Map:
        """``{ [loop variables] -> S[iterators] }``: the instance ``printed`` runs at each of ``values``."""
        stmt = self.scop.statement(printed.name)
        if len(printed.iterators) != stmt.depth:
            raise EmittedOrderError(f"statement {stmt.name} is printed with {len(printed.iterators)} "
                                    f"iterators, it has {stmt.depth}")
        exprs = isl.PwAffList.alloc(isl.DEFAULT_CONTEXT, stmt.depth)
        for it in printed.iterators:
            exprs = exprs.add(self.conv.pw(it, values))
        return isl.Map.from_multi_pw_aff(isl.MultiPwAff.from_pw_aff_list(
            isl.Space.map_from_domain_and_range(self.space, stmt.domain.get_space()), exprs))

    # ------------------------------------------------------------ the checks

    def run(self) -> None:
        self.per_leaf = per_leaf = [self._executed(k, leaf) for k, leaf in enumerate(self.leaves)]
        # For the dependence pairs, which lie in the statements' domains, each leaf's map can drop
        # the constraints the domain implies (most loop bounds): far fewer pieces to pair up.
        per_leaf = [m.gist_domain(self.scop.statement(leaf.stmt.name).domain)
                    for leaf, m in zip(self.leaves, per_leaf)]
        executed = _union((m.to_union_map() for m in per_leaf), self.space_params)
        # The dependences as pairs of time vectors, per array; those on a temporary only where they use
        # the same storage.  Per array either the dependence edges or every pair of conflicting
        # accesses in the original order (memory-based, unreduced), whichever has fewer pieces: a
        # total order keeps all conflicting pairs in order exactly when it keeps the edges (their
        # transitive reduction) in order, and a parallel loop has a conflict across iterations
        # exactly when an edge crosses them.  (conv2d's edges on out have 25 pieces, its conflicts 4;
        # stencils over time steps are the other way round.)
        copies = {n for leaf in self.leaves for x in leaf.loops for n in x.private_arrays}
        storage = {a.name for a in self.scop.arrays
                   if (a.is_local or a.name in copies) and any(e.array == a.name for e in self.deps.edges)}
        for array in storage:
            flow = _union((e.relation.to_union_map() for e in self.deps.edges
                           if e.array == array and e.kind == "RAW"), self.space_params)
            times = flow.apply_domain(executed).apply_range(executed)
            lost = self._select(times, functools.partial(vp.other_storage, self.sites, array))
            if not lost.is_empty():
                self._fail(f"RAW on {array}", flow.intersect(executed.apply_range(lost).apply_range(
                    executed.reverse())), f"the value of temporary '{array}' does not reach its reader (they "
                    "use different declarations of it)")
        self._check_copies()
        check_blocks(self)
        check_packs(self)
        check_rows(self)
        conflicts = self._conflicts()
        # Only pairs of leaves that the order or a parallel or simd loop around both can put in
        # question are composed (the two nests of conv2d share no loop and run in a fixed order)
        every = self._dependent(conflicts, list(zip(self.leaves, per_leaf)), storage, self._questioned)
        if self._any(every, vp.out_of_order):
            self._explain(conflicts, executed, storage, "the sink runs before the source",
                          lambda t: self._select(t, vp.out_of_order))
        # Loops printed parallel or simd: the pairs below the loop, in one execution of it, must not
        # differ in its iterations.  Only pairs of leaves that both lie below the loop can.
        # A loop printed with a reduction clause may run the updates of its reduction statements
        # to the reduced element in any order: their pairs among themselves are left out.
        for loop in {id(x): x for leaf in self.leaves for x in leaf.loops if x.kind}.values():
            pairs = every
            if loop.clauses:
                under = [(leaf, m) for leaf, m in zip(self.leaves, per_leaf) if any(x is loop for x in leaf.loops)]
                used = other_use_of_reduced(loop, [leaf.stmt.name for leaf, _ in under], self.scop)
                if used:
                    raise EmittedOrderError(used)
                # only the arrays the statements below the loop access can have pairs there
                touched = {a.array for leaf, _ in under for a in self.scop.statement(leaf.stmt.name).accesses}
                kept = {key: r for key, r in without_reductions(conflicts, loop, self.scop).items()
                        if key[1] in touched}
                pairs = self._dependent(kept, under, storage, lambda a, b: True)
            crossing = functools.partial(vp.crossing, self.sites, loop)
            if self._any(pairs, crossing):
                what = "omp parallel for" if loop.kind == PARALLEL else "omp simd"
                self._explain(conflicts, executed, storage, f"loop {loop.var} is printed '{what}' but two of "
                              "its iterations access the same element", lambda t, f=crossing: self._select(t, f))

    def _check_copies(self) -> None:
        """Rule 4 (module docstring), for every loop that holds private copies."""
        for loop in {id(x): x for leaf in self.leaves for x in leaf.loops if x.private_arrays}.values():
            under = [(leaf, m) for leaf, m in zip(self.leaves, self.per_leaf)
                     if any(x is loop for x in leaf.loops)]
            keep = self.sites[id(loop)] + 1  # the loop values up to the loop's own
            head = self.sites[id(loop.copy_chain[0])]  # ... and from the first loop of its collapse
            if not under:
                raise EmittedOrderError(f"loop {loop.var} holds private copies but runs no statement")
            # every iteration the printed loops make, also one that runs no statement: the copy-back
            # test is the loop's own (the next value fails its test)
            leaf = under[0][0]
            path = leaf.path[:next(k for k, x in enumerate(leaf.path) if x is loop) + 1]
            texts = [x.var for x in leaf.loops[:keep]]
            names = [self.space.get_dim_name(isl.dim_type.set, k) for k in range(self.space.dim(isl.dim_type.set))]
            clock = isl.Map(f"{self._pdecl()}{{ [{', '.join(names)}] -> [{', '.join(texts)}] }}")
            iterations = self._where(path).apply(clock)
            last = isl.Map.from_range(iterations).move_dims(isl.dim_type.in_, 0, isl.dim_type.out, 0, head)
            last = last.lexmax().wrap().flatten()
            for name in loop.private_arrays:
                written = None
                for leaf, m in under:
                    stmt = self.scop.statement(leaf.stmt.name)
                    if any(r.array == name for r in stmt.reads):
                        self._reads_in_copy(stmt, m, name, loop)
                    for w in stmt.writes:
                        if w.array == name:
                            part = m.reverse().apply_range(w.relation).project_out(
                                isl.dim_type.in_, keep, m.dim(isl.dim_type.out) - keep)
                            part = part.reset_tuple_id(isl.dim_type.in_)
                            written = part if written is None else written.union(part)
                extent = array_extent(self.scop, self.scop.array(name))
                need = None if extent is None else isl.Map.from_domain_and_range(last, extent).intersect_params(
                    self.context)
                if need is None or written is None or not need.is_subset(written.intersect_domain(last)):
                    raise EmittedOrderError(f"loop {loop.var} copies back its private copy of '{name}', but its "
                                            "last iteration does not write every element of it")

    def _reads_in_copy(self, stmt, executed: isl.Map, name: str, loop: Loop) -> None:
        """Raise if an instance of ``stmt`` in ``executed`` reads an element of ``name`` that nothing
        wrote before it (a value from before the loop, which the copy does not hold)."""
        if not executed.domain().intersect(uncovered_reads(self.scop, stmt, name)).is_empty():
            raise EmittedOrderError(f"{stmt.name} reads '{name}' in loop {loop.var}, which holds a private copy "
                                    "of it, but a value written before the loop")

    def _conflicts(self) -> dict[tuple[str, str], isl.UnionMap]:
        """``{(kind, array): instance pairs}`` to keep in order, the cheaper form per array (above)."""
        reads, writes = self.scop.reads(), self.scop.writes()
        out = {}
        for array in {e.array for e in self.deps.edges}:
            form = {kind: _union((e.relation.to_union_map() for e in self.deps.edges
                                  if e.array == array and e.kind == kind), self.space_params)
                    for kind in ("RAW", "WAR", "WAW")}
            if not self.scop.array(array).is_local:  # a temporary's conflicts span every iteration
                rel = memory_based(self.scop, accesses_of(reads, array), accesses_of(writes, array),
                                   self._order_among(array))
                memory = {"RAW": rel.raw, "WAR": rel.war, "WAW": rel.waw}
                form = min((form, memory), key=lambda f: sum(_pieces(r) for r in f.values()))
            out.update({(kind, array): pairs for kind, pairs in form.items() if not pairs.is_empty()})
        return out

    def _order_among(self, array: str) -> isl.UnionMap:
        """The original order of the instances of the statements that access ``array`` (the order
        of all statements pairs up every two of them: 0.38 s of the suite's 7 s check)."""
        statements = [s for s in self.scop.statements if any(a.array == array for a in s.accesses)]
        order = _union((s.schedule.intersect_domain(s.domain).to_union_map() for s in statements),
                       self.space_params)
        return order.lex_lt_union_map(order)

    def _questioned(self, a: _Leaf, b: _Leaf) -> bool:
        """Whether a pair of instances from leaf ``a`` to ``b`` can run out of order or cross a
        parallel or simd loop around both."""
        return bool(vp.out_of_order(a, b)) or any(x is y and x.kind for x, y in zip(a.loops, b.loops))

    def _dependent(self, conflicts: dict, leaves: list, storage: set, needed) -> isl.UnionMap:
        """The time-vector pairs of all ``conflicts`` between instances of ``leaves`` (``(leaf, its
        executed map)`` each), from leaf ``a`` to ``b`` where ``needed(a, b)``; those on a temporary
        only where they use the same storage.  Sources that need the same sinks are composed together."""
        pairs = []
        for array in {a for _, a in conflicts}:
            rel = _union((r for (_, a), r in conflicts.items() if a == array), self.space_params)
            ends = [(leaf, m) for leaf, m in leaves
                    if any(a.array == array for a in self.scop.statement(leaf.stmt.name).accesses)]
            groups: dict[tuple, list] = {}
            for a, m in ends:
                sinks = tuple(k for k, (b, _) in enumerate(ends) if needed(a, b))
                if sinks:
                    groups.setdefault(sinks, []).append(m)
            for sinks, sources in groups.items():
                times = rel.apply_domain(_union((m.to_union_map() for m in sources), self.space_params)) \
                    .apply_range(_union((ends[k][1].to_union_map() for k in sinks), self.space_params))
                pairs.append(self._select(times, functools.partial(vp.same_storage, self.sites, array))
                             if array in storage else times)
        return _union(pairs, self.space_params)

    def _explain(self, conflicts: dict, executed, storage: set, why: str, bad_part) -> None:
        """Raise for the first conflict whose time pairs have a non-empty ``bad_part``."""
        for (kind, array), rel in sorted(conflicts.items()):
            times = rel.apply_domain(executed).apply_range(executed)
            if array in storage:
                times = self._select(times, functools.partial(vp.same_storage, self.sites, array))
            bad = bad_part(times)
            if not bad.is_empty():
                self._fail(f"{kind} on {array}", rel.intersect(
                    executed.apply_range(bad).apply_range(executed.reverse())), why)
        raise EmittedOrderError(f"the emitted code violates a dependence: {why}")

    def check_instances(self, functions: dict[str, isl.PwMultiAff]) -> None:
        """Every instance of every statement is executed exactly once, and nothing else is (after
        :meth:`run`).  ``functions`` are candidates for each leaf's time vectors as functions of
        the instance: a leaf whose pairs lie on a function's graph runs no instance twice, a test
        far cheaper than isl's own for single values (stencil3d27: 0.1 s against 0.6 s)."""
        by_statement: dict[str, list[isl.Map]] = {}
        graphs = {name: isl.Map.from_pw_multi_aff(f) for name, f in functions.items()}
        for leaf, executed in zip(self.leaves, self.per_leaf):
            candidate = self._candidate(leaf, executed, graphs.get(leaf.stmt.name))
            on_function = candidate is not None and executed.is_subset(candidate)
            if not on_function and not executed.is_single_valued():  # two iterations run one instance
                twice = executed.apply_range(executed.reverse()).subtract(executed.domain().identity())
                raise EmittedOrderError(f"the emitted code executes {_point(twice.domain())} more than once")
            by_statement.setdefault(leaf.stmt.name, []).append(executed)
        for stmt in self.scop.statements:
            domain = stmt.domain.intersect_params(self.context)
            ran = isl.Set.empty(domain.get_space())
            for executed in by_statement.get(stmt.name, []):
                here = executed.domain()
                if not ran.intersect(here).is_empty():
                    raise EmittedOrderError(f"the emitted code executes {_point(ran.intersect(here))} more "
                                            "than once")
                ran = ran.union(here).coalesce()
            if not domain.is_subset(ran):
                raise EmittedOrderError(f"the emitted code never executes {_point(domain.subtract(ran))}")
            if not ran.is_subset(domain):
                raise EmittedOrderError(f"the emitted code executes {_point(ran.subtract(domain))}, which is "
                                        "not an instance of the kernel")

    def _candidate(self, leaf: _Leaf, executed: isl.Map, function: isl.Map | None) -> isl.Map | None:
        """``function`` (a statement's schedule, as a map) read as ``leaf``'s time vectors, if the
        leaf's loops are dimensions of it."""
        n = -1 if function is None or leaf.run is not None else function.dim(isl.dim_type.out)
        if any(not 0 <= x.dim < n for x in leaf.loops):
            return None
        space = isl.Space.map_from_domain_and_range(function.get_space().range(), executed.get_space().range())
        clock = isl.MultiAff.zero(space)
        dims = isl.LocalSpace.from_space(space.domain())
        for k, x in enumerate(leaf.loops):
            clock = clock.set_aff(k, isl.Aff.zero_on_domain(dims).set_coefficient_val(isl.dim_type.in_, x.dim, 1))
        return function.apply_range(isl.Map.from_multi_aff(clock))

    def _any(self, times: isl.UnionMap, condition) -> bool:
        """Whether a pair of ``times`` satisfies ``condition`` (as in :meth:`_select`), stopping at
        the first map that has one."""
        return any(not m.is_empty() for m in self._selected(times, condition))

    def _select(self, times: isl.UnionMap, condition) -> isl.UnionMap:
        """The pairs of ``times`` (time vectors, one map per pair of leaves) that satisfy
        ``condition(source leaf, sink leaf)``, a disjunction of conjunctions of atoms (see
        :mod:`.verify_pairs`; ``[[]]``: every pair, ``[]``: none)."""
        return _union((m.to_union_map() for m in self._selected(times, condition)), self.space_params)

    def _selected(self, times: isl.UnionMap, condition):
        """Per map of ``times`` whose pair of leaves ``condition`` does not rule out: its pairs
        that satisfy it (lazily, for :meth:`_any` to stop early)."""
        maps: list[isl.Map] = []
        times.foreach_map(maps.append)
        for m in maps:
            disjuncts = condition(self.by_tuple[m.get_tuple_name(isl.dim_type.in_)],
                                  self.by_tuple[m.get_tuple_name(isl.dim_type.out)])
            if [] in disjuncts:
                yield m
            elif disjuncts:
                yield m.intersect(vp.condition_map(m.get_space(), disjuncts))

    def _fail(self, what: str, bad: isl.UnionMap, why: str):
        """Raise naming ``what`` (e.g. "RAW on C") and a pair of instances of ``bad``."""
        maps: list[isl.Map] = []
        bad.foreach_map(maps.append)
        example = ""
        if maps:
            m = maps[0]
            src, dst, params = example_pair(m)
            where = f" (with {', '.join(f'{p} = {v}' for p, v in params)})" if params else ""
            example = (f" from {m.get_tuple_name(isl.dim_type.in_)}[{', '.join(map(str, src))}] to "
                       f"{m.get_tuple_name(isl.dim_type.out)}[{', '.join(map(str, dst))}]{where}")
        raise EmittedOrderError(f"the emitted code violates {what}{example}: {why}")

    def _pdecl(self) -> str:
        return f"[{', '.join(self.scop.params)}] -> " if self.scop.params else ""


COPY = "copy"  # the time-vector entry of a run of copies: the copy's position among its siblings


def _holds_panel(loop: Loop) -> bool:
    return loop.held is not None or loop.packed is not None or loop.rows is not None


def _tuple(index: int) -> str:
    """The name of leaf ``index``'s time vectors."""
    return f"L{index}"


def _pieces(umap: isl.UnionMap) -> int:
    maps: list[isl.Map] = []
    umap.foreach_map(maps.append)
    return sum(len(m.get_basic_maps()) for m in maps)


def _union(maps, space) -> isl.UnionMap:
    return functools.reduce(isl.UnionMap.union, maps, isl.UnionMap.empty(space))


def _point(uset) -> str:
    point = uset.sample_point()
    if point.is_void():
        return "some instances"
    space = point.get_space()
    coords = ", ".join(str(point.get_coordinate_val(isl.dim_type.set, k).to_python())
                       for k in range(space.dim(isl.dim_type.set)))
    return f"{space.get_tuple_name(isl.dim_type.set)}[{coords}]"
