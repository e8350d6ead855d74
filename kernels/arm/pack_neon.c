/* SPDX-License-Identifier: MIT */
/*
 * NEON packing kernels: float signs and thresholds into B1/T2 words, the absolute maximum, int8 quantisation.
 * Bit-identical to ref.c: the same comparisons (FCMLT #0 is x < 0, so -0.0 packs as +1; see t2_16 for |x| > thr),
 * the same float multiply (no FMA), clamp before FCVTNS (round to nearest, ties to even, as nearbyintf).
 * Partial tails go through zero-filled copies on the stack: exactly n floats are read, and zeros pack as +1 /
 * 0, which is the required zero padding.
 */
#include <arm_neon.h>
#include <string.h>

#include "internal.h"

/* AArch64 has no movemask: AND each 0xff/0x00 byte with its bit weight (1, 2, ..., 128 per 8 lanes), then three
 * rounds of ADDP (pairwise byte adds, no carries since the bits are distinct) sum each group of 8 lanes into one
 * byte: 64 byte masks in element order -> one word. */
static inline uint64_t bytes_to_bits(uint8x16_t b0, uint8x16_t b1, uint8x16_t b2, uint8x16_t b3)
{
    static const uint8_t weights[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t wt = vld1q_u8(weights);
    const uint8x16_t p01 = vpaddq_u8(vandq_u8(b0, wt), vandq_u8(b1, wt));
    const uint8x16_t p23 = vpaddq_u8(vandq_u8(b2, wt), vandq_u8(b3, wt));
    const uint8x16_t p = vpaddq_u8(p01, p23);
    return vgetq_lane_u64(vreinterpretq_u64_u8(vpaddq_u8(p, p)), 0);
}

/* Sixteen 0/~0 u32 lane masks (4 per vector, element order) -> one u8 mask vector: UZP1 keeps the low half of
 * each lane, twice. */
static inline uint8x16_t narrow_masks(uint32x4_t m0, uint32x4_t m1, uint32x4_t m2, uint32x4_t m3)
{
    const uint16x8_t h01 = vuzp1q_u16(vreinterpretq_u16_u32(m0), vreinterpretq_u16_u32(m1));
    const uint16x8_t h23 = vuzp1q_u16(vreinterpretq_u16_u32(m2), vreinterpretq_u16_u32(m3));
    return vuzp1q_u8(vreinterpretq_u8_u16(h01), vreinterpretq_u8_u16(h23));
}

/* 16 floats -> 16 byte masks of x < 0 (FCMLT #0). Written out, not as loops over arrays: GCC -O2 keeps such
 * arrays in memory. */
static inline uint8x16_t sign16(const float *x)
{
    return narrow_masks(vcltzq_f32(vld1q_f32(x)), vcltzq_f32(vld1q_f32(x + 4)), vcltzq_f32(vld1q_f32(x + 8)),
                        vcltzq_f32(vld1q_f32(x + 12)));
}

/* 64 floats -> the word of their signs. */
static inline uint64_t b1_word(const float *x)
{
    return bytes_to_bits(sign16(x), sign16(x + 16), sign16(x + 32), sign16(x + 48));
}

void bitern_pack_b1_f32_neon(const float *x, size_t n, uint64_t *out)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        *out++ = b1_word(x + i);
    if (i < n) {
        float tmp[64] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof *x);
        *out = b1_word(tmp);
    }
}

/* With thr >= 0: x < -thr exactly when x is negative and |x| > thr (the sign word), and |x| > thr exactly when
 * x > thr or x < -thr (the mask word): two FCMGT and one ORR per 4 floats, no AND for the sign. (FACGT would do the
 * mask in one, but GCC hoists |thr| out of the loop and then emits FABS + FCMGT.) */
typedef struct {
    uint8x16_t mask, sign;
} t2_bytes;

static inline t2_bytes t2_16(const float *x, float32x4_t thr, float32x4_t nthr)
{
    const float32x4_t f0 = vld1q_f32(x), f1 = vld1q_f32(x + 4), f2 = vld1q_f32(x + 8), f3 = vld1q_f32(x + 12);
    const uint32x4_t n0 = vcltq_f32(f0, nthr), n1 = vcltq_f32(f1, nthr), n2 = vcltq_f32(f2, nthr),
                     n3 = vcltq_f32(f3, nthr);
    const uint32x4_t z0 = vorrq_u32(vcgtq_f32(f0, thr), n0), z1 = vorrq_u32(vcgtq_f32(f1, thr), n1),
                     z2 = vorrq_u32(vcgtq_f32(f2, thr), n2), z3 = vorrq_u32(vcgtq_f32(f3, thr), n3);
    return (t2_bytes){narrow_masks(z0, z1, z2, z3), narrow_masks(n0, n1, n2, n3)};
}

/* 64 floats -> mask word and sign word. */
static inline void t2_block(const float *x, float32x4_t thr, float32x4_t nthr, uint64_t *out)
{
    const t2_bytes b0 = t2_16(x, thr, nthr), b1 = t2_16(x + 16, thr, nthr), b2 = t2_16(x + 32, thr, nthr),
                   b3 = t2_16(x + 48, thr, nthr);
    out[0] = bytes_to_bits(b0.mask, b1.mask, b2.mask, b3.mask);
    out[1] = bytes_to_bits(b0.sign, b1.sign, b2.sign, b3.sign);
}

void bitern_pack_t2_f32_neon(const float *x, size_t n, float thr, uint64_t *out)
{
    const float32x4_t t = vdupq_n_f32(thr), nt = vdupq_n_f32(-thr);
    size_t i = 0;
    for (; i + 64 <= n; i += 64, out += 2)
        t2_block(x + i, t, nt, out);
    if (i < n) {
        float tmp[64] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof *x);
        t2_block(tmp, t, nt, out);
    }
}

/* Max of the raw bits with the sign cleared (see ref.c): UMAX on u32 lanes, four accumulators in flight. */
uint32_t bitern_absmax_f32_neon(const float *x, size_t n)
{
    const uint32x4_t abs_mask = vdupq_n_u32(0x7fffffffu);
    uint32x4_t m0 = vdupq_n_u32(0), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        m0 = vmaxq_u32(m0, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i)), abs_mask));
        m1 = vmaxq_u32(m1, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i + 4)), abs_mask));
        m2 = vmaxq_u32(m2, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i + 8)), abs_mask));
        m3 = vmaxq_u32(m3, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i + 12)), abs_mask));
    }
    for (; i + 4 <= n; i += 4)
        m0 = vmaxq_u32(m0, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i)), abs_mask));
    uint32_t m = vmaxvq_u32(vmaxq_u32(vmaxq_u32(m0, m1), vmaxq_u32(m2, m3)));
    for (; i < n; i++) {
        uint32_t b;
        memcpy(&b, &x[i], sizeof b);
        b &= 0x7fffffffu;
        m = b > m ? b : m;
    }
    return m;
}

/* 4 floats -> 4 int32: FMUL, FMIN/FMAX to [-127, 127], FCVTNS. */
static inline int32x4_t quant4(const float *x, float32x4_t inv)
{
    const float32x4_t v = vmulq_f32(vld1q_f32(x), inv);
    return vcvtnq_s32_f32(vmaxq_f32(vminq_f32(v, vdupq_n_f32(127.0f)), vdupq_n_f32(-127.0f)));
}

/* 16 floats -> 16 int8, narrowed with UZP1 (exact: the values fit). */
static inline int8x16_t quant16(const float *x, float32x4_t inv)
{
    const int16x8_t h01 = vuzp1q_s16(vreinterpretq_s16_s32(quant4(x, inv)), vreinterpretq_s16_s32(quant4(x + 4, inv)));
    const int16x8_t h23 =
        vuzp1q_s16(vreinterpretq_s16_s32(quant4(x + 8, inv)), vreinterpretq_s16_s32(quant4(x + 12, inv)));
    return vuzp1q_s8(vreinterpretq_s8_s16(h01), vreinterpretq_s8_s16(h23));
}

void bitern_quant_i8_f32_neon(const float *x, size_t n, float inv, int8_t *q)
{
    const float32x4_t iv = vdupq_n_f32(inv);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        vst1q_s8(q + i, quant16(x + i, iv));
    if (i < n) {
        float tmp[16] = {0};
        int8_t res[16];
        memcpy(tmp, x + i, (n - i) * sizeof *x);
        vst1q_s8(res, quant16(tmp, iv));
        memcpy(q + i, res, n - i);
    }
}
