/* SPDX-License-Identifier: MIT */
/*
 * The template of the int8 NEON tiers (i8_neon.c, i8_dotprod.c): the kernel tables the shared drivers call and
 * the exported functions. Each tier is its own static library built with exactly its flags, so this file is
 * included, not linked. The includer defines first (all static):
 *     mk_generic(s, ss, x, xs, len, out, mr, nr)   always-inline gemm micro-kernel, mr x nr of at most 4 x 4
 *     mk11(s, ss, x, xs, len, out)                 the 1 x 1 micro-kernel (dot, and the corner of gemm)
 *     rows_generic(w, ws, xt, nwords, sx, out, mr, is_t2)
 *                                                  always-inline gemv kernel of mr (4 or 1) rows on transposed x
 *     NAME(op)                                     the exported name of op: NAME(dot_b1i8) is bitern_dot_b1i8_<tier>
 */
#include "i8_neon.h"

static void mk44(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_generic(s, ss, x, xs, len, out, 4, 4);
}
static void mk41(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_generic(s, ss, x, xs, len, out, 4, 1);
}
static void mk14(const int8_t *s, size_t ss, const int8_t *x, size_t xs, size_t len, int32_t out[4][4])
{
    mk_generic(s, ss, x, xs, len, out, 1, 4);
}

static void rows4_b1(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_generic(w, ws, xt, nwords, sx, out, 4, 0);
}
static void rows1_b1(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_generic(w, ws, xt, nwords, sx, out, 1, 0);
}
static void rows4_t2(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_generic(w, ws, xt, nwords, sx, out, 4, 1);
}
static void rows1_t2(const uint64_t *w, size_t ws, const int8_t *xt, size_t nwords, int32_t sx, int32_t *out)
{
    rows_generic(w, ws, xt, nwords, sx, out, 1, 1);
}

static const bitern_neon_i8_kernels b1_kernels = { mk44, mk41, mk14, mk11, rows4_b1, rows1_b1 };
static const bitern_neon_i8_kernels t2_kernels = { mk44, mk41, mk14, mk11, rows4_t2, rows1_t2 };

/* dot is the 1x1 gemm: one expanded chunk of weights against x. */
int32_t NAME(dot_b1i8)(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t r;
    bitern_neon_gemm_i8(w, 0, x, &r, 1, 1, k, &b1_kernels);
    return r;
}

int32_t NAME(dot_t2i8)(const uint64_t *w, const int8_t *x, size_t k)
{
    int32_t r;
    bitern_neon_gemm_i8(w, 1, x, &r, 1, 1, k, &t2_kernels);
    return r;
}

void NAME(gemv_b1i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    bitern_neon_gemv_i8(w, 0, x, y, m, k, &b1_kernels);
}

void NAME(gemv_t2i8)(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)
{
    bitern_neon_gemv_i8(w, 1, x, y, m, k, &t2_kernels);
}

void NAME(gemm_b1i8)(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    bitern_neon_gemm_i8(w, 0, x, c, m, n, k, &b1_kernels);
}

void NAME(gemm_t2i8)(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k)
{
    bitern_neon_gemm_i8(w, 1, x, c, m, n, k, &t2_kernels);
}
