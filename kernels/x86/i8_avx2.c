/* SPDX-License-Identifier: MIT */
/*
 * AVX2 kernels of the packed x int8 ops: b1i8 and t2i8 (dot, gemv, gemm).
 *
 * 32 elements at a time:
 *   1. Spread the 32 weight bits over 32 bytes: vpbroadcastd of the 32-bit chunk, vpshufb to give byte e a copy of
 *      mask byte e / 8, vpand with the bit-select constant (1, 2, 4, ..., 128) to keep only bit e % 8.
 *   2. Turn that into a sign vector s (negative byte = weight -1, positive = +1, zero = 0) and apply it with
 *      vpsignb(x, s), which negates or zeroes each int8 of x. x is in [-127, 127], so -x never overflows.
 *        B1: s = (bit & select) + 127: 127 where the bit is clear, 127 + 2^j >= 128 (negative as int8) where it
 *            is set; this holds for bit 7 too (0x7f or 0xff), which the select constant 0x80 alone would get
 *            wrong, since it is already negative.
 *        T2: s = (sign & select) + 127 as above, zeroed (vpandn) where the mask bit is clear (vpcmpeqb with 0).
 *   3. vpmaddubsw(1, w * x) adds neighbouring products into int16 lanes (|pair| <= 254); up to 128 such vectors are
 *      summed in int16 (128 * 254 = 32512 < 32767) before vpmaddwd(., 1) widens them into int32 lanes, where
 *      |sum| <= 127 * 2^24 < 2^31 for any k <= BITERN_MAX_K.
 * The weight-side work (steps 1-2) is done once per W row and 32 elements, then shared by every X row of a gemm
 * tile: each extra pair costs only vpsignb, vpmaddubsw and vpaddw. gemv, where each weight is used once but x by
 * every row, reorders x instead so that the weights need fewer instructions (see its section).
 *
 * x is read exactly: the last k % 32 bytes are copied into a zeroed 32-byte buffer and counted like a full vector
 * (the weight bits there are the zero padding, or real bits facing zeros). Weights are read as 32-bit chunks that
 * lie inside the words bitern_*_words(k) covers.
 */
#include <immintrin.h>
#include <string.h>

#include "internal.h"

#define INLINE static inline __attribute__((always_inline))

/* Chunk c (32 elements) of the weights, as stored: B1 has two chunks per word; T2 has the mask chunks and then the
 * sign chunks of each 64-element block. */
INLINE uint32_t chunk32(const uint64_t *p, size_t index)
{
    uint32_t v;
    memcpy(&v, (const char *)p + 4 * index, sizeof v);
    return v;
}
INLINE size_t t2_mask_chunk(size_t c) { return 4 * (c >> 1) + (c & 1); }

/* Step 1: bit e % 8 of mask byte e / 8 in byte e, the other bits cleared. */
INLINE __m256i spread_bits(uint32_t bits)
{
    const __m256i byte_of = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                             2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i select = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                            1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    /* vpshufb picks bytes within each 128-bit half; the broadcast puts all four mask bytes in both halves. */
    return _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), byte_of), select);
}

/* Step 2: the sign vectors. */
INLINE __m256i signs_b1(const uint64_t *w, size_t c)
{
    return _mm256_add_epi8(spread_bits(chunk32(w, c)), _mm256_set1_epi8(127));
}

INLINE __m256i signs_t2(const uint64_t *w, size_t c)
{
    size_t mc = t2_mask_chunk(c);
    __m256i nonzero = spread_bits(chunk32(w, mc));
    __m256i sign = _mm256_add_epi8(spread_bits(chunk32(w, mc + 2)), _mm256_set1_epi8(127));
    return _mm256_andnot_si256(_mm256_cmpeq_epi8(nonzero, _mm256_setzero_si256()), sign);
}

typedef __m256i signs_fn(const uint64_t *w, size_t c);

/* Step 3: int16 lanes of w * x, pairs added. */
INLINE __m256i products16(__m256i x, __m256i s)
{
    return _mm256_maddubs_epi16(_mm256_set1_epi8(1), _mm256_sign_epi8(x, s));
}

INLINE __m256i widen16(__m256i acc16) { return _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)); }

INLINE int32_t sum32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

static inline __m256i load_x(const int8_t *x) { return _mm256_loadu_si256((const __m256i *)x); }

/* The last k % 32 bytes of x, zero-extended to a vector. Only those bytes are read. */
INLINE __m256i load_x_tail(const int8_t *x, size_t k)
{
    int8_t buf[32] = { 0 };
    memcpy(buf, x + (k & ~(size_t)31), k & 31);
    return _mm256_loadu_si256((const __m256i *)buf);
}

/* Most 32-element steps summed in int16 before widening. */
#define STEPS16 128

/* ---- dot ---- */

INLINE int32_t dot_i8(const uint64_t *w, const int8_t *x, size_t k, signs_fn *signs)
{
    size_t nc = k / 32;
    __m256i total = _mm256_setzero_si256();
    for (size_t c = 0; c < nc;) {
        size_t end = nc - c > STEPS16 ? c + STEPS16 : nc;
        /* Two accumulators, so that consecutive vpaddw do not wait on each other. */
        __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
        for (; c + 2 <= end; c += 2) {
            a = _mm256_add_epi16(a, products16(load_x(x + 32 * c), signs(w, c)));
            b = _mm256_add_epi16(b, products16(load_x(x + 32 * c + 32), signs(w, c + 1)));
        }
        if (c < end) {
            a = _mm256_add_epi16(a, products16(load_x(x + 32 * c), signs(w, c)));
            c++;
        }
        total = _mm256_add_epi32(total, _mm256_add_epi32(widen16(a), widen16(b)));
    }
    if (k & 31)
        total = _mm256_add_epi32(total, widen16(products16(load_x_tail(x, k), signs(w, nc))));
    return sum32(total);
}

int32_t bitern_dot_b1i8_avx2(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, signs_b1); }
int32_t bitern_dot_t2i8_avx2(const uint64_t *w, const int8_t *x, size_t k) { return dot_i8(w, x, k, signs_t2); }

/* ---- gemm tile: 2 W rows x 4 X rows, each sign vector serving 4 pairs and each x vector 2 ----
 * Spelled out with macros over the rows and pairs so that gcc keeps every accumulator in a register (at -O2 it does
 * not unroll loops over small arrays of vectors, and would keep them in memory). */

#define TILE_W(M) M(0) M(1)
#define TILE_X(M) M(0) M(1) M(2) M(3)
#define TILE(M) M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)

/* out[a * ldo + b] = dot(W row a, X row b). */
INLINE void gemm_tile(const uint64_t *w, size_t wstride, const int8_t *x, size_t k, int32_t *out, size_t ldo,
                      signs_fn *signs)
{
    __m256i total[2][4], acc[2][4], s[2], xv[4];
#define ZERO_TOTAL(a, b) total[a][b] = _mm256_setzero_si256();
#define ZERO_ACC(a, b) acc[a][b] = _mm256_setzero_si256();
#define SIGNS(a) s[a] = signs(w + (a) * wstride, c);
#define LOAD_X(b) xv[b] = load_x(x + (b) * k + 32 * c);
#define LOAD_X_TAIL(b) xv[b] = load_x_tail(x + (b) * k, k);
#define ACCUMULATE(a, b) acc[a][b] = _mm256_add_epi16(acc[a][b], products16(xv[b], s[a]));
#define WIDEN(a, b) total[a][b] = _mm256_add_epi32(total[a][b], widen16(acc[a][b]));
#define STORE(a, b) out[(a) * ldo + (b)] = sum32(total[a][b]);
    TILE(ZERO_TOTAL)
    size_t nc = k / 32, c = 0;
    while (c < nc) {
        size_t end = nc - c > STEPS16 ? c + STEPS16 : nc;
        TILE(ZERO_ACC)
        for (; c < end; c++) {
            TILE_W(SIGNS)
            TILE_X(LOAD_X)
            TILE(ACCUMULATE)
        }
        TILE(WIDEN)
    }
    if (k & 31) {
        /* c == nc: the chunk of the tail. */
        TILE(ZERO_ACC)
        TILE_W(SIGNS)
        TILE_X(LOAD_X_TAIL)
        TILE(ACCUMULATE)
        TILE(WIDEN)
    }
    TILE(STORE)
}

/* W tiles outside, X tiles inside: the 2 W rows stay in L1 while every X row streams past them. Rows and columns
 * that do not fill a tile are done one dot at a time. */
INLINE void gemm_i8(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k, size_t wstride,
                    signs_fn *signs)
{
    size_t r = 0;
    for (; r + 2 <= m; r += 2) {
        size_t j = 0;
        for (; j + 4 <= n; j += 4)
            gemm_tile(w + r * wstride, wstride, x + j * k, k, c + r * n + j, n, signs);
        for (; j < n; j++) {
            c[r * n + j] = dot_i8(w + r * wstride, x + j * k, k, signs);
            c[(r + 1) * n + j] = dot_i8(w + (r + 1) * wstride, x + j * k, k, signs);
        }
    }
    for (; r < m; r++)
        for (size_t j = 0; j < n; j++)
            c[r * n + j] = dot_i8(w + r * wstride, x + j * k, k, signs);
}

void bitern_gemm_b1i8_avx2(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, bitern_b1_words(k), signs_b1);
}

void bitern_gemm_t2i8_avx2(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    gemm_i8(w, x, c, m, n, k, bitern_t2_words(k), signs_t2);
}

/* ---- gemv: many rows share each vector of x, so that the work per row and 32 elements is cut to the bone ----
 *
 * Here x is transformed once per 32 elements for all the rows in flight: the bytes are reordered (vpermd, then an
 * in-lane 4x4 transpose with vpshufb) so that byte 4L + j holds element 8j + L. In that order the weight bits need
 * no byte shuffle: after vpbroadcastd of the 32-bit chunk, vpsrlvd shifts dword lane L right by L, which brings
 * bit 8j + L to bit 0 of byte j of every lane L, and vpand with 1 leaves exactly that bit.
 *   B1: vpmaddubsw(bit, x) sums x over the set bits (the -1 weights): dot = sum(x) - 2 * that, with sum(x) computed
 *       once per call, and the subtraction done in 64 bits (2 * 127 * 2^24 does not fit an int32).
 *       4 vector instructions per row and 32 elements instead of 6.
 *   T2: the sign bit is moved to bit 7 of the byte instead (vpsllvd by 7 - L), or-ed with 1 so that no byte is 0,
 *       and applied with vpsignb; vpmaddubsw(mask bit, +-x) then adds the products. 7 instead of 10.
 */

INLINE __m256i transpose_x(__m256i v)
{
    const __m256i dwords = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256i bytes = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                           0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(v, dwords), bytes);
}

/* Bit 8j + L of the chunk in bit 0 of byte 4L + j, other bits clear. */
INLINE __m256i bits_low(const uint64_t *w, size_t index)
{
    const __m256i right = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32((int)chunk32(w, index)), right);
    return _mm256_and_si256(v, _mm256_set1_epi8(1));
}

/* Bit 8j + L of the chunk in bit 7 of byte 4L + j, and bit 0 set, so that the byte is never 0. */
INLINE __m256i bits_sign(const uint64_t *w, size_t index)
{
    const __m256i left = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    __m256i v = _mm256_sllv_epi32(_mm256_set1_epi32((int)chunk32(w, index)), left);
    return _mm256_or_si256(v, _mm256_set1_epi8(1));
}

/* B1: x summed where the bit is set, in int16 pairs. */
INLINE __m256i gemv_step_b1(const uint64_t *w, size_t c, __m256i xt)
{
    return _mm256_maddubs_epi16(bits_low(w, c), xt);
}

/* T2: the products, in int16 pairs. */
INLINE __m256i gemv_step_t2(const uint64_t *w, size_t c, __m256i xt)
{
    size_t mc = t2_mask_chunk(c);
    return _mm256_maddubs_epi16(bits_low(w, mc), _mm256_sign_epi8(xt, bits_sign(w, mc + 2)));
}

typedef __m256i gemv_step_fn(const uint64_t *w, size_t c, __m256i xt);

#define GEMV_ROWS 4
#define GEMV_TILE(M) M(0) M(1) M(2) M(3)

/* out[a] = the int16-pair sums of step() over the whole row a, for GEMV_ROWS rows. */
INLINE void gemv_tile(const uint64_t *w, size_t wstride, const int8_t *x, size_t k, int32_t *out,
                      gemv_step_fn *step)
{
    __m256i total[GEMV_ROWS];
#define ZERO_ROW(a) total[a] = _mm256_setzero_si256();
#define ZERO_ACC_ROW(a) acc[a] = _mm256_setzero_si256();
#define STEP_ROW(a) acc[a] = _mm256_add_epi16(acc[a], step(w + (a) * wstride, c, xt));
#define WIDEN_ROW(a) total[a] = _mm256_add_epi32(total[a], widen16(acc[a]));
#define TAIL_ROW(a) total[a] = _mm256_add_epi32(total[a], widen16(step(w + (a) * wstride, nc, xt)));
#define STORE_ROW(a) out[a] = sum32(total[a]);
    GEMV_TILE(ZERO_ROW)
    size_t nc = k / 32;
    for (size_t c = 0; c < nc;) {
        size_t end = nc - c > STEPS16 ? c + STEPS16 : nc;
        __m256i acc[GEMV_ROWS];
        GEMV_TILE(ZERO_ACC_ROW)
        for (; c < end; c++) {
            __m256i xt = transpose_x(load_x(x + 32 * c));
            GEMV_TILE(STEP_ROW)
        }
        GEMV_TILE(WIDEN_ROW)
    }
    if (k & 31) {
        __m256i xt = transpose_x(load_x_tail(x, k));
        GEMV_TILE(TAIL_ROW)
    }
    GEMV_TILE(STORE_ROW)
}

/* sum(x), for the B1 gemv. */
static int32_t sum_x(const int8_t *x, size_t k)
{
    __m256i total = _mm256_setzero_si256();
    size_t nc = k / 32;
    for (size_t c = 0; c < nc;) {
        size_t end = nc - c > STEPS16 ? c + STEPS16 : nc;
        __m256i acc = _mm256_setzero_si256();
        for (; c < end; c++)
            acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(_mm256_set1_epi8(1), load_x(x + 32 * c)));
        total = _mm256_add_epi32(total, widen16(acc));
    }
    if (k & 31)
        total = _mm256_add_epi32(total, widen16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), load_x_tail(x, k))));
    return sum32(total);
}

/* No software prefetch: these gemvs are limited by the instructions (about 10 GB/s of weights here), not by
 * memory, and prefetching the next rows measured no gain. */

void bitern_gemv_b1i8_avx2(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    size_t stride = bitern_b1_words(k), r = 0;
    int64_t sum = m >= GEMV_ROWS ? sum_x(x, k) : 0;
    for (; r + GEMV_ROWS <= m; r += GEMV_ROWS) {
        int32_t negative[GEMV_ROWS];
        gemv_tile(w + r * stride, stride, x, k, negative, gemv_step_b1);
        for (size_t a = 0; a < GEMV_ROWS; a++)
            y[r + a] = (int32_t)(sum - 2 * (int64_t)negative[a]);
    }
    for (; r < m; r++)
        y[r] = dot_i8(w + r * stride, x, k, signs_b1);
}

void bitern_gemv_t2i8_avx2(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    size_t stride = bitern_t2_words(k), r = 0;
    for (; r + GEMV_ROWS <= m; r += GEMV_ROWS) {
        gemv_tile(w + r * stride, stride, x, k, y + r, gemv_step_t2);
    }
    for (; r < m; r++)
        y[r] = dot_i8(w + r * stride, x, k, signs_t2);
}
