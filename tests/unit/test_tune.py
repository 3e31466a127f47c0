"""The autotuner: machine keys, the store, the cost model, the search space, and tuning itself
(legality of every timed candidate, the caller's arrays untouched, the default always a candidate,
remembered results used only on the same machine class, compiler and flags)."""

import dataclasses

import numpy as np
import pytest

import polyopt as po
from polyopt.analysis.legality import check_legal
from polyopt.schedule.loops import LoopKind
from polyopt.tune import search, space, store
from polyopt.tune.machine import Machine, current_machine
from polyopt.tune.model import CostModel

N, M, K = po.symbols("N M K")

def matmul_loops(C: po.f64[N, M], A: po.f64[N, K], B: po.f64[K, M]):
    for i in range(N):
        for j in range(M):
            for k in range(K):
                C[i, j] += A[i, k] * B[k, j]


def _matmul(**options):
    """A fresh kernel object of the same source each time (as a new process would make)."""
    return po.kernel(matmul_loops, **options)


def _args(n=40, m=36, k=30, seed=0):
    rng = np.random.default_rng(seed)
    return {"C": rng.random((n, m)), "A": rng.random((n, k)), "B": rng.random((k, m))}


class _Steps:
    """A clock that advances 0.05 s per reading: a search under it takes the same steps on a fast
    machine as on a slow one (a 2 s budget of wall time left no candidate at all on an AMD EPYC VM,
    after the default's compilation)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.05
        return self.now


def _candidates(k, args: dict, budget: float = 2.0) -> list:
    """The candidates of tuning ``k`` for ``args`` under the :class:`_Steps` clock."""
    result = search.tune_kernel(k, k.schedule(), (), args, machine=current_machine(), budget=budget,
                                clock=_Steps())
    return result[1]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYOPT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLYOPT_NO_CACHE", raising=False)
    monkeypatch.delenv("POLYOPT_CFLAGS", raising=False)
    return tmp_path / "cache"


# ------------------------------------------------------------ machine and store


def test_machine_reads_this_cpu():
    m = current_machine()
    assert m.cpu and m.threads >= 1 and m.vector_bytes in (16, 32, 64)
    assert m.cache("L1") <= m.cache("L2") <= m.cache("L3")
    assert m.cpu.split(" (")[0] in m.describe()


def test_machine_key_separates_cpu_caches_compiler_and_threads():
    base = Machine("CPU A", (("L1", 32768), ("L2", 1 << 20)), 32, 2, "gcc-x")
    keys = {base.key,
            dataclasses.replace(base, cpu="CPU B").key,
            dataclasses.replace(base, caches=(("L1", 49152), ("L2", 1 << 20))).key,
            dataclasses.replace(base, vector_bytes=64).key,
            dataclasses.replace(base, threads=1).key,
            dataclasses.replace(base, compiler="gcc-y").key}
    assert len(keys) == 6
    assert dataclasses.replace(base).key == base.key


def test_compiler_flags_change_the_machine_key(monkeypatch):
    before = current_machine().key
    monkeypatch.setenv("POLYOPT_CFLAGS", "-O2 -fopenmp")
    assert current_machine().key != before


def test_size_classes():
    assert store.size_class({"N": 1000, "M": 2000}) == store.size_class({"M": 2100, "N": 1050})
    assert store.size_class({"N": 1000}) != store.size_class({"N": 2000})
    assert store.size_class({"N": 0}) == "N:0"


def _entry(size_class="N:10", plan="{}"):
    return store.TunedEntry("k", size_class, {"N": 32}, plan, 2.0, 1.0, "2026-01-01T00:00", "a machine",
                            ("band 0 tiled 8x8",))


def test_store_files_by_machine_class():
    a = Machine("CPU A", (("L1", 32768),), 32, 2, "gcc")
    b = dataclasses.replace(a, cpu="CPU B")
    path = store.remember("h" * 24, a, _entry())
    assert path is not None and path.is_file()
    assert store.load_entries("h" * 24, a)["N:10"].speedup == 2.0
    assert store.load_entries("h" * 24, b) == {}
    assert store.load_entries("g" * 24, a) == {}
    store.remember("h" * 24, a.key, _entry("N:12"))  # by key, as a Dask worker's result is filed
    assert set(store.load_entries("h" * 24, a)) == {"N:10", "N:12"}


def test_store_is_off_without_the_cache(monkeypatch):
    a = Machine("CPU A", (), 32, 2, "gcc")
    store.remember("h" * 24, a, _entry())
    monkeypatch.setenv("POLYOPT_NO_CACHE", "1")
    assert store.load_entries("h" * 24, a) == {}
    assert store.remember("h" * 24, a, _entry()) is None


def test_unreadable_store_file_is_ignored(own_cache):
    a = Machine("CPU A", (), 32, 2, "gcc")
    path = store.remember("h" * 24, a, _entry())
    path.write_text("{not json")
    assert store.load_entries("h" * 24, a) == {}


# ------------------------------------------------------------ model and space


def test_cost_model_prefers_cache_sized_tiles_and_unit_stride():
    k = _matmul()
    sizes = {"N": 1000, "M": 1100, "K": 1200}
    model = CostModel(k.scop, sizes, Machine("cpu", (("L1", 48 << 10), ("L2", 2 << 20), ("L3", 32 << 20)),
                                             64, 2, "cc"))
    plan = k.schedule().plan
    band = next(i for i, b in enumerate(plan.bands) if len(b.loops) == 3)
    loops = plan.band(band).loops
    good = model.predict(plan.with_band(band, tile=(32, 128, 32)))
    assert model.predict(plan.with_band(band, tile=(4, 4, 4))) > good  # too small: loop overhead, little reuse
    assert model.predict(plan.with_band(band, tile=())) > good  # untiled: streams from memory
    i, j, kk = loops
    assert model.predict(plan.with_band(band, tile=(32, 128, 32), order=(kk, j, i))) > good  # strided innermost


def test_band_changes_cover_sizes_orders_and_untiled():
    plan = _matmul().schedule().plan
    changes = space.band_changes("default", plan, {})
    three = [c for c in changes if len(plan.band(c.band).loops) == 3]
    assert any(c.tile == () for c in three)
    assert len({c.order for c in three}) == 6
    assert {(8, 8, 8), (512, 512, 512)} <= {c.tile for c in three}


def test_loop_changes_include_thread_threshold_and_simd():
    plan = _matmul().schedule().plan
    changes = space.loop_changes(plan)
    fields = {(c.field, c.value) for c in changes}
    assert ("min_work", space.NEVER_PARALLEL) in fields
    assert ("kind", LoopKind.SERIAL) in fields
    for c in changes:  # each applies to a plan that the schedule stage accepts or refuses by itself
        assert c.apply(plan).digest() != plan.digest()
        assert c.describe()


def test_loop_changes_go_to_the_incumbent_and_its_peers_in_turn():
    k = _matmul()
    plan = k.schedule().plan
    band = next(i for i, b in enumerate(plan.bands) if b.permutable)
    peer_plan = k.schedule(plan=space.BandChange("default", band, (8, 8, 8), plan.bands[band].loops)
                           .apply(plan)).plan
    incumbent = search._Incumbent(plan, None, 1.0, "default")
    peer = search._Incumbent(peer_plan, None, 1.0, "default", description="band 8x8x8")
    tried: set = set()
    firsts = []
    for turn in range(4):
        source, change = search._next_loop_change([incumbent, peer], turn, tried)
        tried.add(change.apply(source.plan).digest())
        firsts.append(source)
    assert firsts == [incumbent, peer, incumbent, peer]
    tried |= {c.apply(plan).digest() for c in space.loop_changes(plan)}  # the incumbent's all tried
    source, _ = search._next_loop_change([incumbent, peer], 0, tried)
    assert source is peer
    tried |= {c.apply(peer_plan).digest() for c in space.loop_changes(peer_plan)}
    assert search._next_loop_change([incumbent, peer], 0, tried) == (None, None)


def two_passes(A: po.f64[N, M], B: po.f64[N, M], x: po.f64[N], y: po.f64[N], z: po.f64[N]):
    for i in range(N):
        z[i] = 0.5 * x[i]
        for j in range(M):
            z[i] += A[i, j]
    for i in range(N):
        for j in range(M):
            y[i] += B[i, j] * z[i]
    for i in range(N):
        x[i] = 2.0 * y[i]
    for i in range(N):
        x[i] += z[i]


def test_fusion_is_searched_one_group_pair_at_a_time():
    k = po.kernel(two_passes)
    plan = k.schedule().plan
    choices = dict(search._fusion_choices(plan))
    # a merge the policy refused (depth 1 instead of 2) is forced, one it made is refused
    assert choices["fuse_pairs=S2+S1"] == {"fuse_pairs": (("S2", "S1", "fuse"),)}
    assert choices["fuse_pairs=S4/S3"] == {"fuse_pairs": (("S4", "S3", "apart"),)}
    assert any(name.startswith("fuse_pairs=") and "/" in name for name in choices)
    bases = search._bases(k, plan)
    trees = [b.tree for b in bases.values()]
    assert len(trees) == len(set(map(repr, trees)))  # only bases whose trees differ
    for name, options in choices.items():
        fused = k.schedule(**{**plan.options, **options}).plan
        assert name in bases or fused.tree in trees


def test_loop_changes_unroll_serial_loops_by_factors():
    plan = po.kernel(two_passes).schedule().plan
    unrolls = [c for c in space.loop_changes(plan) if c.field == "unroll_by"]
    assert {c.value for c in unrolls} == set(space.UNROLL_FACTORS)
    serial = {lp.name for b in plan.bands for lp in b.kinds or () if lp.kind == LoopKind.SERIAL}
    assert {c.loop for c in unrolls} <= serial
    assert "unrolled by 4" in next(c for c in unrolls if c.value == 4).describe()


def test_loop_changes_jam_outer_point_loops():
    plan = _matmul().schedule().plan
    jams = [c for c in space.loop_changes(plan) if c.field == "jam"]
    band = plan.band(jams[0].band)
    assert {c.loop for c in jams} == set((band.order or band.loops)[:-1])
    assert {c.value for c in jams} == set(space.JAM_FACTORS)
    jammed = jams[0].apply(plan)
    assert jammed.band(jams[0].band).jam == ((jams[0].loop, jams[0].value),)
    assert "and jammed" in jams[0].describe()


def test_wider_vectors_are_a_kernel_wide_change_where_the_machine_has_them():
    plan = _matmul().schedule().plan
    assert not any(isinstance(c, space.OptionChange) for c in space.loop_changes(plan))
    first = space.loop_changes(plan, 512)[0]
    assert first == space.OptionChange("vector_bits", 512) and first.describe() == "vector_bits=512"
    wide = first.apply(plan)
    assert wide.options["vector_bits"] == 512 and wide.bands == plan.bands
    assert not any(isinstance(c, space.OptionChange) for c in space.loop_changes(wide, 512))
    assert space.differences(plan, wide) == ("options vector_bits=512",)
    k = _matmul()
    assert '#pragma GCC target("prefer-vector-width=512")' in k.c_source(plan=wide)
    assert "prefer-vector-width" not in k.c_source()
    args = _args(n=37, m=41, k=13)
    expect = {n: a.copy() for n, a in args.items()}
    k.reference(**expect)
    k.compile(plan=wide)(**args)
    assert np.allclose(args["C"], expect["C"], rtol=1e-12)
    assert search.WIDE_VECTORS.get(64) == 512 and search.WIDE_VECTORS.get(32) is None


def test_vector_bits_is_checked():
    with pytest.raises(po.OptionError, match="vector_bits must be None, 128, 256 or 512"):
        _matmul().c_source(vector_bits=384)


# ------------------------------------------------------------ tuning


def test_tune_leaves_arguments_alone_and_checks_every_timed_candidate():
    k = _matmul()
    args = _args()
    before = {name: a.copy() for name, a in args.items()}
    report = k.tune(**args, budget=3)
    for name, a in args.items():
        assert np.array_equal(a, before[name]), f"tuning changed {name}"
    first = report.candidates[0]
    assert first.status == "default" and first.seconds > 0
    timed = [c for c in report.candidates if c.seconds is not None]
    assert timed and all(c.status not in ("illegal", "failed", "wrong") for c in timed)
    for c in timed:
        check_legal(k.dependences(), k.schedule(plan=c.plan))
    assert report.speedup > 0 and report.best is not None
    assert "Tuned matmul" in report._repr_html_()
    assert "candidates:" in str(report)


def test_an_illegal_candidate_is_never_timed(monkeypatch):
    k = _matmul()
    plan = k.schedule().plan
    band = next(i for i, b in enumerate(plan.bands) if "k" in b.loops)
    illegal = space.LoopChange(band, "k", "kind", LoopKind.PARALLEL)  # k carries the sum on C[i, j]
    monkeypatch.setattr(search, "loop_changes", lambda p, *_: [illegal])
    marked = [c for c in _candidates(k, _args()) if c.description == illegal.describe()]
    assert marked and all(c.status == "illegal" and c.seconds is None for c in marked)


def test_a_wrong_candidate_is_rejected(monkeypatch):
    k = _matmul()
    real = search._outputs
    calls = []

    def corrupting(compiled, fresh, clock):
        out, seconds = real(compiled, fresh, clock)
        calls.append(1)
        if len(calls) == 2:  # the first candidate after the default
            out[0] = out[0] + 1.0
        return out, seconds

    monkeypatch.setattr(search, "_outputs", corrupting)
    candidates = _candidates(k, _args())
    assert candidates[1].status == "wrong" and candidates[1].seconds is None


def test_remembered_result_is_used_by_a_new_kernel_object():
    args = _args()
    _matmul().tune(**args, budget=2)
    fresh = _matmul()
    entry = fresh.tuned_for(**args)
    assert entry is not None and entry.sizes == {"N": 40, "M": 36, "K": 30}
    expected = args["C"] + args["A"] @ args["B"]
    fresh(**args)
    np.testing.assert_allclose(args["C"], expected)
    assert fresh.schedule().decisions[0].startswith("tuned ")
    assert fresh.tuned_for(**_args(400, 360, 300)) is None  # another size class


def test_remembered_result_ignored_on_another_cpu(monkeypatch):
    args = _args()
    _matmul().tune(**args, budget=2)
    other = dataclasses.replace(current_machine(), cpu="Another CPU")
    from polyopt.tune import tune as tune_mod

    monkeypatch.setattr(tune_mod, "current_machine", lambda threads=None: other)
    assert _matmul().tuned_for(**args) is None


def test_remembered_result_ignored_with_other_flags_no_cache_or_tune_false(monkeypatch):
    args = _args()
    _matmul().tune(**args, budget=2)
    assert _matmul().tuned_for(**args) is not None
    monkeypatch.setenv("POLYOPT_CFLAGS", "-O2 -fopenmp")
    assert _matmul().tuned_for(**args) is None
    monkeypatch.delenv("POLYOPT_CFLAGS")
    monkeypatch.setenv("POLYOPT_NO_CACHE", "1")
    assert _matmul().tuned_for(**args) is None
    monkeypatch.delenv("POLYOPT_NO_CACHE")
    untuned = _matmul(tune=False)
    untuned(**args)
    assert not untuned.schedule().decisions[0].startswith("tuned ")


def test_tune_true_tunes_on_the_first_call(monkeypatch):
    from polyopt.tune import tune as tune_mod

    monkeypatch.setattr(tune_mod, "DEFAULT_BUDGET", 2.0)
    k = _matmul(tune=True)
    args = _args(12, 10, 8)
    expected = args["C"] + args["A"] @ args["B"]
    k(**args)
    np.testing.assert_allclose(args["C"], expected)
    assert k.tuned_for(**_args(12, 10, 8)) is not None


def test_tune_options_are_checked():
    with pytest.raises(po.OptionError, match="tune="):
        _matmul(tune="sometimes")
    with pytest.raises(po.OptionError, match="budget"):
        _matmul().tune(**_args(), budget=0)
