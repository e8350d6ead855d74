/* SPDX-License-Identifier: MIT */
/* Model construction (shape inference, buffers, initialisation), forward/backward over the layer list, and
 * the weight quantizer used by every quantized mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/nn.h"
#include "train/sq_reg.h"

size_t tr_layer_in_size(const tr_layer *l) { return (size_t)l->in_c * l->in_h * l->in_w; }
size_t tr_layer_out_size(const tr_layer *l) { return (size_t)l->out_c * l->out_h * l->out_w; }

/* All of a model's buffers together (activations and gradients for a batch, weights, optimizer state, im2col). */
#define TR_MAX_MODEL_BYTES (8.0 * 1024 * 1024 * 1024)

/* The shape rules are the model layer's (bm_shapes); the trainer's layer keeps its own copy of the fields. */
static void copy_shape(tr_layer *l, const bm_shape *s)
{
    l->type = s->type;
    l->in_c = s->in_c;
    l->in_h = s->in_h;
    l->in_w = s->in_w;
    l->out_c = s->out_c;
    l->out_h = s->out_h;
    l->out_w = s->out_w;
    l->k = s->k;
    l->stride = s->stride;
    l->pad = s->pad;
    l->drop_p = s->drop_p;
    l->fan_in = s->fan_in;
    l->nw = s->nw;
    l->link = s->link;
    l->sub = s->sub;
}

int tr_model_build(tr_model *m, const bm_layer_desc *d, int n, int in_c, int in_h, int in_w, int n_classes,
                   int batch_cap, bm_rng *init_rng)
{
    memset(m, 0, sizeof *m);
    if (n <= 0)
        return bm_fail("model has no layers");
    if (batch_cap <= 0)
        return bm_fail("batch size must be positive");
    m->n = n;
    m->layers = bm_alloc((size_t)n, sizeof(tr_layer));
    m->in_c = in_c;
    m->in_h = in_h;
    m->in_w = in_w;
    m->n_classes = n_classes;
    m->batch_cap = batch_cap;
    for (int k = 0; k < BM_MAX_NORM_C; k++) {
        m->in_mean[k] = 0.0f;
        m->in_std[k] = 1.0f;
    }
    bm_shape *sh = bm_alloc((size_t)n, sizeof *sh);
    if (bm_shapes(sh, d, n, in_c, in_h, in_w) < 0) {
        free(sh);
        tr_model_free(m);
        return -1;
    }
    for (int i = 0; i < n; i++)
        copy_shape(&m->layers[i], &sh[i]);
    int c = sh[n - 1].out_c, h = sh[n - 1].out_h, w = sh[n - 1].out_w;
    free(sh);
    if (n_classes > 0 && (size_t)c * h * w != (size_t)n_classes) {
        tr_model_free(m);
        return bm_fail("the last layer gives %d x %d x %d outputs, the dataset has %d classes", c, h, w, n_classes);
    }
    /* Each layer's shapes are bounded, but not their sum: a few KB of model file with 80 layers over a huge input
     * asked for ~40 GB, which calloc grants lazily until strict overcommit or a first touch ends the process.
     * The buffers below, counted before any is allocated, get a budget and a message instead. */
    double floats = 0.0;
    for (int i = 0; i < n; i++) {
        const tr_layer *l = &m->layers[i];
        double in = (double)batch_cap * (double)tr_layer_in_size(l), out = (double)batch_cap * (double)tr_layer_out_size(l);
        floats += 3.0 * in + 2.0 * out + 4.0 * (double)l->nw;
        if (l->type == BM_CONV)
            floats += 2.0 * (double)l->fan_in * (double)l->out_h * (double)l->out_w;
        if (l->type == BM_CONV && tr_wino_applies(l))   /* one thread's scratch */
            floats += tr_wino_scratch_floats(l);
    }
    if (floats * sizeof(float) > TR_MAX_MODEL_BYTES) {
        tr_model_free(m);
        return bm_fail("the model needs %.1f GiB of buffers at batch %d, more than the %.0f GiB allowed: its layers "
                       "or input are far too large", floats * sizeof(float) / (1024.0 * 1024 * 1024), batch_cap,
                       TR_MAX_MODEL_BYTES / (1024.0 * 1024 * 1024));
    }
    for (int i = 0; i < n; i++) {
        tr_layer *l = &m->layers[i];
        size_t in = (size_t)batch_cap * tr_layer_in_size(l), out = (size_t)batch_cap * tr_layer_out_size(l);
        l->y = bm_alloc(out, sizeof(float));
        l->dx = bm_alloc(in, sizeof(float));
        l->beta = (float)(M_PI / 4 + M_PI / 2) / 2;   /* placeholder: the trainer sets the starting angle */
        l->sq_s = 1.0f;
        l->sq_p = 2;
        l->per_channel = 1;
        l->nthreads = 1;
        if (l->type == BM_DENSE || l->type == BM_CONV) {
            l->w = bm_alloc(l->nw, sizeof(float));
            l->gw = bm_alloc(l->nw, sizeof(float));
            l->wq = l->w;
            l->b = bm_alloc((size_t)l->out_c, sizeof(float));
            l->gb = bm_alloc((size_t)l->out_c, sizeof(float));
            l->scale = bm_alloc((size_t)l->out_c, sizeof(float));
            /* He initialisation: keeps the activation variance through ReLU layers. */
            float sd = sqrtf(2.0f / (float)l->fan_in);
            for (size_t j = 0; init_rng && j < l->nw; j++)   /* NULL: the caller fills the weights */
                l->w[j] = sd * bm_rng_normal(init_rng);
            if (l->type == BM_CONV) {
                /* im2col's scratch even where Winograd applies (its own comes with the first pass): tests
                 * switch a layer between the two */
                size_t P = (size_t)l->out_h * l->out_w;
                l->col = bm_alloc(l->fan_in * P, sizeof(float));
                l->dcol = bm_alloc(l->fan_in * P, sizeof(float));
                l->wino = tr_wino_applies(l);
            }
        } else if (l->type == BM_BN) {
            int C = l->in_c;
            l->gamma = bm_alloc((size_t)C, sizeof(float));
            l->ggamma = bm_alloc((size_t)C, sizeof(float));
            l->bshift = bm_alloc((size_t)C, sizeof(float));
            l->gbshift = bm_alloc((size_t)C, sizeof(float));
            l->rmean = bm_alloc((size_t)C, sizeof(float));
            l->rvar = bm_alloc((size_t)C, sizeof(float));
            l->invstd = bm_alloc((size_t)C, sizeof(float));
            l->xhat = bm_alloc(in, sizeof(float));
            for (int j = 0; j < C; j++)
                l->gamma[j] = l->rvar[j] = 1.0f;
            l->eps = 1e-5f;
            l->momentum = 0.1f;
        } else if (l->type == BM_MAXPOOL) {
            l->argmax = bm_alloc(out, sizeof(int32_t));
        } else if (l->type == BM_DROPOUT) {
            l->mask = bm_alloc(in, 1);
        } else if (l->type == BM_MARK) {
            l->dskip = bm_alloc(out, sizeof(float));
        }
    }
    for (int i = 0; i + 1 < n; i++)
        if (m->layers[i].type == BM_BN && m->layers[i + 1].type == BM_RELU)
            m->layers[i].relu_y = m->layers[i + 1].y;
    for (int i = 0; i < n; i++)
        if (m->layers[i].type == BM_ADD)
            m->layers[i].mark = &m->layers[m->layers[i].link];
    return 0;
}

void tr_model_free(tr_model *m)
{
    for (int i = 0; i < m->n && m->layers; i++) {
        tr_layer *l = &m->layers[i];
        if (l->wq != l->w)
            free(l->wq);
        void *ptrs[] = {l->w, l->gw, l->b, l->gb, l->scale, l->gamma, l->ggamma, l->bshift, l->gbshift, l->rmean,
                        l->rvar, l->xhat, l->invstd, l->y, l->dx, l->argmax, l->mask, l->col, l->dcol, l->wu,
                        l->dskip};
        for (size_t j = 0; j < sizeof ptrs / sizeof ptrs[0]; j++)
            free(ptrs[j]);
        for (int t = 0; t < TR_MAX_THREADS; t++) {
            free(l->tcol[t]);
            free(l->tdcol[t]);
            free(l->twv[t]);
            free(l->twm[t]);
            free(l->twdu[t]);
            free(l->twplane[t]);
            free(l->tgw[t]);
            free(l->tgb[t]);
        }
    }
    free(m->layers);
    memset(m, 0, sizeof *m);
}

void tr_layer_forward(tr_layer *l, const float *x, int n, int train, bm_rng *rng)
{
    switch (l->type) {
    case BM_DENSE: tr_dense_forward(l, x, n); break;
    case BM_CONV: tr_conv_forward(l, x, n); break;
    case BM_BN: tr_bn_forward(l, x, n, train); break;
    case BM_MAXPOOL: tr_pool_forward(l, x, n); break;
    case BM_DROPOUT: tr_dropout_forward(l, x, n, train, rng); break;
    case BM_MARK: memcpy(l->y, x, (size_t)n * tr_layer_out_size(l) * sizeof(float)); break;
    case BM_ADD: tr_add_forward(l, x, n); break;
    case BM_GAP: tr_gap_forward(l, x, n); break;
    default: tr_act_forward(l, x, n); break;
    }
}

void tr_layer_backward(tr_layer *l, const float *dy, int n, int need_dx)
{
    switch (l->type) {
    case BM_DENSE: tr_dense_backward(l, dy, n, need_dx); break;
    case BM_CONV: tr_conv_backward(l, dy, n, need_dx); break;
    case BM_BN: tr_bn_backward(l, dy, n); break;
    case BM_MAXPOOL: tr_pool_backward(l, dy, n); break;
    case BM_DROPOUT: tr_dropout_backward(l, dy, n); break;
    case BM_MARK: tr_mark_backward(l, dy, n); break;
    case BM_ADD: tr_add_backward(l, dy, n); break;
    case BM_GAP: tr_gap_backward(l, dy, n); break;
    default: tr_act_backward(l, dy, n); break;
    }
}

const float *tr_model_forward(tr_model *m, const float *x, int n, int train)
{
    const float *cur = x;
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        if (i > 0 && m->layers[i - 1].relu_y)   /* computed by the BN before it */
            l->x = l->y;
        else
            tr_layer_forward(l, cur, n, train, m->rng);
        cur = l->y;
    }
    return cur;
}

void tr_model_backward(tr_model *m, const float *dlogits, int n)
{
    const float *d = dlogits;
    for (int i = m->n - 1; i >= 0; i--) {
        if (i > 0 && m->layers[i - 1].relu_y)   /* the BN before it takes d as it is */
            continue;
        /* The input gradient of the first layer is never used: skip its GEMMs. */
        tr_layer_backward(&m->layers[i], d, n, i > 0);
        d = m->layers[i].dx;
    }
}

void tr_model_mark_quantizable(tr_model *m, int quant_all)
{
    int first = -1, last = -1;
    for (int i = 0; i < m->n; i++) {
        if (m->layers[i].type == BM_DENSE || m->layers[i].type == BM_CONV) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        l->quantizable = (l->type == BM_DENSE || l->type == BM_CONV) && (quant_all || (i != first && i != last));
    }
}

/* Scale of a group of weights = mean |w| over the non-zero (kept) ones: the L2-optimal alpha for alpha*Q(w). */
void tr_layer_quantize(tr_layer *l)
{
    if (l->depth == BM_DEPTH_FLOAT) {
        l->wq = l->w;
        return;
    }
    if (l->wq == l->w)
        l->wq = bm_alloc(l->nw, sizeof(float));
    size_t fi = l->fan_in, rows = (size_t)l->out_c;
    float thr = 0.0f;
    if (l->depth == BM_DEPTH_TERNARY) {
        if (l->thr_mode == TR_THR_TWN) {
            double s = 0.0;
            for (size_t j = 0; j < l->nw; j++)
                s += fabsf(l->w[j]);
            thr = (float)(0.7 * s / (double)l->nw);
        } else {
            l->sq_s = sq_fit_scale(l->w, l->nw, l->beta, l->sq_p, l->sq_s);
            thr = sq_u0(l->beta, l->sq_p) * l->sq_s;
        }
    }
    l->thr = thr;
    double lsum = 0.0;
    size_t lcnt = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *w = l->w + r * fi;
        double s = 0.0;
        size_t cnt = 0;
        for (size_t j = 0; j < fi; j++) {
            /* same predicates as bitern_pack_b1_f32 (x < 0 is -1) and bitern_pack_t2_f32 (|x| > thr kept) */
            if (l->depth == BM_DEPTH_BINARY || fabsf(w[j]) > thr) {
                s += fabsf(w[j]);
                cnt++;
            }
        }
        l->scale[r] = cnt ? (float)(s / cnt) : 0.0f;
        lsum += s;
        lcnt += cnt;
    }
    if (!l->per_channel) {
        float a = lcnt ? (float)(lsum / lcnt) : 0.0f;
        for (size_t r = 0; r < rows; r++)
            l->scale[r] = a;
    }
    for (size_t r = 0; r < rows; r++) {
        const float *w = l->w + r * fi;
        float *q = l->wq + r * fi, a = l->scale[r];
        for (size_t j = 0; j < fi; j++) {
            if (l->depth == BM_DEPTH_BINARY)
                q[j] = w[j] < 0.0f ? -a : a;
            else
                q[j] = fabsf(w[j]) > thr ? (w[j] < 0.0f ? -a : a) : 0.0f;
        }
    }
}

void tr_model_quantize_weights(tr_model *m)
{
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        if ((l->type == BM_DENSE || l->type == BM_CONV) && l->depth != BM_DEPTH_FLOAT)
            tr_layer_quantize(l);
    }
}
