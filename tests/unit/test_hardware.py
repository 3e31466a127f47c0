"""What polyopt reads of the CPU (polyopt.hardware) and the register tile it implies."""

from polyopt import hardware
from polyopt.schedule.policy import DEFAULT_POLICY


def _cpu(*flags: str) -> hardware.Cpu:
    return hardware.Cpu("test (x86_64)", frozenset(flags), (("L1", 32768),))


def test_vector_width_and_registers_follow_the_flags():
    assert (_cpu("avx2", "avx512f").vector_bytes, _cpu("avx2", "avx512f").vector_registers) == (64, 32)
    assert (_cpu("avx", "avx2", "fma").vector_bytes, _cpu("avx", "avx2", "fma").vector_registers) == (32, 16)
    assert (_cpu("sse2").vector_bytes, _cpu("sse2").vector_registers) == (16, 16)
    assert (_cpu("fp", "asimd").vector_bytes, _cpu("fp", "asimd").vector_registers) == (16, 32)


def test_this_machine_is_read():
    cpu = hardware.cpu()
    assert cpu.model and dict(cpu.caches).get("L1", 0) > 0
    assert cpu is hardware.cpu()  # read once


def test_the_register_tile_is_the_entry_of_the_largest_register_file_the_machine_has():
    assert DEFAULT_POLICY.register_tile(32) == DEFAULT_POLICY.register_tile(64)
    assert (DEFAULT_POLICY.register_tile(32).rows, DEFAULT_POLICY.register_tile(32).column_bytes) == (4, 128)
    sixteen = DEFAULT_POLICY.register_tile(16)
    assert (sixteen.rows, sixteen.column_bytes, sixteen.tile_rows) == (6, 64, 96)
    assert sixteen.tile_rows % sixteen.rows == 0
    assert DEFAULT_POLICY.register_tile(8) == sixteen  # fewer than any entry: the smallest
    assert DEFAULT_POLICY.register_tile() == DEFAULT_POLICY.register_tile(hardware.simd_registers())


def test_the_vector_width_gcc_emits_is_probed_and_a_missing_compiler_falls_back():
    assert hardware.compiled_vector_bytes("/nonexistent/cc") == min(hardware.cpu().vector_bytes, 32)
    assert hardware.compiled_vector_bytes("gcc -bogus-flag-x") == min(hardware.cpu().vector_bytes, 32)
    width = hardware.compiled_vector_bytes("gcc")
    assert width in (16, 32, 64) and width <= hardware.cpu().vector_bytes


def test_the_register_tile_follows_the_vectors_gcc_emits():
    wide = DEFAULT_POLICY.register_tile(32, 64)
    assert (wide.rows, wide.column_bytes, wide.tile_rows, wide.pack_contiguous) == (8, 128, 128, True)
    assert DEFAULT_POLICY.register_tile(32, 32).rows == 4  # AVX-512 under gcc's 256-bit tuning
    assert DEFAULT_POLICY.register_tile(16, 64) == DEFAULT_POLICY.register_tile(16, 32)
    assert DEFAULT_POLICY.register_tile(32, 16) == DEFAULT_POLICY.register_tile(32, 32)  # AArch64
