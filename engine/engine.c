/* SPDX-License-Identifier: MIT */
/* Compiling a trainer model into engine ops: fusion of bn/relu into GEMMs, weight packing, kernel choice. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "model/util.h"

/* One error buffer for the engine and the model layer under it (a load error is already there). */
int be_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bm_vfail(fmt, ap);
    va_end(ap);
    return -1;
}

const char *bte_error(void) { return bm_error(); }

/* What is known about the values flowing between ops: the packed kernels need exact +-1 / 0 inputs. */
enum { DOM_REAL, DOM_SIGN, DOM_TERN };

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p;
}

static void op_free(be_op *o)
{
    free(o->wf);
    free(o->wp);
    free(o->mul);
    free(o->add);
}

void bte_free(bte_engine *e)
{
    if (!e)
        return;
    be_ws_free(e);
    bm_pool_free(e->pool);
    for (int i = 0; i < e->n_ops; i++)
        op_free(&e->ops[i]);
    free(e->ops);
    free(e->sec);
    free(e);
}

static size_t bn_bytes(const bm_layer *bn) { return 4 + (size_t)bn->s.in_c * 16; }

/* The trainer's inference-mode bn: y = gamma * (x - mean) * invstd + shift, as mul * x + add. */
static void bn_coeffs(const bm_layer *bn, int c, float *mul, float *add)
{
    float invstd = 1.0f / sqrtf(bn->var[c] + bn->eps);
    *mul = bn->gamma[c] * invstd;
    *add = bn->shift[c] - bn->mean[c] * *mul;
}

/* Packs the layer's quantized weights (wq = +-scale or 0, exactly what the .btn file holds) in the format the
 * kernel wants: dense rows as the file has them, conv rows in the patch order [ky][kx][c]. */
static int pack_weights(be_op *o, const bm_layer *l)
{
    size_t K = l->s.fan_in;
    o->rw = o->wk == WK_B1 ? bitern_b1_words(K) : bitern_t2_words(K);
    o->wp = xcalloc((size_t)l->s.out_c * o->rw, sizeof(uint64_t));
    if (!o->wp)
        return be_fail("out of memory");
    float *perm = o->conv ? xcalloc(K, sizeof(float)) : NULL;
    if (o->conv && !perm)
        return be_fail("out of memory");
    int rc = BITERN_OK;
    for (int r = 0; r < l->s.out_c && rc == BITERN_OK; r++) {
        const float *w = l->w + (size_t)r * K;
        uint64_t *dst = o->wp + (size_t)r * o->rw;
        if (o->conv) {   /* the trainer's [c][ky][kx] to the patch rows' [ky][kx][c] (be_im2row_i8) */
            size_t k = (size_t)l->s.k, C = (size_t)l->s.in_c;
            for (size_t c = 0; c < C; c++)
                for (size_t ky = 0; ky < k; ky++)
                    for (size_t kx = 0; kx < k; kx++)
                        perm[(ky * k + kx) * C + c] = w[(c * k + ky) * k + kx];
            w = perm;
        }
        rc = o->wk == WK_B1 ? bitern_pack_b1_f32(w, K, dst) : bitern_pack_t2_f32(w, K, 0.0f, dst);
        if (rc != BITERN_OK)
            rc = be_fail("packing layer %d row %d: %s", o->first_layer, r, bitern_last_error());
    }
    free(perm);
    return rc == BITERN_OK ? 0 : -1;
}

static const char *kernel_name(be_wkind wk, be_xkind xk)
{
    if (xk == XK_F32)
        return "f32";
    if (xk == XK_I8)
        return wk == WK_B1 ? "b1i8" : "t2i8";
    if (xk == XK_B1)
        return wk == WK_B1 ? "b1b1" : "t2b1";
    return "t2t2";
}

static void copy_shape(be_op *o, const bm_layer *l)
{
    o->in_c = l->s.in_c;
    o->in_h = l->s.in_h;
    o->in_w = l->s.in_w;
    o->out_c = l->s.out_c;
    o->out_h = l->s.out_h;
    o->out_w = l->s.out_w;
    o->k = l->s.k;
    o->stride = l->s.stride;
    o->pad = l->s.pad;
    o->in_size = bm_in_size(&l->s);
    o->out_size = bm_out_size(&l->s);
}

/* A conv/dense layer, with the bn (and relu) that follow it folded in. Returns the number of layers used. */
static int compile_gemm(be_op *o, const bm_model *m, int i, int dom)
{
    const bm_layer *l = &m->layers[i];
    int used = 1;
    copy_shape(o, l);
    o->kind = OP_GEMM;
    o->first_layer = i;
    o->depth = l->depth;
    o->conv = l->s.type == BM_CONV;
    o->fan_in = l->s.fan_in;
    o->P = o->conv ? (size_t)l->s.out_h * l->s.out_w : 1;
    o->weights = l->s.nw;
    if (o->conv)
        snprintf(o->name, sizeof o->name, "conv%dx%d:%d", l->s.k, l->s.k, l->s.out_c);
    else
        snprintf(o->name, sizeof o->name, "fc:%d", l->s.out_c);

    if (l->depth == BM_DEPTH_FLOAT) {
        o->wk = WK_F32;
        o->xk = XK_F32;
        o->float_bytes = l->s.nw * 4 + (size_t)l->s.out_c * 4;   /* weights, bias */
    } else {
        if (l->s.fan_in > BITERN_MAX_K)
            return be_fail("layer %d: %zu inputs per output, more than the kernels' limit of %zu", i, l->s.fan_in,
                           BITERN_MAX_K);
        size_t file_rw = l->depth == BM_DEPTH_BINARY ? bitern_b1_words(l->s.fan_in) : bitern_t2_words(l->s.fan_in);
        o->packed_bytes = (size_t)l->s.out_c * file_rw * 8;
        o->scale_bytes = (size_t)l->s.out_c * 4;
        o->float_bytes = (size_t)l->s.out_c * 4;   /* bias */
        o->wk = l->depth == BM_DEPTH_BINARY ? WK_B1 : WK_T2;
        if (dom == DOM_REAL)
            o->xk = XK_I8;
        else if (dom == DOM_SIGN && !(o->conv && o->pad > 0))
            o->xk = XK_B1;
        else
            o->xk = XK_T2;
        if (o->xk == XK_T2)
            o->wk = WK_T2;   /* no b1t2 kernel: binary weights are widened (mask all set) */
        o->xrw = o->xk == XK_B1 ? bitern_b1_words(l->s.fan_in) : bitern_t2_words(l->s.fan_in);
    }
    o->kernel = kernel_name(o->wk, o->xk);

    o->mul = xcalloc((size_t)l->s.out_c, sizeof(float));
    o->add = xcalloc((size_t)l->s.out_c, sizeof(float));
    if (!o->mul || !o->add)
        return be_fail("out of memory");
    const bm_layer *bn = NULL;
    if (i + 1 < m->n && m->layers[i + 1].s.type == BM_BN) {
        bn = &m->layers[i + 1];
        o->float_bytes += bn_bytes(bn);
        strncat(o->name, "+bn", sizeof o->name - strlen(o->name) - 1);
        used++;
    }
    for (int r = 0; r < l->s.out_c; r++) {
        float bm = 1.0f, ba = 0.0f;
        if (bn)
            bn_coeffs(bn, r, &bm, &ba);
        float ws = l->depth == BM_DEPTH_FLOAT ? 1.0f : l->scale[r];
        o->mul[r] = ws * bm;
        o->add[r] = l->b[r] * bm + ba;
    }
    /* The activation after it runs on the output while it is still in cache. */
    if (i + used < m->n) {
        bm_ltype t = m->layers[i + used].s.type;
        if (t == BM_RELU || t == BM_HTANH || t == BM_SIGN || t == BM_TERN) {
            o->act = t;
            strncat(o->name, "+", sizeof o->name - strlen(o->name) - 1);
            strncat(o->name, bm_ltype_name(t), sizeof o->name - strlen(o->name) - 1);
            used++;
        }
    }

    if (o->wk == WK_F32) {
        /* conv: the rows of A (out_c x K); dense: B, transposed to K x out_c with its rows padded for be_fgemm
         * (the padding is zero, calloc'd) */
        size_t K = l->s.fan_in, M = (size_t)l->s.out_c;
        o->ldw = o->conv ? K : be_fgemm_pad(M);
        o->wf = xcalloc(o->conv ? M * K : K * o->ldw, sizeof(float));
        if (!o->wf)
            return be_fail("out of memory");
        if (o->conv)
            memcpy(o->wf, l->w, l->s.nw * sizeof(float));
        else
            for (size_t r = 0; r < M; r++)
                for (size_t k = 0; k < K; k++)
                    o->wf[k * o->ldw + r] = l->w[r * K + k];
    } else if (pack_weights(o, l) < 0) {
        return -1;
    }
    return used;
}

/* The fields every op without weights starts with; its name is its kernel's unless the caller renames it. */
static void glue_op(be_op *o, const bm_layer *l, int i, be_kind kind, const char *kernel)
{
    copy_shape(o, l);
    o->kind = kind;
    o->first_layer = i;
    o->depth = -1;
    o->kernel = kernel;
    snprintf(o->name, sizeof o->name, "%s", kernel);
}

bte_engine *bte_compile(const bm_model *m)
{
    size_t *mark_off = NULL;
    if (bitern_init() != BITERN_OK) {
        be_fail("bitern: %s", bitern_last_error());
        return NULL;
    }
    bte_engine *e = xcalloc(1, sizeof *e);
    e->ops = xcalloc((size_t)m->n, sizeof(be_op));
    if (!e->ops) {
        free(e);
        be_fail("out of memory");
        return NULL;
    }
    e->in_c = m->in_c;
    e->in_h = m->in_h;
    e->in_w = m->in_w;
    e->n_classes = m->n_classes;
    e->in_size = (size_t)m->in_c * m->in_h * m->in_w;
    e->threads = 1;
    e->step = 64;
    e->share_min = BE_SHARE_MIN_MACS;
    int dom = DOM_REAL;
    mark_off = xcalloc((size_t)m->n, sizeof(size_t));   /* a mark layer's offset in be_ws.saved */
    if (!mark_off) {
        be_fail("out of memory");
        goto fail;
    }
    for (int i = 0; i < m->n;) {
        const bm_layer *l = &m->layers[i];
        be_op *o = &e->ops[e->n_ops];
        int used = 1;
        switch (l->s.type) {
        case BM_DENSE:
        case BM_CONV:
            used = compile_gemm(o, m, i, dom);
            if (used < 0)
                goto fail;
            dom = o->act == BM_SIGN ? DOM_SIGN : o->act == BM_TERN ? DOM_TERN : DOM_REAL;
            break;
        case BM_BN:
            glue_op(o, l, i, OP_AFFINE, "affine");
            o->float_bytes = bn_bytes(l);
            snprintf(o->name, sizeof o->name, "bn");
            o->mul = xcalloc((size_t)l->s.in_c, sizeof(float));
            o->add = xcalloc((size_t)l->s.in_c, sizeof(float));
            if (!o->mul || !o->add) {
                be_fail("out of memory");
                goto fail;
            }
            for (int c = 0; c < l->s.in_c; c++)
                bn_coeffs(l, c, &o->mul[c], &o->add[c]);
            dom = DOM_REAL;
            break;
        case BM_RELU:
        case BM_HTANH:
        case BM_SIGN:
        case BM_TERN:
            glue_op(o, l, i, OP_ACT, bm_ltype_name(l->s.type));
            o->act = l->s.type;
            dom = l->s.type == BM_SIGN ? DOM_SIGN : l->s.type == BM_TERN ? DOM_TERN : DOM_REAL;
            break;
        case BM_MAXPOOL:
            glue_op(o, l, i, OP_POOL, "maxpool");
            snprintf(o->name, sizeof o->name, "pool%d", l->s.k);
            /* the max of +-1 (or -1/0/+1) values is one of them: the domain survives */
            break;
        case BM_MARK:
            glue_op(o, l, i, OP_MARK, "mark");
            o->save_off = e->saved_size;
            mark_off[i] = e->saved_size;
            e->saved_size += o->in_size;
            break;   /* the identity: the domain survives */
        case BM_ADD: {
            const bm_shape *mk = &m->layers[l->s.link].s;
            glue_op(o, l, i, OP_ADD, "add");
            o->save_off = mark_off[l->s.link];
            o->mark_c = mk->out_c;
            o->mark_h = mk->out_h;
            o->mark_w = mk->out_w;
            o->sub = l->s.sub;
            dom = DOM_REAL;
            break;
        }
        case BM_GAP:
            glue_op(o, l, i, OP_GAP, "gap");
            dom = DOM_REAL;
            break;
        case BM_DROPOUT:
            /* the identity at inference */
            i++;
            continue;
        default:
            be_fail("layer %d: unsupported type %d", i, (int)l->s.type);
            goto fail;
        }
        e->n_ops++;
        i += used;
    }
    if (e->n_ops == 0) {
        be_fail("model has no layers to run");
        goto fail;
    }
    e->out_size = e->ops[e->n_ops - 1].out_size;
    e->sec = xcalloc(2 * (size_t)e->n_ops, sizeof(double));   /* per op: the op, then its GEMM call */
    free(mark_off);
    return e;
fail:
    free(mark_off);
    op_free(&e->ops[e->n_ops]);   /* the op being built when it failed (zeroed if none) */
    bte_free(e);
    return NULL;
}

bte_engine *bte_load(const char *path)
{
    bm_model m;
    if (bm_model_load(path, &m) < 0)
        return NULL;   /* bte_error() is bm_error(): the loader's message */
    bte_engine *e = bte_compile(&m);
    bm_model_free(&m);
    return e;
}

int bte_set_threads(bte_engine *e, int threads)
{
    if (threads < 1 || threads > 1024)
        return be_fail("thread count %d out of range [1, 1024]", threads);
    e->threads = threads;
    return 0;
}

int bte_set_step(bte_engine *e, int step)
{
    if (step < 1 || step > 4096)
        return be_fail("step %d out of range [1, 4096]", step);
    if (step != e->step)
        be_ws_free(e);
    e->step = step;
    return 0;
}

void bte_shape(const bte_engine *e, int *in_c, int *in_h, int *in_w, int *n_classes)
{
    *in_c = e->in_c;
    *in_h = e->in_h;
    *in_w = e->in_w;
    *n_classes = e->n_classes;
}

int bte_n_ops(const bte_engine *e) { return e->n_ops; }

void bte_op_get(const bte_engine *e, int i, bte_op_info *out)
{
    const be_op *o = &e->ops[i];
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", o->name);
    out->first_layer = o->first_layer;
    out->depth = o->depth;
    out->kernel = o->kernel;
    out->weights = o->weights;
    out->packed_bytes = o->packed_bytes;
    out->scale_bytes = o->scale_bytes;
    out->float_bytes = o->float_bytes;
    out->bytes = o->packed_bytes + o->scale_bytes + o->float_bytes;
    out->seconds = e->sec[i];
    out->kernel_seconds = e->sec[e->n_ops + i];
}

void bte_profile_reset(bte_engine *e)
{
    for (int i = 0; i < 2 * e->n_ops; i++)
        e->sec[i] = 0.0;
}

void bte_model_size(const bte_engine *e, bte_size *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < e->n_ops; i++) {
        const be_op *o = &e->ops[i];
        out->weights += o->weights;
        if (o->kind == OP_GEMM && o->depth != BM_DEPTH_FLOAT)
            out->quant_weights += o->weights;
        out->packed_bytes += o->packed_bytes;
        out->scale_bytes += o->scale_bytes;
        out->float_bytes += o->float_bytes;
    }
    out->bytes = out->packed_bytes + out->scale_bytes + out->float_bytes;
}

void bte_dataset_floats(const bm_dataset *d, size_t first, size_t n, float *out)
{
    size_t hw = (size_t)d->h * d->w, ex = (size_t)d->c * hw;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = d->x + (first + i) * ex;
        float *dst = out + i * ex;
        for (int c = 0; c < d->c; c++) {
            /* the same float expression as the trainer's build_batch, so the inputs are bit-identical */
            float inv = 1.0f / (255.0f * d->std[c]), off = d->mean[c] / d->std[c];
            for (size_t j = 0; j < hw; j++)
                dst[c * hw + j] = (float)src[c * hw + j] * inv - off;
        }
    }
}

int bte_argmax(const float *logits, int k)
{
    int arg = 0;
    for (int j = 1; j < k; j++)
        if (logits[j] > logits[arg])
            arg = j;
    return arg;
}
