/* SPDX-License-Identifier: MIT */
/*
 * Plain AVX-512 kernels (Skylake-X: F, CD, BW, DQ, VL) of the all-bits ops: b1b1, t2t2, t2b1 (dot, gemv, gemm).
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
 * The layout of units (512 elements: 8 words of B1, 16 of T2), the split of T2 units into mask and sign vectors,
 * the formulas and the GEMM blocking are those of bits_avx512icl.c; the GEMM tiles use the emulated popcount on
 * each pair (a tree per pair would need more registers than there are).
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

#define PREFETCH_BYTES    4096        /* gemv prefetch distance, ahead in the current row or the next ones */
#define GEMM_L2_BYTES     (512 << 10) /* X rows of one gemm block: about a quarter of L2 */
#define GEMM_KBLOCK_UNITS 64          /* K block of gemm, in units: 4 W rows x 8 KiB (T2) stay in L1 */

/* vpternlogq truth tables, with a = 0xf0, b = 0xcc, c = 0xaa: a & (b ^ c), a ^ b ^ c, majority(a, b, c). */
#define AND_XOR 0x60
#define XOR3    0x96
#define MAJ     0xe8

INLINE __m512i load(const uint64_t *p) { return _mm512_loadu_si512(p); }
/* The first n lanes (n < 32; n >= 8 gives all 8: the cast keeps the low 8 bits). */
INLINE __mmask8 lanes(size_t n) { return (__mmask8)((1u << n) - 1); }
/* The first n words (all 8 if n >= 8), zeros after them: never reads beyond them. */
INLINE __m512i load_n(const uint64_t *p, size_t n) { return _mm512_maskz_loadu_epi64(lanes(n), p); }
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
INLINE __m512i add(__m512i a, __m512i b) { return _mm512_add_epi64(a, b); }

/* ---- units: the operands of 512 elements ---- */

/* B1: 8 words, or the `words` (< 8) of a partial unit. */
INLINE __m512i b1_unit(const uint64_t *p, size_t words) { return words >= 8 ? load(p) : load_n(p, words); }

/* T2: 16 words split into masks and signs (block order above), or the `words` (< 16) of a partial unit. */
INLINE void t2_unit(const uint64_t *p, size_t words, __m512i *m, __m512i *s)
{
    if (words >= 16) {
        *m = _mm512_mask_loadu_epi64(load(p), 0xaa, p + 7);
        *s = _mm512_mask_loadu_epi64(load(p + 8), 0x55, p + 1);
    } else {
        /* Blends with zero-masked loads, so that absent blocks are zero in both vectors. */
        __m512i lo = load_n(p, words < 8 ? words : 8), hi = load_n(p + 8, words > 8 ? words - 8 : 0);
        *m = _mm512_mask_blend_epi64(0xaa, lo, load_n(p + 7, words > 7 ? words - 7 : 0));
        *s = _mm512_mask_blend_epi64(0x55, hi, load_n(p + 1, words - 1));
    }
}

/* B1 operand of t2b1: 8 words in the block order of t2_unit. */
INLINE __m512i b1_unit_t2order(const uint64_t *p, size_t words)
{
    return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 4, 1, 5, 2, 6, 3, 7), b1_unit(p, words));
}

/* ---- horizontal sums ---- */

/* (a, b) -> per 128-bit chunk (a0 + a1, b0 + b1). */
INLINE __m512i sum_pair(__m512i a, __m512i b) { return add(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b)); }
/* Two vectors of 4 chunks -> 2 + 2 chunks, each the sum of a pair of chunks. */
INLINE __m512i sum_chunks(__m512i a, __m512i b)
{
    return add(_mm512_shuffle_i64x2(a, b, 0x88), _mm512_shuffle_i64x2(a, b, 0xdd));
}
/* The 8 lane sums of v[0..7], in order: a transposing tree of 21 operations instead of 8 separate reductions. */
INLINE __m512i sum8(const __m512i v[8])
{
    __m512i q0 = sum_chunks(sum_pair(v[0], v[1]), sum_pair(v[2], v[3]));
    __m512i q1 = sum_chunks(sum_pair(v[4], v[5]), sum_pair(v[6], v[7]));
    return sum_chunks(q0, q1);
}
/* The 4 lane sums of v[0..3], in order, in the low 4 lanes. */
INLINE __m256i sum4(const __m512i v[4])
{
    __m512i q = sum_chunks(sum_pair(v[0], v[1]), sum_pair(v[2], v[3]));
    return _mm512_castsi512_si256(sum_chunks(q, _mm512_setzero_si512()));
}

#define FOR4(S) S(0) S(1) S(2) S(3)
#define ZERO    _mm512_setzero_si512()

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
 * blocks of 8 units. `xb1` selects a B1 x (t2b1) instead of a T2 x. */
INLINE __m512i t2_count(const uint64_t *w, const uint64_t *x, size_t words, int xb1)
{
    __m512i rest = ZERO;
    size_t i = 0;
    if (words >= 128) {
        hs_state snz = hs_init(), sneg = hs_init();
#define UNIT_SPLIT(j)                                                                                                  \
    __m512i nz##j, neg##j;                                                                                             \
    {                                                                                                                  \
        __m512i mw, sw;                                                                                                \
        t2_unit(w + i + 16 * (j), 16, &mw, &sw);                                                                       \
        if (xb1) {                                                                                                     \
            nz##j = mw;                                                                                                \
            neg##j = _mm512_ternarylogic_epi64(mw, sw, b1_unit_t2order(x + i / 2 + 8 * (j), 8), AND_XOR);              \
        } else {                                                                                                       \
            __m512i mx, sx;                                                                                            \
            t2_unit(x + i + 16 * (j), 16, &mx, &sx);                                                                   \
            nz##j = _mm512_and_si512(mw, mx);                                                                          \
            neg##j = _mm512_ternarylogic_epi64(nz##j, sw, sx, AND_XOR);                                                \
        }                                                                                                              \
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
        __m512i mw, sw, nz, neg;
        t2_unit(w + i, n, &mw, &sw);
        if (xb1) {
            nz = mw;
            neg = _mm512_ternarylogic_epi64(mw, sw, b1_unit_t2order(x + i / 2, n / 2), AND_XOR);
        } else {
            __m512i mx, sx;
            t2_unit(x + i, n, &mx, &sx);
            nz = _mm512_and_si512(mw, mx);
            neg = _mm512_ternarylogic_epi64(nz, sw, sx, AND_XOR);
        }
        rest = add(rest, _mm512_sub_epi64(popcnt(nz), _mm512_slli_epi64(popcnt(neg), 1)));
    }
    return rest;
}

int32_t bitern_dot_b1b1_avx512(const uint64_t *w, const uint64_t *x, size_t k)
{
    int64_t mismatches = _mm512_reduce_add_epi64(b1b1_count(w, x, bitern_b1_words(k)));
    return (int32_t)k - 2 * (int32_t)mismatches;
}

int32_t bitern_dot_t2t2_avx512(const uint64_t *w, const uint64_t *x, size_t k)
{
    return (int32_t)_mm512_reduce_add_epi64(t2_count(w, x, bitern_t2_words(k), 0));
}

int32_t bitern_dot_t2b1_avx512(const uint64_t *w, const uint64_t *x, size_t k)
{
    return (int32_t)_mm512_reduce_add_epi64(t2_count(w, x, bitern_t2_words(k), 1));
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

void bitern_gemv_b1b1_avx512(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_b1_words(k);
    GEMV_ROWS(words, (int32_t)k - 2 * (int32_t)_mm512_reduce_add_epi64(b1b1_count(wr, x, words)))
}

void bitern_gemv_t2t2_avx512(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_t2_words(k);
    GEMV_ROWS(words, (int32_t)_mm512_reduce_add_epi64(t2_count(wr, x, words, 0)))
}

void bitern_gemv_t2b1_avx512(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_t2_words(k);
    GEMV_ROWS(words, (int32_t)_mm512_reduce_add_epi64(t2_count(wr, x, words, 1)))
}

/* ---- gemm: tiles of 4 x 4, blocked for the caches ---- */

/* Row i of a group of `rows` starting at w; the missing rows repeat the last one. */
INLINE const uint64_t *group_row(const uint64_t *w, size_t stride, size_t i, size_t rows)
{
    return w + (i < rows ? i : rows - 1) * stride;
}

/* 16 accumulators a<W row><X row>, and the sums of a tile into out[2]: row r, column j of the tile is lane
 * 4 * (r % 2) + j of out[r / 2]. */
#define TILE_ACCS                                                                                                      \
    __m512i a00 = ZERO, a01 = ZERO, a02 = ZERO, a03 = ZERO, a10 = ZERO, a11 = ZERO, a12 = ZERO, a13 = ZERO;            \
    __m512i a20 = ZERO, a21 = ZERO, a22 = ZERO, a23 = ZERO, a30 = ZERO, a31 = ZERO, a32 = ZERO, a33 = ZERO;
#define TILE_SUMS(out)                                                                                                 \
    {                                                                                                                  \
        const __m512i top[8] = {a00, a01, a02, a03, a10, a11, a12, a13};                                               \
        const __m512i bottom[8] = {a20, a21, a22, a23, a30, a31, a32, a33};                                            \
        out[0] = sum8(top);                                                                                            \
        out[1] = sum8(bottom);                                                                                         \
    }
#define TILE_ROWS                                                                                                      \
    const uint64_t *w0 = wr[0], *w1 = wr[1], *w2 = wr[2], *w3 = wr[3];                                                 \
    const uint64_t *x0 = xr[0], *x1 = xr[1], *x2 = xr[2], *x3 = xr[3];

/* b1b1: the mismatch counts over the words [i, end) (`words` is the row length, for the partial last unit). */
INLINE void tile_b1b1(const uint64_t *const wr[4], const uint64_t *const xr[4], size_t i, size_t end, size_t words,
                      __m512i out[2])
{
    TILE_ROWS
    TILE_ACCS
#define LOADX(j)   __m512i xv##j = b1_unit(x##j + i, n);
#define PAIR(r, j) a##r##j = add(a##r##j, popcnt(_mm512_xor_si512(wv, xv##j)));
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        __m512i wv = b1_unit(w##r + i, n);                                                                             \
        PAIR(r, 0) PAIR(r, 1) PAIR(r, 2) PAIR(r, 3)                                                                    \
    }
    for (; i + 8 <= end; i += 8) {
        const size_t n = 8;
        FOR4(LOADX)
        FOR4(ROW)
    }
    if (i < end) {
        size_t n = words - i;
        FOR4(LOADX)
        FOR4(ROW)
    }
#undef LOADX
#undef PAIR
#undef ROW
    TILE_SUMS(out)
}

/* t2t2: the dots, nz - 2 neg, accumulated in one register per pair. */
INLINE void tile_t2t2(const uint64_t *const wr[4], const uint64_t *const xr[4], size_t i, size_t end, size_t words,
                      __m512i out[2])
{
    TILE_ROWS
    TILE_ACCS
#define LOADX(j)                                                                                                       \
    __m512i mx##j, sx##j;                                                                                              \
    t2_unit(x##j + i, n, &mx##j, &sx##j);
#define PAIR(r, j)                                                                                                     \
    {                                                                                                                  \
        __m512i both = _mm512_and_si512(mw, mx##j);                                                                    \
        __m512i neg = popcnt(_mm512_ternarylogic_epi64(both, sw, sx##j, AND_XOR));                                     \
        a##r##j = _mm512_sub_epi64(_mm512_sub_epi64(add(a##r##j, popcnt(both)), neg), neg);                            \
    }
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        __m512i mw, sw;                                                                                                \
        t2_unit(w##r + i, n, &mw, &sw);                                                                                \
        PAIR(r, 0) PAIR(r, 1) PAIR(r, 2) PAIR(r, 3)                                                                    \
    }
    for (; i + 16 <= end; i += 16) {
        const size_t n = 16;
        FOR4(LOADX)
        FOR4(ROW)
    }
    if (i < end) {
        size_t n = words - i;
        FOR4(LOADX)
        FOR4(ROW)
    }
#undef LOADX
#undef PAIR
#undef ROW
    TILE_SUMS(out)
}

/* t2b1: the -1 products per pair; popcnt(mw), the non-zero count, depends on the W row only. The dots are
 * nz[r] - 2 * neg[r][j]. */
INLINE void tile_t2b1(const uint64_t *const wr[4], const uint64_t *const xr[4], size_t i, size_t end, size_t words,
                      __m512i out[2])
{
    TILE_ROWS
    TILE_ACCS
    __m512i nz0 = ZERO, nz1 = ZERO, nz2 = ZERO, nz3 = ZERO;
    /* i, end and words count W (T2) words; X (B1) has half as many. */
#define LOADX(j)   __m512i xv##j = b1_unit_t2order(x##j + i / 2, n / 2);
#define PAIR(r, j) a##r##j = add(a##r##j, popcnt(_mm512_ternarylogic_epi64(mw, sw, xv##j, AND_XOR)));
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        __m512i mw, sw;                                                                                                \
        t2_unit(w##r + i, n, &mw, &sw);                                                                                \
        nz##r = add(nz##r, popcnt(mw));                                                                                \
        PAIR(r, 0) PAIR(r, 1) PAIR(r, 2) PAIR(r, 3)                                                                    \
    }
    for (; i + 16 <= end; i += 16) {
        const size_t n = 16;
        FOR4(LOADX)
        FOR4(ROW)
    }
    if (i < end) {
        size_t n = words - i;
        FOR4(LOADX)
        FOR4(ROW)
    }
#undef LOADX
#undef PAIR
#undef ROW
    TILE_SUMS(out)
    /* The non-zero counts of rows (0, 1) and (2, 3), each over its 4 lanes. */
    const __m512i nzs[8] = {nz0, nz0, nz0, nz0, nz1, nz1, nz1, nz1};
    const __m512i nzs2[8] = {nz2, nz2, nz2, nz2, nz3, nz3, nz3, nz3};
    out[0] = _mm512_sub_epi64(sum8(nzs), _mm512_slli_epi64(out[0], 1));
    out[1] = _mm512_sub_epi64(sum8(nzs2), _mm512_slli_epi64(out[1], 1));
}

typedef enum { GEMM_B1B1, GEMM_T2T2, GEMM_T2B1 } gemm_kind;

/* The blocked loop nest common to the three gemms: K in blocks of GEMM_KBLOCK_UNITS units (whose 4 W rows stay in
 * L1), X rows in blocks that fit in about a quarter of L2, and over these, 4 x 4 tiles. W rows are `wwords` long,
 * X rows `xwords`; the tiles index both by W word offsets. Partial sums of later K blocks are added to C. */
INLINE void gemm_blocked(gemm_kind kind, const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k,
                         size_t wwords, size_t xwords, size_t unit_words)
{
    if (m == 0 || n == 0)
        return;
    size_t kblock = GEMM_KBLOCK_UNITS * unit_words;
    size_t xrow_bytes = 8 * (kblock < wwords ? kblock : wwords) * xwords / (wwords ? wwords : 1);
    size_t nblock = GEMM_L2_BYTES / (xrow_bytes ? xrow_bytes : 1);
    nblock = nblock < 4 ? 4 : nblock / 4 * 4;
    size_t wb = 0;
    do {
        size_t we = wb + kblock < wwords ? wb + kblock : wwords;
        /* Elements of this block, for b1b1 (its W words are elements / 64). */
        int64_t elems = (int64_t)((we == wwords ? k : we * 64) - wb * 64);
        for (size_t jb = 0; jb < n; jb += nblock) {
            size_t je = jb + nblock < n ? jb + nblock : n;
            for (size_t r = 0; r < m; r += 4) {
                size_t rows = m - r < 4 ? m - r : 4;
                const uint64_t *wr[4];
                for (size_t i = 0; i < 4; i++)
                    wr[i] = group_row(w + r * wwords, wwords, i, rows);
                for (size_t j = jb; j < je; j += 4) {
                    size_t cols = je - j < 4 ? je - j : 4;
                    const uint64_t *xr[4];
                    for (size_t i = 0; i < 4; i++)
                        xr[i] = group_row(x + j * xwords, xwords, i, cols);
                    __m512i out[2];
                    if (kind == GEMM_B1B1) {
                        tile_b1b1(wr, xr, wb, we, wwords, out);
                        for (int h = 0; h < 2; h++)
                            out[h] = _mm512_sub_epi64(_mm512_set1_epi64(elems), _mm512_slli_epi64(out[h], 1));
                    } else if (kind == GEMM_T2T2) {
                        tile_t2t2(wr, xr, wb, we, wwords, out);
                    } else {
                        tile_t2b1(wr, xr, wb, we, wwords, out);
                    }
                    for (size_t i = 0; i < rows; i++) {
                        __m128i v = _mm256_cvtepi64_epi32(i & 1 ? _mm512_extracti64x4_epi64(out[i / 2], 1)
                                                                : _mm512_castsi512_si256(out[i / 2]));
                        int32_t *dst = c + (r + i) * n + j;
                        if (wb)
                            v = _mm_add_epi32(v, _mm_maskz_loadu_epi32(lanes(cols), dst));
                        _mm_mask_storeu_epi32(dst, lanes(cols), v);
                    }
                }
            }
        }
        wb = we;
    } while (wb < wwords);
}

void bitern_gemm_b1b1_avx512(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    size_t words = bitern_b1_words(k);
    gemm_blocked(GEMM_B1B1, w, x, c, m, n, k, words, words, 8);
}

void bitern_gemm_t2t2_avx512(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    size_t words = bitern_t2_words(k);
    gemm_blocked(GEMM_T2T2, w, x, c, m, n, k, words, words, 16);
}

void bitern_gemm_t2b1_avx512(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_blocked(GEMM_T2B1, w, x, c, m, n, k, bitern_t2_words(k), bitern_b1_words(k), 16);
}
