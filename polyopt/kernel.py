"""The public kernel object returned by ``@po.kernel``.

It holds the user's function and default options, and runs the pipeline on demand: the kernel is
parsed (and every problem reported) at decoration time; the polyhedral model, dependences,
schedules, C text and compiled callables are computed on first use and kept per configuration.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types

from . import config, pipeline
from .errors import OptionError, PolyoptError, user_facing
from .frontend.types import is_size_symbol
from .schedule.options import ScheduleOptions


class Kernel:
    """A decorated kernel: call it like the original function, on NumPy arrays."""

    @user_facing
    def __init__(self, func, **options):
        if not callable(func) or not isinstance(func, types.FunctionType):
            from .errors import PolyoptError

            raise PolyoptError(f"@po.kernel applies to a plain Python function, not {type(func).__name__}")
        self.py_func = func
        self._start(options)
        self.syntax = pipeline.parse(func, self.times)
        functools.update_wrapper(self, func)

    def _start(self, options: dict) -> None:
        """The state every kernel starts with (also used by other front ends, e.g. ``po.from_c``)."""
        options = dict(options)
        self.tune_mode = _tune_mode(options.pop("tune", "cached"))
        # accumulators promoted to the elements they are stored into (polyopt.poly.promote)
        self.promote = options.pop("promote", True)
        if not isinstance(self.promote, bool):
            raise OptionError(f"option promote must be True or False, not {self.promote!r}")
        self.plan = _as_plan(options.pop("plan", None))  # the decorator's plan, if any
        if self.plan is not None and options:
            raise OptionError("give @po.kernel a plan or options, not both",
                              hint="the plan carries the options it was made with")
        self.options = ScheduleOptions.make(**options)
        self.times = pipeline.PassTimes()
        self._scop = None
        self._deps = None
        self._schedules: dict[str, object] = {}
        self._programs: dict[str, object] = {}
        self._compiled: dict[str, object] = {}
        self._binding = None
        self._default: dict[tuple, object] = {}
        self._tuned = _Tuned()

    @property
    def name(self) -> str:
        return self.py_func.__name__

    def __repr__(self) -> str:
        return f"<polyopt kernel {self.name}({', '.join(a.name for a in self.syntax.args)})>"

    def _repr_html_(self) -> str:
        from . import views
        return views.html_of("kernel", self)

    # ------------------------------------------------------------ model

    @property
    @user_facing
    def scop(self):
        """The polyhedral model (:class:`polyopt.poly.scop.Scop`)."""
        if self._scop is None:
            self._scop = pipeline.scop(self.syntax, self.times, promote=self.promote)
        return self._scop

    @user_facing
    def dependences(self):
        """Exact dependences (:class:`polyopt.analysis.dependences.Dependences`)."""
        if self._deps is None:
            self._deps = pipeline.dependences(self.scop, self.times)
        return self._deps

    # ------------------------------------------------------------ schedule, C, binary

    def _config(self, overrides: dict) -> _Config:
        """The configuration for ``overrides`` (options, or ``plan=``; the decorator's are the defaults)."""
        overrides = dict(overrides)
        plan = _as_plan(overrides.pop("plan", None))
        if plan is not None and overrides:
            raise OptionError("give a plan or options, not both", hint="the plan carries its options")
        if plan is None and not overrides:
            plan = self.plan
        if plan is not None:
            return _Config(plan.schedule_options(), plan)
        return _Config(ScheduleOptions.make(self.options, **overrides), None)

    @user_facing
    def schedule(self, **options):
        """The schedule for ``options`` (the decorator's options are the defaults), or for ``plan=``
        (a :class:`~polyopt.schedule.plan.Plan`, e.g. ``kernel.schedule().plan.with_band(0, tile=(64,
        64))``: its decisions are applied and checked against the dependences).

        On a kernel that runs a tuned plan (after :meth:`tune`, or a call that used a remembered
        result), ``schedule()`` without arguments is that plan's schedule, and its explanation
        says when and where it was tuned and what differs from the default.
        """
        entry = self._tuned.active
        if not options and entry is not None:
            sched = self.schedule(plan=entry.plan)
            return dataclasses.replace(sched, decisions=(entry.describe(),) + sched.decisions)
        return self._schedule(self._config(options))

    def _schedule(self, cfg: _Config):
        if cfg.key not in self._schedules:
            self._schedules[cfg.key] = pipeline.schedule(self.dependences(), cfg.options, self.times, cfg.plan)
        return self._schedules[cfg.key]

    def _program(self, cfg: _Config):
        if cfg.key not in self._programs:
            def build(options):
                schedule = self._schedule(cfg if options == cfg.options else _Config(options))
                return schedule, self._codegen(schedule)

            schedule, program = pipeline.generate_with_fallback(cfg.options, build, cfg.plan is not None)
            self._programs[cfg.key] = program
            # From now on the schedule's explanation also says what the C does (Schedule.emitted).
            self._schedules[cfg.key] = dataclasses.replace(schedule, emitted=program.loops)
        return self._programs[cfg.key]

    def _codegen(self, schedule):
        """Schedule -> CProgram (a front end whose statements are not Python overrides this)."""
        return pipeline.codegen(schedule, self.times)

    @user_facing
    def c_source(self, **options) -> str:
        """The whole generated C translation unit for ``options`` (or ``plan=``)."""
        return self._program(self._config(options)).text

    @user_facing
    def compile(self, schedule=None, **options):
        """A callable compiled for ``options`` (or ``plan=``); calling it runs the generated code.

        ``schedule=`` takes a hand-made :class:`~polyopt.schedule.schedule.Schedule` of this kernel
        (e.g. ``kernel.schedule().interchange("i", "j")``): the scheduler is bypassed, the schedule
        is checked against the dependences, then generated and compiled as usual.
        """
        if schedule is not None:
            return self._compile_schedule(schedule)
        cfg = self._config(options)
        # The compiler settings are part of the key: a library built with other flags is another build.
        key = (cfg.key, config.toolchain_env())
        if key not in self._compiled:
            self._compiled[key] = self._load(cfg)
        return self._compiled[key]

    def _compile_schedule(self, schedule):
        from .analysis.legality import check_legal
        from .errors import PolyoptError

        if getattr(schedule, "scop", None) is not self.scop:
            raise PolyoptError(f"compile(schedule=...) needs a schedule of kernel '{self.name}'",
                               hint=f"start from {self.name}.schedule(...) and transform it")
        check_legal(self.dependences(), schedule)
        program = self._codegen(schedule)
        key = ("schedule:" + program.text, config.toolchain_env())
        if key not in self._compiled:
            self._compiled[key] = pipeline.compile_program(program, self.syntax, self.times)
        return self._compiled[key]

    def _load(self, cfg: _Config):
        """Through the front cache: a warm entry skips the polyhedral pipeline and the compiler."""
        from . import runtime

        fkey = runtime.front_key(self._cache_source(), cfg.key)
        compiled = runtime.load_meta(runtime.lookup_front(fkey), self.syntax)
        if compiled is None:
            compiled = pipeline.compile_program(self._program(cfg), self.syntax, self.times)
            runtime.store_front(fkey, compiled.meta)
        return compiled

    def _cache_source(self) -> str:
        """What determines the generated code besides the options (the front-cache key's source)."""
        # repr(syntax) covers the source as resolved (symbols, functions), not just its text.
        return repr(self.syntax)

    @user_facing
    def __call__(self, *args, **kwargs):
        env = config.toolchain_env()
        if self.tune_mode is not False and self.plan is None:
            tuned = self._tuned_callable(env, args, kwargs)
            if tuned is not None:
                return tuned(*args, **kwargs)
        # Fast path: the default configuration, looked up without rebuilding the options.
        compiled = self._default.get(env)
        if compiled is None:
            compiled = self._default[env] = self.compile()
        return compiled(*args, **kwargs)

    # ------------------------------------------------------------ tuning

    @user_facing
    def tune(self, *args, budget: float | None = None, progress=None, **kwargs):
        """Search the legal plans of this kernel for the sizes of these arguments on this machine,
        measuring each promising one against the best so far (on copies: the arguments are not
        changed), and remember the winner; later calls at sizes of the same class use it (see
        :mod:`polyopt.tune`).  ``budget``: seconds of wall time, compilation included (default 60).
        ``progress(fraction, text)`` is called as the budget is used.  Returns a
        :class:`~polyopt.tune.report.TuneReport` (``.best``, ``.speedup``, ``.candidates``)."""
        from .tune import tune

        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                                   or not budget > 0):
            raise OptionError(f"tune(budget=...) takes a positive number of seconds, not {budget!r}")
        default = self._schedule(self._config({}))
        with pipeline.run_pass("tune", self.times):
            report, entry = tune.run(self, default, args, kwargs, budget, progress)
        self._tuned.add(entry)
        return report

    @user_facing
    def tuned_results(self) -> dict:
        """Every remembered tuning result of this kernel on this machine class, by size class
        (``{}`` with ``tune=False`` or the cache off)."""
        from .tune import tune

        if self.tune_mode is False:
            return {}
        return dict(self._tuned.entries(config.toolchain_env(), lambda: tune.remembered(self)))

    @user_facing
    def tuned_for(self, *args, **kwargs):
        """The remembered tuning result (:class:`~polyopt.tune.store.TunedEntry`) for these
        arguments' size class on this machine, or None."""
        from .tune import tune

        entries = self._tuned.entries(config.toolchain_env(), lambda: tune.remembered(self))
        return entries.get(tune.size_class(self.bind(*args, **kwargs))) if entries else None

    def _tuned_callable(self, env, args, kwargs):
        """The compiled tuned plan for these arguments' size class, or None (no result remembered:
        the default runs; ``tune=True``: tune first)."""
        from .tune import tune

        entries = self._tuned.entries(env, lambda: tune.remembered(self))
        if not entries and self.tune_mode is not True:
            return None
        sizes = self.bind(*args, **kwargs)
        entry = entries.get(tune.size_class(sizes))
        if entry is None and self.tune_mode is True:
            self.tune(*args, **kwargs)
            entry = self._tuned.active
        if entry is None:
            return None
        try:
            compiled = self.compile(plan=entry.plan)
        except PolyoptError as exc:  # a result this polyopt can no longer apply: forget it
            tune.discard(self, entry, exc)
            self._tuned.drop(entry)
            return None
        self._tuned.active = entry
        return compiled

    # ------------------------------------------------------------ the executable specification

    @user_facing
    def bind(self, *args, **kwargs) -> dict[str, int]:
        """The size parameters implied by the arguments (checked like a real call)."""
        if self._binding is None:
            from .runtime.binding import BindingPlan

            self._binding = BindingPlan.from_kernel(self.syntax)
        return self._binding.bind(args, kwargs)

    @user_facing
    def reference(self, *args, **kwargs):
        """Run the original Python function on the arguments, with size symbols bound to their values."""
        values = self.bind(*args, **kwargs)
        return _rebind(self.py_func, values)(*args, **kwargs)


class _Tuned:
    """A kernel's tuning results: remembered ones, loaded once per compiler setting and thread
    count, and those :meth:`Kernel.tune` found in this process (used even with the cache off)."""

    def __init__(self):
        self._loaded: dict[tuple, dict] = {}
        self._found: dict[tuple, dict] = {}
        self.active = None  # the TunedEntry the last call ran (or tune() found)

    @staticmethod
    def _key(env) -> tuple:
        return env, os.environ.get("OMP_NUM_THREADS"), os.environ.get("POLYOPT_NO_CACHE")

    def entries(self, env, load) -> dict:
        key = self._key(env)
        loaded = self._loaded.get(key)
        if loaded is None:
            loaded = self._loaded[key] = load()
        found = self._found.get(key)
        return {**loaded, **found} if found else loaded

    def add(self, entry) -> None:
        self._found.setdefault(self._key(config.toolchain_env()), {})[entry.size_class] = entry
        self.active = entry

    def drop(self, entry) -> None:
        for entries in list(self._loaded.values()) + list(self._found.values()):
            if entries.get(entry.size_class) is entry:
                del entries[entry.size_class]
        if self.active is entry:
            self.active = None


def _tune_mode(value):
    if value not in ("cached", True, False):
        raise OptionError(f"tune= takes 'cached', True or False, not {value!r}",
                          hint="'cached': use a remembered result; True: tune on the first call; False: never")
    return value


class _Config:
    """One configuration of a kernel: its options, and the plan that decides instead of the passes."""

    def __init__(self, options: ScheduleOptions, plan=None):
        self.options = options
        self.plan = plan
        # a plan is keyed by its decisions: two equal plans share a schedule, a program, a build
        self.key = options.key() if plan is None else f"{options.key()};plan={plan.digest()}"


def _as_plan(plan):
    """``plan`` as a Plan: a Plan, its JSON text, or None."""
    if plan is None:
        return None
    from .schedule.plan import Plan

    if isinstance(plan, str):
        return Plan.from_json(plan)
    if not isinstance(plan, Plan):
        raise OptionError(f"plan= takes a Plan or its JSON text, not {type(plan).__name__}",
                          hint="kernel.schedule().plan is one")
    return plan


def _rebind(func, values: dict[str, int]):
    """A copy of ``func`` whose globals and closure see the size symbols as the given ints."""
    def swap(v):
        if is_size_symbol(v) and v.name in values:
            return values[v.name]
        return v

    names = set(func.__code__.co_names)
    globs = dict(func.__globals__)
    for n in names & globs.keys():
        globs[n] = swap(globs[n])
    closure = None
    if func.__closure__:
        closure = tuple(types.CellType(swap(c.cell_contents)) if _has_contents(c) else c
                        for c in func.__closure__)
    new = types.FunctionType(func.__code__, globs, func.__name__, func.__defaults__, closure)
    new.__kwdefaults__ = func.__kwdefaults__
    return new


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - probing an empty cell raises ValueError
    except ValueError:
        return False
    return True


@user_facing
def kernel(func=None, /, **options):
    """Decorate a Python function as a polyopt kernel: ``@po.kernel`` or ``@po.kernel(tile=64)``.

    Besides the schedule options: ``tune`` (see :meth:`Kernel.tune`), ``plan``, and ``promote``
    (default True: a local scalar that accumulates a value stored into an array element works on
    that element instead, where that changes no value; see :mod:`polyopt.poly.promote`)."""
    if func is None:
        return user_facing(lambda f: Kernel(f, **options))
    return Kernel(func, **options)
