// SPDX-License-Identifier: MIT
// Ceiling loops in plain C, built for the architecture's baseline like the scalar reference: they bound what the
// reference can reach, and stand in on architectures without hand-written loops (see ceil_x86.c).
#include "roofline.h"

// An empty asm that claims to modify v: the compiler cannot hoist or fold work on it out of the loop, and the
// barrier itself costs no instruction.
#define OPAQUE(v) __asm__ volatile("" : "+r"(v))

static double b1b1(uint64_t iters)
{
    uint64_t a0 = 1, a1 = 2, a2 = 3, a3 = 4, s0 = 0, s1 = 0, s2 = 0, s3 = 0, b = 0x5555555555555555ull;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE(a0); OPAQUE(a1); OPAQUE(a2); OPAQUE(a3);
        s0 += (uint64_t)__builtin_popcountll(a0 ^ b);
        s1 += (uint64_t)__builtin_popcountll(a1 ^ b);
        s2 += (uint64_t)__builtin_popcountll(a2 ^ b);
        s3 += (uint64_t)__builtin_popcountll(a3 ^ b);
    }
    bb_sink += s0 + s1 + s2 + s3;
    return (double)iters * 4 * 64;
}

static double t2t2(uint64_t iters)
{
    uint64_t m0 = 1, m1 = 2, g0 = 3, g1 = 4, xm = 0x0f0f0f0f0f0f0f0full, xs = 0x3333333333333333ull;
    uint64_t n0 = 0, n1 = 0, z0 = 0, z1 = 0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE(m0); OPAQUE(m1); OPAQUE(g0); OPAQUE(g1);
        uint64_t nz0 = m0 & xm, nz1 = m1 & xm;
        z0 += (uint64_t)__builtin_popcountll(nz0);
        z1 += (uint64_t)__builtin_popcountll(nz1);
        n0 += (uint64_t)__builtin_popcountll((g0 ^ xs) & nz0);
        n1 += (uint64_t)__builtin_popcountll((g1 ^ xs) & nz1);
    }
    bb_sink += n0 + n1 + z0 + z1;
    return (double)iters * 2 * 64;
}

static double t2b1(uint64_t iters)
{
    uint64_t m0 = 1, m1 = 2, g0 = 3, g1 = 4, x = 0x3333333333333333ull, n0 = 0, n1 = 0, z0 = 0, z1 = 0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE(m0); OPAQUE(m1); OPAQUE(g0); OPAQUE(g1);
        z0 += (uint64_t)__builtin_popcountll(m0);
        z1 += (uint64_t)__builtin_popcountll(m1);
        n0 += (uint64_t)__builtin_popcountll((g0 ^ x) & m0);
        n1 += (uint64_t)__builtin_popcountll((g1 ^ x) & m1);
    }
    bb_sink += n0 + n1 + z0 + z1;
    return (double)iters * 2 * 64;
}

static double i8(uint64_t iters)
{
    /* Unsigned, so that the sums may wrap (signed overflow is undefined, and UBSan says so): the same imul + add
     * instructions either way. */
    uint32_t a0 = 3, a1 = 5, a2 = 7, a3 = 9, b = (uint32_t)-117, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (uint64_t i = 0; i < iters; i++) {
        OPAQUE(a0); OPAQUE(a1); OPAQUE(a2); OPAQUE(a3);
        s0 += a0 * b, s1 += a1 * b, s2 += a2 * b, s3 += a3 * b;
    }
    bb_sink += (uint64_t)(s0 + s1 + s2 + s3);
    return (double)iters * 4;
}

static double f32(uint64_t iters)
{
    float s[8] = { 0 }, a = 1.0001f, b = 0.9999f;
    for (uint64_t i = 0; i < iters; i++)
        for (int j = 0; j < 8; j++)
            s[j] = s[j] * a + b;
    float t = 0;
    for (int j = 0; j < 8; j++)
        t += s[j];
    bb_sink += (uint64_t)t;
    return (double)iters * 8;
}

bb_ceil_loop *bb_ceil_pick_generic(bb_ceil c, const char **name)
{
    switch (c) {
    case BB_CEIL_B1B1: *name = "c64: xor+popcount+add"; return b1b1;
    case BB_CEIL_T2T2: *name = "c64: and+xor+and+2 popcount+2 add"; return t2t2;
    case BB_CEIL_T2B1: *name = "c64: xor+and+2 popcount+2 add"; return t2b1;
    case BB_CEIL_I8: *name = "c32: imul+add"; return i8;
    case BB_CEIL_F32: *name = "c: float mul+add"; return f32;
    default: *name = "none"; return NULL;
    }
}

#if !defined(__x86_64__)
bb_ceil_loop *bb_ceil_pick_arch(bb_ceil c, unsigned flags, const char **name, bb_ceil_loop **alt)
{
    (void)c, (void)flags, (void)name, (void)alt;
    return NULL; // no hand-written loops here yet: bb_ceiling falls back to the portable ones
}

uint64_t bb_read_loop_arch(const uint8_t *p, size_t bytes, uint64_t passes)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    const uint64_t *w = (const uint64_t *)p;
    for (uint64_t r = 0; r < passes; r++)
        for (size_t i = 0; i < bytes / 8; i += 8) {
            a0 ^= w[i], a1 ^= w[i + 1], a2 ^= w[i + 2], a3 ^= w[i + 3];
            a4 ^= w[i + 4], a5 ^= w[i + 5], a6 ^= w[i + 6], a7 ^= w[i + 7];
        }
    return a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
}
#endif
