/* SPDX-License-Identifier: MIT */
/* The checked public API: validates arguments, then calls the dispatched kernel. */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Fetches the table or returns the init error from the calling function. */
#define GET_TABLE(k)                                                                                                \
    const bitern_kernels *k = bitern_get_kernels();                                                                 \
    if (!k)                                                                                                         \
        return bitern_init();

static int check_k(size_t k, const char *fn)
{
    if (k > BITERN_MAX_K)
        return bitern_fail(BITERN_EINVAL, "%s: k = %zu exceeds BITERN_MAX_K = %zu", fn, k, BITERN_MAX_K);
    return BITERN_OK;
}

/* rows * per_row elements of `size` bytes must be addressable. */
static int check_size(size_t rows, size_t per_row, size_t size, const char *what, const char *fn)
{
    if (per_row && rows > SIZE_MAX / per_row / size)
        return bitern_fail(BITERN_EINVAL, "%s: %s of %zu x %zu elements overflows the address space", fn, what,
                           rows, per_row);
    return BITERN_OK;
}

#define CHECK(expr)                                                                                                 \
    do {                                                                                                            \
        int st_ = (expr);                                                                                           \
        if (st_ != BITERN_OK)                                                                                       \
            return st_;                                                                                             \
    } while (0)

#define NONNULL(p, fn)                                                                                              \
    do {                                                                                                            \
        if (!(p))                                                                                                   \
            return bitern_fail(BITERN_EINVAL, "%s: %s is NULL", fn, #p);                                            \
    } while (0)

static inline size_t i8_stride(size_t k) { return k; }

/* Bits at positions >= n in the last word of a block row. */
static uint64_t padding_mask(size_t n) { return (n & 63) ? ~(uint64_t)0 << (n & 63) : 0; }

/* What the checked ops verify of a packed operand, O(1) per row (bitern.h says the same): the last word of each
 * B1 row has no bit set at or beyond k; the last mask/sign pair of each T2 row has none either, and no sign bit
 * outside its mask. Variants differ on non-canonical input (b1b1 counts padding bits as elements), so these are
 * what would give a wrong answer for short rows without a word of warning. */
static int check_rows_b1(const uint64_t *p, size_t rows, size_t k, const char *fn, const char *what)
{
    if (!k)
        return BITERN_OK;
    size_t wpr = bitern_b1_words(k);
    uint64_t pad = padding_mask(k);
    for (size_t r = 0; r < rows; r++)
        if (p[r * wpr + wpr - 1] & pad)
            return bitern_fail(BITERN_EFORMAT, "%s: %s row %zu: B1 padding bits (positions >= k = %zu) are set", fn,
                               what, r, k);
    return BITERN_OK;
}

static int check_rows_t2(const uint64_t *p, size_t rows, size_t k, const char *fn, const char *what)
{
    if (!k)
        return BITERN_OK;
    size_t wpr = bitern_t2_words(k);
    uint64_t pad = padding_mask(k);
    for (size_t r = 0; r < rows; r++) {
        uint64_t mask = p[r * wpr + wpr - 2], sign = p[r * wpr + wpr - 1];
        if ((mask | sign) & pad)
            return bitern_fail(BITERN_EFORMAT, "%s: %s row %zu: T2 padding bits (positions >= k = %zu) are set", fn,
                               what, r, k);
        if (sign & ~mask)
            return bitern_fail(BITERN_EFORMAT, "%s: %s row %zu: T2 sign bits outside the non-zero mask in the last "
                               "word", fn, what, r);
    }
    return BITERN_OK;
}

static int check_rows_i8(const int8_t *p, size_t rows, size_t k, const char *fn, const char *what)
{
    (void)p, (void)rows, (void)k, (void)fn, (void)what;
    return BITERN_OK;
}

/* Word strides of W and X rows, per op. */
#define DEFINE_OPS(op, XT, wstride, xstride, wcheck, xcheck)                                                        \
    int bitern_dot_##op(const uint64_t *w, const XT *x, size_t k, int32_t *out)                                     \
    {                                                                                                               \
        CHECK(check_k(k, "dot_" #op));                                                                              \
        NONNULL(out, "dot_" #op);                                                                                   \
        if (k) {                                                                                                    \
            NONNULL(w, "dot_" #op);                                                                                 \
            NONNULL(x, "dot_" #op);                                                                                 \
        }                                                                                                           \
        CHECK(wcheck(w, 1, k, "dot_" #op, "w"));                                                                    \
        CHECK(xcheck(x, 1, k, "dot_" #op, "x"));                                                                    \
        GET_TABLE(t);                                                                                               \
        *out = t->dot_##op(w, x, k);                                                                                \
        return BITERN_OK;                                                                                           \
    }                                                                                                               \
    int bitern_gemv_##op(const uint64_t *w, const XT *x, int32_t *y, size_t m, size_t k)                            \
    {                                                                                                               \
        CHECK(check_k(k, "gemv_" #op));                                                                             \
        CHECK(check_size(m, wstride(k), 8, "W", "gemv_" #op));                                                      \
        CHECK(check_size(m, 1, sizeof(int32_t), "y", "gemv_" #op));                                                 \
        if (m) {                                                                                                    \
            NONNULL(y, "gemv_" #op);                                                                                \
            if (k) {                                                                                                \
                NONNULL(w, "gemv_" #op);                                                                            \
                NONNULL(x, "gemv_" #op);                                                                            \
            }                                                                                                       \
            CHECK(wcheck(w, m, k, "gemv_" #op, "W"));                                                               \
            CHECK(xcheck(x, 1, k, "gemv_" #op, "x"));                                                               \
        }                                                                                                           \
        GET_TABLE(t);                                                                                               \
        t->gemv_##op(w, x, y, m, k);                                                                                \
        return BITERN_OK;                                                                                           \
    }                                                                                                               \
    int bitern_gemm_##op(const uint64_t *w, const XT *x, int32_t *c, size_t m, size_t n, size_t k)                  \
    {                                                                                                               \
        CHECK(check_k(k, "gemm_" #op));                                                                             \
        CHECK(check_size(m, wstride(k), 8, "W", "gemm_" #op));                                                      \
        CHECK(check_size(n, xstride(k), sizeof(XT), "X", "gemm_" #op));                                             \
        CHECK(check_size(m, n, sizeof(int32_t), "C", "gemm_" #op));                                                 \
        if (m && n) {                                                                                               \
            NONNULL(c, "gemm_" #op);                                                                                \
            if (k) {                                                                                                \
                NONNULL(w, "gemm_" #op);                                                                            \
                NONNULL(x, "gemm_" #op);                                                                            \
            }                                                                                                       \
            CHECK(wcheck(w, m, k, "gemm_" #op, "W"));                                                               \
            CHECK(xcheck(x, n, k, "gemm_" #op, "X"));                                                               \
        }                                                                                                           \
        GET_TABLE(t);                                                                                               \
        t->gemm_##op(w, x, c, m, n, k);                                                                             \
        return BITERN_OK;                                                                                           \
    }

DEFINE_OPS(b1b1, uint64_t, bitern_b1_words, bitern_b1_words, check_rows_b1, check_rows_b1)
DEFINE_OPS(t2t2, uint64_t, bitern_t2_words, bitern_t2_words, check_rows_t2, check_rows_t2)
DEFINE_OPS(t2b1, uint64_t, bitern_t2_words, bitern_b1_words, check_rows_t2, check_rows_b1)
DEFINE_OPS(b1i8, int8_t, bitern_b1_words, i8_stride, check_rows_b1, check_rows_i8)
DEFINE_OPS(t2i8, int8_t, bitern_t2_words, i8_stride, check_rows_t2, check_rows_i8)

/* ---- packing ---- */
static int check_finite(const bitern_kernels *t, const float *x, size_t n, const char *fn)
{
    uint32_t m = t->absmax_f32(x, n);
    if (m >= 0x7f800000u) {
        for (size_t i = 0; i < n; i++) {
            uint32_t b;
            memcpy(&b, &x[i], sizeof b);
            if ((b & 0x7fffffffu) >= 0x7f800000u)
                return bitern_fail(BITERN_ENONFINITE, "%s: element %zu is %s", fn, i,
                                   (b & 0x7fffffu) ? "NaN" : "infinite");
        }
    }
    return BITERN_OK;
}

#define CHECK_PACK_ARGS(x, n, out, fn)                                                                              \
    do {                                                                                                            \
        if (n > SIZE_MAX / 8)                                                                                       \
            return bitern_fail(BITERN_EINVAL, "%s: n = %zu is too large", fn, (size_t)n);                           \
        if (n) {                                                                                                    \
            NONNULL(x, fn);                                                                                         \
            NONNULL(out, fn);                                                                                       \
        }                                                                                                           \
    } while (0)

int bitern_pack_b1_f32(const float *x, size_t n, uint64_t *out)
{
    CHECK_PACK_ARGS(x, n, out, "pack_b1_f32");
    GET_TABLE(t);
    CHECK(check_finite(t, x, n, "pack_b1_f32"));
    t->pack_b1_f32(x, n, out);
    return BITERN_OK;
}

int bitern_pack_t2_f32(const float *x, size_t n, float thr, uint64_t *out)
{
    CHECK_PACK_ARGS(x, n, out, "pack_t2_f32");
    if (!(thr >= 0.0f && thr <= 3.4028235e38f))
        return bitern_fail(BITERN_EINVAL, "pack_t2_f32: threshold %g must be finite and >= 0", (double)thr);
    GET_TABLE(t);
    CHECK(check_finite(t, x, n, "pack_t2_f32"));
    t->pack_t2_f32(x, n, thr, out);
    return BITERN_OK;
}

/* A word at a time, in registers: the engine packs activations with these on every layer. */
int bitern_pack_b1_i8(const int8_t *x, size_t n, uint64_t *out)
{
    CHECK_PACK_ARGS(x, n, out, "pack_b1_i8");
    for (size_t b = 0; b < bitern_b1_words(n); b++) {
        size_t len = n - 64 * b < 64 ? n - 64 * b : 64;
        uint64_t neg = 0;
        for (size_t i = 0; i < len; i++)
            neg |= (uint64_t)(x[64 * b + i] < 0) << i;
        out[b] = neg;
    }
    return BITERN_OK;
}

int bitern_pack_t2_i8(const int8_t *x, size_t n, uint64_t *out)
{
    CHECK_PACK_ARGS(x, n, out, "pack_t2_i8");
    for (size_t b = 0; b < bitern_b1_words(n); b++) {
        size_t len = n - 64 * b < 64 ? n - 64 * b : 64;
        uint64_t nz = 0, neg = 0;
        for (size_t i = 0; i < len; i++) {
            nz |= (uint64_t)(x[64 * b + i] != 0) << i;
            neg |= (uint64_t)(x[64 * b + i] < 0) << i;
        }
        out[2 * b] = nz;
        out[2 * b + 1] = neg;
    }
    return BITERN_OK;
}

int bitern_quantize_i8(const float *x, size_t n, int8_t *q, float *scale)
{
    CHECK_PACK_ARGS(x, n, q, "quantize_i8");
    NONNULL(scale, "quantize_i8");
    GET_TABLE(t);
    CHECK(check_finite(t, x, n, "quantize_i8"));
    uint32_t bits = t->absmax_f32(x, n);
    float absmax;
    memcpy(&absmax, &bits, sizeof absmax);
    if (absmax == 0.0f) {
        if (n)
            memset(q, 0, n);
        *scale = 0.0f;
        return BITERN_OK;
    }
    float inv = 127.0f / absmax;
    if (inv <= 3.4028235e38f) {
        t->quant_i8_f32(x, n, inv, q);
    } else {
        /* absmax is a denormal so small that 127 / absmax overflows float: the kernels' contract needs a finite
         * factor, so this rare case divides in double instead (exact enough: the ratios are at most 1). */
        for (size_t i = 0; i < n; i++)
            q[i] = (int8_t)nearbyint((double)x[i] / (double)absmax * 127.0);
    }
    *scale = absmax / 127.0f;
    return BITERN_OK;
}

int bitern_unpack_b1_i8(const uint64_t *p, size_t n, int8_t *out)
{
    CHECK_PACK_ARGS(p, n, out, "unpack_b1_i8");
    for (size_t i = 0; i < n; i++)
        out[i] = (int8_t)bitern_b1_get(p, i);
    return BITERN_OK;
}

int bitern_unpack_t2_i8(const uint64_t *p, size_t n, int8_t *out)
{
    CHECK_PACK_ARGS(p, n, out, "unpack_t2_i8");
    for (size_t i = 0; i < n; i++)
        out[i] = (int8_t)bitern_t2_get(p, i);
    return BITERN_OK;
}

int bitern_unpack_b1_f32(const uint64_t *p, size_t n, float *out)
{
    CHECK_PACK_ARGS(p, n, out, "unpack_b1_f32");
    for (size_t i = 0; i < n; i++)
        out[i] = (float)bitern_b1_get(p, i);
    return BITERN_OK;
}

int bitern_unpack_t2_f32(const uint64_t *p, size_t n, float *out)
{
    CHECK_PACK_ARGS(p, n, out, "unpack_t2_f32");
    for (size_t i = 0; i < n; i++)
        out[i] = (float)bitern_t2_get(p, i);
    return BITERN_OK;
}

int bitern_b1_check(const uint64_t *p, size_t n)
{
    if (n && !p)
        return bitern_fail(BITERN_EINVAL, "b1_check: p is NULL");
    if (n && (p[bitern_b1_words(n) - 1] & padding_mask(n)))
        return bitern_fail(BITERN_EFORMAT, "B1 vector of %zu elements has non-zero padding bits", n);
    return BITERN_OK;
}

int bitern_t2_check(const uint64_t *p, size_t n)
{
    if (n && !p)
        return bitern_fail(BITERN_EINVAL, "t2_check: p is NULL");
    size_t blocks = bitern_b1_words(n);
    for (size_t b = 0; b < blocks; b++)
        if (p[2 * b + 1] & ~p[2 * b])
            return bitern_fail(BITERN_EFORMAT, "T2 block %zu has sign bits outside its non-zero mask", b);
    if (n && ((p[2 * blocks - 2] | p[2 * blocks - 1]) & padding_mask(n)))
        return bitern_fail(BITERN_EFORMAT, "T2 vector of %zu elements has non-zero padding bits", n);
    return BITERN_OK;
}
