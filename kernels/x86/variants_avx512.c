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

/* The rows of BITERN_VARIANTS_AVX512 (variants.h): tier 1 for every op, then the tier-2 entries. */
static const bitern_variant avx512_variants[] = { BITERN_VARIANTS_AVX512(BITERN_VARIANT_ROW) };
const bitern_variant_list bitern_variants_avx512 = { avx512_variants,
                                                     sizeof avx512_variants / sizeof avx512_variants[0] };
