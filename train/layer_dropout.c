/* SPDX-License-Identifier: MIT */
/* Inverted dropout: kept units are scaled by 1/(1-p) in training so that inference is the identity. */
#include <string.h>

#include "train/nn.h"

void tr_dropout_forward(tr_layer *l, const float *x, int n, int train, bm_rng *rng)
{
    size_t total = (size_t)n * tr_layer_in_size(l);
    l->x = x;
    if (!train || l->drop_p <= 0.0f) {
        memcpy(l->y, x, total * sizeof(float));
        memset(l->mask, 1, total);
        return;
    }
    float keep = 1.0f - l->drop_p, inv = 1.0f / keep;
    for (size_t i = 0; i < total; i++) {
        l->mask[i] = bm_rng_uniform(rng) < keep;
        l->y[i] = l->mask[i] ? x[i] * inv : 0.0f;
    }
}

void tr_dropout_backward(tr_layer *l, const float *dy, int n)
{
    size_t total = (size_t)n * tr_layer_in_size(l);
    float inv = l->drop_p > 0.0f ? 1.0f / (1.0f - l->drop_p) : 1.0f;
    for (size_t i = 0; i < total; i++)
        l->dx[i] = l->mask[i] ? dy[i] * inv : 0.0f;
}
