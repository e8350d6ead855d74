/* SPDX-License-Identifier: MIT */
/* The T3 format (bitern.h): its documented byte layout, packing and unpacking, the canonical-form check, and the
 * checked dot / gemv against sums over the unpacked values. The exact check of every variant is kcheck's. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bitern.h"

Test(t3_layout, byte_i_holds_elements_i_plus_64j_as_a_base3_fraction)
{
    int8_t x[330] = { 0 };
    uint64_t p[16];
    uint8_t *bytes = (uint8_t *)p;
    cr_assert_eq(bitern_pack_t3_i8(x, 330, p), BITERN_OK);
    cr_assert_eq(bytes[0], 128, "five zeros: digits 11111, v = 121, ceil(256 * 121 / 243) = 128");
    cr_assert_eq(bytes[127], 128, "padding elements are zeros too");
    x[0] = 1;    /* byte 0, plane 0: digits 21111, v = 202 -> 213 */
    x[64 + 5] = 1; /* byte 5, plane 1: digits 12111, v = 148 -> 156 */
    x[320] = -1; /* block 1, byte 0, plane 0: digits 01111, v = 40 -> 43 */
    cr_assert_eq(bitern_pack_t3_i8(x, 330, p), BITERN_OK);
    cr_assert_eq(bytes[0], 213);
    cr_assert_eq(bytes[5], 156);
    cr_assert_eq(bytes[64], 43);
    cr_assert_eq(bitern_t3_words(0), 0u);
    cr_assert_eq(bitern_t3_words(1), 8u);
    cr_assert_eq(bitern_t3_words(320), 8u);
    cr_assert_eq(bitern_t3_words(321), 16u);
}

static uint64_t rng = 88172645463325252ull;
static int8_t rnd_i8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int8_t)((int)(rng % 255) - 127);
}

Test(t3_pack, round_trip_and_canonical)
{
    static const size_t ns[] = { 0, 1, 63, 64, 65, 319, 320, 321, 1000, 4096 };
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t];
        int8_t *x = malloc(n + 1), *back = malloc(n + 1);
        float *f = malloc(4 * n + 4), *fback = malloc(4 * n + 4);
        uint64_t *p = malloc(8 * bitern_t3_words(n) + 8), *q = malloc(8 * bitern_t3_words(n) + 8);
        for (size_t i = 0; i < n; i++) {
            x[i] = rnd_i8() % 2; /* -1, 0, +1 and the values' signs */
            f[i] = (float)rnd_i8() / 50.0f;
        }
        cr_assert_eq(bitern_pack_t3_i8(x, n, p), BITERN_OK);
        cr_assert_eq(bitern_t3_check(p, n), BITERN_OK, "n = %zu", n);
        cr_assert_eq(bitern_unpack_t3_i8(p, n, back), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(back[i], x[i], "n = %zu, element %zu", n, i);
        /* f32 with a threshold: the same as thresholding first and packing int8 signs. */
        cr_assert_eq(bitern_pack_t3_f32(f, n, 0.5f, p), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            x[i] = (int8_t)(f[i] > 0.5f ? 1 : f[i] < -0.5f ? -1 : 0);
        cr_assert_eq(bitern_pack_t3_i8(x, n, q), BITERN_OK);
        cr_assert_arr_eq(p, q, 8 * bitern_t3_words(n));
        cr_assert_eq(bitern_unpack_t3_f32(p, n, fback), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(fback[i], (float)x[i]);
        free(x), free(back), free(f), free(fback), free(p), free(q);
    }
}

Test(t3_pack, check_rejects_bad_codes_and_padding)
{
    int8_t x[10] = { 1, -1, 0, 1 };
    uint64_t p[8];
    uint8_t *bytes = (uint8_t *)p;
    cr_assert_eq(bitern_pack_t3_i8(x, 10, p), BITERN_OK);
    cr_assert_eq(bitern_t3_check(p, 10), BITERN_OK);
    bytes[3] = 20; /* one of the 13 byte values that are no code */
    cr_assert_eq(bitern_t3_check(p, 10), BITERN_EFORMAT);
    cr_assert(strstr(bitern_last_error(), "not a valid code"), "message: %s", bitern_last_error());
    cr_assert_eq(bitern_pack_t3_i8(x, 10, p), BITERN_OK);
    cr_assert_eq(bitern_t3_check(p, 3), BITERN_EFORMAT, "element 3 (+1) lies in the padding of 3 elements");
    cr_assert_eq(bitern_t3_check(p, 4), BITERN_OK);
    cr_assert_eq(bitern_t3_check(NULL, 4), BITERN_EINVAL);
    float f[2] = { 1.0f, NAN };
    cr_assert_eq(bitern_pack_t3_f32(f, 2, 0.1f, p), BITERN_ENONFINITE);
    cr_assert_eq(bitern_pack_t3_f32(f, 1, -1.0f, p), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_t3_i8(NULL, 1, p), BITERN_EINVAL);
}

Test(t3_ops, dot_and_gemv_match_the_unpacked_sums)
{
    enum { M = 7, K = 1000 };
    int8_t w8[M * K], x[K];
    uint64_t w[M * 32]; /* bitern_t3_words(1000) = 32 */
    cr_assert_eq(bitern_t3_words(K), 32u);
    for (size_t i = 0; i < K; i++)
        x[i] = rnd_i8();
    for (size_t r = 0; r < M; r++) {
        for (size_t i = 0; i < K; i++)
            w8[r * K + i] = rnd_i8() % 2;
        cr_assert_eq(bitern_pack_t3_i8(w8 + r * K, K, w + r * 32), BITERN_OK);
    }
    int32_t y[M], d;
    cr_assert_eq(bitern_gemv_t3i8(w, x, y, M, K), BITERN_OK);
    for (size_t r = 0; r < M; r++) {
        int32_t want = 0;
        for (size_t i = 0; i < K; i++)
            want += w8[r * K + i] * x[i];
        cr_assert_eq(y[r], want, "row %zu", r);
        cr_assert_eq(bitern_dot_t3i8(w + r * 32, x, K, &d), BITERN_OK);
        cr_assert_eq(d, want, "dot of row %zu", r);
    }
}

Test(t3_ops, argument_errors)
{
    uint64_t w[8] = { 0 };
    int8_t x[1] = { 0 };
    int32_t r, y[1];
    cr_assert_eq(bitern_dot_t3i8(w, x, BITERN_MAX_K + 1, &r), BITERN_EINVAL);
    cr_assert(strstr(bitern_last_error(), "BITERN_MAX_K"), "message: %s", bitern_last_error());
    cr_assert_eq(bitern_dot_t3i8(NULL, x, 1, &r), BITERN_EINVAL);
    cr_assert_eq(bitern_dot_t3i8(w, x, 1, NULL), BITERN_EINVAL);
    cr_assert_eq(bitern_gemv_t3i8(w, x, NULL, 1, 1), BITERN_EINVAL);
    cr_assert_eq(bitern_gemv_t3i8(w, x, y, SIZE_MAX / 4, 320), BITERN_EINVAL, "W overflows");
    cr_assert_eq(bitern_gemv_t3i8(NULL, NULL, y, 0, 0), BITERN_OK, "m = 0 is an empty product");
    cr_assert_eq(bitern_dot_t3i8(NULL, NULL, 0, &r), BITERN_OK);
    cr_assert_eq(r, 0);
}
