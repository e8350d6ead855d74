/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 VPOPCNTDQ kernels (Ice Lake and later) of the all-bits ops: b1b1, t2t2, t2b1 (dot, gemv, gemm). The
 * units, the T2 formulas and the GEMM are the template's (bits_avx512_impl.h); this tier's popcount is vpopcntq.
 *
 * vpopcntq counts the bits of each 64-bit lane. On this class of core it issues on port 5 only, and every other
 * 512-bit ALU operation on ports 0 and 5, so a b1b1 step (vpxorq with a folded load, vpopcntq, vpaddq into an
 * accumulator) is 3 uops for 2 ports: 1.5 cycles per 512 elements. Harley-Seal does not help here: a carry-save
 * adder costs 2 vpternlogq per vector it removes, exactly what the vpopcntq + vpaddq it saves cost (measured: the
 * same speed). Measured on this Xeon (Sapphire Rapids class): the dot runs at 0.47 ns per 512 elements from L1,
 * against 0.36 ns for the same three instructions on registers; the two 512-bit loads per step cost that much by
 * themselves, whatever their order, folding or unrolling. Scalar popcnt on the side (port 1) only slowed it down.
 *
 * GEMV runs 4 rows at a time, sharing each load of x, and prefetches each row PREFETCH_BYTES ahead, which keeps
 * DRAM streaming when W does not fit in the caches.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

#define PREFETCH_BYTES 4096 /* gemv prefetch distance, ahead in each row (in the next rows if it is short) */

INLINE __m512i popcnt(__m512i v) { return _mm512_popcnt_epi64(v); }
#define NAME(op) bitern_##op##_avx512_vpopcntdq

#include "bits_avx512_impl.h"

/* ---- dot ---- */

int32_t NAME(dot_b1b1)(const uint64_t *w, const uint64_t *x, size_t k)
{
    size_t words = bitern_b1_words(k), i = 0;
    __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
#define STEP(a, o) a = add(a, popcnt(_mm512_xor_si512(load(w + i + (o)), load(x + i + (o)))));
    /* 8 vectors per iteration: 2 dependent additions per accumulator, little loop overhead. */
    for (; i + 64 <= words; i += 64) {
        STEP(a0, 0) STEP(a1, 8) STEP(a2, 16) STEP(a3, 24) STEP(a0, 32) STEP(a1, 40) STEP(a2, 48) STEP(a3, 56)
    }
    for (; i + 8 <= words; i += 8)
        STEP(a2, 0)
#undef STEP
    if (i < words)
        a3 = add(a3, popcnt(_mm512_xor_si512(load_n(w + i, words - i), load_n(x + i, words - i))));
    int64_t mismatches = _mm512_reduce_add_epi64(add(add(a0, a1), add(a2, a3)));
    return (int32_t)k - 2 * (int32_t)mismatches;
}

/* The T2 step of one unit at W word i (n words of it): counts of non-zero products into nz, of -1 products into
 * neg; X is T2 (t2t2) or B1 (t2b1). */
INLINE void t2_step(bits_kind kind, const uint64_t *w, const uint64_t *x, size_t i, size_t n, __m512i *nz, __m512i *neg)
{
    __m512i mw, sw, mx, sx;
    t2_unit(w + i, n, &mw, &sw);
    x_unit(kind, x, i, n, &mx, &sx);
    __m512i p = t2_nz(kind, mw, mx);
    *nz = add(*nz, popcnt(p));
    *neg = add(*neg, popcnt(t2_neg(kind, p, sw, mx, sx)));
}

INLINE int32_t dot_t2(bits_kind kind, const uint64_t *w, const uint64_t *x, size_t k)
{
    size_t words = bitern_t2_words(k), i = 0;
    __m512i nz0 = ZERO, nz1 = ZERO, neg0 = ZERO, neg1 = ZERO;
    for (; i + 32 <= words; i += 32) {
        t2_step(kind, w, x, i, 16, &nz0, &neg0);
        t2_step(kind, w, x, i + 16, 16, &nz1, &neg1);
    }
    for (; i + 16 <= words; i += 16)
        t2_step(kind, w, x, i, 16, &nz0, &neg0);
    if (i < words)
        t2_step(kind, w, x, i, words - i, &nz1, &neg1);
    /* nz - 2 neg lane by lane: every lane is a count <= 2^24. */
    __m512i d = _mm512_sub_epi64(add(nz0, nz1), _mm512_slli_epi64(add(neg0, neg1), 1));
    return (int32_t)_mm512_reduce_add_epi64(d);
}

int32_t NAME(dot_t2t2)(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2(BITS_T2T2, w, x, k); }

int32_t NAME(dot_t2b1)(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2(BITS_T2B1, w, x, k); }

/* ---- gemv: 4 rows at a time, x loaded once per unit ---- */

INLINE void store_group(int32_t *y, __m256i v, size_t rows)
{
    _mm_mask_storeu_epi32(y, lanes(rows), _mm256_cvtepi64_epi32(v));
}

/* Declares w0..w3, the rows of the group at r. */
#define GROUP(w, stride, r, m)                                                                                         \
    size_t rows = (m) - (r) < 4 ? (m) - (r) : 4;                                                                       \
    const uint64_t *w0 = group_row(w + (r) * (stride), stride, 0, rows);                                               \
    const uint64_t *w1 = group_row(w + (r) * (stride), stride, 1, rows);                                               \
    const uint64_t *w2 = group_row(w + (r) * (stride), stride, 2, rows);                                               \
    const uint64_t *w3 = group_row(w + (r) * (stride), stride, 3, rows);

#define PREFETCH(j)  _mm_prefetch((const char *)(w##j + i) + PREFETCH_BYTES, _MM_HINT_T0);
#define PREFETCH2(j) PREFETCH(j) _mm_prefetch((const char *)(w##j + i) + PREFETCH_BYTES + 64, _MM_HINT_T0);

void NAME(gemv_b1b1)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_b1_words(k);
    for (size_t r = 0; r < m; r += 4) {
        GROUP(w, words, r, m)
        __m512i a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
        size_t i = 0;
#define ROW(j) a##j = add(a##j, popcnt(_mm512_xor_si512(b1_unit(w##j + i, n), xv)));
        for (; i + 8 <= words; i += 8) {
            const size_t n = 8;
            __m512i xv = load(x + i);
            FOR4(PREFETCH)
            FOR4(ROW)
        }
        if (i < words) {
            size_t n = words - i;
            __m512i xv = load_n(x + i, n);
            FOR4(ROW)
        }
#undef ROW
        /* k - 2 * mismatches, in 64-bit lanes: k <= 2^24. */
        const __m512i sums[4] = {a0, a1, a2, a3};
        store_group(y + r, _mm256_sub_epi64(_mm256_set1_epi64x((int64_t)k), _mm256_slli_epi64(sum4(sums), 1)), rows);
    }
}

/* t2t2 and t2b1: a count of non-zero and of -1 products per row, x (T2, or B1 in T2 order) split once per unit. */
INLINE void gemv_t2(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    size_t words = bitern_t2_words(k);
    for (size_t r = 0; r < m; r += 4) {
        GROUP(w, words, r, m)
        __m512i nz0 = ZERO, nz1 = ZERO, nz2 = ZERO, nz3 = ZERO, neg0 = ZERO, neg1 = ZERO, neg2 = ZERO, neg3 = ZERO;
        size_t i = 0;
#define ROW(j)                                                                                                         \
    {                                                                                                                  \
        __m512i mw, sw;                                                                                                \
        t2_unit(w##j + i, n, &mw, &sw);                                                                                \
        __m512i p = t2_nz(kind, mw, mx);                                                                               \
        nz##j = add(nz##j, popcnt(p));                                                                                 \
        neg##j = add(neg##j, popcnt(t2_neg(kind, p, sw, mx, sx)));                                                     \
    }
        for (; i + 16 <= words; i += 16) {
            const size_t n = 16;
            __m512i mx, sx;
            x_unit(kind, x, i, n, &mx, &sx);
            FOR4(PREFETCH2)
            FOR4(ROW)
        }
        if (i < words) {
            size_t n = words - i;
            __m512i mx, sx;
            x_unit(kind, x, i, n, &mx, &sx);
            FOR4(ROW)
        }
#undef ROW
#define DOT(j) _mm512_sub_epi64(nz##j, _mm512_slli_epi64(neg##j, 1))
        const __m512i dots[4] = {DOT(0), DOT(1), DOT(2), DOT(3)};
#undef DOT
        store_group(y + r, sum4(dots), rows);
    }
}

void NAME(gemv_t2t2)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_t2(BITS_T2T2, w, x, y, m, k);
}

void NAME(gemv_t2b1)(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_t2(BITS_T2B1, w, x, y, m, k);
}
