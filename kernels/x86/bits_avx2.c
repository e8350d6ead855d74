/* SPDX-License-Identifier: MIT */
/*
 * AVX2 kernels of the all-bits ops: b1b1, t2t2 and t2b1 (dot, gemv, gemm).
 *
 * Every op is a popcount of a bitwise combination of W and X. AVX2 has no vector popcount, so this file counts
 * with vpshufb:
 *   - Mula's nibble lookup: vpshufb looks up the popcount of each nibble in a 16-entry table, giving per-byte
 *     counts that are summed in byte lanes for up to 31 vectors (31 * 8 = 248 < 256) and then folded into 64-bit
 *     lanes with vpsadbw against zero.
 *   - Harley-Seal for long vectors: a carry-save adder tree (full adders made of and/or/xor, which run on every
 *     vector port) reduces 16 vectors to one "sixteens" vector, so that only one in 16 needs the lookup.
 * Both keep the four 64-bit lanes apart (the adders are bitwise, vpsadbw sums within a lane), which T2 x T2
 * uses: it puts the non-zero mask and the negative mask of a block side by side in one vector and weights the
 * lanes at the end, so that one popcount serves both counts. T2 x B1 instead gathers them into two vectors that
 * feed two adder trees, which measured faster for it (see its section).
 *
 * Measured on this Xeon (Sapphire Rapids class, gcc 12 -O2), dot_b1b1 in bits per ns:
 *   k = 4096:  4 scalar popcnt chains 260, Mula 317, Harley-Seal 307
 *   k = 65536: 4 scalar popcnt chains 249, Mula 388, Harley-Seal 483
 * hence Harley-Seal blocks of 16 vectors once there are at least 32 vectors, and Mula for the rest.
 *
 * GEMM does not fit Harley-Seal well (each W x X pair needs its own adder tree, more registers than AVX2 has): it
 * uses the Mula count on a tile of 2 W rows by 4 X rows, every loaded vector being used 4 or 2 times. A tile of
 * 1 x 2 pairs with 4-input adder trees measured +12% at k = 4096 but -10% at k = 65536 (it rereads X twice as
 * often), so Mula stays.
 *
 * Layout reminders: a B1 vector has one word per 64 elements; a T2 vector has two words per 64 elements, mask
 * then sign. A 256-bit load of T2 data holds two blocks: lanes (mask0, sign0, mask1, sign1). Whole words only,
 * never past bitern_*_words(k): the tails that do not fill a 256-bit load are counted with scalar popcnt.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

static inline __m256i load256(const uint64_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

static inline uint64_t popcnt64(uint64_t v) { return (uint64_t)_mm_popcnt_u64(v); }

/* Mula: per-byte popcounts (0..8) of v, from two vpshufb lookups of its nibbles. */
INLINE __m256i popcount_bytes(__m256i v)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low4));
    /* vpsrlw shifts 16-bit lanes, so bits of the neighbouring byte come in: the mask removes them. */
    __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low4));
    return _mm256_add_epi8(lo, hi);
}

/* Sums each group of 8 bytes into its 64-bit lane (vpsadbw against zero). */
INLINE __m256i sum_bytes(__m256i v) { return _mm256_sad_epu8(v, _mm256_setzero_si256()); }

INLINE uint64_t lane(__m256i v, int i)
{
    switch (i) {
    case 0: return (uint64_t)_mm256_extract_epi64(v, 0);
    case 1: return (uint64_t)_mm256_extract_epi64(v, 1);
    case 2: return (uint64_t)_mm256_extract_epi64(v, 2);
    default: return (uint64_t)_mm256_extract_epi64(v, 3);
    }
}

/* ---- The vectors to count: vector i of each format ---- */

typedef __m256i vec_fn(const uint64_t *w, const uint64_t *x, size_t i);

/* B1 x B1: mismatching signs, 256 elements. */
INLINE __m256i vec_b1b1(const uint64_t *w, const uint64_t *x, size_t i)
{
    return _mm256_xor_si256(load256(w + 4 * i), load256(x + 4 * i));
}

/* T2 x T2, 128 elements: lanes (nonzero0, negative0, nonzero1, negative1) where nonzero = mw & mx and
 * negative = nonzero & (sw ^ sx). vpshufd swaps the two words of each 128-bit half to bring the mask next to the
 * sign, vpblendd picks the mask lanes of one and the sign lanes of the other. */
INLINE __m256i vec_t2t2(const uint64_t *w, const uint64_t *x, size_t i)
{
    __m256i wv = load256(w + 4 * i), xv = load256(x + 4 * i);
    __m256i both = _mm256_and_si256(wv, xv);                   /* (nonzero, sw & sx) */
    __m256i swapped = _mm256_shuffle_epi32(both, 0x4e);        /* (sw & sx, nonzero) */
    __m256i negative = _mm256_and_si256(swapped, _mm256_xor_si256(wv, xv));
    return _mm256_blend_epi32(both, negative, 0xcc);
}

/* ---- Counting a stream of vectors ---- */

/* Carry-save adder: (high, low) = a + b + c, bit by bit. */
#define CSA(high, low, a, b, c)                                                                                     \
    do {                                                                                                            \
        __m256i u_ = _mm256_xor_si256(a, b);                                                                        \
        high = _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(u_, c));                                    \
        low = _mm256_xor_si256(u_, c);                                                                              \
    } while (0)

/* Mula over vectors [i, end), end - i <= 31 so that byte counts cannot overflow. */
INLINE __m256i count_short(const uint64_t *w, const uint64_t *x, size_t i, size_t end, vec_fn *vec)
{
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (; i + 2 <= end; i += 2) {
        a = _mm256_add_epi8(a, popcount_bytes(vec(w, x, i)));
        b = _mm256_add_epi8(b, popcount_bytes(vec(w, x, i + 1)));
    }
    if (i < end)
        a = _mm256_add_epi8(a, popcount_bytes(vec(w, x, i)));
    return _mm256_add_epi64(sum_bytes(a), sum_bytes(b));
}

/* The popcount of each 64-bit lane, summed over vectors 0..nv-1. */
INLINE __m256i count_lanes(const uint64_t *w, const uint64_t *x, size_t nv, vec_fn *vec)
{
    if (nv < 32)
        return count_short(w, x, 0, nv, vec);

    __m256i zero = _mm256_setzero_si256();
    __m256i ones = zero, twos = zero, fours = zero, eights = zero, sixteens_total = zero;
    size_t i = 0;
    for (; i + 16 <= nv; i += 16) {
        __m256i twos_a, twos_b, fours_a, fours_b, eights_a, eights_b, sixteens;
        CSA(twos_a, ones, ones, vec(w, x, i + 0), vec(w, x, i + 1));
        CSA(twos_b, ones, ones, vec(w, x, i + 2), vec(w, x, i + 3));
        CSA(fours_a, twos, twos, twos_a, twos_b);
        CSA(twos_a, ones, ones, vec(w, x, i + 4), vec(w, x, i + 5));
        CSA(twos_b, ones, ones, vec(w, x, i + 6), vec(w, x, i + 7));
        CSA(fours_b, twos, twos, twos_a, twos_b);
        CSA(eights_a, fours, fours, fours_a, fours_b);
        CSA(twos_a, ones, ones, vec(w, x, i + 8), vec(w, x, i + 9));
        CSA(twos_b, ones, ones, vec(w, x, i + 10), vec(w, x, i + 11));
        CSA(fours_a, twos, twos, twos_a, twos_b);
        CSA(twos_a, ones, ones, vec(w, x, i + 12), vec(w, x, i + 13));
        CSA(twos_b, ones, ones, vec(w, x, i + 14), vec(w, x, i + 15));
        CSA(fours_b, twos, twos, twos_a, twos_b);
        CSA(eights_b, fours, fours, fours_a, fours_b);
        CSA(sixteens, eights, eights, eights_a, eights_b);
        sixteens_total = _mm256_add_epi64(sixteens_total, sum_bytes(popcount_bytes(sixteens)));
    }
    __m256i total = _mm256_slli_epi64(sixteens_total, 4);
    total = _mm256_add_epi64(total, _mm256_slli_epi64(sum_bytes(popcount_bytes(eights)), 3));
    total = _mm256_add_epi64(total, _mm256_slli_epi64(sum_bytes(popcount_bytes(fours)), 2));
    total = _mm256_add_epi64(total, _mm256_slli_epi64(sum_bytes(popcount_bytes(twos)), 1));
    total = _mm256_add_epi64(total, sum_bytes(popcount_bytes(ones)));
    return _mm256_add_epi64(total, count_short(w, x, i, nv, vec));
}

/* ---- Scalar pieces for the words after the last full vector ---- */

/* Nonzero and negative counts of T2 x T2 block b. */
INLINE void t2t2_block(const uint64_t *w, const uint64_t *x, size_t b, uint64_t *nonzero, uint64_t *negative)
{
    uint64_t nz = w[2 * b] & x[2 * b];
    *nonzero += popcnt64(nz);
    *negative += popcnt64(nz & (w[2 * b + 1] ^ x[2 * b + 1]));
}

INLINE void t2b1_block(const uint64_t *w, const uint64_t *x, size_t b, uint64_t *nonzero, uint64_t *negative)
{
    *nonzero += popcnt64(w[2 * b]);
    *negative += popcnt64(w[2 * b] & (w[2 * b + 1] ^ x[b]));
}

/* ---- T2 x B1 dot: two streams ----
 * Four blocks (256 elements) at a time: vpunpcklqdq and vpunpckhqdq of two loads of W gather the four mask words
 * into one vector and the four sign words into another (in block order 0, 2, 1, 3, which a sum does not mind), and
 * vpermq puts the four words of x in the same order. That is 3 shuffles and 2 logic instructions per 256 elements,
 * where two blended vectors (vpermq of x, vpshufd, vpxor, vpand, vpblendd each) take 10, and the non-zero and
 * negative vectors feed two Harley-Seal trees. Measured (elements per ns, blended -> streams): k = 4096: 115 -> 135,
 * k = 65536: 135 -> 176. The same for T2 x T2 (vpunpck of w & x and of w ^ x) gained nothing (119 -> 109,
 * 133 -> 132), so T2 x T2 stays blended. */

typedef struct t2_vecs {
    __m256i nonzero, negative;
} t2_vecs;

typedef t2_vecs t2_vecs_fn(const uint64_t *w, const uint64_t *x, size_t i);

/* x's four words go to the order of the unpacked blocks (0, 2, 1, 3) with vpermq. */
INLINE t2_vecs t2b1_vecs(const uint64_t *w, const uint64_t *x, size_t i)
{
    __m256i wa = load256(w + 8 * i), wb = load256(w + 8 * i + 4);
    __m256i xv = _mm256_permute4x64_epi64(load256(x + 4 * i), 0xd8);
    __m256i nonzero = _mm256_unpacklo_epi64(wa, wb);
    __m256i differ = _mm256_xor_si256(_mm256_unpackhi_epi64(wa, wb), xv);
    return (t2_vecs){ nonzero, _mm256_and_si256(nonzero, differ) };
}

/* Mula over steps [i, end), end - i <= 31. */
INLINE void count_t2_short(const uint64_t *w, const uint64_t *x, size_t i, size_t end, t2_vecs_fn *vecs,
                           __m256i *nonzero, __m256i *negative)
{
    __m256i nz = _mm256_setzero_si256(), neg = _mm256_setzero_si256();
    for (; i < end; i++) {
        t2_vecs v = vecs(w, x, i);
        nz = _mm256_add_epi8(nz, popcount_bytes(v.nonzero));
        neg = _mm256_add_epi8(neg, popcount_bytes(v.negative));
    }
    *nonzero = _mm256_add_epi64(*nonzero, sum_bytes(nz));
    *negative = _mm256_add_epi64(*negative, sum_bytes(neg));
}

/* Harley-Seal trees of 8 inputs, one per stream, then Mula for the last steps. */
INLINE void count_t2(const uint64_t *w, const uint64_t *x, size_t nv, t2_vecs_fn *vecs, uint64_t *nonzero,
                     uint64_t *negative)
{
    __m256i zero = _mm256_setzero_si256(), nz_total = zero, neg_total = zero;
    size_t i = 0;
    if (nv >= 16) {
        __m256i nz_ones = zero, nz_twos = zero, nz_fours = zero, nz_eights = zero;
        __m256i neg_ones = zero, neg_twos = zero, neg_fours = zero, neg_eights = zero;
        for (; i + 8 <= nv; i += 8) {
            __m256i nz_ta, nz_tb, nz_fa, nz_fb, nz_e, neg_ta, neg_tb, neg_fa, neg_fb, neg_e;
            t2_vecs v0 = vecs(w, x, i), v1 = vecs(w, x, i + 1);
            CSA(nz_ta, nz_ones, nz_ones, v0.nonzero, v1.nonzero);
            CSA(neg_ta, neg_ones, neg_ones, v0.negative, v1.negative);
            v0 = vecs(w, x, i + 2), v1 = vecs(w, x, i + 3);
            CSA(nz_tb, nz_ones, nz_ones, v0.nonzero, v1.nonzero);
            CSA(neg_tb, neg_ones, neg_ones, v0.negative, v1.negative);
            CSA(nz_fa, nz_twos, nz_twos, nz_ta, nz_tb);
            CSA(neg_fa, neg_twos, neg_twos, neg_ta, neg_tb);
            v0 = vecs(w, x, i + 4), v1 = vecs(w, x, i + 5);
            CSA(nz_ta, nz_ones, nz_ones, v0.nonzero, v1.nonzero);
            CSA(neg_ta, neg_ones, neg_ones, v0.negative, v1.negative);
            v0 = vecs(w, x, i + 6), v1 = vecs(w, x, i + 7);
            CSA(nz_tb, nz_ones, nz_ones, v0.nonzero, v1.nonzero);
            CSA(neg_tb, neg_ones, neg_ones, v0.negative, v1.negative);
            CSA(nz_fb, nz_twos, nz_twos, nz_ta, nz_tb);
            CSA(neg_fb, neg_twos, neg_twos, neg_ta, neg_tb);
            CSA(nz_e, nz_fours, nz_fours, nz_fa, nz_fb);
            CSA(neg_e, neg_fours, neg_fours, neg_fa, neg_fb);
            nz_eights = _mm256_add_epi64(nz_eights, sum_bytes(popcount_bytes(nz_e)));
            neg_eights = _mm256_add_epi64(neg_eights, sum_bytes(popcount_bytes(neg_e)));
        }
        nz_total = _mm256_add_epi64(_mm256_slli_epi64(nz_eights, 3),
                                    _mm256_slli_epi64(sum_bytes(popcount_bytes(nz_fours)), 2));
        nz_total = _mm256_add_epi64(nz_total, _mm256_slli_epi64(sum_bytes(popcount_bytes(nz_twos)), 1));
        nz_total = _mm256_add_epi64(nz_total, sum_bytes(popcount_bytes(nz_ones)));
        neg_total = _mm256_add_epi64(_mm256_slli_epi64(neg_eights, 3),
                                     _mm256_slli_epi64(sum_bytes(popcount_bytes(neg_fours)), 2));
        neg_total = _mm256_add_epi64(neg_total, _mm256_slli_epi64(sum_bytes(popcount_bytes(neg_twos)), 1));
        neg_total = _mm256_add_epi64(neg_total, sum_bytes(popcount_bytes(neg_ones)));
    }
    while (i < nv) {
        size_t end = nv - i > 31 ? i + 31 : nv;
        count_t2_short(w, x, i, end, vecs, &nz_total, &neg_total);
        i = end;
    }
    *nonzero = lane(nz_total, 0) + lane(nz_total, 1) + lane(nz_total, 2) + lane(nz_total, 3);
    *negative = lane(neg_total, 0) + lane(neg_total, 1) + lane(neg_total, 2) + lane(neg_total, 3);
}

/* ---- dot ---- */

INLINE int32_t dot_b1b1(const uint64_t *w, const uint64_t *x, size_t k)
{
    size_t words = bitern_b1_words(k), nv = words / 4;
    __m256i c = count_lanes(w, x, nv, vec_b1b1);
    uint64_t mismatches = lane(c, 0) + lane(c, 1) + lane(c, 2) + lane(c, 3);
    for (size_t i = 4 * nv; i < words; i++)
        mismatches += popcnt64(w[i] ^ x[i]);
    return (int32_t)k - 2 * (int32_t)mismatches;
}

/* T2 x T2: vector i covers blocks 2i and 2i+1; lanes 0 and 2 count non-zero products, 1 and 3 negative ones. */
INLINE int32_t dot_t2t2(const uint64_t *w, const uint64_t *x, size_t k)
{
    size_t blocks = bitern_b1_words(k), nv = blocks / 2;
    __m256i c = count_lanes(w, x, nv, vec_t2t2);
    uint64_t nonzero = lane(c, 0) + lane(c, 2), negative = lane(c, 1) + lane(c, 3);
    if (blocks & 1)
        t2t2_block(w, x, blocks - 1, &nonzero, &negative);
    return (int32_t)nonzero - 2 * (int32_t)negative;
}

INLINE int32_t dot_t2b1(const uint64_t *w, const uint64_t *x, size_t k)
{
    size_t blocks = bitern_b1_words(k), nv = blocks / 4;
    uint64_t nonzero, negative;
    count_t2(w, x, nv, t2b1_vecs, &nonzero, &negative);
    for (size_t b = 4 * nv; b < blocks; b++)
        t2b1_block(w, x, b, &nonzero, &negative);
    return (int32_t)nonzero - 2 * (int32_t)negative;
}

int32_t bitern_dot_b1b1_avx2(const uint64_t *w, const uint64_t *x, size_t k) { return dot_b1b1(w, x, k); }
int32_t bitern_dot_t2t2_avx2(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2t2(w, x, k); }
int32_t bitern_dot_t2b1_avx2(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2b1(w, x, k); }

/* The three ops as a constant that the always-inline gemv and gemm below fold away. */
typedef enum { BITS_B1B1, BITS_T2T2, BITS_T2B1 } bits_kind;

INLINE int32_t dot_kind(bits_kind kind, const uint64_t *w, const uint64_t *x, size_t k)
{
    return kind == BITS_B1B1 ? dot_b1b1(w, x, k) : kind == BITS_T2T2 ? dot_t2t2(w, x, k) : dot_t2b1(w, x, k);
}

/* ---- gemv: one row after the other, the next row prefetched while this one is counted ---- */

/* Asks for the first KB of the next row while this one is counted. Rows are contiguous, so the hardware prefetcher
 * already follows the stream; this only runs it further ahead: +5% on a 32768 x 4096 b1b1 gemv (16 MB, beyond L2),
 * no change where counting, not memory, is the limit (t2t2). */
INLINE void prefetch_row(const uint64_t *row, size_t words)
{
    size_t bytes = words * sizeof(uint64_t), ahead = bytes < 1024 ? bytes : 1024;
    for (size_t off = 0; off < ahead; off += 64)
        _mm_prefetch((const char *)row + off, _MM_HINT_T0);
}

INLINE void gemv_rows(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t stride = kind == BITS_B1B1 ? bitern_b1_words(k) : bitern_t2_words(k);
    for (size_t r = 0; r < m; r++) {
        if (r + 1 < m)
            prefetch_row(w + (r + 1) * stride, stride);
        y[r] = dot_kind(kind, w + r * stride, x, k);
    }
}

void bitern_gemv_b1b1_avx2(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_rows(BITS_B1B1, w, x, y, m, k);
}

void bitern_gemv_t2t2_avx2(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_rows(BITS_T2T2, w, x, y, m, k);
}

void bitern_gemv_t2b1_avx2(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_rows(BITS_T2B1, w, x, y, m, k);
}

/* ---- gemm: tiles of 2 W rows x 4 X rows ---- */

/* The tile, spelled out so that every accumulator is a register at -O2 (gcc does not unroll loops over small
 * arrays of vectors there, and would keep them in memory). */
#define TILE_W(M) M(0) M(1)
#define TILE_X(M) M(0) M(1) M(2) M(3)
#define TILE(M) M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)
#define TW 2
#define TX 4

/* Per format: what is loaded from each W row and X row for vector i, and how a pair of them becomes the vector
 * to count. B1 x B1 counts w ^ x (256 elements). T2 x T2 precomputes the word-swapped copies (vpshufd) once per
 * row rather than once per pair: (w & x) gives the non-zero lanes, (w_swapped & x_swapped) & (w ^ x) the negative
 * lanes. T2 x B1 expands x to (x0, x0, x1, x1) once per X row and counts w & x, whose lanes are (mw & x, sw & x):
 * with sum(w) = pop(mw) - 2 pop(sw), computed once per W row, dot = sum(w) - 2 pop(mw & x) + 4 pop(sw & x). */
typedef struct side {
    __m256i v, swapped;
} side;

INLINE side side_b1(const uint64_t *p, size_t i) { return (side){ load256(p + 4 * i), _mm256_setzero_si256() }; }
INLINE side side_t2(const uint64_t *p, size_t i)
{
    __m256i v = load256(p + 4 * i);
    return (side){ v, _mm256_shuffle_epi32(v, 0x4e) };
}
INLINE side side_b1_spread(const uint64_t *p, size_t i)
{
    __m128i two = _mm_loadu_si128((const __m128i *)(p + 2 * i));
    return (side){ _mm256_permute4x64_epi64(_mm256_castsi128_si256(two), 0x50), _mm256_setzero_si256() };
}

INLINE __m256i pair_b1b1(side w, side x) { return _mm256_xor_si256(w.v, x.v); }
INLINE __m256i pair_t2t2(side w, side x)
{
    __m256i negative = _mm256_and_si256(_mm256_and_si256(w.swapped, x.swapped), _mm256_xor_si256(w.v, x.v));
    return _mm256_blend_epi32(_mm256_and_si256(w.v, x.v), negative, 0xcc);
}
INLINE __m256i pair_t2b1(side w, side x) { return _mm256_and_si256(w.v, x.v); }

typedef side side_fn(const uint64_t *p, size_t i);
typedef __m256i pair_fn(side w, side x);

/* The statements of count_tile, for one W row (a), one X row (b) or one pair (a, b) of the tile. */
#define ZERO_TOTAL(a, b) total[a][b] = _mm256_setzero_si256();
#define ZERO_ACC(a, b) acc[a][b] = _mm256_setzero_si256();
#define LOAD_W(a) ws[a] = wside(w + (a) * wstride, i);
#define LOAD_X(b) xs[b] = xside(x + (b) * xstride, i);
#define COUNT(a, b) acc[a][b] = _mm256_add_epi8(acc[a][b], popcount_bytes(pair(ws[a], xs[b])));
#define FOLD(a, b) total[a][b] = _mm256_add_epi64(total[a][b], sum_bytes(acc[a][b]));
#define STORE(a, b) out[(a) * TX + (b)] = total[a][b];

/* Lane counts of the TW x TX pairs over vectors 0..nv-1, into out[a * TX + b]. */
INLINE void count_tile(const uint64_t *w, size_t wstride, const uint64_t *x, size_t xstride, size_t nv,
                       side_fn *wside, side_fn *xside, pair_fn *pair, __m256i *out)
{
    __m256i total[TW][TX], acc[TW][TX];
    side ws[TW], xs[TX];
    TILE(ZERO_TOTAL)
    for (size_t i = 0; i < nv;) {
        /* Byte counts: at most 8 per vector, so 31 vectors before they must be folded. */
        size_t end = nv - i > 31 ? i + 31 : nv;
        TILE(ZERO_ACC)
        for (; i < end; i++) {
            TILE_W(LOAD_W)
            TILE_X(LOAD_X)
            TILE(COUNT)
        }
        TILE(FOLD)
    }
    TILE(STORE)
}

/* sum(w) of a T2 row: pop(mask) - 2 pop(sign). */
static int32_t t2_row_sum(const uint64_t *w, size_t blocks)
{
    uint64_t nonzero = 0, negative = 0;
    for (size_t b = 0; b < blocks; b++) {
        nonzero += popcnt64(w[2 * b]);
        negative += popcnt64(w[2 * b + 1]);
    }
    return (int32_t)nonzero - 2 * (int32_t)negative;
}

/* The dot of the pair (W row wr, X row xr) from its lane counts t over the first nv vectors, plus the words after
 * them; row_sum is sum(w) of the W row (t2b1 only). */
INLINE int32_t pair_dot(bits_kind kind, __m256i t, const uint64_t *wr, const uint64_t *xr, size_t k, size_t nv,
                        int32_t row_sum)
{
    size_t blocks = bitern_b1_words(k);
    if (kind == BITS_B1B1) {
        uint64_t mism = lane(t, 0) + lane(t, 1) + lane(t, 2) + lane(t, 3);
        for (size_t i = 4 * nv; i < blocks; i++)
            mism += popcnt64(wr[i] ^ xr[i]);
        return (int32_t)k - 2 * (int32_t)mism;
    }
    if (kind == BITS_T2T2) {
        uint64_t nonzero = lane(t, 0) + lane(t, 2), negative = lane(t, 1) + lane(t, 3);
        if (blocks & 1)
            t2t2_block(wr, xr, blocks - 1, &nonzero, &negative);
        return (int32_t)nonzero - 2 * (int32_t)negative;
    }
    /* |2 * mask_x| and |4 * sign_x| stay below 2^27 for k <= 2^24. */
    uint64_t mask_x = lane(t, 0) + lane(t, 2), sign_x = lane(t, 1) + lane(t, 3);
    if (blocks & 1) {
        const uint64_t *wb = wr + 2 * (blocks - 1);
        uint64_t xb = xr[blocks - 1];
        mask_x += popcnt64(wb[0] & xb);
        sign_x += popcnt64(wb[1] & xb);
    }
    return row_sum - 2 * (int32_t)mask_x + 4 * (int32_t)sign_x;
}

/* The three gemms: TW x TX tiles, the rows and columns left over by dots. wside, xside and pair are the format's
 * (above); W rows are words long, X rows xwords, and a tile counts nv vectors of each. */
INLINE void gemm_tiles(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k,
                       side_fn *wside, side_fn *xside, pair_fn *pair)
{
    size_t blocks = bitern_b1_words(k), words = kind == BITS_B1B1 ? blocks : bitern_t2_words(k);
    size_t xwords = kind == BITS_T2B1 ? blocks : words, nv = kind == BITS_B1B1 ? words / 4 : blocks / 2;
    size_t r = 0;
    for (; r + TW <= m; r += TW) {
        const uint64_t *wr = w + r * words;
        int32_t row_sum[TW] = { 0 };
        if (kind == BITS_T2B1)
            for (size_t a = 0; a < TW; a++)
                row_sum[a] = t2_row_sum(wr + a * words, blocks);
        size_t j = 0;
        for (; j + TX <= n; j += TX) {
            const uint64_t *xj = x + j * xwords;
            __m256i counts[TW * TX];
            count_tile(wr, words, xj, xwords, nv, wside, xside, pair, counts);
            for (size_t a = 0; a < TW; a++)
                for (size_t b = 0; b < TX; b++)
                    c[(r + a) * n + j + b] =
                        pair_dot(kind, counts[a * TX + b], wr + a * words, xj + b * xwords, k, nv, row_sum[a]);
        }
        for (; j < n; j++)
            for (size_t a = 0; a < TW; a++)
                c[(r + a) * n + j] = dot_kind(kind, wr + a * words, x + j * xwords, k);
    }
    for (; r < m; r++)
        for (size_t j = 0; j < n; j++)
            c[r * n + j] = dot_kind(kind, w + r * words, x + j * xwords, k);
}

void bitern_gemm_b1b1_avx2(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_tiles(BITS_B1B1, w, x, c, m, n, k, side_b1, side_b1, pair_b1b1);
}

void bitern_gemm_t2t2_avx2(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_tiles(BITS_T2T2, w, x, c, m, n, k, side_t2, side_t2, pair_t2t2);
}

void bitern_gemm_t2b1_avx2(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_tiles(BITS_T2B1, w, x, c, m, n, k, side_t2, side_b1_spread, pair_t2b1);
}
