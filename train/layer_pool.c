/* SPDX-License-Identifier: MIT */
/* Max pooling with window = stride = k (trailing rows/columns that do not fill a window are dropped). Planes
 * (one example, one channel) are independent: they are split over the layer's threads. */
#include <string.h>

#include "train/nn.h"

typedef struct {
    tr_layer *l;
    const float *x, *dy;
} pool_job;

static void forward_planes(void *c, size_t p0, size_t p1)
{
    const pool_job *jb = c;
    const tr_layer *l = jb->l;
    int k = l->k, H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    for (size_t pl = p0; pl < p1; pl++) {
        const float *xp = jb->x + pl * H * W;
        float *y = l->y + pl * OH * OW;
        int32_t *am = l->argmax + pl * OH * OW;
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                int best = (oh * k) * W + ow * k;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        int idx = (oh * k + i) * W + ow * k + j;
                        if (xp[idx] > xp[best])
                            best = idx;
                    }
                y[oh * OW + ow] = xp[best];
                am[oh * OW + ow] = best;
            }
        }
    }
}

void tr_pool_forward(tr_layer *l, const float *x, int n)
{
    l->x = x;
    pool_job j = {.l = l, .x = x};
    tr_parallel(l->nthreads, (size_t)n * l->in_c, (size_t)l->in_h * l->in_w, forward_planes, &j);
}

static void backward_planes(void *c, size_t p0, size_t p1)
{
    const pool_job *jb = c;
    const tr_layer *l = jb->l;
    int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    memset(l->dx + p0 * H * W, 0, (p1 - p0) * H * W * sizeof(float));
    for (size_t pl = p0; pl < p1; pl++) {
        float *dx = l->dx + pl * H * W;
        const float *d = jb->dy + pl * OH * OW;
        const int32_t *am = l->argmax + pl * OH * OW;
        for (int j = 0; j < OH * OW; j++)
            dx[am[j]] += d[j];
    }
}

void tr_pool_backward(tr_layer *l, const float *dy, int n)
{
    pool_job j = {.l = l, .dy = dy};
    tr_parallel(l->nthreads, (size_t)n * l->in_c, (size_t)l->in_h * l->in_w, backward_planes, &j);
}
