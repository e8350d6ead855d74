/* SPDX-License-Identifier: MIT */
/*
 * The quantized inference engine: runs a trained .btn model on the bitern kernels.
 *
 * A model is compiled into a short list of ops. Each conv/dense layer becomes one GEMM op that absorbs the
 * batch norm right after it (folded into a per-channel multiplier and offset) and the activation (relu,
 * htanh, sign, tern) right after that.
 *
 *   weights    input of the layer                     kernel      input representation
 *   float      anything                               f32         float (be_fgemm: fixed summation order)
 *   B1 / T2    real values (relu, pool, bn ...)       b1i8/t2i8   int8, dynamic per tensor: per example, the
 *                                                                 layer's whole input (C*H*W values) gets
 *                                                                 scale = absmax / 127 (bitern_quantize_i8)
 *   B1 / T2    outputs of a sign layer                b1b1/t2b1   B1 (exact: the values are +-1)
 *   B1 / T2    outputs of a tern layer, or of a sign  t2t2        T2 (exact). A padded conv on sign outputs
 *              layer into a padded conv                           needs T2 too: the padding is 0, which B1
 *                                                                 cannot hold. B1 weights are widened to T2
 *                                                                 for t2t2 (there is no b1t2 kernel).
 *
 * Convolutions are GEMMs over patches built after the input is quantized (int8, then packed when the kernel
 * wants bits): patch row p = output pixel p, its K = in_c*k*k elements in the order [c][ky][kx] of the
 * trainer's weight rows (train/layer_conv.c). Quantizing the map before im2col gives the same values as
 * quantizing the patches, with 1/(k*k) of the work, and the zero padding stays an exact 0.
 *
 * Per output channel r of a quantized layer: y = acc * x_scale * (w_scale[r] * bn_mul[r]) + bn_add'[r], where
 * acc is the kernel's exact integer result. Pooling, activations and batch norms that do not follow a GEMM
 * run in float between ops, as do residual blocks (a mark keeps its activation in the scratch, its add adds it
 * back through the option-A shortcut) and global average pooling. Dropout is the identity at inference and is dropped. Max pooling of sign/tern
 * outputs stays in their domain, so a pool between a sign and the next layer keeps the packed path.
 *
 * Threads (persistent, model/pool.c) split a batch of at least `threads` examples; a smaller one (batch 1)
 * shares each large GEMM op instead (output channels or patch tiles). An example's logits are
 * bit-identical whatever batch it came in, the thread count and the ISA level: the integer kernels are exact,
 * scales are per example, and float layers run be_fgemm (engine_fgemm.c), which sums every output over k in
 * one fixed order with separate multiplies and adds, at every vector width and tiling (OpenBLAS, used before,
 * rounds differently per matrix shape, and a sign activation after a float layer turned that into different
 * classes). tests/engine/test_agree.c compares the logits with memcmp.
 * Errors return -1 with bte_error() set.
 */
#ifndef BITERN_ENGINE_H
#define BITERN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model/btn.h"
#include "model/data.h"

typedef struct bte_engine bte_engine;

/* What the eval command reports per op. */
typedef struct bte_op_info {
    char name[64];          /* e.g. "conv5x5:20+bn+relu" */
    int first_layer;        /* index of the first model layer the op covers */
    int depth;              /* BM_DEPTH_* of the weights, -1 for ops without weights */
    const char *kernel;     /* "f32", "b1i8", "t2i8", "b1b1", "t2b1", "t2t2", or the op kind ("pool2", ...) */
    size_t weights;         /* weight count (conv/dense) */
    size_t bytes;           /* parameter bytes as the .btn file stores them: the sum of the three below */
    size_t packed_bytes;    /* B1/T2 weight rows */
    size_t scale_bytes;     /* one float scale per row of a quantized layer */
    size_t float_bytes;     /* kept float parameters: float weights, biases, batch norms */
    double seconds;         /* time spent in the op since the last bte_profile_reset (all threads) */
    double kernel_seconds;  /* the part of it spent in the op's GEMM call (kernel or be_fgemm) */
} bte_op_info;

const char *bte_error(void);

/* Compiles a model (the model can be freed afterwards: everything is copied). */
bte_engine *bte_compile(const bm_model *m);
/* bm_model_load + bte_compile. */
bte_engine *bte_load(const char *path);
void bte_free(bte_engine *e);

/* Threads used by bte_forward (>= 1; default 1). A batch smaller than the thread count shares its large ops. */
int bte_set_threads(bte_engine *e, int threads);
/* Examples per internal step of one thread (default 64): bounds the scratch memory. */
int bte_set_step(bte_engine *e, int step);

/* One call at a time per engine (the scratch is the engine's); separate engines are independent.
 * n examples, NCHW floats normalised like the trainer's batches, to n x n_classes logits (n x the last
 * layer's output size for models built without a class count). */
int bte_forward(bte_engine *e, const float *x, int n, float *logits);

void bte_shape(const bte_engine *e, int *in_c, int *in_h, int *in_w, int *n_classes);
int bte_n_ops(const bte_engine *e);
void bte_op_get(const bte_engine *e, int i, bte_op_info *out);
void bte_profile_reset(bte_engine *e);
/* Median seconds of op i's GEMM called alone on one example's shape (out_c x pixels x K; dense: x 1), warm
 * caches, `reps` calls: the bare kernel time the engine's op is measured against. 0 for ops without a GEMM. */
double bte_op_kernel_bench(bte_engine *e, int i, int reps);
/* Size of the whole model: conv/dense weights (all, and those of quantized layers) and parameter bytes. */
typedef struct bte_size {
    size_t weights, quant_weights;
    size_t packed_bytes, scale_bytes, float_bytes, bytes;
} bte_size;
void bte_model_size(const bte_engine *e, bte_size *out);

/* `bitern eval ...` (argv[0] = "eval"): returns the process exit status. */
int bitern_cmd_eval(int argc, char **argv);

/* Examples [first, first + n) of a dataset as the trainer feeds them at test time (no augmentation):
 * x = pixel / (255 std[c]) - mean[c] / std[c]. */
void bte_dataset_floats(const bm_dataset *d, size_t first, size_t n, float *out);
/* Index of the largest logit, the first one on ties (the trainer's rule). */
int bte_argmax(const float *logits, int k);

#endif
