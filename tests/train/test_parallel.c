/* SPDX-License-Identifier: MIT */
/*
 * The element-wise layers split over threads (train/parallel.c) compute every item as the serial loop does:
 * forward outputs, batch-norm statistics and running averages, input gradients and parameter gradients must be
 * bit-identical for 1, 2, 3 and 7 threads, on shapes whose item counts do not divide evenly. Convolutions stay on
 * one thread here (their weight-gradient sums do depend on the split, by design, see layer_conv.c).
 */
#include <stdlib.h>
#include <string.h>

#include "train/nn.h"
#include "test_util.h"

#define N 13   /* examples: odd, so no split is even */

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

/* One training step's forward and backward at a thread count; returns the model for inspection. */
static void step(tr_model *m, const bm_layer_desc *d, int nd, int threads, const float *x, const float *dlog,
                 int fuse)
{
    bm_rng init;
    bm_rng_seed(&init, 7);
    if (tr_model_build(m, d, nd, 3, 32, 32, 10, N, &init) < 0) {
        CHECK(0, "build: %s", bm_error());
        exit(1);
    }
    for (int i = 0; i < m->n; i++) {
        m->layers[i].nthreads = m->layers[i].type == BM_CONV ? 1 : threads;
        if (!fuse)
            m->layers[i].relu_y = NULL;
    }
    for (int rep = 0; rep < 2; rep++) {   /* twice: the second pass starts from updated running statistics */
        tr_model_forward(m, x, N, 1);
        tr_model_backward(m, dlog, N);
    }
    tr_model_forward(m, x, N, 0);         /* inference mode: running statistics */
}

int main(void)
{
    bm_layer_desc *d;
    int nd;
    /* 3x32x32 inputs. Above the grain: the first bn (5 channels of 13 x 30x30 values), relu (58,500 values) and pool
     * (65 planes of 30x30); below it: the second block (15x15), the dense layers' bn (19 channels of 13 values). */
    if (bm_spec_parse("conv3x3:5:p0,bn,relu,pool2,conv3x3:7,bn,htanh,fc:19,bn,relu,fc:10", &d, &nd) < 0)
        return 2;
    bm_rng r;
    bm_rng_seed(&r, 3);
    float *x = malloc(N * 3 * 32 * 32 * sizeof(float)), *dl = malloc(N * 10 * sizeof(float));
    for (int i = 0; i < N * 3 * 32 * 32; i++)
        x[i] = bm_rng_normal(&r);
    for (int i = 0; i < N * 10; i++)
        dl[i] = bm_rng_normal(&r) * 0.1f;
    tr_model ref;
    step(&ref, d, nd, 1, x, dl, 1);
    CHECK(ref.layers[1].relu_y && ref.layers[8].relu_y && !ref.layers[5].relu_y, "bn + relu fused, bn + htanh not");
    /* BN + ReLU fused (the default) against the separate layers: the same values wherever both compute them
     * (the fused BN leaves its own output unwritten, the fused ReLU its input gradient). */
    tr_model sep;
    step(&sep, d, nd, 1, x, dl, 0);
    for (int i = 0; i < sep.n; i++) {
        tr_layer *a = &sep.layers[i], *b = &ref.layers[i];
        size_t in = (size_t)N * tr_layer_in_size(a), out = (size_t)N * tr_layer_out_size(a);
        if (!b->relu_y)
            CHECK(same(a->y, b->y, out), "fused bn+relu: layer %d (%s) output", i, bm_ltype_name(a->type));
        if (i > 0 && !ref.layers[i - 1].relu_y)
            CHECK(same(a->dx, b->dx, in), "fused bn+relu: layer %d (%s) input gradient", i, bm_ltype_name(a->type));
        if (a->type == BM_BN)
            CHECK(same(a->rmean, b->rmean, a->in_c) && same(a->rvar, b->rvar, a->in_c) &&
                  same(a->ggamma, b->ggamma, a->in_c) && same(a->gbshift, b->gbshift, a->in_c),
                  "fused bn+relu: layer %d bn statistics or gradients", i);
        if (a->type == BM_CONV || a->type == BM_DENSE)
            CHECK(same(a->gw, b->gw, a->nw), "fused bn+relu: layer %d weight gradient", i);
    }
    tr_model_free(&sep);
    CHECK(tr_parallel_splits == 0, "one thread: %lu calls split", tr_parallel_splits);
    /* Each count with the layers' own grain, then split as finely as possible (every layer, every call). */
    const int counts[] = {2, 3, 7, 2, 3, 7};
    for (int k = 0; k < 6; k++) {
        tr_model m;
        tr_parallel_ignore_min = k >= 3;
        unsigned long before = tr_parallel_splits;
        step(&m, d, nd, counts[k], x, dl, 1);
        /* 3 forward passes + 2 backward over 3 bn, 1 activation (htanh; the relus are fused into their bns) and
         * 1 pool layers: the 10 calls of the first block are big enough for the grain; all 25 split without it. */
        unsigned long want = k >= 3 ? 25 : 10;
        CHECK(tr_parallel_splits - before == want, "%d threads%s: %lu calls split, expected %lu", counts[k],
              k >= 3 ? " (finest)" : "", tr_parallel_splits - before, want);
        for (int i = 0; i < m.n; i++) {
            tr_layer *a = &ref.layers[i], *b = &m.layers[i];
            size_t in = (size_t)N * tr_layer_in_size(a), out = (size_t)N * tr_layer_out_size(a);
            CHECK(same(a->y, b->y, out), "%d threads: layer %d (%s) output", counts[k], i, bm_ltype_name(a->type));
            if (i > 0)
                CHECK(same(a->dx, b->dx, in), "%d threads: layer %d (%s) input gradient", counts[k], i,
                      bm_ltype_name(a->type));
            if (a->type == BM_BN) {
                size_t C = (size_t)a->in_c;
                CHECK(same(a->rmean, b->rmean, C) && same(a->rvar, b->rvar, C) && same(a->ggamma, b->ggamma, C) &&
                      same(a->gbshift, b->gbshift, C), "%d threads: layer %d bn statistics or gradients", counts[k], i);
            }
            if (a->type == BM_CONV || a->type == BM_DENSE)
                CHECK(same(a->gw, b->gw, a->nw), "%d threads: layer %d weight gradient", counts[k], i);
        }
        tr_model_free(&m);
    }
    tr_model_free(&ref);
    free(x);
    free(dl);
    free(d);
    return t_finish("test_parallel");
}
