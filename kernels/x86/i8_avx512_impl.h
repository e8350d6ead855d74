/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512 template of the int8 ops (b1i8, t2i8): what the plain AVX-512 tier (i8_avx512.c) and the VNNI tier
 * (i8_avx512icl.c) share, the loads, the horizontal sums and the whole GEMM. Each tier is its own static library
 * built with exactly its flags, so this file is included, not linked. The includer defines first:
 *     INLINE                  static inline, always inlined
 *     gemm_madd(acc, u, x)    acc plus the products of the unsigned bytes u and the signed bytes x, added by groups
 *                             into lanes: vpdpbusd (32-bit lanes), or vpmaddubsw + vpaddw (16-bit lanes)
 *     gemm_lanes32(acc)       an accumulator of gemm_madd as 32-bit lanes (the identity, or vpmaddwd with ones)
 *     xsum_add(s, ones, x)    s plus the sums of the bytes x in 32-bit lanes
 *     GEMM_TILE               the linkage of the tile loops: INLINE or NOINLINE (see the VNNI tier)
 *     NAME(op)                the exported name of op: NAME(gemm_b1i8) is bitern_gemm_b1i8_<tier>
 * and after it its own dot and gemv, which bring the packed W to the multiply-add in different ways.
 *
 * GEMM: each W chunk of 64 elements is expanded once into bytes u = w + 1 in {0, 1, 2} (masked byte moves from
 * k-registers) and used against 12 X rows, one gemm_madd per pair: dot = sum(u * x) - sum(x), with sum(x) computed
 * once per X row and block. A tile is 2 W rows x 12 X rows (24 accumulators). A block of 12 X rows x GEMM_KBLOCK
 * bytes is copied, chunk-interleaved and zero-padded, into a 24 KiB buffer that stays in L1 while every W row passes
 * over it (W is 8 to 16 times smaller than X); the copy lets one pointer address all 12 rows. Lane sums of u * x
 * are at most 254 * GEMM_KBLOCK / 16 per block (with vpmaddubsw: |pair| <= 508 in 16-bit lanes, and a block of
 * GEMM_KBLOCK = 2048 elements is 32 chunks, 32 * 508 < 32767, so the 16-bit lanes are widened once per block);
 * blocks are added in C.
 *
 * I8 inputs are read exactly: full 64-byte chunks, then a zero-masked vmovdqu8 for the last k % 64 bytes.
 */
#include <immintrin.h>

#include "internal.h"

#define GEMM_J      12   /* gemm tile: 2 W rows x GEMM_J X rows */
#define GEMM_KBLOCK 2048 /* gemm: elements per K block: GEMM_J X rows of it packed, they stay in L1 */
#define GEMM_CHUNKS (GEMM_KBLOCK / 64)

#define ZERO     _mm512_setzero_si512()
#define FOR4(S)  S(0) S(1) S(2) S(3)
#define FOR8(S)  FOR4(S) S(4) S(5) S(6) S(7)
#define FOR12(S) FOR8(S) S(8) S(9) S(10) S(11)

INLINE __m512i load(const void *p) { return _mm512_loadu_si512(p); }
/* The first n < 64 bytes, zeros after them: never reads beyond them. */
INLINE __m512i load_bytes(const int8_t *p, size_t n) { return _mm512_maskz_loadu_epi8(_bzhi_u64(~0ull, n), p); }
/* Chunk c of x (64 bytes), or its first k % 64 bytes if it is the partial last one. */
INLINE __m512i load_chunk(const int8_t *x, size_t c, size_t k)
{
    return 64 * c + 64 <= k ? load(x + 64 * c) : load_bytes(x + 64 * c, k - 64 * c);
}
INLINE __mmask64 mask(const uint64_t *p) { return _load_mask64((__mmask64 *)p); }

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
 * the partial chunk zero-padded), so that a tile reads X at fixed offsets from one pointer; sum(x) of each row
 * over the block into xsum[0 .. GEMM_J), zeros after. */
INLINE void gemm_pack_x(const int8_t *const xr[GEMM_J], size_t kb, size_t len, __m512i *xb, int32_t xsum[16])
{
    const __m512i ones = _mm512_set1_epi8(1);
    for (size_t j = 0; j < GEMM_J; j++) {
        __m512i s = ZERO;
        for (size_t c = 0; 64 * c < len; c++) {
            __m512i v = load_chunk(xr[j] + kb, c, len);
            xb[c * GEMM_J + j] = v;
            s = xsum_add(s, ones, v);
        }
        xsum[j] = _mm512_reduce_add_epi32(s);
    }
    for (size_t j = GEMM_J; j < 16; j++)
        xsum[j] = 0;
}

/* W rows w0, w1 (wpb words per 64 elements) against the packed X block: the 32-bit lane sums of u * x (24
 * accumulators) into acc (row r, X row j at acc[r * GEMM_J + j]).
 * Each X vector is read with vmovntdqa (an ordinary load on write-back memory), which GCC cannot fold into the
 * two multiply-adds that use it: folded, it would be loaded twice, and the VNNI tile runs 20% slower. */
INLINE void gemm_tile(const uint64_t *w0, const uint64_t *w1, size_t wpb, const __m512i *xb, size_t chunks,
                      __m512i acc[2 * GEMM_J])
{
#define ACC(j) __m512i a##j = ZERO, b##j = ZERO;
    FOR12(ACC)
#undef ACC
#define PAIR(j)                                                                                                        \
    {                                                                                                                  \
        __m512i xv = _mm512_stream_load_si512((void *)(xb + j));                                                       \
        a##j = gemm_madd(a##j, u0, xv);                                                                                \
        b##j = gemm_madd(b##j, u1, xv);                                                                                \
    }
    for (size_t c = 0; c < chunks; c++, xb += GEMM_J) {
        __m512i u0 = wpb == 1 ? expand_b1(w0 + c) : expand_t2(w0 + 2 * c);
        __m512i u1 = wpb == 1 ? expand_b1(w1 + c) : expand_t2(w1 + 2 * c);
        FOR12(PAIR)
    }
#undef PAIR
#define OUT(j) acc[j] = gemm_lanes32(a##j), acc[GEMM_J + j] = gemm_lanes32(b##j);
    FOR12(OUT)
#undef OUT
}
GEMM_TILE void gemm_tile_b1(const uint64_t *w0, const uint64_t *w1, const __m512i *xb, size_t chunks,
                           __m512i acc[2 * GEMM_J])
{
    gemm_tile(w0, w1, 1, xb, chunks, acc);
}
GEMM_TILE void gemm_tile_t2(const uint64_t *w0, const uint64_t *w1, const __m512i *xb, size_t chunks,
                           __m512i acc[2 * GEMM_J])
{
    gemm_tile(w0, w1, 2, xb, chunks, acc);
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
                if (wpb == 1)
                    gemm_tile_b1(w0, w1, xb, chunks, acc);
                else
                    gemm_tile_t2(w0, w1, xb, chunks, acc);
                /* Lane sums of u * x are at most 254 * GEMM_KBLOCK / 16: any order of additions is exact. */
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

void NAME(gemm_b1i8)(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, 1);
}

void NAME(gemm_t2i8)(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, 2);
}
