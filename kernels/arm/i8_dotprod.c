/* SPDX-License-Identifier: MIT */
/*
 * Dot-product extension (Armv8.2 SDOT) kernels of b1i8 and t2i8: the inner kernels only. The weight expansion,
 * the x transposition and the chunk loops are i8_neon.c's (see there for the layouts); they are plain NEON, so
 * they run wherever these do. The kernel tables and exported functions are the template's (i8_neon_impl.h).
 *
 * SDOT (vdotq_s32) multiplies 16 int8 pairs and adds each group of four into an int32 lane: one instruction
 * replaces the MUL + SADALP pair of the NEON kernels, and int32 lanes need no flushing (127 * 2^24 < 2^31).
 */
#include "i8_neon.h"

/* gemm micro-kernel: expanded weights s (-1/0/+1, stride ss) x X rows (stride xs), len elements; one SDOT per
 * pair and 16 elements. The last partial group of x goes through a zero-filled copy (exactly len bytes read). */
static inline __attribute__((always_inline)) void mk_generic(const int8_t *s, size_t ss, const int8_t *x, size_t xs,
                                                             size_t len, int32_t out[4][4], const int mr,
                                                             const int nr)
{
    const size_t full = len & ~(size_t)15;
#define DECL(r, j) int32x4_t a##r##j = vdupq_n_s32(0);
    PAIRS(DECL)
#undef DECL
#define LOAD_S(r) const int8x16_t s##r = r < mr ? vld1q_s8(s + r * ss + g) : vdupq_n_s8(0);
#define PAIR(r, j)                                                                                                     \
    if (r < mr && j < nr)                                                                                              \
        a##r##j = vdotq_s32(a##r##j, s##r, x##j);
    size_t g = 0;
    for (; g < full; g += 16) {
        FOR4(LOAD_S)
#define LOAD_X(j) const int8x16_t x##j = j < nr ? vld1q_s8(x + j * xs + g) : vdupq_n_s8(0);
        FOR4(LOAD_X)
#undef LOAD_X
        PAIRS(PAIR)
    }
    if (g < len) {
        int8_t tmp[4][16] = { { 0 } };
        for (int j = 0; j < nr; j++)
            for (size_t i = 0; i < len - g; i++)
                tmp[j][i] = x[j * xs + g + i];
        FOR4(LOAD_S)
#define LOAD_X(j) const int8x16_t x##j = vld1q_s8(tmp[j]);
        FOR4(LOAD_X)
#undef LOAD_X
        PAIRS(PAIR)
    }
#undef LOAD_S
#undef PAIR
#define STORE(r, j) out[r][j] = (r < mr && j < nr) ? vaddvq_s32(a##r##j) : 0;
    PAIRS(STORE)
#undef STORE
}

/* 1 x 1 (dot, and the corner of gemm): four groups in flight in four accumulators, so that SDOT's latency is
 * hidden; the last < 64 elements go through the generic kernel. */
static void mk11(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    const size_t full = len & ~(size_t)63;
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t g = 0; g < full; g += 64) {
        a0 = vdotq_s32(a0, vld1q_s8(s + g), vld1q_s8(x + g));
        a1 = vdotq_s32(a1, vld1q_s8(s + g + 16), vld1q_s8(x + g + 16));
        a2 = vdotq_s32(a2, vld1q_s8(s + g + 32), vld1q_s8(x + g + 32));
        a3 = vdotq_s32(a3, vld1q_s8(s + g + 48), vld1q_s8(x + g + 48));
    }
    mk_generic(s + full, ss, x + full, xs, len - full, out, 1, 1);
    out[0][0] += vaddvq_s32(vaddq_s32(vaddq_s32(a0, a1), vaddq_s32(a2, a3)));
}

/* gemv row kernels on transposed x (layout in i8_neon.c): per 16 weights, CMTST against a splat of 1 << t and one
 * SDOT. b1 uses the sum trick: SDOT with the mask (-1 where the weight is -1) adds -sum(x under the mask), so
 * dot = sum(x) + 2 * acc; both terms are per chunk, far from overflowing. t2 folds mask and sign into a weight
 * with SRI (see expand_t2 in i8_neon.c). */
static inline __attribute__((always_inline)) void rows_generic(const uint64_t *w, size_t ws, const int8_t *xt,
                                                               size_t nwords, int32_t sx, int32_t *out, const int mr,
                                                               const int is_t2)
{
    const uint64_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t q = 0; q < nwords; q += 2) { /* q: B1 word / T2 block index, two per 128 elements */
        const int two = q + 2 <= nwords;
        const int8_t *xb = xt + 64 * q;
#define LOAD_W(r)                                                                                                      \
    uint8x16_t wm##r = vdupq_n_u8(0), wsg##r = wm##r;                                                                  \
    if (r < mr) {                                                                                                      \
        if (!is_t2) {                                                                                                  \
            wm##r = ld_words(w##r + q, two);                                                                           \
            if (!(q & 7))                                                                                              \
                __builtin_prefetch(w##r + 4 * ws + q + 8, 0, 0);                                                       \
        } else {                                                                                                       \
            ld_t2_words(w##r + 2 * q, two, &wm##r, &wsg##r);                                                           \
            if (!(q & 3))                                                                                              \
                __builtin_prefetch(w##r + 4 * ws + 2 * q + 16, 0, 0);                                                  \
        }                                                                                                              \
    }
        FOR4(LOAD_W)
#undef LOAD_W
        for (int t = 0; t < 8; t++) {
            const uint8x16_t bit = vdupq_n_u8((uint8_t)(1u << t));
            const int8x16_t xv = vld1q_s8(xb + 16 * t);
#define STEP(r)                                                                                                        \
    if (r < mr) {                                                                                                      \
        uint8x16_t sw = vtstq_u8(wm##r, bit);                                                                          \
        if (is_t2)                                                                                                     \
            sw = vsriq_n_u8(vtstq_u8(wsg##r, bit), sw, 7);                                                             \
        a##r = vdotq_s32(a##r, xv, vreinterpretq_s8_u8(sw));                                                           \
    }
            FOR4(STEP)
#undef STEP
        }
    }
    int32x4_t res = vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
    if (!is_t2)
        res = vaddq_s32(vdupq_n_s32(sx), vshlq_n_s32(res, 1));
    if (mr == 4)
        vst1q_s32(out, res);
    else
        out[0] = vgetq_lane_s32(res, 0);
}

#define NAME(op) bitern_##op##_neon_dotprod

#include "i8_neon_impl.h"
