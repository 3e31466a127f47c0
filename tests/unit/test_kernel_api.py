"""The public Kernel object: decorator forms, options, reference execution, the warm-cache path."""

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import polyopt as po

N, M = po.symbols("N M")


def test_decorator_forms_and_options():
    def scale(alpha: po.f64, A: po.f64[N]):
        for i in range(N):
            A[i] *= alpha

    plain = po.kernel(scale)
    configured = po.kernel(tile=16, fuse="max")(scale)
    direct = po.kernel(scale, scheduler="isl")
    assert plain.options.tile is True and configured.options.tile == 16
    assert configured.options.fuse == "max" and direct.options.scheduler == "isl"
    assert plain.py_func is scale and plain.__name__ == "scale"
    with pytest.raises(po.OptionError, match="unknown option 'tiles'"):
        po.kernel(scale, tiles=3)
    with pytest.raises(po.OptionError, match="unknown scheduler"):
        plain.schedule(scheduler="polly")


def test_reference_binds_symbols_and_matches_compiled():
    @po.kernel
    def k(A: po.f64[N, M], x: po.f64[M], y: po.f64[N]):
        for i in range(N):
            y[i] = 0.0
            for j in range(M):
                y[i] += A[i, j] * x[j]

    rng = np.random.default_rng(1)
    A, x = rng.random((7, 5)), rng.random(5)
    y_ref, y = np.zeros(7), np.zeros(7)
    k.reference(A, x, y_ref)
    k(A, x, y)
    np.testing.assert_allclose(y_ref, A @ x)
    np.testing.assert_allclose(y, y_ref)
    assert k.bind(A, x, y) == {"N": 7, "M": 5}


def test_reference_sees_symbols_from_a_closure():
    def make():
        P = po.symbols("P")

        @po.kernel
        def fill(A: po.f64[P]):
            for i in range(P):
                A[i] = i * 2.0

        return fill

    fill = make()
    a = np.zeros(4)
    fill.reference(a)
    np.testing.assert_array_equal(a, [0, 2, 4, 6])


def test_argument_errors_name_the_argument():
    @po.kernel
    def add(A: po.f64[N], B: po.f64[N]):
        for i in range(N):
            A[i] += B[i]

    with pytest.raises(po.ArgumentError, match="B"):
        add(np.zeros(3), np.zeros(4))
    with pytest.raises(po.ArgumentError):
        add(np.zeros(3), np.zeros(3, dtype=np.float32))


def test_pass_times_are_recorded():
    @po.kernel
    def k(A: po.f64[N]):
        for i in range(N):
            A[i] = 1.0

    k.c_source()
    names = [n for n, _ in k.times.entries]
    assert names[:1] == ["parse"]
    assert {"scop", "dependences", "schedule", "codegen"} <= set(names)
    assert "total" in str(k.times)


def test_warm_cache_runs_neither_the_pipeline_nor_the_compiler(tmp_path):
    module = tmp_path / "warm_kernel.py"
    module.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import polyopt as po
        from polyopt.runtime import toolchain
        N = po.symbols("N")

        @po.kernel
        def axpy(a: po.f64, x: po.f64[N], y: po.f64[N]):
            for i in range(N):
                y[i] += a * x[i]

        y = np.ones(5)
        axpy(2.0, np.arange(5.0), y)
        assert list(y) == [1, 3, 5, 7, 9], y
        print(toolchain.compile_count(), "islpy" in sys.modules, "cgen" in sys.modules)
    """))
    env = dict(os.environ, POLYOPT_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("POLYOPT_NO_CACHE", None)

    def run():
        out = subprocess.run([sys.executable, str(module)], env=env, capture_output=True, text=True,
                             check=True)
        return out.stdout.split()

    assert run() == ["1", "True", "True"]  # cold: the pipeline ran and gcc compiled once
    assert run() == ["0", "False", "False"]  # warm: no isl, no code generator, no compiler


def test_errors_reach_the_user_without_internal_frames():
    import traceback

    def bad(A: po.f64[N]):
        for i in range(N):
            A[i * i] = 1.0

    with pytest.raises(po.KernelSyntaxError) as err:
        po.kernel(bad)
    files = [f.filename for f in traceback.extract_tb(err.value.__traceback__)]
    # Internal = inside the package's real folder (the clone around it is often named polyopt too).
    package_dir = os.path.join(os.path.dirname(os.path.realpath(po.__file__)), "")
    internal = [f for f in files if os.path.realpath(f).startswith(package_dir) and not f.endswith("errors.py")]
    assert internal == [], files
    assert "non-affine subscript" in str(err.value)


def test_plain_text_views_are_short_and_say_what_they_are():
    K = po.symbols("K")

    @po.kernel
    def mm(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
        for i in range(N):
            for j in range(M):
                C[i, j] = 0.0
                for k in range(K):
                    C[i, j] += A[i, k] * B[k, j]

    views = {
        "scop": (repr(mm.scop), str(mm.scop)),
        "deps": (repr(mm.dependences()), str(mm.dependences())),
        "schedule": (repr(mm.schedule(tile=16)), str(mm.schedule(tile=16))),
    }
    assert views["scop"][0] == ("<Scop mm(N, M, K): 2 statement(s) S0[i, j] S1[i, j, k]; "
                                "3 array(s) C[N, M] A[N, K] B[K, M]>")
    assert views["deps"][0].startswith("<Dependences of mm: ") and "(RAW " in views["deps"][0]
    assert views["deps"][0].endswith(" through C>")
    sched = views["schedule"][0]
    assert sched.startswith("<Schedule of mm: pluto, fuse=smart, tile=16; ")
    bands = sched.split(" band(s): ")[1]
    assert bands.count("tiled 16x") == len(mm.schedule(tile=16).bands) and "parallel i_tile" in bands
    for short, full in views.values():
        assert len(short) < 160 and "\n" not in short and "isl" not in short
        assert len(full) > len(short)  # str() keeps the full printed form
    compiled = mm.compile()
    assert re.fullmatch(r"<compiled kernel mm\(C, A, B\): C function polyopt_mm, cache entry \w{12}>",
                        repr(compiled)), repr(compiled)


def test_a_schedule_isl_cannot_generate_falls_back_to_a_simpler_one(monkeypatch):
    """When isl cannot give proved code for the schedule (its code generator over budget, say),
    the kernel is compiled untiled, then in its original order, and the explanation says so; a
    plan is never replaced."""
    from polyopt import pipeline
    from polyopt.errors import CodegenError

    def transpose_add(A: po.f64[N, N], B: po.f64[N, N]):
        for i in range(N):
            for j in range(N):
                A[i, j] += B[j, i]

    real = pipeline.codegen

    def tiles_fail(schedule, times=None):
        if schedule.options.tile is not False:
            raise CodegenError("isl's code generator gave up on this schedule after 12,000,000 operations")
        return real(schedule, times)

    monkeypatch.setattr(pipeline, "codegen", tiles_fail)
    kern = po.kernel(transpose_add)
    text = kern.c_source()
    assert "tile=False" in text.splitlines()[2]
    assert ("fallback: isl's code generator gave up on this schedule after 12,000,000 operations; compiled "
            "with tile=False instead") in str(kern.schedule())
    a, b = np.random.rand(5, 5), np.random.rand(5, 5)
    want = a + b.T
    kern(a, b)
    np.testing.assert_allclose(a, want)
    plan = po.kernel(transpose_add).schedule().plan
    with pytest.raises(CodegenError, match="gave up"):
        po.kernel(transpose_add).c_source(plan=plan)
