/* SPDX-License-Identifier: MIT */
/*
 * Finite-difference gradient checks of every layer (input and parameter gradients), of softmax cross-entropy,
 * of a small whole model, and of the SQ regularizer wrt u (weights) and beta.
 * The scalar loss is L = sum(y * R) for a fixed random R, so dL/dy = R; central differences in float with a
 * step of 1e-2 and a mixed absolute/relative tolerance.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/nn.h"
#include "train/sq_reg.h"
#include "test_util.h"

static int close_enough(double a, double n, double tol)
{
    return fabs(a - n) <= tol * (1.0 + fabs(a) + fabs(n));
}

static float *randn(bm_rng *rng, size_t n)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = bm_rng_normal(rng);
    return v;
}

static double proj_loss(tr_layer *l, const float *x, int n, const float *R, uint64_t seed)
{
    bm_rng rng;
    bm_rng_seed(&rng, seed);   /* same dropout mask every evaluation */
    tr_layer_forward(l, x, n, 1, &rng);
    size_t tot = (size_t)n * tr_layer_out_size(l);
    double s = 0.0;
    for (size_t i = 0; i < tot; i++)
        s += (double)l->y[i] * R[i];
    return s;
}

/* Perturbs v[i] (up to `limit` sampled entries) and compares with the analytic gradient g[i]. */
static int fd_vector(const char *what, tr_layer *l, float *x, int n, const float *R, float *v, const float *g,
                     size_t cnt, size_t limit, double tol)
{
    int bad = 0;
    size_t step = cnt > limit ? cnt / limit : 1;
    const float h = 1e-2f;
    for (size_t i = 0; i < cnt; i += step) {
        float keep = v[i];
        v[i] = keep + h;
        double lp = proj_loss(l, x, n, R, 7);
        v[i] = keep - h;
        double lm = proj_loss(l, x, n, R, 7);
        v[i] = keep;
        double num = (lp - lm) / (2.0 * h);
        if (!close_enough(g[i], num, tol)) {
            if (bad++ < 3)
                fprintf(stderr, "  %s %s[%zu]: analytic %.6f numeric %.6f\n", bm_ltype_name(l->type), what, i,
                        g[i], num);
        }
    }
    return bad;
}

static void check_layer(const char *name, bm_layer_desc d, int c, int h, int w, int n, double tol)
{
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 42);
    if (tr_model_build(&m, &d, 1, c, h, w, 0, n, &rng) < 0) {
        CHECK(0, "%s: build failed: %s", name, bm_error());
        return;
    }
    tr_layer *l = &m.layers[0];
    size_t in = (size_t)n * tr_layer_in_size(l), out = (size_t)n * tr_layer_out_size(l);
    float *x = malloc(in * sizeof(float)), *R = malloc(out * sizeof(float));
    for (size_t i = 0; i < in; i++) {
        x[i] = bm_rng_normal(&rng);
        /* keep inputs 0.05 away from the kinks of relu (0) and hardtanh (+-1): the step is 1e-2 */
        if (fabsf(x[i]) < 0.05f)
            x[i] = x[i] < 0 ? -0.3f : 0.3f;
        if (fabsf(fabsf(x[i]) - 1.0f) < 0.05f)
            x[i] *= 1.2f;
    }
    for (size_t i = 0; i < out; i++)
        R[i] = bm_rng_normal(&rng);
    if (l->type == BM_BN)
        for (int j = 0; j < l->in_c; j++) {
            l->gamma[j] = 0.5f + bm_rng_uniform(&rng);
            l->bshift[j] = bm_rng_normal(&rng);
        }
    if (l->b)
        for (int j = 0; j < l->out_c; j++)
            l->b[j] = 0.1f * bm_rng_normal(&rng);
    proj_loss(l, x, n, R, 7);
    tr_layer_backward(l, R, n, 1);
    float *dx = malloc(in * sizeof(float));
    memcpy(dx, l->dx, in * sizeof(float));
    int bad = fd_vector("x", l, x, n, R, x, dx, in, 300, tol);
    if (l->w) {
        float *gw = malloc(l->nw * sizeof(float)), *gb = malloc((size_t)l->out_c * sizeof(float));
        memcpy(gw, l->gw, l->nw * sizeof(float));
        memcpy(gb, l->gb, (size_t)l->out_c * sizeof(float));
        bad += fd_vector("w", l, x, n, R, l->w, gw, l->nw, 300, tol);
        bad += fd_vector("b", l, x, n, R, l->b, gb, (size_t)l->out_c, 300, tol);
        free(gw);
        free(gb);
    }
    if (l->type == BM_BN) {
        int C = l->in_c;
        float *gg = malloc(C * sizeof(float)), *gs = malloc(C * sizeof(float));
        memcpy(gg, l->ggamma, C * sizeof(float));
        memcpy(gs, l->gbshift, C * sizeof(float));
        bad += fd_vector("gamma", l, x, n, R, l->gamma, gg, (size_t)C, 100, tol);
        bad += fd_vector("shift", l, x, n, R, l->bshift, gs, (size_t)C, 100, tol);
        free(gg);
        free(gs);
    }
    CHECK(bad == 0, "%s: %d gradient mismatches", name, bad);
    free(x);
    free(R);
    free(dx);
    tr_model_free(&m);
}

static void check_ste(void)
{
    /* sign/tern: the STE passes dy where |x| <= 1 and blocks it elsewhere; forward values are exact. */
    bm_layer_desc d = {.type = BM_SIGN};
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 1);
    tr_model_build(&m, &d, 1, 4, 1, 1, 0, 1, &rng);
    float x[4] = {-2.0f, -0.3f, 0.0f, 1.5f}, dy[4] = {1, 2, 3, 4};
    tr_layer_forward(&m.layers[0], x, 1, 1, &rng);
    tr_layer_backward(&m.layers[0], dy, 1, 1);
    const float *y = m.layers[0].y, *dx = m.layers[0].dx;
    CHECK(y[0] == -1 && y[1] == -1 && y[2] == 1 && y[3] == 1, "sign forward");
    CHECK(dx[0] == 0 && dx[1] == 2 && dx[2] == 3 && dx[3] == 0, "sign STE");
    tr_model_free(&m);
    d.type = BM_TERN;
    tr_model_build(&m, &d, 1, 4, 1, 1, 0, 1, &rng);
    float x2[4] = {-0.7f, -0.3f, 0.4f, 0.9f};
    tr_layer_forward(&m.layers[0], x2, 1, 1, &rng);
    y = m.layers[0].y;
    CHECK(y[0] == -1 && y[1] == 0 && y[2] == 0 && y[3] == 1, "tern forward");
    tr_model_free(&m);
}

static void check_xent(void)
{
    bm_rng rng;
    bm_rng_seed(&rng, 3);
    int n = 5, k = 10;
    float z[50], d[50];
    uint8_t lab[5] = {0, 3, 9, 9, 4};
    for (int i = 0; i < n * k; i++)
        z[i] = 2.0f * bm_rng_normal(&rng);
    tr_softmax_xent(z, lab, n, k, d, NULL);
    int bad = 0;
    for (int i = 0; i < n * k; i++) {
        float keep = z[i];
        z[i] = keep + 1e-2f;
        double lp = tr_softmax_xent(z, lab, n, k, NULL, NULL);
        z[i] = keep - 1e-2f;
        double lm = tr_softmax_xent(z, lab, n, k, NULL, NULL);
        z[i] = keep;
        bad += !close_enough(d[i], (lp - lm) / 2e-2, 1e-3);
    }
    CHECK(bad == 0, "softmax xent: %d mismatches", bad);
    /* Huge logits must not overflow. */
    float big[10] = {1e30f, -1e30f};
    double l = tr_softmax_xent(big, lab, 1, 10, d, NULL);
    CHECK(isfinite(l) && l == 0.0, "xent of huge logits %g", l);
}

/* A small CNN end to end (2 x hw x hw inputs, 4 examples, CE): checks a sample of every conv/dense weight, so
 * every layer's input gradient on the way down too. */
static void check_model(const char *spec, int hw)
{
    bm_layer_desc *d;
    int nd;
    if (bm_spec_parse(spec, &d, &nd) < 0) {
        CHECK(0, "%s: %s", spec, bm_error());
        return;
    }
    tr_model m;
    bm_rng rng, drng;
    bm_rng_seed(&rng, 5);
    if (tr_model_build(&m, d, nd, 2, hw, hw, 10, 4, &rng) < 0) {
        CHECK(0, "%s: %s", spec, bm_error());
        free(d);
        return;
    }
    m.rng = &drng;
    float x[4 * 2 * 10 * 10];
    uint8_t lab[4] = {1, 2, 3, 4};
    float dl[40];
    for (int i = 0; i < 4 * 2 * hw * hw; i++)
        x[i] = bm_rng_normal(&rng);
    bm_rng_seed(&drng, 9);
    const float *z = tr_model_forward(&m, x, 4, 1);
    tr_softmax_xent(z, lab, 4, 10, dl, NULL);
    tr_model_backward(&m, dl, 4);
    int bad = 0;
    for (int li = 0; li < m.n; li++) {
        tr_layer *l = &m.layers[li];
        if (!l->w)
            continue;
        float *g = malloc(l->nw * sizeof(float));
        memcpy(g, l->gw, l->nw * sizeof(float));
        for (size_t i = 0; i < l->nw; i += l->nw / 40 + 1) {
            float keep = l->w[i];
            double lv[2];
            for (int s = 0; s < 2; s++) {
                l->w[i] = keep + (s ? -1e-3f : 1e-3f);
                bm_rng_seed(&drng, 9);
                lv[s] = tr_softmax_xent(tr_model_forward(&m, x, 4, 1), lab, 4, 10, NULL, NULL);
            }
            l->w[i] = keep;
            double num = (lv[0] - lv[1]) / ((double)(keep + 1e-3f) - (double)(keep - 1e-3f));
            if (!close_enough(g[i], num, 1e-2)) {
                if (bad++ < 5)
                    fprintf(stderr, "  %s: layer %d w[%zu]: %.6f vs %.6f\n", spec, li, i, g[i], num);
            }
        }
        free(g);
    }
    CHECK(bad == 0, "whole model %s: %d mismatches", spec, bad);
    tr_model_free(&m);
    free(d);
}

/* R_l wrt each weight and wrt beta, p = 1 and 2, weights kept away from the kinks of the min. */
static void check_sq(void)
{
    bm_rng rng;
    bm_rng_seed(&rng, 11);
    for (int p = 1; p <= 2; p++) {
        for (int bi = 0; bi < 3; bi++) {
            float beta = 0.9f + 0.25f * bi, s = 0.7f, gamma = 0.05f;
            size_t n = 200;
            float w[200], g[200];
            float u0 = sq_u0(beta, p);
            for (size_t i = 0; i < n; i++) {
                float u;
                do
                    u = 2.5f * (2.0f * bm_rng_uniform(&rng) - 1.0f);
                while (fabsf(fabsf(u) - u0) < 0.02f || fabsf(u) < 0.02f || fabsf(fabsf(u) - 1.0f) < 0.02f);
                w[i] = u * s;
                g[i] = 0.0f;
            }
            double db;
            sq_layer_reg(w, n, s, beta, p, gamma, 1.0f, g, &db);
            int bad = 0;
            double h = 1e-3;
            for (size_t i = 0; i < n; i++) {
                /* in double through sq_r directly: R = mean r(w/s) + gamma cot */
                double u = (double)w[i] / s;
                double rp = sq_r(u + h / s, beta, p, NULL, NULL), rm = sq_r(u - h / s, beta, p, NULL, NULL);
                double num = (rp - rm) / (2 * h) / n;
                bad += !close_enough(g[i], num, 1e-3);
            }
            CHECK(bad == 0, "dR/dw p=%d beta=%.2f: %d mismatches", p, beta, bad);
            double hb = 1e-4;
            double Rp = sq_layer_reg(w, n, s, beta + (float)hb, p, gamma, 0, NULL, NULL);
            double Rm = sq_layer_reg(w, n, s, beta - (float)hb, p, gamma, 0, NULL, NULL);
            /* beta is float: use the actual float step */
            double step = (double)(beta + (float)hb) - (double)(beta - (float)hb);
            CHECK(close_enough(db, (Rp - Rm) / step, 2e-3), "dR/dbeta p=%d beta=%.2f: %.6f vs %.6f", p, beta, db,
                  (Rp - Rm) / step);
        }
    }
}

/* Conv with the batch split over 2 and 3 threads: outputs and input gradients bit-identical to one thread,
 * weight gradients equal up to the order of the per-thread sums. im2col (3 channels) and Winograd (8), whose
 * groups of examples per SGEMM (4 at 4x4 outputs) the thread chunks cut elsewhere than one thread does. */
static void check_conv_threads(int c, int h, int w, int n)
{
    bm_layer_desc d = {.type = BM_CONV, .out = 5, .k = 3, .stride = 1, .pad = 1};
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 21);
    if (tr_model_build(&m, &d, 1, c, h, w, 0, n, &rng) < 0) {
        CHECK(0, "conv %dx%d: build failed: %s", h, w, bm_error());
        return;
    }
    tr_layer *l = &m.layers[0];
    size_t in = (size_t)n * tr_layer_in_size(l), out = (size_t)n * tr_layer_out_size(l);
    float *x = randn(&rng, in), *dy = randn(&rng, out);
    float *y1 = malloc(out * sizeof(float)), *dx1 = malloc(in * sizeof(float)), *gw1 = malloc(l->nw * sizeof(float));
    tr_layer_forward(l, x, n, 1, &rng);
    tr_layer_backward(l, dy, n, 1);
    memcpy(y1, l->y, out * sizeof(float));
    memcpy(dx1, l->dx, in * sizeof(float));
    memcpy(gw1, l->gw, l->nw * sizeof(float));
    for (int T = 2; T <= 3; T++) {
        l->nthreads = T;
        tr_layer_forward(l, x, n, 1, &rng);
        tr_layer_backward(l, dy, n, 1);
        CHECK(memcmp(y1, l->y, out * sizeof(float)) == 0, "conv forward with %d threads differs", T);
        CHECK(memcmp(dx1, l->dx, in * sizeof(float)) == 0, "conv dx with %d threads differs", T);
        int bad = 0;
        for (size_t i = 0; i < l->nw; i++)
            bad += !close_enough(gw1[i], l->gw[i], 1e-5);
        CHECK(bad == 0, "conv dw with %d threads: %d mismatches", T, bad);
    }
    free(x);
    free(dy);
    free(y1);
    free(dx1);
    free(gw1);
    tr_model_free(&m);
}

/* Winograd F(2x2, 3x3) against im2col + SGEMM on one layer (the same weights, inputs and output gradients):
 * outputs, input gradients, weight and bias gradients agree to float rounding. Odd output sizes leave half
 * tiles at the right and bottom; pad 0 and 2 move the patches against the input; 37 examples of 4x4 make
 * several groups of examples per SGEMM and a short last one. */
static void check_wino_vs_im2col(int c, int h, int w, int pad, int oc, int n)
{
    bm_layer_desc d = {.type = BM_CONV, .out = oc, .k = 3, .stride = 1, .pad = pad};
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 5);
    if (tr_model_build(&m, &d, 1, c, h, w, 0, n, &rng) < 0) {
        CHECK(0, "winograd %dx%dx%d pad %d: build failed: %s", c, h, w, pad, bm_error());
        return;
    }
    tr_layer *l = &m.layers[0];
    CHECK(l->wino, "a %d-channel 3x3 stride-1 layer takes the Winograd path", c);
    size_t in = (size_t)n * tr_layer_in_size(l), out = (size_t)n * tr_layer_out_size(l);
    float *x = randn(&rng, in), *dy = randn(&rng, out);
    for (int j = 0; j < oc; j++)
        l->b[j] = bm_rng_normal(&rng);
    float *y1 = malloc(out * sizeof(float)), *dx1 = malloc(in * sizeof(float)), *gw1 = malloc(l->nw * sizeof(float));
    float *gb1 = malloc((size_t)oc * sizeof(float));
    tr_layer_forward(l, x, n, 1, &rng);
    tr_layer_backward(l, dy, n, 1);
    memcpy(y1, l->y, out * sizeof(float));
    memcpy(dx1, l->dx, in * sizeof(float));
    memcpy(gw1, l->gw, l->nw * sizeof(float));
    memcpy(gb1, l->gb, (size_t)oc * sizeof(float));
    l->wino = 0;
    tr_layer_forward(l, x, n, 1, &rng);
    tr_layer_backward(l, dy, n, 1);
    int bad[4] = {0};
    for (size_t i = 0; i < out; i++)
        bad[0] += !close_enough(y1[i], l->y[i], 1e-5);
    for (size_t i = 0; i < in; i++)
        bad[1] += !close_enough(dx1[i], l->dx[i], 1e-5);
    for (size_t i = 0; i < l->nw; i++)   /* sums over n * out_h * out_w products: scale the tolerance */
        bad[2] += !close_enough(gw1[i] / sqrt((double)out), l->gw[i] / sqrt((double)out), 1e-5);
    for (int i = 0; i < oc; i++)
        bad[3] += !close_enough(gb1[i] / sqrt((double)out), l->gb[i] / sqrt((double)out), 1e-5);
    CHECK(!bad[0] && !bad[1] && !bad[2] && !bad[3],
          "winograd vs im2col, %dx%dx%d pad %d -> %d, %d examples: %d y, %d dx, %d dw, %d db mismatches", c, h, w,
          pad, oc, n, bad[0], bad[1], bad[2], bad[3]);
    free(x);
    free(dy);
    free(y1);
    free(dx1);
    free(gw1);
    free(gb1);
    tr_model_free(&m);
}

int main(void)
{
    check_wino_vs_im2col(8, 8, 8, 1, 5, 3);
    check_wino_vs_im2col(9, 7, 5, 1, 4, 2);     /* odd: 7x5 outputs */
    check_wino_vs_im2col(8, 6, 9, 0, 3, 2);     /* valid: 4x7 outputs */
    check_wino_vs_im2col(8, 3, 4, 2, 6, 2);     /* pad 2: 5x6 outputs, patches beyond both sides */
    check_wino_vs_im2col(16, 4, 4, 1, 16, 37);  /* 4 tiles per example: groups of 4 examples, a short last one */
    check_wino_vs_im2col(8, 1, 1, 1, 2, 3);     /* 1x1 input: one tile, three quarters outside */
    check_conv_threads(3, 9, 8, 7);
    check_conv_threads(3, 4, 4, 37);
    check_conv_threads(8, 4, 4, 37);   /* Winograd: groups of 4 examples */
    check_conv_threads(8, 9, 8, 7);
    check_layer("dense", (bm_layer_desc){.type = BM_DENSE, .out = 7}, 3, 2, 2, 5, 1e-2);
    check_layer("conv3x3 same", (bm_layer_desc){.type = BM_CONV, .out = 4, .k = 3, .stride = 1, .pad = 1}, 3, 6, 5,
                2, 1e-2);
    check_layer("conv2x2 s2 p0", (bm_layer_desc){.type = BM_CONV, .out = 3, .k = 2, .stride = 2, .pad = 0}, 2, 7, 7,
                2, 1e-2);
    check_layer("conv5x5 valid", (bm_layer_desc){.type = BM_CONV, .out = 2, .k = 5, .stride = 1, .pad = 0}, 2, 8,
                8, 2, 1e-2);
    /* Winograd with 4x4 outputs: 11 examples in SGEMM groups of 4, 4 and 3 */
    check_layer("conv3x3 winograd groups", (bm_layer_desc){.type = BM_CONV, .out = 3, .k = 3, .stride = 1, .pad = 1},
                8, 4, 4, 11, 1e-2);
    /* the Winograd path (8+ input channels), including half tiles at odd sizes */
    check_layer("conv3x3 winograd", (bm_layer_desc){.type = BM_CONV, .out = 3, .k = 3, .stride = 1, .pad = 1}, 8, 5,
                7, 3, 1e-2);
    check_layer("conv3x3 winograd valid", (bm_layer_desc){.type = BM_CONV, .out = 2, .k = 3, .stride = 1, .pad = 0},
                8, 6, 5, 2, 1e-2);
    check_layer("bn conv", (bm_layer_desc){.type = BM_BN}, 3, 4, 4, 4, 2e-2);
    check_layer("bn dense", (bm_layer_desc){.type = BM_BN}, 6, 1, 1, 8, 2e-2);
    check_layer("relu", (bm_layer_desc){.type = BM_RELU}, 3, 4, 4, 2, 1e-2);
    check_layer("htanh", (bm_layer_desc){.type = BM_HTANH}, 3, 4, 4, 2, 1e-2);
    check_layer("maxpool2", (bm_layer_desc){.type = BM_MAXPOOL, .k = 2}, 2, 6, 7, 2, 1e-2);
    check_layer("maxpool3", (bm_layer_desc){.type = BM_MAXPOOL, .k = 3}, 2, 6, 6, 2, 1e-2);
    check_layer("dropout", (bm_layer_desc){.type = BM_DROPOUT, .drop_p = 0.4f}, 3, 3, 3, 2, 1e-2);
    check_ste();
    check_xent();
    check_model("conv3x3:4,bn,relu,pool2,conv3x3:3:p0:s2,htanh,drop:0.3,fc:10", 10);
    /* residual blocks: identity and option-A shortcuts (stride 2 on an even and an odd size, wider), nested, and
     * global average pooling; the nested one without activations, so that no ReLU kink falls inside the finite
     * difference (one did, with ReLUs, for one of 70 sampled weights) */
    check_model("conv3x3:4,bn,relu,mark,conv3x3:4,bn,relu,conv3x3:4,bn,add,relu,"
                "mark,conv3x3:6:s2,bn,relu,conv3x3:6,bn,add,relu,gap,fc:10", 10);
    check_model("conv3x3:4,mark,conv3x3:6:s2,mark,conv3x3:6,add,conv3x3:6,add,gap,fc:10", 9);
    check_sq();
    return t_finish("test_grad");
}
