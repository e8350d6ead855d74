/* SPDX-License-Identifier: MIT */
/*
 * AVX2 kernels of T3 (bitern.h), dot_t3i8 and gemv_t3i8. A 64-byte block is two 256-bit halves; half h of plane
 * j lines up with x[64 j + 32 h ..]. The digits are formed as in t3_avx512.c, with the unsigned compares written
 * as saturating subtractions: [p >= 86] = min(p -sat 85, 1). vpmaddubsw(d, x) <= 508 per 16-bit lane, ten per
 * block summed in 16 bits (<= 5080), widened once per block. dot = sum d x - sum x, modulo 2^32 (t3_avx512icl.c).
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))
#define GROUP  2 /* 16 ymm registers: 2 rows of state, sums and accumulators, x and the constants */

INLINE __m256i load(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }
INLINE __m256i times3(__m256i p) { return _mm256_add_epi8(_mm256_add_epi8(p, p), p); }

INLINE __m256i digits(__m256i p, __m256i one)
{
    __m256i ge1 = _mm256_min_epu8(_mm256_subs_epu8(p, _mm256_set1_epi8(85)), one);
    __m256i ge2 = _mm256_min_epu8(_mm256_subs_epu8(p, _mm256_set1_epi8((char)170)), one);
    return _mm256_add_epi8(ge1, ge2);
}

INLINE uint32_t hsum(__m256i v)
{
    __m128i q = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0x4e));
    q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(q);
}

INLINE void rows_n(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xtail, size_t nb, size_t R,
                   int32_t *y, uint32_t *sumx, int with_sum)
{
    const __m256i one = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    __m256i acc[GROUP], sx = _mm256_setzero_si256();
    for (size_t r = 0; r < R; r++)
        acc[r] = _mm256_setzero_si256();
    for (size_t b = 0; b < nb; b++) {
        const int8_t *xb = b + 1 < nb ? x + BITERN_T3_BLOCK * b : xtail;
        bitern_t3_prefetch(w, ws, R, b);
        __m256i s16[GROUP], sx16 = _mm256_setzero_si256();
        for (size_t r = 0; r < R; r++)
            s16[r] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i p[GROUP];
            for (size_t r = 0; r < R; r++)
                p[r] = load(w + r * ws + 64 * b + 32 * h);
            for (int j = 0; j < 5; j++) {
                __m256i xv = load(xb + 64 * j + 32 * h);
                if (with_sum)
                    sx16 = _mm256_add_epi16(sx16, _mm256_maddubs_epi16(one, xv));
                for (size_t r = 0; r < R; r++) {
                    s16[r] = _mm256_add_epi16(s16[r], _mm256_maddubs_epi16(digits(p[r], one), xv));
                    p[r] = times3(p[r]);
                }
            }
        }
        if (with_sum)
            sx = _mm256_add_epi32(sx, _mm256_madd_epi16(sx16, ones16));
        for (size_t r = 0; r < R; r++)
            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(s16[r], ones16));
    }
    if (with_sum)
        *sumx = hsum(sx);
    for (size_t r = 0; r < R; r++)
        y[r] = (int32_t)(hsum(acc[r]) - *sumx);
}

BITERN_T3_DEFINE_OPS(avx2, rows_n, GROUP)
