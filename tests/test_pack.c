/* SPDX-License-Identifier: MIT */
/* Packing and quantisation through the public API: round trips, rounding rules, and refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bitern.h"

static float frand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((float)(*s >> 8) / (float)(1u << 24)) * 4.0f - 2.0f;
}

Test(pack, b1_round_trip_is_sign)
{
    unsigned s = 1;
    for (size_t n = 0; n < 300; n++) {
        float x[300];
        uint64_t p[5];
        int8_t back[300];
        for (size_t i = 0; i < n; i++)
            x[i] = frand(&s);
        cr_assert_eq(bitern_pack_b1_f32(x, n, p), BITERN_OK);
        cr_assert_eq(bitern_b1_check(p, n), BITERN_OK, "padding not zero at n=%zu", n);
        cr_assert_eq(bitern_unpack_b1_i8(p, n, back), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(back[i], x[i] < 0 ? -1 : 1, "n=%zu i=%zu x=%g", n, i, (double)x[i]);
    }
}

Test(pack, b1_zero_is_plus_one)
{
    float x[2] = { 0.0f, -0.0f };
    uint64_t p[1];
    cr_assert_eq(bitern_pack_b1_f32(x, 2, p), BITERN_OK);
    cr_assert_eq(p[0], 0u, "both zeros pack as +1 (bit clear)");
}

Test(pack, t2_threshold_is_strict)
{
    float x[6] = { 0.5f, -0.5f, 0.50001f, -0.7f, 0.0f, 3.0f };
    int8_t want[6] = { 0, 0, 1, -1, 0, 1 }, got[6];
    uint64_t p[2];
    cr_assert_eq(bitern_pack_t2_f32(x, 6, 0.5f, p), BITERN_OK);
    cr_assert_eq(bitern_t2_check(p, 6), BITERN_OK);
    cr_assert_eq(bitern_unpack_t2_i8(p, 6, got), BITERN_OK);
    cr_assert_arr_eq(got, want, 6);
}

Test(pack, t2_round_trip_through_int8)
{
    unsigned s = 7;
    int8_t x[1000], back[1000];
    uint64_t p[32];
    for (size_t n = 0; n <= 1000; n += 37) {
        for (size_t i = 0; i < n; i++)
            x[i] = (int8_t)((int)(frand(&s) * 1.49f));
        cr_assert_eq(bitern_pack_t2_i8(x, n, p), BITERN_OK);
        cr_assert_eq(bitern_t2_check(p, n), BITERN_OK);
        cr_assert_eq(bitern_unpack_t2_i8(p, n, back), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(back[i], x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0);
    }
}

Test(pack, unpack_f32_matches_unpack_i8)
{
    float x[130], f[130];
    int8_t q[130];
    uint64_t p[6];
    unsigned s = 3;
    for (int i = 0; i < 130; i++)
        x[i] = frand(&s);
    cr_assert_eq(bitern_pack_t2_f32(x, 130, 0.7f, p), BITERN_OK);
    cr_assert_eq(bitern_unpack_t2_f32(p, 130, f), BITERN_OK);
    cr_assert_eq(bitern_unpack_t2_i8(p, 130, q), BITERN_OK);
    for (int i = 0; i < 130; i++)
        cr_assert_eq(f[i], (float)q[i]);
    cr_assert_eq(bitern_pack_b1_f32(x, 130, p), BITERN_OK);
    cr_assert_eq(bitern_unpack_b1_f32(p, 130, f), BITERN_OK);
    for (int i = 0; i < 130; i++)
        cr_assert_eq(f[i], x[i] < 0 ? -1.0f : 1.0f);
}

Test(quantize, absmax_maps_to_127_and_error_is_half_a_step)
{
    unsigned s = 11;
    float x[777];
    int8_t q[777];
    float scale;
    for (int i = 0; i < 777; i++)
        x[i] = frand(&s) * 3.0f;
    x[100] = -6.5f; /* the absolute maximum, negative */
    cr_assert_eq(bitern_quantize_i8(x, 777, q, &scale), BITERN_OK);
    cr_assert_float_eq(scale, 6.5f / 127.0f, 1e-9f);
    cr_assert_eq(q[100], -127);
    for (int i = 0; i < 777; i++) {
        cr_assert(q[i] >= -127 && q[i] <= 127);
        cr_assert_leq(fabsf(q[i] * scale - x[i]), scale * 0.5001f, "i=%d", i);
    }
}

Test(quantize, ties_round_to_even)
{
    /* With absmax 127 the factor is exactly 1, so halves stay halves. */
    float x[5] = { 0.5f, 1.5f, 2.5f, -0.5f, 127.0f };
    int8_t q[5], want[5] = { 0, 2, 2, 0, 127 };
    float scale;
    cr_assert_eq(bitern_quantize_i8(x, 5, q, &scale), BITERN_OK);
    cr_assert_arr_eq(q, want, 5);
    cr_assert_eq(scale, 1.0f);
}

Test(quantize, all_zero_gives_zero_scale)
{
    float x[9] = { 0 };
    int8_t q[9];
    memset(q, 55, sizeof q);
    float scale = 3;
    cr_assert_eq(bitern_quantize_i8(x, 9, q, &scale), BITERN_OK);
    cr_assert_eq(scale, 0.0f);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(q[i], 0);
}

Test(refusals, nan_and_infinity_are_rejected_and_nothing_is_written)
{
    float x[70];
    for (int i = 0; i < 70; i++)
        x[i] = 1.0f;
    int8_t q[70];
    memset(q, 9, sizeof q);
    uint64_t p[2] = { 42, 42 };
    float scale = 5;
    x[66] = NAN;
    cr_assert_eq(bitern_quantize_i8(x, 70, q, &scale), BITERN_ENONFINITE);
    cr_assert(strstr(bitern_last_error(), "element 66 is NaN"), "message: %s", bitern_last_error());
    cr_assert_eq(q[0], 9, "q must stay untouched");
    cr_assert_eq(scale, 5.0f);
    cr_assert_eq(bitern_pack_b1_f32(x, 70, p), BITERN_ENONFINITE);
    cr_assert_eq(p[0], 42u);
    x[66] = -INFINITY;
    cr_assert_eq(bitern_pack_t2_f32(x, 70, 0.5f, p), BITERN_ENONFINITE);
    cr_assert(strstr(bitern_last_error(), "infinite"), "message: %s", bitern_last_error());
}

Test(refusals, bad_threshold_and_null)
{
    float x[1] = { 1 };
    uint64_t p[2];
    cr_assert_eq(bitern_pack_t2_f32(x, 1, -1.0f, p), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_t2_f32(x, 1, NAN, p), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_t2_f32(x, 1, INFINITY, p), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_b1_f32(NULL, 1, p), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_b1_f32(x, 1, NULL), BITERN_EINVAL);
    cr_assert_eq(bitern_pack_b1_f32(NULL, 0, NULL), BITERN_OK, "n = 0 touches nothing");
}

Test(quantize, tiny_denormal_absmax_still_maps_to_127)
{
    /* 127 / 1e-45 overflows float: the kernels need a finite factor, so the API takes another path. */
    float x[4] = { 1e-45f, -1e-45f, 0.0f, 1.4e-45f };
    int8_t q[4];
    float scale;
    cr_assert_eq(bitern_quantize_i8(x, 4, q, &scale), BITERN_OK);
    cr_assert_eq(q[0], 127);
    cr_assert_eq(q[1], -127);
    cr_assert_eq(q[2], 0);
    cr_assert_eq(q[3], 127, "1.4e-45 is the same denormal as 1e-45");
}

Test(pack, b1_from_int8_round_trip_every_length)
{
    int8_t x[300], back[300];
    uint64_t p[5];
    unsigned s = 5;
    for (size_t n = 0; n <= 300; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = (int8_t)((int)(frand(&s) * 60.0f));
        memset(p, 0xff, sizeof p);
        cr_assert_eq(bitern_pack_b1_i8(x, n, p), BITERN_OK);
        cr_assert_eq(bitern_b1_check(p, n), BITERN_OK, "padding not zero at n=%zu", n);
        cr_assert_eq(bitern_unpack_b1_i8(p, n, back), BITERN_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(back[i], x[i] < 0 ? -1 : 1, "n=%zu i=%zu", n, i);
    }
}
