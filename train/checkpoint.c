/* SPDX-License-Identifier: MIT */
#include "train/checkpoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/serial.h"

static const char magic[8] = {'B', 'T', 'R', 'N', 'C', 'K', 'P', 0};
/* 2 added the mid-epoch state; version 1 files (epoch boundaries only) still load. */
#define CKPT_VERSION 2

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

int tr_ckpt_save(const char *path, const tr_ckpt_meta *meta, const tr_model *m, const tr_optim *o,
                 const tr_beta_optim *bo)
{
    bm_wbuf b = {0};
    bm_put(&b, magic, 8);
    bm_put_u32(&b, CKPT_VERSION);
    bm_put_u64(&b, meta->fingerprint);
    bm_put_u32(&b, meta->epochs_done);
    bm_put_u32(&b, meta->quantized);
    bm_put_u32(&b, (uint32_t)m->n);
    bm_put_u64(&b, (uint64_t)o->t);
    bm_put_u64(&b, (uint64_t)bo->t);
    bm_put_u32(&b, meta->step);
    for (int k = 0; k < 4; k++)
        bm_put_u64(&b, meta->rng[k]);
    for (int k = 0; k < 4; k++)
        bm_put_u64(&b, meta->drop_rng[k]);
    bm_put(&b, &meta->loss_sum, 8);
    bm_put(&b, &meta->reg_sum, 8);
    bm_put_u64(&b, meta->correct);
    for (int i = 0; i < m->n; i++) {
        const tr_layer *l = &m->layers[i];
        bm_put_u32(&b, l->type);
        if (l->w) {
            bm_put_u32(&b, (uint32_t)l->depth);
            bm_put_u32(&b, (uint32_t)l->thr_mode);
            bm_put_f32(&b, l->beta);
            bm_put_f32(&b, l->sq_s);
            bm_put_f32s(&b, l->w, l->nw);
            bm_put_f32s(&b, l->b, (size_t)l->out_c);
        } else if (l->type == BM_BN) {
            bm_put_f32s(&b, l->gamma, (size_t)l->in_c);
            bm_put_f32s(&b, l->bshift, (size_t)l->in_c);
            bm_put_f32s(&b, l->rmean, (size_t)l->in_c);
            bm_put_f32s(&b, l->rvar, (size_t)l->in_c);
        }
    }
    bm_put_u32(&b, (uint32_t)o->np);
    for (int k = 0; k < o->np; k++) {
        bm_put_f32s(&b, o->p[k].m, o->p[k].n);
        bm_put_f32s(&b, o->p[k].s, o->p[k].n);
    }
    bm_put_u32(&b, (uint32_t)bo->n);
    bm_put_f32s(&b, bo->m, (size_t)bo->n);
    bm_put_f32s(&b, bo->s, (size_t)bo->n);
    int rc = bm_write_file_checksummed(path, &b);
    bm_wbuf_free(&b);
    return rc;
}

int tr_ckpt_load(const char *path, tr_ckpt_meta *meta, tr_model *m, tr_optim *o, tr_beta_optim *bo)
{
    uint8_t *data;
    size_t n;
    if (bm_read_file_checksummed(path, magic, "bitern checkpoint", &data, &n, (size_t)1 << 34) < 0)
        return -1;
    bm_rbuf r = {.p = data, .n = n};
    char mg[8];
    bm_get(&r, mg, 8);
    int rc = -1;
    if (r.short_read || memcmp(mg, magic, 8) != 0) {
        bm_fail("%s: not a bitern checkpoint (bad magic)", path);
        goto out;
    }
    uint32_t version = bm_get_u32(&r);
    if (version != CKPT_VERSION && version != 1) {
        bm_fail("%s: unsupported checkpoint version %u (this build reads 1 and %d)", path, version, CKPT_VERSION);
        goto out;
    }
    uint64_t fp = bm_get_u64(&r);
    if (fp != meta->fingerprint) {
        bm_fail("%s: checkpoint was written with different settings (dataset, model, quantization, schedule, "
                "seed...): resume with the same options", path);
        goto out;
    }
    meta->epochs_done = bm_get_u32(&r);
    meta->quantized = bm_get_u32(&r);
    uint32_t nl = bm_get_u32(&r);
    long ot = (long)bm_get_u64(&r), bt = (long)bm_get_u64(&r);
    meta->step = 0;
    if (version >= 2) {
        meta->step = bm_get_u32(&r);
        for (int k = 0; k < 4; k++)
            meta->rng[k] = bm_get_u64(&r);
        for (int k = 0; k < 4; k++)
            meta->drop_rng[k] = bm_get_u64(&r);
        bm_get(&r, &meta->loss_sum, 8);
        bm_get(&r, &meta->reg_sum, 8);
        meta->correct = bm_get_u64(&r);
    }
    if (!r.short_read && (meta->quantized > 1 || ot < 0 || bt < 0)) {
        bm_fail("%s: bad header (quantized flag %u, optimizer steps %ld, %ld)", path, meta->quantized, ot, bt);
        goto out;
    }
    if (r.short_read || nl != (uint32_t)m->n) {
        bm_fail("%s: checkpoint has %u layers, the model %d", path, nl, m->n);
        goto out;
    }
    /* Reads go straight into the model: on failure the caller discards it anyway. */
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        if (bm_get_u32(&r) != (uint32_t)l->type) {
            bm_fail("%s: layer %d type differs from the model's", path, i);
            goto out;
        }
        if (l->w) {
            uint32_t depth = bm_get_u32(&r), thr_mode = bm_get_u32(&r);
            if (depth > BM_DEPTH_TERNARY || thr_mode > TR_THR_TWN) {
                bm_fail("%s: layer %d: bad depth %u or threshold mode %u", path, i, depth, thr_mode);
                goto out;
            }
            l->depth = (int)depth;
            l->thr_mode = (int)thr_mode;
            l->beta = bm_get_f32(&r);
            l->sq_s = bm_get_f32(&r);
            bm_get_f32s(&r, l->w, l->nw);
            bm_get_f32s(&r, l->b, (size_t)l->out_c);
        } else if (l->type == BM_BN) {
            bm_get_f32s(&r, l->gamma, (size_t)l->in_c);
            bm_get_f32s(&r, l->bshift, (size_t)l->in_c);
            bm_get_f32s(&r, l->rmean, (size_t)l->in_c);
            bm_get_f32s(&r, l->rvar, (size_t)l->in_c);
        }
    }
    uint32_t np = bm_get_u32(&r);
    if (r.short_read)
        goto truncated;
    if (np != (uint32_t)o->np)
        goto mismatch;
    for (int k = 0; k < o->np; k++) {
        bm_get_f32s(&r, o->p[k].m, o->p[k].n);
        bm_get_f32s(&r, o->p[k].s, o->p[k].n);
    }
    uint32_t nb = bm_get_u32(&r);
    if (r.short_read)
        goto truncated;
    if (nb != (uint32_t)bo->n)
        goto mismatch;
    bm_get_f32s(&r, bo->m, (size_t)bo->n);
    bm_get_f32s(&r, bo->s, (size_t)bo->n);
    if (r.short_read)
        goto truncated;
    if (r.off != r.n)
        goto mismatch;
    /* The checksum only proves the file is what was written: a run that had already diverged must not be
     * resumed silently. */
    for (int i = 0; i < m->n; i++) {
        const tr_layer *l = &m->layers[i];
        int ok = 1;
        if (l->w)
            ok = all_finite(l->w, l->nw) && all_finite(l->b, (size_t)l->out_c) && isfinite(l->beta) &&
                 isfinite(l->sq_s);
        else if (l->type == BM_BN)
            ok = all_finite(l->gamma, (size_t)l->in_c) && all_finite(l->bshift, (size_t)l->in_c) &&
                 all_finite(l->rmean, (size_t)l->in_c) && all_finite(l->rvar, (size_t)l->in_c);
        if (!ok) {
            bm_fail("%s: layer %d (%s) holds NaN or Inf", path, i, bm_ltype_name(l->type));
            goto out;
        }
    }
    for (int k = 0; k < o->np; k++) {
        if (!all_finite(o->p[k].m, o->p[k].n) || !all_finite(o->p[k].s, o->p[k].n)) {
            bm_fail("%s: optimizer state %d holds NaN or Inf", path, k);
            goto out;
        }
    }
    if (!isfinite(meta->loss_sum) || !isfinite(meta->reg_sum)) {
        bm_fail("%s: mid-epoch loss sums hold NaN or Inf", path);
        goto out;
    }
    o->t = ot;
    bo->t = bt;
    rc = 0;
    goto out;
mismatch:
    bm_fail("%s: checkpoint does not match the model's parameters", path);
    goto out;
truncated:
    bm_fail("%s: truncated checkpoint", path);
out:
    free(data);
    return rc;
}
