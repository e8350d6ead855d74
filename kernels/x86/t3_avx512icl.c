/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 VNNI kernels of T3 (bitern.h: 5 base-3 digits per byte), dot_t3i8 and gemv_t3i8.
 *
 * No digit is ever formed. With p_0 = q and p_{j+1} = 3 p_j mod 256 (two vpaddb, which wrap), the digit is
 * d_j = 3 p_j >> 8, so 256 d_j = 3 p_j - p_{j+1} exactly, and for every byte position
 *     256 * sum_j d_j x_j = 3 * sum_j p_j x_j - sum_j p_{j+1} x_j.
 * Both sums are vpdpbusd of an unsigned byte state (p_j, p_{j+1}) with the signed x of plane j: per 64 elements,
 * two vpaddb and two vpdpbusd, against two compares, two masked moves, and a vpdpbusd for the digits themselves.
 * Each 32-bit lane of A = sum p_j x_j and B = sum p_{j+1} x_j sums the same byte positions, so 3A - B is 256 times
 * that lane's sum of d x, and an arithmetic shift by 8 is exact. It is folded every CHUNK blocks: a lane then
 * holds at most CHUNK * 5 * 4 * 255 * 127 < 2^26 in A, and 256 * |lane sum| < 2^27.
 * The result is sum (w + 1) x - sum x = sum d x - sum x: lane sums of d x are at most 254 * k / 16 < 2^28, their
 * total may pass 2^31 (k near 2^24), so it is formed with wrapping 32-bit adds, and the final difference, which
 * fits an int32, is exact modulo 2^32.
 *
 * Prefetching: bitern_t3_prefetch (internal.h), one stream of lines ahead of the row groups.
 */
#include "t3_avx512.h"

#define GROUP    4  /* rows in flight: they share each load of x */
#define CHUNK    64 /* blocks between folds of (3A - B) >> 8 */

INLINE void rows_n(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xtail, size_t nb, size_t R,
                   int32_t *y, uint32_t *sumx, int with_sum)
{
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i S[GROUP], sx = _mm512_setzero_si512();
    for (size_t r = 0; r < R; r++)
        S[r] = _mm512_setzero_si512();
    for (size_t c0 = 0; c0 < nb; c0 += CHUNK) {
        size_t c1 = nb - c0 > CHUNK ? c0 + CHUNK : nb;
        __m512i A[GROUP], B[GROUP];
        for (size_t r = 0; r < R; r++)
            A[r] = B[r] = _mm512_setzero_si512();
        for (size_t b = c0; b < c1; b++) {
            const int8_t *xb = b + 1 < nb ? x + BITERN_T3_BLOCK * b : xtail;
            bitern_t3_prefetch(w, ws, R, b);
            __m512i p[GROUP];
            for (size_t r = 0; r < R; r++)
                p[r] = load(w + r * ws + 64 * b);
            for (int j = 0; j < 5; j++) {
                __m512i xv = load(xb + 64 * j);
                if (with_sum)
                    sx = _mm512_dpbusd_epi32(sx, ones, xv);
                for (size_t r = 0; r < R; r++) {
                    A[r] = _mm512_dpbusd_epi32(A[r], p[r], xv);
                    p[r] = times3(p[r]);
                    B[r] = _mm512_dpbusd_epi32(B[r], p[r], xv);
                }
            }
        }
        for (size_t r = 0; r < R; r++) {
            __m512i t = _mm512_sub_epi32(_mm512_add_epi32(_mm512_add_epi32(A[r], A[r]), A[r]), B[r]);
            S[r] = _mm512_add_epi32(S[r], _mm512_srai_epi32(t, 8));
        }
    }
    if (with_sum)
        *sumx = hsum(sx);
    for (size_t r = 0; r < R; r++)
        y[r] = (int32_t)(hsum(S[r]) - *sumx);
}

BITERN_T3_DEFINE_OPS(avx512_vnni, rows_n, GROUP)
