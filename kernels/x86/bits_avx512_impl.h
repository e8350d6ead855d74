/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512 template of the all-bits ops (b1b1, t2t2, t2b1): what the plain AVX-512 tier (bits_avx512.c) and the
 * VPOPCNTDQ tier (bits_avx512icl.c) share, the units, the horizontal sums and the whole GEMM. Each tier is its own
 * static library built with exactly its flags, so this file is included, not linked. The includer defines first:
 *     INLINE       static inline, always inlined
 *     popcnt(v)    the per 64-bit lane popcount, the one primitive the tiers do not share (an INLINE function)
 *     NAME(op)     the exported name of op: NAME(gemm_b1b1) is bitern_gemm_b1b1_<tier>
 * and after it its own dot and gemv, whose loops differ with the cost of its popcount (see each tier).
 *
 * All loops work in units of 512 elements: 8 words of B1, 16 words of T2. The last, partial unit is read with
 * zero-masked loads (vmovdqu64 with {z}), which neither fault nor read past the last word, and whose zero lanes
 * count nothing (zero padding matches zero padding, and a zero T2 mask is a zero element).
 *
 * T2 units: a T2 block is (mask word, sign word), so a 512-bit load holds 4 blocks interleaved. The two halves of a
 * unit are split into a mask vector and a sign vector with merge-masked loads at word offsets 7 and 1 (a blend
 * with a load, which runs on port 0 or 5, where a vpermt2q would add to the port-5 pressure):
 *     m = lanes (m0, m4, m1, m5, m2, m6, m3, m7)    from p[0..7] (even lanes) and p[7..14] (odd lanes)
 *     s = lanes (s0, s4, s1, s5, s2, s6, s3, s7)    from p[1..8] (even lanes) and p[8..15] (odd lanes)
 * Both stay within the unit's 16 words. The B1 operand of t2b1 is put in the same block order with one vpermq.
 * Then, per 512 elements:
 *     t2t2: nz = mw & mx, neg = nz & (sw ^ sx) (one vpternlogq), dot = popcnt(nz) - 2 popcnt(neg)
 *     t2b1: nz = mw,      neg = mw & (sw ^ x),                    dot = popcnt(nz) - 2 popcnt(neg)
 * (a sign is only set under its mask, so these are the -1 products; see ref.c).
 *
 * GEMM computes tiles of 4 W rows x 4 X rows (every loaded unit used 4 times, 16 accumulators), with a row of X
 * blocks sized for the L2 cache and K split in blocks whose 4 W rows stay in L1; partial tiles at the edges repeat
 * their last row and store only what is real. The plain tier uses its emulated popcount on each pair of a tile (a
 * Harley-Seal tree per pair would need more registers than there are).
 *
 * The groups of 4 rows and the 4 x 4 tiles are written out with macros (FOR4): GCC -O2 keeps an array of vectors
 * indexed by a loop counter in memory, which would put a store and a load in every step. The three ops share one
 * tile body, specialized by a bits_kind that is a constant wherever the always-inline functions are expanded.
 */
#include <immintrin.h>

#include "internal.h"

#define GEMM_L2_BYTES     (512 << 10) /* X rows of one gemm block: about a quarter of L2 */
#define GEMM_KBLOCK_UNITS 64          /* K block of gemm, in units: 4 W rows x 8 KiB (T2) stay in L1 */

/* vpternlogq truth table for a & (b ^ c), with a = 0xf0, b = 0xcc, c = 0xaa. */
#define AND_XOR 0x60

INLINE __m512i load(const uint64_t *p) { return _mm512_loadu_si512(p); }
/* The first n lanes (n < 32; n >= 8 gives all 8: the cast keeps the low 8 bits). */
INLINE __mmask8 lanes(size_t n) { return (__mmask8)((1u << n) - 1); }
/* The first n words (all 8 if n >= 8), zeros after them: never reads beyond them. */
INLINE __m512i load_n(const uint64_t *p, size_t n) { return _mm512_maskz_loadu_epi64(lanes(n), p); }
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

/* ---- the three ops, as a constant that the always-inline functions below fold away ---- */

typedef enum { BITS_B1B1, BITS_T2T2, BITS_T2B1 } bits_kind;

/* One unit of an X row, i and n in W words: for t2b1 the B1 X has half as many, in the block order of t2_unit. */
INLINE void x_unit(bits_kind kind, const uint64_t *x, size_t i, size_t n, __m512i *m, __m512i *s)
{
    if (kind == BITS_T2T2) {
        t2_unit(x + i, n, m, s);
    } else {
        *m = kind == BITS_B1B1 ? b1_unit(x + i, n) : b1_unit_t2order(x + i / 2, n / 2);
        *s = ZERO;
    }
}

/* The X words that go with w_words W words: t2b1's B1 X has half as many (an offset of whole units, which GCC
 * does not see in (i + 16 j) / 2). */
INLINE size_t x_words(bits_kind kind, size_t w_words) { return kind == BITS_T2B1 ? w_words / 2 : w_words; }

/* The non-zero products (nz) and the -1 products (neg, from nz) of a T2 W unit against an X unit, t2t2 or t2b1
 * (formulas above). Two functions, so that the callers can count nz before vpternlogq overwrites it. */
INLINE __m512i t2_nz(bits_kind kind, __m512i mw, __m512i mx)
{
    return kind == BITS_T2T2 ? _mm512_and_si512(mw, mx) : mw;
}
INLINE __m512i t2_neg(bits_kind kind, __m512i nz, __m512i sw, __m512i mx, __m512i sx)
{
    return _mm512_ternarylogic_epi64(nz, sw, kind == BITS_T2T2 ? sx : mx, AND_XOR);
}

/* ---- gemm: tiles of 4 x 4, blocked for the caches ---- */

/* Row i of a group of `rows` (1..4) starting at w; the missing rows repeat the last one. */
INLINE const uint64_t *group_row(const uint64_t *w, size_t stride, size_t i, size_t rows)
{
    return w + (i < rows ? i : rows - 1) * stride;
}

/* One unit of a W row at word i (n words of it, for the partial last unit): B1 in m (s is zero), T2 split. */
INLINE void w_unit(bits_kind kind, const uint64_t *w, size_t i, size_t n, __m512i *m, __m512i *s)
{
    if (kind == BITS_B1B1) {
        *m = b1_unit(w + i, n);
        *s = ZERO;
    } else {
        t2_unit(w + i, n, m, s);
    }
}

/* One unit of a (W row, X row) pair into its accumulator a:
 *     b1b1: the mismatch count;
 *     t2t2: the dot, nz - 2 neg, accumulated in one register per pair;
 *     t2b1: the -1 products; popcnt(mw), the non-zero count, depends on the W row only (see tile). */
INLINE __m512i pair_step(bits_kind kind, __m512i a, __m512i mw, __m512i sw, __m512i mx, __m512i sx)
{
    if (kind == BITS_B1B1)
        return add(a, popcnt(_mm512_xor_si512(mw, mx)));
    __m512i nz = t2_nz(kind, mw, mx);
    __m512i neg = popcnt(t2_neg(kind, nz, sw, mx, sx));
    if (kind == BITS_T2T2)
        return _mm512_sub_epi64(_mm512_sub_epi64(add(a, popcnt(nz)), neg), neg);
    return add(a, neg);
}

/* The 4 x 4 tile of W rows wr[] and X rows xr[] over the W words [i, end) (`words` is the W row length, for the
 * partial last unit), into out[2]: row r, column j of the tile is lane 4 * (r % 2) + j of out[r / 2]. b1b1 leaves
 * mismatch counts there (gemm_blocked makes them dots), t2t2 and t2b1 dots. */
INLINE void tile(bits_kind kind, const uint64_t *const wr[4], const uint64_t *const xr[4], size_t i, size_t end,
                 size_t words, __m512i out[2])
{
    const uint64_t *w0 = wr[0], *w1 = wr[1], *w2 = wr[2], *w3 = wr[3];
    const uint64_t *x0 = xr[0], *x1 = xr[1], *x2 = xr[2], *x3 = xr[3];
    /* 16 accumulators a<W row><X row>; t2b1 also counts the non-zero elements of each W row. */
    __m512i a00 = ZERO, a01 = ZERO, a02 = ZERO, a03 = ZERO, a10 = ZERO, a11 = ZERO, a12 = ZERO, a13 = ZERO;
    __m512i a20 = ZERO, a21 = ZERO, a22 = ZERO, a23 = ZERO, a30 = ZERO, a31 = ZERO, a32 = ZERO, a33 = ZERO;
    __m512i nz0 = ZERO, nz1 = ZERO, nz2 = ZERO, nz3 = ZERO;
    const size_t unit = kind == BITS_B1B1 ? 8 : 16;
#define LOADX(j)                                                                                                       \
    __m512i mx##j, sx##j;                                                                                              \
    x_unit(kind, x##j, i, n, &mx##j, &sx##j);
#define PAIR(r, j) a##r##j = pair_step(kind, a##r##j, mw, sw, mx##j, sx##j);
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        __m512i mw, sw;                                                                                                \
        w_unit(kind, w##r, i, n, &mw, &sw);                                                                            \
        if (kind == BITS_T2B1)                                                                                         \
            nz##r = add(nz##r, popcnt(mw));                                                                            \
        PAIR(r, 0) PAIR(r, 1) PAIR(r, 2) PAIR(r, 3)                                                                    \
    }
    for (; i + unit <= end; i += unit) {
        const size_t n = unit;
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
    const __m512i top[8] = {a00, a01, a02, a03, a10, a11, a12, a13};
    const __m512i bottom[8] = {a20, a21, a22, a23, a30, a31, a32, a33};
    out[0] = sum8(top);
    out[1] = sum8(bottom);
    if (kind == BITS_T2B1) {
        /* The dots are nz[r] - 2 * neg[r][j]: the non-zero counts of rows (0, 1) and (2, 3), each over its 4 lanes. */
        const __m512i nzs[8] = {nz0, nz0, nz0, nz0, nz1, nz1, nz1, nz1};
        const __m512i nzs2[8] = {nz2, nz2, nz2, nz2, nz3, nz3, nz3, nz3};
        out[0] = _mm512_sub_epi64(sum8(nzs), _mm512_slli_epi64(out[0], 1));
        out[1] = _mm512_sub_epi64(sum8(nzs2), _mm512_slli_epi64(out[1], 1));
    }
}

/* The blocked loop nest common to the three gemms: K in blocks of GEMM_KBLOCK_UNITS units (whose 4 W rows stay in
 * L1), X rows in blocks that fit in about a quarter of L2, and over these, 4 x 4 tiles. W rows are `wwords` long,
 * X rows `xwords`; the tiles index both by W word offsets. Partial sums of later K blocks are added to C. */
INLINE void gemm_blocked(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k,
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
                    tile(kind, wr, xr, wb, we, wwords, out);
                    if (kind == BITS_B1B1)
                        for (int h = 0; h < 2; h++)
                            out[h] = _mm512_sub_epi64(_mm512_set1_epi64(elems), _mm512_slli_epi64(out[h], 1));
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

void NAME(gemm_b1b1)(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    size_t words = bitern_b1_words(k);
    gemm_blocked(BITS_B1B1, w, x, c, m, n, k, words, words, 8);
}

void NAME(gemm_t2t2)(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    size_t words = bitern_t2_words(k);
    gemm_blocked(BITS_T2T2, w, x, c, m, n, k, words, words, 16);
}

void NAME(gemm_t2b1)(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_blocked(BITS_T2B1, w, x, c, m, n, k, bitern_t2_words(k), bitern_b1_words(k), 16);
}
