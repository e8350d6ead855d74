/* SPDX-License-Identifier: MIT */
/*
 * NEON kernels of T3 (bitern.h), dot_t3i8 and gemv_t3i8; they serve the neon-dotprod level too (sdot would take the
 * negated digits as well, but the byte work of the decode, not the multiply, is most of each step).
 *
 * A 64-byte block is four 128-bit quarters; quarter h of plane j lines up with x[64 j + 16 h ..]. With the byte
 * state p_j = q * 3^j mod 256 (vaddq_u8 wraps), the digit d_j = 3 p_j >> 8 = [p_j >= 86] + [p_j >= 171]: two cmhs
 * give -1 where true, so their sum is -d_j as a signed byte, and smlal / smlal2 add -d x into 16-bit lanes
 * (<= 40 products of <= 254 per block), widened once per block by sadalp. dot = sum d x - sum x, formed modulo 2^32
 * (see x86/t3_avx512icl.c).
 */
#include <arm_neon.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))
#define GROUP  4

INLINE uint8x16_t times3(uint8x16_t p) { return vaddq_u8(vaddq_u8(p, p), p); }

INLINE void rows_n(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xtail, size_t nb, size_t R,
                   int32_t *y, uint32_t *sumx, int with_sum)
{
    const uint8x16_t c86 = vdupq_n_u8(86), c171 = vdupq_n_u8(171);
    int32x4_t acc[GROUP], sx = vdupq_n_s32(0);
    for (size_t r = 0; r < R; r++)
        acc[r] = vdupq_n_s32(0);
    for (size_t b = 0; b < nb; b++) {
        const int8_t *xb = b + 1 < nb ? x + BITERN_T3_BLOCK * b : xtail;
        bitern_t3_prefetch(w, ws, R, b);
        int16x8_t s16[GROUP], sx16 = vdupq_n_s16(0);
        for (size_t r = 0; r < R; r++)
            s16[r] = vdupq_n_s16(0);
        for (int h = 0; h < 4; h++) {
            uint8x16_t p[GROUP];
            for (size_t r = 0; r < R; r++)
                p[r] = vld1q_u8(w + r * ws + 64 * b + 16 * h);
            for (int j = 0; j < 5; j++) {
                int8x16_t xv = vld1q_s8(xb + 64 * j + 16 * h);
                if (with_sum)
                    sx16 = vpadalq_s8(sx16, xv);
                for (size_t r = 0; r < R; r++) {
                    int8x16_t nd = vreinterpretq_s8_u8(vaddq_u8(vcgeq_u8(p[r], c86), vcgeq_u8(p[r], c171)));
                    s16[r] = vmlal_s8(s16[r], vget_low_s8(nd), vget_low_s8(xv));
                    s16[r] = vmlal_high_s8(s16[r], nd, xv);
                    p[r] = times3(p[r]);
                }
            }
        }
        if (with_sum)
            sx = vpadalq_s16(sx, sx16);
        for (size_t r = 0; r < R; r++)
            acc[r] = vpadalq_s16(acc[r], s16[r]);
    }
    if (with_sum)
        *sumx = vaddvq_u32(vreinterpretq_u32_s32(sx));
    for (size_t r = 0; r < R; r++)
        y[r] = (int32_t)(0u - vaddvq_u32(vreinterpretq_u32_s32(acc[r])) - *sumx);
}

BITERN_T3_DEFINE_OPS(neon, rows_n, GROUP)
