/* SPDX-License-Identifier: MIT */
/*
 * The scalar reference of every op: the truth that every SIMD variant is compared with, exactly.
 *
 * It is written for obviousness, one element or one word at a time, and meson builds it with
 * -fno-tree-vectorize so that the compiler does not turn it into SIMD code behind our back: the scalar level
 * must stay scalar, both to be an honest baseline and to run on CPUs that have no vector extension the
 * compiler might assume.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

static inline int popcount64(uint64_t v) { return __builtin_popcountll(v); }

/* Matching signs give +1, others -1: dot = k - 2 * mismatches. Zero padding matches itself and counts as 0. */
int32_t bitern_dot_b1b1_scalar(const uint64_t *w, const uint64_t *x, size_t k)
{
    int32_t mismatches = 0;
    for (size_t i = 0; i < bitern_b1_words(k); i++)
        mismatches += popcount64(w[i] ^ x[i]);
    return (int32_t)k - 2 * mismatches;
}

/* Non-zero where both are non-zero; negative where, in addition, the signs differ. */
int32_t bitern_dot_t2t2_scalar(const uint64_t *w, const uint64_t *x, size_t k)
{
    int32_t nonzero = 0, negative = 0;
    for (size_t b = 0; b < bitern_b1_words(k); b++) {
        uint64_t nz = w[2 * b] & x[2 * b];
        nonzero += popcount64(nz);
        negative += popcount64(nz & (w[2 * b + 1] ^ x[2 * b + 1]));
    }
    return nonzero - 2 * negative;
}

int32_t bitern_dot_t2b1_scalar(const uint64_t *w, const uint64_t *x, size_t k)
{
    int32_t nonzero = 0, negative = 0;
    for (size_t b = 0; b < bitern_b1_words(k); b++) {
        uint64_t nz = w[2 * b];
        nonzero += popcount64(nz);
        negative += popcount64(nz & (w[2 * b + 1] ^ x[b]));
    }
    return nonzero - 2 * negative;
}

/* Element by element: |sum| <= 127 * k <= 127 * 2^24 < 2^31, so int32 is exact. */
int32_t bitern_dot_b1i8_scalar(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += bitern_b1_get(w, i) * x[i];
    return sum;
}

int32_t bitern_dot_t2i8_scalar(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += bitern_t2_get(w, i) * x[i];
    return sum;
}

/* Element by element, each weight decoded by the documented rule (bitern.h, T3). */
int32_t bitern_dot_t3i8_scalar(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += bitern_t3_get(w, i) * x[i];
    return sum;
}

void bitern_gemv_t3i8_scalar(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    for (size_t r = 0; r < m; r++)
        y[r] = bitern_dot_t3i8_scalar(w + r * bitern_t3_words(k), x, k);
}

#define GEMV_GEMM(op, XT, wstride, xstride)                                                                         \
    void bitern_gemv_##op##_scalar(const uint64_t *w, const XT *x, int32_t *y, size_t m, size_t k)                \
    {                                                                                                               \
        for (size_t r = 0; r < m; r++)                                                                              \
            y[r] = bitern_dot_##op##_scalar(w + r * wstride(k), x, k);                                              \
    }                                                                                                               \
    void bitern_gemm_##op##_scalar(const uint64_t *w, const XT *x, int32_t *c, size_t m, size_t n, size_t k)      \
    {                                                                                                               \
        for (size_t r = 0; r < m; r++)                                                                              \
            for (size_t j = 0; j < n; j++)                                                                          \
                c[r * n + j] = bitern_dot_##op##_scalar(w + r * wstride(k), x + j * xstride(k), k);                 \
    }

static inline size_t i8_stride(size_t k) { return k; }

GEMV_GEMM(b1b1, uint64_t, bitern_b1_words, bitern_b1_words)
GEMV_GEMM(t2t2, uint64_t, bitern_t2_words, bitern_t2_words)
GEMV_GEMM(t2b1, uint64_t, bitern_t2_words, bitern_b1_words)
GEMV_GEMM(b1i8, int8_t, bitern_b1_words, i8_stride)
GEMV_GEMM(t2i8, int8_t, bitern_t2_words, i8_stride)

void bitern_pack_b1_f32_scalar(const float *x, size_t n, uint64_t *out)
{
    memset(out, 0, bitern_b1_words(n) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (x[i] < 0.0f)
            out[i >> 6] |= (uint64_t)1 << (i & 63);
}

void bitern_pack_t2_f32_scalar(const float *x, size_t n, float thr, uint64_t *out)
{
    memset(out, 0, bitern_t2_words(n) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)1 << (i & 63);
        if (fabsf(x[i]) > thr) {
            out[2 * (i >> 6)] |= bit;
            if (x[i] < 0.0f)
                out[2 * (i >> 6) + 1] |= bit;
        }
    }
}

/* On the raw bits, |x| of finite floats orders like unsigned integers, and every NaN or infinity compares above
 * them all (>= 0x7f800000): one pass finds the maximum and detects non-finite input. */
uint32_t bitern_absmax_f32_scalar(const float *x, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &x[i], sizeof b);
        b &= 0x7fffffffu;
        if (b > m)
            m = b;
    }
    return m;
}

/* Clamp first, then round: the bounds are integers, so this equals round-then-clamp, and the float never
 * reaches a value the conversion cannot represent. nearbyintf rounds to nearest even, as cvtps2dq and fcvtns do. */
void bitern_quant_i8_f32_scalar(const float *x, size_t n, float inv, int8_t *q)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i] * inv;
        v = v > 127.0f ? 127.0f : v;
        v = v < -127.0f ? -127.0f : v;
        q[i] = (int8_t)nearbyintf(v);
    }
}

static const bitern_variant scalar_variants[] = { BITERN_VARIANTS_SCALAR(BITERN_VARIANT_ROW) };
const bitern_variant_list bitern_variants_scalar = { scalar_variants,
                                                     sizeof scalar_variants / sizeof scalar_variants[0] };
