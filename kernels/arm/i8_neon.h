/* SPDX-License-Identifier: MIT */
/*
 * The int8 NEON family (b1i8, t2i8): what i8_neon.c (plain NEON, which also defines the drivers) and i8_dotprod.c
 * (SDOT) share. The drivers (weight expansion, x transposition, chunk loops) are plain NEON and compiled once, in
 * i8_neon.c; each tier supplies its inner kernels through a bitern_neon_i8_kernels table, which
 * i8_neon_impl.h builds from the tier's generic kernels.
 */
#ifndef BITERN_ARM_I8_NEON_H
#define BITERN_ARM_I8_NEON_H

#include <arm_neon.h>

#include "internal.h"

#define FOR4(M) M(0) M(1) M(2) M(3)
#define PAIRS(M) M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)                                       \
                 M(2, 0) M(2, 1) M(2, 2) M(2, 3) M(3, 0) M(3, 1) M(3, 2) M(3, 3)

/* Kernels supplied per ISA level, called through the shared drivers (an indirect call per block per chunk). */
typedef void bitern_neon_mk_fn(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len,
                               int32_t out[4][4]);
typedef void bitern_neon_rows_fn(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx,
                                 int32_t *out);
typedef struct bitern_neon_i8_kernels {
    bitern_neon_mk_fn *mk44, *mk41, *mk14, *mk11; /* MR x NR micro-kernels of gemm */
    bitern_neon_rows_fn *rows4, *rows1;           /* 4 rows / 1 row of gemv */
} bitern_neon_i8_kernels;

void bitern_neon_gemm_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k,
                         const bitern_neon_i8_kernels *kk);
void bitern_neon_gemv_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *y, size_t m, size_t k,
                         const bitern_neon_i8_kernels *kk);

/* The words of W for one 128-element step of gemv: two (one 128-bit load), or the odd last one alone. */
static inline uint8x16_t ld_words(const uint64_t *p, int two)
{
    return two ? vld1q_u8((const uint8_t *)p) : vcombine_u8(vld1_u8((const uint8_t *)p), vdup_n_u8(0));
}

/* The T2 blocks of the same step, split into mask words m and sign words s: LD2 de-interleaves two blocks in the
 * load itself; the odd last block is read alone. */
static inline __attribute__((always_inline)) void ld_t2_words(const uint64_t *p, int two, uint8x16_t *m,
                                                              uint8x16_t *s)
{
    if (two) {
        const uint64x2x2_t v = vld2q_u64(p);
        *m = vreinterpretq_u8_u64(v.val[0]);
        *s = vreinterpretq_u8_u64(v.val[1]);
    } else {
        *m = ld_words(p, 0);
        *s = ld_words(p + 1, 0);
    }
}

#endif
