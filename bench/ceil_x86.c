// SPDX-License-Identifier: MIT
// x86 ceiling loops and read loops. Each function carries a target attribute (as libdeflate does) instead of
// per-file ISA flags, and is called only when the CPU has that ISA: main() never runs an instruction the CPU
// lacks. The loops are register-only, so they measure issue throughput, never memory.
#if defined(__x86_64__)
#include <immintrin.h>

#include "roofline.h"

#define OPAQUE_V(v) __asm__ volatile("" : "+v"(v))
#define OPAQUE_R(v) __asm__ volatile("" : "+r"(v))

// ---- AVX2 (ymm) nibble-LUT popcount and maddubs loops ----
#define V_TARGET __attribute__((target("avx2,fma,popcnt")))
#define V_NAME(x) avx2_##x
#define V_T __m256i
#define V_F __m256
#define V_BITS 256
#define V_ZERO _mm256_setzero_si256()
#define V_SET1_8(x) _mm256_set1_epi8((char)(x))
#define V_SET1_16(x) _mm256_set1_epi16(x)
#define V_LUT _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4)
#define V_AND _mm256_and_si256
#define V_OR _mm256_or_si256
#define V_XOR _mm256_xor_si256
#define V_SRLI16 _mm256_srli_epi16
#define V_SHUF _mm256_shuffle_epi8
#define V_ADD8 _mm256_add_epi8
#define V_ADD32 _mm256_add_epi32
#define V_ADD64 _mm256_add_epi64
#define V_SAD(v) _mm256_sad_epu8(v, _mm256_setzero_si256())
#define V_LANE0(v) (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(v))
#define V_MADDUBS _mm256_maddubs_epi16
#define V_MADDWD _mm256_madd_epi16
#define V_SET1_PS _mm256_set1_ps
#define V_FMA _mm256_fmadd_ps
#define V_ADDPS _mm256_add_ps
#define V_PS0(v) _mm_cvtss_f32(_mm256_castps256_ps128(v))
#include "ceil_lut.h"
#undef V_TARGET
#undef V_NAME
#undef V_T
#undef V_F
#undef V_BITS
#undef V_ZERO
#undef V_SET1_8
#undef V_SET1_16
#undef V_LUT
#undef V_AND
#undef V_OR
#undef V_XOR
#undef V_SRLI16
#undef V_SHUF
#undef V_ADD8
#undef V_ADD32
#undef V_ADD64
#undef V_SAD
#undef V_LANE0
#undef V_MADDUBS
#undef V_MADDWD
#undef V_SET1_PS
#undef V_FMA
#undef V_ADDPS
#undef V_PS0

// ---- AVX-512BW (zmm) without VPOPCNTDQ / VNNI: the same loops twice as wide ----
#define V_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,popcnt")))
#define V_NAME(x) avx512_##x
#define V_T __m512i
#define V_F __m512
#define V_BITS 512
#define V_ZERO _mm512_setzero_si512()
#define V_SET1_8(x) _mm512_set1_epi8((char)(x))
#define V_SET1_16(x) _mm512_set1_epi16(x)
#define V_LUT _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4))
#define V_AND _mm512_and_si512
#define V_OR _mm512_or_si512
#define V_XOR _mm512_xor_si512
#define V_SRLI16 _mm512_srli_epi16
#define V_SHUF _mm512_shuffle_epi8
#define V_ADD8 _mm512_add_epi8
#define V_ADD32 _mm512_add_epi32
#define V_ADD64 _mm512_add_epi64
#define V_SAD(v) _mm512_sad_epu8(v, _mm512_setzero_si512())
#define V_LANE0(v) (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(v))
#define V_MADDUBS _mm512_maddubs_epi16
#define V_MADDWD _mm512_madd_epi16
#define V_SET1_PS _mm512_set1_ps
#define V_FMA _mm512_fmadd_ps
#define V_ADDPS _mm512_add_ps
#define V_PS0(v) _mm512_cvtss_f32(v)
#include "ceil_lut.h"

// ---- Ice Lake and later: VPOPCNTQ and VPDPBUSD ----
#define ICL_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,avx512vnni")))

// The brief's ceiling of the b1b1 inner loop: vpxorq + vpopcntq + vpaddq per 512 elements.
ICL_TARGET static double icl_b1b1(uint64_t iters)
{
    const __m512i b = _mm512_set1_epi8(0x55);
    __m512i a0 = _mm512_set1_epi64(1), a1 = _mm512_set1_epi64(2), a2 = _mm512_set1_epi64(3),
            a3 = _mm512_set1_epi64(4), a4 = _mm512_set1_epi64(5), a5 = _mm512_set1_epi64(6);
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE_V(a0); OPAQUE_V(a1); OPAQUE_V(a2); OPAQUE_V(a3); OPAQUE_V(a4); OPAQUE_V(a5);
        s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(_mm512_xor_si512(a0, b)));
        s1 = _mm512_add_epi64(s1, _mm512_popcnt_epi64(_mm512_xor_si512(a1, b)));
        s2 = _mm512_add_epi64(s2, _mm512_popcnt_epi64(_mm512_xor_si512(a2, b)));
        s3 = _mm512_add_epi64(s3, _mm512_popcnt_epi64(_mm512_xor_si512(a3, b)));
        s4 = _mm512_add_epi64(s4, _mm512_popcnt_epi64(_mm512_xor_si512(a4, b)));
        s5 = _mm512_add_epi64(s5, _mm512_popcnt_epi64(_mm512_xor_si512(a5, b)));
    }
    __m512i t = _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3)),
                                 _mm512_add_epi64(s4, s5));
    bb_sink += (uint64_t)_mm512_reduce_add_epi64(t);
    return (double)iters * 6 * 512;
}

// (ws ^ xs) & nz in one vpternlogq (imm 0x28 = (A ^ B) & C).
ICL_TARGET static double icl_t2t2(uint64_t iters)
{
    const __m512i xm = _mm512_set1_epi8(0x0f), xs = _mm512_set1_epi8(0x33);
    __m512i m0 = _mm512_set1_epi64(1), m1 = _mm512_set1_epi64(2), m2 = _mm512_set1_epi64(3);
    __m512i g0 = _mm512_set1_epi64(4), g1 = _mm512_set1_epi64(5), g2 = _mm512_set1_epi64(6);
    __m512i z0 = _mm512_setzero_si512(), z1 = z0, z2 = z0, n0 = z0, n1 = z0, n2 = z0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE_V(m0); OPAQUE_V(m1); OPAQUE_V(m2); OPAQUE_V(g0); OPAQUE_V(g1); OPAQUE_V(g2);
        __m512i nz0 = _mm512_and_si512(m0, xm), nz1 = _mm512_and_si512(m1, xm), nz2 = _mm512_and_si512(m2, xm);
        z0 = _mm512_add_epi64(z0, _mm512_popcnt_epi64(nz0));
        z1 = _mm512_add_epi64(z1, _mm512_popcnt_epi64(nz1));
        z2 = _mm512_add_epi64(z2, _mm512_popcnt_epi64(nz2));
        n0 = _mm512_add_epi64(n0, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g0, xs, nz0, 0x28)));
        n1 = _mm512_add_epi64(n1, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g1, xs, nz1, 0x28)));
        n2 = _mm512_add_epi64(n2, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g2, xs, nz2, 0x28)));
    }
    __m512i t = _mm512_add_epi64(_mm512_add_epi64(z0, z1), _mm512_add_epi64(z2, _mm512_add_epi64(n0, n1)));
    bb_sink += (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(t, n2));
    return (double)iters * 3 * 512;
}

ICL_TARGET static double icl_t2b1(uint64_t iters)
{
    const __m512i x = _mm512_set1_epi8(0x33);
    __m512i m0 = _mm512_set1_epi64(1), m1 = _mm512_set1_epi64(2), m2 = _mm512_set1_epi64(3);
    __m512i g0 = _mm512_set1_epi64(4), g1 = _mm512_set1_epi64(5), g2 = _mm512_set1_epi64(6);
    __m512i z0 = _mm512_setzero_si512(), z1 = z0, z2 = z0, n0 = z0, n1 = z0, n2 = z0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE_V(m0); OPAQUE_V(m1); OPAQUE_V(m2); OPAQUE_V(g0); OPAQUE_V(g1); OPAQUE_V(g2);
        z0 = _mm512_add_epi64(z0, _mm512_popcnt_epi64(m0));
        z1 = _mm512_add_epi64(z1, _mm512_popcnt_epi64(m1));
        z2 = _mm512_add_epi64(z2, _mm512_popcnt_epi64(m2));
        n0 = _mm512_add_epi64(n0, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g0, x, m0, 0x28)));
        n1 = _mm512_add_epi64(n1, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g1, x, m1, 0x28)));
        n2 = _mm512_add_epi64(n2, _mm512_popcnt_epi64(_mm512_ternarylogic_epi64(g2, x, m2, 0x28)));
    }
    __m512i t = _mm512_add_epi64(_mm512_add_epi64(z0, z1), _mm512_add_epi64(z2, _mm512_add_epi64(n0, n1)));
    bb_sink += (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(t, n2));
    return (double)iters * 3 * 512;
}

// The brief's int8 ceiling: a pure vpdpbusd loop, 64 MACs per instruction; 10 chains cover its 5-cycle latency.
ICL_TARGET static double icl_i8(uint64_t iters)
{
    const __m512i b = _mm512_set1_epi8(-117), a = _mm512_set1_epi8(3);
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0,
            s9 = s0;
    for (uint64_t i = 0; i < iters; i++) {
        s0 = _mm512_dpbusd_epi32(s0, a, b), s1 = _mm512_dpbusd_epi32(s1, a, b);
        s2 = _mm512_dpbusd_epi32(s2, a, b), s3 = _mm512_dpbusd_epi32(s3, a, b);
        s4 = _mm512_dpbusd_epi32(s4, a, b), s5 = _mm512_dpbusd_epi32(s5, a, b);
        s6 = _mm512_dpbusd_epi32(s6, a, b), s7 = _mm512_dpbusd_epi32(s7, a, b);
        s8 = _mm512_dpbusd_epi32(s8, a, b), s9 = _mm512_dpbusd_epi32(s9, a, b);
    }
    __m512i t = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(s0, s1), _mm512_add_epi32(s2, s3)),
                                 _mm512_add_epi32(_mm512_add_epi32(s4, s5), _mm512_add_epi32(s6, s7)));
    t = _mm512_add_epi32(t, _mm512_add_epi32(s8, s9));
    /* Summed as unsigned: the ceiling loop's lanes wrap, and GCC's _mm512_reduce_add_epi32 adds them as signed
     * int in C, which UBSan rightly flags. */
    uint32_t lanes[16], sum = 0;
    _mm512_storeu_si512(lanes, t);
    for (int j = 0; j < 16; j++)
        sum += lanes[j];
    bb_sink += sum;
    return (double)iters * 10 * 64;
}

// ---- scalar with the POPCNT instruction (what an x86 scalar kernel built with -mpopcnt can reach) ----
__attribute__((target("popcnt"))) static double popcnt_b1b1(uint64_t iters)
{
    uint64_t a0 = 1, a1 = 2, a2 = 3, a3 = 4, s0 = 0, s1 = 0, s2 = 0, s3 = 0, b = 0x5555555555555555ull;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE_R(a0); OPAQUE_R(a1); OPAQUE_R(a2); OPAQUE_R(a3);
        s0 += (uint64_t)_mm_popcnt_u64(a0 ^ b), s1 += (uint64_t)_mm_popcnt_u64(a1 ^ b);
        s2 += (uint64_t)_mm_popcnt_u64(a2 ^ b), s3 += (uint64_t)_mm_popcnt_u64(a3 ^ b);
    }
    bb_sink += s0 + s1 + s2 + s3;
    return (double)iters * 4 * 64;
}

bb_ceil_loop *bb_ceil_pick_arch(bb_ceil c, unsigned flags, const char **name, bb_ceil_loop **alt)
{
    unsigned cpu = bb_machine_flags();
    flags &= cpu; // never pick a loop the CPU cannot run
    int icl_pop = (flags & BITERN_CPU_X86_AVX512) && (flags & BITERN_CPU_X86_AVX512_VPOPCNTDQ);
    int icl_vnni = (flags & BITERN_CPU_X86_AVX512) && (flags & BITERN_CPU_X86_AVX512_VNNI);
    int avx512 = (flags & BITERN_CPU_X86_AVX512) != 0;
    int avx2 = (flags & BITERN_CPU_X86_AVX2) != 0;
    switch (c) {
    case BB_CEIL_B1B1:
        if (icl_pop)
            return *name = "zmm: vpxorq+vpopcntq+vpaddq", icl_b1b1;
        if (avx512)
            return *alt = avx512_b1b1_hs, *name = "zmm: xor + best of pshufb-LUT / Harley-Seal popcount", avx512_b1b1;
        if (avx2)
            return *alt = avx2_b1b1_hs, *name = "ymm: xor + best of pshufb-LUT / Harley-Seal popcount", avx2_b1b1;
        if (flags & BITERN_CPU_X86_POPCNT)
            return *name = "r64: xor+popcnt+add", popcnt_b1b1;
        return NULL;
    case BB_CEIL_T2T2:
        if (icl_pop)
            return *name = "zmm: vpandq+vpternlogq+2 vpopcntq+2 vpaddq", icl_t2t2;
        if (avx512)
            return *name = "zmm: and+xor+and+2 pshufb-LUT popcounts", avx512_t2t2;
        if (avx2)
            return *name = "ymm: and+xor+and+2 pshufb-LUT popcounts", avx2_t2t2;
        return NULL;
    case BB_CEIL_T2B1:
        if (icl_pop)
            return *name = "zmm: vpternlogq+2 vpopcntq+2 vpaddq", icl_t2b1;
        if (avx512)
            return *name = "zmm: xor+and+2 pshufb-LUT popcounts", avx512_t2b1;
        if (avx2)
            return *name = "ymm: xor+and+2 pshufb-LUT popcounts", avx2_t2b1;
        return NULL;
    case BB_CEIL_I8:
        if (icl_vnni)
            return *name = "zmm: vpdpbusd", icl_i8;
        if (avx512)
            return *name = "zmm: vpmaddubsw+vpmaddwd+vpaddd", avx512_i8;
        if (avx2)
            return *name = "ymm: vpmaddubsw+vpmaddwd+vpaddd", avx2_i8;
        return NULL;
    case BB_CEIL_F32:
        if (avx512)
            return *name = "zmm: vfmadd", avx512_f32;
        if (avx2)
            return *name = "ymm: vfmadd", avx2_f32;
        return NULL;
    default: return NULL;
    }
}

// ---- read loops: xor of loads into 8 accumulators (one load + one ALU uop per vector) ----
__attribute__((target("avx512f"))) static uint64_t read_avx512(const uint8_t *p, size_t bytes, uint64_t passes)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (uint64_t r = 0; r < passes; r++)
        for (size_t i = 0; i + 512 <= bytes; i += 512) {
            const __m512i *q = (const __m512i *)(p + i);
            a0 = _mm512_xor_si512(a0, _mm512_load_si512(q + 0)), a1 = _mm512_xor_si512(a1, _mm512_load_si512(q + 1));
            a2 = _mm512_xor_si512(a2, _mm512_load_si512(q + 2)), a3 = _mm512_xor_si512(a3, _mm512_load_si512(q + 3));
            a4 = _mm512_xor_si512(a4, _mm512_load_si512(q + 4)), a5 = _mm512_xor_si512(a5, _mm512_load_si512(q + 5));
            a6 = _mm512_xor_si512(a6, _mm512_load_si512(q + 6)), a7 = _mm512_xor_si512(a7, _mm512_load_si512(q + 7));
        }
    __m512i t = _mm512_xor_si512(_mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3)),
                                 _mm512_xor_si512(_mm512_xor_si512(a4, a5), _mm512_xor_si512(a6, a7)));
    return (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(t));
}

__attribute__((target("avx2"))) static uint64_t read_avx2(const uint8_t *p, size_t bytes, uint64_t passes)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (uint64_t r = 0; r < passes; r++)
        for (size_t i = 0; i + 256 <= bytes; i += 256) {
            const __m256i *q = (const __m256i *)(p + i);
            a0 = _mm256_xor_si256(a0, _mm256_load_si256(q + 0)), a1 = _mm256_xor_si256(a1, _mm256_load_si256(q + 1));
            a2 = _mm256_xor_si256(a2, _mm256_load_si256(q + 2)), a3 = _mm256_xor_si256(a3, _mm256_load_si256(q + 3));
            a4 = _mm256_xor_si256(a4, _mm256_load_si256(q + 4)), a5 = _mm256_xor_si256(a5, _mm256_load_si256(q + 5));
            a6 = _mm256_xor_si256(a6, _mm256_load_si256(q + 6)), a7 = _mm256_xor_si256(a7, _mm256_load_si256(q + 7));
        }
    __m256i t = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3)),
                                 _mm256_xor_si256(_mm256_xor_si256(a4, a5), _mm256_xor_si256(a6, a7)));
    return (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(t));
}

static uint64_t read_sse2(const uint8_t *p, size_t bytes, uint64_t passes)
{
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (uint64_t r = 0; r < passes; r++)
        for (size_t i = 0; i + 64 <= bytes; i += 64) {
            const __m128i *q = (const __m128i *)(p + i);
            a0 = _mm_xor_si128(a0, _mm_load_si128(q + 0)), a1 = _mm_xor_si128(a1, _mm_load_si128(q + 1));
            a2 = _mm_xor_si128(a2, _mm_load_si128(q + 2)), a3 = _mm_xor_si128(a3, _mm_load_si128(q + 3));
        }
    return (uint64_t)_mm_cvtsi128_si64(_mm_xor_si128(_mm_xor_si128(a0, a1), _mm_xor_si128(a2, a3)));
}

uint64_t bb_read_loop_arch(const uint8_t *p, size_t bytes, uint64_t passes)
{
    unsigned f = bb_machine_flags();
    if (f & BITERN_CPU_X86_AVX512)
        return read_avx512(p, bytes, passes);
    if (f & BITERN_CPU_X86_AVX2)
        return read_avx2(p, bytes, passes);
    return read_sse2(p, bytes, passes);
}
#endif
