/* SPDX-License-Identifier: MIT */
/*
 * Plain AVX-512 kernels (Skylake-X: F, CD, BW, DQ, VL) of the all-bits ops: b1b1, t2t2, t2b1 (dot, gemv, gemm). The
 * units, the T2 formulas and the GEMM are the template's (bits_avx512_impl.h), shared with bits_avx512icl.c; this
 * tier's popcount is emulated.
 *
 * Without VPOPCNTDQ a popcount is Mula's nibble lookup: vpshufb finds the popcount of each nibble in a 16-entry
 * table, the two nibbles of a byte are added, and vpsadbw against zero sums the 8 bytes of each 64-bit lane: 7
 * operations, two of them shuffles (port 5 only on Skylake-X). So the long loops (dot, and gemv, which runs the
 * dot loop on each row) avoid most of them with Harley-Seal: a carry-save adder (two vpternlogq: majority for the
 * carry, 3-way XOR for the sum) turns three vectors of weight w into one of weight w and one of weight 2w, and a
 * tree of them reduces 16 (b1b1) or 8 (t2, two streams) vectors to one that is popcounted, of weight 16 or 8; the
 * partial weights (ones, twos, ...) carry over from block to block and are counted once at the end. All of this
 * is bitwise or within a 64-bit lane, so lanes stay apart, as the T2 formulas need.
 *
 * The GEMM tiles use the emulated popcount on each pair (a tree per pair would need more registers than there are).
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

#define PREFETCH_BYTES 4096 /* gemv prefetch distance, ahead in the current row or the next ones */

/* vpternlogq truth tables, with a = 0xf0, b = 0xcc, c = 0xaa: a ^ b ^ c, majority(a, b, c) (a & (b ^ c), AND_XOR,
 * is the template's). */
#define XOR3 0x96
#define MAJ  0xe8

/* Per 64-bit lane popcount: nibble lookup (vpshufb), then the byte sum of each lane (vpsadbw against zero). */
INLINE __m512i popcnt(__m512i v)
{
    const __m512i table = _mm512_set4_epi32(0x04030302, 0x03020201, 0x03020201, 0x02010100);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    __m512i lo = _mm512_shuffle_epi8(table, _mm512_and_si512(v, low4));
    /* vpsrlw shifts 16-bit lanes: the mask removes the bits that come in from the neighbouring byte. */
    __m512i hi = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(v, 4), low4));
    return _mm512_sad_epu8(_mm512_add_epi8(lo, hi), _mm512_setzero_si512());
}
#define NAME(op) bitern_##op##_avx512

#include "bits_avx512_impl.h"

/* ---- Harley-Seal ---- */

/* Carry-save adder: (h, l) = (majority, sum) of a, b, c, so that a + b + c = 2h + l bit by bit. */
#define CSA(h, l, a, b, c)                                                                                             \
    {                                                                                                                  \
        __m512i a_ = (a), b_ = (b), c_ = (c);                                                                          \
        h = _mm512_ternarylogic_epi64(a_, b_, c_, MAJ);                                                                \
        l = _mm512_ternarylogic_epi64(a_, b_, c_, XOR3);                                                               \
    }

/* The partial sums of a Harley-Seal count: counts (per 64-bit lane) of weight 16 (or 8), and the bit vectors of
 * weight 1, 2, 4 (and 8) carried over between blocks. */
typedef struct {
    __m512i total, ones, twos, fours, eights;
} hs_state;

INLINE hs_state hs_init(void) { return (hs_state){ZERO, ZERO, ZERO, ZERO, ZERO}; }

/* Adds the 16 vectors IN(0) .. IN(15) to s: 15 carry-save adders and one popcount. */
#define HS16(s, IN)                                                                                                    \
    {                                                                                                                  \
        __m512i twos_a, twos_b, fours_a, fours_b, eights_a, eights_b, sixteens;                                        \
        CSA(twos_a, s.ones, s.ones, IN(0), IN(1))                                                                      \
        CSA(twos_b, s.ones, s.ones, IN(2), IN(3))                                                                      \
        CSA(fours_a, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(twos_a, s.ones, s.ones, IN(4), IN(5))                                                                      \
        CSA(twos_b, s.ones, s.ones, IN(6), IN(7))                                                                      \
        CSA(fours_b, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(eights_a, s.fours, s.fours, fours_a, fours_b)                                                              \
        CSA(twos_a, s.ones, s.ones, IN(8), IN(9))                                                                      \
        CSA(twos_b, s.ones, s.ones, IN(10), IN(11))                                                                    \
        CSA(fours_a, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(twos_a, s.ones, s.ones, IN(12), IN(13))                                                                    \
        CSA(twos_b, s.ones, s.ones, IN(14), IN(15))                                                                    \
        CSA(fours_b, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(eights_b, s.fours, s.fours, fours_a, fours_b)                                                              \
        CSA(sixteens, s.eights, s.eights, eights_a, eights_b)                                                          \
        s.total = add(s.total, popcnt(sixteens));                                                                      \
    }
/* Adds the 8 vectors IN(0) .. IN(7): 7 adders and one popcount (s.eights unused). */
#define HS8(s, IN)                                                                                                     \
    {                                                                                                                  \
        __m512i twos_a, twos_b, fours_a, fours_b, eights;                                                              \
        CSA(twos_a, s.ones, s.ones, IN(0), IN(1))                                                                      \
        CSA(twos_b, s.ones, s.ones, IN(2), IN(3))                                                                      \
        CSA(fours_a, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(twos_a, s.ones, s.ones, IN(4), IN(5))                                                                      \
        CSA(twos_b, s.ones, s.ones, IN(6), IN(7))                                                                      \
        CSA(fours_b, s.twos, s.twos, twos_a, twos_b)                                                                   \
        CSA(eights, s.fours, s.fours, fours_a, fours_b)                                                                \
        s.total = add(s.total, popcnt(eights));                                                                        \
    }

/* The count per 64-bit lane held by s, `top` being the weight of s.total (16 or 8). */
INLINE __m512i hs_lanes(hs_state s, int top)
{
    __m512i c = _mm512_slli_epi64(s.total, top == 16 ? 4 : 3);
    if (top == 16)
        c = add(c, _mm512_slli_epi64(popcnt(s.eights), 3));
    c = add(c, _mm512_slli_epi64(popcnt(s.fours), 2));
    c = add(c, _mm512_slli_epi64(popcnt(s.twos), 1));
    return add(c, popcnt(s.ones));
}

/* ---- dot ---- */

/* The mismatch count of B1 rows w and x, per 64-bit lane: Harley-Seal over blocks of 16 vectors (8192 elements),
 * the emulated popcount for the rest. */
INLINE __m512i b1b1_count(const uint64_t *w, const uint64_t *x, size_t words)
{
    __m512i rest = ZERO;
    size_t i = 0;
    if (words >= 128) {
        hs_state s = hs_init();
#define IN(j) _mm512_xor_si512(load(w + i + 8 * (j)), load(x + i + 8 * (j)))
        for (; i + 128 <= words; i += 128)
            HS16(s, IN)
#undef IN
        rest = hs_lanes(s, 16);
    }
    for (; i < words; i += 8)
        rest = add(rest, popcnt(_mm512_xor_si512(b1_unit(w + i, words - i), b1_unit(x + i, words - i))));
    return rest;
}

/* T2 rows: (nonzero count) - 2 (negative count) per 64-bit lane, with a Harley-Seal stream for each count over
 * blocks of 8 units. X is T2 (t2t2) or B1 (t2b1). */
INLINE __m512i t2_count(bits_kind kind, const uint64_t *w, const uint64_t *x, size_t words)
{
    __m512i rest = ZERO;
    size_t i = 0;
    if (words >= 128) {
        hs_state snz = hs_init(), sneg = hs_init();
#define UNIT_SPLIT(j)                                                                                                  \
    __m512i nz##j, neg##j;                                                                                             \
    {                                                                                                                  \
        __m512i mw, sw, mx, sx;                                                                                        \
        t2_unit(w + i + 16 * (j), 16, &mw, &sw);                                                                       \
        x_unit(kind, x + x_words(kind, 16 * (j)), i, 16, &mx, &sx);                                                    \
        nz##j = t2_nz(kind, mw, mx);                                                                                   \
        neg##j = t2_neg(kind, nz##j, sw, mx, sx);                                                                      \
    }
#define NZ(j)  nz##j
#define NEG(j) neg##j
        for (; i + 128 <= words; i += 128) {
            FOR4(UNIT_SPLIT) UNIT_SPLIT(4) UNIT_SPLIT(5) UNIT_SPLIT(6) UNIT_SPLIT(7) HS8(snz, NZ) HS8(sneg, NEG)
        }
#undef UNIT_SPLIT
#undef NZ
#undef NEG
        /* Every lane count is <= 2^24: the 64-bit lanes hold nz - 2 neg exactly. */
        rest = _mm512_sub_epi64(hs_lanes(snz, 8), _mm512_slli_epi64(hs_lanes(sneg, 8), 1));
    }
    for (; i < words; i += 16) {
        size_t n = words - i;
        __m512i mw, sw, mx, sx;
        t2_unit(w + i, n, &mw, &sw);
        x_unit(kind, x, i, n, &mx, &sx);
        __m512i nz = t2_nz(kind, mw, mx), neg = t2_neg(kind, nz, sw, mx, sx);
        rest = add(rest, _mm512_sub_epi64(popcnt(nz), _mm512_slli_epi64(popcnt(neg), 1)));
    }
    return rest;
}

int32_t NAME(dot_b1b1)(const uint64_t *w, const uint64_t *x, size_t k)
{
    int64_t mismatches = _mm512_reduce_add_epi64(b1b1_count(w, x, bitern_b1_words(k)));
    return (int32_t)k - 2 * (int32_t)mismatches;
}

int32_t NAME(dot_t2t2)(const uint64_t *w, const uint64_t *x, size_t k)
{
    return (int32_t)_mm512_reduce_add_epi64(t2_count(BITS_T2T2, w, x, bitern_t2_words(k)));
}

int32_t NAME(dot_t2b1)(const uint64_t *w, const uint64_t *x, size_t k)
{
    return (int32_t)_mm512_reduce_add_epi64(t2_count(BITS_T2B1, w, x, bitern_t2_words(k)));
}

/* ---- gemv: the dot loop on each row, the next rows prefetched ---- */

/* Prefetches the bytes [from, from + bytes) in cache lines: the start of the next row while this one is counted. */
INLINE void prefetch_lines(const uint64_t *from, size_t bytes)
{
    for (size_t b = 0; b < bytes; b += 64)
        _mm_prefetch((const char *)from + b, _MM_HINT_T0);
}

/* Before each row, the bytes PREFETCH_BYTES ahead of its start, as many as the row has (at most PREFETCH_BYTES):
 * over all rows that covers W at a fixed distance; in a longer row the hardware prefetcher takes over. */
#define GEMV_ROWS(stride, count_row)                                                                                   \
    for (size_t r = 0; r < m; r++) {                                                                                   \
        const uint64_t *wr = w + r * (stride);                                                                         \
        prefetch_lines(wr + PREFETCH_BYTES / 8, 8 * (stride) < PREFETCH_BYTES ? 8 * (stride) : PREFETCH_BYTES);        \
        y[r] = count_row;                                                                                              \
    }

void NAME(gemv_b1b1)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_b1_words(k);
    GEMV_ROWS(words, (int32_t)k - 2 * (int32_t)_mm512_reduce_add_epi64(b1b1_count(wr, x, words)))
}

void NAME(gemv_t2t2)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_t2_words(k);
    GEMV_ROWS(words, (int32_t)_mm512_reduce_add_epi64(t2_count(BITS_T2T2, wr, x, words)))
}

void NAME(gemv_t2b1)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_t2_words(k);
    GEMV_ROWS(words, (int32_t)_mm512_reduce_add_epi64(t2_count(BITS_T2B1, wr, x, words)))
}
