/* SPDX-License-Identifier: MIT */
/*
 * NEON kernels of the ops with int8 activations: b1i8 and t2i8 (dot, gemv, gemm).
 *
 * A weight bit must become a byte before it can meet an int8: CMTST (vtstq_u8) of a byte against a bit-select
 * constant gives 0xff where the bit is set. Two layouts make that cheap:
 *
 * - gemm (and dot, which is its 1x1 case): the weights of a block of W rows are expanded once per chunk of k
 *   into bytes s in {-1, 0, +1} in natural order (TBL broadcasts each weight byte to 8 lanes, CMTST picks one bit
 *   per lane), and then serve every X row: the inner loop is one MUL and one SADALP per pair and 16 elements
 *   (one SDOT with the dot-product extension), with X read in place.
 *
 * - gemv: each weight is used once, so it is x that is rearranged, once per chunk, to fit the weights: within
 *   each block of 128 elements, vector t (0..7) of the transposed x holds the elements 8i + t (i = 0..15), which
 *   are exactly bit t of the 16 weight bytes of the block. A plain 128-bit load of W and one CMTST against a
 *   splat of 1 << t then gives the mask of vector t: no TBL, one instruction per 16 weights.
 *
 * Int16 lanes (SADALP of products <= 127 in magnitude) are flushed long before they can reach 32767; results of
 * a chunk are small, and chunks add up to the exact int32 result (|result| <= 127 * 2^24 < 2^31).
 *
 * The expansion, transposition and chunk drivers are shared with i8_dotprod.c, which supplies its own inner
 * kernels: the declarations are in i8_neon.h, the kernel tables and exported functions in i8_neon_impl.h.
 */
#include <string.h>

#include "i8_neon.h"

/* k is processed in chunks: KC_GEMM weights per expanded W row (4 rows on the stack), KC_GEMV bytes of
 * transposed x. Both are multiples of 128. */
#define KC_GEMM 4096
#define KC_GEMV 8192
#define SROW (KC_GEMM + 64) /* bytes per expanded row: a chunk rounded up to whole words */

static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---------------------------------------------------------------------------------------------------------- */
/* Weight expansion in natural order. TBL index t: bytes 2t and 2t+1 of the word, eight times each; CMTST against
 * bit_lanes (1, 2, ..., 128, twice) then leaves 0xff exactly in the lanes of set bits, in element order. */

static const uint8_t tbl_idx[4][16] = {
    { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 },
    { 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3 },
    { 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5 },
    { 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7 },
};
static const uint8_t bit_lanes[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };

/* s[i] = weight of element k0 + i of a B1 row (bit set: -1, else +1), for whole words covering kc elements:
 * ceil(kc / 64) words are read, 64 bytes written per word. ORR with 1 turns the mask (-1 / 0) into -1 / +1. */
static void expand_b1(const uint64_t *w, size_t k0, size_t kc, int8_t *s)
{
    const uint8x16_t sel = vld1q_u8(bit_lanes), one = vdupq_n_u8(1);
    const uint8x16_t i0 = vld1q_u8(tbl_idx[0]), i1 = vld1q_u8(tbl_idx[1]), i2 = vld1q_u8(tbl_idx[2]),
                     i3 = vld1q_u8(tbl_idx[3]);
    const uint64_t *p = w + k0 / 64;
    for (size_t q = 0; q < (kc + 63) / 64; q++) {
        /* LDR d: the word in the low half; TBL only indexes bytes 0..7. */
        const uint8x16_t v = vcombine_u8(vld1_u8((const uint8_t *)(p + q)), vdup_n_u8(0));
        int8_t *o = s + 64 * q;
        vst1q_s8(o, vreinterpretq_s8_u8(vorrq_u8(vtstq_u8(vqtbl1q_u8(v, i0), sel), one)));
        vst1q_s8(o + 16, vreinterpretq_s8_u8(vorrq_u8(vtstq_u8(vqtbl1q_u8(v, i1), sel), one)));
        vst1q_s8(o + 32, vreinterpretq_s8_u8(vorrq_u8(vtstq_u8(vqtbl1q_u8(v, i2), sel), one)));
        vst1q_s8(o + 48, vreinterpretq_s8_u8(vorrq_u8(vtstq_u8(vqtbl1q_u8(v, i3), sel), one)));
    }
}

/* T2: one 128-bit load holds a block's mask (bytes 0..7) and sign (bytes 8..15). SRI #7 inserts the mask's top
 * bit into bit 0 of the sign mask: 0xff | 1 = -1, 0x00 | 1 = +1, 0 where the mask is clear (the sign is then
 * clear too, canonical form). */
static void expand_t2(const uint64_t *w, size_t k0, size_t kc, int8_t *s)
{
    const uint8x16_t sel = vld1q_u8(bit_lanes), eight = vdupq_n_u8(8);
    const uint64_t *p = w + 2 * (k0 / 64);
    for (size_t q = 0; q < (kc + 63) / 64; q++) {
        const uint8x16_t v = vld1q_u8((const uint8_t *)(p + 2 * q));
        int8_t *o = s + 64 * q;
        for (int t = 0; t < 4; t++) {
            const uint8x16_t idx = vld1q_u8(tbl_idx[t]);
            const uint8x16_t mz = vtstq_u8(vqtbl1q_u8(v, idx), sel);
            const uint8x16_t ms = vtstq_u8(vqtbl1q_u8(v, vaddq_u8(idx, eight)), sel);
            vst1q_s8(o + 16 * t, vreinterpretq_s8_u8(vsriq_n_u8(ms, mz, 7)));
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* x transposition for gemv: xt[128 b + 16 t + i] = x[128 b + 8 i + t]. LD4 splits 64 bytes by index mod 4;
 * UZP1/UZP2 of the two halves of a block then split by index mod 8. The last partial block goes through a
 * zero-filled copy, so exactly n bytes of x are read; xt is written up to the next multiple of 128. */

static inline void transpose_block(const int8_t *src, int8_t *dst)
{
    const int8x16x4_t a = vld4q_s8(src), b = vld4q_s8(src + 64);
    for (int t = 0; t < 4; t++) {
        vst1q_s8(dst + 16 * t, vuzp1q_s8(a.val[t], b.val[t]));
        vst1q_s8(dst + 16 * (t + 4), vuzp2q_s8(a.val[t], b.val[t]));
    }
}

static void transpose_x(const int8_t *x, size_t n, int8_t *xt)
{
    size_t i = 0;
    for (; i + 128 <= n; i += 128)
        transpose_block(x + i, xt + i);
    if (i < n) {
        int8_t tmp[128] = { 0 };
        memcpy(tmp, x + i, n - i);
        transpose_block(tmp, xt + i);
    }
}

/* Sum of n (a multiple of 16) int8: SADALP into int16 (<= 64 * 2 * 127 between flushes), then into int32. */
static int32_t sum_i8(const int8_t *p, size_t n)
{
    int32x4_t total = vdupq_n_s32(0);
    size_t i = 0;
    while (i < n) {
        const size_t end = i + min_size(n - i, 64 * 16);
        int16x8_t acc = vdupq_n_s16(0);
        for (; i < end; i += 16)
            acc = vpadalq_s8(acc, vld1q_s8(p + i));
        total = vpadalq_s16(total, acc);
    }
    return vaddvq_s32(total);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Drivers. gemm: for each chunk of k, for each block of W rows: expand its weights once; for each block of X
 * rows: micro-kernel; the chunk's results are stored (first chunk) or added into C. */

void bitern_neon_gemm_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k,
                         const bitern_neon_i8_kernels *kk)
{
    int8_t s[4 * SROW] __attribute__((aligned(16)));
    const size_t ws = is_t2 ? bitern_t2_words(k) : bitern_b1_words(k);
    if (k == 0) {
        for (size_t i = 0; i < m * n; i++)
            c[i] = 0;
        return;
    }
    for (size_t k0 = 0; k0 < k; k0 += KC_GEMM) {
        const size_t kc = min_size(KC_GEMM, k - k0);
        for (size_t r = 0; r < m;) {
            const size_t mr = m - r >= 4 ? 4 : 1;
            for (size_t i = 0; i < mr; i++) {
                if (is_t2)
                    expand_t2(w + (r + i) * ws, k0, kc, s + i * SROW);
                else
                    expand_b1(w + (r + i) * ws, k0, kc, s + i * SROW);
            }
            for (size_t j = 0; j < n;) {
                const size_t nr = n - j >= 4 ? 4 : 1;
                int32_t out[4][4];
                bitern_neon_mk_fn *mk = mr == 4 ? (nr == 4 ? kk->mk44 : kk->mk41) : (nr == 4 ? kk->mk14 : kk->mk11);
                mk(s, SROW, x + j * k + k0, k, kc, out);
                for (size_t i = 0; i < mr; i++)
                    for (size_t jj = 0; jj < nr; jj++) {
                        int32_t *cp = c + (r + i) * n + j + jj;
                        *cp = (k0 ? *cp : 0) + out[i][jj];
                    }
                j += nr;
            }
            r += mr;
        }
    }
}

/* gemv: for each chunk of k, transpose x once (and sum it), then run the row kernels over every row's words of
 * that chunk. */
void bitern_neon_gemv_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *y, size_t m, size_t k,
                         const bitern_neon_i8_kernels *kk)
{
    int8_t xt[KC_GEMV] __attribute__((aligned(16)));
    const size_t ws = is_t2 ? bitern_t2_words(k) : bitern_b1_words(k);
    if (k == 0) {
        for (size_t r = 0; r < m; r++)
            y[r] = 0;
        return;
    }
    for (size_t k0 = 0; k0 < k; k0 += KC_GEMV) {
        const size_t kc = min_size(KC_GEMV, k - k0);
        const size_t nwords = (kc + 63) / 64, wofs = (is_t2 ? 2 : 1) * (k0 / 64);
        transpose_x(x + k0, kc, xt);
        const int32_t sx = is_t2 ? 0 : sum_i8(xt, (kc + 127) / 128 * 128);
        for (size_t r = 0; r < m;) {
            int32_t out[4];
            const size_t mr = m - r >= 4 ? 4 : 1;
            (mr == 4 ? kk->rows4 : kk->rows1)(w + r * ws + wofs, ws, xt, nwords, sx, out);
            for (size_t i = 0; i < mr; i++)
                y[r + i] = (k0 ? y[r + i] : 0) + out[i];
            r += mr;
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* NEON micro-kernel of gemm: s rows (expanded weights, stride ss) x X rows (stride xs), len elements.
 * Per pair and 16 elements: MUL (s in {-1,0,1}, so the byte product is exact) and SADALP into int16 lanes, which
 * gain at most 2 * 127 per group: flushed (SADDLV) every FLUSH_GROUPS groups, <= 65 * 254 < 32767.
 * The last partial group of x is read through a zero-filled copy: exactly len bytes of each X row are read. */
#define FLUSH_GROUPS 64

static inline __attribute__((always_inline)) void mk_generic(const int8_t *s, size_t ss, const int8_t *x, size_t xs,
                                                          size_t len, int32_t out[4][4], const int mr, const int nr)
{
    const size_t full = len & ~(size_t)15;
    size_t g = 0;
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++)
            out[r][j] = 0;
#define LOAD_S(r) const int8x16_t s##r = r < mr ? vld1q_s8(s + r * ss + g) : vdupq_n_s8(0);
#define PAIR(r, j)                                                                                                     \
    if (r < mr && j < nr)                                                                                              \
        a##r##j = vpadalq_s8(a##r##j, vmulq_s8(s##r, x##j));
    for (;;) {
        const size_t end = min_size(full, g + 16 * FLUSH_GROUPS);
#define DECL(r, j) int16x8_t a##r##j = vdupq_n_s16(0);
        PAIRS(DECL)
#undef DECL
        for (; g < end; g += 16) {
            FOR4(LOAD_S)
#define LOAD_X(j) const int8x16_t x##j = j < nr ? vld1q_s8(x + j * xs + g) : vdupq_n_s8(0);
            FOR4(LOAD_X)
#undef LOAD_X
            PAIRS(PAIR)
        }
        if (g == full && g < len) {
            int8_t tmp[4][16];
            memset(tmp, 0, sizeof tmp);
            for (int j = 0; j < nr; j++)
                memcpy(tmp[j], x + j * xs + g, len - g);
            FOR4(LOAD_S)
#define LOAD_X(j) const int8x16_t x##j = vld1q_s8(tmp[j]);
            FOR4(LOAD_X)
#undef LOAD_X
            PAIRS(PAIR)
            g = len;
        }
#define FLUSH(r, j)                                                                                                    \
    if (r < mr && j < nr)                                                                                              \
        out[r][j] += vaddlvq_s16(a##r##j);
        PAIRS(FLUSH)
#undef FLUSH
        if (g >= len)
            break;
    }
#undef LOAD_S
#undef PAIR
}

/* 1 x 1 (dot, and the corner of gemm): one accumulator would wait on SADALP's latency every group, so four
 * groups are in flight, each in its own accumulator; the last < 64 elements go through the generic kernel. */
static void mk11(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    const size_t full = len & ~(size_t)63;
    int32_t total = 0;
    size_t g = 0;
    while (g < full) {
        const size_t end = min_size(full, g + 16 * FLUSH_GROUPS);
        int16x8_t a0 = vdupq_n_s16(0), a1 = a0, a2 = a0, a3 = a0;
        for (; g < end; g += 64) {
            a0 = vpadalq_s8(a0, vmulq_s8(vld1q_s8(s + g), vld1q_s8(x + g)));
            a1 = vpadalq_s8(a1, vmulq_s8(vld1q_s8(s + g + 16), vld1q_s8(x + g + 16)));
            a2 = vpadalq_s8(a2, vmulq_s8(vld1q_s8(s + g + 32), vld1q_s8(x + g + 32)));
            a3 = vpadalq_s8(a3, vmulq_s8(vld1q_s8(s + g + 48), vld1q_s8(x + g + 48)));
        }
        total += vaddlvq_s16(a0) + vaddlvq_s16(a1) + vaddlvq_s16(a2) + vaddlvq_s16(a3);
    }
    mk_generic(s + g, ss, x + g, xs, len - g, out, 1, 1);
    out[0][0] += total;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* gemv row kernels on transposed x: per 128 elements one 128-bit load of each W row (16 weight bytes; the odd
 * last word alone), then for t = 0..7 CMTST against a splat of 1 << t.
 * b1 (sum trick): AND keeps x where the weight is -1, SADALP sums it; dot = sum(x) - 2 * sum(x under the mask).
 *   Chunk partials are small (|.| <= 3 * 127 * KC_GEMV), so the doubled term cannot overflow.
 * t2: SRI folds the two masks into a weight in {-1,0,1} (see expand_t2), MUL + SADALP.
 * Int16 lanes gain <= 2 * 127 per SADALP, 8 per block: flushed into int32 (SADALP .4s) every 16 blocks.
 * The rows four ahead are prefetched (PRFM PLDL1STRM), one line per 64 bytes of each row. */
#define ROWS_FLUSH_BLOCKS 16

static inline __attribute__((always_inline)) void rows_b1_neon(const uint64_t *w, size_t ws, const int8_t *xt,
                                                               size_t nwords, int32_t sx, int32_t *out, const int mr)
{
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    int32x4_t t0 = vdupq_n_s32(0), t1 = t0, t2 = t0, t3 = t0;
    size_t q = 0; /* word index */
    while (q < nwords) {
        const size_t end = min_size(nwords, q + 2 * ROWS_FLUSH_BLOCKS);
        int16x8_t a0 = vdupq_n_s16(0), a1 = a0, a2 = a0, a3 = a0;
        for (; q < end; q += 2) {
            const int two = q + 2 <= end;
            const int8_t *xb = xt + 64 * q;
#define LOAD_W(r)                                                                                                      \
    const uint8x16_t wv##r = r < mr ? ld_words(w##r + q, two) : vdupq_n_u8(0);                                         \
    if (r < mr && !(q & 7))                                                                                            \
        __builtin_prefetch(w##r + 4 * ws + q + 8, 0, 0);
            FOR4(LOAD_W)
#undef LOAD_W
            /* BSL with zero is x AND mask; written as AND, GCC turns CMTST + AND into AND + CMEQ + BIC. */
            const int8x16_t zero = vdupq_n_s8(0);
            for (int t = 0; t < 8; t++) {
                const uint8x16_t bit = vdupq_n_u8((uint8_t)(1u << t));
                const int8x16_t xv = vld1q_s8(xb + 16 * t);
#define STEP(r)                                                                                                        \
    if (r < mr)                                                                                                        \
        a##r = vpadalq_s8(a##r, vbslq_s8(vtstq_u8(wv##r, bit), xv, zero));
                FOR4(STEP)
#undef STEP
            }
        }
#define FLUSH(r) t##r = vpadalq_s16(t##r, a##r);
        FOR4(FLUSH)
#undef FLUSH
    }
    const int32x4_t tot = vpaddq_s32(vpaddq_s32(t0, t1), vpaddq_s32(t2, t3));
    const int32x4_t res = vsubq_s32(vdupq_n_s32(sx), vshlq_n_s32(tot, 1));
    if (mr == 4)
        vst1q_s32(out, res);
    else
        out[0] = vgetq_lane_s32(res, 0);
}

static inline __attribute__((always_inline)) void rows_t2_neon(const uint64_t *w, size_t ws, const int8_t *xt,
                                                               size_t nwords, int32_t *out, const int mr)
{
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    int32x4_t t0 = vdupq_n_s32(0), t1 = t0, t2 = t0, t3 = t0;
    size_t q = 0; /* block (B1 word) index; T2 words 2q, 2q+1 */
    while (q < nwords) {
        const size_t end = min_size(nwords, q + 2 * ROWS_FLUSH_BLOCKS);
        int16x8_t a0 = vdupq_n_s16(0), a1 = a0, a2 = a0, a3 = a0;
        for (; q < end; q += 2) {
            const int two = q + 2 <= end;
            const int8_t *xb = xt + 64 * q;
#define LOAD_W(r)                                                                                                      \
    uint8x16_t wm##r = vdupq_n_u8(0), wsg##r = wm##r;                                                                  \
    if (r < mr) {                                                                                                      \
        ld_t2_words(w##r + 2 * q, two, &wm##r, &wsg##r);                                                               \
        if (!(q & 3))                                                                                                  \
            __builtin_prefetch(w##r + 4 * ws + 2 * q + 16, 0, 0);                                                      \
    }
            FOR4(LOAD_W)
#undef LOAD_W
            for (int t = 0; t < 8; t++) {
                const uint8x16_t bit = vdupq_n_u8((uint8_t)(1u << t));
                const int8x16_t xv = vld1q_s8(xb + 16 * t);
#define STEP(r)                                                                                                        \
    if (r < mr) {                                                                                                      \
        const uint8x16_t sw = vsriq_n_u8(vtstq_u8(wsg##r, bit), vtstq_u8(wm##r, bit), 7);                              \
        a##r = vpadalq_s8(a##r, vmulq_s8(xv, vreinterpretq_s8_u8(sw)));                                                \
    }
                FOR4(STEP)
#undef STEP
            }
        }
#define FLUSH(r) t##r = vpadalq_s16(t##r, a##r);
        FOR4(FLUSH)
#undef FLUSH
    }
    const int32x4_t res = vpaddq_s32(vpaddq_s32(t0, t1), vpaddq_s32(t2, t3));
    if (mr == 4)
        vst1q_s32(out, res);
    else
        out[0] = vgetq_lane_s32(res, 0);
}

/* The template's gemv kernel: b1 or t2 (sx, sum(x) of the chunk, is b1's only). */
static inline __attribute__((always_inline)) void rows_generic(const uint64_t *w, size_t ws, const int8_t *xt,
                                                               size_t nwords, int32_t sx, int32_t *out, const int mr,
                                                               const int is_t2)
{
    if (is_t2)
        rows_t2_neon(w, ws, xt, nwords, out, mr);
    else
        rows_b1_neon(w, ws, xt, nwords, sx, out, mr);
}

#define NAME(op) bitern_##op##_neon

#include "i8_neon_impl.h"
