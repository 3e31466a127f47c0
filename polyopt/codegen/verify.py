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
and loop values on its path from the function body, in execution order.  Then, with isl:

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
from .c_to_isl import Converter, EmittedOrderError
from .printer import Guard, Loop, Stmt
from .reductions import other_use_of_reduced, without_reductions
from .verify_blocks import check_blocks, check_packs


@dataclass(eq=False)
class _Leaf:
    """One statement in the printed tree, with what lies on its path from the function body."""

    stmt: Stmt
    path: tuple  # enclosing loops (Loop) and guards ((Guard, holds)), outermost first
    entries: list  # time-vector entries: an int (position / branch) or a Loop (its value)

    @property
    def loops(self) -> list[Loop]:
        return [x for x in self.path if isinstance(x, Loop)]


def check_emitted(items: list, scop, dependences, rename: dict[str, str], context: isl.Set | None = None) -> bool:
    """Raise :class:`EmittedOrderError` unless the loop tree ``items`` executes ``scop`` in an order
    that respects ``dependences`` (see the module docstring), for every parameter value in ``context``
    (default: the Scop's).  ``rename`` maps parameter names to their C names; a temporary that no
    loop declares is at function scope.  Returns whether the instance check (rule 6) was completed
    within its budget too."""
    checker = _Checker(items, scop, dependences, rename, scop.context if context is None else context)
    try:
        with budget.isl_budget(budget.VERIFY, f"checking the code generated for '{scop.name}'"):
            checker.run()
    except BudgetExceeded as exc:
        raise EmittedOrderError(exc.message, hint="the emitted code could not be verified") from exc
    try:
        with budget.isl_budget(budget.VERIFY_INSTANCES, f"checking the instances of '{scop.name}'"):
            checker.check_instances()
    except BudgetExceeded:
        return False
    return True


class _Checker:
    def __init__(self, items, scop, dependences, rename, context):
        self.scop = scop
        self.deps = dependences
        self.context = context
        self.leaves: list[_Leaf] = []
        self.sites: dict[int, tuple[int, tuple]] = {}  # id(Loop) -> (its entry index, its path's constants)
        self._walk(items, (), [])
        self.length = max((len(leaf.entries) for leaf in self.leaves), default=0)
        self.time_space = isl.Space.create_from_names(
            isl.DEFAULT_CONTEXT, set=[f"t{k}" for k in range(self.length)], params=list(scop.params))
        # one space for every loop variable of the tree (a leaf leaves the others unconstrained)
        names = list(dict.fromkeys(x.var for leaf in self.leaves for x in leaf.loops))
        self.space = isl.Space.create_from_names(isl.DEFAULT_CONTEXT, set=names, params=list(scop.params))
        self.conv = Converter(self.space, {c: p for p, c in rename.items()})
        self.space_params = scop.context.get_space()
        self._where_cache: dict[tuple, isl.Set] = {}

    # ------------------------------------------------------------ the printed tree

    def _walk(self, items, path: tuple, entries: list) -> None:
        for k, item in enumerate(items):
            # a position among siblings orders them; an only child needs none
            here = entries + [k] if len(items) > 1 else entries
            if isinstance(item, Stmt):
                self.leaves.append(_Leaf(item, path, here))
            elif isinstance(item, Guard):
                # with an else, a branch entry keeps the paths of the two branches apart (only one of
                # them runs for given outer values, so it does not change the order)
                two = item.orelse is not None
                self._walk(item.then, path + ((item, True),), here + [0] if two else here)
                if two:
                    self._walk(item.orelse, path + ((item, False),), here + [1])
            elif isinstance(item, Loop):
                self.sites[id(item)] = (len(here), tuple((i, e) for i, e in enumerate(here) if isinstance(e, int)))
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

    def _executed(self, leaf: _Leaf) -> isl.Map:
        """``{ S[iterators] -> [time vector] }`` for the instances ``leaf`` executes."""
        values = self._where(leaf.path)
        stmt = self.scop.statement(leaf.stmt.name)
        if len(leaf.stmt.iterators) != stmt.depth:
            raise EmittedOrderError(f"statement {stmt.name} is printed with {len(leaf.stmt.iterators)} "
                                    f"iterators, it has {stmt.depth}")
        instance = self._instances(leaf, values)
        texts = [str(e) if isinstance(e, int) else e.var for e in leaf.entries]
        texts += ["0"] * (self.length - len(texts))
        names = [self.space.get_dim_name(isl.dim_type.set, k) for k in range(self.space.dim(isl.dim_type.set))]
        clock = isl.Map(f"{self._pdecl()}{{ [{', '.join(names)}] -> [{', '.join(texts)}] }}")
        # the loop variables outside the leaf's path are unconstrained and vanish in the composition
        return instance.intersect_domain(values).reverse().apply_range(clock)

    def _instances(self, leaf: _Leaf, values: isl.Set) -> isl.Map:
        """``{ [loop variables] -> S[iterators] }``: the instance ``leaf`` runs at each of ``values``."""
        stmt = self.scop.statement(leaf.stmt.name)
        exprs = isl.PwAffList.alloc(isl.DEFAULT_CONTEXT, stmt.depth)
        for it in leaf.stmt.iterators:
            exprs = exprs.add(self.conv.pw(it, values))
        return isl.Map.from_multi_pw_aff(isl.MultiPwAff.from_pw_aff_list(
            isl.Space.map_from_domain_and_range(self.space, stmt.domain.get_space()), exprs))

    # ------------------------------------------------------------ the checks

    def run(self) -> None:
        self.per_leaf = per_leaf = [self._executed(leaf) for leaf in self.leaves]
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
            lost = times.subtract(self._same_storage(times, array))
            if not lost.is_empty():
                self._fail(f"RAW on {array}", flow.intersect(executed.apply_range(lost).apply_range(
                    executed.reverse())), f"the value of temporary '{array}' does not reach its reader (they "
                    "use different declarations of it)")
        self._check_copies()
        check_blocks(self)
        check_packs(self)
        conflicts = self._conflicts()
        every = self._dependent(conflicts, executed, storage)
        lex_lt = isl.Map.lex_lt(self.time_space).to_union_map()
        if not every.is_subset(lex_lt):
            self._explain(conflicts, executed, storage, "the sink runs before the source",
                          lambda t: t.subtract(lex_lt))
        # Loops printed parallel or simd: the pairs below the loop, in one execution of it, must not
        # differ in its iterations.
        # A loop printed with a reduction clause may run the updates of its reduction statements
        # to the reduced element in any order: their pairs among themselves are left out.
        crossing: dict = {}
        for loop in {id(x): x for leaf in self.leaves for x in leaf.loops if x.kind}.values():
            if loop.clauses:
                used = other_use_of_reduced(loop, [leaf.stmt.name for leaf in self.leaves
                                                   if any(x is loop for x in leaf.loops)], self.scop)
                if used:
                    raise EmittedOrderError(used)
            elif not self._crosses(every, loop, crossing):
                continue
            under = [m for leaf, m in zip(self.leaves, per_leaf) if any(x is loop for x in leaf.loops)]
            mine = without_reductions(conflicts, loop, self.scop) if loop.clauses else conflicts
            pairs = every if len(under) == len(per_leaf) and mine is conflicts else self._dependent(
                mine, _union((m.to_union_map() for m in under), self.space_params), storage)
            other = self._other_iteration(loop)
            if not pairs.intersect(other).is_empty():
                what = "omp parallel for" if loop.kind == PARALLEL else "omp simd"
                self._explain(conflicts, executed, storage, f"loop {loop.var} is printed '{what}' but two of "
                              "its iterations access the same element", lambda t, x=other: t.intersect(x))

    def _check_copies(self) -> None:
        """Rule 4 (module docstring), for every loop that holds private copies."""
        for loop in {id(x): x for leaf in self.leaves for x in leaf.loops if x.private_arrays}.values():
            under = [(leaf, m) for leaf, m in zip(self.leaves, self.per_leaf)
                     if any(x is loop for x in leaf.loops)]
            keep = self.sites[id(loop)][0] + 1  # the time entries up to the loop's own
            head = self.sites[id(loop.copy_chain[0])][0]  # ... and from the first loop of its collapse
            if not under:
                raise EmittedOrderError(f"loop {loop.var} holds private copies but runs no statement")
            # every iteration the printed loops make, also one that runs no statement: the copy-back
            # test is the loop's own (the next value fails its test)
            leaf = under[0][0]
            path = leaf.path[:next(k for k, x in enumerate(leaf.path) if x is loop) + 1]
            texts = [str(e) if isinstance(e, int) else e.var for e in leaf.entries[:keep]]
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
                                isl.dim_type.in_, keep, self.length - keep)
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

    def _crosses(self, every: isl.UnionMap, loop: Loop, cache: dict) -> bool:
        """Whether a pair of ``every`` may cross iterations of ``loop`` (False: it certainly does
        not).  The pairs with equal time vectors before the loop's depth and different ones at it
        (or at the loops it collapses) are computed once per depth, and their sources tested
        against the loop's place (its path).  Copies of the loop in the other branch of a guard
        around it (full and partial tiles) are at the same place, so True is confirmed by the
        caller on the pairs of the loop's own statements.  (conv2d's 17 marked loops sit at 15
        depths: 0.92 s of intersections per loop became 0.42 s.)"""
        index, path = self.sites[id(loop)]
        last = self.sites[id(loop.chain()[-1])][0]
        if (index, last) not in cache:
            equal = [f"t{k} = u{k}" for k in range(index)]
            differ = " or ".join(f"t{k} != u{k}" for k in range(index, last + 1))
            cache[index, last] = every.intersect(self._pairs(" and ".join(equal + [f"({differ})"]))).domain()
        place = self._place(path).to_union_set()
        return not cache[index, last].intersect(place).is_empty()

    def _conflicts(self) -> dict[tuple[str, str], isl.UnionMap]:
        """``{(kind, array): instance pairs}`` to keep in order, the cheaper form per array (above)."""
        reads, writes = self.scop.reads(), self.scop.writes()
        order = self.scop.original_schedule()
        before = order.lex_lt_union_map(order)
        out = {}
        for array in {e.array for e in self.deps.edges}:
            form = {kind: _union((e.relation.to_union_map() for e in self.deps.edges
                                  if e.array == array and e.kind == kind), self.space_params)
                    for kind in ("RAW", "WAR", "WAW")}
            if not self.scop.array(array).is_local:  # a temporary's conflicts span every iteration
                rel = memory_based(self.scop, accesses_of(reads, array), accesses_of(writes, array), before)
                memory = {"RAW": rel.raw, "WAR": rel.war, "WAW": rel.waw}
                form = min((form, memory), key=lambda f: sum(_pieces(r) for r in f.values()))
            out.update({(kind, array): pairs for kind, pairs in form.items() if not pairs.is_empty()})
        return out

    def _dependent(self, conflicts: dict, executed: isl.UnionMap, storage: set) -> isl.UnionMap:
        """The time-vector pairs of all ``conflicts`` between instances of ``executed``; those on a
        temporary only where they use the same storage."""
        pairs = []
        for array in {a for _, a in conflicts}:
            rel = _union((r for (_, a), r in conflicts.items() if a == array), self.space_params)
            times = rel.apply_domain(executed).apply_range(executed)
            pairs.append(self._same_storage(times, array) if array in storage else times)
        return _union(pairs, self.space_params)

    def _explain(self, conflicts: dict, executed, storage: set, why: str, bad_part) -> None:
        """Raise for the first conflict whose time pairs have a non-empty ``bad_part``."""
        for (kind, array), rel in sorted(conflicts.items()):
            times = rel.apply_domain(executed).apply_range(executed)
            bad = bad_part(self._same_storage(times, array) if array in storage else times)
            if not bad.is_empty():
                self._fail(f"{kind} on {array}", rel.intersect(
                    executed.apply_range(bad).apply_range(executed.reverse())), why)
        raise EmittedOrderError(f"the emitted code violates a dependence: {why}")

    def check_instances(self) -> None:
        """Every instance of every statement is executed exactly once, and nothing else is (after
        :meth:`run`)."""
        by_statement: dict[str, list[isl.Map]] = {}
        for leaf, executed in zip(self.leaves, self.per_leaf):
            if not executed.is_single_valued():  # two iterations of the leaf's loops run one instance
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
                ran = ran.union(here)
            if not domain.is_subset(ran):
                raise EmittedOrderError(f"the emitted code never executes {_point(domain.subtract(ran))}")
            if not ran.is_subset(domain):
                raise EmittedOrderError(f"the emitted code executes {_point(ran.subtract(domain))}, which is "
                                        "not an instance of the kernel")

    def _other_iteration(self, loop: Loop) -> isl.UnionMap:
        """Pairs of time vectors below ``loop`` in one execution of it but different iterations of
        it or of the loops it collapses."""
        index, path = self.sites[id(loop)]
        last = self.sites[id(loop.chain()[-1])][0]
        equal = [f"t{k} = u{k}" for k in range(index)]
        differ = " or ".join(f"t{k} != u{k}" for k in range(index, last + 1))
        return self._pairs(" and ".join([_conjunction(path)] + equal + [f"({differ})"]))

    def _declarations(self, name: str) -> list[tuple[int, tuple]]:
        """The sites (entry index, path constants) of the loops that declare temporary ``name``."""
        sites = [self.sites[id(loop)] for leaf in self.leaves for loop in leaf.loops
                 if name in loop.decls or name in loop.private_arrays]
        return list(dict.fromkeys(sites))

    def _same_storage(self, times: isl.UnionMap, name: str) -> isl.UnionMap:
        """The pairs of ``times`` (time vectors) whose instances use the same declaration of
        temporary ``name``: the declaration in the innermost loop around them that declares it (then
        in the same iteration of that loop), or the one at function scope.  Which loops are around
        an instance is read off the constant entries of its time vector (its path).  The pairs are
        filtered rather than intersected with a relation of every same-storage pair: the pairs
        outside all declaring loops form a complement whose pieces multiply (a fuzzed kernel with
        two declaring loops spent 100 s intersecting with it)."""
        sites = self._declarations(name)
        places = {site: self._place(site[1]).to_union_set() for site in sites}
        out = times
        for place in places.values():  # function scope: neither end in a declaring loop
            out = out.subtract_domain(place).subtract_range(place)
        for site, place in places.items():
            inside = times.intersect_domain(place).intersect(self._pairs(
                " and ".join(f"t{k} = u{k}" for k in range(site[0] + 1))))
            for deeper, other in places.items():  # a declaration in a loop inside this one shadows it
                if deeper[0] > site[0] and set(site[1]) <= set(deeper[1]):
                    inside = inside.subtract_domain(other).subtract_range(other)
            out = out.union(inside)
        return out

    def _pairs(self, condition: str) -> isl.UnionMap:
        """``{ [t] -> [u] : condition }`` over time vectors."""
        t = ", ".join(f"t{k}" for k in range(self.length))
        u = ", ".join(f"u{k}" for k in range(self.length))
        where = f" : {condition}" if condition else ""
        return isl.UnionMap(f"{self._pdecl()}{{ [{t}] -> [{u}]{where} }}")

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

    def _place(self, constants) -> isl.Set:
        """The time vectors with the constant entries ``constants`` ((index, value) pairs)."""
        t = ", ".join(f"t{k}" for k in range(self.length))
        return isl.Set(f"{self._pdecl()}{{ [{t}] : {_conjunction(constants)} }}")

    def _pdecl(self) -> str:
        return f"[{', '.join(self.scop.params)}] -> " if self.scop.params else ""


def _conjunction(path) -> str:
    """``t0 = 1 and t3 = 0`` for the constant entries ``path`` ((index, value) pairs)."""
    return " and ".join(f"t{i} = {v}" for i, v in path) or "0 = 0"


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
