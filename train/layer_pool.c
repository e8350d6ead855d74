/* SPDX-License-Identifier: MIT */
/* Max pooling with window = stride = k (trailing rows/columns that do not fill a window are dropped). */
#include <string.h>

#include "nn.h"

void tr_pool_forward(tr_layer *l, const float *x, int n)
{
    int k = l->k, H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    size_t planes = (size_t)n * l->in_c;
    l->x = x;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * H * W;
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

void tr_pool_backward(tr_layer *l, const float *dy, int n)
{
    int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    size_t planes = (size_t)n * l->in_c;
    memset(l->dx, 0, planes * H * W * sizeof(float));
    for (size_t pl = 0; pl < planes; pl++) {
        float *dx = l->dx + pl * H * W;
        const float *d = dy + pl * OH * OW;
        const int32_t *am = l->argmax + pl * OH * OW;
        for (int j = 0; j < OH * OW; j++)
            dx[am[j]] += d[j];
    }
}
