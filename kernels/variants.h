/* SPDX-License-Identifier: MIT */
/*
 * The kernel table: one row per variant. It generates the prototypes of every kernel (internal.h, so that each
 * kernel's definition is checked against its op's type), the variant lists the dispatch walks (ref.c,
 * x86/variants_*.c, arm/variants_neon.c), and the tile and K-block sizes kcheck tests around.
 *
 *     V(op, kind, suffix, isa, flags, tile_m, tile_n, kblock)
 *
 *   op      the op (BITERN_OP_LIST); kind must be the op's kind there (checked at compile time)
 *   suffix  the variant's name, and its function's: bitern_<op>_<suffix>
 *   isa     the BITERN_ISA_<isa> level that enables it
 *   flags   every CPU flag it executes instructions of (tests/isa_check.py checks it against the disassembly)
 *   tile_m  W rows a gemm tile or a gemv group computes together (1: one at a time)
 *   tile_n  X rows of a gemm tile (1: none)
 *   kblock  elements after which the kernel folds, flushes or restarts its accumulators, or works on the next
 *           K block (0: none beyond the dot lengths kcheck always walks)
 *
 * Each list is in ascending order of preference: a later runnable entry of an op replaces an earlier one.
 * This header is built for the baseline: it names kernels, it executes none of them.
 */
#ifndef BITERN_VARIANTS_H
#define BITERN_VARIANTS_H

/* Every kernel may execute popcnt as well as AVX2: the scalar tails and counts use it, and the AVX2 files are built
 * with -mpopcnt, so the compiler may emit it anywhere. */
#define BITERN_FLAGS_AVX2      (BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_POPCNT)
#define BITERN_FLAGS_AVX512    (BITERN_CPU_X86_AVX512 | BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_POPCNT)
#define BITERN_FLAGS_VPOPCNTDQ (BITERN_FLAGS_AVX512 | BITERN_CPU_X86_AVX512_VPOPCNTDQ)
#define BITERN_FLAGS_VNNI      (BITERN_FLAGS_AVX512 | BITERN_CPU_X86_AVX512_VNNI)
#define BITERN_FLAGS_NEON      BITERN_CPU_ARM_NEON
#define BITERN_FLAGS_DOTPROD   (BITERN_CPU_ARM_NEON | BITERN_CPU_ARM_DOTPROD)

/* clang-format off */

/* The scalar reference (ref.c): the truth every other variant is compared with. */
#define BITERN_VARIANTS_SCALAR(V)                                                                                   \
    V(dot_b1b1,     dot_bits,     scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(dot_t2t2,     dot_bits,     scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(dot_t2b1,     dot_bits,     scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(dot_b1i8,     dot_i8,       scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(dot_t2i8,     dot_i8,       scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(dot_t3i8,     dot_i8,       scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_b1b1,    gemv_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_t2t2,    gemv_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_t2b1,    gemv_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_b1i8,    gemv_i8,      scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_t2i8,    gemv_i8,      scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemv_t3i8,    gemv_i8,      scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemm_b1b1,    gemm_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemm_t2t2,    gemm_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemm_t2b1,    gemm_bits,    scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemm_b1i8,    gemm_i8,      scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(gemm_t2i8,    gemm_i8,      scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(pack_b1_f32,  pack_b1_f32,  scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(pack_t2_f32,  pack_t2_f32,  scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(absmax_f32,   absmax_f32,   scalar, SCALAR, 0, 1, 1, 0)                                                      \
    V(quant_i8_f32, quant_i8_f32, scalar, SCALAR, 0, 1, 1, 0)

/* AVX2 (bits_avx2.c, i8_avx2.c, pack_avx2.c, t3_avx2.c). bits gemm: 2 x 4 tiles whose byte counts fold every 31
 * vectors (256 elements for b1b1, 128 for T2); int8: 16-bit sums widened every 128 steps of 32 elements; T3: rows
 * in pairs, blocks of 320. */
#define BITERN_VARIANTS_AVX2(V)                                                                                     \
    V(dot_b1b1,     dot_bits,     avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(dot_t2t2,     dot_bits,     avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(dot_t2b1,     dot_bits,     avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(dot_b1i8,     dot_i8,       avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 4096)                                       \
    V(dot_t2i8,     dot_i8,       avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 4096)                                       \
    V(dot_t3i8,     dot_i8,       avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 320)                                        \
    V(gemv_b1b1,    gemv_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(gemv_t2t2,    gemv_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(gemv_t2b1,    gemv_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(gemv_b1i8,    gemv_i8,      avx2, AVX2, BITERN_FLAGS_AVX2, 4, 1, 4096)                                       \
    V(gemv_t2i8,    gemv_i8,      avx2, AVX2, BITERN_FLAGS_AVX2, 4, 1, 4096)                                       \
    V(gemv_t3i8,    gemv_i8,      avx2, AVX2, BITERN_FLAGS_AVX2, 2, 1, 320)                                        \
    V(gemm_b1b1,    gemm_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 2, 4, 7936)                                       \
    V(gemm_t2t2,    gemm_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 2, 4, 3968)                                       \
    V(gemm_t2b1,    gemm_bits,    avx2, AVX2, BITERN_FLAGS_AVX2, 2, 4, 3968)                                       \
    V(gemm_b1i8,    gemm_i8,      avx2, AVX2, BITERN_FLAGS_AVX2, 2, 4, 4096)                                       \
    V(gemm_t2i8,    gemm_i8,      avx2, AVX2, BITERN_FLAGS_AVX2, 2, 4, 4096)                                       \
    V(pack_b1_f32,  pack_b1_f32,  avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(pack_t2_f32,  pack_t2_f32,  avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(absmax_f32,   absmax_f32,   avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)                                          \
    V(quant_i8_f32, quant_i8_f32, avx2, AVX2, BITERN_FLAGS_AVX2, 1, 1, 0)

/* AVX-512, two tiers at one level (x86/variants_avx512.c says why): "avx512" for every op (bits: Harley-Seal
 * dots over 16 (b1b1) or 8 (T2) units of 512, 4 x 4 gemm tiles in K blocks of 64 units; int8: 16-bit sums
 * widened every 128 chunks of 64, 2 x 12 gemm tiles in K blocks of 2048; T3: groups of 4 rows), then the Ice Lake
 * tiers, which replace it op by op ("avx512_vnni" gemv: 8 rows (b1) or 4 (t2), x transposed in blocks of 8192;
 * its T3 folds every 64 blocks of 320). */
#define BITERN_VARIANTS_AVX512(V)                                                                                   \
    V(dot_b1b1,     dot_bits,     avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 8192)                                 \
    V(dot_t2t2,     dot_bits,     avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 4096)                                 \
    V(dot_t2b1,     dot_bits,     avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 4096)                                 \
    V(dot_b1i8,     dot_i8,       avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 32768)                                \
    V(dot_t2i8,     dot_i8,       avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 32768)                                \
    V(dot_t3i8,     dot_i8,       avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 320)                                  \
    V(gemv_b1b1,    gemv_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 8192)                                 \
    V(gemv_t2t2,    gemv_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 4096)                                 \
    V(gemv_t2b1,    gemv_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 4096)                                 \
    V(gemv_b1i8,    gemv_i8,      avx512, AVX512, BITERN_FLAGS_AVX512, 4, 1, 8192)                                 \
    V(gemv_t2i8,    gemv_i8,      avx512, AVX512, BITERN_FLAGS_AVX512, 4, 1, 8192)                                 \
    V(gemv_t3i8,    gemv_i8,      avx512, AVX512, BITERN_FLAGS_AVX512, 4, 1, 320)                                  \
    V(gemm_b1b1,    gemm_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 4, 4, 32768)                                \
    V(gemm_t2t2,    gemm_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 4, 4, 32768)                                \
    V(gemm_t2b1,    gemm_bits,    avx512, AVX512, BITERN_FLAGS_AVX512, 4, 4, 32768)                                \
    V(gemm_b1i8,    gemm_i8,      avx512, AVX512, BITERN_FLAGS_AVX512, 2, 12, 2048)                                \
    V(gemm_t2i8,    gemm_i8,      avx512, AVX512, BITERN_FLAGS_AVX512, 2, 12, 2048)                                \
    V(pack_b1_f32,  pack_b1_f32,  avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 0)                                    \
    V(pack_t2_f32,  pack_t2_f32,  avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 0)                                    \
    V(absmax_f32,   absmax_f32,   avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 0)                                    \
    V(quant_i8_f32, quant_i8_f32, avx512, AVX512, BITERN_FLAGS_AVX512, 1, 1, 0)                                    \
    V(dot_b1b1,     dot_bits,     avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 1, 1, 0)                      \
    V(dot_t2t2,     dot_bits,     avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 1, 1, 0)                      \
    V(dot_t2b1,     dot_bits,     avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 1, 1, 0)                      \
    V(gemv_b1b1,    gemv_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 1, 0)                      \
    V(gemv_t2t2,    gemv_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 1, 0)                      \
    V(gemv_t2b1,    gemv_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 1, 0)                      \
    V(gemm_b1b1,    gemm_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 4, 32768)                  \
    V(gemm_t2t2,    gemm_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 4, 32768)                  \
    V(gemm_t2b1,    gemm_bits,    avx512_vpopcntdq, AVX512, BITERN_FLAGS_VPOPCNTDQ, 4, 4, 32768)                  \
    V(dot_b1i8,     dot_i8,       avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 1, 1, 0)                                 \
    V(dot_t2i8,     dot_i8,       avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 1, 1, 0)                                 \
    V(dot_t3i8,     dot_i8,       avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 1, 1, 20480)                             \
    V(gemv_b1i8,    gemv_i8,      avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 8, 1, 8192)                              \
    V(gemv_t2i8,    gemv_i8,      avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 4, 1, 8192)                              \
    V(gemv_t3i8,    gemv_i8,      avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 4, 1, 20480)                             \
    V(gemm_b1i8,    gemm_i8,      avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 2, 12, 2048)                             \
    V(gemm_t2i8,    gemm_i8,      avx512_vnni, AVX512, BITERN_FLAGS_VNNI, 2, 12, 2048)

/* AArch64 (arm/variants_neon.c says why only the int8 ops have dot-product variants). bits: u16 sums widened
 * every 2048 words or blocks (131072 elements), gemm blocks of 4 x 4 (b1b1), 4 x 2 (t2t2), 4 x 3 (t2b1), gemv
 * rows by 4; int8: 4 x 4 micro-kernels over chunks of 4096 (gemm) and 8192 (gemv) elements; T3: groups of 4. */
#define BITERN_VARIANTS_NEON(V)                                                                                     \
    V(dot_b1b1,     dot_bits,     neon, NEON, BITERN_FLAGS_NEON, 1, 1, 131072)                                     \
    V(dot_t2t2,     dot_bits,     neon, NEON, BITERN_FLAGS_NEON, 1, 1, 131072)                                     \
    V(dot_t2b1,     dot_bits,     neon, NEON, BITERN_FLAGS_NEON, 1, 1, 131072)                                     \
    V(dot_b1i8,     dot_i8,       neon, NEON, BITERN_FLAGS_NEON, 1, 1, 4096)                                       \
    V(dot_t2i8,     dot_i8,       neon, NEON, BITERN_FLAGS_NEON, 1, 1, 4096)                                       \
    V(gemv_b1b1,    gemv_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 1, 131072)                                     \
    V(gemv_t2t2,    gemv_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 1, 131072)                                     \
    V(gemv_t2b1,    gemv_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 1, 131072)                                     \
    V(gemv_b1i8,    gemv_i8,      neon, NEON, BITERN_FLAGS_NEON, 4, 1, 8192)                                       \
    V(gemv_t2i8,    gemv_i8,      neon, NEON, BITERN_FLAGS_NEON, 4, 1, 8192)                                       \
    V(gemm_b1b1,    gemm_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 4, 131072)                                     \
    V(gemm_t2t2,    gemm_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 2, 131072)                                     \
    V(gemm_t2b1,    gemm_bits,    neon, NEON, BITERN_FLAGS_NEON, 4, 3, 131072)                                     \
    V(gemm_b1i8,    gemm_i8,      neon, NEON, BITERN_FLAGS_NEON, 4, 4, 4096)                                       \
    V(gemm_t2i8,    gemm_i8,      neon, NEON, BITERN_FLAGS_NEON, 4, 4, 4096)                                       \
    V(pack_b1_f32,  pack_b1_f32,  neon, NEON, BITERN_FLAGS_NEON, 1, 1, 0)                                          \
    V(pack_t2_f32,  pack_t2_f32,  neon, NEON, BITERN_FLAGS_NEON, 1, 1, 0)                                          \
    V(absmax_f32,   absmax_f32,   neon, NEON, BITERN_FLAGS_NEON, 1, 1, 0)                                          \
    V(quant_i8_f32, quant_i8_f32, neon, NEON, BITERN_FLAGS_NEON, 1, 1, 0)                                          \
    V(dot_t3i8,     dot_i8,       neon, NEON, BITERN_FLAGS_NEON, 1, 1, 320)                                        \
    V(gemv_t3i8,    gemv_i8,      neon, NEON, BITERN_FLAGS_NEON, 4, 1, 320)                                        \
    V(dot_b1i8,     dot_i8,       neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 1, 1, 4096)                    \
    V(dot_t2i8,     dot_i8,       neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 1, 1, 4096)                    \
    V(gemv_b1i8,    gemv_i8,      neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 4, 1, 8192)                    \
    V(gemv_t2i8,    gemv_i8,      neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 4, 1, 8192)                    \
    V(gemm_b1i8,    gemm_i8,      neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 4, 4, 4096)                    \
    V(gemm_t2i8,    gemm_i8,      neon_dotprod, NEON_DOTPROD, BITERN_FLAGS_DOTPROD, 4, 4, 4096)

/* clang-format on */

/* Every row of every list (prototypes, checks). */
#define BITERN_VARIANT_TABLE(V)                                                                                     \
    BITERN_VARIANTS_SCALAR(V) BITERN_VARIANTS_AVX2(V) BITERN_VARIANTS_AVX512(V) BITERN_VARIANTS_NEON(V)

#endif
