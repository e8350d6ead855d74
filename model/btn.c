/* SPDX-License-Identifier: MIT */
#include "model/btn.h"

#include <bitern.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/serial.h"
#include "model/util.h"

static const char magic[8] = {'B', 'T', 'R', 'N', 'M', 'D', 'L', 0};

#define MAX_LAYERS BM_BTN_MAX_LAYERS
#define MAX_DIM BM_BTN_MAX_DIM
#define BN_MAX 1e12
#define MAX_FILE_BYTES ((size_t)1 << 34)
/* The parameters a loaded model may hold once unpacked (a B1 weight becomes a 4-byte float: 32x the file). */
#define MAX_PARAM_BYTES ((size_t)8 << 30)

static size_t row_words(int depth, size_t fan_in)
{
    return depth == BM_DEPTH_BINARY ? bitern_b1_words(fan_in) : bitern_t2_words(fan_in);
}

static int has_weights(bm_ltype t) { return t == BM_DENSE || t == BM_CONV; }

static int over(int v) { return v < 0 || v > MAX_DIM; }

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

int bm_model_check_limits(const bm_model *m, int quantized)
{
    if (m->n < 1 || m->n > MAX_LAYERS)
        return bm_fail("%d layers: a model file holds 1 to %d", m->n, MAX_LAYERS);
    if (over(m->in_c) || over(m->in_h) || over(m->in_w) || over(m->n_classes))
        return bm_fail("input %dx%dx%d or %d classes: a model file holds at most %d per dimension", m->in_c,
                       m->in_h, m->in_w, m->n_classes, MAX_DIM);
    for (int i = 0; i < m->n; i++) {
        const bm_shape *l = &m->layers[i].s;
        int v[9] = {l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, l->k, l->stride, l->pad};
        for (int j = 0; j < 9; j++)
            if (over(v[j]))
                return bm_fail("layer %d (%s): a size, kernel, stride or padding of %d exceeds the model file's "
                               "limit %d", i + 1, bm_ltype_name(l->type), v[j], MAX_DIM);
        int q = quantized < 0 ? m->layers[i].depth != BM_DEPTH_FLOAT : quantized;
        if (q && has_weights(l->type) && l->fan_in > BITERN_MAX_K)
            return bm_fail("layer %d (%s): %zu inputs per output exceed the packed kernels' limit %zu", i + 1,
                           bm_ltype_name(l->type), l->fan_in, BITERN_MAX_K);
    }
    return 0;
}

static int check_layer(const bm_model *m, int i, const char *name)
{
    const bm_layer *L = &m->layers[i];
    const bm_shape *l = &L->s;
    const char *tn = bm_ltype_name(l->type);
    if (has_weights(l->type)) {
        if (L->depth < BM_DEPTH_FLOAT || L->depth > BM_DEPTH_TERNARY)
            return bm_fail("%s: layer %d: bad depth %d", name, i, L->depth);
        if (L->per_channel != 0 && L->per_channel != 1)
            return bm_fail("%s: layer %d: per_channel is %d (0 or 1)", name, i, L->per_channel);
        if (!isfinite(L->beta) || !isfinite(L->sq_s) || !isfinite(L->thr) || L->sq_s < 0 || L->thr < 0)
            return bm_fail("%s: layer %d: bad quantizer fields (beta %g, s %g, thr %g: finite, s and thr >= 0)", name,
                           i, L->beta, L->sq_s, L->thr);
        if (!L->w || !L->b || (L->depth != BM_DEPTH_FLOAT && !L->scale))
            return bm_fail("%s: layer %d (%s): parameters missing", name, i, tn);
        if (L->depth == BM_DEPTH_FLOAT) {
            if (!all_finite(L->w, l->nw))
                return bm_fail("%s: layer %d: non-finite weight", name, i);
        } else {
            for (int r = 0; r < l->out_c; r++) {
                float s = L->scale[r];
                if (!isfinite(s) || s < 0)
                    return bm_fail("%s: layer %d: bad scale %g for row %d", name, i, s, r);
                const float *w = L->w + (size_t)r * l->fan_in;
                for (size_t j = 0; j < l->fan_in; j++)
                    if (!(w[j] == s || w[j] == -s || (L->depth == BM_DEPTH_TERNARY && w[j] == 0.0f)))
                        return bm_fail("%s: layer %d row %d: weight %g is not %s%g", name, i, r, w[j],
                                       L->depth == BM_DEPTH_TERNARY ? "0 or +-" : "+-", s);
            }
        }
        if (!all_finite(L->b, (size_t)l->out_c))
            return bm_fail("%s: layer %d: non-finite bias or metadata", name, i);
    } else if (l->type == BM_BN) {
        size_t c = (size_t)l->in_c;
        if (!L->gamma || !L->shift || !L->mean || !L->var)
            return bm_fail("%s: layer %d (bn): parameters missing", name, i);
        int ok = isfinite(L->eps) && L->eps > 0 && all_finite(L->gamma, c) && all_finite(L->shift, c) &&
                 all_finite(L->mean, c) && all_finite(L->var, c);
        for (size_t k = 0; ok && k < c; k++)
            ok = L->var[k] >= 0;
        if (!ok)
            return bm_fail("%s: layer %d (bn): non-finite or negative parameters", name, i);
        /* Finite is not enough: the inference form y = mul * x + add must be finite and within BN_MAX (no
         * trained network comes near), else outputs overflow to inf and the loss reads NaN. */
        for (size_t k = 0; k < c; k++) {
            double mul = (double)L->gamma[k] / sqrt((double)L->var[k] + (double)L->eps);
            double add = (double)L->shift[k] - (double)L->mean[k] * mul;
            if (!(fabs(mul) <= BN_MAX) || !(fabs(add) <= BN_MAX) || L->eps > 1.0f)
                return bm_fail("%s: layer %d (bn) channel %zu: absurd parameters (gamma %g, shift %g, mean %g, "
                               "var %g, eps %g: scale %g, offset %g; at most %g, eps at most 1)", name, i, k,
                               L->gamma[k], L->shift[k], L->mean[k], L->var[k], L->eps, mul, add, BN_MAX);
        }
    }
    return 0;
}

int bm_model_check(const bm_model *m, const char *name)
{
    if (m->n < 1 || m->n > MAX_LAYERS || !m->layers)
        return bm_fail("%s: %d layers: a model file holds 1 to %d", name, m->n, MAX_LAYERS);
    if (m->in_c < 1 || m->in_h < 1 || m->in_w < 1 || m->n_classes < 1 || over(m->in_c) || over(m->in_h) ||
        over(m->in_w) || over(m->n_classes))
        return bm_fail("%s: bad input shape %dx%dx%d or class count %d", name, m->in_c, m->in_h, m->in_w,
                       m->n_classes);
    for (int k = 0; k < m->in_c && k < BM_MAX_NORM_C; k++)
        if (!isfinite(m->in_mean[k]) || !isfinite(m->in_std[k]) || !(m->in_std[k] > 0))
            return bm_fail("%s: bad input normalisation for channel %d (mean %g, std %g)", name, k, m->in_mean[k],
                           m->in_std[k]);
    if (bm_model_check_limits(m, -1) < 0) {
        char why[256];   /* bm_error() is the buffer bm_fail writes: copy it first */
        snprintf(why, sizeof why, "%s", bm_error());
        return bm_fail("%s: %s", name, why);
    }
    /* Shapes: each layer's must be what its type and hyper-parameters make of the previous one's output. */
    bm_shape *sh = malloc((size_t)m->n * sizeof *sh);
    if (!sh)
        return bm_fail("%s: out of memory", name);
    int c = m->in_c, h = m->in_h, w = m->in_w, rc = 0;
    double params = 0;
    for (int i = 0; i < m->n && rc == 0; i++) {
        const bm_shape *l = &m->layers[i].s;
        bm_shape *s = &sh[i];
        *s = (bm_shape){.in_c = c, .in_h = h, .in_w = w};
        bm_layer_desc d = bm_desc_of(l);
        if (bm_layer_shape(s, &d, i, sh) < 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", bm_error());
            rc = bm_fail("%s: inconsistent layers: %s", name, why);
        } else if (l->in_c != s->in_c || l->in_h != s->in_h || l->in_w != s->in_w || l->out_c != s->out_c ||
                   l->out_h != s->out_h || l->out_w != s->out_w) {
            rc = bm_fail("%s: layer %d (%s): stored shape %dx%dx%d -> %dx%dx%d does not match the computed one",
                         name, i, bm_ltype_name(l->type), l->in_c, l->in_h, l->in_w, l->out_c, l->out_h,
                         l->out_w);
        } else if (l->k != s->k || l->stride != s->stride || l->pad != s->pad ||
                   memcmp(&l->drop_p, &s->drop_p, 4) != 0 || l->fan_in != s->fan_in || l->nw != s->nw ||
                   l->link != s->link || l->sub != s->sub) {
            rc = bm_fail("%s: layer %d (%s): kernel/stride/padding/dropout fields inconsistent with the layer type",
                         name, i, bm_ltype_name(l->type));
        }
        params += 4.0 * ((double)l->nw + 3.0 * l->out_c) + 16.0 * (l->type == BM_BN ? l->in_c : 0);
        c = s->out_c;
        h = s->out_h;
        w = s->out_w;
    }
    if (rc == 0 && bm_check_blocks(sh, m->n) < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", bm_error());
        rc = bm_fail("%s: inconsistent layers: %s", name, why);
    }
    free(sh);
    if (rc < 0)
        return -1;
    if ((size_t)c * h * w != (size_t)m->n_classes)
        return bm_fail("%s: inconsistent layers: the last layer gives %d x %d x %d outputs, the model has %d classes",
                       name, c, h, w, m->n_classes);
    if (params > (double)MAX_PARAM_BYTES)
        return bm_fail("%s: %.1f GiB of parameters, more than the %zu GiB allowed", name,
                       params / (1024.0 * 1024 * 1024), MAX_PARAM_BYTES >> 30);
    for (int i = 0; i < m->n; i++)
        if (check_layer(m, i, name) < 0)
            return -1;
    return 0;
}

int bm_model_save(const bm_model *m, const char *path)
{
    if (bm_model_check(m, path) < 0)
        return -1;
    bm_wbuf b = {0};
    bm_put(&b, magic, 8);
    bm_put_u32(&b, BM_BTN_VERSION);
    bm_put_u32(&b, (uint32_t)m->in_c);
    bm_put_u32(&b, (uint32_t)m->in_h);
    bm_put_u32(&b, (uint32_t)m->in_w);
    bm_put_u32(&b, (uint32_t)m->n_classes);
    bm_put_u32(&b, (uint32_t)m->n);
    bm_put_u32(&b, 0);
    uint32_t nn = m->in_c <= BM_MAX_NORM_C ? (uint32_t)m->in_c : 0;
    bm_put_u32(&b, nn);
    bm_put_f32s(&b, m->in_mean, nn);
    bm_put_f32s(&b, m->in_std, nn);
    for (int i = 0; i < m->n; i++) {
        const bm_layer *L = &m->layers[i];
        const bm_shape *l = &L->s;
        uint32_t hdr[10] = {l->type, l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, l->k, l->stride, l->pad};
        for (int j = 0; j < 10; j++)
            bm_put_u32(&b, hdr[j]);
        bm_put_f32(&b, l->drop_p);
        if (has_weights(l->type)) {
            bm_put_u32(&b, (uint32_t)L->depth);
            bm_put_u32(&b, (uint32_t)L->per_channel);
            bm_put_f32(&b, L->beta);
            bm_put_f32(&b, L->sq_s);
            bm_put_f32(&b, L->thr);
            if (L->depth == BM_DEPTH_FLOAT) {
                bm_put_f32s(&b, L->w, l->nw);
            } else {
                bm_put_f32s(&b, L->scale, (size_t)l->out_c);
                size_t rw = row_words(L->depth, l->fan_in);
                uint64_t *row = malloc(rw * sizeof(uint64_t));
                if (!row) {
                    bm_wbuf_free(&b);
                    return bm_fail("%s: out of memory", path);
                }
                for (int r = 0; r < l->out_c; r++) {
                    const float *q = L->w + (size_t)r * l->fan_in;   /* +-scale or 0 exactly (checked) */
                    int rc = L->depth == BM_DEPTH_BINARY ? bitern_pack_b1_f32(q, l->fan_in, row)
                                                         : bitern_pack_t2_f32(q, l->fan_in, 0.0f, row);
                    if (rc != BITERN_OK) {
                        free(row);
                        bm_wbuf_free(&b);
                        return bm_fail("%s: packing layer %d failed: %s", path, i, bitern_strerror(rc));
                    }
                    bm_put(&b, row, rw * sizeof(uint64_t));
                }
                free(row);
            }
            bm_put_f32s(&b, L->b, (size_t)l->out_c);
        } else if (l->type == BM_BN) {
            bm_put_f32(&b, L->eps);
            bm_put_f32s(&b, L->gamma, (size_t)l->in_c);
            bm_put_f32s(&b, L->shift, (size_t)l->in_c);
            bm_put_f32s(&b, L->mean, (size_t)l->in_c);
            bm_put_f32s(&b, L->var, (size_t)l->in_c);
        }
    }
    int rc = bm_write_file_checksummed(path, &b);
    bm_wbuf_free(&b);
    return rc;
}

void bm_model_apply_norm(const bm_model *m, bm_dataset *d)
{
    /* both bounds: the dataset holds 3 channels' statistics at most, the model file 4 */
    for (int k = 0; k < d->c && k < BM_MAX_NORM_C && k < (int)(sizeof d->mean / sizeof *d->mean); k++) {
        d->mean[k] = m->in_mean[k];
        d->std[k] = m->in_std[k];
    }
}

void bm_model_free(bm_model *m)
{
    if (m->owned)
        for (int i = 0; i < m->n && m->layers; i++) {
            bm_layer *L = &m->layers[i];
            void *p[] = {L->w, L->scale, L->b, L->gamma, L->shift, L->mean, L->var};
            for (size_t j = 0; j < sizeof p / sizeof *p; j++)
                free(p[j]);
        }
    free(m->layers);
    memset(m, 0, sizeof *m);
}

static float *floats(bm_rbuf *r, size_t n, int *oom)
{
    float *v = malloc((n ? n : 1) * sizeof(float));
    if (!v) {
        *oom = 1;
        return NULL;
    }
    bm_get_f32s(r, v, n);
    return v;
}

/* One layer's parameters at r, for the shape in L->s (already checked). */
static int read_params(bm_rbuf *r, bm_layer *L, const char *name, int i)
{
    const bm_shape *l = &L->s;
    int oom = 0;
    if (has_weights(l->type)) {
        uint32_t depth = bm_get_u32(r), pc = bm_get_u32(r);
        L->beta = bm_get_f32(r);
        L->sq_s = bm_get_f32(r);
        L->thr = bm_get_f32(r);
        if (depth > BM_DEPTH_TERNARY)
            return bm_fail("%s: layer %d: bad depth %u", name, i, depth);
        if (pc > 1)
            return bm_fail("%s: layer %d: per_channel is %u (0 or 1)", name, i, pc);
        L->depth = (int)depth;
        L->per_channel = (int)pc;
        if (L->depth == BM_DEPTH_FLOAT) {
            L->w = floats(r, l->nw, &oom);
        } else {
            L->scale = floats(r, (size_t)l->out_c, &oom);
            size_t rw = row_words(L->depth, l->fan_in);
            L->w = malloc((l->nw ? l->nw : 1) * sizeof(float));
            if (!L->w || oom)
                return bm_fail("%s: out of memory", name);
            uint64_t *row = malloc(rw * 8);   /* the image's rows need not be 8-byte aligned: copied */
            if (!row)
                return bm_fail("%s: out of memory", name);
            for (int k = 0; k < l->out_c; k++) {
                if (bm_get(r, row, rw * 8) < 0) {
                    free(row);
                    return bm_fail("%s: layer %d: truncated parameters", name, i);
                }
                float *q = L->w + (size_t)k * l->fan_in;
                int rc = L->depth == BM_DEPTH_BINARY ? bitern_b1_check(row, l->fan_in) : bitern_t2_check(row, l->fan_in);
                if (rc == BITERN_OK)
                    rc = L->depth == BM_DEPTH_BINARY ? bitern_unpack_b1_f32(row, l->fan_in, q)
                                                     : bitern_unpack_t2_f32(row, l->fan_in, q);
                if (rc != BITERN_OK) {
                    free(row);
                    return bm_fail("%s: layer %d row %d: packed weights not canonical (%s)", name, i, k,
                                   bitern_strerror(rc));
                }
                for (size_t j = 0; j < l->fan_in; j++)
                    q[j] *= L->scale[k];
            }
            free(row);
        }
        L->b = floats(r, (size_t)l->out_c, &oom);
    } else if (l->type == BM_BN) {
        size_t c = (size_t)l->in_c;
        L->eps = bm_get_f32(r);
        L->gamma = floats(r, c, &oom);
        L->shift = floats(r, c, &oom);
        L->mean = floats(r, c, &oom);
        L->var = floats(r, c, &oom);
    }
    if (oom)
        return bm_fail("%s: out of memory", name);
    if (r->short_read)
        return bm_fail("%s: layer %d: truncated parameters", name, i);
    return 0;
}

/* The checked image without its checksum, owned (and freed) here. */
static int parse_model(const char *name, uint8_t *data, size_t size, bm_model *m)
{
    bm_rbuf r = {.p = data, .n = size};
    bm_shape *sh = NULL;
    char mg[8];
    bm_get(&r, mg, 8);
    if (r.short_read || memcmp(mg, magic, 8) != 0) {
        free(data);
        return bm_fail("%s: not a bitern model file (bad magic)", name);
    }
    uint32_t version = bm_get_u32(&r);
    if (version != BM_BTN_VERSION) {
        free(data);
        return bm_fail("%s: unsupported model file version %u (this build reads %d)", name, version, BM_BTN_VERSION);
    }
    uint32_t in_c = bm_get_u32(&r), in_h = bm_get_u32(&r), in_w = bm_get_u32(&r), ncls = bm_get_u32(&r);
    uint32_t nl = bm_get_u32(&r), flags = bm_get_u32(&r);
    if (r.short_read)
        goto truncated;
    if (!in_c || !in_h || !in_w || in_c > MAX_DIM || in_h > MAX_DIM || in_w > MAX_DIM || !ncls || ncls > MAX_DIM) {
        bm_fail("%s: bad input shape %ux%ux%u or class count %u", name, in_c, in_h, in_w, ncls);
        goto fail;
    }
    if (!nl || nl > MAX_LAYERS || flags) {
        bm_fail("%s: bad layer count %u or flags %u", name, nl, flags);
        goto fail;
    }
    uint32_t nn = bm_get_u32(&r);
    if (nn != (in_c <= BM_MAX_NORM_C ? in_c : 0)) {
        bm_fail("%s: %u normalisation channels for %u input channels", name, nn, in_c);
        goto fail;
    }
    m->in_c = (int)in_c;
    m->in_h = (int)in_h;
    m->in_w = (int)in_w;
    m->n_classes = (int)ncls;
    for (int k = 0; k < BM_MAX_NORM_C; k++) {
        m->in_mean[k] = 0.0f;
        m->in_std[k] = 1.0f;
    }
    bm_get_f32s(&r, m->in_mean, nn);
    bm_get_f32s(&r, m->in_std, nn);
    m->layers = calloc(nl, sizeof *m->layers);
    if (!m->layers) {
        bm_fail("%s: out of memory", name);
        goto fail;
    }
    m->n = (int)nl;
    m->owned = 1;
    sh = malloc(nl * sizeof *sh);   /* the shapes so far, contiguous: an add looks back for its mark */
    if (!sh) {
        bm_fail("%s: out of memory", name);
        goto fail;
    }
    /* Each layer's header, its shape checked against the previous layer's output before its payload (whose size
     * follows from the shape) is read. */
    int c = (int)in_c, h = (int)in_h, w = (int)in_w;
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t v[10];
        for (int j = 0; j < 10; j++)
            v[j] = bm_get_u32(&r);
        float dp = bm_get_f32(&r);
        if (r.short_read)
            goto truncated;
        if (v[0] == 0 || v[0] >= BM_LTYPE_END || v[7] > MAX_DIM || v[8] > MAX_DIM || v[9] > MAX_DIM ||
            v[4] > MAX_DIM) {
            bm_fail("%s: layer %u: bad type %u or hyper-parameters", name, i, v[0]);
            goto fail;
        }
        /* The payload's size follows from the header alone: it must be in the file (and its size must not
         * overflow) before anything else is believed or allocated. */
        size_t need = 0;
        if (v[0] == BM_DENSE || v[0] == BM_CONV) {
            size_t fan, t = 0;
            int ovf = v[0] == BM_DENSE ? bm_mul((size_t)v[1] * v[2], v[3], &fan) : bm_mul((size_t)v[1] * v[7], v[7], &fan);
            uint32_t depth = BM_DEPTH_FLOAT;
            if (r.off + 4 <= r.n)
                memcpy(&depth, r.p + r.off, 4);
            if (!ovf && depth == BM_DEPTH_FLOAT)
                ovf = bm_mul(fan, (size_t)v[4] * 4, &t);
            else if (!ovf && depth <= BM_DEPTH_TERNARY)
                ovf = bm_mul(row_words((int)depth, fan), (size_t)v[4] * 8, &t);
            if (ovf) {
                bm_fail("%s: layer %u: weight size overflows", name, i);
                goto fail;
            }
            need = depth <= BM_DEPTH_TERNARY ? 20 + t + (size_t)v[4] * (depth == BM_DEPTH_FLOAT ? 4 : 8) : 20;
        } else if (v[0] == BM_BN) {
            need = 4 + (size_t)v[1] * 16;
        }
        if (need > r.n - r.off)
            goto truncated;
        bm_shape *l = &m->layers[i].s;
        *l = (bm_shape){.in_c = c, .in_h = h, .in_w = w};
        bm_layer_desc d = {.type = (bm_ltype)v[0], .out = (int)v[4], .k = (int)v[7], .stride = (int)v[8],
                           .pad = (int)v[9], .drop_p = dp};
        if (bm_layer_shape(l, &d, (int)i, sh) < 0) {
            char why[256];   /* bm_error() is the buffer bm_fail writes: copy it first */
            snprintf(why, sizeof why, "%s", bm_error());
            bm_fail("%s: inconsistent layers: %s", name, why);
            goto fail;
        }
        if ((int)v[1] != l->in_c || (int)v[2] != l->in_h || (int)v[3] != l->in_w || (int)v[4] != l->out_c ||
            (int)v[5] != l->out_h || (int)v[6] != l->out_w) {
            bm_fail("%s: layer %u (%s): stored shape %ux%ux%u -> %ux%ux%u does not match the computed one", name, i,
                    bm_ltype_name(l->type), v[1], v[2], v[3], v[4], v[5], v[6]);
            goto fail;
        }
        /* Fields a layer type does not use must be zero: anything else is a file we do not understand. */
        if ((int)v[7] != l->k || (int)v[8] != l->stride || (int)v[9] != l->pad || memcmp(&dp, &l->drop_p, 4) != 0) {
            bm_fail("%s: layer %u (%s): kernel/stride/padding/dropout fields inconsistent with the layer type", name,
                    i, bm_ltype_name(l->type));
            goto fail;
        }
        if (has_weights(l->type) && l->fan_in > BITERN_MAX_K && r.off + 4 <= r.n) {
            uint32_t depth;
            memcpy(&depth, r.p + r.off, 4);
            if (depth != BM_DEPTH_FLOAT) {
                bm_fail("%s: layer %u (%s): %zu inputs per output exceed the packed kernels' limit %zu", name, i + 1,
                        bm_ltype_name(l->type), l->fan_in, BITERN_MAX_K);
                goto fail;
            }
        }
        if (read_params(&r, &m->layers[i], name, (int)i) < 0)
            goto fail;
        sh[i] = *l;
        c = l->out_c;
        h = l->out_h;
        w = l->out_w;
    }
    if (r.off != r.n) {
        bm_fail("%s: %zu unexpected bytes after the last layer", name, r.n - r.off);
        goto fail;
    }
    free(data);
    data = NULL;
    free(sh);
    sh = NULL;
    if (bm_model_check(m, name) < 0)
        goto fail;
    return 0;
truncated:
    bm_fail("%s: truncated model file", name);
fail:
    free(data);
    free(sh);
    bm_model_free(m);
    return -1;
}

int bm_model_load(const char *path, bm_model *m)
{
    memset(m, 0, sizeof *m);
    uint8_t *data;
    size_t size;
    if (bm_read_file_checksummed(path, magic, "bitern model file", &data, &size, MAX_FILE_BYTES) < 0)
        return -1;
    return parse_model(path, data, size, m);
}

int bm_model_load_memory(const void *buf, size_t n, const char *name, bm_model *m)
{
    memset(m, 0, sizeof *m);
    if (n > MAX_FILE_BYTES)
        return bm_fail("%s: too large (%zu bytes)", name, n);
    if (bm_check_checksummed(name, magic, "bitern model file", buf, n) < 0)
        return -1;
    uint8_t *data = malloc(n - 8);
    if (!data)
        return bm_fail("%s: out of memory for %zu bytes", name, n);
    memcpy(data, buf, n - 8);
    return parse_model(name, data, n - 8, m);
}
