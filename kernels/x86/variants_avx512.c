/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512 variants, in two tiers, both at the BITERN_ISA_AVX512 level:
 *   - "avx512": Skylake-X (F, CD, BW, DQ, VL), every op. Popcounts with vpshufb nibble lookups and Harley-Seal,
 *     int8 products with vpmaddubsw / vpmaddwd (bits_avx512.c, i8_avx512.c, pack_avx512.c, t3_avx512.c).
 *   - Ice Lake and later: "avx512_vpopcntdq" for the all-bits ops (vpopcntq, bits_avx512icl.c) and
 *     "avx512_vnni" for the int8 ops (vpdpbusd, i8_avx512icl.c, t3_avx512icl.c).
 * The tier-1 entries come first, so that on a CPU with the extensions the tier-2 entry of an op replaces its
 * tier-1 entry, and on Skylake-X (or under bitern_set_cpu_mask) tier 1 stays.
 *
 * This file is built for the baseline: it only declares the kernels and lists them; it executes none of them.
 */
#include "internal.h"

#define X86_AVX512    (BITERN_CPU_X86_AVX512 | BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_POPCNT)
#define X86_VPOPCNTDQ (X86_AVX512 | BITERN_CPU_X86_AVX512_VPOPCNTDQ)
#define X86_VNNI      (X86_AVX512 | BITERN_CPU_X86_AVX512_VNNI)

/* Tier 1. */
bitern_dot_bits_fn bitern_dot_b1b1_avx512, bitern_dot_t2t2_avx512, bitern_dot_t2b1_avx512;
bitern_dot_i8_fn bitern_dot_b1i8_avx512, bitern_dot_t2i8_avx512, bitern_dot_t3i8_avx512;
bitern_gemv_bits_fn bitern_gemv_b1b1_avx512, bitern_gemv_t2t2_avx512, bitern_gemv_t2b1_avx512;
bitern_gemv_i8_fn bitern_gemv_b1i8_avx512, bitern_gemv_t2i8_avx512, bitern_gemv_t3i8_avx512;
bitern_gemm_bits_fn bitern_gemm_b1b1_avx512, bitern_gemm_t2t2_avx512, bitern_gemm_t2b1_avx512;
bitern_gemm_i8_fn bitern_gemm_b1i8_avx512, bitern_gemm_t2i8_avx512;
bitern_pack_b1_f32_fn bitern_pack_b1_f32_avx512;
bitern_pack_t2_f32_fn bitern_pack_t2_f32_avx512;
bitern_absmax_f32_fn bitern_absmax_f32_avx512;
bitern_quant_i8_f32_fn bitern_quant_i8_f32_avx512;

/* Tier 2. */
bitern_dot_bits_fn bitern_dot_b1b1_avx512_vpopcntdq, bitern_dot_t2t2_avx512_vpopcntdq, bitern_dot_t2b1_avx512_vpopcntdq;
bitern_gemv_bits_fn bitern_gemv_b1b1_avx512_vpopcntdq, bitern_gemv_t2t2_avx512_vpopcntdq,
    bitern_gemv_t2b1_avx512_vpopcntdq;
bitern_gemm_bits_fn bitern_gemm_b1b1_avx512_vpopcntdq, bitern_gemm_t2t2_avx512_vpopcntdq,
    bitern_gemm_t2b1_avx512_vpopcntdq;
bitern_dot_i8_fn bitern_dot_b1i8_avx512_vnni, bitern_dot_t2i8_avx512_vnni, bitern_dot_t3i8_avx512_vnni;
bitern_gemv_i8_fn bitern_gemv_b1i8_avx512_vnni, bitern_gemv_t2i8_avx512_vnni, bitern_gemv_t3i8_avx512_vnni;
bitern_gemm_i8_fn bitern_gemm_b1i8_avx512_vnni, bitern_gemm_t2i8_avx512_vnni;

#define AVX512(op) BITERN_VARIANT(op, "avx512", BITERN_ISA_AVX512, X86_AVX512, bitern_##op##_avx512),
#define VPOPCNTDQ(op)                                                                                                  \
    BITERN_VARIANT(op, "avx512_vpopcntdq", BITERN_ISA_AVX512, X86_VPOPCNTDQ, bitern_##op##_avx512_vpopcntdq),
#define VNNI(op) BITERN_VARIANT(op, "avx512_vnni", BITERN_ISA_AVX512, X86_VNNI, bitern_##op##_avx512_vnni),

/* clang-format off */
static const bitern_variant avx512_variants[] = {
#define BITERN_X_AVX512(op, kind) AVX512(op)
    BITERN_OP_LIST(BITERN_X_AVX512)
#undef BITERN_X_AVX512

    VPOPCNTDQ(dot_b1b1) VPOPCNTDQ(dot_t2t2) VPOPCNTDQ(dot_t2b1)
    VPOPCNTDQ(gemv_b1b1) VPOPCNTDQ(gemv_t2t2) VPOPCNTDQ(gemv_t2b1)
    VPOPCNTDQ(gemm_b1b1) VPOPCNTDQ(gemm_t2t2) VPOPCNTDQ(gemm_t2b1)

    VNNI(dot_b1i8) VNNI(dot_t2i8) VNNI(dot_t3i8)
    VNNI(gemv_b1i8) VNNI(gemv_t2i8) VNNI(gemv_t3i8)
    VNNI(gemm_b1i8) VNNI(gemm_t2i8)
};
/* clang-format on */

const bitern_variant_list bitern_variants_avx512 = {avx512_variants,
                                                    sizeof avx512_variants / sizeof avx512_variants[0]};
