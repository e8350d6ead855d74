/* SPDX-License-Identifier: MIT */
/*
 * Plain AVX-512 (Skylake-X) packing kernels: float to B1 and T2, absmax, quantisation to int8.
 *
 * AVX-512 compares write k-registers, one bit per float: the 4 compares of 64 floats are joined with kunpckwd and
 * kunpckdq (AVX512BW) into the 64-bit word of a B1 or T2 block, bit i for float i, as the formats want. The last,
 * partial block is read with zero-masked loads (exactly n floats); a zero compares as neither negative nor above a
 * threshold >= 0, so the padding bits come out zero, and every output word is written.
 *
 * The float steps are those of ref.c, with the same results bit for bit: vmulps (never fused), then the clamps as
 * vminps(127, v) and vmaxps(-127, v), which return v itself when the comparison is false (as `v > 127 ? 127 : v`
 * does), then vcvtps2dq, which rounds to nearest even as nearbyintf does in the default rounding mode, and vpmovdb.
 */
#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

INLINE __mmask16 first(size_t n) { return (__mmask16)_bzhi_u32(0xffffu, (unsigned)(n < 16 ? n : 16)); }
/* Floats i .. i + 15 of x[0 .. n), zeros past n. */
INLINE __m512 load16(const float *x, size_t i, size_t n)
{
    return i + 16 <= n ? _mm512_loadu_ps(x + i) : _mm512_maskz_loadu_ps(first(i < n ? n - i : 0), x + i);
}
/* Four 16-bit masks, in order, as one 64-bit word. */
INLINE uint64_t join(__mmask16 m0, __mmask16 m1, __mmask16 m2, __mmask16 m3)
{
    return _cvtmask64_u64(_mm512_kunpackd(_mm512_kunpackw(m3, m2), _mm512_kunpackw(m1, m0)));
}

void bitern_pack_b1_f32_avx512(const float *x, size_t n, uint64_t *out)
{
    const __m512 zero = _mm512_setzero_ps();
    for (size_t b = 0; b < bitern_b1_words(n); b++) {
        size_t i = 64 * b;
#define NEG(j) _mm512_cmp_ps_mask(load16(x, i + 16 * (j), n), zero, _CMP_LT_OQ)
        out[b] = join(NEG(0), NEG(1), NEG(2), NEG(3));
#undef NEG
    }
}

void bitern_pack_t2_f32_avx512(const float *x, size_t n, float thr, uint64_t *out)
{
    const __m512 zero = _mm512_setzero_ps(), t = _mm512_set1_ps(thr);
    for (size_t b = 0; b < bitern_b1_words(n); b++) {
        size_t i = 64 * b;
        __mmask16 nz[4], neg[4];
        for (int j = 0; j < 4; j++) {
            __m512 v = load16(x, i + 16 * (size_t)j, n);
            /* |x| > thr; the sign only where the element is non-zero. */
            nz[j] = _mm512_cmp_ps_mask(_mm512_abs_ps(v), t, _CMP_GT_OQ);
            neg[j] = _mm512_mask_cmp_ps_mask(nz[j], v, zero, _CMP_LT_OQ);
        }
        out[2 * b] = join(nz[0], nz[1], nz[2], nz[3]);
        out[2 * b + 1] = join(neg[0], neg[1], neg[2], neg[3]);
    }
}

/* The raw bits of |x| order like the values, NaN and infinity above all finite ones (see ref.c): an unsigned
 * 32-bit maximum of the bits with the sign cleared. */
uint32_t bitern_absmax_f32_avx512(const float *x, size_t n)
{
    const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
    __m512i m0 = _mm512_setzero_si512(), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_loadu_si512(x + i), magnitude));
        m1 = _mm512_max_epu32(m1, _mm512_and_si512(_mm512_loadu_si512(x + i + 16), magnitude));
        m2 = _mm512_max_epu32(m2, _mm512_and_si512(_mm512_loadu_si512(x + i + 32), magnitude));
        m3 = _mm512_max_epu32(m3, _mm512_and_si512(_mm512_loadu_si512(x + i + 48), magnitude));
    }
    for (; i < n; i += 16)
        m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_castps_si512(load16(x, i, n)), magnitude));
    return _mm512_reduce_max_epu32(_mm512_max_epu32(_mm512_max_epu32(m0, m1), _mm512_max_epu32(m2, m3)));
}

/* q = clamp(x * inv, -127, 127), rounded to nearest even: 16 floats to 16 bytes. */
INLINE __m128i quant16(__m512 v, __m512 inv)
{
    v = _mm512_mul_ps(v, inv);
    v = _mm512_min_ps(_mm512_set1_ps(127.0f), v);
    v = _mm512_max_ps(_mm512_set1_ps(-127.0f), v);
    return _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v));
}

void bitern_quant_i8_f32_avx512(const float *x, size_t n, float inv, int8_t *q)
{
    const __m512 s = _mm512_set1_ps(inv);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m128i q0 = quant16(_mm512_loadu_ps(x + i), s), q1 = quant16(_mm512_loadu_ps(x + i + 16), s);
        __m128i q2 = quant16(_mm512_loadu_ps(x + i + 32), s), q3 = quant16(_mm512_loadu_ps(x + i + 48), s);
        __m512i all = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q1, q0)), _mm256_set_m128i(q3, q2), 1);
        _mm512_storeu_si512(q + i, all);
    }
    for (; i < n; i += 16) {
        __mmask16 m = first(n - i);
        _mm_mask_storeu_epi8(q + i, m, quant16(_mm512_maskz_loadu_ps(m, x + i), s));
    }
}
