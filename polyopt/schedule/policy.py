"""Every size and threshold the schedule stage uses by default, with the measurement behind each.

One home for the tiling policy: the passes read :data:`DEFAULT_POLICY` (``tile=True``); explicit
``tile=`` sizes replace the sizes, never the thresholds.  The numbers were measured on the machines
named beside them (2-core VMs, gcc 12, ``-O3 -march=native -fopenmp``, LARGE PolyBench sizes, the
kernel against its own original loop order in one run); on another machine they are a starting
point, and the plan a schedule carries shows what was chosen so that it can be changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import hardware


@dataclass(frozen=True)
class RegisterTile:
    """A contraction's register tile: ``rows`` x ``column_bytes`` of accumulators, in tiles of
    ``tile_rows`` rows by ``columns`` columns by ``depth`` reduction steps, batch loops in tiles of
    ``batch``; ``pack_contiguous``: the column operand is packed even where its columns lie
    consecutive in memory already."""

    rows: int
    column_bytes: int
    tile_rows: int
    columns: int = 128
    depth: int = 32
    batch: int = 32
    pack_contiguous: bool = False


@dataclass(frozen=True)
class TilePolicy:
    """Default tile sizes and the thresholds of the loop-structure rules."""

    # Tile size of every tiled loop without a rule of its own.  32x32 tiles keep three double
    # matrices' tiles (24 KiB) in a 32-48 KiB L1 (AMD Zen 3, Intel Sapphire Rapids).
    default: int = 32
    # The innermost point loop of an innermost band, when it is a SIMD loop: whole vectors for
    # longer.  gemm, lu, jacobi-2d, fdtd-2d ran 1.1-1.5x faster single-threaded with 128 than with 32
    # (AMD Zen 3).
    simd: int = 128
    # Bands of depth >= 4 tiled for wavefronts (time-iterated 3-D stencils): 8 along the two
    # wavefront loops, `simd` along the loops between, `wavefront_simd` on the innermost SIMD loop.
    # A wavefront over a skewed band holds about E / (s2 + skew * s1) tiles for a spatial extent E;
    # heat-3d at LARGE (E = 118, skew 2) against its original loops, 2 threads: 32x32x32x128 1.5-1.9x,
    # 8x8x32x128 2.0x, 8x8x32x1024 1.9-2.1x, 8x8x128x1024 2.2x (AMD Zen 3).
    wavefront: int = 8
    wavefront_simd: int = 1024
    # Both tile loops of a 2-deep band tiled for wavefronts: square tiles, since isl's AST generation
    # explodes on very different divisors (jacobi-1d with 32x128: 40 s, 32x32: 0.2 s); jacobi-1d at
    # LARGE ran 2.5x faster single-threaded with 128x128 than with 32x32 (AMD Zen 3).
    wavefront_square: int = 128
    # A loop with fewer iterations than this once the outer loops are fixed is "narrow" (a filter's
    # taps): never skewed into a band, never tiled, never a SIMD loop (conv2d's 3x3 taps: the SIMD
    # loop moved below them ran 7x faster than a SIMD loop around them, AMD Zen 3).
    narrow_extent: int = 8
    # Taps with fixed bounds inside a SIMD loop are unrolled when they run at most this many times in
    # all (stencil3d27's 27 taps: 6x faster unrolled than as loops gcc did not vectorize, AMD Zen 3).
    max_unroll: int = 64
    # At most this many dependence-free tile loops share one OpenMP parallel loop (collapse clause):
    # conv2d's batch loop has a single 32-tile at batch size 8, so one thread did all the work.
    max_collapse: int = 2
    # A parallel loop runs on one thread (OpenMP ``if`` clause) when one execution of it has fewer
    # statement instances than this, as estimated by code generation (polyopt.codegen.work).  Two
    # kernels of light work per instance, always parallel against serial on 2 threads, idle machine
    # (benchmarks/bench_parallel_threshold.py; Intel Xeon, Sapphire Rapids class, KVM, 2 vCPUs,
    # gcc 12): a transposed add ran 1.0x at 4096-9216 instances and 1.33x faster parallel at 16384;
    # a matrix-vector product 1.09x slower parallel at 9312, 1.03x faster at 16512, 1.2x at 37056.
    # On a shared machine a region waits for busy cores: with two other processes spinning, a 64x64
    # transposed add took 6.1 ms per call with its parallel region, 4.5 us on one thread.
    min_parallel_work: int = 16384
    # A contraction's register tile (polyopt.schedule.passes.registers) and its tiles, by the SIMD
    # registers of the machine and the width of the vectors gcc emits there (polyopt.hardware):
    # rows (the unrolled row loop), bytes of the vector column loop, and the contraction's tiles:
    # rows (mc, a whole number of register tiles), columns (nc), reduction depth (kc) and batch
    # loops.
    # - 32 registers, 512-bit code (AMD Zen 4 with gcc 12): 8 rows x 128 bytes (16 accumulators of
    #   512 bits) in 128x256x128 tiles, batch loops one at a time, the column operand always
    #   packed: the micro-kernel's kc x nr strip of B (16 KiB) stays in half the 32 KiB L1 and the
    #   256 KiB panel in the 1 MiB L2 (BLIS's model, Low et al. 2016).  gemm N = 2000 ran at
    #   0.84-0.99 of NumPy where the entry below ran 0.36-0.46; batched 16 x 512^3 at 1.16 with
    #   batch tiles of 1, 0.66 with 32 (one tile over 16 batches: 3 parallel tasks on 2 threads).
    #   Rows: 256-row tiles ran gemm at LARGE 1.05x faster than 128, but at MEDIUM (200 rows: one
    #   tile, one thread) 1.58x slower; over covariance's triangle at LARGE 128 rows ran 1.34x
    #   faster than 256 (its row tiles are not collapsed with its column tiles) (2 threads, AMD
    #   EPYC Zen 4 VM, benchmarks/results/register_tiles_zen4_2026-12-07.md).
    # - 32 registers, 256-bit code (AVX-512 on gcc's Intel tuning; gcc's 256-bit code gets
    #   ymm16-31 too): 4 rows x 128 bytes (16 accumulators of 256 bits), 32-row tiles.  Of 30
    #   register tiles x tile sizes up to 128x1024x512 on gemm N = 2000, none ran faster (2 threads,
    #   Xeon SPR, benchmarks/bench_contractions.py --sweep).
    # - 16 registers (AVX2): 4x16 leaves no register for the loads of B.  6 rows x 64 bytes (12
    #   accumulators, BLIS's Haswell shape) in 96-row tiles ran gemm N = 2000 at 0.60 of NumPy, 4x16
    #   in 32-row tiles at 0.48-0.51 (12 variants interleaved, 7 rounds, 2 threads, AMD EPYC Zen 3
    #   VM, --sweep; 6 rows in 32-row tiles, not a whole number of them, ran at 0.19).
    register_tiles: tuple[tuple[tuple[int, int], RegisterTile], ...] = (
        ((32, 64), RegisterTile(8, 128, 128, columns=256, depth=128, batch=1, pack_contiguous=True)),
        ((32, 32), RegisterTile(4, 128, 32)),
        ((16, 32), RegisterTile(6, 64, 96)),
    )
    # Sums kept in flight at once in a matrix-vector product in row order: its row loop is unrolled
    # and jammed by this many over the sums each row has (the band untiled:
    # polyopt.schedule.passes.tile.streams_only).  An in-order sum is one chain of dependent adds;
    # 8 is the FMA latency (4 cycles) times the FMA units (2) of Zen 3/4/5 and Sapphire Rapids.
    # gesummv (2 sums a row) at PolyBench LARGE, caches flushed, 2 threads, Xeon SPR, against LLVM
    # Polly in the same run: rows one at a time 1.21x, 4 at a time 1.69x, 8 at a time 1.77x Polly.
    sums_in_flight: int = 8
    # A packed panel is a local array of each thread (a C stack array): at most this many bytes.
    max_pack_bytes: int = 256 * 1024

    def register_tile(self, registers: int | None = None, vector_bytes: int | None = None) -> RegisterTile:
        """The register tile for a machine with ``registers`` SIMD registers on which gcc emits
        vectors of ``vector_bytes`` (default: this machine's): the entry of the largest register
        file and vectors it has, else the narrowest of the largest register file, else the
        smallest."""
        if registers is None:
            registers = hardware.simd_registers()
        if vector_bytes is None:
            vector_bytes = hardware.simd_bytes()
        table = dict(self.register_tiles)
        fitting = [k for k in table if k[0] <= registers and k[1] <= vector_bytes]
        if fitting:
            return table[max(fitting)]
        narrower = [k for k in table if k[0] <= registers]  # vectors narrower than every entry's
        return table[max(narrower, key=lambda k: (k[0], -k[1])) if narrower else min(table)]

    def sizes(self, depth: int) -> tuple[int, ...]:
        """The sizes of a band of ``depth`` members before the band-specific rules."""
        return (self.default,) * depth


DEFAULT_POLICY = TilePolicy()
