/* SPDX-License-Identifier: MIT */
/*
 * AVX2 packing kernels: pack_b1_f32, pack_t2_f32, absmax_f32, quant_i8_f32.
 *
 * Comparisons give all-ones lanes; vpackssdw and vpacksswb narrow four of them (32 floats) to 32 bytes, whose
 * order vpermd restores (the packs work within 128-bit halves), and vpmovmskb takes the 32 bits. The last partial
 * group of 8 floats is read with vmaskmovps, which reads only the lanes it is asked for, so no float past n is
 * touched; its zero lanes give clear bits, hence zero padding.
 *
 * Bit-exact with the scalar reference: the same ordered comparisons (false for NaN, -0.0 is not < 0), the raw-bits
 * maximum for absmax, and for quant the multiply, the clamps in the reference's order (vminps/vmaxps with the
 * bound first return the bound only when the comparison holds, as the reference's ?: does) and vcvtps2dq, which
 * rounds to nearest even like nearbyintf. No FMA anywhere.
 */
#include <immintrin.h>
#include <string.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

static inline __m256 load8(const float *p) { return _mm256_loadu_ps(p); }

/* The first `count` (0..8) floats at p; the other lanes are +0.0. */
INLINE __m256 load_partial(const float *p, size_t count)
{
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i active = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), lanes);
    return _mm256_maskload_ps(p, active);
}

/* 32 bits from four comparison results (32 floats in order). */
INLINE uint32_t movemask4(__m256 a, __m256 b, __m256 c, __m256 d)
{
    __m256i ab = _mm256_packs_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b));
    __m256i cd = _mm256_packs_epi32(_mm256_castps_si256(c), _mm256_castps_si256(d));
    /* The dwords of the packed bytes now hold floats 0-3, 8-11, 16-19, 24-27, 4-7, 12-15, 20-23, 28-31. */
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return (uint32_t)_mm256_movemask_epi8(bytes);
}

/* ---- pack_b1_f32: bit set where x < 0 ---- */

INLINE __m256 negative(__m256 v) { return _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ); }

INLINE uint32_t b1_bits32(const float *x)
{
    return movemask4(negative(load8(x)), negative(load8(x + 8)), negative(load8(x + 16)), negative(load8(x + 24)));
}

/* Bits of the last `count` (< 64) elements. */
INLINE uint64_t b1_bits_partial(const float *x, size_t count)
{
    uint64_t bits = 0;
    for (size_t g = 0; g < count; g += 8) {
        size_t c = count - g < 8 ? count - g : 8;
        bits |= (uint64_t)(unsigned)_mm256_movemask_ps(negative(load_partial(x + g, c))) << g;
    }
    return bits;
}

void bitern_pack_b1_f32_avx2(const float *x, size_t n, uint64_t *out)
{
    size_t words = n / 64;
    for (size_t i = 0; i < words; i++)
        out[i] = (uint64_t)b1_bits32(x + 64 * i) | (uint64_t)b1_bits32(x + 64 * i + 32) << 32;
    if (n % 64)
        out[words] = b1_bits_partial(x + 64 * words, n % 64);
}

/* ---- pack_t2_f32: mask where |x| > thr, sign where also x < 0 ---- */

typedef struct t2_lanes {
    __m256 nonzero, negative;
} t2_lanes;

INLINE t2_lanes t2_compare(__m256 v, __m256 thr)
{
    __m256 magnitude = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
    __m256 nonzero = _mm256_cmp_ps(magnitude, thr, _CMP_GT_OQ);
    return (t2_lanes){ nonzero, _mm256_and_ps(nonzero, negative(v)) };
}

INLINE void t2_bits32(const float *x, __m256 thr, uint32_t *mask, uint32_t *sign)
{
    t2_lanes a = t2_compare(load8(x), thr), b = t2_compare(load8(x + 8), thr);
    t2_lanes c = t2_compare(load8(x + 16), thr), d = t2_compare(load8(x + 24), thr);
    *mask = movemask4(a.nonzero, b.nonzero, c.nonzero, d.nonzero);
    *sign = movemask4(a.negative, b.negative, c.negative, d.negative);
}

void bitern_pack_t2_f32_avx2(const float *x, size_t n, float thr, uint64_t *out)
{
    __m256 t = _mm256_set1_ps(thr);
    size_t blocks = n / 64;
    for (size_t b = 0; b < blocks; b++) {
        uint32_t m0, s0, m1, s1;
        t2_bits32(x + 64 * b, t, &m0, &s0);
        t2_bits32(x + 64 * b + 32, t, &m1, &s1);
        out[2 * b] = (uint64_t)m0 | (uint64_t)m1 << 32;
        out[2 * b + 1] = (uint64_t)s0 | (uint64_t)s1 << 32;
    }
    if (n % 64) {
        uint64_t mask = 0, sign = 0;
        const float *p = x + 64 * blocks;
        for (size_t g = 0; g < n % 64; g += 8) {
            size_t c = n % 64 - g < 8 ? n % 64 - g : 8;
            t2_lanes l = t2_compare(load_partial(p + g, c), t);
            mask |= (uint64_t)(unsigned)_mm256_movemask_ps(l.nonzero) << g;
            sign |= (uint64_t)(unsigned)_mm256_movemask_ps(l.negative) << g;
        }
        out[2 * blocks] = mask;
        out[2 * blocks + 1] = sign;
    }
}

/* ---- absmax_f32: the maximum of the raw bits of |x| ---- */

/* |x| of finite floats orders like its bits as unsigned integers, and NaN or infinity bits are above them all, so
 * vpmaxud on the bits finds the maximum and lets a non-finite value through, as the reference does. */
INLINE __m256i abs_bits(__m256 v)
{
    return _mm256_and_si256(_mm256_castps_si256(v), _mm256_set1_epi32(0x7fffffff));
}

uint32_t bitern_absmax_f32_avx2(const float *x, size_t n)
{
    /* Four accumulators: vpmaxud has a latency of one cycle but two can issue per cycle. */
    __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        m0 = _mm256_max_epu32(m0, abs_bits(load8(x + i)));
        m1 = _mm256_max_epu32(m1, abs_bits(load8(x + i + 8)));
        m2 = _mm256_max_epu32(m2, abs_bits(load8(x + i + 16)));
        m3 = _mm256_max_epu32(m3, abs_bits(load8(x + i + 24)));
    }
    for (; i < n; i += 8)
        m0 = _mm256_max_epu32(m0, abs_bits(load_partial(x + i, n - i < 8 ? n - i : 8)));
    __m256i m = _mm256_max_epu32(_mm256_max_epu32(m0, m1), _mm256_max_epu32(m2, m3));
    __m128i h = _mm_max_epu32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(h);
}

/* ---- quant_i8_f32: clamp(round-to-nearest-even(x * inv), -127, 127) ---- */

INLINE __m256i quant8(__m256 v, __m256 inv)
{
    __m256 q = _mm256_mul_ps(v, inv);
    /* 0 * inf is NaN (inv is 127 / absmax, infinite when absmax is a tiny denormal): vcvtps2dq would give
     * 0x80000000 and the packs -128, outside the I8 range. Zeroing NaN lanes gives 0, as the reference does on x86
     * (its conversion of NaN keeps the low byte of 0x80000000). */
    q = _mm256_and_ps(q, _mm256_cmp_ps(q, q, _CMP_ORD_Q));
    q = _mm256_min_ps(_mm256_set1_ps(127.0f), q);  /* 127 < q ? 127 : q, as the reference's q > 127 ? 127 : q */
    q = _mm256_max_ps(_mm256_set1_ps(-127.0f), q); /* -127 > q ? -127 : q */
    return _mm256_cvtps_epi32(q);                   /* the MXCSR mode: round to nearest even */
}

/* 32 int8 from four vectors of 8 int32 in [-127, 127] (the saturating packs do not saturate). */
INLINE __m256i narrow4(__m256i a, __m256i b, __m256i c, __m256i d)
{
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

void bitern_quant_i8_f32_avx2(const float *x, size_t n, float inv, int8_t *q)
{
    __m256 s = _mm256_set1_ps(inv);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i bytes = narrow4(quant8(load8(x + i), s), quant8(load8(x + i + 8), s), quant8(load8(x + i + 16), s),
                                quant8(load8(x + i + 24), s));
        _mm256_storeu_si256((__m256i *)(q + i), bytes);
    }
    if (i < n) {
        /* Up to 31 floats left: read them exactly, convert a full vector, write only the n - i bytes. */
        size_t left = n - i;
        __m256i v[4];
        for (size_t g = 0; g < 4; g++) {
            size_t start = 8 * g < left ? 8 * g : left;
            size_t count = left - start < 8 ? left - start : 8;
            v[g] = quant8(load_partial(x + i + start, count), s);
        }
        int8_t buf[32];
        _mm256_storeu_si256((__m256i *)buf, narrow4(v[0], v[1], v[2], v[3]));
        memcpy(q + i, buf, left);
    }
}
