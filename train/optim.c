/* SPDX-License-Identifier: MIT */
#include "train/optim.h"

#include <math.h>
#include <stdlib.h>

#include "train/sq_reg.h"

static void add_param(tr_optim *o, float *v, float *g, size_t n, int decay)
{
    o->p = bm_realloc(o->p, (size_t)o->np + 1, sizeof(tr_param));
    tr_param *p = &o->p[o->np++];
    p->v = v;
    p->g = g;
    p->n = n;
    p->decay = decay;
    p->m = bm_alloc(n, sizeof(float));
    p->s = bm_alloc(n, sizeof(float));
}

void tr_optim_init(tr_optim *o, tr_model *m, int kind, float wd, float momentum)
{
    *o = (tr_optim){.kind = kind, .wd = wd, .momentum = momentum, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        if (l->w) {
            add_param(o, l->w, l->gw, l->nw, 1);
            add_param(o, l->b, l->gb, (size_t)l->out_c, 0);
        } else if (l->type == BM_BN) {
            add_param(o, l->gamma, l->ggamma, (size_t)l->in_c, 0);
            add_param(o, l->bshift, l->gbshift, (size_t)l->in_c, 0);
        }
    }
}

void tr_optim_free(tr_optim *o)
{
    for (int i = 0; i < o->np; i++) {
        free(o->p[i].m);
        free(o->p[i].s);
    }
    free(o->p);
    o->p = NULL;
    o->np = 0;
}

void tr_optim_step(tr_optim *o, float lr)
{
    o->t++;
    if (o->kind == TR_OPT_ADAM) {
        float bc1 = 1.0f - powf(o->beta1, (float)o->t), bc2 = 1.0f - powf(o->beta2, (float)o->t);
        float step = lr / bc1, isb2 = 1.0f / sqrtf(bc2);
        for (int k = 0; k < o->np; k++) {
            tr_param *p = &o->p[k];
            float decay = p->decay ? 1.0f - lr * o->wd : 1.0f;   /* AdamW: decay outside the moments */
            for (size_t i = 0; i < p->n; i++) {
                float g = p->g[i];
                p->m[i] = o->beta1 * p->m[i] + (1.0f - o->beta1) * g;
                p->s[i] = o->beta2 * p->s[i] + (1.0f - o->beta2) * g * g;
                p->v[i] = p->v[i] * decay - step * p->m[i] / (sqrtf(p->s[i]) * isb2 + o->eps);
            }
        }
    } else {
        for (int k = 0; k < o->np; k++) {
            tr_param *p = &o->p[k];
            float wd = p->decay ? o->wd : 0.0f;
            for (size_t i = 0; i < p->n; i++) {
                float g = p->g[i] + wd * p->v[i];
                p->m[i] = o->momentum * p->m[i] + g;
                p->v[i] -= lr * p->m[i];
            }
        }
    }
}

void tr_beta_optim_init(tr_beta_optim *o, tr_model *m)
{
    *o = (tr_beta_optim){0};
    o->layers = bm_alloc((size_t)m->n, sizeof(tr_layer *));
    for (int i = 0; i < m->n; i++)
        if (m->layers[i].quantizable)
            o->layers[o->n++] = &m->layers[i];
    o->m = bm_alloc((size_t)m->n, sizeof(float));
    o->s = bm_alloc((size_t)m->n, sizeof(float));
}

void tr_beta_optim_free(tr_beta_optim *o)
{
    free(o->layers);
    free(o->m);
    free(o->s);
    *o = (tr_beta_optim){0};
}

void tr_beta_optim_step(tr_beta_optim *o, float lr)
{
    o->t++;
    float bc1 = 1.0f - powf(0.9f, (float)o->t), bc2 = 1.0f - powf(0.999f, (float)o->t);
    for (int i = 0; i < o->n; i++) {
        tr_layer *l = o->layers[i];
        if (l->beta_frozen)
            continue;
        float g = l->gbeta;
        o->m[i] = 0.9f * o->m[i] + 0.1f * g;
        o->s[i] = 0.999f * o->s[i] + 0.001f * g * g;
        l->beta = sq_clamp_beta(l->beta - lr * (o->m[i] / bc1) / (sqrtf(o->s[i] / bc2) + 1e-8f));
    }
}

float tr_schedule_lr(int sched, float base, double progress, int epoch, int step_every)
{
    switch (sched) {
    case TR_SCHED_COSINE:
        if (progress > 1.0)
            progress = 1.0;
        return (float)(base * 0.5 * (1.0 + cos(M_PI * progress)));
    case TR_SCHED_STEP:
        return base * powf(0.1f, (float)(step_every > 0 ? epoch / step_every : 0));
    default:
        return base;
    }
}
