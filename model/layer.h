/* SPDX-License-Identifier: MIT */
/*
 * The layer vocabulary every other layer of bitern shares: layer types, weight depths, the description the spec
 * parser produces, and shape inference. The trainer (train/nn.h) adds its buffers and gradients around these
 * fields; the .btn format (model/btn.h) stores them; the engine compiles them.
 */
#ifndef BITERN_MODEL_LAYER_H
#define BITERN_MODEL_LAYER_H

#include <stddef.h>

/* The numbers are stored in .btn files: append only. */
typedef enum {
    BM_DENSE = 1,
    BM_CONV,
    BM_BN,
    BM_RELU,
    BM_HTANH,
    BM_SIGN,      /* binary activation: x < 0 -> -1 else +1 (trained with a straight-through gradient) */
    BM_TERN,      /* ternary activation: |x| > 0.5 -> sign(x) else 0 */
    BM_MAXPOOL,
    BM_DROPOUT,
    BM_MARK,      /* identity whose output a later add adds back (the start of a residual block) */
    BM_ADD,       /* y = x + shortcut(output of the latest mark not yet added): the end of a residual block */
    BM_GAP,       /* global average pooling: each channel's mean, c x 1 x 1 */
    BM_LTYPE_END
} bm_ltype;

/* Weight depth of a layer: what it is quantized to (the .btn file stores it). */
enum { BM_DEPTH_FLOAT = 0, BM_DEPTH_BINARY = 1, BM_DEPTH_TERNARY = 2 };

const char *bm_ltype_name(bm_ltype t);

/* Layer description before shapes are known: what the spec parser produces. */
typedef struct bm_layer_desc {
    bm_ltype type;
    int out;                   /* dense outputs / conv channels */
    int k, stride, pad;
    float drop_p;
} bm_layer_desc;

/* Spec grammar (comma separated, no spaces needed):
 *   convKxK:C[:pP][:sS]  conv, K odd or even, C output channels, padding P (default K/2), stride S (default 1)
 *   fc:N                 dense layer (flattens)
 *   bn | relu | htanh | sign | tern | poolK (max pool K x K, stride K) | drop:P | gap (global average pool)
 *   mark ... add         a residual block: add adds the activation at the matching mark (marks and adds nest like
 *                        brackets). Where the block changed the shape, the shortcut is ResNet's option A: the
 *                        mark's map subsampled by the stride s with ceil(mark's size / s) = the block's size, and
 *                        its channels followed by zero channels up to the block's count.
 * Presets: mlp, lenet, cifar-cnn, resnet20 (see spec.c). */
int bm_spec_parse(const char *spec, bm_layer_desc **out, int *n);
const char *bm_spec_preset(const char *name);   /* NULL if not a preset */

/* A layer's geometry. Dense: out_c x fan_in weights with fan_in = in_c*in_h*in_w (it flattens whatever comes
 * in); conv: out_c x (in_c*k*k), row r = output channel r, its elements in the order [c][ky][kx]. */
typedef struct bm_shape {
    bm_ltype type;
    int in_c, in_h, in_w, out_c, out_h, out_w;
    int k, stride, pad;        /* conv: kernel, stride, zero padding; pool: window = stride = k */
    float drop_p;
    size_t fan_in, nw;         /* conv/dense: inputs per output and weight count; 0 otherwise */
    int link;                  /* add: the index of its mark layer (derived from the order, not stored); else -1 */
    int sub;                   /* add: the shortcut's spatial stride (1: the same size); else 0 */
} bm_shape;

/* Largest activation accepted per example and largest weight matrix: keeps every int product in range. */
#define BM_MAX_ACT ((size_t)1 << 26)
#define BM_MAX_WEIGHTS ((size_t)1 << 28)

/* Fills s from d for an input of s->in_c x s->in_h x s->in_w (set by the caller); idx names the layer (from 0) in
 * messages, prev holds the shapes of layers 0 .. idx-1 (an add's shortcut comes from its mark). 0, or -1 with
 * bm_error() set. The one definition of every layer's output shape. */
int bm_layer_shape(bm_shape *s, const bm_layer_desc *d, int idx, const bm_shape *prev);
/* The layers' shapes in order from the input, every mark matched by an add (0, or -1 with bm_error() set). */
int bm_shapes(bm_shape *out, const bm_layer_desc *d, int n, int in_c, int in_h, int in_w);
/* 0 if every mark of the n shapes is closed by an add (bm_layer_shape already refuses an add without a mark). */
int bm_check_blocks(const bm_shape *s, int n);

/* y = act(x) element-wise (in place allowed; non-activation types copy): the one definition of each activation,
 * the trainer's and the engine's, so that both quantize activations identically. */
void bm_act_apply(bm_ltype type, const float *x, float *y, size_t total);

/* The description a shape follows from (what the spec parser would have produced for it). */
static inline bm_layer_desc bm_desc_of(const bm_shape *s)
{
    return (bm_layer_desc){.type = s->type, .out = s->out_c, .k = s->k, .stride = s->stride, .pad = s->pad,
                           .drop_p = s->drop_p};
}

static inline size_t bm_in_size(const bm_shape *s) { return (size_t)s->in_c * s->in_h * s->in_w; }
static inline size_t bm_out_size(const bm_shape *s) { return (size_t)s->out_c * s->out_h * s->out_w; }

#endif
