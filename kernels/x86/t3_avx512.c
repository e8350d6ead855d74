/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 (F/BW, Skylake-X) kernels of T3 (bitern.h), dot_t3i8 and gemv_t3i8, for CPUs without VNNI.
 *
 * vpmaddubsw saturates at 16 bits, so the byte state p_j (up to 255) cannot be multiplied by x as the VNNI
 * kernels do (t3_avx512icl.c). The digits are formed instead: p_j = q * 3^j mod 256 (vpaddb wraps),
 * d_j = 3 p_j >> 8 = [p_j >= 86] + [p_j >= 171] (two unsigned compares into k-registers, a zero-masked move of
 * ones and a blend with twos), then vpmaddubsw(d, x) <= 2 * 2 * 127 per 16-bit lane, five planes summed in 16 bits
 * (<= 2540) and widened once per block by vpmaddwd. dot = sum d x - sum x, formed modulo 2^32 (see the VNNI file).
 */
#include "t3_avx512.h"

#define GROUP  4

INLINE __m512i digits(__m512i p)
{
    __mmask64 ge1 = _mm512_cmpge_epu8_mask(p, _mm512_set1_epi8(86));
    __mmask64 ge2 = _mm512_cmpge_epu8_mask(p, _mm512_set1_epi8((char)171));
    return _mm512_mask_blend_epi8(ge2, _mm512_maskz_mov_epi8(ge1, _mm512_set1_epi8(1)), _mm512_set1_epi8(2));
}

INLINE void rows_n(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xtail, size_t nb, size_t R,
                   int32_t *y, uint32_t *sumx, int with_sum)
{
    const __m512i ones8 = _mm512_set1_epi8(1), ones16 = _mm512_set1_epi16(1);
    __m512i acc[GROUP], sx = _mm512_setzero_si512();
    for (size_t r = 0; r < R; r++)
        acc[r] = _mm512_setzero_si512();
    for (size_t b = 0; b < nb; b++) {
        const int8_t *xb = b + 1 < nb ? x + BITERN_T3_BLOCK * b : xtail;
        bitern_t3_prefetch(w, ws, R, b);
        __m512i p[GROUP], s16[GROUP], sx16 = _mm512_setzero_si512();
        for (size_t r = 0; r < R; r++) {
            p[r] = load(w + r * ws + 64 * b);
            s16[r] = _mm512_setzero_si512();
        }
        for (int j = 0; j < 5; j++) {
            __m512i xv = load(xb + 64 * j);
            if (with_sum)
                sx16 = _mm512_add_epi16(sx16, _mm512_maddubs_epi16(ones8, xv));
            for (size_t r = 0; r < R; r++) {
                s16[r] = _mm512_add_epi16(s16[r], _mm512_maddubs_epi16(digits(p[r]), xv));
                p[r] = times3(p[r]);
            }
        }
        if (with_sum)
            sx = _mm512_add_epi32(sx, _mm512_madd_epi16(sx16, ones16));
        for (size_t r = 0; r < R; r++)
            acc[r] = _mm512_add_epi32(acc[r], _mm512_madd_epi16(s16[r], ones16));
    }
    if (with_sum)
        *sumx = hsum(sx);
    for (size_t r = 0; r < R; r++)
        y[r] = (int32_t)(hsum(acc[r]) - *sumx);
}

BITERN_T3_DEFINE_OPS(avx512, rows_n, GROUP)
