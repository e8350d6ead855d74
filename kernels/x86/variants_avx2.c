/* SPDX-License-Identifier: MIT */
/* The AVX2 variants (bits_avx2.c, i8_avx2.c, pack_avx2.c, t3_avx2.c): the rows of BITERN_VARIANTS_AVX2
 * (variants.h). This file is built for the baseline, so it only names the kernels: their code lives in the files
 * built with the AVX2 flags. */
#include "internal.h"

static const bitern_variant avx2_variants[] = { BITERN_VARIANTS_AVX2(BITERN_VARIANT_ROW) };
const bitern_variant_list bitern_variants_avx2 = { avx2_variants, sizeof avx2_variants / sizeof avx2_variants[0] };
