/* SPDX-License-Identifier: MIT */
/* Batch normalisation per channel over N*H*W (a dense layer's output is C x 1 x 1). Each plane (one example,
 * one channel: at most a few thousand values) is summed in float, which vectorises, and the planes are summed
 * in double: a 130k-value channel sum in float alone would lose the digits the variance needs. */
#include <math.h>
#include <string.h>

#include "train/nn.h"

/* Eight independent partial sums: the compiler may vectorise them without reassociating anything (a single
 * float accumulator is a serial chain it must keep in order). Same result on every run. */
float tr_plane_sum(const float *p, size_t n)
{
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += p[j + k];
    for (; j < n; j++)
        acc[0] += p[j];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static float plane_sqdev(const float *p, size_t n, float mu)
{
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) {
            float d = p[j + k] - mu;
            acc[k] += d * d;
        }
    for (; j < n; j++)
        acc[0] += (p[j] - mu) * (p[j] - mu);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* plane_sum and plane_dot of a masked by m > 0 (the ReLU's derivative), in the same order: the fused BN + ReLU
 * backward gets exactly the separate layers' sums. The masked values go through a small buffer because a select
 * inside the 8-accumulator loop is not vectorised (gcc 12 keeps it a branch per value); the copy alone is. */
#define MASK_CHUNK 256

static void mask_copy(const float *p, const float *m, float *t, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        float v = p[j];   /* loaded unconditionally: a conditional load is not vectorised either */
        t[j] = m[j] > 0.0f ? v : 0.0f;
    }
}

/* plane_sum(masked a) and plane_dot(masked a, b) in one pass. */
static void plane_sums_masked(const float *a, const float *m, const float *b, size_t n, float *sum, float *dot)
{
    float acc[8] = {0}, accd[8] = {0}, t[MASK_CHUNK];
    size_t n8 = n / 8 * 8;
    for (size_t j0 = 0; j0 < n8; j0 += MASK_CHUNK) {
        size_t c = n8 - j0 < MASK_CHUNK ? n8 - j0 : MASK_CHUNK;
        mask_copy(a + j0, m + j0, t, c);
        for (size_t j = 0; j < c; j += 8)
            for (int k = 0; k < 8; k++) {
                acc[k] += t[j + k];
                accd[k] += t[j + k] * b[j0 + j + k];
            }
    }
    mask_copy(a + n8, m + n8, t, n - n8);
    for (size_t j = 0; j < n - n8; j++) {
        acc[0] += t[j];
        accd[0] += t[j] * b[n8 + j];
    }
    *sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    *dot = ((accd[0] + accd[1]) + (accd[2] + accd[3])) + ((accd[4] + accd[5]) + (accd[6] + accd[7]));
}

static float plane_dot(const float *a, const float *b, size_t n)
{
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[j + k] * b[j + k];
    for (; j < n; j++)
        acc[0] += a[j] * b[j];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

typedef struct {
    tr_layer *l;
    const float *x, *dy;
    int n, train;
} bn_job;

static void forward_channels(void *ctx, size_t c0, size_t c1)
{
    const bn_job *jb = ctx;
    tr_layer *l = jb->l;
    const float *x = jb->x;
    int n = jb->n;
    size_t hw = (size_t)l->in_h * l->in_w, ex = (size_t)l->in_c * hw;
    double cnt = (double)n * (double)hw;
    for (size_t c = c0; c < c1; c++) {
        float mean, invstd;
        if (jb->train) {
            double s = 0.0, s2 = 0.0;
            for (int i = 0; i < n; i++) {
                s += tr_plane_sum(x + i * ex + c * hw, hw);
            }
            double mu = s / cnt;
            float muf = (float)mu;
            for (int i = 0; i < n; i++) {
                s2 += plane_sqdev(x + i * ex + c * hw, hw, muf);
            }
            double var = s2 / cnt;
            mean = (float)mu;
            invstd = (float)(1.0 / sqrt(var + l->eps));
            double unbiased = cnt > 1 ? s2 / (cnt - 1) : var;
            l->rmean[c] = (1.0f - l->momentum) * l->rmean[c] + l->momentum * mean;
            l->rvar[c] = (1.0f - l->momentum) * l->rvar[c] + l->momentum * (float)unbiased;
        } else {
            mean = l->rmean[c];
            invstd = 1.0f / sqrtf(l->rvar[c] + l->eps);
        }
        l->invstd[c] = invstd;
        float g = l->gamma[c], bsh = l->bshift[c];
        for (int i = 0; i < n; i++) {
            const float *p = x + i * ex + c * hw;
            float *xh = l->xhat + i * ex + c * hw;
            if (l->relu_y) {
                float *y = l->relu_y + i * ex + c * hw;
                for (size_t j = 0; j < hw; j++) {
                    xh[j] = (p[j] - mean) * invstd;
                    float v = g * xh[j] + bsh;
                    y[j] = v > 0.0f ? v : 0.0f;   /* as bm_act_apply */
                }
            } else {
                float *y = l->y + i * ex + c * hw;
                for (size_t j = 0; j < hw; j++) {
                    xh[j] = (p[j] - mean) * invstd;
                    y[j] = g * xh[j] + bsh;
                }
            }
        }
    }
}

/* Channels are independent: they are split over the layer's threads, each computed as in a serial loop. */
void tr_bn_forward(tr_layer *l, const float *x, int n, int train)
{
    l->x = x;
    bn_job j = {.l = l, .x = x, .n = n, .train = train};
    tr_parallel(l->nthreads, (size_t)l->in_c, (size_t)n * l->in_h * l->in_w, forward_channels, &j);
}

/* dx = invstd/M * (M*dxhat - sum(dxhat) - xhat*sum(dxhat*xhat)), with dxhat = dy*gamma (batch statistics). */
static void backward_channels(void *ctx, size_t c0, size_t c1)
{
    const bn_job *jb = ctx;
    tr_layer *l = jb->l;
    const float *dy = jb->dy;
    int n = jb->n;
    size_t hw = (size_t)l->in_h * l->in_w, ex = (size_t)l->in_c * hw;
    double cnt = (double)n * (double)hw;
    for (size_t c = c0; c < c1; c++) {
        double sdy = 0.0, sdyx = 0.0;
        for (int i = 0; i < n; i++) {
            const float *d = dy + i * ex + c * hw, *xh = l->xhat + i * ex + c * hw;
            if (l->relu_y) {
                float ps, pd;
                plane_sums_masked(d, l->relu_y + i * ex + c * hw, xh, hw, &ps, &pd);
                sdy += ps;
                sdyx += pd;
            } else {
                sdy += tr_plane_sum(d, hw);
                sdyx += plane_dot(d, xh, hw);
            }
        }
        l->gbshift[c] = (float)sdy;
        l->ggamma[c] = (float)sdyx;
        float g = l->gamma[c], is = l->invstd[c];
        float a = (float)(sdy / cnt), b = (float)(sdyx / cnt);
        for (int i = 0; i < n; i++) {
            const float *d = dy + i * ex + c * hw, *xh = l->xhat + i * ex + c * hw;
            float *dx = l->dx + i * ex + c * hw;
            if (l->relu_y) {
                const float *m = l->relu_y + i * ex + c * hw;
                for (size_t j = 0; j < hw; j++) {
                    float v = d[j];
                    dx[j] = g * is * ((m[j] > 0.0f ? v : 0.0f) - a - xh[j] * b);
                }
            } else {
                for (size_t j = 0; j < hw; j++)
                    dx[j] = g * is * (d[j] - a - xh[j] * b);
            }
        }
    }
}

void tr_bn_backward(tr_layer *l, const float *dy, int n)
{
    bn_job j = {.l = l, .dy = dy, .n = n};
    tr_parallel(l->nthreads, (size_t)l->in_c, (size_t)n * l->in_h * l->in_w, backward_channels, &j);
}
