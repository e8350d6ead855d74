/* SPDX-License-Identifier: MIT */
/*
 * Plain AVX-512 kernels (Skylake-X: F, CD, BW, DQ, VL) of the int8 ops: b1i8 and t2i8 (dot, gemv, gemm). The GEMM
 * is the template's (i8_avx512_impl.h), shared with i8_avx512icl.c, with vpmaddubsw + vpaddw as its multiply-add.
 *
 * The packed W turns into byte operations through k-registers: a 64-bit word of W is a 64-bit mask (kmovq from
 * memory), one bit per byte of x.
 *   - dot, gemv: x is negated under the sign mask (vpsubb with a write mask: 0 - x; x is never -128, so -x is
 *     exact) and, for T2, kept only under the non-zero mask (vmovdqu8 {z}). vpmaddubsw with a vector of ones adds
 *     pairs of bytes into 16-bit lanes (|pair| <= 254, far from saturation), vpaddw accumulates them. A 16-bit lane
 *     takes 128 such additions (128 * 254 = 32512 < 32767); before that, vpmaddwd with ones widens the lanes into
 *     32-bit ones (FLUSH_CHUNKS), whose sums stay below 127 * k / 16 < 2^31.
 *   - gemm: each W chunk is expanded once into bytes u = w + 1 in {0, 1, 2} (masked byte moves) and used against
 *     12 X rows: vpmaddubsw(u, x) (|pair| <= 508) and vpaddw, 2 operations per pair; dot = sum(u * x) - sum(x).
 *     A K block of GEMM_KBLOCK = 2048 elements is 32 chunks, 32 * 508 < 32767: the 16-bit lanes are widened once
 *     per block. The blocking is the template's: 2 W rows x 12 X rows, X packed in L1.
 * No variant forms sum(x) - 2 * s over a row, where 2 * s could overflow: every subtraction is of lane sums (or of
 * block sums), bounded by 254 * k / 16 or by 254 * GEMM_KBLOCK.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

#define FLUSH_CHUNKS   128  /* additions of |x| pair sums a 16-bit lane takes before it is widened */
#define PREFETCH_BYTES 4096 /* gemv prefetch distance, ahead in each row (in the next rows if it is short) */

/* 16-bit lanes to 32-bit lanes, pairs added. */
INLINE __m512i widen(__m512i v) { return _mm512_madd_epi16(v, _mm512_set1_epi16(1)); }

/* The template's primitives: pair sums in 16-bit lanes, widened at the end of a tile (exact over a K block, see
 * above); the tile loops inline, as they always were here. */
INLINE __m512i gemm_madd(__m512i acc, __m512i u, __m512i x)
{
    return _mm512_add_epi16(acc, _mm512_maddubs_epi16(u, x));
}
INLINE __m512i gemm_lanes32(__m512i acc) { return widen(acc); }
INLINE __m512i xsum_add(__m512i s, __m512i ones, __m512i x)
{
    return _mm512_add_epi32(s, widen(_mm512_maddubs_epi16(ones, x)));
}
#define GEMM_TILE INLINE
#define NAME(op)  bitern_##op##_avx512

#include "i8_avx512_impl.h"

/* ---- one chunk of 64 elements: w * x as pair sums in 16-bit lanes ---- */

/* B1: x negated where w = -1, pairs added. */
INLINE __m512i b1_pairs(const uint64_t *w, __m512i xv, __m512i ones)
{
    return _mm512_maddubs_epi16(ones, _mm512_mask_sub_epi8(xv, mask(w), ZERO, xv));
}
/* T2: x negated under the sign mask, times 1 under the non-zero mask (0 elsewhere). */
INLINE __m512i t2_pairs(const uint64_t *w, __m512i xv, __m512i ones)
{
    return _mm512_maddubs_epi16(_mm512_maskz_mov_epi8(mask(w), ones), _mm512_mask_sub_epi8(xv, mask(w + 1), ZERO, xv));
}
INLINE __m512i pairs(const uint64_t *w, size_t wpb, __m512i xv, __m512i ones)
{
    return wpb == 1 ? b1_pairs(w, xv, ones) : t2_pairs(w, xv, ones);
}

/* ---- dot ---- */

INLINE int32_t dot_i8(const uint64_t *w, const int8_t *x, size_t k, size_t wpb)
{
    const __m512i ones = _mm512_set1_epi8(1);
    size_t chunks = (k + 63) / 64, c = 0;
    __m512i sum = ZERO;
    /* 4 chunks per step into 4 16-bit accumulators, widened every FLUSH_CHUNKS steps. */
    while (c + 4 <= k / 64) {
        size_t end = c + 4 * FLUSH_CHUNKS < k / 64 ? c + 4 * FLUSH_CHUNKS : k / 64 / 4 * 4;
        __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
        for (; c < end; c += 4) {
            a0 = _mm512_add_epi16(a0, pairs(w + c * wpb, wpb, load(x + 64 * c), ones));
            a1 = _mm512_add_epi16(a1, pairs(w + (c + 1) * wpb, wpb, load(x + 64 * c + 64), ones));
            a2 = _mm512_add_epi16(a2, pairs(w + (c + 2) * wpb, wpb, load(x + 64 * c + 128), ones));
            a3 = _mm512_add_epi16(a3, pairs(w + (c + 3) * wpb, wpb, load(x + 64 * c + 192), ones));
        }
        sum = _mm512_add_epi32(
            sum, _mm512_add_epi32(_mm512_add_epi32(widen(a0), widen(a1)), _mm512_add_epi32(widen(a2), widen(a3))));
    }
    for (; c < chunks; c++)
        sum = _mm512_add_epi32(sum, widen(pairs(w + c * wpb, wpb, load_chunk(x, c, k), ones)));
    return _mm512_reduce_add_epi32(sum);
}

int32_t NAME(dot_b1i8)(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 1); }

int32_t NAME(dot_t2i8)(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 2); }

/* ---- gemv: 4 rows at a time, x loaded once per chunk ---- */

INLINE void gemv_i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k, size_t wpb)
{
    const __m512i ones = _mm512_set1_epi8(1);
    const size_t stride = wpb * bitern_b1_words(k), chunks = (k + 63) / 64;
    for (size_t r = 0; r < m; r += 4) {
        size_t rows = m - r < 4 ? m - r : 4;
        const uint64_t *w0 = w + r * stride, *w1 = w0 + (rows > 1) * stride;
        const uint64_t *w2 = w0 + (rows > 2 ? 2 : rows - 1) * stride, *w3 = w0 + (rows - 1) * stride;
        /* The 4 rows are one contiguous region of W, and so is the next group: each step (32 wpb bytes of the
         * region) prefetches as much of the region PREFETCH_BYTES beyond the next group's start, a cache line at a
         * time: an ascending stream of lines, which the L2 streamer follows best (see i8_avx512icl.c). */
        const char *next = (const char *)(w + (r + 4) * stride) + PREFETCH_BYTES;
        __m512i s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
        for (size_t c = 0; c < chunks;) {
            size_t end = c + FLUSH_CHUNKS < chunks ? c + FLUSH_CHUNKS : chunks;
            __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
            for (; c < end; c++) {
                if ((c * wpb * 32 & 63) == 0)
                    _mm_prefetch(next + c * wpb * 32, _MM_HINT_T0);
                __m512i xv = load_chunk(x, c, k);
#define ROW(j) a##j = _mm512_add_epi16(a##j, pairs(w##j + c * wpb, wpb, xv, ones));
                FOR4(ROW)
#undef ROW
            }
#define WIDEN(j) s##j = _mm512_add_epi32(s##j, widen(a##j));
            FOR4(WIDEN)
#undef WIDEN
        }
        int32_t sums[4];
        _mm_storeu_si128((__m128i *)sums, sum4_32(s0, s1, s2, s3));
        for (size_t i = 0; i < rows; i++)
            y[r + i] = sums[i];
    }
}

void NAME(gemv_b1i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_i8(w, x, y, m, k, 1);
}

void NAME(gemv_t2i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_i8(w, x, y, m, k, 2);
}
