"""The tuner: rank candidate plans with the cost model, measure the promising ones against the
incumbent on copies of the caller's arrays, keep the winner.

How a tuning run goes (``budget`` seconds of wall time, compilation included):

1. The default (what the kernel runs untuned) is compiled, run once on copies of the arguments
   (its outputs are the reference every candidate must reproduce) and timed: it is the first
   incumbent, so tuning never returns anything slower than the default.  A run that takes more
   than a twelfth of the budget is its own warm-up and only measurement: a second one would
   leave too little for candidates.
2. The cost model is calibrated on it (measured / predicted) and ranks every structural candidate
   (:mod:`.space`) of every base plan.
3. Until the budget runs out: take the best-ranked untried candidate (every third pick, a
   loop-level change of the incumbent or, in turn, of one of its peers: the best three candidates
   measured within the noise of it), make its schedule (an illegal plan is refused there and
   never timed), compile it, run it once on copies and compare the outputs with the reference; that
   run, timed, screens it (more than 1.3x the incumbent: dropped); then time it interleaved with
   the incumbent until the two differ beyond the noise or the rounds run out.  The time the final
   comparison (step 4) will need is kept aside.  A candidate clearly
   faster becomes the incumbent.  Every measurement corrects the model for the candidates near it
   (the geometric mean of measured/predicted of the three nearest measured ones of the same band).
4. The winner is timed once more against the default, interleaved; unless it is faster beyond
   the noise, the default wins.  A winner that became the incumbent by beating the default
   itself (interleaved, beyond the noise and the margin) needs no second comparison.  A candidate
   is only compared when the budget leaves room for three interleaved rounds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import BudgetExceeded, CodegenError, CompileError, PolyoptError, ScheduleError
from ..poly import budget, deadline
from ..runtime import agreement
from ..runtime.timing import time_interleaved
from ..schedule.fusion import NO_COMMON_LOOP, Cut, Fused
from ..schedule.options import fuse_pairs_text
from .machine import Machine
from .model import CostModel, band_spans
from .space import BandChange, band_changes, differences, loop_changes

SCREEN = 1.3  # a candidate's first run beyond this multiple of the incumbent: not timed further
MARGIN = 0.02  # a challenger must be faster by more than this, beyond the noise
ROUNDS = 10  # interleaved rounds at most per comparison
HEAD = 300  # candidates of the model's ranking whose predictions measurements correct
FINAL_SHARE = 0.1  # of the budget kept for the final comparison with the default, besides its rounds
BASES = (("fuse=max", {"fuse": "max"}), ("fuse=none", {"fuse": "none"}), ("scheduler=isl", {"scheduler": "isl"}))
# isl work a candidate may take: what the budget has left at about a million operations a second
# (polyopt/poly/budget.py: isl does 1-3 million a second on this project's machines), at least
# enough for every suite kernel's default code.
OPERATIONS_PER_SECOND = 1_000_000
MIN_OPERATIONS = 2_000_000
PEERS = 3  # plans within the noise of the incumbent whose loop-level changes are also tried
FUSION_CHOICES = 6  # bases with one fusion decision reversed, at most (each is one scheduler run)
# vectors wider than gcc prefers with -march=native (256 bits on AVX-512 CPUs): bytes -> vector_bits
WIDE_VECTORS = {64: 512}


@dataclass
class Candidate:
    """One candidate and what became of it.  ``status``: ``default``, ``faster`` (became the
    incumbent), ``slower``, ``same`` (within the noise), ``screened`` (first run far slower),
    ``illegal`` (the plan breaks a dependence: never timed), ``failed`` (no code or no binary),
    ``wrong`` (its outputs differ from the default's)."""

    description: str
    predicted: float
    seconds: float | None = None
    status: str = ""
    plan: object = None
    why: str = ""
    compiled: object = field(default=None, repr=False, compare=False)  # while tuning only


def tune_kernel(kernel, default_schedule, args: tuple, kwargs: dict, *, machine: Machine,
                budget: float = 60.0, progress=None, clock=time.perf_counter):
    """Tune ``kernel`` for the sizes of ``args``; returns ``(best plan, Candidate list, default
    seconds, best seconds, changes)`` (see :mod:`polyopt.tune` for the whole picture).

    ``default_schedule`` is what the kernel runs untuned; ``progress(fraction, text)`` is called as
    the budget is used.
    """
    start = clock()
    sizes = kernel.bind(*args, **kwargs)
    fresh = _copier(args, kwargs)
    default_plan = default_schedule.plan
    default = kernel.compile()
    reference, once = _outputs(default, fresh, clock)
    # Three timed runs of the default, unless they alone would use up a quarter of the budget: then
    # the reference run is the measurement (seidel_2d at LARGE: 6 s a run, 60 s of budget).
    if 3 * once < budget / 4:
        once = time_interleaved({"default": _runner(default)}, fresh=fresh, repeat=3, warmup=0).median("default")
    incumbent = _Incumbent(default_plan, default, once, "default")
    model = CostModel(kernel.scop, sizes, machine)
    scale = incumbent.seconds / max(model.predict(default_plan), 1e-12)
    candidates = [Candidate("default", incumbent.seconds, incumbent.seconds, "default", default_plan)]
    bases = _bases(kernel, default_plan)
    ranked = []
    for name, plan in bases.items():
        base = model.per_statement(plan)
        total = sum(base.values())
        for change in band_changes(name, plan, band_spans(model, plan)):
            stmts = plan.band(change.band).statements
            moved = model.per_statement(change.apply(plan), only=stmts)
            ranked.append((scale * (total + sum(moved.values()) - sum(base[s] for s in moved)), change))
    ranked.sort(key=lambda pc: pc[0])
    tried = {default_plan.digest()}
    measured: list[tuple[BandChange, float, float]] = []  # (change, predicted, seconds)
    picks = 0
    wide = WIDE_VECTORS.get(machine.vector_bytes)

    def left() -> float:
        """Seconds left for candidates: the budget, less what the final comparison will take
        (three interleaved rounds of the incumbent and the default) and a share kept for it."""
        final = 3 * (incumbent.seconds + candidates[0].seconds) if _needs_final(incumbent, default_plan) else 0.0
        return budget * (1 - FINAL_SHARE) - (clock() - start) - final

    peers: list[_Incumbent] = []  # measured within the noise of the incumbent: loop changes go on them too
    while left() > 0:
        picks += 1
        loop_level = picks % 3 == 0 or not ranked
        if loop_level:
            source, change = _next_loop_change([incumbent] + peers, picks // 3, tried, wide)
            if change is None and not ranked:
                break
            if change is None:
                continue
            plan, description, predicted = change.apply(source.plan), change.describe(), math.nan
            if source is not incumbent:
                description = f"{description} (on: {source.description})"
        else:
            predicted, change = _pop_best(ranked, measured)
            base = incumbent.plan if change.base == incumbent.base else bases[change.base]
            plan = change.apply(base)
            description = change.describe(bases[change.base].band(change.band).loops)
            source = None
        if plan.digest() in tried:
            continue
        tried.add(plan.digest())
        cand = Candidate(description, predicted, plan=plan)
        candidates.append(cand)
        _measure(kernel, cand, incumbent, fresh, reference, left)
        if progress is not None:
            progress(min(1.0, (clock() - start) / budget), f"{len(candidates)} candidates")
        if isinstance(change, BandChange) and cand.seconds is not None:
            measured.append((change, predicted, cand.seconds))
        base_name = change.base if source is None else source.base
        if cand.status == "faster":
            incumbent = _Incumbent(cand.plan, cand.compiled, cand.seconds, base_name,
                                   against_default=incumbent.plan is default_plan)
            peers = [p for p in peers if p.seconds <= incumbent.seconds * (1 + 2 * MARGIN)]
        elif cand.status == "same":
            peers = sorted(peers + [_Incumbent(cand.plan, None, cand.seconds, base_name,
                                                      description=cand.description)],
                           key=lambda p: p.seconds)[:PEERS]
    best_plan, best_seconds = default_plan, candidates[0].seconds
    if incumbent.plan is not default_plan and incumbent.against_default:
        best_plan, best_seconds = incumbent.plan, incumbent.seconds
    elif incumbent.plan is not default_plan:
        remaining = budget - (clock() - start)
        rounds = max(3, min(ROUNDS, int(remaining / (incumbent.seconds + candidates[0].seconds))))
        timings = time_interleaved({"best": _runner(incumbent.compiled), "default": _runner(default)},
                                   fresh=fresh, repeat=rounds, warmup=0, until_distinct=("best", "default"),
                                   min_rounds=3, margin=0.0)  # both ran already: no warm-up
        ratio = timings.ratio("best", "default")
        candidates[0].seconds = timings.median("default")
        if ratio.high < 1.0:
            best_plan, best_seconds = incumbent.plan, timings.median("best")
        else:
            best_seconds = candidates[0].seconds
    if progress is not None:
        progress(1.0, f"{len(candidates)} candidates")
    for c in candidates:
        c.compiled = None  # the binaries stay in the disk cache; the report keeps no library open
    return best_plan, candidates, candidates[0].seconds, best_seconds, differences(default_plan, best_plan)


@dataclass
class _Incumbent:
    plan: object
    compiled: object
    seconds: float
    base: str
    # it beat the default itself, interleaved and beyond the noise with the margin: the final
    # comparison would repeat that (seidel_2d at LARGE: 3 more rounds of 10 s, past the budget)
    against_default: bool = False
    description: str = ""  # of a peer: the candidate it was


def _next_loop_change(sources: list, turn: int, tried: set, vector_bits: int | None = None):
    """``(source, change)``: the first untried loop-level change of one of ``sources`` (the
    incumbent, then its peers), taking them in turn, or ``(None, None)`` when none is left;
    ``vector_bits``: the machine's vectors, when wider than gcc prefers (see :func:`.space.loop_changes`).

    Peers matter where two changes pay only together: syrk at LARGE gains 1.4x from fusing its two
    statements and then wavefronting the fused band, each alone within the noise (Xeon SPR)."""
    for k in range(len(sources)):
        source = sources[(turn + k) % len(sources)]
        changes = loop_changes(source.plan, vector_bits)
        change = next((c for c in changes if c.apply(source.plan).digest() not in tried), None)
        if change is not None:
            return source, change
    return None, None


def _needs_final(incumbent: _Incumbent, default_plan) -> bool:
    return incumbent.plan is not default_plan and not incumbent.against_default


def _bases(kernel, default_plan) -> dict:
    """Base plans: the default, the other fusion policies / scheduler, and the default with one
    fusion decision of its scheduler reversed (a merge it refused made, or one it made refused),
    when their trees differ."""
    bases = {"default": default_plan}
    trees = [default_plan.tree]
    for name, opts in BASES + _fusion_choices(default_plan):
        merged = {**default_plan.options, **opts}
        if merged == default_plan.options:
            continue
        try:
            plan = kernel.schedule(**merged).plan
        except PolyoptError:
            continue
        if plan is not None and plan.tree not in trees:
            bases[name] = plan
            trees.append(plan.tree)
    return bases


def _fusion_choices(plan) -> tuple:
    """``(name, options)`` of the default's fusion decisions reversed one at a time: each merge
    the policy refused for a reason other than the lack of a common loop, forced, and each merge
    it made, refused (at most FUSION_CHOICES, in the scheduler's order)."""
    out, pairs = [], list(plan.options.get("fuse_pairs") or ())
    for note in plan.notes:
        if isinstance(note, Cut):
            flips = [(stmts[0], other[0], "fuse") for stmts, other, why in note.refusals if why != NO_COMMON_LOOP]
        elif isinstance(note, Fused):
            flips = [(note.statements[0], note.group[0], "apart")]
        else:
            continue
        for flip in flips:
            out.append((f"fuse_pairs={fuse_pairs_text((flip,))}", {"fuse_pairs": tuple(pairs + [flip])}))
    return tuple(dict(out).items())[:FUSION_CHOICES]


def _measure(kernel, cand: Candidate, incumbent: _Incumbent, fresh, reference, left) -> None:
    try:
        with budget.capped(max(MIN_OPERATIONS, int(left() * OPERATIONS_PER_SECOND))), deadline.capped(left()):
            schedule = kernel.schedule(plan=cand.plan)
            cand.plan = schedule.plan
            compiled = kernel.compile(plan=cand.plan)
    except ScheduleError as exc:
        cand.status, cand.why = "illegal", str(exc).splitlines()[0]
        return
    except (CodegenError, CompileError, BudgetExceeded) as exc:
        cand.status, cand.why = "failed", str(exc).splitlines()[0]
        return
    cand.compiled = compiled
    outputs, first = _outputs(compiled, fresh, time.perf_counter)  # also the warm-up and the screen
    bad = _mismatch(reference, outputs)
    if bad:
        cand.status, cand.why = "wrong", bad
        return
    if first > SCREEN * incumbent.seconds or left() < 3 * (incumbent.seconds + first):  # 3 rounds at least
        cand.seconds, cand.status = first, "screened"
        return
    rounds = max(3, min(ROUNDS, int(left() / (2 * max(incumbent.seconds, first)))))
    timings = time_interleaved({"candidate": _runner(compiled), "incumbent": _runner(incumbent.compiled)},
                               fresh=fresh, repeat=rounds, warmup=0, until_distinct=("candidate", "incumbent"),
                               min_rounds=min(3, rounds), margin=MARGIN)
    ratio = timings.ratio("candidate", "incumbent")
    cand.seconds = incumbent.seconds * ratio.estimate
    if ratio.high < 1 / (1 + MARGIN):
        cand.status = "faster"
    else:
        cand.status = "slower" if ratio.low > 1 + MARGIN else "same"


def _pop_best(ranked: list, measured: list) -> tuple[float, BandChange]:
    """Remove and return the most promising untried change, with its corrected prediction.

    ``ranked`` holds ``(model prediction, change)`` sorted by the model alone; each prediction
    is corrected by what was measured near it (the geometric mean of measured / predicted of the
    three nearest measured changes of the same band).  Only the head of the list is corrected: the
    model's order decides which candidates are worth a correction at all.
    """
    head = ranked[:HEAD]
    best, best_index = math.inf, 0
    for index, (predicted, change) in enumerate(head):
        near = [(c, p, s) for c, p, s in measured if c.base == change.base and c.band == change.band]
        if near:
            near.sort(key=lambda m: _distance(m[0], change))
            logs = [math.log(s / p) for _, p, s in near[:3] if p > 0 and s > 0]
            predicted *= math.exp(sum(logs) / len(logs)) if logs else 1.0
        if predicted < best:
            best, best_index = predicted, index
    _, change = ranked.pop(best_index)
    return best, change


def _distance(a: BandChange, b: BandChange) -> float:
    tiles = sum(abs(math.log2(x or 4096) - math.log2(y or 4096)) for x, y in zip(a.tile, b.tile))
    return tiles + (0 if a.order == b.order else 2) + (0 if bool(a.tile) == bool(b.tile) else 4)


def _copier(args: tuple, kwargs: dict):
    """``fresh()``: copies of the arguments (tuning never changes the caller's arrays)."""
    def fresh():
        copy = lambda v: v.copy() if isinstance(v, np.ndarray) else v  # noqa: E731
        return tuple(copy(a) for a in args), {k: copy(v) for k, v in kwargs.items()}

    return fresh


def _runner(compiled):
    return lambda inputs: compiled(*inputs[0], **inputs[1])


def _outputs(compiled, fresh, clock) -> tuple[list, float]:
    """The arrays (and return value) after one run on fresh copies, and the seconds of that run
    (the copies made beforehand, as :func:`time_interleaved` does)."""
    args, kwargs = fresh()
    began = clock()
    result = compiled(*args, **kwargs)
    seconds = clock() - began
    arrays = [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]
    return arrays + ([np.asarray(result)] if result is not None else []), seconds


def _mismatch(reference: list, outputs: list) -> str:
    """Why ``outputs`` differ from ``reference`` beyond rounding, or ''.  The tolerance is that of a
    reassociated reduction (a candidate may split a sum differently from the default); a wrong
    schedule is off by far more."""
    for k, (a, b) in enumerate(zip(reference, outputs)):
        _, rel, ok = agreement.compare(a, b, None, reassociated=True)
        if not ok:
            return f"output {k} differs from the default's (relative error {rel:.2g})"
    return ""
