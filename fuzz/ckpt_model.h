/* SPDX-License-Identifier: MIT */
/* The model a checkpoint is loaded into: a checkpoint only loads into the model it was saved from, so the fuzz
 * target and the seed generator (mkseeds.c) must build the same one. */
#ifndef BITERN_FUZZ_CKPT_MODEL_H
#define BITERN_FUZZ_CKPT_MODEL_H

#include <stdlib.h>

#include "train/checkpoint.h"
#include "train/optim.h"

#define FZ_CKPT_SPEC "conv3x3:2,bn,relu,pool2,fc:3,sign,fc:3"
#define FZ_CKPT_FINGERPRINT 0x62697465726e2121ull

static inline void fz_ckpt_model(tr_model *m, tr_optim *o, tr_beta_optim *bo)
{
    bm_layer_desc *d;
    int n;
    bm_rng rng;
    bm_rng_seed(&rng, 1);
    if (bm_spec_parse(FZ_CKPT_SPEC, &d, &n) < 0 || tr_model_build(m, d, n, 1, 6, 6, 3, 2, &rng) < 0)
        abort();
    free(d);
    tr_model_mark_quantizable(m, 1);
    tr_optim_init(o, m, TR_OPT_ADAM, 0.0f, 0.9f);
    tr_beta_optim_init(bo, m);
}

#endif
