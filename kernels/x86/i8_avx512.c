/* SPDX-License-Identifier: MIT */
/*
 * Plain AVX-512 kernels (Skylake-X: F, CD, BW, DQ, VL) of the int8 ops: b1i8 and t2i8 (dot, gemv, gemm).
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
 *     per block. The blocking is that of i8_avx512icl.c: 2 W rows x 12 X rows, X packed in L1.
 * No variant forms sum(x) - 2 * s over a row, where 2 * s could overflow: every subtraction is of lane sums (or of
 * block sums), bounded by 254 * k / 16 or by 254 * GEMM_KBLOCK.
 *
 * I8 inputs are read exactly: full 64-byte chunks, then a zero-masked vmovdqu8 for the last k % 64 bytes.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

#define FLUSH_CHUNKS   128  /* additions of |x| pair sums a 16-bit lane takes before it is widened */
#define PREFETCH_BYTES 4096 /* gemv prefetch distance, ahead in each row (in the next rows if it is short) */
#define GEMM_J         12   /* gemm tile: 2 W rows x GEMM_J X rows */
#define GEMM_KBLOCK    2048 /* gemm: elements per K block, GEMM_J X rows of it packed in L1 */
#define GEMM_CHUNKS    (GEMM_KBLOCK / 64)

#define ZERO     _mm512_setzero_si512()
#define FOR4(S)  S(0) S(1) S(2) S(3)
#define FOR12(S) FOR4(S) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11)

INLINE __m512i load(const void *p) { return _mm512_loadu_si512(p); }
/* The first n < 64 bytes, zeros after them: never reads beyond them. */
INLINE __m512i load_bytes(const int8_t *p, size_t n) { return _mm512_maskz_loadu_epi8(_bzhi_u64(~0ull, n), p); }
/* Chunk c of x (64 bytes), or its first k % 64 bytes if it is the partial last one. */
INLINE __m512i load_chunk(const int8_t *x, size_t c, size_t k)
{
    return 64 * c + 64 <= k ? load(x + 64 * c) : load_bytes(x + 64 * c, k - 64 * c);
}
INLINE __mmask64 mask(const uint64_t *p) { return _load_mask64((__mmask64 *)p); }
/* 16-bit lanes to 32-bit lanes, pairs added. */
INLINE __m512i widen(__m512i v) { return _mm512_madd_epi16(v, _mm512_set1_epi16(1)); }

/* ---- horizontal sums of 32-bit lanes ---- */

/* (a, b) -> per 128-bit chunk (a0 + a2, b0 + b2, a1 + a3, b1 + b3). */
INLINE __m512i pair32(__m512i a, __m512i b)
{
    return _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
}
/* Four vectors -> per 128-bit chunk (a, b, c, d), each the sum of that chunk's 4 lanes. */
INLINE __m512i quad32(__m512i a, __m512i b, __m512i c, __m512i d)
{
    __m512i ab = pair32(a, b), cd = pair32(c, d);
    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}
INLINE __m128i sum4_32(__m512i a, __m512i b, __m512i c, __m512i d)
{
    __m512i q = quad32(a, b, c, d);
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(q), _mm512_extracti64x4_epi64(q, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}
/* The 8 sums of v[0..7], in order. */
INLINE __m256i sum8_32(const __m512i v[8])
{
    __m512i q0 = quad32(v[0], v[1], v[2], v[3]), q1 = quad32(v[4], v[5], v[6], v[7]);
    __m512i h = _mm512_add_epi32(_mm512_shuffle_i32x4(q0, q1, 0x88), _mm512_shuffle_i32x4(q0, q1, 0xdd));
    h = _mm512_add_epi32(_mm512_shuffle_i32x4(h, h, 0x88), _mm512_shuffle_i32x4(h, h, 0xdd));
    return _mm512_castsi512_si256(h);
}

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

int32_t bitern_dot_b1i8_avx512(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 1); }

int32_t bitern_dot_t2i8_avx512(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 2); }

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

void bitern_gemv_b1i8_avx512(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_i8(w, x, y, m, k, 1);
}

void bitern_gemv_t2i8_avx512(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_i8(w, x, y, m, k, 2);
}

/* ---- gemm: W expanded to w + 1, 2 x GEMM_J tiles over a packed block of X ---- */

/* u = w + 1 for 64 elements: B1 (bit set = -1) gives 0 or 2. */
INLINE __m512i expand_b1(const uint64_t *p) { return _mm512_mask_mov_epi8(_mm512_set1_epi8(2), mask(p), ZERO); }
/* T2: 1 where zero, 2 under the mask, then 0 under the sign. */
INLINE __m512i expand_t2(const uint64_t *p)
{
    __m512i u = _mm512_mask_mov_epi8(_mm512_set1_epi8(1), mask(p), _mm512_set1_epi8(2));
    return _mm512_mask_mov_epi8(u, mask(p + 1), ZERO);
}

/* Copies the GEMM_J rows xr[] over [kb, kb + len) into xb, chunk by chunk (chunk c of row j at c * GEMM_J + j,
 * the partial chunk zero-padded); sum(x) of each row over the block into xsum[0 .. GEMM_J), zeros after. */
INLINE void gemm_pack_x(const int8_t *const xr[GEMM_J], size_t kb, size_t len, __m512i *xb, int32_t xsum[16])
{
    const __m512i ones = _mm512_set1_epi8(1);
    for (size_t j = 0; j < GEMM_J; j++) {
        __m512i s = ZERO;
        for (size_t c = 0; 64 * c < len; c++) {
            __m512i v = load_chunk(xr[j] + kb, c, len);
            xb[c * GEMM_J + j] = v;
            s = _mm512_add_epi32(s, widen(_mm512_maddubs_epi16(ones, v)));
        }
        xsum[j] = _mm512_reduce_add_epi32(s);
    }
    for (size_t j = GEMM_J; j < 16; j++)
        xsum[j] = 0;
}

/* W rows w0, w1 (wpb words per 64 elements) against the packed X block: the 32-bit lane sums of u * x into acc
 * (row r, X row j at acc[r * GEMM_J + j]).
 * Each X vector is read with vmovntdqa (an ordinary load on write-back memory), which GCC cannot fold into the
 * two vpmaddubsw that use it, so that it is loaded once. */
INLINE void gemm_tile(const uint64_t *w0, const uint64_t *w1, size_t wpb, const __m512i *xb, size_t chunks,
                      __m512i acc[2 * GEMM_J])
{
#define ACC(j) __m512i a##j = ZERO, b##j = ZERO;
    FOR12(ACC)
#undef ACC
#define PAIR(j)                                                                                                        \
    {                                                                                                                  \
        __m512i xv = _mm512_stream_load_si512((void *)(xb + j));                                                       \
        a##j = _mm512_add_epi16(a##j, _mm512_maddubs_epi16(u0, xv));                                                   \
        b##j = _mm512_add_epi16(b##j, _mm512_maddubs_epi16(u1, xv));                                                   \
    }
    for (size_t c = 0; c < chunks; c++, xb += GEMM_J) {
        __m512i u0 = wpb == 1 ? expand_b1(w0 + c) : expand_t2(w0 + 2 * c);
        __m512i u1 = wpb == 1 ? expand_b1(w1 + c) : expand_t2(w1 + 2 * c);
        FOR12(PAIR)
    }
#undef PAIR
#define OUT(j) acc[j] = widen(a##j), acc[GEMM_J + j] = widen(b##j);
    FOR12(OUT)
#undef OUT
}

INLINE void gemm_i8(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k, size_t wpb)
{
    if (m == 0 || n == 0)
        return;
    __m512i xb[GEMM_CHUNKS * GEMM_J]; /* 24 KiB, 64-byte aligned (vmovntdqa needs it) */
    const size_t stride = wpb * bitern_b1_words(k);
    for (size_t kb = 0; kb == 0 || kb < k; kb += GEMM_KBLOCK) {
        size_t len = k - kb < GEMM_KBLOCK ? k - kb : GEMM_KBLOCK, chunks = (len + 63) / 64;
        for (size_t j = 0; j < n; j += GEMM_J) {
            size_t cols = n - j < GEMM_J ? n - j : GEMM_J;
            const int8_t *xr[GEMM_J];
            int32_t xsum[16];
            for (size_t i = 0; i < GEMM_J; i++)
                xr[i] = x + (j + (i < cols ? i : cols - 1)) * k;
            gemm_pack_x(xr, kb, len, xb, xsum);
            /* The columns of the tile: 8 in the first vector, the rest in the second. */
            const __mmask8 m_lo = (__mmask8)_bzhi_u32(0xff, (unsigned)(cols < 8 ? cols : 8));
            const __mmask8 m_hi = (__mmask8)_bzhi_u32(0xf, (unsigned)(cols > 8 ? cols - 8 : 0));
            const __m256i xsum_lo = _mm256_loadu_si256((const __m256i *)xsum);
            const __m128i xsum_hi = _mm_loadu_si128((const __m128i *)(xsum + 8));
            for (size_t r = 0; r < m; r += 2) {
                size_t rows = m - r < 2 ? m - r : 2;
                const uint64_t *w0 = w + r * stride + kb / 64 * wpb, *w1 = w0 + (rows - 1) * stride;
                __m512i acc[2 * GEMM_J];
                gemm_tile(w0, w1, wpb, xb, chunks, acc);
                for (size_t i = 0; i < rows; i++) {
                    int32_t *dst = c + (r + i) * n + j;
                    __m256i lo = _mm256_sub_epi32(sum8_32(acc + i * GEMM_J), xsum_lo);
                    __m128i hi = _mm_sub_epi32(
                        sum4_32(acc[i * GEMM_J + 8], acc[i * GEMM_J + 9], acc[i * GEMM_J + 10], acc[i * GEMM_J + 11]),
                        xsum_hi);
                    if (kb) { /* later K blocks add to the sums of the earlier ones */
                        lo = _mm256_add_epi32(lo, _mm256_maskz_loadu_epi32(m_lo, dst));
                        hi = _mm_add_epi32(hi, _mm_maskz_loadu_epi32(m_hi, dst + 8));
                    }
                    _mm256_mask_storeu_epi32(dst, m_lo, lo);
                    _mm_mask_storeu_epi32(dst + 8, m_hi, hi);
                }
            }
        }
    }
}

void bitern_gemm_b1i8_avx512(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, 1);
}

void bitern_gemm_t2i8_avx512(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, 2);
}
