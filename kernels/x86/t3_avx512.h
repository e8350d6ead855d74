/* SPDX-License-Identifier: MIT */
/* Helpers of the two AVX-512 T3 files (t3_avx512.c, t3_avx512icl.c), each built with its own flags. */
#ifndef BITERN_T3_AVX512_H
#define BITERN_T3_AVX512_H

#include <immintrin.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

INLINE __m512i load(const void *p) { return _mm512_loadu_si512(p); }
/* 3 p mod 256 in every byte: vpaddb wraps. */
INLINE __m512i times3(__m512i p) { return _mm512_add_epi8(_mm512_add_epi8(p, p), p); }

/* The sum of the 16 lanes, with wrapping adds (the caller forms its result modulo 2^32). */
INLINE uint32_t hsum(__m512i v)
{
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0x4e));
    q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(q);
}

#endif
