/* SPDX-License-Identifier: MIT */
/* Element-wise activations. The binary and ternary ones pass the gradient straight through where |x| <= 1
 * (the hardtanh STE of BinaryNet): outside, the quantizer is flat and pushing further only saturates. */
#include <math.h>
#include <string.h>

#include "train/nn.h"

typedef struct {
    const tr_layer *l;
    const float *x, *dy;
} act_job;

static void forward_range(void *c, size_t lo, size_t hi)
{
    const act_job *j = c;
    bm_act_apply(j->l->type, j->x + lo, j->l->y + lo, hi - lo);
}

void tr_act_forward(tr_layer *l, const float *x, int n)
{
    l->x = x;
    act_job j = {.l = l, .x = x};
    tr_parallel(l->nthreads, (size_t)n * tr_layer_in_size(l), 1, forward_range, &j);
}

static void backward_range(void *c, size_t lo, size_t hi)
{
    const act_job *j = c;
    const float *x = j->l->x, *dy = j->dy;
    float *dx = j->l->dx;
    /* dy is loaded before the select: as a conditional load the loop was not vectorised (a branch per value) */
    if (j->l->type == BM_RELU) {
        for (size_t i = lo; i < hi; i++) {
            float g = dy[i];
            dx[i] = x[i] > 0.0f ? g : 0.0f;
        }
    } else {
        /* hardtanh's derivative, and the STE of sign/tern */
        for (size_t i = lo; i < hi; i++) {
            float g = dy[i];
            dx[i] = fabsf(x[i]) <= 1.0f ? g : 0.0f;
        }
    }
}

void tr_act_backward(tr_layer *l, const float *dy, int n)
{
    act_job j = {.l = l, .dy = dy};
    tr_parallel(l->nthreads, (size_t)n * tr_layer_in_size(l), 1, backward_range, &j);
}
