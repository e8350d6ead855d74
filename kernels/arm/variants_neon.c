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

/* The rows of BITERN_VARIANTS_NEON (variants.h). */
static const bitern_variant neon_variants[] = { BITERN_VARIANTS_NEON(BITERN_VARIANT_ROW) };
const bitern_variant_list bitern_variants_neon = { neon_variants, sizeof neon_variants / sizeof neon_variants[0] };
