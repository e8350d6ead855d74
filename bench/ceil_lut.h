// SPDX-License-Identifier: MIT
// The popcount ceilings without VPOPCNTQ, for one vector width: the nibble-LUT popcount (pshufb twice, Mula's
// method) that AVX2 and plain AVX-512BW kernels must use. Included by ceil_x86.c with V* macros for ymm or zmm.
// Byte counts are accumulated per vector and folded with psadbw every 8 iterations (8 x 8 bits x 2 < 256).

#define LUT_POPCNT(v) V_ADD8(V_SHUF(lut, V_AND(v, low)), V_SHUF(lut, V_AND(V_SRLI16(v, 4), low)))
#define V_OPAQUE(v) __asm__ volatile("" : "+v"(v))

V_TARGET static double V_NAME(b1b1)(uint64_t iters)
{
    const V_T lut = V_LUT, low = V_SET1_8(0x0f), b = V_SET1_8(0x55);
    V_T a0 = V_SET1_8(1), a1 = V_SET1_8(2), a2 = V_SET1_8(3), a3 = V_SET1_8(4);
    V_T t = V_ZERO, s = V_ZERO;
    for (uint64_t i = 0; i < iters; i++) {
        V_T c0 = V_ZERO, c1 = V_ZERO, c2 = V_ZERO, c3 = V_ZERO;
        for (int r = 0; r < 8; r++) {
            V_OPAQUE(a0); V_OPAQUE(a1); V_OPAQUE(a2); V_OPAQUE(a3);
            c0 = V_ADD8(c0, LUT_POPCNT(V_XOR(a0, b)));
            c1 = V_ADD8(c1, LUT_POPCNT(V_XOR(a1, b)));
            c2 = V_ADD8(c2, LUT_POPCNT(V_XOR(a2, b)));
            c3 = V_ADD8(c3, LUT_POPCNT(V_XOR(a3, b)));
        }
        t = V_ADD64(t, V_SAD(V_ADD8(c0, c1)));
        s = V_ADD64(s, V_SAD(V_ADD8(c2, c3)));
    }
    bb_sink += V_LANE0(V_ADD64(t, s));
    return (double)iters * 8 * 4 * V_BITS;
}

// Harley-Seal: a carry-save adder tree folds 16 vectors into one before a single LUT popcount, fewer
// instructions per bit than the LUT alone on long vectors (the AVX2 dot_b1b1 kernel uses it). Its operands come
// from a 2 KiB L1-resident block, as a kernel's do; the memory clobber makes every iteration reload them.
#define CSA(h, l, a, b, c)                                                                                        \
    do {                                                                                                         \
        V_T u_ = V_XOR(a, b);                                                                                    \
        h = V_OR(V_AND(a, b), V_AND(u_, c));                                                                     \
        l = V_XOR(u_, c);                                                                                        \
    } while (0)

V_TARGET static double V_NAME(b1b1_hs)(uint64_t iters)
{
    static V_T w[16], x[16];
    const V_T lut = V_LUT, low = V_SET1_8(0x0f);
    for (int i = 0; i < 16; i++)
        w[i] = V_SET1_8(i * 37 + 1), x[i] = V_SET1_8(i * 11 + 5);
    V_T ones = V_ZERO, twos = V_ZERO, fours = V_ZERO, eights = V_ZERO, total = V_ZERO;
    V_T ta, tb, fa, fb, ea, eb, sixteens;
#define HS_IN(i) V_XOR(w[i], x[i])
    for (uint64_t it = 0; it < iters; it++) {
        __asm__ volatile("" ::: "memory");
        CSA(ta, ones, ones, HS_IN(0), HS_IN(1));
        CSA(tb, ones, ones, HS_IN(2), HS_IN(3));
        CSA(fa, twos, twos, ta, tb);
        CSA(ta, ones, ones, HS_IN(4), HS_IN(5));
        CSA(tb, ones, ones, HS_IN(6), HS_IN(7));
        CSA(fb, twos, twos, ta, tb);
        CSA(ea, fours, fours, fa, fb);
        CSA(ta, ones, ones, HS_IN(8), HS_IN(9));
        CSA(tb, ones, ones, HS_IN(10), HS_IN(11));
        CSA(fa, twos, twos, ta, tb);
        CSA(ta, ones, ones, HS_IN(12), HS_IN(13));
        CSA(tb, ones, ones, HS_IN(14), HS_IN(15));
        CSA(fb, twos, twos, ta, tb);
        CSA(eb, fours, fours, fa, fb);
        CSA(sixteens, eights, eights, ea, eb);
        total = V_ADD64(total, V_SAD(LUT_POPCNT(sixteens)));
    }
#undef HS_IN
    total = V_ADD64(total, V_SAD(LUT_POPCNT(V_XOR(V_XOR(ones, twos), V_XOR(fours, eights)))));
    bb_sink += V_LANE0(total);
    return (double)iters * 16 * V_BITS;
}
#undef CSA

V_TARGET static double V_NAME(t2t2)(uint64_t iters)
{
    const V_T lut = V_LUT, low = V_SET1_8(0x0f), xm = V_SET1_8(0x0f), xs = V_SET1_8(0x33);
    V_T m0 = V_SET1_8(1), m1 = V_SET1_8(2), g0 = V_SET1_8(3), g1 = V_SET1_8(4);
    V_T t = V_ZERO, s = V_ZERO;
    for (uint64_t i = 0; i < iters; i++) {
        V_T z = V_ZERO, n = V_ZERO;
        for (int r = 0; r < 8; r++) {
            V_OPAQUE(m0); V_OPAQUE(m1); V_OPAQUE(g0); V_OPAQUE(g1);
            V_T nz0 = V_AND(m0, xm), nz1 = V_AND(m1, xm);
            z = V_ADD8(z, V_ADD8(LUT_POPCNT(nz0), LUT_POPCNT(nz1)));
            n = V_ADD8(n, V_ADD8(LUT_POPCNT(V_AND(V_XOR(g0, xs), nz0)), LUT_POPCNT(V_AND(V_XOR(g1, xs), nz1))));
        }
        t = V_ADD64(t, V_SAD(z));
        s = V_ADD64(s, V_SAD(n));
    }
    bb_sink += V_LANE0(V_ADD64(t, s));
    return (double)iters * 8 * 2 * V_BITS;
}

V_TARGET static double V_NAME(t2b1)(uint64_t iters)
{
    const V_T lut = V_LUT, low = V_SET1_8(0x0f), x = V_SET1_8(0x33);
    V_T m0 = V_SET1_8(1), m1 = V_SET1_8(2), g0 = V_SET1_8(3), g1 = V_SET1_8(4);
    V_T t = V_ZERO, s = V_ZERO;
    for (uint64_t i = 0; i < iters; i++) {
        V_T z = V_ZERO, n = V_ZERO;
        for (int r = 0; r < 8; r++) {
            V_OPAQUE(m0); V_OPAQUE(m1); V_OPAQUE(g0); V_OPAQUE(g1);
            z = V_ADD8(z, V_ADD8(LUT_POPCNT(m0), LUT_POPCNT(m1)));
            n = V_ADD8(n, V_ADD8(LUT_POPCNT(V_AND(V_XOR(g0, x), m0)), LUT_POPCNT(V_AND(V_XOR(g1, x), m1))));
        }
        t = V_ADD64(t, V_SAD(z));
        s = V_ADD64(s, V_SAD(n));
    }
    bb_sink += V_LANE0(V_ADD64(t, s));
    return (double)iters * 8 * 2 * V_BITS;
}

// int8 MACs before VNNI: vpmaddubsw (u8 x s8 -> s16 pairs), vpmaddwd by ones (-> s32), vpaddd.
V_TARGET static double V_NAME(i8)(uint64_t iters)
{
    const V_T ones = V_SET1_16(1), b = V_SET1_8(-117);
    V_T a0 = V_SET1_8(1), a1 = V_SET1_8(2), a2 = V_SET1_8(3), a3 = V_SET1_8(4);
    V_T s0 = V_ZERO, s1 = V_ZERO, s2 = V_ZERO, s3 = V_ZERO;
    for (uint64_t i = 0; i < iters; i++) {
        V_OPAQUE(a0); V_OPAQUE(a1); V_OPAQUE(a2); V_OPAQUE(a3);
        s0 = V_ADD32(s0, V_MADDWD(V_MADDUBS(a0, b), ones));
        s1 = V_ADD32(s1, V_MADDWD(V_MADDUBS(a1, b), ones));
        s2 = V_ADD32(s2, V_MADDWD(V_MADDUBS(a2, b), ones));
        s3 = V_ADD32(s3, V_MADDWD(V_MADDUBS(a3, b), ones));
    }
    bb_sink += V_LANE0(V_ADD32(V_ADD32(s0, s1), V_ADD32(s2, s3)));
    return (double)iters * 4 * (V_BITS / 8);
}

// float FMA: 12 independent accumulators cover a 4-cycle latency on 2 ports with room to spare.
V_TARGET static double V_NAME(f32)(uint64_t iters)
{
    const V_F a = V_SET1_PS(1.0001f), b = V_SET1_PS(0.9999f);
    V_F s[12];
    for (int j = 0; j < 12; j++)
        s[j] = V_SET1_PS((float)j);
    for (uint64_t i = 0; i < iters; i++)
        for (int j = 0; j < 12; j++)
            s[j] = V_FMA(s[j], a, b);
    V_F t = s[0];
    for (int j = 1; j < 12; j++)
        t = V_ADDPS(t, s[j]);
    bb_sink += (uint64_t)V_PS0(t);
    return (double)iters * 12 * (V_BITS / 32);
}

#undef LUT_POPCNT
#undef V_OPAQUE
