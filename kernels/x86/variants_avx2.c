/* SPDX-License-Identifier: MIT */
/* The AVX2 variants (bits_avx2.c, i8_avx2.c, pack_avx2.c, t3_avx2.c). This file is built for the baseline, so it only names
 * the kernels: their code lives in the files built with the AVX2 flags. */
#include "internal.h"

bitern_dot_bits_fn bitern_dot_b1b1_avx2, bitern_dot_t2t2_avx2, bitern_dot_t2b1_avx2;
bitern_dot_i8_fn bitern_dot_b1i8_avx2, bitern_dot_t2i8_avx2, bitern_dot_t3i8_avx2;
bitern_gemv_bits_fn bitern_gemv_b1b1_avx2, bitern_gemv_t2t2_avx2, bitern_gemv_t2b1_avx2;
bitern_gemv_i8_fn bitern_gemv_b1i8_avx2, bitern_gemv_t2i8_avx2, bitern_gemv_t3i8_avx2;
bitern_gemm_bits_fn bitern_gemm_b1b1_avx2, bitern_gemm_t2t2_avx2, bitern_gemm_t2b1_avx2;
bitern_gemm_i8_fn bitern_gemm_b1i8_avx2, bitern_gemm_t2i8_avx2;
bitern_pack_b1_f32_fn bitern_pack_b1_f32_avx2;
bitern_pack_t2_f32_fn bitern_pack_t2_f32_avx2;
bitern_absmax_f32_fn bitern_absmax_f32_avx2;
bitern_quant_i8_f32_fn bitern_quant_i8_f32_avx2;

/* Every kernel may execute popcnt as well as AVX2: the scalar tails and counts use it, and the AVX2 files are built
 * with -mpopcnt, so the compiler may emit it anywhere. */
#define AVX2_FLAGS (BITERN_CPU_X86_AVX2 | BITERN_CPU_X86_POPCNT)
#define AVX2(op) BITERN_VARIANT(op, "avx2", BITERN_ISA_AVX2, AVX2_FLAGS, bitern_##op##_avx2),
static const bitern_variant avx2_variants[] = {
#define BITERN_X_AVX2(op, kind) AVX2(op)
    BITERN_OP_LIST(BITERN_X_AVX2)
#undef BITERN_X_AVX2
};
const bitern_variant_list bitern_variants_avx2 = { avx2_variants, sizeof avx2_variants / sizeof avx2_variants[0] };
