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
