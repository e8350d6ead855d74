/* SPDX-License-Identifier: MIT */
/*
 * Layers and models of the trainer. Activations are float, NCHW, batch-major: example i of a batch starts at
 * i * (c * h * w). A dense layer flattens whatever comes in. Every layer keeps its own output and input-gradient
 * buffers sized for the model's batch capacity; the forward pass remembers the input pointer for backward.
 */
#ifndef BITERN_TRAIN_NN_H
#define BITERN_TRAIN_NN_H

#include <stddef.h>
#include <stdint.h>

#include "model/btn.h"
#include "model/layer.h"
#include "model/pool.h"
#include "model/util.h"

#define TR_MAX_THREADS 16

/* How the ternary threshold is chosen when weights are quantized. */
enum { TR_THR_SQ = 0, TR_THR_TWN = 1 };

typedef struct tr_layer {
    bm_ltype type;
    int in_c, in_h, in_w, out_c, out_h, out_w;
    int k, stride, pad;        /* conv: kernel, stride, zero padding; pool: window = stride = k */
    float drop_p;
    int link, sub;             /* add: its mark's index and the shortcut's stride (model/layer.h) */
    struct tr_layer *mark;     /* add: its mark layer, whose output it adds and whose dskip it fills */
    float *dskip;              /* mark: the gradient its add sends back through the shortcut */

    /* Dense: out_c x fan_in with fan_in = in_c*in_h*in_w; conv: out_c x (in_c*k*k). Row r = output r. */
    size_t fan_in, nw;
    float *w, *gw;             /* latent (trained) weights and their gradient */
    float *b, *gb;             /* bias (out_c), NULL when a BN follows... kept always for simplicity */
    float *wq;                 /* weights the forward pass uses: == w while float, quantized copy otherwise */

    /* Quantization state. */
    int quantizable;           /* chosen for quantization (first/last stay float unless --quant-all) */
    int depth;                 /* TR_DEPTH_*: frozen depth once quantized (STE phase); FLOAT before */
    int thr_mode;              /* TR_THR_SQ or TR_THR_TWN */
    int per_channel;           /* scale per output channel (1) or per layer (0) */
    float beta, gbeta;         /* SQ angle and its gradient */
    int beta_frozen;
    float sq_s;                /* s_l: u = w / s_l (see sq_reg.h for the choice) */
    int sq_p;                  /* exponent p of the regularizer (1 or 2) */
    float *scale;              /* out_c scales of the quantized weights (all equal when per layer) */
    float thr;                 /* ternary threshold in weight units used for the last quantization */

    /* Batch norm (per channel over N*H*W). */
    float *gamma, *ggamma, *bshift, *gbshift, *rmean, *rvar;
    float *xhat, *invstd;
    float eps, momentum;
    /* A BN followed by a ReLU computes the ReLU too (tr_model_build sets relu_y to the ReLU's output buffer): it
     * writes relu(bn(x)) there, and its backward takes the gradient at the ReLU's output, masked by relu_y > 0.
     * Two passes over the largest activations saved; the values are the same as the separate layers'. */
    float *relu_y;

    /* Buffers. */
    const float *x;            /* input of the last forward pass */
    float *y, *dx;
    int32_t *argmax;
    uint8_t *mask;
    float *col, *dcol;         /* conv im2col scratch, one example */
    /* Conv layers split a batch over nthreads threads (examples in contiguous chunks, OpenBLAS single-threaded
     * inside): the per-example GEMMs are too small for OpenBLAS's own threading to pay. Thread t > 0 has its own
     * scratch and weight-gradient buffers, summed into gw/gb in thread order: deterministic for a given count. */
    int nthreads;
    float *tcol[TR_MAX_THREADS], *tdcol[TR_MAX_THREADS], *tgw[TR_MAX_THREADS], *tgb[TR_MAX_THREADS];
    /* Winograd F(2x2, 3x3) path of 3x3 stride-1 convolutions (conv_winograd.c): wino set at build when it
     * applies; transformed weights, and thread t's transformed inputs, products, dU and row scratch. */
    int wino;
    float *wu;
    float *twv[TR_MAX_THREADS], *twm[TR_MAX_THREADS], *twdu[TR_MAX_THREADS], *twplane[TR_MAX_THREADS];
} tr_layer;

typedef struct tr_model {
    int n;
    tr_layer *layers;
    int in_c, in_h, in_w, n_classes;
    int batch_cap;
    bm_rng *rng;               /* dropout masks; owned by the caller */
    /* Input normalisation the model was trained with (x = (pixel / 255 - mean[c]) / std[c]); stored in the
     * .btn file so that inference elsewhere can reproduce it. in_c <= BM_MAX_NORM_C, else not stored. */
    float in_mean[4], in_std[4];
} tr_model;


/* Builds a model (shapes, buffers, He init with init_rng; NULL leaves weights zero for a loader to fill). Fails on shapes that do not fit or a wrong class count
 * (n_classes <= 0 skips that check: single-layer models in the gradient tests). */
int tr_model_build(tr_model *m, const bm_layer_desc *d, int n, int in_c, int in_h, int in_w, int n_classes,
                   int batch_cap, bm_rng *init_rng);
void tr_model_free(tr_model *m);
/* Forward pass of n <= batch_cap examples; returns the logits (n x n_classes). train: batch statistics,
 * dropout active. */
const float *tr_model_forward(tr_model *m, const float *x, int n, int train);
/* Backward from dlogits; gradients are overwritten (not accumulated across calls). */
void tr_model_backward(tr_model *m, const float *dlogits, int n);

/* Marks conv/dense layers quantizable: all of them, or all but the first and the last. */
void tr_model_mark_quantizable(tr_model *m, int quant_all);
/* Recomputes wq (and scales) from w for every layer whose depth is not float: called before each forward. */
void tr_model_quantize_weights(tr_model *m);
/* Quantizes one layer's weights into wq at its depth. */
void tr_layer_quantize(tr_layer *l);

/* Softmax cross-entropy: mean loss over n, dlogits = d(mean loss)/dlogits, *correct += argmax hits. */
double tr_softmax_xent(const float *logits, const uint8_t *labels, int n, int k, float *dlogits, int *correct);

/* Layer-level entry points (used by the model and by the gradient checks). */
void tr_layer_forward(tr_layer *l, const float *x, int n, int train, bm_rng *rng);
void tr_layer_backward(tr_layer *l, const float *dy, int n, int need_dx);
size_t tr_layer_in_size(const tr_layer *l);   /* per example */
size_t tr_layer_out_size(const tr_layer *l);

/* fn(ctx, lo, hi) over [0, n) split in contiguous ranges on up to nthreads threads (the caller's included), each
 * thread given enough items of item_values values for its start to pay; fn must compute each item independently
 * of the split (train/parallel.c). */
typedef void tr_range_fn(void *ctx, size_t lo, size_t hi);
/* fn(arg, t, T) for every part t < T on the trainer's persistent threads (model/pool.h), part 0 on the caller;
 * what part t computes must not depend on the thread that runs it (train/parallel.c). */
void tr_run_parts(int T, bm_pool_fn *fn, void *arg);
void tr_parallel(int nthreads, size_t n, size_t item_values, tr_range_fn *fn, void *ctx);
/* Tests: nonzero splits every call as finely as the thread count allows; calls that did split, counted. */
extern int tr_parallel_ignore_min;
extern unsigned long tr_parallel_splits;

/* Per-type implementations. */
void tr_dense_forward(tr_layer *l, const float *x, int n);
void tr_dense_backward(tr_layer *l, const float *dy, int n, int need_dx);
void tr_conv_forward(tr_layer *l, const float *x, int n);
void tr_conv_backward(tr_layer *l, const float *dy, int n, int need_dx);
/* Winograd F(2x2, 3x3) (train/conv_winograd.c): used for 3x3 stride-1 layers with at least TR_WINO_MIN_C input
 * channels (cifar-cnn's first layer, 3 channels, keeps im2col: its one SGEMM is small, 16 with K = 3 would not
 * be cheaper). Examples are grouped so that each of the 16 SGEMMs has at least TR_WINO_GROUP_T tiles (2x2
 * outputs): measured on cifar-cnn, wider groups were slower, since the transformed inputs and products of a
 * group then leave the core's caches (3200 + 640 CIFAR images at 1 thread: 7.3 s per epoch with 16, 7.8 with
 * 32, 8.2 with 128, 9.1 with 256, 12.8 with 1024), so a group is one example unless its tiles are fewer. */
#define TR_WINO_MIN_C 8
#define TR_WINO_GROUP_T 16
int tr_wino_applies(const tr_layer *l);
int tr_wino_group(const tr_layer *l);
double tr_wino_scratch_floats(const tr_layer *l);
void tr_wino_scratch(tr_layer *l, int t);
void tr_wino_prepare(tr_layer *l);
void tr_wino_forward_range(tr_layer *l, const float *x, int i0, int i1, int t);
void tr_wino_backward_range(tr_layer *l, const float *dy, int i0, int i1, int need_dx, int t, float *gw, float *gb);
void tr_bn_forward(tr_layer *l, const float *x, int n, int train);
/* Sum of p[0..n) with eight partial sums (vectorised, the same on every run): layer_bn.c. */
float tr_plane_sum(const float *p, size_t n);
void tr_bn_backward(tr_layer *l, const float *dy, int n);
void tr_act_forward(tr_layer *l, const float *x, int n);
void tr_act_backward(tr_layer *l, const float *dy, int n);
void tr_pool_forward(tr_layer *l, const float *x, int n);
void tr_pool_backward(tr_layer *l, const float *dy, int n);
void tr_dropout_forward(tr_layer *l, const float *x, int n, int train, bm_rng *rng);
/* Residual blocks and global average pooling (train/layer_res.c). */
void tr_add_forward(tr_layer *l, const float *x, int n);
void tr_add_backward(tr_layer *l, const float *dy, int n);
void tr_mark_backward(tr_layer *l, const float *dy, int n);
void tr_gap_forward(tr_layer *l, const float *x, int n);
void tr_gap_backward(tr_layer *l, const float *dy, int n);
void tr_dropout_backward(tr_layer *l, const float *dy, int n);

#endif
