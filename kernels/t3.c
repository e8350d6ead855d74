/* SPDX-License-Identifier: MIT */
/*
 * The T3 format's public side (bitern.h): packing, unpacking, the canonical-form check and the checked dot and
 * gemv. Packing is not on a hot path (weights are packed once, when a model is built), so it is plain C here.
 * The argument rules are those of the other formats' functions (api.c).
 */
#include <string.h>

#include "internal.h"

#define FAIL_NULL(p, fn)                                                                                            \
    do {                                                                                                            \
        if (!(p))                                                                                                   \
            return bitern_fail(BITERN_EINVAL, "%s: %s is NULL", fn, #p);                                            \
    } while (0)

/* n elements from `in` to `out`: both non-NULL unless n = 0, n addressable. */
static int check_io(size_t n, const void *in, const void *out, const char *fn)
{
    if (n > SIZE_MAX / 8)
        return bitern_fail(BITERN_EINVAL, "%s: n = %zu is too large", fn, n);
    if (n && !in)
        return bitern_fail(BITERN_EINVAL, "%s: the input is NULL", fn);
    if (n && !out)
        return bitern_fail(BITERN_EINVAL, "%s: out is NULL", fn);
    return BITERN_OK;
}

/* Digits (w + 1) in, codes out: one block at a time, padding digits 1 (element 0). */
static void pack_digits(size_t n, uint64_t *out, const void *src, int (*digit)(const void *src, size_t i))
{
    uint8_t *bytes = (uint8_t *)out;
    for (size_t b = 0; b < (n + BITERN_T3_BLOCK - 1) / BITERN_T3_BLOCK; b++)
        for (size_t i = 0; i < 64; i++) {
            int d[5];
            for (size_t j = 0; j < 5; j++) {
                size_t e = b * BITERN_T3_BLOCK + 64 * j + i;
                d[j] = e < n ? digit(src, e) : 1;
            }
            bytes[64 * b + i] = bitern_t3_code(d);
        }
}

static int digit_i8(const void *src, size_t i)
{
    int8_t v = ((const int8_t *)src)[i];
    return (v > 0) - (v < 0) + 1;
}

typedef struct {
    const float *x;
    float thr;
} f32_src;

static int digit_f32(const void *src, size_t i)
{
    const f32_src *s = src;
    float v = s->x[i];
    return v > s->thr ? 2 : v < -s->thr ? 0 : 1;
}

int bitern_pack_t3_i8(const int8_t *x, size_t n, uint64_t *out)
{
    int st = check_io(n, x, out, "pack_t3_i8");
    if (st)
        return st;
    pack_digits(n, out, x, digit_i8);
    return BITERN_OK;
}

int bitern_pack_t3_f32(const float *x, size_t n, float thr, uint64_t *out)
{
    int st = check_io(n, x, out, "pack_t3_f32");
    if (st)
        return st;
    if (!(thr >= 0.0f && thr <= 3.4028235e38f))
        return bitern_fail(BITERN_EINVAL, "pack_t3_f32: threshold %g must be finite and >= 0", (double)thr);
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &x[i], sizeof b);
        if ((b & 0x7fffffffu) >= 0x7f800000u)
            return bitern_fail(BITERN_ENONFINITE, "pack_t3_f32: element %zu is %s", i,
                               (b & 0x7fffffu) ? "NaN" : "infinite");
    }
    f32_src s = { x, thr };
    pack_digits(n, out, &s, digit_f32);
    return BITERN_OK;
}

int bitern_unpack_t3_i8(const uint64_t *p, size_t n, int8_t *out)
{
    int st = check_io(n, p, out, "unpack_t3_i8");
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        out[i] = (int8_t)bitern_t3_get(p, i);
    return BITERN_OK;
}

int bitern_unpack_t3_f32(const uint64_t *p, size_t n, float *out)
{
    int st = check_io(n, p, out, "unpack_t3_f32");
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        out[i] = (float)bitern_t3_get(p, i);
    return BITERN_OK;
}

int bitern_t3_check(const uint64_t *p, size_t n)
{
    if (n && !p)
        return bitern_fail(BITERN_EINVAL, "t3_check: p is NULL");
    const uint8_t *bytes = (const uint8_t *)p;
    for (size_t b = 0; b < (n + BITERN_T3_BLOCK - 1) / BITERN_T3_BLOCK; b++)
        for (size_t i = 0; i < 64; i++) {
            uint8_t q = bytes[64 * b + i];
            int d[5];
            for (unsigned j = 0; j < 5; j++)
                d[j] = bitern_t3_digit(q, j);
            if (bitern_t3_code(d) != q)
                return bitern_fail(BITERN_EFORMAT, "T3 block %zu byte %zu (0x%02x) is not a valid code", b, i, q);
            for (unsigned j = 0; j < 5; j++)
                if (b * BITERN_T3_BLOCK + 64 * j + i >= n && d[j] != 1)
                    return bitern_fail(BITERN_EFORMAT, "T3 vector of %zu elements has a non-zero padding element",
                                       n);
        }
    return BITERN_OK;
}

/* ---- the checked ops ---- */
static int check_args(size_t m, size_t k, const void *w, const void *x, const void *y, const char *fn)
{
    if (k > BITERN_MAX_K)
        return bitern_fail(BITERN_EINVAL, "%s: k = %zu exceeds BITERN_MAX_K = %zu", fn, k, BITERN_MAX_K);
    size_t words = bitern_t3_words(k);
    if (words && m > SIZE_MAX / words / 8)
        return bitern_fail(BITERN_EINVAL, "%s: W of %zu x %zu elements overflows the address space", fn, m, k);
    if (m > SIZE_MAX / sizeof(int32_t))
        return bitern_fail(BITERN_EINVAL, "%s: y of %zu elements overflows the address space", fn, m);
    if (m) {
        FAIL_NULL(y, fn);
        if (k) {
            FAIL_NULL(w, fn);
            FAIL_NULL(x, fn);
        }
    }
    return BITERN_OK;
}

int bitern_dot_t3i8(const uint64_t *w, const int8_t *x, size_t k, int32_t *out)
{
    int st = check_args(1, k, w, x, out, "dot_t3i8");
    if (st)
        return st;
    const bitern_kernels *t = bitern_get_kernels();
    if (!t)
        return bitern_init();
    *out = t->dot_t3i8(w, x, k);
    return BITERN_OK;
}

int bitern_gemv_t3i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    int st = check_args(m, k, w, x, y, "gemv_t3i8");
    if (st)
        return st;
    const bitern_kernels *t = bitern_get_kernels();
    if (!t)
        return bitern_init();
    t->gemv_t3i8(w, x, y, m, k);
    return BITERN_OK;
}
