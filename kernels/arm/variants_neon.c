/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 variant list. Built for the baseline (-march=armv8-a): it only declares the kernels and takes their
 * addresses; the kernels themselves live in the per-ISA libraries (bits_neon.c, i8_neon.c, pack_neon.c, t3_neon.c built for
 * armv8-a; i8_dotprod.c for armv8.2-a+dotprod).
 *
 * Ascending preference: the neon entries first, then neon_dotprod, which replace them where the CPU has
 * FEAT_DotProd. The bit-by-bit ops (b1b1, t2t2, t2b1), t3i8 and the packing kernels have no dotprod variant: a sum of
 * popcounts is CNT + ADD/UADALP either way (UDOT with a vector of ones would save no instruction), so their neon
 * variants serve the neon-dotprod level too.
 */
#include "internal.h"

#define NEON_FLAGS BITERN_CPU_ARM_NEON
#define DOTPROD_FLAGS (BITERN_CPU_ARM_NEON | BITERN_CPU_ARM_DOTPROD)

#define NEON(op) BITERN_VARIANT(op, "neon", BITERN_ISA_NEON, NEON_FLAGS, bitern_##op##_neon),
#define DOTPROD(op)                                                                                                    \
    BITERN_VARIANT(op, "neon_dotprod", BITERN_ISA_NEON_DOTPROD, DOTPROD_FLAGS, bitern_##op##_neon_dotprod),

bitern_dot_bits_fn bitern_dot_b1b1_neon, bitern_dot_t2t2_neon, bitern_dot_t2b1_neon;
bitern_dot_i8_fn bitern_dot_b1i8_neon, bitern_dot_t2i8_neon, bitern_dot_t3i8_neon;
bitern_gemv_bits_fn bitern_gemv_b1b1_neon, bitern_gemv_t2t2_neon, bitern_gemv_t2b1_neon;
bitern_gemv_i8_fn bitern_gemv_b1i8_neon, bitern_gemv_t2i8_neon, bitern_gemv_t3i8_neon;
bitern_gemm_bits_fn bitern_gemm_b1b1_neon, bitern_gemm_t2t2_neon, bitern_gemm_t2b1_neon;
bitern_gemm_i8_fn bitern_gemm_b1i8_neon, bitern_gemm_t2i8_neon;
bitern_pack_b1_f32_fn bitern_pack_b1_f32_neon;
bitern_pack_t2_f32_fn bitern_pack_t2_f32_neon;
bitern_absmax_f32_fn bitern_absmax_f32_neon;
bitern_quant_i8_f32_fn bitern_quant_i8_f32_neon;

bitern_dot_i8_fn bitern_dot_b1i8_neon_dotprod, bitern_dot_t2i8_neon_dotprod;
bitern_gemv_i8_fn bitern_gemv_b1i8_neon_dotprod, bitern_gemv_t2i8_neon_dotprod;
bitern_gemm_i8_fn bitern_gemm_b1i8_neon_dotprod, bitern_gemm_t2i8_neon_dotprod;

static const bitern_variant neon_variants[] = {
    NEON(dot_b1b1) NEON(dot_t2t2) NEON(dot_t2b1) NEON(dot_b1i8) NEON(dot_t2i8)
    NEON(gemv_b1b1) NEON(gemv_t2t2) NEON(gemv_t2b1) NEON(gemv_b1i8) NEON(gemv_t2i8)
    NEON(gemm_b1b1) NEON(gemm_t2t2) NEON(gemm_t2b1) NEON(gemm_b1i8) NEON(gemm_t2i8)
    NEON(pack_b1_f32) NEON(pack_t2_f32) NEON(absmax_f32) NEON(quant_i8_f32)
    NEON(dot_t3i8) NEON(gemv_t3i8)

    DOTPROD(dot_b1i8) DOTPROD(dot_t2i8)
    DOTPROD(gemv_b1i8) DOTPROD(gemv_t2i8)
    DOTPROD(gemm_b1i8) DOTPROD(gemm_t2i8)
};

const bitern_variant_list bitern_variants_neon = { neon_variants, sizeof neon_variants / sizeof neon_variants[0] };
