/* SPDX-License-Identifier: MIT */
/* Optimizers (Adam with decoupled weight decay, SGD with momentum) and learning-rate schedules. */
#ifndef BITERN_TRAIN_OPTIM_H
#define BITERN_TRAIN_OPTIM_H

#include "train/nn.h"

enum { TR_OPT_ADAM = 0, TR_OPT_SGD = 1 };
enum { TR_SCHED_COSINE = 0, TR_SCHED_STEP = 1, TR_SCHED_CONST = 2 };

typedef struct tr_param {
    float *v, *g;
    size_t n;
    int decay;          /* weight decay applies (conv/dense weights only, not biases, BN or beta) */
    float *m, *s;       /* first / second moment (Adam) or velocity in m (SGD) */
} tr_param;

typedef struct tr_optim {
    int kind;
    float wd, momentum, beta1, beta2, eps;
    long t;             /* steps taken */
    int np;
    tr_param *p;
} tr_optim;

/* Registers every trainable tensor of the model (weights, biases, BN affine). */
void tr_optim_init(tr_optim *o, tr_model *m, int kind, float wd, float momentum);
void tr_optim_free(tr_optim *o);
void tr_optim_step(tr_optim *o, float lr);

/* The angles beta_l always use Adam (their gradient scale, gamma * csc^2, has nothing to do with the
 * weights'), with their own learning rate: a small optimizer over scalars, state kept per layer. */
typedef struct tr_beta_optim {
    int n;
    tr_layer **layers;
    float *m, *s;
    long t;
} tr_beta_optim;
void tr_beta_optim_init(tr_beta_optim *o, tr_model *m);
void tr_beta_optim_free(tr_beta_optim *o);
void tr_beta_optim_step(tr_beta_optim *o, float lr);

/* lr at a fraction progress in [0, 1] of training (epoch-based for the step schedule). */
float tr_schedule_lr(int sched, float base, double progress, int epoch, int step_every);

#endif
