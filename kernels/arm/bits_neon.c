/* SPDX-License-Identifier: MIT */
/*
 * NEON kernels of the bit-by-bit ops: b1b1, t2t2 and t2b1 (dot, gemv, gemm).
 *
 * AArch64 has no scalar popcount, but CNT (vcntq_u8) counts the set bits of each of 16 bytes in one instruction.
 * Each 128-bit step is then: combine the words (EOR/AND), CNT, and one accumulate. The accumulate is UADALP
 * (vpadalq_u8: add adjacent byte pairs into u16 lanes), or in dot a plain byte ADD of several CNT results first
 * (each byte <= 8, so four of them still fit a byte) and one UADALP per four. The u16 lanes gain at most 16 per
 * 128-bit step, so every CHUNK words they are widened into u32 (UADALP .4s) or reduced, long before 65535.
 *
 * T2 vectors interleave mask and sign words per block of 64; LD2 .2d (vld2q_u64) de-interleaves two blocks in
 * the load itself: val[0] = the two mask words, val[1] = the two sign words.
 *
 * A sum of popcounts is already as cheap as it gets with CNT + ADD/UADALP: the dot-product extension (UDOT with a
 * vector of ones) would replace one UADALP by one UDOT, not save an instruction, so these ops have no dotprod
 * variant.
 */
#include <arm_neon.h>

#include "internal.h"

/* Words (B1) or blocks (T2) per chunk: 1024 128-bit steps of at most 16 per u16 lane stay <= 16384. */
#define CHUNK 2048

#define FOR4(M) M(0) M(1) M(2) M(3)

static inline uint8x16_t ldq(const uint64_t *p) { return vreinterpretq_u8_u64(vld1q_u64(p)); }
/* One word in the low half, zero above: the odd last word of a B1 vector, never reading past it. */
static inline uint8x16_t ldh(const uint64_t *p)
{
    return vreinterpretq_u8_u64(vcombine_u64(vld1_u64(p), vdup_n_u64(0)));
}
/* Two T2 blocks, de-interleaved: m = masks, s = signs. */
typedef struct { uint8x16_t m, s; } t2q;
static inline t2q ld2q(const uint64_t *p)
{
    uint64x2x2_t v = vld2q_u64(p);
    return (t2q){ vreinterpretq_u8_u64(v.val[0]), vreinterpretq_u8_u64(v.val[1]) };
}
/* The odd last T2 block alone (mask and sign in the low halves). */
static inline t2q ld2h(const uint64_t *p) { return (t2q){ ldh(p), ldh(p + 1) }; }

static inline uint8x16_t cnt_xor(uint8x16_t a, uint8x16_t b) { return vcntq_u8(veorq_u8(a, b)); }
static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Sum of the four u32 lanes of each of a, b, c, d: [sum a, sum b, sum c, sum d] (ADDP tree). */
static inline uint32x4_t hsum4_u32(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d)
{
    return vpaddq_u32(vpaddq_u32(a, b), vpaddq_u32(c, d));
}
static inline uint32x4_t hsum4_u16(uint16x8_t a, uint16x8_t b, uint16x8_t c, uint16x8_t d)
{
    return hsum4_u32(vpaddlq_u16(a), vpaddlq_u16(b), vpaddlq_u16(c), vpaddlq_u16(d));
}
static inline int32x4_t hsum4_s16(int16x8_t a, int16x8_t b, int16x8_t c, int16x8_t d)
{
    return vpaddq_s32(vpaddq_s32(vpaddlq_s16(a), vpaddlq_s16(b)), vpaddq_s32(vpaddlq_s16(c), vpaddlq_s16(d)));
}

/* Number of non-zero elements of a T2 vector: the popcount of its mask words. */
static uint32_t t2_nonzero(const uint64_t *w, size_t k)
{
    const size_t nb = bitern_b1_words(k);
    uint32x4_t total = vdupq_n_u32(0);
    size_t b = 0;
    while (b + 2 <= nb) {
        const size_t end = b + min_size((nb - b) & ~(size_t)1, CHUNK);
        uint16x8_t acc = vdupq_n_u16(0);
        for (; b < end; b += 2)
            acc = vpadalq_u8(acc, vcntq_u8(ld2q(w + 2 * b).m));
        total = vpadalq_u16(total, acc);
    }
    uint32_t nz = vaddvq_u32(total);
    if (b < nb)
        nz += (uint32_t)__builtin_popcountll(w[2 * b]);
    return nz;
}

/* The three ops, as a constant that the always-inline functions below fold away. */
typedef enum { BITS_B1B1, BITS_T2T2, BITS_T2B1 } bits_kind;

/* The X operand of a T2 step at block b: two T2 blocks (t2t2), or two B1 words as signs (t2b1, whose mask is all
 * ones and is never read). */
#define AI static inline __attribute__((always_inline))
AI t2q t2_x(const int is_t2t2, const uint64_t *x, size_t b)
{
    return is_t2t2 ? ld2q(x + 2 * b) : (t2q){ vdupq_n_u8(0), ldq(x + b) };
}
/* nz = both non-zero (t2b1: W's mask), neg = nz and the signs differ. */
AI uint8x16_t t2_nz(const int is_t2t2, t2q wv, t2q xv) { return is_t2t2 ? vandq_u8(wv.m, xv.m) : wv.m; }
AI uint8x16_t t2_neg(uint8x16_t nz, t2q wv, t2q xv) { return vandq_u8(nz, veorq_u8(wv.s, xv.s)); }

/* ---------------------------------------------------------------------------------------------------------- */
/* dot: four 128-bit steps per iteration, their CNT bytes added (<= 32 per byte) before one UADALP.            */

int32_t bitern_dot_b1b1_neon(const uint64_t *w, const uint64_t *x, size_t k)
{
    const size_t nw = bitern_b1_words(k);
    uint32x4_t total = vdupq_n_u32(0);
    size_t i = 0;
    while (i + 2 <= nw) {
        const size_t end = i + min_size((nw - i) & ~(size_t)1, CHUNK);
        uint16x8_t acc = vdupq_n_u16(0);
        for (; i + 8 <= end; i += 8) {
            uint8x16_t c01 = vaddq_u8(cnt_xor(ldq(w + i), ldq(x + i)), cnt_xor(ldq(w + i + 2), ldq(x + i + 2)));
            uint8x16_t c23 = vaddq_u8(cnt_xor(ldq(w + i + 4), ldq(x + i + 4)), cnt_xor(ldq(w + i + 6), ldq(x + i + 6)));
            acc = vpadalq_u8(acc, vaddq_u8(c01, c23));
        }
        for (; i < end; i += 2)
            acc = vpadalq_u8(acc, cnt_xor(ldq(w + i), ldq(x + i)));
        total = vpadalq_u16(total, acc);
    }
    uint32_t mismatches = vaddvq_u32(total);
    if (i < nw)
        mismatches += (uint32_t)__builtin_popcountll(w[i] ^ x[i]);
    return (int32_t)k - 2 * (int32_t)mismatches;
}

/* dot = |nz| - 2 |neg| (t2_nz, t2_neg). For t2b1 x's mask is all ones, and the same 128-bit step covers two T2
 * blocks and two B1 words. */
AI int32_t dot_t2(const uint64_t *w, const uint64_t *x, size_t k, const int is_t2t2)
{
    const size_t nb = bitern_b1_words(k);
    uint32x4_t nz32 = vdupq_n_u32(0), neg32 = vdupq_n_u32(0);
    size_t b = 0;
    while (b + 2 <= nb) {
        const size_t end = b + min_size((nb - b) & ~(size_t)1, CHUNK);
        uint16x8_t nz16 = vdupq_n_u16(0), neg16 = vdupq_n_u16(0);
        for (; b + 4 <= end; b += 4) {
            t2q w0 = ld2q(w + 2 * b), w1 = ld2q(w + 2 * b + 4);
            t2q x0 = t2_x(is_t2t2, x, b), x1 = t2_x(is_t2t2, x, b + 2);
            uint8x16_t nz0 = t2_nz(is_t2t2, w0, x0), nz1 = t2_nz(is_t2t2, w1, x1);
            uint8x16_t neg0 = t2_neg(nz0, w0, x0), neg1 = t2_neg(nz1, w1, x1);
            nz16 = vpadalq_u8(nz16, vaddq_u8(vcntq_u8(nz0), vcntq_u8(nz1)));
            neg16 = vpadalq_u8(neg16, vaddq_u8(vcntq_u8(neg0), vcntq_u8(neg1)));
        }
        for (; b < end; b += 2) {
            t2q w0 = ld2q(w + 2 * b), x0 = t2_x(is_t2t2, x, b);
            uint8x16_t nz0 = t2_nz(is_t2t2, w0, x0);
            nz16 = vpadalq_u8(nz16, vcntq_u8(nz0));
            neg16 = vpadalq_u8(neg16, vcntq_u8(t2_neg(nz0, w0, x0)));
        }
        nz32 = vpadalq_u16(nz32, nz16);
        neg32 = vpadalq_u16(neg32, neg16);
    }
    uint32_t nz = vaddvq_u32(nz32), neg = vaddvq_u32(neg32);
    if (b < nb) {
        uint64_t nzw = w[2 * b] & (is_t2t2 ? x[2 * b] : ~(uint64_t)0);
        nz += (uint32_t)__builtin_popcountll(nzw);
        neg += (uint32_t)__builtin_popcountll(nzw & (w[2 * b + 1] ^ (is_t2t2 ? x[2 * b + 1] : x[b])));
    }
    return (int32_t)nz - 2 * (int32_t)neg;
}

int32_t bitern_dot_t2t2_neon(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2(w, x, k, 1); }

int32_t bitern_dot_t2b1_neon(const uint64_t *w, const uint64_t *x, size_t k) { return dot_t2(w, x, k, 0); }

AI int32_t dot_kind(bits_kind kind, const uint64_t *w, const uint64_t *x, size_t k)
{
    return kind == BITS_B1B1   ? bitern_dot_b1b1_neon(w, x, k)
           : kind == BITS_T2T2 ? bitern_dot_t2t2_neon(w, x, k)
                               : bitern_dot_t2b1_neon(w, x, k);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Four W rows against one vector: the gemv kernel, and the gemm kernel for the columns left over by the blocks.
 * The x step is loaded once for the four rows. The rows of the next call (four rows on) are prefetched at the
 * position being read (PRFM PLDL1STRM, one per 64-byte line), so that gemv streams W from DRAM without waiting;
 * out[r * out_stride] = dot(row r, x). */

static void rows4_b1b1(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *out, size_t out_stride)
{
    const size_t nw = bitern_b1_words(k);
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    uint32x4_t t0 = vdupq_n_u32(0), t1 = t0, t2 = t0, t3 = t0;
    size_t i = 0;
    while (i + 2 <= nw) {
        const size_t end = i + min_size((nw - i) & ~(size_t)1, CHUNK);
        uint16x8_t a0 = vdupq_n_u16(0), a1 = a0, a2 = a0, a3 = a0;
        for (; i + 8 <= end; i += 8) {
            const uint8x16_t x0 = ldq(x + i), x1 = ldq(x + i + 2), x2 = ldq(x + i + 4), x3 = ldq(x + i + 6);
#define ROW(r)                                                                                                         \
    __builtin_prefetch(w##r + 4 * ws + i, 0, 0);                                                                       \
    a##r = vpadalq_u8(a##r, vaddq_u8(vaddq_u8(cnt_xor(ldq(w##r + i), x0), cnt_xor(ldq(w##r + i + 2), x1)),             \
                                     vaddq_u8(cnt_xor(ldq(w##r + i + 4), x2), cnt_xor(ldq(w##r + i + 6), x3))));
            FOR4(ROW)
#undef ROW
        }
        for (; i < end; i += 2) {
            const uint8x16_t xv = ldq(x + i);
#define ROW(r) a##r = vpadalq_u8(a##r, cnt_xor(ldq(w##r + i), xv));
            FOR4(ROW)
#undef ROW
        }
#define ROW(r) t##r = vpadalq_u16(t##r, a##r);
        FOR4(ROW)
#undef ROW
    }
    uint32x4_t mis = hsum4_u32(t0, t1, t2, t3);
    if (i < nw) {
        const uint32_t tail[4] = { (uint32_t)__builtin_popcountll(w0[i] ^ x[i]),
                                   (uint32_t)__builtin_popcountll(w1[i] ^ x[i]),
                                   (uint32_t)__builtin_popcountll(w2[i] ^ x[i]),
                                   (uint32_t)__builtin_popcountll(w3[i] ^ x[i]) };
        mis = vaddq_u32(mis, vld1q_u32(tail));
    }
    int32x4_t r = vsubq_s32(vdupq_n_s32((int32_t)k), vshlq_n_s32(vreinterpretq_s32_u32(mis), 1));
    out[0] = vgetq_lane_s32(r, 0);
    out[out_stride] = vgetq_lane_s32(r, 1);
    out[2 * out_stride] = vgetq_lane_s32(r, 2);
    out[3 * out_stride] = vgetq_lane_s32(r, 3);
}

/* out[r] = |nz| - 2 |neg| of row r; for t2b1 nz is the row's own mask, otherwise w_m & x_m. */
AI void rows4_t2(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, const int is_t2t2, int32_t *out,
                 size_t out_stride)
{
    const size_t nb = bitern_b1_words(k);
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    uint32x4_t nz0 = vdupq_n_u32(0), nz1 = nz0, nz2 = nz0, nz3 = nz0;
    uint32x4_t ng0 = nz0, ng1 = nz0, ng2 = nz0, ng3 = nz0;
    size_t b = 0;
    while (b + 2 <= nb) {
        const size_t end = b + min_size((nb - b) & ~(size_t)1, CHUNK);
        uint16x8_t z0 = vdupq_n_u16(0), z1 = z0, z2 = z0, z3 = z0, n0 = z0, n1 = z0, n2 = z0, n3 = z0;
        for (; b < end; b += 2) {
            const t2q xv = t2_x(is_t2t2, x, b);
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        if (!(b & 3))                                                                                                  \
            __builtin_prefetch(w##r + 4 * ws + 2 * b, 0, 0);                                                           \
        const t2q wv = ld2q(w##r + 2 * b);                                                                             \
        const uint8x16_t nz = t2_nz(is_t2t2, wv, xv);                                                                  \
        z##r = vpadalq_u8(z##r, vcntq_u8(nz));                                                                         \
        n##r = vpadalq_u8(n##r, vcntq_u8(t2_neg(nz, wv, xv)));                                                         \
    }
            FOR4(ROW)
#undef ROW
        }
#define ROW(r)                                                                                                         \
    nz##r = vpadalq_u16(nz##r, z##r);                                                                                  \
    ng##r = vpadalq_u16(ng##r, n##r);
        FOR4(ROW)
#undef ROW
    }
    uint32x4_t nz = hsum4_u32(nz0, nz1, nz2, nz3), neg = hsum4_u32(ng0, ng1, ng2, ng3);
    if (b < nb) {
        const uint64_t xm = is_t2t2 ? x[2 * b] : ~(uint64_t)0, xs = is_t2t2 ? x[2 * b + 1] : x[b];
        uint32_t tz[4], tn[4];
        const uint64_t *rows[4] = { w0, w1, w2, w3 };
        for (int r = 0; r < 4; r++) {
            const uint64_t nzw = rows[r][2 * b] & xm;
            tz[r] = (uint32_t)__builtin_popcountll(nzw);
            tn[r] = (uint32_t)__builtin_popcountll(nzw & (rows[r][2 * b + 1] ^ xs));
        }
        nz = vaddq_u32(nz, vld1q_u32(tz));
        neg = vaddq_u32(neg, vld1q_u32(tn));
    }
    int32x4_t r = vsubq_s32(vreinterpretq_s32_u32(nz), vshlq_n_s32(vreinterpretq_s32_u32(neg), 1));
    out[0] = vgetq_lane_s32(r, 0);
    out[out_stride] = vgetq_lane_s32(r, 1);
    out[2 * out_stride] = vgetq_lane_s32(r, 2);
    out[3 * out_stride] = vgetq_lane_s32(r, 3);
}

static void rows4_t2t2(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *out, size_t out_stride)
{
    rows4_t2(w, ws, x, k, 1, out, out_stride);
}
static void rows4_t2b1(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *out, size_t out_stride)
{
    rows4_t2(w, ws, x, k, 0, out, out_stride);
}
AI void rows4_kind(bits_kind kind, const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *out,
                   size_t out_stride)
{
    if (kind == BITS_B1B1)
        rows4_b1b1(w, ws, x, k, out, out_stride);
    else if (kind == BITS_T2T2)
        rows4_t2t2(w, ws, x, k, out, out_stride);
    else
        rows4_t2b1(w, ws, x, k, out, out_stride);
}

/* Four rows at a time, the rows left over by dot. */
AI void gemv_bits(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    const size_t ws = kind == BITS_B1B1 ? bitern_b1_words(k) : bitern_t2_words(k);
    size_t r = 0;
    for (; r + 4 <= m; r += 4)
        rows4_kind(kind, w + r * ws, ws, x, k, y + r, 1);
    for (; r < m; r++)
        y[r] = dot_kind(kind, w + r * ws, x, k);
}

void bitern_gemv_b1b1_neon(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_bits(BITS_B1B1, w, x, y, m, k);
}

void bitern_gemv_t2t2_neon(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_bits(BITS_T2T2, w, x, y, m, k);
}

void bitern_gemv_t2b1_neon(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k)
{
    gemv_bits(BITS_T2B1, w, x, y, m, k);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* gemm: blocks of 4 W rows x NC X rows (b1b1 4 x 4, t2t2 4 x 2, t2b1 4 x 3: the largest that fit the 32
 * registers), each loaded step shared by several pairs. Every CHUNK the int16 accumulators are reduced (ADDP
 * tree) and added into C, so nothing but the accumulators stays live in the loop. Columns left over are done by
 * rows4_*, rows left over by dot. */

#define PAIRS(M) M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)                                       \
                 M(2, 0) M(2, 1) M(2, 2) M(2, 3) M(3, 0) M(3, 1) M(3, 2) M(3, 3)
#define DECL_U16(r, j) uint16x8_t a##r##j = vdupq_n_u16(0);
#define DECL_S16(r, j) int16x8_t a##r##j = vdupq_n_s16(0);

/* Adds (first: stores) v lane j to c[r][j] for one block row. */
static inline void add_row(int32_t *c, int32x4_t v, int first)
{
    vst1q_s32(c, first ? v : vaddq_s32(vld1q_s32(c), v));
}

static void block4x4_b1b1(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *c, size_t ldc)
{
    const size_t nw = ws;
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    const uint64_t *x0 = x, *x1 = x + ws, *x2 = x + 2 * ws, *x3 = x + 3 * ws;
    const int32x4_t kv = vdupq_n_s32((int32_t)k);
    size_t i = 0;
    int first = 1;
    do {
        const size_t end = i + min_size(nw - i, CHUNK);
        PAIRS(DECL_U16)
#define LOAD(r) uint8x16_t wv##r = LD(w##r + i), xv##r = LD(x##r + i);
#define PAIR(r, j) a##r##j = vpadalq_u8(a##r##j, cnt_xor(wv##r, xv##j));
        for (; i + 2 <= end; i += 2) {
#define LD ldq
            FOR4(LOAD)
#undef LD
            PAIRS(PAIR)
        }
        if (i < end) { /* the odd last word */
#define LD ldh
            FOR4(LOAD)
#undef LD
            PAIRS(PAIR)
            i++;
        }
#undef LOAD
#undef PAIR
        /* C = k - 2 * mismatches, accumulated chunk by chunk: first store k - 2m, then subtract 2m. */
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        int32x4_t m2 = vshlq_n_s32(vreinterpretq_s32_u32(hsum4_u16(a##r##0, a##r##1, a##r##2, a##r##3)), 1);           \
        add_row(c + r * ldc, vsubq_s32(first ? kv : vdupq_n_s32(0), m2), first);                                       \
    }
        FOR4(ROW)
#undef ROW
        first = 0;
    } while (i < nw);
}

/* Adds (first: stores) lanes 0..nc-1 of v to c[0..nc-1]. */
static inline void add_lanes(int32_t *c, int32x4_t v, int nc, int first)
{
    int32_t t[4];
    vst1q_s32(t, v);
    for (int j = 0; j < nc; j++)
        c[j] = (first ? 0 : c[j]) + t[j];
}

/* t2t2, 4 W rows x 2 X rows. Per pair and step: nz = AND, neg = AND(nz, EOR), then MLS folds |nz| - 2|neg| into
 * one signed byte (-8..8) and SADALP accumulates it: one int16 accumulator per pair instead of two. Mask and
 * sign of every row take two registers, so this is the largest block GCC keeps in the 32 registers without
 * spilling (4 x 3 and 3 x 4 spill 8 or 9 per step). */
static void block4x2_t2t2(const uint64_t *w, size_t ws, const uint64_t *x, size_t k, int32_t *c, size_t ldc)
{
    const size_t nb = bitern_b1_words(k);
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    const uint64_t *x0 = x, *x1 = x + ws;
    const uint8x16_t two = vdupq_n_u8(2);
    size_t b = 0;
    int first = 1;
    do {
        const size_t end = b + min_size(nb - b, CHUNK);
#define PAIRS42(M) M(0, 0) M(0, 1) M(1, 0) M(1, 1) M(2, 0) M(2, 1) M(3, 0) M(3, 1)
        PAIRS42(DECL_S16)
#define LOAD(r) const t2q wv##r = LD(w##r + 2 * b);
#define LOADX(j) const t2q xv##j = LD(x##j + 2 * b);
#define PAIR(r, j)                                                                                                     \
    {                                                                                                                  \
        const uint8x16_t nz = vandq_u8(wv##r.m, xv##j.m), neg = vandq_u8(nz, veorq_u8(wv##r.s, xv##j.s));              \
        const uint8x16_t v = vmlsq_u8(vcntq_u8(nz), vcntq_u8(neg), two);                                               \
        a##r##j = vpadalq_s8(a##r##j, vreinterpretq_s8_u8(v));                                                         \
    }
        for (; b + 2 <= end; b += 2) {
#define LD ld2q
            FOR4(LOAD) LOADX(0) LOADX(1)
#undef LD
            PAIRS42(PAIR)
        }
        if (b < end) {
#define LD ld2h
            FOR4(LOAD) LOADX(0) LOADX(1)
#undef LD
            PAIRS42(PAIR)
            b++;
        }
#undef LOAD
#undef LOADX
#undef PAIR
        const int16x8_t zero = vdupq_n_s16(0);
#define ROW(r) add_lanes(c + r * ldc, hsum4_s16(a##r##0, a##r##1, zero, zero), 2, first);
        FOR4(ROW)
#undef ROW
#undef PAIRS42
        first = 0;
    } while (b < nb);
}

/* t2b1, 4 W rows x 3 X rows. Per pair and step only neg = AND(w_m, EOR(w_s, x)) is counted (4 instructions);
 * |nz| is the W row's own, counted once per row. 4 x 4 would spill 6 registers per step. */
static void block4x3_t2b1(const uint64_t *w, size_t ws, const uint64_t *x, size_t xs, size_t k,
                          const int32_t nz[4], int32_t *c, size_t ldc)
{
    const size_t nb = bitern_b1_words(k);
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    const uint64_t *x0 = x, *x1 = x + xs, *x2 = x + 2 * xs;
    size_t b = 0;
    int first = 1;
    do {
        const size_t end = b + min_size(nb - b, CHUNK);
#define PAIRS43(M) M(0, 0) M(0, 1) M(0, 2) M(1, 0) M(1, 1) M(1, 2) M(2, 0) M(2, 1) M(2, 2) M(3, 0) M(3, 1) M(3, 2)
        PAIRS43(DECL_U16)
#define LOAD(r) const t2q wv##r = LDW(w##r + 2 * b);
#define LOADX(j) const uint8x16_t xv##j = LDX(x##j + b);
#define PAIR(r, j) a##r##j = vpadalq_u8(a##r##j, vcntq_u8(vandq_u8(wv##r.m, veorq_u8(wv##r.s, xv##j))));
        for (; b + 2 <= end; b += 2) {
#define LDW ld2q
#define LDX ldq
            FOR4(LOAD) LOADX(0) LOADX(1) LOADX(2)
#undef LDW
#undef LDX
            PAIRS43(PAIR)
        }
        if (b < end) {
#define LDW ld2h
#define LDX ldh
            FOR4(LOAD) LOADX(0) LOADX(1) LOADX(2)
#undef LDW
#undef LDX
            PAIRS43(PAIR)
            b++;
        }
#undef LOAD
#undef LOADX
#undef PAIR
        /* c = nz - 2 * neg: the first chunk starts from nz. */
        const uint16x8_t zero = vdupq_n_u16(0);
#define ROW(r)                                                                                                         \
    {                                                                                                                  \
        const int32x4_t n2 = vshlq_n_s32(vreinterpretq_s32_u32(hsum4_u16(a##r##0, a##r##1, a##r##2, zero)), 1);        \
        add_lanes(c + r * ldc, vsubq_s32(vdupq_n_s32(first ? nz[r] : 0), n2), 3, first);                               \
    }
        FOR4(ROW)
#undef ROW
#undef PAIRS43
        first = 0;
    } while (b < nb);
}

/* The block of 4 W rows x block_cols(kind) X rows at w, x; nz: the non-zero counts of the W rows (t2b1). */
AI size_t block_cols(bits_kind kind) { return kind == BITS_B1B1 ? 4 : kind == BITS_T2T2 ? 2 : 3; }
AI void block_kind(bits_kind kind, const uint64_t *w, size_t ws, const uint64_t *x, size_t xs, size_t k,
                   const int32_t nz[4], int32_t *c, size_t ldc)
{
    if (kind == BITS_B1B1)
        block4x4_b1b1(w, ws, x, k, c, ldc);
    else if (kind == BITS_T2T2)
        block4x2_t2t2(w, ws, x, k, c, ldc);
    else
        block4x3_t2b1(w, ws, x, xs, k, nz, c, ldc);
}

AI void gemm_bits(bits_kind kind, const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    const size_t ws = kind == BITS_B1B1 ? bitern_b1_words(k) : bitern_t2_words(k);
    const size_t xs = kind == BITS_T2T2 ? ws : bitern_b1_words(k), nc = block_cols(kind);
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        int32_t nz[4] = { 0, 0, 0, 0 };
        if (kind == BITS_T2B1)
            for (size_t i = 0; i < 4; i++)
                nz[i] = (int32_t)t2_nonzero(w + (r + i) * ws, k);
        size_t j = 0;
        for (; j + nc <= n; j += nc)
            block_kind(kind, w + r * ws, ws, x + j * xs, xs, k, nz, c + r * n + j, n);
        for (; j < n; j++)
            rows4_kind(kind, w + r * ws, ws, x + j * xs, k, c + r * n + j, n);
    }
    for (; r < m; r++)
        for (size_t j = 0; j < n; j++)
            c[r * n + j] = dot_kind(kind, w + r * ws, x + j * xs, k);
}

void bitern_gemm_b1b1_neon(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_bits(BITS_B1B1, w, x, c, m, n, k);
}

void bitern_gemm_t2t2_neon(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_bits(BITS_T2T2, w, x, c, m, n, k);
}

void bitern_gemm_t2b1_neon(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_bits(BITS_T2B1, w, x, c, m, n, k);
}
