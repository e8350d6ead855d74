/* SPDX-License-Identifier: MIT */
/* The documented bit layouts, the canonical-form checks, and the checked operations' argument rules. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "bitern.h"

Test(layout, b1_element_i_is_bit_i_mod_64_of_word_i_div_64)
{
    int8_t x[130];
    uint64_t p[3];
    for (int i = 0; i < 130; i++)
        x[i] = 1;
    x[0] = -1;
    x[63] = -1;
    x[64] = -1;
    x[129] = -1;
    cr_assert_eq(bitern_pack_b1_i8(x, 130, p), BITERN_OK);
    cr_assert_eq(p[0], 0x8000000000000001ULL);
    cr_assert_eq(p[1], 0x1ULL);
    cr_assert_eq(p[2], 0x2ULL);
}

Test(layout, t2_blocks_are_mask_then_sign)
{
    int8_t x[70] = { 0 };
    x[1] = 1;
    x[2] = -1;
    x[65] = -1;
    uint64_t p[4];
    cr_assert_eq(bitern_pack_t2_i8(x, 70, p), BITERN_OK);
    cr_assert_eq(p[0], 0x6ULL, "mask of block 0");
    cr_assert_eq(p[1], 0x4ULL, "sign of block 0");
    cr_assert_eq(p[2], 0x2ULL, "mask of block 1");
    cr_assert_eq(p[3], 0x2ULL, "sign of block 1");
}

Test(layout, sizes)
{
    cr_assert_eq(bitern_b1_words(0), 0u);
    cr_assert_eq(bitern_b1_words(1), 1u);
    cr_assert_eq(bitern_b1_words(64), 1u);
    cr_assert_eq(bitern_b1_words(65), 2u);
    cr_assert_eq(bitern_t2_words(65), 4u);
}

Test(canonical, checks_catch_padding_and_stray_signs)
{
    uint64_t b[2] = { 0, 1ULL << 10 };
    cr_assert_eq(bitern_b1_check(b, 75), BITERN_OK);
    cr_assert_eq(bitern_b1_check(b, 74), BITERN_EFORMAT);
    cr_assert_eq(bitern_b1_check(b, 128), BITERN_OK);
    uint64_t t[2] = { 0x3, 0x2 };
    cr_assert_eq(bitern_t2_check(t, 2), BITERN_OK);
    t[1] = 0x4; /* sign without mask */
    cr_assert_eq(bitern_t2_check(t, 64), BITERN_EFORMAT);
    t[1] = 0;
    cr_assert_eq(bitern_t2_check(t, 1), BITERN_EFORMAT, "mask bit 1 lies in the padding of a 1-element vector");
}

Test(ops, small_known_results)
{
    /* w = (+1, -1, +1), x = (+1, +1, -1): dot = 1 - 1 - 1 = -1 */
    int8_t w8[3] = { 1, -1, 1 }, x8[3] = { 1, 1, -1 };
    uint64_t w[1], x[1], wt[2], xt[2];
    int32_t r;
    bitern_pack_b1_i8(w8, 3, w);
    bitern_pack_b1_i8(x8, 3, x);
    cr_assert_eq(bitern_dot_b1b1(w, x, 3, &r), BITERN_OK);
    cr_assert_eq(r, -1);
    int8_t a[4] = { 0, -1, 1, 1 }, c[4] = { 5, -7, 100, -127 };
    bitern_pack_t2_i8(a, 4, wt);
    cr_assert_eq(bitern_dot_t2i8(wt, c, 4, &r), BITERN_OK);
    cr_assert_eq(r, 7 + 100 - 127);
    bitern_pack_t2_i8(x8, 3, xt);
    bitern_pack_t2_i8(a, 3, wt); /* the first 3 elements: padding must be zero for k = 3 */
    cr_assert_eq(bitern_dot_t2t2(wt, xt, 3, &r), BITERN_OK); /* (0,-1,1).(1,1,-1) = -2 */
    cr_assert_eq(r, -2);
    cr_assert_eq(bitern_dot_t2b1(wt, x, 3, &r), BITERN_OK);
    cr_assert_eq(r, -2);
    cr_assert_eq(bitern_dot_b1i8(w, c, 3, &r), BITERN_OK); /* 5 + 7 + 100 */
    cr_assert_eq(r, 112);
}

Test(ops, gemm_is_w_times_x_transposed)
{
    /* W rows: (1,1), (-1,1); X rows: (1,-1), (1,1), (-1,-1) */
    int8_t w8[4] = { 1, 1, -1, 1 }, x8[6] = { 1, -1, 1, 1, -1, -1 };
    uint64_t w[2], x[3];
    bitern_pack_b1_i8(w8, 2, w);
    bitern_pack_b1_i8(w8 + 2, 2, w + 1);
    for (int j = 0; j < 3; j++)
        bitern_pack_b1_i8(x8 + 2 * j, 2, x + j);
    int32_t c[6], want[6] = { 0, 2, -2, -2, 0, 0 };
    cr_assert_eq(bitern_gemm_b1b1(w, x, c, 2, 3, 2), BITERN_OK);
    cr_assert_arr_eq(c, want, sizeof want);
    int32_t y[2];
    cr_assert_eq(bitern_gemv_b1i8(w, x8, y, 2, 2), BITERN_OK);
    cr_assert_eq(y[0], 0);
    cr_assert_eq(y[1], -2);
}

Test(ops, argument_errors)
{
    uint64_t w[1] = { 0 };
    int8_t x[1] = { 0 };
    int32_t r, y[1];
    cr_assert_eq(bitern_dot_b1b1(w, w, BITERN_MAX_K + 1, &r), BITERN_EINVAL);
    cr_assert(strstr(bitern_last_error(), "BITERN_MAX_K"), "message: %s", bitern_last_error());
    cr_assert_eq(bitern_dot_b1i8(NULL, x, 1, &r), BITERN_EINVAL);
    cr_assert_eq(bitern_dot_b1i8(w, x, 1, NULL), BITERN_EINVAL);
    cr_assert_eq(bitern_gemv_t2i8(w, x, NULL, 1, 1), BITERN_EINVAL);
    cr_assert_eq(bitern_gemv_t2i8(NULL, NULL, y, 0, 0), BITERN_OK, "m = 0 is an empty product");
    cr_assert_eq(bitern_gemm_b1b1(w, w, y, SIZE_MAX / 2, 3, 1), BITERN_EINVAL, "m * n overflows");
    cr_assert_eq(bitern_dot_t2t2(NULL, NULL, 0, &r), BITERN_OK);
    cr_assert_eq(r, 0);
}

/* The checked ops refuse operands whose rows are visibly not canonical (bitern.h: the last word of each row),
 * in any row, for each op and each operand; with the rows canonical again they give the exact answer. */
Test(ops, checked_ops_refuse_padding_and_stray_signs)
{
    static const size_t ks[] = { 1, 10, 63, 65, 100, 127, 129 };
    const uint64_t pad = 1ULL << 63;   /* k % 64 != 0 below: bit 63 of the last word is always padding */
    int32_t r, y[3], c[6];
    int8_t x8[130] = { 0 };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        size_t k = ks[i], bw = bitern_b1_words(k), tw = bitern_t2_words(k);
        uint64_t W[3 * 3] = { 0 }, X[2 * 3] = { 0 }, WT[3 * 6] = { 0 }, XT[2 * 6] = { 0 };
        cr_assert_eq(bitern_gemm_b1b1(W, X, c, 3, 2, k), BITERN_OK);
        cr_assert_eq(c[5], (int32_t)k, "all +1: k");
        W[2 * bw - 1] = pad;   /* row 1 of W */
        cr_assert_eq(bitern_gemv_b1b1(W, X, y, 3, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemm_b1b1(W, X, c, 3, 2, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemv_b1i8(W, x8, y, 3, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemm_b1i8(W, x8, c, 3, 1, k), BITERN_EFORMAT, "k=%zu", k);
        W[2 * bw - 1] = 0;
        X[2 * bw - 1] = pad;   /* row 1 of X */
        cr_assert_eq(bitern_gemm_b1b1(W, X, c, 3, 2, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemm_t2b1(WT, X, c, 3, 2, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_dot_b1b1(W, X + bw, k, &r), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_dot_b1b1(X + bw, W, k, &r), BITERN_EFORMAT, "k=%zu", k);
        X[2 * bw - 1] = 0;
        WT[3 * tw - 2] = pad;   /* mask padding, row 2 of W */
        cr_assert_eq(bitern_gemv_t2t2(WT, XT, y, 3, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemv_t2i8(WT, x8, y, 3, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_gemm_t2b1(WT, X, c, 3, 2, k), BITERN_EFORMAT, "k=%zu", k);
        WT[3 * tw - 2] = 0;
        WT[tw - 1] = pad;   /* sign padding, row 0 */
        cr_assert_eq(bitern_dot_t2b1(WT, X, k, &r), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_dot_t2i8(WT, x8, k, &r), BITERN_EFORMAT, "k=%zu", k);
        WT[tw - 1] = 0;
        XT[2 * tw - 1] = 1;   /* a sign bit inside k but outside the (empty) mask: row 1 of X */
        cr_assert_eq(bitern_gemm_t2t2(WT, XT, c, 3, 2, k), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_dot_t2t2(WT, XT + tw, k, &r), BITERN_EFORMAT, "k=%zu", k);
        cr_assert_eq(bitern_dot_t2t2(XT + tw, WT, k, &r), BITERN_EFORMAT, "k=%zu", k);
        XT[2 * tw - 2] = 1;   /* under its mask now: element 64 * (last block) is -1, canonical */
        cr_assert_eq(bitern_dot_t2t2(XT + tw, XT + tw, k, &r), BITERN_OK, "k=%zu", k);
        cr_assert_eq(r, 1, "k=%zu: (-1)(-1)", k);
        cr_assert_eq(bitern_gemm_t2t2(WT, XT, c, 3, 2, k), BITERN_OK, "k=%zu", k);
    }
    /* The probe's case: k = 10 with padding set gave rc 0 and -98. */
    uint64_t w = 1ULL << 40, x = 0;
    cr_assert_eq(bitern_dot_b1b1(&w, &x, 10, &r), BITERN_EFORMAT);
    cr_assert(strstr(bitern_last_error(), "padding") != NULL);
}
