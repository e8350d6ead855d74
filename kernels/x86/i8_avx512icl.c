/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 VNNI kernels (Ice Lake and later) of the int8 ops: b1i8 and t2i8 (dot, gemv, gemm). The GEMM is the
 * template's (i8_avx512_impl.h), with vpdpbusd as its multiply-add.
 *
 * vpdpbusd multiplies 64 unsigned bytes by 64 signed bytes and adds each group of 4 products to a 32-bit lane,
 * without saturation, at 2 per cycle. X (int8, signed, in [-127, 127]) is always its signed operand. Exactness:
 * every 32-bit lane sums at most k / 16 products of at most 127 (or 128 * 127 for the scaled form below, and then
 * only over blocks of KBLOCK elements), so no lane ever comes near 2^31; and no variant forms sum(x) - 2 * s over
 * a whole row, where the doubling could overflow: the doubling is done lane by lane, on lane sums <= 127 * k / 16,
 * or (gemv) on sums over one block of KBLOCK elements, <= 127 * KBLOCK.
 *
 * Three ways to bring the packed W to vpdpbusd, each used where it is cheapest:
 *
 * 1. dot: negate x under the mask (vpsubb with a write mask: 0 - x where w = -1; x is never -128, so -x is
 *    exact), then vpdpbusd with a vector of ones. The mask comes straight from memory into a k-register (kmovq),
 *    3 uops per 64 elements for B1; T2 adds the zero mask as the unsigned operand (vmovdqu8 {z} of ones).
 *
 * 2. gemv: kmovq and the masked ops all compete for ports 0 and 5, which caps a row at about 1.5 cycles per 64
 *    elements. GEMV instead spends the work on x once, since every row shares it: each block of 64 bytes of x is
 *    transposed as an 8 x 8 byte matrix (vpshufb + vpermw), so that byte 8q + b holds x[8b + q]. Then a row's word,
 *    broadcast to the 8 lanes and ANDed with bytes (1 << q) in lane q (one vpandq with an embedded {1to8}
 *    broadcast load), gives in byte 8q + b the value 2^q * bit(8b + q): the bit of the very element that byte
 *    8q + b of the transposed x holds, scaled by 2^q. vpdpbusd then sums 2^q * x over the set bits in 32-bit
 *    lane d, with q = d / 2; the scale is removed lane by lane (vpsravd by q, exact since every term is a multiple
 *    of 2^q) at the end of each block. That is 2 uops per 64 elements of B1 and no k-register:
 *        B1: dot = sum(x) - 2 sum_{w = -1} x          (sum(x) by lane, once per block of x)
 *        T2: dot = sum_{mask} x - 2 sum_{sign} x      (a sign is only set under its mask)
 *    With at most 128 * 127 * 4 per lane and step, a lane is exact for 2^31 / 65024 > 33000 steps; blocks of
 *    KBLOCK = 8192 elements take 128.
 *
 * 3. gemm: each W chunk is expanded once into bytes u = w + 1 in {0, 1, 2} and used against 12 X rows packed in
 *    L1, 1 vpdpbusd per pair (the template, i8_avx512_impl.h, describes it).
 *
 * The hot loops are separate functions (NOINLINE) that hand their accumulators back through memory: when GCC 12
 * inlines a vpdpbusd loop into surrounding code (an outer loop, or a reduction after it), it copies every
 * accumulator to another register and back in each iteration, which costs a third of the throughput.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE   static inline __attribute__((always_inline))
#define NOINLINE static __attribute__((noinline))

#define KBLOCK         8192 /* gemv: elements of x transposed at a time (8 KiB on the stack) */
#ifndef PREFETCH_BYTES
#define PREFETCH_BYTES 4096 /* gemv prefetch distance, ahead in each row (in the next rows if it is short) */
#endif
#ifndef GEMV_PF_HINT
#define GEMV_PF_HINT _MM_HINT_T1 /* the contiguous-group stream below: into L2 (see there); -D to experiment */
#endif

INLINE __m512i dpbusd(__m512i acc, __m512i u, __m512i s) { return _mm512_dpbusd_epi32(acc, u, s); }

/* The template's primitives: vpdpbusd into 32-bit lanes, and the tile loops out of line (see above). */
INLINE __m512i gemm_madd(__m512i acc, __m512i u, __m512i x) { return dpbusd(acc, u, x); }
INLINE __m512i gemm_lanes32(__m512i acc) { return acc; }
INLINE __m512i xsum_add(__m512i s, __m512i ones, __m512i x) { return dpbusd(s, ones, x); }
#define GEMM_TILE NOINLINE
#define NAME(op)  bitern_##op##_avx512_vnni

#include "i8_avx512_impl.h"

/* ---- dot: masked negation + vpdpbusd with ones ---- */

/* B1: x, negated where w = -1. */
INLINE __m512i b1_step(__m512i acc, const uint64_t *w, __m512i xv, __m512i ones)
{
    return dpbusd(acc, ones, _mm512_mask_sub_epi8(xv, mask(w), ZERO, xv));
}
/* T2: x negated under the sign mask, times 1 under the non-zero mask (0 elsewhere). */
INLINE __m512i t2_step(__m512i acc, const uint64_t *w, __m512i xv, __m512i ones)
{
    return dpbusd(acc, _mm512_maskz_mov_epi8(mask(w), ones), _mm512_mask_sub_epi8(xv, mask(w + 1), ZERO, xv));
}

/* n4 iterations of 4 chunks of 64 elements, 4 accumulators; wpb: W words per chunk. */
INLINE void dot_loop(const uint64_t *w, const int8_t *x, size_t n4, size_t wpb, __m512i out[4])
{
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
#define STEP(a, i)                                                                                                     \
    a = wpb == 1 ? b1_step(a, w + c + (i), load(x + 64 * (c + (i))), ones)                                             \
                 : t2_step(a, w + 2 * (c + (i)), load(x + 64 * (c + (i))), ones);
    for (size_t c = 0; c < 4 * n4; c += 4) {
        STEP(a0, 0) STEP(a1, 1) STEP(a2, 2) STEP(a3, 3)
    }
#undef STEP
    out[0] = a0;
    out[1] = a1;
    out[2] = a2;
    out[3] = a3;
}
NOINLINE void dot_loop_b1(const uint64_t *w, const int8_t *x, size_t n4, __m512i out[4]) { dot_loop(w, x, n4, 1, out); }
NOINLINE void dot_loop_t2(const uint64_t *w, const int8_t *x, size_t n4, __m512i out[4]) { dot_loop(w, x, n4, 2, out); }

INLINE int32_t dot_i8(const uint64_t *w, const int8_t *x, size_t k, size_t wpb)
{
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i acc[4] = {ZERO, ZERO, ZERO, ZERO};
    size_t full = k / 64, c = full / 4 * 4;
    if (c)
        (wpb == 1 ? dot_loop_b1 : dot_loop_t2)(w, x, full / 4, acc);
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3]));
    for (; c <= full; c++) {
        if (c == full && k % 64 == 0)
            break;
        __m512i xv = c < full ? load(x + 64 * c) : load_bytes(x + 64 * c, k % 64);
        s = wpb == 1 ? b1_step(s, w + c, xv, ones) : t2_step(s, w + 2 * c, xv, ones);
    }
    return _mm512_reduce_add_epi32(s);
}

int32_t NAME(dot_b1i8)(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 1); }

int32_t NAME(dot_t2i8)(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, 2); }

/* ---- gemv: transposed x, scaled bits ---- */

/* Byte 8q + b of the result is byte 8b + q of v: vpshufb pairs byte c of each 8-byte row with the same byte of the
 * next row (word c of each 128-bit lane), vpermw gathers word q of the 4 lanes into qword q. */
INLINE __m512i transpose8x8(__m512i v)
{
    const __m512i pairs = _mm512_set4_epi32(0x0f070e06, 0x0d050c04, 0x0b030a02, 0x09010800);
    const __m512i gather = _mm512_set_epi16(31, 23, 15, 7, 30, 22, 14, 6, 29, 21, 13, 5, 28, 20, 12, 4, 27, 19, 11, 3,
                                            26, 18, 10, 2, 25, 17, 9, 1, 24, 16, 8, 0);
    return _mm512_permutexvar_epi16(gather, _mm512_shuffle_epi8(v, pairs));
}

/* Transposes len (<= KBLOCK) bytes of x into xt, the partial chunk zero-padded; returns sum(x) by lane. */
INLINE __m512i transpose_block(const int8_t *x, size_t len, __m512i *xt)
{
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i sum = ZERO;
    for (size_t c = 0; 64 * c < len; c++) {
        size_t rest = len - 64 * c;
        xt[c] = transpose8x8(rest >= 64 ? load(x + 64 * c) : load_bytes(x + 64 * c, rest));
        sum = dpbusd(sum, ones, xt[c]);
    }
    return sum;
}

/* Bytes (1 << q) in qword lane q, and the matching right shifts of 32-bit lane d: d / 2. */
#define BIT_OF_LANE                                                                                                    \
    _mm512_set_epi64(0x8080808080808080, 0x4040404040404040, 0x2020202020202020, 0x1010101010101010,                   \
                     0x0808080808080808, 0x0404040404040404, 0x0202020202020202, 0x0101010101010101)
#define SCALE_OF_LANE _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0)

/* The bits of one word of W, scaled by 2^q in lane q, in the transposed order (see the top of the file). */
INLINE __m512i scaled_bits(const uint64_t *p, __m512i bit_of_lane)
{
    return _mm512_and_epi64(_mm512_set1_epi64((long long)*p), bit_of_lane);
}

#define ROW_PTR(j) const uint64_t *w##j = base + ((j) < rows ? (j) : rows - 1) * stride;

/* Prefetching for gemv. A group of rows that covers whole rows (k <= KBLOCK) is one contiguous region of W, and
 * the next group is the next region, of the same size: in each step (64 elements of each row of the group: 64 bytes
 * of W for 8 B1 rows as for 4 T2 rows) the kernel prefetches the next 64 bytes of the region PREFETCH_BYTES beyond
 * the next group, `next` being where that starts. An ascending stream of single lines is what the L2 streamer
 * follows best: measured while other processes loaded the memory, it reached 90% of a plain read loop, against 65%
 * for a line of each row every few steps. On the quiet machine that stream reached only 66-68% of the DRAM read
 * roofline with prefetcht0; prefetcht1 (to L2: the L1 fill buffers are no longer held for each line's whole trip
 * from DRAM) made gemv_t2i8 streamed ~7% faster (medians of 5 runs of the two builds alternating, 4096x4096: 380-405 us,
 * median 391 -> 353-379 us, median 362) and left b1i8 and the in-cache cases the same; prefetchnta was far slower (588 us), longer distances (8 and 16 KiB) no
 * better. With several blocks (next = NULL), the groups are not contiguous, and each row gets its own line
 * PREFETCH_BYTES ahead, once per 64 bytes. */

/* 8 B1 rows from base, `stride` words apart (`rows` real ones, the others repeat the last), against chunks of
 * transposed x: the scaled sums over the set bits, by lane, into out[8]. The row pointers are computed here, in
 * scalar registers (an array of them built by the caller became a vpmullq and a trip through memory), and the two
 * prefetch schemes get a loop each, without a test per step. */
NOINLINE void gemv_rows_b1(const uint64_t *base, size_t stride, size_t rows, const char *next, const __m512i *xt,
                           size_t chunks, __m512i out[8])
{
    const __m512i bit_of_lane = BIT_OF_LANE;
    FOR8(ROW_PTR)
    __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO, a4 = ZERO, a5 = ZERO, a6 = ZERO, a7 = ZERO;
#define PREFETCH(j) _mm_prefetch((const char *)(w##j + c) + PREFETCH_BYTES, _MM_HINT_T0);
#define ROW(j)      a##j = dpbusd(a##j, scaled_bits(w##j + c, bit_of_lane), xv);
#define OUT(j)      out[j] = a##j;
    if (next) {
        for (size_t c = 0; c < chunks; c++) {
            _mm_prefetch(next + 64 * c, GEMV_PF_HINT);
            __m512i xv = xt[c];
            FOR8(ROW)
        }
    } else {
        for (size_t c = 0; c < chunks; c++) {
            if ((c & 7) == 0) {
                FOR8(PREFETCH)
            }
            __m512i xv = xt[c];
            FOR8(ROW)
        }
    }
    FOR8(OUT)
#undef PREFETCH
#undef ROW
#undef OUT
}

/* 4 T2 rows, as above: scaled sums under the masks into nz[4], under the signs into neg[4]. */
NOINLINE void gemv_rows_t2(const uint64_t *base, size_t stride, size_t rows, const char *next, const __m512i *xt,
                           size_t chunks, __m512i nz[4], __m512i neg[4])
{
    const __m512i bit_of_lane = BIT_OF_LANE;
    FOR4(ROW_PTR)
    __m512i m0 = ZERO, m1 = ZERO, m2 = ZERO, m3 = ZERO, s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
#define PREFETCH(j) _mm_prefetch((const char *)(w##j + 2 * c) + PREFETCH_BYTES, _MM_HINT_T0);
#define ROW(j)                                                                                                         \
    m##j = dpbusd(m##j, scaled_bits(w##j + 2 * c, bit_of_lane), xv);                                                   \
    s##j = dpbusd(s##j, scaled_bits(w##j + 2 * c + 1, bit_of_lane), xv);
#define OUT(j) nz[j] = m##j, neg[j] = s##j;
    if (next) {
        for (size_t c = 0; c < chunks; c++) {
            _mm_prefetch(next + 64 * c, GEMV_PF_HINT);
            __m512i xv = xt[c];
            FOR4(ROW)
        }
    } else {
        for (size_t c = 0; c < chunks; c++) {
            if ((c & 3) == 0) {
                FOR4(PREFETCH)
            }
            __m512i xv = xt[c];
            FOR4(ROW)
        }
    }
    FOR4(OUT)
#undef PREFETCH
#undef ROW
#undef OUT
}

/* Where the prefetch stream of a group starts (see above), or NULL if the rows are split in blocks. */
INLINE const char *next_group(const uint64_t *w, size_t stride, size_t next_row, int whole_rows)
{
    return whole_rows ? (const char *)(w + next_row * stride) + PREFETCH_BYTES : NULL;
}

/* Stores (first block) or adds (later blocks) the sums of a group of rows. */
INLINE void store_rows(int32_t *y, const int32_t *sums, size_t rows, int add)
{
    for (size_t i = 0; i < rows; i++)
        y[i] = add ? y[i] + sums[i] : sums[i];
}

void NAME(gemv_b1i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    __m512i xt[KBLOCK / 64];
    const size_t stride = bitern_b1_words(k);
    const __m512i scale = SCALE_OF_LANE;
    for (size_t kb = 0; kb == 0 || kb < k; kb += KBLOCK) {
        size_t len = k - kb < KBLOCK ? k - kb : KBLOCK;
        const __m256i xtotal = _mm256_set1_epi32(_mm512_reduce_add_epi32(transpose_block(x + kb, len, xt)));
        /* 8 rows at a time: 8 independent vpdpbusd chains cover its latency. */
        for (size_t r = 0; r < m; r += 8) {
            size_t rows = m - r < 8 ? m - r : 8;
            __m512i acc[8], dots[8];
            gemv_rows_b1(w + r * stride + kb / 64, stride, rows, next_group(w, stride, r + 8, len == k), xt,
                         (len + 63) / 64, acc);
            /* sum(x) - 2 sum_{w = -1} x, after the lane sums: |sum(x)| <= 127 * KBLOCK, no overflow. */
            for (int j = 0; j < 8; j++)
                dots[j] = _mm512_srav_epi32(acc[j], scale);
            int32_t sums[8];
            _mm256_storeu_si256((__m256i *)sums, _mm256_sub_epi32(xtotal, _mm256_slli_epi32(sum8_32(dots), 1)));
            store_rows(y + r, sums, rows, kb > 0);
        }
    }
}

void NAME(gemv_t2i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    __m512i xt[KBLOCK / 64];
    const size_t stride = bitern_t2_words(k);
    const __m512i scale = SCALE_OF_LANE;
    for (size_t kb = 0; kb == 0 || kb < k; kb += KBLOCK) {
        size_t len = k - kb < KBLOCK ? k - kb : KBLOCK;
        transpose_block(x + kb, len, xt);
        /* 4 rows at a time, two accumulators each (mask and sign): 8 independent vpdpbusd chains. */
        for (size_t r = 0; r < m; r += 4) {
            size_t rows = m - r < 4 ? m - r : 4;
            __m512i nz[4], neg[4], dots[4];
            gemv_rows_t2(w + r * stride + kb / 64 * 2, stride, rows, next_group(w, stride, r + 4, len == k), xt,
                         (len + 63) / 64, nz, neg);
            /* Both are multiples of 2^q in lane q, so the shift of nz - 2 neg is exact. */
            for (int j = 0; j < 4; j++)
                dots[j] = _mm512_srav_epi32(_mm512_sub_epi32(nz[j], _mm512_slli_epi32(neg[j], 1)), scale);
            int32_t sums[4];
            _mm_storeu_si128((__m128i *)sums, sum4_32(dots[0], dots[1], dots[2], dots[3]));
            store_rows(y + r, sums, rows, kb > 0);
        }
    }
}
