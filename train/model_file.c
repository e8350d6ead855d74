/* SPDX-License-Identifier: MIT */
#include "train/model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tr_model_view(const tr_model *m, bm_model *v)
{
    memset(v, 0, sizeof *v);
    v->layers = calloc(m->n > 0 ? (size_t)m->n : 1, sizeof *v->layers);
    if (!v->layers)
        return bm_fail("out of memory");
    v->n = m->n;
    v->in_c = m->in_c;
    v->in_h = m->in_h;
    v->in_w = m->in_w;
    v->n_classes = m->n_classes;
    memcpy(v->in_mean, m->in_mean, sizeof v->in_mean);
    memcpy(v->in_std, m->in_std, sizeof v->in_std);
    for (int i = 0; i < m->n; i++) {
        const tr_layer *l = &m->layers[i];
        bm_layer *L = &v->layers[i];
        L->s = (bm_shape){.type = l->type, .in_c = l->in_c, .in_h = l->in_h, .in_w = l->in_w, .out_c = l->out_c,
                          .out_h = l->out_h, .out_w = l->out_w, .k = l->k, .stride = l->stride, .pad = l->pad,
                          .drop_p = l->drop_p, .fan_in = l->fan_in, .nw = l->nw, .link = l->link,
                          .sub = l->sub};
        if (l->type == BM_DENSE || l->type == BM_CONV) {
            L->depth = l->depth;
            L->per_channel = l->per_channel;
            L->beta = l->beta;
            L->sq_s = l->sq_s;
            L->thr = l->thr;
            L->w = l->depth == BM_DEPTH_FLOAT ? l->w : l->wq;
            L->scale = l->depth == BM_DEPTH_FLOAT ? NULL : l->scale;
            L->b = l->b;
        } else if (l->type == BM_BN) {
            L->eps = l->eps;
            L->gamma = l->gamma;
            L->shift = l->bshift;
            L->mean = l->rmean;
            L->var = l->rvar;
        }
    }
    return 0;
}

int tr_btn_check_model(const tr_model *m, int quantized)
{
    bm_model v;
    if (tr_model_view(m, &v) < 0)
        return -1;
    int rc = bm_model_check_limits(&v, quantized);
    bm_model_free(&v);
    return rc;
}

int tr_model_save(const tr_model *m, const char *path)
{
    bm_model v;
    if (tr_model_view(m, &v) < 0)
        return -1;
    int rc = bm_model_save(&v, path);
    bm_model_free(&v);
    return rc;
}

void tr_model_apply_norm(const tr_model *m, bm_dataset *d)
{
    /* both bounds: the dataset holds 3 channels' statistics at most, the model file 4 */
    for (int k = 0; k < d->c && k < BM_MAX_NORM_C && k < (int)(sizeof d->mean / sizeof *d->mean); k++) {
        d->mean[k] = m->in_mean[k];
        d->std[k] = m->in_std[k];
    }
}

int tr_model_from(const bm_model *src, const char *name, tr_model *m, int batch_cap)
{
    bm_layer_desc *desc = calloc((size_t)src->n, sizeof *desc);
    if (!desc)
        return bm_fail("%s: out of memory", name);
    for (int i = 0; i < src->n; i++)
        desc[i] = bm_desc_of(&src->layers[i].s);
    int rc = tr_model_build(m, desc, src->n, src->in_c, src->in_h, src->in_w, src->n_classes, batch_cap, NULL);
    free(desc);
    if (rc < 0) {
        char why[256];   /* bm_error() is the buffer bm_fail writes: copy it first */
        snprintf(why, sizeof why, "%s", bm_error());
        return bm_fail("%s: inconsistent layers: %s", name, why);
    }
    memcpy(m->in_mean, src->in_mean, sizeof m->in_mean);
    memcpy(m->in_std, src->in_std, sizeof m->in_std);
    for (int i = 0; i < src->n; i++) {
        const bm_layer *L = &src->layers[i];
        tr_layer *l = &m->layers[i];
        if (l->type == BM_DENSE || l->type == BM_CONV) {
            l->depth = L->depth;
            l->per_channel = L->per_channel;
            l->beta = L->beta;
            l->sq_s = L->sq_s;
            l->thr = L->thr;
            memcpy(l->w, L->w, l->nw * sizeof(float));
            memcpy(l->b, L->b, (size_t)l->out_c * sizeof(float));
            if (L->depth != BM_DEPTH_FLOAT) {
                memcpy(l->scale, L->scale, (size_t)l->out_c * sizeof(float));
                l->wq = bm_alloc(l->nw, sizeof(float));
                memcpy(l->wq, L->w, l->nw * sizeof(float));
            }
        } else if (l->type == BM_BN) {
            size_t c = (size_t)l->in_c * sizeof(float);
            l->eps = L->eps;
            memcpy(l->gamma, L->gamma, c);
            memcpy(l->bshift, L->shift, c);
            memcpy(l->rmean, L->mean, c);
            memcpy(l->rvar, L->var, c);
        }
    }
    return 0;
}

int tr_model_load(const char *path, tr_model *m, int batch_cap)
{
    memset(m, 0, sizeof *m);
    bm_model b;
    if (bm_model_load(path, &b) < 0)
        return -1;
    int rc = tr_model_from(&b, path, m, batch_cap);
    bm_model_free(&b);
    return rc;
}

int tr_model_load_memory(const void *buf, size_t n, const char *name, tr_model *m, int batch_cap)
{
    memset(m, 0, sizeof *m);
    bm_model b;
    if (bm_model_load_memory(buf, n, name, &b) < 0)
        return -1;
    int rc = tr_model_from(&b, name, m, batch_cap);
    bm_model_free(&b);
    return rc;
}
