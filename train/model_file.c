/* SPDX-License-Identifier: MIT */
#include "model_file.h"

#include <bitern.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serial.h"

static const char magic[8] = {'B', 'T', 'R', 'N', 'M', 'D', 'L', 0};

static size_t row_words(int depth, size_t fan_in)
{
    return depth == TR_DEPTH_BINARY ? bitern_b1_words(fan_in) : bitern_t2_words(fan_in);
}

int tr_model_save(const tr_model *m, const char *path)
{
    tr_wbuf b = {0};
    tr_put(&b, magic, 8);
    tr_put_u32(&b, TR_BTN_VERSION);
    tr_put_u32(&b, (uint32_t)m->in_c);
    tr_put_u32(&b, (uint32_t)m->in_h);
    tr_put_u32(&b, (uint32_t)m->in_w);
    tr_put_u32(&b, (uint32_t)m->n_classes);
    tr_put_u32(&b, (uint32_t)m->n);
    tr_put_u32(&b, 0);
    uint32_t nn = m->in_c <= TR_MAX_NORM_C ? (uint32_t)m->in_c : 0;
    tr_put_u32(&b, nn);
    tr_put_f32s(&b, m->in_mean, nn);
    tr_put_f32s(&b, m->in_std, nn);
    for (int i = 0; i < m->n; i++) {
        const tr_layer *l = &m->layers[i];
        uint32_t hdr[10] = {l->type, l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, l->k, l->stride, l->pad};
        for (int j = 0; j < 10; j++)
            tr_put_u32(&b, hdr[j]);
        tr_put_f32(&b, l->drop_p);
        if (l->type == TR_DENSE || l->type == TR_CONV) {
            tr_put_u32(&b, (uint32_t)l->depth);
            tr_put_u32(&b, (uint32_t)l->per_channel);
            tr_put_f32(&b, l->beta);
            tr_put_f32(&b, l->sq_s);
            tr_put_f32(&b, l->thr);
            if (l->depth == TR_DEPTH_FLOAT) {
                tr_put_f32s(&b, l->w, l->nw);
            } else {
                tr_put_f32s(&b, l->scale, (size_t)l->out_c);
                size_t rw = row_words(l->depth, l->fan_in);
                uint64_t *row = tr_alloc(rw, sizeof(uint64_t));
                for (int r = 0; r < l->out_c; r++) {
                    /* Packed from wq, the values the network was evaluated with: wq = +-scale or 0 exactly. */
                    const float *q = l->wq + (size_t)r * l->fan_in;
                    int rc = l->depth == TR_DEPTH_BINARY ? bitern_pack_b1_f32(q, l->fan_in, row)
                                                         : bitern_pack_t2_f32(q, l->fan_in, 0.0f, row);
                    if (rc != BITERN_OK) {
                        free(row);
                        tr_wbuf_free(&b);
                        return tr_fail("%s: packing layer %d failed: %s", path, i, bitern_strerror(rc));
                    }
                    tr_put(&b, row, rw * sizeof(uint64_t));
                }
                free(row);
            }
            tr_put_f32s(&b, l->b, (size_t)l->out_c);
        } else if (l->type == TR_BN) {
            tr_put_f32(&b, l->eps);
            tr_put_f32s(&b, l->gamma, (size_t)l->in_c);
            tr_put_f32s(&b, l->bshift, (size_t)l->in_c);
            tr_put_f32s(&b, l->rmean, (size_t)l->in_c);
            tr_put_f32s(&b, l->rvar, (size_t)l->in_c);
        }
    }
    int rc = tr_write_file_checksummed(path, &b);
    tr_wbuf_free(&b);
    return rc;
}

void tr_model_apply_norm(const tr_model *m, tr_dataset *d)
{
    /* both bounds: the dataset holds 3 channels' statistics at most, the model file 4 */
    for (int k = 0; k < d->c && k < TR_MAX_NORM_C && k < (int)(sizeof d->mean / sizeof *d->mean); k++) {
        d->mean[k] = m->in_mean[k];
        d->std[k] = m->in_std[k];
    }
}

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

#define MAX_LAYERS TR_BTN_MAX_LAYERS
#define MAX_DIM TR_BTN_MAX_DIM
#define BN_MAX 1e12

static int over(int v) { return v < 0 || v > MAX_DIM; }

int tr_btn_check_model(const tr_model *m, int quantized)
{
    if (m->n < 1 || m->n > MAX_LAYERS)
        return tr_fail("%d layers: a model file holds 1 to %d", m->n, MAX_LAYERS);
    if (over(m->in_c) || over(m->in_h) || over(m->in_w) || over(m->n_classes))
        return tr_fail("input %dx%dx%d or %d classes: a model file holds at most %d per dimension", m->in_c,
                       m->in_h, m->in_w, m->n_classes, MAX_DIM);
    for (int i = 0; i < m->n; i++) {
        const tr_layer *l = &m->layers[i];
        int v[9] = {l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, l->k, l->stride, l->pad};
        for (int j = 0; j < 9; j++)
            if (over(v[j]))
                return tr_fail("layer %d (%s): a size, kernel, stride or padding of %d exceeds the model file's "
                               "limit %d", i + 1, tr_ltype_name(l->type), v[j], MAX_DIM);
        if (quantized && (l->type == TR_DENSE || l->type == TR_CONV) && l->fan_in > BITERN_MAX_K)
            return tr_fail("layer %d (%s): %zu inputs per output exceed the packed kernels' limit %zu", i + 1,
                           tr_ltype_name(l->type), l->fan_in, BITERN_MAX_K);
    }
    return 0;
}

#define MAX_FILE_BYTES ((size_t)1 << 34)

static int parse_model(const char *path, uint8_t *data, size_t size, tr_model *m, int batch_cap);

int tr_model_load(const char *path, tr_model *m, int batch_cap)
{
    memset(m, 0, sizeof *m);
    uint8_t *data;
    size_t size;
    if (tr_read_file_checksummed(path, magic, "bitern model file", &data, &size, MAX_FILE_BYTES) < 0)
        return -1;
    return parse_model(path, data, size, m, batch_cap);
}

int tr_model_load_memory(const void *buf, size_t n, const char *name, tr_model *m, int batch_cap)
{
    memset(m, 0, sizeof *m);
    if (n > MAX_FILE_BYTES)
        return tr_fail("%s: too large (%zu bytes)", name, n);
    if (tr_check_checksummed(name, magic, "bitern model file", buf, n) < 0)
        return -1;
    uint8_t *data = malloc(n - 8);
    if (!data)
        return tr_fail("%s: out of memory for %zu bytes", name, n);
    memcpy(data, buf, n - 8);
    return parse_model(name, data, n - 8, m, batch_cap);
}

/* The checked image without its checksum, owned (and freed) here. */
static int parse_model(const char *path, uint8_t *data, size_t size, tr_model *m, int batch_cap)
{
    tr_rbuf r = {.p = data, .n = size};
    tr_layer_desc *desc = NULL;
    char mg[8];
    tr_get(&r, mg, 8);
    if (r.short_read || memcmp(mg, magic, 8) != 0) {
        free(data);
        return tr_fail("%s: not a bitern model file (bad magic)", path);
    }
    uint32_t version = tr_get_u32(&r);
    if (version != TR_BTN_VERSION) {
        free(data);
        return tr_fail("%s: unsupported model file version %u (this build reads %d)", path, version, TR_BTN_VERSION);
    }
    uint32_t in_c = tr_get_u32(&r), in_h = tr_get_u32(&r), in_w = tr_get_u32(&r), ncls = tr_get_u32(&r);
    uint32_t nl = tr_get_u32(&r), flags = tr_get_u32(&r);
    if (r.short_read)
        goto truncated;
    if (!in_c || !in_h || !in_w || in_c > MAX_DIM || in_h > MAX_DIM || in_w > MAX_DIM || !ncls || ncls > MAX_DIM) {
        tr_fail("%s: bad input shape %ux%ux%u or class count %u", path, in_c, in_h, in_w, ncls);
        goto fail;
    }
    if (!nl || nl > MAX_LAYERS || flags) {
        tr_fail("%s: bad layer count %u or flags %u", path, nl, flags);
        goto fail;
    }
    uint32_t nn = tr_get_u32(&r);
    float mean[TR_MAX_NORM_C] = {0}, stdv[TR_MAX_NORM_C] = {0};
    if (nn != (in_c <= TR_MAX_NORM_C ? in_c : 0)) {
        tr_fail("%s: %u normalisation channels for %u input channels", path, nn, in_c);
        goto fail;
    }
    tr_get_f32s(&r, mean, nn);
    tr_get_f32s(&r, stdv, nn);
    for (uint32_t k = 0; k < nn; k++) {
        if (!isfinite(mean[k]) || !isfinite(stdv[k]) || !(stdv[k] > 0)) {
            tr_fail("%s: bad input normalisation for channel %u (mean %g, std %g)", path, k, mean[k], stdv[k]);
            goto fail;
        }
    }
    /* Pass 1: the layer descriptions, so that the model (and every shape) can be built and checked. */
    desc = tr_alloc(nl, sizeof *desc);
    size_t *offsets = tr_alloc(nl, sizeof(size_t));
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t h[10];
        for (int j = 0; j < 10; j++)
            h[j] = tr_get_u32(&r);
        float dp = tr_get_f32(&r);
        if (r.short_read) {
            free(offsets);
            goto truncated;
        }
        if (h[0] == 0 || h[0] >= TR_LTYPE_END || h[7] > MAX_DIM || h[8] > MAX_DIM || h[9] > MAX_DIM || h[4] > MAX_DIM) {
            tr_fail("%s: layer %u: bad type %u or hyper-parameters", path, i, h[0]);
            free(offsets);
            goto fail;
        }
        desc[i] = (tr_layer_desc){.type = (tr_ltype)h[0], .out = (int)h[4], .k = (int)h[7], .stride = (int)h[8],
                                  .pad = (int)h[9], .drop_p = dp};
        offsets[i] = r.off;
        /* Skip the layer's payload: its size follows from the header (checked again in pass 2). */
        if (h[0] == TR_DENSE || h[0] == TR_CONV) {
            size_t fan = h[0] == TR_DENSE ? (size_t)h[1] * h[2] * h[3] : (size_t)h[1] * h[7] * h[7];
            uint32_t depth = tr_get_u32(&r);
            tr_get_ptr(&r, 16);
            size_t bytes = 0, t;
            int ovf = 0;
            if (depth == TR_DEPTH_FLOAT)
                ovf = tr_mul(fan, (size_t)h[4] * 4, &bytes);
            else if (depth <= TR_DEPTH_TERNARY)
                ovf = tr_mul(row_words((int)depth, fan), (size_t)h[4] * 8, &t) ||
                      __builtin_add_overflow(t, (size_t)h[4] * 4, &bytes);
            if (ovf) {
                tr_fail("%s: layer %u: weight size overflows", path, i);
                free(offsets);
                goto fail;
            }
            if (depth > TR_DEPTH_TERNARY) {
                tr_fail("%s: layer %u: bad depth %u", path, i, depth);
                free(offsets);
                goto fail;
            }
            tr_get_ptr(&r, bytes);
            tr_get_ptr(&r, (size_t)h[4] * 4);
        } else if (h[0] == TR_BN) {
            tr_get_ptr(&r, 4 + (size_t)h[1] * 16);
        }
        if (r.short_read) {
            free(offsets);
            goto truncated;
        }
    }
    if (r.off != r.n) {
        tr_fail("%s: %zu unexpected bytes after the last layer", path, r.n - r.off);
        free(offsets);
        goto fail;
    }
    if (tr_model_build(m, desc, (int)nl, (int)in_c, (int)in_h, (int)in_w, (int)ncls, batch_cap, NULL) < 0) {
        char why[256];   /* tr_error() is the buffer tr_fail writes: copy it first */
        snprintf(why, sizeof why, "%s", tr_error());
        tr_fail("%s: inconsistent layers: %s", path, why);
        free(offsets);
        goto fail;
    }
    if (tr_btn_check_model(m, 1) < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", tr_error());
        tr_fail("%s: %s", path, why);
        goto fail_model;
    }
    memcpy(m->in_mean, mean, sizeof mean);
    memcpy(m->in_std, stdv, sizeof stdv);
    /* Pass 2: the stored shapes must be the built ones; then the parameters. */
    for (uint32_t i = 0; i < nl; i++) {
        tr_layer *l = &m->layers[i];
        tr_rbuf h = {.p = data, .n = size, .off = offsets[i] - 44};
        uint32_t v[10];
        for (int j = 0; j < 10; j++)
            v[j] = tr_get_u32(&h);
        if ((int)v[1] != l->in_c || (int)v[2] != l->in_h || (int)v[3] != l->in_w || (int)v[4] != l->out_c ||
            (int)v[5] != l->out_h || (int)v[6] != l->out_w) {
            tr_fail("%s: layer %u (%s): stored shape %ux%ux%u -> %ux%ux%u does not match the computed one", path, i,
                    tr_ltype_name(l->type), v[1], v[2], v[3], v[4], v[5], v[6]);
            goto fail_model;
        }
        /* Fields a layer type does not use must be zero: anything else is a file we do not understand. */
        float dp;
        memcpy(&dp, data + offsets[i] - 4, 4);
        if ((int)v[7] != l->k || (int)v[8] != l->stride || (int)v[9] != l->pad || memcmp(&dp, &l->drop_p, 4) != 0) {
            tr_fail("%s: layer %u (%s): kernel/stride/padding/dropout fields inconsistent with the layer type", path,
                    i, tr_ltype_name(l->type));
            goto fail_model;
        }
        tr_rbuf p = {.p = data, .n = size, .off = offsets[i]};
        if (l->type == TR_DENSE || l->type == TR_CONV) {
            l->depth = (int)tr_get_u32(&p);
            uint32_t pc = tr_get_u32(&p);
            l->per_channel = (int)pc;
            l->beta = tr_get_f32(&p);
            l->sq_s = tr_get_f32(&p);
            l->thr = tr_get_f32(&p);
            /* Every stored field is checked, used today or not: a later reader must not trust one unchecked. */
            if (pc > 1) {
                tr_fail("%s: layer %u: per_channel is %u (0 or 1)", path, i, pc);
                goto fail_model;
            }
            if (!isfinite(l->beta) || !isfinite(l->sq_s) || !isfinite(l->thr) || l->sq_s < 0 || l->thr < 0) {
                tr_fail("%s: layer %u: bad quantizer fields (beta %g, s %g, thr %g: finite, s and thr >= 0)", path,
                        i, l->beta, l->sq_s, l->thr);
                goto fail_model;
            }
            if (l->depth == TR_DEPTH_FLOAT) {
                tr_get_f32s(&p, l->w, l->nw);
                if (!all_finite(l->w, l->nw)) {
                    tr_fail("%s: layer %u: non-finite weight", path, i);
                    goto fail_model;
                }
            } else {
                tr_get_f32s(&p, l->scale, (size_t)l->out_c);
                for (int k = 0; k < l->out_c; k++) {
                    if (!isfinite(l->scale[k]) || l->scale[k] < 0) {
                        tr_fail("%s: layer %u: bad scale %g for row %d", path, i, l->scale[k], k);
                        goto fail_model;
                    }
                }
                size_t rw = row_words(l->depth, l->fan_in);
                uint64_t *row = tr_alloc(rw, sizeof(uint64_t));
                l->wq = tr_alloc(l->nw, sizeof(float));
                for (int k = 0; k < l->out_c; k++) {
                    tr_get(&p, row, rw * 8);
                    float *q = l->wq + (size_t)k * l->fan_in;
                    int rc = l->depth == TR_DEPTH_BINARY ? bitern_b1_check(row, l->fan_in)
                                                         : bitern_t2_check(row, l->fan_in);
                    if (rc == BITERN_OK)
                        rc = l->depth == TR_DEPTH_BINARY ? bitern_unpack_b1_f32(row, l->fan_in, q)
                                                         : bitern_unpack_t2_f32(row, l->fan_in, q);
                    if (rc != BITERN_OK) {
                        free(row);
                        tr_fail("%s: layer %u row %d: packed weights not canonical (%s)", path, i, k,
                                bitern_strerror(rc));
                        goto fail_model;
                    }
                    for (size_t j = 0; j < l->fan_in; j++)
                        q[j] *= l->scale[k];
                }
                free(row);
                memcpy(l->w, l->wq, l->nw * sizeof(float));
            }
            tr_get_f32s(&p, l->b, (size_t)l->out_c);
            if (!all_finite(l->b, (size_t)l->out_c)) {
                tr_fail("%s: layer %u: non-finite bias or metadata", path, i);
                goto fail_model;
            }
        } else if (l->type == TR_BN) {
            size_t c = (size_t)l->in_c;
            l->eps = tr_get_f32(&p);
            tr_get_f32s(&p, l->gamma, c);
            tr_get_f32s(&p, l->bshift, c);
            tr_get_f32s(&p, l->rmean, c);
            tr_get_f32s(&p, l->rvar, c);
            int ok = isfinite(l->eps) && l->eps > 0 && all_finite(l->gamma, c) && all_finite(l->bshift, c) &&
                     all_finite(l->rmean, c) && all_finite(l->rvar, c);
            for (size_t k = 0; ok && k < c; k++)
                ok = l->rvar[k] >= 0;
            if (!ok) {
                tr_fail("%s: layer %u (bn): non-finite or negative parameters", path, i);
                goto fail_model;
            }
            /* Finite is not enough: the inference form y = mul * x + add must be finite and within BN_MAX (no
             * trained network comes near), else outputs overflow to inf and the loss reads NaN. */
            for (size_t k = 0; k < c; k++) {
                double mul = (double)l->gamma[k] / sqrt((double)l->rvar[k] + (double)l->eps);
                double add = (double)l->bshift[k] - (double)l->rmean[k] * mul;
                if (!(fabs(mul) <= BN_MAX) || !(fabs(add) <= BN_MAX) || l->eps > 1.0f) {
                    tr_fail("%s: layer %u (bn) channel %zu: absurd parameters (gamma %g, shift %g, mean %g, var %g, "
                            "eps %g: scale %g, offset %g; at most %g, eps at most 1)", path, i, k, l->gamma[k],
                            l->bshift[k], l->rmean[k], l->rvar[k], l->eps, mul, add, BN_MAX);
                    goto fail_model;
                }
            }
        }
        if (p.short_read) {
            tr_fail("%s: layer %u: truncated parameters", path, i);
            goto fail_model;
        }
    }
    free(offsets);
    free(desc);
    free(data);
    return 0;
fail_model:
    free(offsets);
    tr_model_free(m);
    goto fail;
truncated:
    tr_fail("%s: truncated model file", path);
fail:
    free(desc);
    free(data);
    return -1;
}
