/* SPDX-License-Identifier: MIT */
/*
 * Dot-product extension (Armv8.2 SDOT) kernels of b1i8 and t2i8: the inner kernels only. The weight expansion,
 * the x transposition and the chunk loops are i8_neon.c's (see there for the layouts); they are plain NEON, so
 * they run wherever these do.
 *
 * SDOT (vdotq_s32) multiplies 16 int8 pairs and adds each group of four into an int32 lane: one instruction
 * replaces the MUL + SADALP pair of the NEON kernels, and int32 lanes need no flushing (127 * 2^24 < 2^31).
 */
#include <arm_neon.h>

#include "internal.h"

#define FOR4(M) M(0) M(1) M(2) M(3)
#define PAIRS(M) M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)                                       \
                 M(2, 0) M(2, 1) M(2, 2) M(2, 3) M(3, 0) M(3, 1) M(3, 2) M(3, 3)

/* Shared with i8_neon.c, which defines the drivers: keep these declarations identical to the ones there. */
typedef void bitern_neon_mk_fn(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len,
                               int32_t out[4][4]);
typedef void bitern_neon_rows_fn(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx,
                                 int32_t *out);
typedef struct bitern_neon_i8_kernels {
    bitern_neon_mk_fn *mk44, *mk41, *mk14, *mk11;
    bitern_neon_rows_fn *rows4, *rows1;
} bitern_neon_i8_kernels;

void bitern_neon_gemm_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k,
                         const bitern_neon_i8_kernels *kk);
void bitern_neon_gemv_i8(const uint64_t *w, int is_t2, const int8_t *x, int32_t *y, size_t m, size_t k,
                         const bitern_neon_i8_kernels *kk);

/* gemm micro-kernel: expanded weights s (-1/0/+1, stride ss) x X rows (stride xs), len elements; one SDOT per
 * pair and 16 elements. The last partial group of x goes through a zero-filled copy (exactly len bytes read). */
static inline __attribute__((always_inline)) void mk_dotprod(const int8_t *s, size_t ss, const int8_t *x, size_t xs,
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

static void mk44_dotprod(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_dotprod(s, ss, x, xs, len, out, 4, 4);
}
static void mk41_dotprod(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_dotprod(s, ss, x, xs, len, out, 4, 1);
}
static void mk14_dotprod(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_dotprod(s, ss, x, xs, len, out, 1, 4);
}
/* 1 x 1 (dot, and the corner of gemm): four groups in flight in four accumulators, so that SDOT's latency is
 * hidden; the last < 64 elements go through the generic kernel. */
static void mk11_dotprod(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    const size_t full = len & ~(size_t)63;
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t g = 0; g < full; g += 64) {
        a0 = vdotq_s32(a0, vld1q_s8(s + g), vld1q_s8(x + g));
        a1 = vdotq_s32(a1, vld1q_s8(s + g + 16), vld1q_s8(x + g + 16));
        a2 = vdotq_s32(a2, vld1q_s8(s + g + 32), vld1q_s8(x + g + 32));
        a3 = vdotq_s32(a3, vld1q_s8(s + g + 48), vld1q_s8(x + g + 48));
    }
    mk_dotprod(s + full, ss, x + full, xs, len - full, out, 1, 1);
    out[0][0] += vaddvq_s32(vaddq_s32(vaddq_s32(a0, a1), vaddq_s32(a2, a3)));
}

/* gemv row kernels on transposed x (layout in i8_neon.c): per 16 weights, CMTST against a splat of 1 << t and one
 * SDOT. b1 uses the sum trick: SDOT with the mask (-1 where the weight is -1) adds -sum(x under the mask), so
 * dot = sum(x) + 2 * acc; both terms are per chunk, far from overflowing. t2 folds mask and sign into a weight
 * with SRI (see expand_t2 in i8_neon.c). */
static inline uint8x16_t ld_words(const uint64_t *p, int two)
{
    return two ? vld1q_u8((const uint8_t *)p) : vcombine_u8(vld1_u8((const uint8_t *)p), vdup_n_u8(0));
}

static inline __attribute__((always_inline)) void rows_dotprod(const uint64_t *w, size_t ws, const int8_t *xt,
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
            if (two) {                                                                                                 \
                const uint64x2x2_t v = vld2q_u64(w##r + 2 * q);                                                        \
                wm##r = vreinterpretq_u8_u64(v.val[0]);                                                                \
                wsg##r = vreinterpretq_u8_u64(v.val[1]);                                                               \
            } else {                                                                                                   \
                wm##r = ld_words(w##r + 2 * q, 0);                                                                     \
                wsg##r = ld_words(w##r + 2 * q + 1, 0);                                                                \
            }                                                                                                          \
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

static void rows4_b1_dotprod(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_dotprod(w, ws, xt, nwords, sx, out, 4, 0);
}
static void rows1_b1_dotprod(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_dotprod(w, ws, xt, nwords, sx, out, 1, 0);
}
static void rows4_t2_dotprod(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_dotprod(w, ws, xt, nwords, sx, out, 4, 1);
}
static void rows1_t2_dotprod(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_dotprod(w, ws, xt, nwords, sx, out, 1, 1);
}

static const bitern_neon_i8_kernels b1_kernels = { mk44_dotprod, mk41_dotprod, mk14_dotprod, mk11_dotprod,
                                                   rows4_b1_dotprod, rows1_b1_dotprod };
static const bitern_neon_i8_kernels t2_kernels = { mk44_dotprod, mk41_dotprod, mk14_dotprod, mk11_dotprod,
                                                   rows4_t2_dotprod, rows1_t2_dotprod };

int32_t bitern_dot_b1i8_neon_dotprod(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t r;
    bitern_neon_gemm_i8(w, 0, x, &r, 1, 1, k, &b1_kernels);
    return r;
}

int32_t bitern_dot_t2i8_neon_dotprod(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t r;
    bitern_neon_gemm_i8(w, 1, x, &r, 1, 1, k, &t2_kernels);
    return r;
}

void bitern_gemv_b1i8_neon_dotprod(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    bitern_neon_gemv_i8(w, 0, x, y, m, k, &b1_kernels);
}

void bitern_gemv_t2i8_neon_dotprod(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    bitern_neon_gemv_i8(w, 1, x, y, m, k, &t2_kernels);
}

void bitern_gemm_b1i8_neon_dotprod(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    bitern_neon_gemm_i8(w, 0, x, c, m, n, k, &b1_kernels);
}

void bitern_gemm_t2i8_neon_dotprod(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    bitern_neon_gemm_i8(w, 1, x, c, m, n, k, &t2_kernels);
}
