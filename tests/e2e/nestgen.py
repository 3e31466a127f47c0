"""Differential testing support: configurations, result comparison and a random loop-nest generator.

Used by the end-to-end tests (``tests/e2e``) and by ``benchmarks/fuzz.py``.  It exercises the whole
pipeline (frontend -> Scop -> dependences -> schedule -> C -> .so) and compares each compiled
configuration with the kernel's executable specification, ``Kernel.reference`` (the original Python
function run on NumPy arrays).

:func:`generate` builds the Python source of a random small affine kernel from a seed or from a
hypothesis ``draw``: several statements in imperfect nests, triangular and ``min``/``max`` bounds,
negative and non-unit steps, shifted reads whose loop bounds keep them inside the arrays,
reductions, in-place updates, scratch vectors filled and consumed per iteration and affine
``if`` conditions.  Every generated program is valid by
construction; :func:`load_kernels` imports it from a real file because the frontend reads the
function's source with ``inspect``.
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# ------------------------------------------------------------------ configurations

# (id, options): every scheduler, tiling off / default / odd sizes, each fusion policy.
CONFIGS: tuple[tuple[str, dict], ...] = (
    ("none", dict(scheduler="none", tile=False)),
    ("none-t5", dict(scheduler="none", tile=5)),
    ("isl", dict(scheduler="isl")),
    ("isl-t73-max", dict(scheduler="isl", tile=(7, 3), fuse="max")),
    ("pluto", dict(scheduler="pluto")),
    ("pluto-notile", dict(scheduler="pluto", tile=False)),
    ("pluto-t5", dict(scheduler="pluto", tile=5)),
    ("pluto-t73", dict(scheduler="pluto", tile=(7, 3))),
    ("pluto-max-t4", dict(scheduler="pluto", fuse="max", tile=4)),
    ("pluto-max-notile", dict(scheduler="pluto", fuse="max", tile=False)),
    ("isl-notile-serial", dict(scheduler="isl", tile=False, parallel=False)),
    ("pluto-nofuse-serial", dict(scheduler="pluto", fuse="none", tile=(3, 2), parallel=False,
                                 vectorize=False)),
)
CONFIG_IDS = tuple(c[0] for c in CONFIGS)
CONFIG_OPTIONS = dict(CONFIGS)


def copy_args(args: dict) -> dict:
    """Deep copies of array arguments (scalars and ints are immutable)."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}


def mismatch(kernel, args: dict, options: dict, expected: dict | None = None) -> str | None:
    """Run ``kernel`` compiled with ``options`` and its reference on copies of ``args``
    (``expected``: the reference's results on ``args``, when already known).

    Returns None when every array agrees (exactly for integers, to a tight relative tolerance for
    floats: schedules may let gcc contract or vectorize differently), else a one-paragraph
    description of the first differing array.
    """
    if expected is None:
        expected = copy_args(args)
        kernel.reference(**expected)
    got = copy_args(args)
    kernel.compile(**options)(**got)
    for name, want in expected.items():
        if not isinstance(want, np.ndarray):
            continue
        have = got[name]
        if np.issubdtype(want.dtype, np.integer):
            ok = np.array_equal(want, have)
        else:
            rtol = 1e-4 if want.dtype == np.float32 else 1e-9
            ok = np.allclose(have, want, rtol=rtol, atol=rtol, equal_nan=True)
        if not ok:
            bad = np.argwhere(~np.isclose(have, want, rtol=1e-9, atol=1e-9, equal_nan=True))
            where = tuple(int(x) for x in bad[0]) if len(bad) else ()
            return (f"array {name} differs with options {options}: first at {where}: "
                    f"compiled {have[where] if where else have!r} vs reference {want[where] if where else want!r}"
                    f" ({len(bad)} elements differ)")
    return None


# ------------------------------------------------------------------ random programs

# Arrays of every generated kernel: name -> axis parameters.  T is a time-step count (an int
# argument) that indexes no array.
ARRAYS = {"x": ("N",), "y": ("M",), "A": ("N", "M"), "B": ("N", "M"), "C": ("N", "N")}
HEADER = ('import math\n\nimport polyopt as po\n\nN, M = po.symbols("N M")\n\n\n')
SIGNATURE = ("def {name}(T: int, x: po.f64[N], y: po.f64[M], A: po.f64[N, M], B: po.f64[N, M], "
             "C: po.f64[N, N]):\n")


class Chooser:
    """The source of random decisions: ``int(lo, hi)`` inclusive, from a seed or from hypothesis."""

    def __init__(self, int_fn):
        self.int = int_fn

    @classmethod
    def from_seed(cls, seed: int) -> Chooser:
        rnd = random.Random(seed)
        return cls(rnd.randint)

    @classmethod
    def from_hypothesis(cls, data) -> Chooser:
        from hypothesis import strategies as st

        return cls(lambda lo, hi: data.draw(st.integers(lo, hi)))

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, percent: int) -> bool:
        return self.int(0, 99) < percent


@dataclass(frozen=True)
class Var:
    """A loop variable ranging over ``lo <= v <= P - 1 - hi`` for its parameter P (T: no array axis);
    a ``doubled`` one ranges over half of that and appears in subscripts as ``2 * v``."""

    name: str
    param: str
    lo: int = 0
    hi: int = 0
    doubled: bool = False


@dataclass
class Node:
    """One line of the program (``head``) with an optional indented body; ``orelse`` follows an if."""

    head: str
    body: list = None
    orelse: list = None

    def lines(self, indent: int) -> list[str]:
        pad = "    " * indent
        out = [pad + self.head]
        if self.body is not None:
            for child in self.body:
                out += child.lines(indent + 1)
        if self.orelse is not None:
            out.append(pad + "else:")
            for child in self.orelse:
                out += child.lines(indent + 1)
        return out


def render(nodes: list[Node], name: str = "kern") -> str:
    """The module source of a kernel whose body is ``nodes``."""
    lines = [line for n in nodes for line in n.lines(1)] or ["    pass"]
    return HEADER + "@po.kernel\n" + SIGNATURE.format(name=name) + "\n".join(lines) + "\n"


class _Gen:
    def __init__(self, ch: Chooser):
        self.ch = ch
        self.count = itertools.count()
        self.locals = itertools.count()

    # ---- subscripts and expressions
    def subscript(self, param: str, scope: list[Var]) -> str:
        """An in-range subscript along an axis of extent ``param``."""
        cands = [v for v in scope if v.param == param]
        if not cands or self.ch.chance(10):
            return self.ch.pick(["0", f"{param} - 1"])
        v = self.ch.pick(cands)
        if v.doubled:  # 2*v stays in lo <= 2v <= P - 1 - hi: (P - hi) // 2 bounds v
            return f"2 * {v.name}"
        if self.ch.chance(10):
            return f"{v.name} // 2"
        shift = self.ch.int(-v.lo, v.hi) if self.ch.chance(60) else 0
        return v.name if shift == 0 else f"{v.name} {'+' if shift > 0 else '-'} {abs(shift)}"

    def access(self, array: str, scope: list[Var]) -> str:
        return f"{array}[{', '.join(self.subscript(p, scope) for p in ARRAYS[array])}]"

    def value(self, scope: list[Var], temps: list[str], use: str | None = None) -> str:
        terms = [self.access(self.ch.pick(list(ARRAYS)), scope) for _ in range(self.ch.int(1, 3))]
        if use is not None:
            terms.append(use)
        elif temps and self.ch.chance(50):
            terms.append(self.ch.pick(temps))
        if self.ch.chance(15):
            terms.append(f"math.sqrt({terms.pop()})")  # every value stays positive
        expr = " + ".join(terms)
        return f"0.25 * ({expr})" if len(terms) > 1 else f"0.5 * {expr}"

    def condition(self, scope: list[Var]) -> str:
        vs = [v for v in scope if v.param != "T"] or scope
        a, b = self.ch.pick(vs), self.ch.pick(vs)
        k = self.ch.int(0, 3)
        if self.ch.chance(15):  # a guard on a parameter's parity: statements exist for disjoint sizes
            return self.ch.pick([f"N % 2 == {k % 2}", f"M % 2 == {k % 2}", f"(N + {a.name}) % 2 == 0",
                                 f"M % 3 == {k % 3}"])
        return self.ch.pick([f"{a.name} % 2 == 0", f"{a.name} >= {b.name}", f"{a.name} + {b.name} < {k + 2}",
                             f"{a.name} != {k}", f"{a.name} - {b.name} <= {k} and {a.name} > 0"])

    # ---- statements and loops
    def stencil(self, scope: list[Var]) -> Node | None:
        """An in-place 3-point update along a loop whose bounds leave a cell on each side."""
        inner = [v for v in scope if v.param in ("N", "M") and v.lo >= 1 and v.hi >= 1]
        if not inner:
            return None
        v = self.ch.pick(inner)
        array = self.ch.pick([a for a, axes in ARRAYS.items() if v.param in axes])
        axes = ARRAYS[array]
        pos = axes.index(v.param)

        subs = [self.subscript(p, scope) for p in axes]

        def at(shift: str) -> str:
            subs[pos] = f"{v.name}{shift}"
            return f"{array}[{', '.join(subs)}]"

        centre, left, right = at(""), at(" - 1"), at(" + 1")
        return Node(f"{centre} = 0.3333 * ({left} + {centre} + {right})")

    def statement(self, scope: list[Var], temps: list[str]) -> list[Node]:
        if self.ch.chance(10):
            node = self.stencil(scope)
            if node is not None:
                return [node]
        out = []
        fresh = None
        if self.ch.chance(20):
            # a temporary, usually read right after its assignment, sometimes dead (dead
            # temporaries in split full/partial tiles once made code generation refuse)
            fresh = f"t{next(self.locals)}"
            out.append(Node(f"{fresh} = {self.value(scope, temps)}"))
            if self.ch.chance(25):
                fresh = None
        target = self.access(self.ch.pick(list(ARRAYS)), scope)
        op = self.ch.pick(["=", "=", "+=", "*="])
        value = self.value(scope, temps, fresh)
        if op == "*=":
            value = f"0.5 + 0.25 * {value}"  # keeps products bounded
        out.append(Node(f"{target} {op} {value}"))
        return out

    def loop(self, scope: list[Var], depth: int, temps: list[str]) -> Node:
        name = f"{'ijkl'[len([v for v in scope if v.param != 'T'])]}{next(self.count)}"
        same = [v for v in scope if v.param in ("N", "M")]
        kind = self.ch.int(0, 6)
        param = self.ch.pick(["N", "M"])
        lo, hi = self.ch.int(0, 2), self.ch.int(0, 2)
        outer = [v for v in same if v.param == param]
        if kind == 1 and outer:  # triangular below an outer variable
            v, c = self.ch.pick(outer), self.ch.int(0, 1)
            head, var = f"range({lo}, {v.name} + {1 - c})", Var(name, param, lo, v.hi + c)
        elif kind == 2 and outer:  # triangular above
            v, c = self.ch.pick(outer), self.ch.int(0, 1)
            head, var = f"range({v.name} + {c}, {param} - {hi})", Var(name, param, v.lo + c, hi)
        elif kind == 3 and outer:  # min/max window around an outer variable
            v = self.ch.pick(outer)
            head = f"range(max({lo}, {v.name} - 2), min({param} - {hi}, {v.name} + 3))"
            var = Var(name, param, lo, hi)
        elif kind == 4:  # counting down
            step = self.ch.pick([1, 1, 2])
            head, var = f"range({param} - {1 + hi}, {lo - 1}, -{step})", Var(name, param, lo, hi)
        elif kind == 5:  # non-unit step
            step = self.ch.pick([2, 3])
            head, var = f"range({lo}, {param} - {hi}, {step})", Var(name, param, lo, hi)
        elif kind == 6 and self.ch.chance(40):  # half the extent, used as 2*v (unequal coefficients)
            head, var = f"range({lo}, ({param} - {hi}) // 2)", Var(name, param, lo, hi, doubled=True)
        else:
            head, var = f"range({lo}, {param} - {hi})", Var(name, param, lo, hi)
        return Node(f"for {name} in {head}:", self.block(scope + [var], depth + 1, temps))

    def scratch(self, scope: list[Var], temps: list[str]) -> list[Node]:
        """A vector filled whole, then read (reversed) by a second loop: a scratch array that a
        loop around may give a private copy per thread (doitgen's ``sum_``)."""
        array = self.ch.pick(["x", "y"])
        param = ARRAYS[array][0]
        letter = "ijkl"[len([v for v in scope if v.param != "T"])]
        fill, use = f"{letter}{next(self.count)}", f"{letter}{next(self.count)}"
        written = Node(f"{array}[{fill}] = {self.value(scope + [Var(fill, param)], temps)}")
        inner = scope + [Var(use, param)]
        read = Node(f"{self.access(self.ch.pick(list(ARRAYS)), inner)} = "
                    f"{self.value(inner, temps, use=f'{array}[{param} - 1 - {use}]')}")
        return [Node(f"for {fill} in range({param}):", [written]), Node(f"for {use} in range({param}):", [read])]

    def block(self, scope: list[Var], depth: int, temps: list[str]) -> list[Node]:
        items: list[Node] = []
        if scope and depth < 3 and self.ch.chance(8):
            items += self.scratch(scope, temps)
        for _ in range(self.ch.int(1, 2)):
            r = self.ch.int(0, 9)
            if depth < 3 and r < 4:
                items.append(self.loop(scope, depth, temps))
            elif scope and r < 5:
                then = self.statement(scope, temps)
                orelse = self.statement(scope, temps) if self.ch.chance(40) else None
                items.append(Node(f"if {self.condition(scope)}:", then, orelse))
            elif scope and r < 6 and depth < 3:  # a reduction through a local accumulator
                acc = f"s{next(self.locals)}"
                inner = self.loop(scope, depth, temps + [acc])
                inner.body.append(Node(f"{acc} += {self.value(scope, temps)}"))
                items += [Node(f"{acc} = 0.0"), inner,
                          Node(f"{self.access(self.ch.pick(list(ARRAYS)), scope)} = 0.125 * {acc}")]
            else:
                items += self.statement(scope, temps)
        return items


def generate(ch: Chooser) -> list[Node]:
    """A random valid kernel body (see the module docstring), optionally inside a time loop."""
    gen = _Gen(ch)
    body = [gen.loop([], 0, []) for _ in range(ch.int(1, 3))]
    if ch.chance(25):
        body = [Node("for t in range(T):", body)]
    return body


def load_kernel(source: str, directory: Path, stem: str):
    """Write ``source`` to ``directory/stem.py``, import it and return its kernel ``kern``."""
    path = Path(directory) / f"{stem}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module  # inspect.getsource finds the file through the module
    spec.loader.exec_module(module)
    return module.kern


def random_args(ch_seed: int, n: int, m: int, t: int) -> dict:
    """Arguments of a generated kernel: positive values so that sqrt and products stay tame."""
    rng = np.random.default_rng(ch_seed)
    shapes = {"x": (n,), "y": (m,), "A": (n, m), "B": (n, m), "C": (n, n)}
    args = {k: rng.random(s) + 0.5 for k, s in shapes.items()}
    args["T"] = t
    return args


# Sizes 1 and 2, and primes that are multiples of no tile size (the configurations tile by 3, 4, 5, 7).
SIZES = ((1, 1, 1), (2, 3, 2), (5, 4, 2), (7, 9, 1), (11, 13, 1))


def check_program(kern, configs=CONFIGS, sizes=SIZES, seed: int = 0, raise_errors: bool = False,
                  references: dict | None = None) -> str | None:
    """The first mismatch of ``kern`` over ``configs`` and ``sizes`` (N, M, T), or None; a
    PolyoptError is reported as a mismatch too, unless ``raise_errors``.  ``references`` caches the
    reference's results per size across calls (the Python original is the slow part)."""
    from polyopt.errors import PolyoptError

    references = {} if references is None else references
    for cid, options in configs:
        for n, m, t in sizes:
            args = random_args(seed, n, m, t)
            if (n, m, t) not in references:
                references[n, m, t] = copy_args(args)
                kern.reference(**references[n, m, t])
            try:
                problem = mismatch(kern, args, options, references[n, m, t])
            except PolyoptError as exc:
                if raise_errors:
                    raise
                problem = f"{type(exc).__name__}: {exc}"
            if problem is not None:
                return f"[{cid}] N={n} M={m} T={t}: {problem}"
    return None


OUTCOMES = ("ok", "wrong", "crash", "hang", "refusal", "rejection")


def outcome(kern, config: str, seed: int, references: dict | None = None,
            sizes=SIZES) -> tuple[str, str]:
    """(kind, message) of one configuration of a loaded program: ``ok``, ``wrong`` (an array
    differs), ``refusal`` (a clear PolyoptError: a budget, a refused AST) or ``crash`` (an
    InternalError or anything else escaping polyopt).  ``hang`` and ``rejection`` are decided by
    the caller (a time limit; the frontend declining the program)."""
    from polyopt.errors import InternalError, PolyoptError

    try:
        problem = check_program(kern, configs=((config, CONFIG_OPTIONS[config]),), sizes=sizes, seed=seed,
                                raise_errors=True, references=references)
    except InternalError as exc:
        return "crash", f"{type(exc).__name__}: {exc}"
    except PolyoptError as exc:
        return "refusal", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - anything else escaping polyopt is a crash to report
        return "crash", f"{type(exc).__name__}: {exc}"
    return ("ok", "") if problem is None else ("wrong", problem)


def _deletions(nodes: list[Node]):
    """Programs with one node removed (or one loop/if replaced by its body), outermost first."""
    for k, node in enumerate(nodes):
        yield nodes[:k] + nodes[k + 1:]
        if node.body is not None:
            yield nodes[:k] + node.body + (node.orelse or []) + nodes[k + 1:]
    for k, node in enumerate(nodes):
        for field in ("body", "orelse"):
            children = getattr(node, field)
            if not children:
                continue
            for smaller in _deletions(children):
                if field == "body" and not smaller:
                    continue
                copy = Node(node.head, node.body, node.orelse)
                setattr(copy, field, smaller or None)
                yield nodes[:k] + [copy] + nodes[k + 1:]


def minimize(nodes: list[Node], still_fails) -> list[Node]:
    """Greedy delta debugging: remove nodes while ``still_fails(nodes)`` stays true.

    Candidates that are not valid kernels (a temporary used after its assignment was removed)
    make ``still_fails`` raise or return False and are skipped.
    """
    changed = True
    while changed:
        changed = False
        for candidate in _deletions(nodes):
            try:
                ok = still_fails(candidate)
            except Exception:  # an invalid reduced program: not a reproducer
                ok = False
            if ok:
                nodes, changed = candidate, True
                break
    return nodes
