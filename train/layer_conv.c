/* SPDX-License-Identifier: MIT */
/*
 * 2-D convolution by im2col + SGEMM, one example at a time: the column buffer of a whole batch of a 32x32
 * CIFAR layer would take hundreds of MB, one example's is a few MB and stays in cache-friendly sizes.
 * Columns are rebuilt in backward rather than stored, trading a cheap copy for that memory.
 * 3x3 stride-1 layers with enough input channels take the Winograd path instead (conv_winograd.c, l->wino).
 */
#include <cblas.h>
#include <string.h>

#include "train/nn.h"

/* Output columns ow whose input column ow*s - pad + kj lies inside [0, W): [lo, hi). Computing the range once
 * per kernel column turns the inner loops into branch-free copies (memcpy for stride 1), which matters: with
 * a bounds test per element im2col cost half as much as the GEMMs. */
static void valid_range(int OW, int W, int s, int off, int *lo, int *hi)
{
    int a = off < 0 ? (-off + s - 1) / s : 0;          /* first ow with ow*s + off >= 0 */
    int b = W - off <= 0 ? 0 : (W - off + s - 1) / s;  /* first ow with ow*s + off >= W */
    if (b > OW)
        b = OW;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

/* col[(c*k + ki)*k + kj][oh*OW + ow] = x[c][oh*s - pad + ki][ow*s - pad + kj], zero outside. */
static void im2col(const tr_layer *l, const float *x, float *col)
{
    int k = l->k, s = l->stride, p = l->pad, H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    size_t P = (size_t)OH * OW;
    for (int c = 0; c < l->in_c; c++) {
        const float *xc = x + (size_t)c * H * W;
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                float *row = col + ((size_t)(c * k + ki) * k + kj) * P;
                int lo, hi;
                valid_range(OW, W, s, kj - p, &lo, &hi);
                for (int oh = 0; oh < OH; oh++) {
                    int ih = oh * s - p + ki;
                    float *r = row + (size_t)oh * OW;
                    if (ih < 0 || ih >= H) {
                        memset(r, 0, (size_t)OW * sizeof(float));
                        continue;
                    }
                    const float *xr = xc + (size_t)ih * W + (kj - p);
                    for (int ow = 0; ow < lo; ow++)
                        r[ow] = 0.0f;
                    if (s == 1) {
                        memcpy(r + lo, xr + lo, (size_t)(hi - lo) * sizeof(float));
                    } else {
                        for (int ow = lo; ow < hi; ow++)
                            r[ow] = xr[ow * s];
                    }
                    for (int ow = hi; ow < OW; ow++)
                        r[ow] = 0.0f;
                }
            }
        }
    }
}

/* The adjoint of im2col: accumulates column gradients back onto the (zeroed) input gradient. */
static void col2im(const tr_layer *l, const float *col, float *dx)
{
    int k = l->k, s = l->stride, p = l->pad, H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    size_t P = (size_t)OH * OW;
    for (int c = 0; c < l->in_c; c++) {
        float *dc = dx + (size_t)c * H * W;
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                const float *row = col + ((size_t)(c * k + ki) * k + kj) * P;
                int lo, hi;
                valid_range(OW, W, s, kj - p, &lo, &hi);
                for (int oh = 0; oh < OH; oh++) {
                    int ih = oh * s - p + ki;
                    if (ih < 0 || ih >= H)
                        continue;
                    const float *r = row + (size_t)oh * OW;
                    float *dr = dc + (size_t)ih * W + (kj - p);
                    if (s == 1) {   /* unit stride: a plain vector add the compiler vectorises */
                        for (int ow = lo; ow < hi; ow++)
                            dr[ow] += r[ow];
                    } else {
                        for (int ow = lo; ow < hi; ow++)
                            dr[ow * s] += r[ow];
                    }
                }
            }
        }
    }
}

static void forward_range(tr_layer *l, const float *x, int i0, int i1, float *col)
{
    int oc = l->out_c, ckk = (int)l->fan_in, P = l->out_h * l->out_w;
    size_t in_sz = tr_layer_in_size(l), out_sz = tr_layer_out_size(l);
    for (int i = i0; i < i1; i++) {
        float *y = l->y + i * out_sz;
        im2col(l, x + i * in_sz, col);
        for (int c = 0; c < oc; c++)
            for (int j = 0; j < P; j++)
                y[(size_t)c * P + j] = l->b[c];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, oc, P, ckk, 1.0f, l->wq, ckk, col, P, 1.0f, y, P);
    }
}

/* Accumulates the weight and bias gradients of examples [i0, i1) into gw/gb (zeroed by the caller). */
static void backward_range(tr_layer *l, const float *dy, int i0, int i1, int need_dx, float *col, float *dcol,
                           float *gw, float *gb)
{
    int oc = l->out_c, ckk = (int)l->fan_in, P = l->out_h * l->out_w;
    size_t in_sz = tr_layer_in_size(l), out_sz = tr_layer_out_size(l);
    for (int i = i0; i < i1; i++) {
        const float *d = dy + i * out_sz;
        im2col(l, l->x + i * in_sz, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, oc, ckk, P, 1.0f, d, P, col, P, 1.0f, gw, ckk);
        for (int c = 0; c < oc; c++) {
            float s = 0.0f;
            for (int j = 0; j < P; j++)
                s += d[(size_t)c * P + j];
            gb[c] += s;
        }
        if (need_dx) {
            float *dx = l->dx + i * in_sz;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, P, oc, 1.0f, l->wq, ckk, d, P, 0.0f, dcol, P);
            memset(dx, 0, in_sz * sizeof(float));
            col2im(l, dcol, dx);
        }
    }
}

typedef struct conv_job {
    tr_layer *l;
    const float *x, *dy;
    int i0, i1, need_dx, t;
} conv_job;

static void *forward_job(void *arg)
{
    conv_job *j = arg;
    if (j->l->wino)
        tr_wino_forward_range(j->l, j->x, j->i0, j->i1, j->t);
    else
        forward_range(j->l, j->x, j->i0, j->i1, j->l->tcol[j->t]);
    return NULL;
}

static void *backward_job(void *arg)
{
    conv_job *j = arg;
    tr_layer *l = j->l;
    memset(l->tgw[j->t], 0, l->nw * sizeof(float));
    memset(l->tgb[j->t], 0, (size_t)l->out_c * sizeof(float));
    if (l->wino)
        tr_wino_backward_range(l, j->dy, j->i0, j->i1, j->need_dx, j->t, l->tgw[j->t], l->tgb[j->t]);
    else
        backward_range(l, j->dy, j->i0, j->i1, j->need_dx, l->tcol[j->t], l->tdcol[j->t], l->tgw[j->t],
                       l->tgb[j->t]);
    return NULL;
}

typedef struct {
    conv_job *jobs;
    void *(*fn)(void *);
} chunk_run;

static void run_chunk(void *v, int t, int T)
{
    const chunk_run *c = v;
    c->fn(&c->jobs[t]);
}

/* Runs fn over T contiguous chunks of [0, n): chunk 0 on the calling thread. Returns the thread count used. */
static int run_chunks(tr_layer *l, int n, const float *x, const float *dy, int need_dx, void *(*fn)(void *))
{
    int T = l->nthreads < n ? l->nthreads : n;
    conv_job jobs[TR_MAX_THREADS];
    size_t P = (size_t)l->out_h * l->out_w;
    for (int t = 0; t < T; t++) {
        if (!l->tgw[t]) {
            l->tgw[t] = bm_alloc(l->nw, sizeof(float));
            l->tgb[t] = bm_alloc((size_t)l->out_c, sizeof(float));
        }
        if (l->wino) {
            tr_wino_scratch(l, t);
        } else if (!l->tcol[t]) {
            l->tcol[t] = bm_alloc(l->fan_in * P, sizeof(float));
            l->tdcol[t] = bm_alloc(l->fan_in * P, sizeof(float));
        }
        jobs[t] = (conv_job){.l = l, .x = x, .dy = dy, .i0 = (int)((long)n * t / T),
                             .i1 = (int)((long)n * (t + 1) / T), .need_dx = need_dx, .t = t};
    }
    chunk_run c = {jobs, fn};
    tr_run_parts(T, run_chunk, &c);   /* chunk t's values do not depend on the thread that runs it */
    return T;
}

void tr_conv_forward(tr_layer *l, const float *x, int n)
{
    l->x = x;
    if (l->wino)
        tr_wino_prepare(l);
    if (l->nthreads <= 1 || n < 2) {
        if (l->wino) {
            tr_wino_scratch(l, 0);
            tr_wino_forward_range(l, x, 0, n, 0);
        } else {
            forward_range(l, x, 0, n, l->col);
        }
        return;
    }
    run_chunks(l, n, x, NULL, 0, forward_job);
}

void tr_conv_backward(tr_layer *l, const float *dy, int n, int need_dx)
{
    memset(l->gw, 0, l->nw * sizeof(float));
    memset(l->gb, 0, (size_t)l->out_c * sizeof(float));
    if (l->wino)
        tr_wino_prepare(l);   /* again: the weights may have changed since the forward pass */
    if (l->nthreads <= 1 || n < 2) {
        if (l->wino) {
            tr_wino_scratch(l, 0);
            tr_wino_backward_range(l, dy, 0, n, need_dx, 0, l->gw, l->gb);
        } else {
            backward_range(l, dy, 0, n, need_dx, l->col, l->dcol, l->gw, l->gb);
        }
        return;
    }
    int T = run_chunks(l, n, NULL, dy, need_dx, backward_job);
    for (int t = 0; t < T; t++) {   /* fixed order: the same sums on every run */
        for (size_t j = 0; j < l->nw; j++)
            l->gw[j] += l->tgw[t][j];
        for (int c = 0; c < l->out_c; c++)
            l->gb[c] += l->tgb[t][c];
    }
}
